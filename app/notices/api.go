package notices

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// JSON handlers (docs/notices.md): each parses the request, calls one store operation
// and writes JSON; errors go back as the store returned them (errors.go maps them).

// searchQuery reads ?q= (trimmed, at most 50 characters); text that cannot be searched
// (control characters, broken encoding) is a 400.
func searchQuery(c *fiber.Ctx) (string, error) {
	q := strings.TrimSpace(c.Query("q"))
	if web.BadText(q, false) {
		return "", web.BadRequest("搜索词" + web.BadTextMessage)
	}
	if utf8.RuneCountInString(q) > 50 {
		q = string([]rune(q)[:50])
	}
	return q, nil
}

// GET /api/v1/notices?page=&q=&manage=1
func (h *handlers) apiList(c *fiber.Ctx) error {
	page, err := web.PageParam(c)
	if err != nil {
		return err
	}
	q, err := searchQuery(c)
	if err != nil {
		return err
	}
	mode := ModeAll
	if c.Query("manage") == "1" {
		mode = ModeManage
	}
	list, total, err := h.store.List(c.UserContext(), web.Me(c), ListFilter{Mode: mode, Q: q,
		Offset: (page - 1) * web.PageSize, Limit: web.PageSize})
	if err != nil {
		return err
	}
	if list == nil {
		list = []Notice{}
	}
	return c.JSON(fiber.Map{"notices": list, "total": total, "page": page, "page_size": web.PageSize})
}

// POST /api/v1/notices
func (h *handlers) apiCreate(c *fiber.Ctx) error {
	var in NoticeInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	n, err := h.store.Create(c.UserContext(), web.Me(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"notice": n})
}

// GET /api/v1/notices/:id
func (h *handlers) apiGet(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	n, err := h.store.Get(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"notice": n})
}

// PUT /api/v1/notices/:id
func (h *handlers) apiUpdate(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in NoticeInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	n, err := h.store.Update(c.UserContext(), web.Me(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"notice": n})
}

// DELETE /api/v1/notices/:id
func (h *handlers) apiDelete(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	if _, err := h.store.Delete(c.UserContext(), web.Me(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// upload reads the multipart field "file" and stores it for the notice :id.
func (h *handlers) upload(c *fiber.Ctx) (int64, Attachment, error) {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return 0, Attachment{}, err
	}
	// FormFile refuses what is far too large before reading it; the store says the limit.
	name, data, err := web.FormFile(c, max(h.store.maxAttachment, 1<<20))
	if err != nil {
		return id, Attachment{}, err
	}
	a, err := h.store.AddAttachment(c.UserContext(), web.Me(c), id, name, data)
	return id, a, err
}

// POST /api/v1/notices/:id/attachments (multipart field "file")
func (h *handlers) apiUpload(c *fiber.Ctx) error {
	_, a, err := h.upload(c)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"attachment": a})
}

// GET /notices/:id/attachments/:aid and GET /api/v1/notices/:id/attachments/:aid
func (h *handlers) download(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	aid, err := web.ParamID(c, "aid")
	if err != nil {
		return err
	}
	name, data, err := h.store.AttachmentFile(c.UserContext(), web.Me(c), id, aid)
	if err != nil {
		return err
	}
	web.Attachment(c, web.SafeFileName(name), "zhibu-notice-"+strconv.FormatInt(aid, 10)+".pdf", "application/pdf")
	return c.Send(data)
}

// DELETE /api/v1/notices/:id/attachments/:aid
func (h *handlers) apiDeleteAttachment(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	aid, err := web.ParamID(c, "aid")
	if err != nil {
		return err
	}
	if err := h.store.DeleteAttachment(c.UserContext(), web.Me(c), id, aid); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
