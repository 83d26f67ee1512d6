package exams

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/figures"
	"zhibu/app/web"
)

// GET /admin/exams
func (h *handlers) pageAdminExams(c *fiber.Ctx) error {
	me := web.Me(c)
	views, err := h.examViews(c, false, true)
	if err != nil {
		return err
	}
	return h.s.Render.Page(c, "exams/admin_list", fiber.Map{"Title": "考试管理", "Exams": views, "Admin": me.Role == web.RoleAdmin})
}

// GET /admin/exams/:id — oversight: who took it, best score, who has not; item stats.
func (h *handlers) pageAdminExam(c *fiber.Ctx) error {
	e, scope, rows, err := h.examResults(c)
	if err != nil {
		return err
	}
	stats, err := h.st.ItemStats(c.UserContext(), e.ID, scope)
	if err != nil {
		return err
	}
	var taken, missing []ResultRow
	for _, r := range rows {
		if r.Sitting(e.TotalPoints).Taken() {
			taken = append(taken, r)
		} else {
			missing = append(missing, r)
		}
	}
	return h.s.Render.Page(c, "exams/admin_exam", fiber.Map{"Title": e.Title, "E": e, "Taken": taken, "Missing": missing,
		"Cards": resultCards(ResultFigures(rows, e.TotalPoints), e.TotalPoints), "Stats": stats,
		"Defs": figures.For(figures.OfExam)})
}

// resultCards are an exam's figures at the top of its oversight page.
func resultCards(f figures.Exam, full float64) []web.Card {
	n := strconv.Itoa
	return []web.Card{
		{Title: figures.ExamRate.Label, Big: figures.Pct(f.ExamRate), Bar: true, Percent: figures.Bar(f.ExamRate),
			Lines: []string{figures.Examinees.Label + " " + n(f.Examinees) + " / " + figures.Candidates.Label + " " + n(f.Candidates)}},
		{Title: figures.PassRate.Label, Big: figures.Pct(f.PassRate), Bar: true, Percent: figures.Bar(f.PassRate),
			Lines: []string{figures.Passed.Label + " " + n(f.Passed) + " / " + figures.Candidates.Label + " " + n(f.Candidates),
				figures.TakenPassRate.Label + " " + figures.Pct(f.TakenPassRate)}},
		{Title: figures.AvgScore.Label, Big: figures.Num(f.AvgScore), Lines: []string{"满分 " + figures.Num(full) + " 分"}},
	}
}

// examFormData is what the exam form shows besides the input.
func (h *handlers) examFormData(c *fiber.Ctx) (fiber.Map, error) {
	cats, err := h.st.Categories(c.UserContext())
	if err != nil {
		return nil, err
	}
	towns, err := h.st.Townships(c.UserContext())
	if err != nil {
		return nil, err
	}
	return fiber.Map{"Title": "新建考试", "Categories": cats, "Rows": []int{0, 1, 2, 3, 4}, "Townships": towns}, nil
}

// GET /admin/exams/new
func (h *handlers) pageExamForm(c *fiber.Ctx) error {
	data, err := h.examFormData(c)
	if err != nil {
		return err
	}
	return h.s.Render.Page(c, "exams/admin_form", data)
}

// POST /admin/exams/new (form)
func (h *handlers) pageExamCreate(c *fiber.Ctx) error {
	// Unreadable numbers become values the validation refuses (-1, NaN), never a silent 0.
	atoi := func(k string) int {
		v := strings.TrimSpace(c.FormValue(k))
		n, err := strconv.Atoi(v)
		if err != nil && v != "" {
			return -1
		}
		return n
	}
	atof := func(k string) float64 {
		v := strings.TrimSpace(c.FormValue(k))
		f, err := strconv.ParseFloat(v, 64)
		if err != nil && v != "" {
			return math.NaN()
		}
		return f
	}
	in := ExamInput{Title: c.FormValue("title"), Description: c.FormValue("description"), OpensAt: c.FormValue("opens_at"),
		ClosesAt: c.FormValue("closes_at"), DurationMinutes: atoi("duration_minutes"), PassScore: atof("pass_score"),
		AttemptsAllowed: atoi("attempts_allowed"), MultiRule: c.FormValue("multi_rule"), ReviewPolicy: c.FormValue("review_policy")}
	for _, v := range c.Request().PostArgs().PeekMulti("township_id") {
		if id, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			in.TownshipIDs = append(in.TownshipIDs, id)
		}
	}
	for i := 0; i < 5; i++ {
		k := strconv.Itoa(i)
		if atoi("count"+k) == 0 {
			continue
		}
		in.Rules = append(in.Rules, Rule{Kind: c.FormValue("kind" + k), Category: strings.TrimSpace(c.FormValue("category" + k)),
			Tag: strings.TrimSpace(c.FormValue("tag" + k)), Count: atoi("count" + k), Points: atof("points" + k)})
	}
	e, err := h.st.SaveExam(c.UserContext(), 0, in, web.Me(c).UserID)
	if err != nil {
		we := h.s.AsError(err)
		if we.Status != fiber.StatusUnprocessableEntity {
			return err
		}
		data, derr := h.examFormData(c)
		if derr != nil {
			return derr
		}
		data["Error"], data["In"] = we, in
		c.Status(fiber.StatusUnprocessableEntity)
		return h.s.Render.Page(c, "exams/admin_form", data)
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/exams/%d", e.ID), "考试已发布")
}

