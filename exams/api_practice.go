package exams

import (
	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// Practice handlers; the SQL is in store_practice.go, the guard in guard.go.

type practiceItem struct {
	QuestionID int64        `json:"question_id"`
	Kind       string       `json:"kind"`
	Category   string       `json:"category"`
	Stem       string       `json:"stem"`
	Options    []optionView `json:"options"`
}

// GET /api/v1/practice?category=&count=10&mistakes=1
func (h *handlers) apiPractice(c *fiber.Ctx) error {
	n, err := web.QueryInt(c, "count")
	if err != nil {
		return err
	}
	if n <= 0 || n > 50 {
		n = 10
	}
	me := web.Me(c)
	qs, withheld, err := h.st.PracticeSet(c.UserContext(), me.UserID, web.ScopeOf(me).Township(), c.Query("category"), int(n), c.Query("mistakes") == "1")
	if err != nil {
		return err
	}
	items := make([]practiceItem, 0, len(qs))
	for _, q := range qs {
		it := practiceItem{QuestionID: q.ID, Kind: q.Kind, Category: q.Category, Stem: q.Stem}
		opts := q.Options
		if q.Kind == KindJudge {
			opts = JudgeOptions
		}
		for i, o := range opts {
			it.Options = append(it.Options, optionView{Key: KeyOf(i), Text: o})
		}
		items = append(items, it)
	}
	return c.JSON(fiber.Map{"items": items, "withheld": withheld})
}

// POST /api/v1/practice/answer {"question_id":1,"answer":["A"]}
func (h *handlers) apiPracticeAnswer(c *fiber.Ctx) error {
	var in PracticeAnswerInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	me := web.Me(c)
	r, err := h.st.PracticeAnswer(c.UserContext(), me.UserID, web.ScopeOf(me).Township(), in)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"question_id": r.QuestionID, "correct": r.Correct, "answer": KeysOf(r.Answer),
		"correct_answer": KeysOf(r.Key), "explanation": r.Explanation})
}

// GET /api/v1/mistakes
func (h *handlers) apiMistakes(c *fiber.Ctx) error {
	me := web.Me(c)
	m, withheld, err := h.st.Mistakes(c.UserContext(), me.UserID, web.ScopeOf(me).Township())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": m, "withheld": withheld})
}

// GET /api/v1/questions/categories — for the practice picker.
func (h *handlers) apiCategories(c *fiber.Ctx) error {
	cats, err := h.st.Categories(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"categories": cats})
}
