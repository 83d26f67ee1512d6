package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "zhibu_session"

// Roles.
const (
	RoleSecretary = "secretary"
	RoleOrganizer = "organizer"
	RoleAdmin     = "admin"
)

// Identity is the signed-in user as every handler sees it.
type Identity struct {
	UserID             int64  `db:"user_id" json:"id"`
	Username           string `db:"username" json:"username"`
	Name               string `db:"name" json:"name"`
	Role               string `db:"role" json:"role"`
	TownshipID         int64  `db:"township_id" json:"township_id,omitempty"`
	BranchID           int64  `db:"branch_id" json:"branch_id,omitempty"`
	MustChangePassword bool   `db:"must_change_password" json:"must_change_password"`

	csrf      string
	sessionID string
}

// CSRF is the session's CSRF token.
func (i *Identity) CSRF() string { return i.csrf }

// Sessions stores sessions in PostgreSQL so that any app instance can serve any request.
type Sessions struct {
	db     *sqlx.DB
	ttl    time.Duration
	secure bool
	cache  *sessionCache // nil: off (sessioncache.go)
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the OS random source never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Create starts a session for the user and returns its secret token and CSRF token.
func (s *Sessions) Create(ctx context.Context, userID int64, ip, userAgent string) (token, csrf string, err error) {
	token, csrf = randomToken(32), randomToken(24)
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	_, err = s.db.ExecContext(ctx, `
		INSERT INTO sessions (id, user_id, csrf_token, expires_at, ip, user_agent)
		VALUES ($1, $2, $3, now() + $4 * interval '1 second', $5, $6)`,
		hashToken(token), userID, csrf, int64(s.ttl.Seconds()), ip, userAgent)
	return token, csrf, err
}

// Lookup returns the identity behind a session token, or nil when the session is
// unknown, expired or its user deactivated. Active sessions slide their expiry. A
// session read in the last few seconds comes from this instance's cache without a
// database round trip (sessioncache.go).
func (s *Sessions) Lookup(ctx context.Context, token string) (*Identity, error) {
	if token == "" || len(token) > 100 {
		return nil, nil
	}
	id := hashToken(token)
	now := time.Now()
	if ident, ok := s.cache.get(id, now); ok {
		return ident, nil
	}
	gen, caching := s.cache.begin()
	var row struct {
		Identity
		CSRF     string    `db:"csrf_token"`
		LastSeen time.Time `db:"last_seen_at"`
		Expires  time.Time `db:"expires_at"`
	}
	err := s.db.GetContext(ctx, &row, `
		SELECT s.csrf_token, s.last_seen_at, s.expires_at, u.id AS user_id, u.username, u.name, u.role,
		       COALESCE(u.township_id, 0) AS township_id, COALESCE(u.branch_id, 0) AS branch_id,
		       u.must_change_password
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.id = $1 AND s.expires_at > now() AND u.active`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// Touch at most every few minutes: one write per active user, not per request.
	if time.Since(row.LastSeen) > 5*time.Minute {
		s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = now(), expires_at = now() + $2 * interval '1 second' WHERE id = $1`,
			id, int64(s.ttl.Seconds()))
	}
	ident := row.Identity
	ident.csrf = row.CSRF
	ident.sessionID = id
	if caching {
		s.cache.put(id, gen, ident, row.Expires, now)
	}
	return &ident, nil
}

// Delete ends one session.
func (s *Sessions) Delete(ctx context.Context, token string) error {
	id := hashToken(token)
	s.cache.dropSession(id) // this instance at once; the others by notification
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, id)
	return err
}

// DeleteOthers ends every session of the user but the current one (after a password change).
func (s *Sessions) DeleteOthers(ctx context.Context, ident *Identity) error {
	s.cache.dropUser(ident.UserID)
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id <> $2`, ident.UserID, ident.sessionID)
	return err
}

// DeleteUser ends every session of the user (deactivation, password reset).
func (s *Sessions) DeleteUser(ctx context.Context, userID int64) error {
	s.cache.dropUser(userID)
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	return err
}

// Sweep removes expired sessions.
func (s *Sessions) Sweep(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < now()`)
	return err
}

// SetCookie sends the session cookie: HttpOnly, SameSite=Lax (links opened from WeChat
// chats must arrive signed in), Secure when configured.
func (s *Sessions) SetCookie(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: token, Path: "/", HTTPOnly: true, Secure: s.secure,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Now().Add(s.ttl)})
}

// ClearCookie removes the session cookie.
func (s *Sessions) ClearCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: "", Path: "/", HTTPOnly: true, Secure: s.secure,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Unix(0, 0), MaxAge: -1})
}

// Login starts a session and sets its cookie; it returns the CSRF token.
func (s *Sessions) Login(c *fiber.Ctx, userID int64) (string, error) {
	token, csrf, err := s.Create(c.UserContext(), userID, c.IP(), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return "", err
	}
	s.SetCookie(c, token)
	return csrf, nil
}

// Logout ends the request's session and clears the cookie.
func (s *Sessions) Logout(c *fiber.Ctx) error {
	if token := c.Cookies(SessionCookie); token != "" {
		if err := s.Delete(c.UserContext(), token); err != nil {
			return err
		}
	}
	s.ClearCookie(c)
	return nil
}

func (s *Sessions) load(c *fiber.Ctx) error {
	token := c.Cookies(SessionCookie)
	if token == "" {
		return c.Next()
	}
	ident, err := s.Lookup(c.UserContext(), token)
	if err != nil {
		return err
	}
	if ident != nil {
		c.Locals(identityKey, ident)
	}
	return c.Next()
}

type localKey int

const identityKey localKey = 1

// Me returns the signed-in user, or nil.
func Me(c *fiber.Ctx) *Identity {
	ident, _ := c.Locals(identityKey).(*Identity)
	return ident
}
