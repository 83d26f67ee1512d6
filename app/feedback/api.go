package feedback

import (
	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// JSON handlers (docs/feedback.md).

// GET /api/v1/feedback?status=&category=&kind=&q=&mine=1&page=
func (h *handlers) apiList(c *fiber.Ctx) error {
	f, page, err := filterOf(c)
	if err != nil {
		return err
	}
	p, err := h.store.List(c.UserContext(), web.Me(c), f)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": p.Items, "total": p.Total, "counts": p.Counts, "page": page, "page_size": f.Limit})
}

// POST /api/v1/feedback {"kind","category","text","anonymous"}
func (h *handlers) apiSend(c *fiber.Ctx) error {
	var in SendInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	it, err := h.store.Send(c.UserContext(), web.Me(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(it)
}

// GET /api/v1/feedback/:id — one's own, or staff's in scope.
func (h *handlers) apiGet(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	it, err := h.store.Get(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	return c.JSON(it)
}

// POST /api/v1/feedback/:id/reply {"text","status"}
func (h *handlers) apiReply(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in ReplyInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	it, err := h.store.Answer(c.UserContext(), web.Me(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(it)
}
