package outbox

import (
	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// GET /api/v1/outbox?status=failed&q=&page= (admin): the counts per status and one page
// of the rows of a status, newest first.
func (h *handlers) apiList(c *fiber.Ctx) error {
	f, page, err := listQuery(c)
	if err != nil {
		return err
	}
	counts, err := h.store.Counts(c.UserContext())
	if err != nil {
		return err
	}
	rows, total, err := h.store.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	status := f.Status
	if status == "" {
		status = StatusAll
	}
	return c.JSON(fiber.Map{"enabled": h.on, "counts": counts, "status": status, "items": rows,
		"total": total, "page": page, "pages": (total + web.PageSize - 1) / web.PageSize})
}

// POST /api/v1/outbox/:id/retry (admin): a failed or skipped row is sent again.
func (h *handlers) apiRetry(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	r, err := h.store.Retry(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(r)
}
