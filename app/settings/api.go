package settings

import (
	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// GET /api/v1/settings
func (h *handlers) apiGet(c *fiber.Ctx) error {
	st, err := h.store.Get(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(st)
}

// PUT /api/v1/settings
func (h *handlers) apiUpdate(c *fiber.Ctx) error {
	var in Input
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	st, err := h.store.Update(c.UserContext(), web.Me(c), in)
	if err != nil {
		return err
	}
	return c.JSON(st)
}
