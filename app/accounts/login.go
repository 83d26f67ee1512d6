package accounts

import (
	"context"
	"errors"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

type handlers struct {
	db  *sqlx.DB
	srv *web.Server
}

var errBadLogin = web.Err(fiber.StatusUnauthorized, "invalid_credentials", "账号或密码不正确")

// Longest login and password looked at; longer ones are refused like a wrong password.
const (
	maxLoginBytes    = 64
	maxPasswordInput = 200
)

// throttledError is the 429 of a throttled login; it carries the wait for Retry-After.
type throttledError struct {
	err  *web.Error
	wait time.Duration
}

func (e *throttledError) Error() string { return e.err.Error() }
func (e *throttledError) Unwrap() error { return e.err }

// setRetryAfter adds the Retry-After header when err is a throttled login.
func setRetryAfter(c *fiber.Ctx, err error) {
	var te *throttledError
	if errors.As(err, &te) {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(math.Ceil(te.wait.Seconds())))))
	}
}

// authenticate checks a login (username or phone) and password from a client address,
// throttled as throttle.go describes: the attempt is counted before the password is
// compared. The answer and its timing are the same for an unknown account and a wrong
// password.
func (h *handlers) authenticate(ctx context.Context, login, password, ip string) (*User, error) {
	login = strings.TrimSpace(login)
	if login == "" || password == "" {
		return nil, web.Invalid("请输入账号和密码", map[string]string{"username": "必填", "password": "必填"})
	}
	if _, ok := oneLine(login); !ok {
		return nil, web.Invalid(controlCharsMsg("账号"), map[string]string{"username": "含有控制字符"})
	}
	if len(login) > maxLoginBytes || len(password) > maxPasswordInput {
		return nil, errBadLogin
	}
	u, err := userByLogin(ctx, h.db, login)
	if errors.Is(err, errAmbiguousLogin) {
		h.srv.Logger().Warn("login names two accounts; fix their usernames", "login", login)
		u, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	keys := keysFor(u, login, ip)
	v, err := reserveAttempt(ctx, h.db, keys)
	if err != nil {
		return nil, err
	}
	if !v.Allowed {
		return nil, &throttledError{err: web.Err(fiber.StatusTooManyRequests, "too_many_attempts", throttledMessage(v.Wait)), wait: v.Wait}
	}
	hash := ""
	if u != nil && u.Active {
		hash = u.PasswordHash
	}
	if !checkPassword(hash, password) {
		return nil, errBadLogin
	}
	return u, attemptSucceeded(ctx, h.db, keys)
}

// POST /api/v1/session
func (h *handlers) apiLogin(c *fiber.Ctx) error {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	u, err := h.authenticate(c.UserContext(), in.Username, in.Password, c.IP())
	if err != nil {
		setRetryAfter(c, err)
		return err
	}
	csrf, err := h.srv.Sessions.Login(c, u.ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"user": publicUser(u), "csrf_token": csrf})
}