// GET /admin/questions
func (h *handlers) pageQuestions(c *fiber.Ctx) error {
	offset, _ := web.QueryInt(c, "offset")
	f := QuestionFilter{Q: c.Query("q"), Kind: c.Query("kind"), Category: c.Query("category"), Tag: c.Query("tag"),
		Retired: c.Query("retired") == "1", Limit: 50, Offset: int(max(offset, 0))}
	qs, total, err := h.st.SearchQuestions(c.UserContext(), f)
	if err != nil {
		return err
	}
	cats, err := h.st.Categories(c.UserContext())
	if err != nil {
		return err
	}
	return h.s.Render.Page(c, "exams/admin_questions", fiber.Map{"Title": "题库", "Questions": qs, "Total": total,
		"F": f, "Categories": cats, "Next": f.Offset + 50})
}

// POST /admin/questions/:id/retire (form: retired=1|0)
func (h *handlers) pageRetire(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	retired := c.FormValue("retired") != "0"
	if _, err := h.st.RetireQuestion(c.UserContext(), id, retired); err != nil {
		return err
	}
	msg := "已停用该题"
	if !retired {
		msg = "已恢复该题"
	}
	return web.RedirectOK(c, "/admin/questions", msg)
}

// questionForm renders the create/edit form.
func (h *handlers) questionForm(c *fiber.Ctx, q *Question, errs map[string]string) error {
	cats, err := h.st.Categories(c.UserContext())
	if err != nil {
		return err
	}
	opts := make([]string, MaxOptions)
	copy(opts, q.Options)
	answer := q.Answer
	if q.Kind == KindJudge && q.ID > 0 && len(errs) == 0 {
		answer = map[string]string{"A": "对", "B": "错"}[q.Answer]
	}
	if len(errs) > 0 {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	keys := make([]string, MaxOptions)
	for i := range keys {
		keys[i] = KeyOf(i)
	}
	return h.s.Render.Page(c, "exams/admin_question", fiber.Map{"Title": "题目", "Q": q, "Options": opts, "Keys": keys,
		"Answer": answer, "Tags": strings.Join(q.Tags, "、"), "Categories": cats, "Errors": errs,
		"Difficulties": []string{"易", "中", "难"}})
}

// GET /admin/questions/new and /admin/questions/:id/edit
func (h *handlers) pageQuestionForm(c *fiber.Ctx) error {
	if c.Params("id") == "" {
		return h.questionForm(c, &Question{Kind: KindSingle, Difficulty: "中", Points: 1}, nil)
	}
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	q, err := h.st.GetQuestion(c.UserContext(), id)
	if err != nil {
		return err
	}
	return h.questionForm(c, q, nil)
}

// POST /admin/questions/new and /admin/questions/:id
func (h *handlers) pageQuestionSave(c *fiber.Ctx) error {
	in := QuestionInput{Kind: c.FormValue("kind"), Stem: c.FormValue("stem"), Answer: c.FormValue("answer"),
		Category: c.FormValue("category"), Difficulty: c.FormValue("difficulty"), Explanation: c.FormValue("explanation")}
	if v := strings.TrimSpace(c.FormValue("points")); v != "" {
		var err error
		if in.Points, err = strconv.ParseFloat(v, 64); err != nil {
			in.Points = math.NaN() // refused by Normalize
		}
	}
	for _, v := range c.Request().PostArgs().PeekMulti("option") {
		in.Options = append(in.Options, string(v))
	}
	in.Tags = strings.FieldsFunc(c.FormValue("tags"), func(r rune) bool { return strings.ContainsRune(",，、;； ", r) })
	var id int64
	if c.Params("id") != "" {
		var err error
		if id, err = web.ParamID(c, "id"); err != nil {
			return err
		}
	}
	if _, err := h.st.SaveQuestion(c.UserContext(), id, in); err != nil {
		var fields web.FieldErrors
		if !errors.As(err, &fields) {
			return err
		}
		q, _ := in.Question()
		q.ID = id
		return h.questionForm(c, &q, fields)
	}
	return web.RedirectOK(c, "/admin/questions", "题目已保存")
}
