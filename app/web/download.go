package web

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Downloads inside WeChat. WeChat's built-in browser (User-Agent "MicroMessenger") often
// cannot save a file, and its 「在浏览器打开」 opens the current address in the phone's
// browser, where nobody is signed in. So a download route puts s.Download right after its
// guard:
//
//	a.Get("/api/v1/reports/completion.xlsx", staff, s.Download, h.completionXLSX)
//
// Outside WeChat it does nothing. Inside WeChat it stores a one-time link (the table
// download_links, migrations/00055_county_settings.sql) and redirects to it, so the
// address WeChat hands to the browser is the link itself. GET /dl/:token then shows,
// inside WeChat, how to open it in the browser; in any other browser it takes the link
// (once, before it expires), signs the request in as the link's user, who must still be
// active, and routes the stored path again: the route's own guard and township scope
// decide as they would for that user, and nothing but that path is served.

const (
	// DownloadLinkTTL is how long a link works.
	DownloadLinkTTL = 10 * time.Minute
	// DownloadLinksPerUser is how many live links (unused, not expired) a user may hold;
	// a new link for the same address replaces the older one.
	DownloadLinksPerUser = 10
	// downloadLinkLock is the first key of the per-user advisory lock that serializes a
	// user's link creation, so parallel requests cannot overrun the cap.
	downloadLinkLock = 7302
	downloadPathMax  = 2048
	linkPrefix       = "/dl/"
)

// ErrTooManyLinks refuses a link beyond DownloadLinksPerUser.
var ErrTooManyLinks = Err(http.StatusTooManyRequests, "too_many_links", "下载链接申请过于频繁，请稍后再试")

// IsWeChat tells whether the request comes from WeChat's built-in browser (also WeCom's).
func IsWeChat(c *fiber.Ctx) bool {
	return strings.Contains(c.Get(fiber.HeaderUserAgent), "MicroMessenger")
}

const linkKey localKey = 2

// viaLink tells whether the request is being served through a one-time link.
func viaLink(c *fiber.Ctx) bool { return c.Locals(linkKey) != nil }

// Download is the handler a download route puts after its guard (see above).
func (s *Server) Download(c *fiber.Ctx) error {
	if c.Method() != fiber.MethodGet || !IsWeChat(c) || viaLink(c) {
		return c.Next()
	}
	me := Me(c)
	if me == nil {
		return Err(fiber.StatusUnauthorized, "unauthenticated", "请先登录")
	}
	path := c.Path()
	if q := c.Request().URI().QueryString(); len(q) > 0 {
		path += "?" + string(q)
	}
	if len(path) > downloadPathMax {
		return BadRequest("下载地址过长")
	}
	token, err := s.createLink(c.UserContext(), me.UserID, path)
	if err != nil {
		return err
	}
	return c.Redirect(linkPrefix+token, fiber.StatusSeeOther)
}

// createLink stores a new link of the user for path and returns its secret token.
// Locks: the user's advisory lock (downloadLinkLock, user id), then download_links rows.
func (s *Server) createLink(ctx context.Context, userID int64, path string) (string, error) {
	token := randomToken(32)
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, $2::int)`, downloadLinkLock, userID); err != nil {
		return "", err
	}
	// Links a day past their expiry are forgotten (until then a refused link can say why);
	// the user's live link for the same address is replaced.
	if _, err := tx.ExecContext(ctx, `
		DELETE FROM download_links
		WHERE expires_at < now() - interval '1 day'
		   OR (user_id = $1 AND path = $2 AND used_at IS NULL AND expires_at > now())`, userID, path); err != nil {
		return "", err
	}
	var live int
	if err := tx.GetContext(ctx, &live, `
		SELECT count(*) FROM download_links WHERE user_id = $1 AND used_at IS NULL AND expires_at > now()`, userID); err != nil {
		return "", err
	}
	if live >= DownloadLinksPerUser {
		return "", ErrTooManyLinks
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO download_links (token_hash, user_id, path, expires_at)
		VALUES ($1, $2, $3, now() + $4 * interval '1 second')`,
		hashToken(token), userID, path, int64(DownloadLinkTTL.Seconds())); err != nil {
		return "", err
	}
	return token, tx.Commit()
}

// linkState is what a link is now.
type linkState int

const (
	linkUnknown linkState = iota
	linkLive
	linkUsed
	linkExpired
)

