package accounts

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

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
	u, err := h.store.Authenticate(c.UserContext(), login, c.FormValue("password"), c.IP())
	if err != nil {
		we := h.srv.AsError(err)
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

// GET /password
func (h *handlers) passwordPage(c *fiber.Ctx) error {
	return h.srv.Render.Page(c, "accounts/password", fiber.Map{"Title": "修改密码"})
}

// POST /password
func (h *handlers) passwordSubmit(c *fiber.Ctx) error {
	err := h.store.ChangePassword(c.UserContext(), web.Me(c), c.FormValue("current_password"), c.FormValue("new_password"), c.FormValue("confirm_password"))
	if err != nil {
		we := h.srv.AsError(err)
		if we.Status >= 500 {
			return err
		}
		c.Status(we.Status)
		return h.srv.Render.Page(c, "accounts/password", fiber.Map{"Title": "修改密码", "Error": we.Message})
	}
	return web.RedirectOK(c, "/", "密码已修改")
}
