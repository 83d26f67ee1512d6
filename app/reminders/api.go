package reminders

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// JSON handlers (docs/reminders.md): each parses the request, calls one store operation
// and writes JSON.

// POST /api/v1/reminders (?dry_run=1 previews: nothing is sent or written)
func (h *handlers) apiSend(c *fiber.Ctx) error {
	var in SendInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	if dry := c.Query("dry_run"); dry == "1" || dry == "true" {
		p, err := h.store.Preview(c.UserContext(), web.Me(c), in)
		if err != nil {
			return err
		}
		return c.JSON(Result{Recipients: p.Send, Skipped: p.Skipped})
	}
	res, err := h.store.Send(c.UserContext(), web.Me(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(res)
}

// GET /api/v1/reminders?page=&q=
func (h *handlers) apiList(c *fiber.Ctx) error {
	page, err := web.PageParam(c)
	if err != nil {
		return err
	}
	pg := web.NewPager(c, page, 0, web.PageSize)
	list, total, err := h.store.List(c.UserContext(), web.Me(c), strings.Clone(c.Query("q")), pg.Offset(), pg.Limit())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"reminders": list, "total": total, "page": page})
}

// GET /api/v1/reminders/:id?page=&q=&show=
func (h *handlers) apiGet(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	page, err := web.PageParam(c)
	if err != nil {
		return err
	}
	show := c.Query("show")
	if !ValidShow(show) {
		return web.Invalid("筛选条件不正确", map[string]string{"show": "应为 read、unread、finished、unfinished 或 skipped"})
	}
	r, err := h.store.Get(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	pg := web.NewPager(c, page, 0, web.PageSize)
	rows, n, err := h.store.Recipients(c.UserContext(), r, show, strings.Clone(c.Query("q")), pg.Offset(), pg.Limit())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"reminder": r, "counts": n, "recipients": rows, "total": n.Of(show), "page": page})
}
