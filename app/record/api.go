package record

import (
	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// GET /api/v1/me/record?year=YYYY
func (h *handlers) apiMine(c *fiber.Ctx) error {
	r, err := h.mine(c)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// GET /api/v1/users/:id/record?year=YYYY
func (h *handlers) apiPerson(c *fiber.Ctx) error {
	r, err := h.person(c)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// mine reads the caller's own record of ?year=.
func (h *handlers) mine(c *fiber.Ctx) (*Record, error) {
	me := web.Me(c)
	if me.Role != web.RoleSecretary {
		return nil, ErrNotSecretary
	}
	year, err := yearOf(c, h.now())
	if err != nil {
		return nil, err
	}
	return h.store.Of(c.UserContext(), web.ScopeOf(me), me.UserID, year)
}

// person reads the record of :id of ?year= within the caller's scope.
func (h *handlers) person(c *fiber.Ctx) (*Record, error) {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return nil, ErrPersonNotFound
	}
	year, err := yearOf(c, h.now())
	if err != nil {
		return nil, err
	}
	return h.store.Of(c.UserContext(), web.ScopeOf(web.Me(c)), id, year)
}
