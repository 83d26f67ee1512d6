package exams

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// GET /exams
func (h *handlers) pageExams(c *fiber.Ctx) error {
	me := web.Me(c)
	views, err := h.examViews(c, false, false)
	if err != nil {
		return err
	}
	return h.s.Render.Page(c, "exams/list", fiber.Map{"Title": "考试", "Exams": views,
		"CanTake": me.Role != web.RoleAdmin})
}

// POST /exams/:id/start
func (h *handlers) pageStart(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	me := web.Me(c)
	a, _, err := h.st.StartAttempt(c.UserContext(), id, me.UserID, web.ScopeOf(me).Township())
	if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/exams/attempts/%d", a.ID), fiber.StatusSeeOther)
}

// GET /exams/attempts/:id — the exam page (driven by exam.js through the JSON API).
func (h *handlers) pageTake(c *fiber.Ctx) error {
	a, err := h.loadAttemptFor(c)
	if err != nil {
		return err
	}
	if a.Finished() || a.UserID != web.Me(c).UserID {
		return c.Redirect(fmt.Sprintf("/exams/attempts/%d/result", a.ID), fiber.StatusSeeOther)
	}
	return h.s.Render.Page(c, "exams/take", fiber.Map{"Title": a.ExamTitle, "Attempt": a, "Count": len(a.Paper)})
}

// GET /exams/attempts/:id/result — score, and the review when the policy allows.
func (h *handlers) pageResult(c *fiber.Ctx) error {
	a, err := h.loadAttemptFor(c)
	if err != nil {
		return err
	}
	if !a.Finished() && a.UserID == web.Me(c).UserID {
		return c.Redirect(fmt.Sprintf("/exams/attempts/%d", a.ID), fiber.StatusSeeOther)
	}
	v, err := h.reviewOf(c, a)
	if err != nil {
		return err
	}
	pct, score := 0, 0.0
	if v.Score != nil {
		score = *v.Score
	}
	if v.MaxScore > 0 {
		pct = min(100, max(0, int(score*100/v.MaxScore)))
	}
	own := a.UserID == web.Me(c).UserID
	var retake *retakeView
	if own && a.Finished() {
		f, err := h.st.RetakeFactsOf(c.UserContext(), a.ExamID, a.UserID)
		if err != nil {
			return err
		}
		retake = retakeViewOf(a.ExamID, f)
	}
	return h.s.Render.Page(c, "exams/result", fiber.Map{"Title": "考试成绩", "A": v, "Pct": pct, "Score": score,
		"ClosesAt": a.ClosesAt, "Own": own, "Retake": retake, "WrongOnly": c.Query("wrong") == "1"})
}

// retakeView is the next step under a result: resume the attempt in progress, 补考 with
// the attempts left, or why not (the retake rule, rules_retake.go).
type retakeView struct {
	ExamID   int64
	Open     int64 // an attempt in progress: resume it
	OK       bool
	Left     int
	Sentence string // why not, in Chinese
}

func retakeViewOf(examID int64, f RetakeFacts) *retakeView {
	ok, reason := f.Retake()
	v := &retakeView{ExamID: examID, OK: ok, Left: f.AttemptsLeft(), Open: f.OpenAttempt.Int64}
	if !ok {
		v.Sentence = "不能补考：" + reason
		if reason == retakeReason(ErrAlreadyPassed) {
			v.Sentence = reason
		}
	}
	return v
}

// GET /exams/practice
func (h *handlers) pagePractice(c *fiber.Ctx) error {
	cats, err := h.st.Categories(c.UserContext())
	if err != nil {
		return err
	}
	return h.s.Render.Page(c, "exams/practice", fiber.Map{"Title": "练习", "Categories": cats,
		"Category": c.Query("category"), "Mistakes": c.Query("mistakes") == "1"})
}

// GET /exams/mistakes
func (h *handlers) pageMistakes(c *fiber.Ctx) error {
	me := web.Me(c)
	m, withheld, err := h.st.Mistakes(c.UserContext(), me.UserID, web.ScopeOf(me).Township())
	if err != nil {
		return err
	}
	return h.s.Render.Page(c, "exams/mistakes", fiber.Map{"Title": "错题本", "Items": m, "Withheld": withheld})
}
