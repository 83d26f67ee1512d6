package accounts

import (
	"context"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

type handlers struct {
	db  *sqlx.DB
	srv *web.Server
}

var errBadLogin = web.Err(fiber.StatusUnauthorized, "invalid_credentials", "账号或密码不正确")
var errThrottled = web.Err(fiber.StatusTooManyRequests, "too_many_attempts", "登录失败次数过多，请 15 分钟后再试")

// authenticate checks a login (username or phone) and password with throttling. The
// answer and its timing are the same for an unknown account and a wrong password.
func (h *handlers) authenticate(ctx context.Context, login, password, ip string) (*User, error) {
	login = strings.TrimSpace(login)
	if login == "" || password == "" {
		return nil, web.Invalid("请输入账号和密码", map[string]string{"username": "必填", "password": "必填"})
	}
	if len(login) > 64 || len(password) > 200 {
		return nil, errBadLogin
	}
	blocked, err := loginBlocked(ctx, h.db, login, ip)
	if err != nil {
		return nil, err
	}
	if blocked {
		return nil, errThrottled
	}
	u, err := userByLogin(ctx, h.db, login)
	if err != nil {
		return nil, err
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	}
	if !checkPassword(hash, password) {
		if err := recordFailure(ctx, h.db, login, ip); err != nil {
			return nil, err
		}
		return nil, errBadLogin
	}
	return u, clearFailures(ctx, h.db, login)
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

// safeNext only follows local paths, never another site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.Contains(next, "\n") {
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
