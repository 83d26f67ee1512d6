package inbox

import (
	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// listPage: GET /messages — the caller's messages, newest first, paged, unread marked.
// Showing them marks nothing read.
func (h *handlers) listPage(c *fiber.Ctx) error {
	page, err := web.PageParam(c)
	if err != nil {
		return err
	}
	p, err := h.store.List(c.UserContext(), web.Me(c).UserID, (page-1)*web.PageSize, web.PageSize)
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "inbox/list", fiber.Map{"Title": "消息", "Messages": p.Messages, "Unread": p.Unread,
		"Pager": web.NewPager(c, page, p.Total, web.PageSize)})
}

// readForm: POST /messages/:id/read (查看, with the form's CSRF token) — marks the message
// read and opens its page, or comes back to the list when it has none.
func (h *handlers) readForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	m, _, err := h.store.MarkRead(c.UserContext(), web.Me(c).UserID, id)
	if err != nil {
		return err
	}
	if m.URL != "" && LocalURL(m.URL) {
		return c.Redirect(m.URL, fiber.StatusSeeOther)
	}
	return web.RedirectOK(c, "/messages", "已标为已读")
}

// readAllForm: POST /messages/read (全部标为已读).
func (h *handlers) readAllForm(c *fiber.Ctx) error {
	if _, err := h.store.MarkAllRead(c.UserContext(), web.Me(c).UserID); err != nil {
		return err
	}
	return web.RedirectOK(c, "/messages", "消息已全部标为已读")
}