// peekLink reads a link's state without taking it, and when it expires.
func (s *Server) peekLink(ctx context.Context, token string) (linkState, time.Time, error) {
	var row struct {
		Used      bool      `db:"used"`
		Live      bool      `db:"live"`
		ExpiresAt time.Time `db:"expires_at"`
	}
	err := s.DB.GetContext(ctx, &row, `
		SELECT used_at IS NOT NULL AS used, expires_at > now() AS live, expires_at
		FROM download_links WHERE token_hash = $1`, hashToken(token))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return linkUnknown, time.Time{}, nil
	case err != nil:
		return linkUnknown, time.Time{}, err
	case row.Used:
		return linkUsed, row.ExpiresAt, nil
	case !row.Live:
		return linkExpired, row.ExpiresAt, nil
	}
	return linkLive, row.ExpiresAt, nil
}

// takeLink uses the link up, atomically: of two requests with the same token at most
// one gets its user and path. ok is false when the link is unknown, used or expired.
// Locks: the link's row (UPDATE).
func (s *Server) takeLink(ctx context.Context, token string) (userID int64, path string, ok bool, err error) {
	var row struct {
		UserID int64  `db:"user_id"`
		Path   string `db:"path"`
	}
	err = s.DB.GetContext(ctx, &row, `
		UPDATE download_links SET used_at = now()
		WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
		RETURNING user_id, path`, hashToken(token))
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", false, nil
	}
	if err != nil {
		return 0, "", false, err
	}
	return row.UserID, row.Path, true, nil
}

// activeIdentity loads an active user as a request identity without a session (no CSRF
// token: a link serves one GET and nothing else).
func (s *Server) activeIdentity(ctx context.Context, userID int64) (*Identity, error) {
	var ident Identity
	err := s.DB.GetContext(ctx, &ident, `
		SELECT id AS user_id, username, name, role, COALESCE(township_id, 0) AS township_id,
		       COALESCE(branch_id, 0) AS branch_id, must_change_password
		FROM users WHERE id = $1 AND active`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &ident, nil
}

// wellFormedToken tells whether s can be a token of randomToken(32) at all, so garbage
// never reaches the database.
func wellFormedToken(s string) bool {
	if len(s) != 43 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// GET /dl/:token
func (s *Server) serveLink(c *fiber.Ctx) error {
	token := c.Params("token")
	if !wellFormedToken(token) {
		return s.linkRefused(c, linkUnknown)
	}
	if IsWeChat(c) || c.Method() != fiber.MethodGet {
		// Inside WeChat (and for HEAD) the link is shown, never taken.
		state, expires, err := s.peekLink(c.UserContext(), token)
		if err != nil {
			return err
		}
		if state != linkLive {
			return s.linkRefused(c, state)
		}
		if c.Method() != fiber.MethodGet {
			return c.SendStatus(fiber.StatusOK)
		}
		link := linkPrefix + token
		return s.Render.Page(c, "web/download", fiber.Map{"Title": "请在浏览器中下载", "Link": link, "URL": c.BaseURL() + link,
			"Expires": expires, "Minutes": int(DownloadLinkTTL.Minutes())})
	}
	userID, path, ok, err := s.takeLink(c.UserContext(), token)
	if err != nil {
		return err
	}
	if !ok {
		state, _, err := s.peekLink(c.UserContext(), token)
		if err != nil {
			return err
		}
		return s.linkRefused(c, state)
	}
	ident, err := s.activeIdentity(c.UserContext(), userID)
	if err != nil {
		return err
	}
	if ident == nil {
		c.Status(fiber.StatusForbidden)
		return s.Render.Page(c, "web/download", fiber.Map{"Title": "无法下载", "Refused": "该账号已停用，无法下载。"})
	}
	// The stored path is routed again as the link's user; the phone browser's own cookies
	// (another user's session, say) are dropped so that Sessions.load cannot replace it.
	c.Locals(identityKey, ident)
	c.Locals(linkKey, true)
	c.Request().Header.DelAllCookies()
	p, q, _ := strings.Cut(path, "?")
	c.Request().URI().SetQueryString(q)
	c.Path(p)
	return c.RestartRouting()
}

// linkRefused answers a link that cannot serve: a Chinese page saying what to do.
func (s *Server) linkRefused(c *fiber.Ctx, state linkState) error {
	msg, status := "找不到该下载链接，请回到微信重新点击「下载」。", fiber.StatusNotFound
	switch state {
	case linkUsed:
		msg, status = "该下载链接已使用过，每个链接只能下载一次。如文件没有保存成功，请回到微信重新点击「下载」获取新链接。", fiber.StatusGone
	case linkExpired:
		msg, status = "该下载链接已过期（有效期 "+strconv.Itoa(int(DownloadLinkTTL.Minutes()))+" 分钟）。请回到微信重新点击「下载」获取新链接。", fiber.StatusGone
	}
	c.Status(status)
	return s.Render.Page(c, "web/download", fiber.Map{"Title": "无法下载", "Refused": msg})
}
