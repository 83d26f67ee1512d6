package exams

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/figures"
	"zhibu/app/web"
)

// GET /admin/exams — paged; admins see drafts first.
func (h *handlers) pageAdminExams(c *fiber.Ctx) error {
	me := web.Me(c)
	page, err := web.PageParam(c)
	if err != nil {
		return err
	}
	probe := web.Pager{Page: page, Size: web.PageSize}
	rows, total, err := h.st.AdminExams(c.UserContext(), web.ScopeOf(me), probe.Offset(), probe.Limit())
	if err != nil {
		return err
	}
	return h.s.Render.Page(c, "exams/admin_list", fiber.Map{"Title": "考试管理", "Exams": rows, "Total": total,
		"Pager": web.NewPager(c, page, total, web.PageSize), "Admin": me.Role == web.RoleAdmin})
}

// GET /admin/exams/:id — a draft's preview (admins), else the oversight: who took it,
// paged, searchable and filtered; the figures; the weakest items.
func (h *handlers) pageAdminExam(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	me := web.Me(c)
	e, err := h.st.StaffExam(c.UserContext(), id, web.ScopeOf(me))
	if err != nil {
		return err
	}
	if !e.Published() {
		return h.draftPage(c, e, nil)
	}
	return h.oversightPage(c, e)
}

// draftPage shows a draft and the shape of its paper, with 编辑 and 发布.
func (h *handlers) draftPage(c *fiber.Ctx, e *Exam, we *web.Error) error {
	prev, err := h.st.PreviewExam(c.UserContext(), e)
	if err != nil {
		return err
	}
	towns, err := h.townNames(c, e)
	if err != nil {
		return err
	}
	if we != nil {
		c.Status(we.Status)
	}
	return h.s.Render.Page(c, "exams/admin_draft", fiber.Map{"Title": "草稿：" + e.Title, "E": e, "P": prev,
		"Towns": towns, "Error": we, "Multi": multiName(e.MultiRule), "Review": reviewName(e.ReviewPolicy)})
}

// townNames names the townships an exam is for (「全县所有乡镇」 when all).
func (h *handlers) townNames(c *fiber.Ctx, e *Exam) (string, error) {
	if e.AllTownships {
		return "全县所有乡镇", nil
	}
	towns, err := h.st.Townships(c.UserContext())
	if err != nil {
		return "", err
	}
	var names []string
	for _, t := range towns {
		if slices.Contains([]int64(e.TownshipIDs), t.ID) {
			names = append(names, t.Name)
		}
	}
	return strings.Join(names, "、"), nil
}

func multiName(v string) string {
	return map[string]string{MultiStrict: "少选不得分", MultiPartial: "少选按比例得分", MultiHalf: "少选得一半分"}[v]
}

