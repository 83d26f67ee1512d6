package inbox

import (
	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// apiList: GET /api/v1/messages?page= — the caller's messages, newest first, a page of
// web.PageSize, with the unread count. Reading marks nothing read.
func (h *handlers) apiList(c *fiber.Ctx) error {
	page, err := web.PageParam(c)
	if err != nil {
		return err
	}
	p, err := h.store.List(c.UserContext(), web.Me(c).UserID, (page-1)*web.PageSize, web.PageSize)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"unread": p.Unread, "messages": p.Messages, "total": p.Total, "page": page, "page_size": web.PageSize})
}

// apiRead: POST /api/v1/messages/{id}/read — marks one of the caller's messages read;
// another person's message is 404.
func (h *handlers) apiRead(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	m, n, err := h.store.MarkRead(c.UserContext(), web.Me(c).UserID, id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"message": m, "unread": n})
}

// apiReadAll: POST /api/v1/messages/read — marks all the caller's messages read.
func (h *handlers) apiReadAll(c *fiber.Ctx) error {
	n, err := h.store.MarkAllRead(c.UserContext(), web.Me(c).UserID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"marked": n, "unread": 0})
}
