package web

import (
	"crypto/subtle"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// CSRF protection: every unsafe method must carry the session's token, in the
// X-CSRF-Token header (API, scripts) or the _csrf form field (HTML forms). Before login
// a double-submit cookie plays the session's part, so the login form is protected too.

const (
	csrfHeader     = "X-CSRF-Token"
	csrfField      = "_csrf"
	preLoginCookie = "zhibu_csrf"
)

// CSRFToken returns the token a page must embed in its forms.
func CSRFToken(c *fiber.Ctx) string {
	if me := Me(c); me != nil {
		return me.csrf
	}
	if v := c.Cookies(preLoginCookie); len(v) >= 20 && len(v) <= 64 {
		return v
	}
	token := randomToken(24)
	c.Cookie(&fiber.Cookie{Name: preLoginCookie, Value: token, Path: "/", HTTPOnly: true,
		SameSite: fiber.CookieSameSiteStrictMode, Expires: time.Now().Add(24 * time.Hour)})
	// Later calls in the same request must see the same token.
	c.Request().Header.SetCookie(preLoginCookie, token)
	return token
}

func isSafeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}

func csrfProtect(c *fiber.Ctx) error {
	if isSafeMethod(c.Method()) {
		return c.Next()
	}
	// A JSON login cannot be forged by a cross-site form (browsers preflight JSON), and it
	// is how API clients obtain their first token.
	if c.Path() == "/api/v1/session" && c.Method() == fiber.MethodPost &&
		strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON) {
		return c.Next()
	}
	var expected string
	if me := Me(c); me != nil {
		expected = me.csrf
	} else {
		expected = c.Cookies(preLoginCookie)
	}
	got := c.Get(csrfHeader)
	if got == "" {
		got = c.FormValue(csrfField)
	}
	if expected == "" || got == "" || subtle.ConstantTimeCompare([]byte(expected), []byte(got)) != 1 {
		return Err(fiber.StatusForbidden, "csrf_failed", "页面已过期或请求来源无法验证，请刷新页面后重试")
	}
	return c.Next()
}
