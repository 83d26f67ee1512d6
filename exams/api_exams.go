package exams

import (
	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// Exam definitions and oversight API; the exam list and attempts are in api_attempts.go.

// POST /api/v1/exams
func (h *handlers) apiCreateExam(c *fiber.Ctx) error {
	var in ExamInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	e, err := h.st.SaveExam(c.UserContext(), 0, in, web.Me(c).UserID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(examSaved(e))
}

// examSaved is the answer of a create, change or publish: {"id","title","total_points",
// "draft","published_at"} (published_at null for a draft).
func examSaved(e *Exam) fiber.Map {
	return fiber.Map{"id": e.ID, "title": e.Title, "total_points": e.TotalPoints, "draft": !e.Published(), "published_at": e.PublishedAt}
}

// POST /api/v1/exams/:id/publish — a draft becomes visible to its candidates from its
// opening time; publishing a published exam answers it unchanged.
func (h *handlers) apiPublishExam(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	e, err := h.st.PublishExam(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(examSaved(e))
}

// PUT /api/v1/exams/:id
func (h *handlers) apiUpdateExam(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in ExamInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	e, err := h.st.SaveExam(c.UserContext(), id, in, web.Me(c).UserID)
	if err != nil {
		return err
	}
	return c.JSON(examSaved(e))
}

// staffExam is the exam of the path as the caller's scope sees it, and the scope
// narrowed to ?township_id= when given.
func (h *handlers) staffExam(c *fiber.Ctx) (*Exam, web.Scope, error) {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return nil, web.Scope{}, err
	}
	me := web.Me(c)
	scope := web.ScopeOf(me)
	tid, err := web.QueryInt(c, "township_id")
	if err != nil {
		return nil, scope, err
	}
	if scope, err = scope.Narrow(tid); err != nil {
		return nil, scope, err
	}
	e, err := h.st.StaffExam(c.UserContext(), id, web.ScopeOf(me))
	if err != nil {
		return nil, scope, err
	}
	return e, scope, nil
}

// examResults is the exam of the path with its candidates in the (narrowed) scope.
func (h *handlers) examResults(c *fiber.Ctx) (*Exam, web.Scope, []ResultRow, error) {
	e, scope, err := h.staffExam(c)
	if err != nil {
		return nil, scope, nil, err
	}
	rows, err := h.st.ExamResults(c.UserContext(), e.ID, scope)
	return e, scope, rows, err
}

// GET /api/v1/exams/:id/results?township_id=
func (h *handlers) apiResults(c *fiber.Ctx) error {
	e, _, rows, err := h.examResults(c)
	if err != nil {
		return err
	}
	f := ResultFigures(rows, e.TotalPoints)
	return c.JSON(fiber.Map{"exam_id": e.ID, "candidates": f.Candidates, "taken": f.Examinees, "passed": f.Passed,
		"figures": f, "results": rows})
}

// GET /api/v1/exams/:id/item-stats?township_id=
func (h *handlers) apiItemStats(c *fiber.Ctx) error {
	e, scope, err := h.staffExam(c)
	if err != nil {
		return err
	}
	stats, err := h.st.ItemStats(c.UserContext(), e.ID, scope)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"exam_id": e.ID, "items": stats})
}
