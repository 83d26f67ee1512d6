package exams

import (
	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// Question bank API (admins); the bank import is in api_import.go.

// GET /api/v1/questions?q=&kind=&category=&tag=&retired=1&limit=&offset=
func (h *handlers) apiQuestions(c *fiber.Ctx) error {
	limit, err := web.QueryInt(c, "limit")
	if err != nil {
		return err
	}
	offset, err := web.QueryInt(c, "offset")
	if err != nil {
		return err
	}
	f := QuestionFilter{Q: c.Query("q"), Kind: c.Query("kind"),
		Category: c.Query("category"), Tag: c.Query("tag"), Retired: c.Query("retired") == "1", Limit: int(limit), Offset: int(max(offset, 0))}
	qs, total, err := h.st.SearchQuestions(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"questions": qs, "total": total})
}

// GET /api/v1/questions/:id
func (h *handlers) apiQuestion(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	q, err := h.st.GetQuestion(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(q)
}

// POST /api/v1/questions
func (h *handlers) apiCreateQuestion(c *fiber.Ctx) error {
	var in QuestionInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	q, err := h.st.SaveQuestion(c.UserContext(), 0, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(q)
}

// PUT /api/v1/questions/:id
func (h *handlers) apiUpdateQuestion(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in QuestionInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	q, err := h.st.SaveQuestion(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(q)
}

// POST /api/v1/questions/:id/retire {"retired":true|false}
func (h *handlers) apiRetireQuestion(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in RetireInput
	if len(c.Body()) > 0 {
		if err := web.BindJSON(c, &in); err != nil {
			return err
		}
	}
	n, err := h.st.RetireQuestion(c.UserContext(), id, in.Retire())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"changed": n, "retired": in.Retire()})
}

// POST /api/v1/questions/retire {"tag":"...","retired":true} — a whole tag at once.
func (h *handlers) apiRetireTag(c *fiber.Ctx) error {
	var in RetireInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	n, err := h.st.RetireTag(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"changed": n, "retired": in.Retire()})
}

// GET /api/v1/questions/export.xlsx — the whole bank in the template's columns.
func (h *handlers) apiExport(c *fiber.Ctx) error {
	qs, err := h.st.AllQuestions(c.UserContext())
	if err != nil {
		return err
	}
	b, err := bankWorkbook(exportHeaders, ExportRows(qs))
	if err != nil {
		return err
	}
	web.Attachment(c, "题库导出.xlsx", "zhibu-question-bank.xlsx", web.XLSXType)
	return c.Send(b)
}