// DELETE /api/v1/session
func (h *handlers) apiLogout(c *fiber.Ctx) error {
	if err := h.srv.Sessions.Logout(c); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// GET /api/v1/me
func (h *handlers) apiMe(c *fiber.Ctx) error {
	me := web.Me(c)
	u, err := userByID(c.UserContext(), h.db, me.UserID)
	if err != nil || u == nil {
		return web.NotFound("")
	}
	return c.JSON(fiber.Map{"user": publicUser(u), "csrf_token": me.CSRF()})
}

func publicUser(u *User) fiber.Map {
	return fiber.Map{"id": u.ID, "username": u.Username, "name": u.Name, "role": u.Role, "phone": u.Phone,
		"township_id": u.TownshipID, "township_name": u.TownshipName, "branch_id": u.BranchID,
		"branch_name": u.BranchName, "title": u.Title, "must_change_password": u.MustChangePassword}
}

// GET /login
func (h *handlers) loginPage(c *fiber.Ctx) error {
	if web.Me(c) != nil {
		return c.Redirect("/")
	}
	return h.srv.Render.Page(c, "accounts/login", fiber.Map{"Title": "登录", "Next": safeNext(c.Query("next"))})
}

// POST /login
func (h *handlers) loginSubmit(c *fiber.Ctx) error {
	login, next := c.FormValue("username"), safeNext(c.FormValue("next"))
	u, err := h.authenticate(c.UserContext(), login, c.FormValue("password"), c.IP())
	if err != nil {
		we := web.AsError(err)
		if we.Status >= 500 {
			return err
		}
		setRetryAfter(c, err)
		c.Status(we.Status)
		return h.srv.Render.Page(c, "accounts/login", fiber.Map{"Title": "登录", "Error": we.Message,
			"Username": login, "Next": next})
	}
	if _, err := h.srv.Sessions.Login(c, u.ID); err != nil {
		return err
	}
	if u.MustChangePassword {
		return c.Redirect("/password", fiber.StatusSeeOther)
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

// POST /logout
func (h *handlers) logout(c *fiber.Ctx) error {
	if err := h.srv.Sessions.Logout(c); err != nil {
		return err
	}
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// safeNext only follows a path of this site: "/" not followed by a second slash or a
// backslash, with no control character, space or backslash anywhere (browsers drop tabs and
// line breaks from URLs and read a backslash as "/", which turns "/<TAB>/host" into
// "//host"), parsing as a URL without scheme, user or host, and whose decoded path does not
// start with "//" either. Anything else goes home.
func safeNext(next string) string {
	if len(next) < 1 || len(next) > 2048 || next[0] != '/' || !utf8.ValidString(next) {
		return "/"
	}
	if strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	if strings.ContainsFunc(next, func(r rune) bool { return r == '\\' || unicode.IsSpace(r) || web.BadRune(r, false) }) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") ||
		strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}

// changePassword checks the current password and stores the new one.
func (h *handlers) changePassword(ctx context.Context, me *web.Identity, current, next, confirm string) error {
	u, err := userByID(ctx, h.db, me.UserID)
	if err != nil || u == nil {
		return web.NotFound("")
	}
	if !checkPassword(u.PasswordHash, current) {
		return web.Invalid("当前密码不正确", map[string]string{"current_password": "当前密码不正确"})
	}
	if reason := validateNewPassword(next); reason != "" {
		return web.Invalid(reason, map[string]string{"new_password": reason})
	}
	if confirm != "" && confirm != next {
		return web.Invalid("两次输入的新密码不一致", map[string]string{"confirm_password": "两次输入不一致"})
	}
	if next == current {
		return web.Invalid("新密码不能与当前密码相同", map[string]string{"new_password": "不能与当前密码相同"})
	}
	hash, err := hashPassword(next)
	if err != nil {
		return err
	}
	if err := setPassword(ctx, h.db, me.UserID, hash, false); err != nil {
		return err
	}
	// Other devices signed in with the old password are signed out.
	return h.srv.Sessions.DeleteOthers(ctx, me)
}

// PUT /api/v1/me/password
func (h *handlers) apiChangePassword(c *fiber.Ctx) error {
	var in struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	if err := h.changePassword(c.UserContext(), web.Me(c), in.Current, in.New, ""); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// GET /password
func (h *handlers) passwordPage(c *fiber.Ctx) error {
	return h.srv.Render.Page(c, "accounts/password", fiber.Map{"Title": "修改密码"})
}

// POST /password
func (h *handlers) passwordSubmit(c *fiber.Ctx) error {
	err := h.changePassword(c.UserContext(), web.Me(c), c.FormValue("current_password"), c.FormValue("new_password"), c.FormValue("confirm_password"))
	if err != nil {
		we := web.AsError(err)
		if we.Status >= 500 {
			return err
		}
		c.Status(we.Status)
		return h.srv.Render.Page(c, "accounts/password", fiber.Map{"Title": "修改密码", "Error": we.Message})
	}
	return web.RedirectOK(c, "/", "密码已修改")
}

// GET / : the home page of every role; features add their cards.
func (h *handlers) home(c *fiber.Ctx) error {
	me := web.Me(c)
	if me == nil {
		return c.Redirect("/login")
	}
	if me.MustChangePassword {
		return c.Redirect("/password")
	}
	u, err := userByID(c.UserContext(), h.db, me.UserID)
	if err != nil {
		return err
	}
	cards, err := h.srv.HomeCards(c.UserContext(), me)
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "accounts/home", fiber.Map{"Title": "首页", "User": u, "Cards": cards})
}

// GET /me
func (h *handlers) mePage(c *fiber.Ctx) error {
	u, err := userByID(c.UserContext(), h.db, web.Me(c).UserID)
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "accounts/me", fiber.Map{"Title": "我的", "User": u})
}
