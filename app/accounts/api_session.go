package accounts

import (
	"errors"
	"math"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// setRetryAfter adds the Retry-After header when err is a throttled login.
func setRetryAfter(c *fiber.Ctx, err error) {
	var te *Throttled
	if errors.As(err, &te) {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(math.Ceil(te.Wait.Seconds())))))
	}
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
	u, err := h.store.Authenticate(c.UserContext(), in.Username, in.Password, c.IP())
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
	u, err := h.store.User(c.UserContext(), me.UserID)
	if err != nil || u == nil {
		return ErrNoAccount
	}
	return c.JSON(fiber.Map{"user": publicUser(u), "csrf_token": me.CSRF()})
}

func publicUser(u *User) fiber.Map {
	return fiber.Map{"id": u.ID, "username": u.Username, "name": u.Name, "role": u.Role, "phone": u.Phone,
		"township_id": u.TownshipID, "township_name": u.TownshipName, "branch_id": u.BranchID,
		"branch_name": u.BranchName, "title": u.Title, "must_change_password": u.MustChangePassword}
}

// PUT /api/v1/me/password {"current_password", "new_password"} → 204; current_password
// is not needed while must_change_password is true (first login).
func (h *handlers) apiChangePassword(c *fiber.Ctx) error {
	var in struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	if err := h.store.ChangePassword(c.UserContext(), web.Me(c), in.Current, in.New, ""); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
