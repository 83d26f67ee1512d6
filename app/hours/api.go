package hours

import (
	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// GET /api/v1/me/hours?year=YYYY
func (h *handlers) apiMine(c *fiber.Ctx) error {
	year, err := yearParam(c)
	if err != nil {
		return err
	}
	sum, err := h.store.Mine(c.UserContext(), web.Me(c).UserID, year)
	if err != nil {
		return err
	}
	return c.JSON(sum)
}

// GET /api/v1/hours?year=&township=&q=&page=
func (h *handlers) apiPeople(c *fiber.Ctx) error {
	f, page, err := filterOf(c)
	if err != nil {
		return err
	}
	list, total, reached, target, err := h.store.People(c.UserContext(), web.ScopeOf(web.Me(c)), f)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"year": f.Year, "target": target, "total": total, "reached": reached,
		"page": page, "per_page": f.Limit, "people": list})
}

// POST /api/v1/hours {"user_id","year","hours","note"}
func (h *handlers) apiCredit(c *fiber.Ctx) error {
	var in CreditInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	e, err := h.store.CreditManual(c.UserContext(), web.Me(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(e)
}

// DELETE /api/v1/hours/:id {"reason"}
func (h *handlers) apiRevoke(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in RevokeInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	e, err := h.store.Revoke(c.UserContext(), web.Me(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(e)
}