func reviewName(v string) string {
	return map[string]string{ReviewAfterClose: "考试结束后可看答案和解析", ReviewImmediate: "交卷后立即可看", ReviewScoreOnly: "只看分数"}[v]
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

// renderExamForm renders the new/edit form with the values as typed and each error
// beside its field (422 when we is set).
func (h *handlers) renderExamForm(c *fiber.Ctx, f examForm, e *Exam, started bool, we *web.Error) error {
	cats, err := h.st.Categories(c.UserContext())
	if err != nil {
		return err
	}
	towns, err := h.st.Townships(c.UserContext())
	if err != nil {
		return err
	}
	fields := map[string]string{}
	if we != nil {
		fields = f.placeErrors(we.Fields)
		c.Status(we.Status)
	}
	title := "新建考试"
	action := "/admin/exams/new"
	if e != nil {
		title = "修改考试：" + e.Title
		action = fmt.Sprintf("/admin/exams/%d/edit", e.ID)
	}
	return h.s.Render.Page(c, "exams/admin_form", fiber.Map{"Title": title, "F": f, "E": e, "Started": started,
		"Action": action, "Error": we, "Errors": fields, "Categories": cats, "Townships": towns,
		"MaxQuestions": MaxPaperQuestions, "MaxRules": MaxRules, "Safe": SafeAfterStart,
		"Multi": multiName(f.MultiRule), "Review": reviewName(f.Review)})
}

// formError is the error to show on the form, or nil when err is not the user's to fix.
func (h *handlers) formError(err error) *web.Error {
	we := h.s.AsError(err)
	if we.Status != fiber.StatusUnprocessableEntity && we.Status != fiber.StatusConflict {
		return nil
	}
	return we
}

// GET /admin/exams/new
func (h *handlers) pageExamForm(c *fiber.Ctx) error {
	return h.renderExamForm(c, newExamForm(), nil, false, nil)
}

// POST /admin/exams/new (form) saves a draft: candidates see nothing until 发布.
func (h *handlers) pageExamCreate(c *fiber.Ctx) error {
	f := examFormFrom(c)
	in := f.Input()
	in.Draft = true
	e, err := h.st.SaveExam(c.UserContext(), 0, in, web.Me(c).UserID)
	if err != nil {
		if we := h.formError(err); we != nil {
			return h.renderExamForm(c, f, nil, false, we)
		}
		return err
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/exams/%d", e.ID), "草稿已保存，考生还看不到。核对试卷结构后点“发布”")
}

// editable is the exam of the path for its edit page and whether anyone started it.
func (h *handlers) editable(c *fiber.Ctx) (*Exam, bool, error) {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return nil, false, err
	}
	e, err := h.st.StaffExam(c.UserContext(), id, web.ScopeOf(web.Me(c)))
	if err != nil {
		return nil, false, err
	}
	started, err := h.st.ExamStarted(c.UserContext(), id)
	return e, started, err
}

// GET /admin/exams/:id/edit — a draft: everything; a started exam: SafeAfterStart only.
func (h *handlers) pageExamEdit(c *fiber.Ctx) error {
	e, started, err := h.editable(c)
	if err != nil {
		return err
	}
	return h.renderExamForm(c, examFormOf(e), e, started, nil)
}

// POST /admin/exams/:id/edit (form). Once anyone started, only the safe fields are
// read from the form; the store refuses any other change anyway (LockedChanges).
func (h *handlers) pageExamUpdate(c *fiber.Ctx) error {
	e, started, err := h.editable(c)
	if err != nil {
		return err
	}
	f := examFormFrom(c)
	if started {
		typed := f
		f = examFormOf(e)
		f.Title, f.Description, f.ClosesAt, f.Attempts = typed.Title, typed.Description, typed.ClosesAt, typed.Attempts
	} else {
		f.shuffleQuestions, f.shuffleOptions, f.courseID = examFormOf(e).shuffleQuestions, examFormOf(e).shuffleOptions, examFormOf(e).courseID
	}
	in := f.Input()
	if started { // the locked times as stored, not as the form's minutes
		in.OpensAt = e.OpensAt.Format(time.RFC3339Nano)
		if f.ClosesAt == examFormOf(e).ClosesAt {
			in.ClosesAt = e.ClosesAt.Format(time.RFC3339Nano)
		}
	}
	if _, err := h.st.SaveExam(c.UserContext(), e.ID, in, web.Me(c).UserID); err != nil {
		if we := h.formError(err); we != nil {
			return h.renderExamForm(c, f, e, started, we)
		}
		return err
	}
	msg := "修改已保存"
	if !e.Published() {
		msg = "草稿已保存"
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/exams/%d", e.ID), msg)
}

// GET /admin/exams/:id/publish — what publishing does, before it happens.
func (h *handlers) pagePublishConfirm(c *fiber.Ctx) error {
	e, _, err := h.editable(c)
	if err != nil {
		return err
	}
	back := fmt.Sprintf("/admin/exams/%d", e.ID)
	if e.Published() {
		return web.RedirectOK(c, back, "这场考试已经发布")
	}
	towns, err := h.townNames(c, e)
	if err != nil {
		return err
	}
	n, err := h.st.ScopeSize(c.UserContext(), e)
	if err != nil {
		return err
	}
	at := func(t time.Time) string { return t.In(web.China).Format("2006年1月2日 15:04") }
	who := fmt.Sprintf("参考范围（%s）内的 %d 名支部书记", towns, n)
	if e.ClassExam { // for the class's participants only, whatever its townships say
		who = fmt.Sprintf("这是培训班的结业考试，培训班的 %d 名学员", n)
	}
	return h.s.RenderConfirm(c, web.Confirm{Title: "发布考试", Question: "确定发布考试「" + e.Title + "」吗？",
		Consequences: []string{
			fmt.Sprintf("%s从 %s 起可以看到并开始作答，%s 截止。", who, at(e.OpensAt), at(e.ClosesAt)),
			"一旦有人开始作答，抽题规则和分值、及格分、时长、开始时间、参考范围等就不能再修改；此后只能修改" + SafeAfterStart + "。",
			"发布后不能改回草稿。",
		},
		Action: fmt.Sprintf("/admin/exams/%d/publish", e.ID), Yes: "确定发布", No: "不，返回草稿", Back: back})
}

// POST /admin/exams/:id/publish
func (h *handlers) pagePublish(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	e, err := h.st.PublishExam(c.UserContext(), id)
	if err != nil {
		if we := h.formError(err); we != nil {
			d, derr := h.st.StaffExam(c.UserContext(), id, web.ScopeOf(web.Me(c)))
			if derr != nil {
				return derr
			}
			return h.draftPage(c, d, we)
		}
		return err
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/exams/%d", e.ID), "考试已发布，参考范围内的支部书记从开始时间起可以作答")
}

// GET /admin/questions — paged (web.PageSize), searched by stem, filtered by category,
// kind and 在用/已停用, with the counts of the filter on top.
func (h *handlers) pageQuestions(c *fiber.Ctx) error {
	page, err := web.PageParam(c)
	if err != nil {
		return err
	}
	f := QuestionFilter{Q: strings.TrimSpace(c.Query("q")), Kind: c.Query("kind"), Category: c.Query("category"), Tag: c.Query("tag"),
		Retired: c.Query("retired") == "1", Limit: web.PageSize, Offset: (page - 1) * web.PageSize}
	switch f.Kind {
	case "", KindSingle, KindMultiple, KindJudge:
	default:
		return web.BadRequest("题型只能是单选、多选或判断")
	}
	qs, total, err := h.st.SearchQuestions(c.UserContext(), f)
	if err != nil {
		return err
	}
	active, retired, err := h.st.CountQuestions(c.UserContext(), f)
	if err != nil {
		return err
	}
	cats, err := h.st.Categories(c.UserContext())
	if err != nil {
		return err
	}
	return h.s.Render.Page(c, "exams/admin_questions", fiber.Map{"Title": "题库", "Questions": qs, "Total": total,
		"Active": active, "Retired": retired, "F": f, "Categories": cats, "Pager": web.NewPager(c, page, total, web.PageSize),
		"Filtered": f.Q != "" || f.Kind != "" || f.Category != "" || f.Tag != ""})
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
