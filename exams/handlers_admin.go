package exams

import (
	"context"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/web"
)

const maxImportBytes = 10 << 20

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
	if !f.Valid() {
		return web.BadRequest(badSearchMsg)
	}
	qs, total, err := SearchQuestions(c.UserContext(), h.st.DB, f)
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
	q, err := GetQuestion(c.UserContext(), h.st.DB, id)
	if err != nil {
		return apiErr(err)
	}
	return c.JSON(q)
}

// questionInput is what an admin may write of a question.
type questionInput struct {
	Kind        string   `json:"kind"`
	Category    string   `json:"category"`
	Tags        []string `json:"tags"`
	Difficulty  string   `json:"difficulty"`
	Stem        string   `json:"stem"`
	Options     []string `json:"options"`
	Answer      string   `json:"answer"`
	Points      float64  `json:"points"`
	Explanation string   `json:"explanation"`
}

const badSearchMsg = "搜索条件含有无效字符或过长"

func bindQuestion(c *fiber.Ctx) (*Question, error) {
	var in questionInput
	if err := web.BindJSON(c, &in); err != nil {
		return nil, err
	}
	q := Question{Kind: in.Kind, Category: in.Category, Tags: in.Tags, Difficulty: in.Difficulty, Stem: in.Stem,
		Options: in.Options, Answer: in.Answer, Points: in.Points, Explanation: in.Explanation}
	if errs := q.Normalize(); len(errs) > 0 {
		return nil, web.Invalid("题目内容有误，请检查", errs)
	}
	return &q, nil
}

// POST /api/v1/questions
func (h *handlers) apiCreateQuestion(c *fiber.Ctx) error {
	q, err := bindQuestion(c)
	if err != nil {
		return err
	}
	if err := CreateQuestion(c.UserContext(), h.st.DB, q); err != nil {
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
	q, err := bindQuestion(c)
	if err != nil {
		return err
	}
	q.ID = id
	if err := UpdateQuestion(c.UserContext(), h.st.DB, q); err != nil {
		return apiErr(err)
	}
	return c.JSON(q)
}

// POST /api/v1/questions/:id/retire {"retired":true|false}
func (h *handlers) apiRetireQuestion(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	in := struct {
		Retired *bool `json:"retired"`
	}{}
	if len(c.Body()) > 0 {
		if err := web.BindJSON(c, &in); err != nil {
			return err
		}
	}
	retired := in.Retired == nil || *in.Retired
	if _, err := GetQuestion(c.UserContext(), h.st.DB, id); err != nil {
		return apiErr(err)
	}
	n, err := RetireQuestions(c.UserContext(), h.st.DB, id, "", retired)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"changed": n, "retired": retired})
}

// POST /api/v1/questions/retire {"tag":"...","retired":true} — a whole tag at once.
func (h *handlers) apiRetireTag(c *fiber.Ctx) error {
	var in struct {
		Tag     string `json:"tag"`
		Retired *bool  `json:"retired"`
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	if in.Tag == "" {
		return web.Invalid("请填写要停用的标签", map[string]string{"tag": "不能为空"})
	}
	if web.BadText(in.Tag, false) || len(in.Tag) > 400 {
		return web.Invalid("标签"+web.BadTextMessage, map[string]string{"tag": web.BadTextMessage})
	}
	retired := in.Retired == nil || *in.Retired
	n, err := RetireQuestions(c.UserContext(), h.st.DB, 0, in.Tag, retired)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"changed": n, "retired": retired})
}

// GET /api/v1/questions/template.xlsx
func (h *handlers) apiTemplate(c *fiber.Ctx) error {
	f, err := TemplateWorkbook()
	if err != nil {
		return err
	}
	defer f.Close()
	web.Attachment(c, "题库导入模板.xlsx", web.XLSXType)
	return f.Write(c.Response().BodyWriter())
}

// GET /api/v1/questions/export.xlsx — the whole bank in the template's columns.
func (h *handlers) apiExport(c *fiber.Ctx) error {
	qs := []Question{}
	if err := h.st.DB.SelectContext(c.UserContext(), &qs, `SELECT `+questionCols+` FROM questions ORDER BY retired, id`); err != nil {
		return err
	}
	f, err := workbook("题库", append(append([]string{}, ImportHeaders...), "状态"), ExportRows(qs))
	if err != nil {
		return err
	}
	defer f.Close()
	web.Attachment(c, "题库导出.xlsx", web.XLSXType)
	return f.Write(c.Response().BodyWriter())
}

// ImportResult is the answer of an import or its preview.
type ImportResult struct {
	Rows     int        `json:"rows"`
	Imported int        `json:"imported"`
	Errors   []RowError `json:"errors"`
}

// ImportQuestions parses and, when there is no error and not dryRun, saves every
// question in one transaction (all or nothing).
func ImportQuestions(ctx context.Context, db *sqlx.DB, data []byte, dryRun bool) (ImportResult, error) {
	qs, errs := ParseQuestions(data)
	res := ImportResult{Rows: len(qs), Errors: errs}
	if res.Errors == nil {
		res.Errors = []RowError{}
	}
	if len(errs) > 0 || dryRun {
		return res, nil
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()
	n, err := insertQuestions(ctx, tx, qs, nil)
	if err != nil {
		return res, err
	}
	res.Imported = n
	return res, tx.Commit()
}

// POST /api/v1/questions/import[?dry_run=1] (multipart "file")
func (h *handlers) apiImport(c *fiber.Ctx) error {
	_, data, err := web.FormFile(c, maxImportBytes)
	if err != nil {
		return err
	}
	res, err := ImportQuestions(c.UserContext(), h.st.DB, data, c.Query("dry_run") == "1")
	if err != nil {
		return err
	}
	if len(res.Errors) > 0 && c.Query("dry_run") != "1" {
		return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"rows": res.Rows, "imported": 0, "errors": res.Errors,
			"error": web.Err(422, "import_failed", fmt.Sprintf("文件有 %d 处错误，未导入任何题目，请修改后重新上传", len(res.Errors)))})
	}
	return c.JSON(res)
}

// examFromBody validates an exam and checks the bank can satisfy its rules.
func (h *handlers) examFromBody(c *fiber.Ctx) (*Exam, error) {
	var in ExamInput
	if err := web.BindJSON(c, &in); err != nil {
		return nil, err
	}
	return h.checkExam(c.UserContext(), in)
}

func (h *handlers) checkExam(ctx context.Context, in ExamInput) (*Exam, error) {
	e, errs := in.ToExam()
	if len(errs) > 0 {
		return nil, web.Invalid("考试设置有误，请检查", errs)
	}
	snap, err := h.st.Pools.Snapshot(ctx, h.st.DB)
	if err != nil {
		return nil, err
	}
	if short := CheckSupply(e.Rules, func(k PoolKey) int { return len(snap.Get(k)) }); len(short) > 0 {
		fields := map[string]string{}
		msg := ""
		for _, s := range short {
			fields[fmt.Sprintf("rules[%d]", s.Rule)] = s.Message
			if msg != "" {
				msg += "；"
			}
			msg += s.Message
		}
		return nil, &web.Error{Status: 422, Code: "bank_short", Message: "题库题目不足：" + msg, Fields: fields}
	}
	return &e, nil
}

func saveExamErr(err error) error {
	if errors.Is(err, errUnknownCourse) {
		return web.Invalid("所选课程不存在", map[string]string{"course_id": "课程不存在"})
	}
	if errors.Is(err, errUnknownTownship) {
		return web.Invalid("所选乡镇不存在", map[string]string{"township_ids": "包含不存在的乡镇"})
	}
	return apiErr(err)
}

// POST /api/v1/exams
func (h *handlers) apiCreateExam(c *fiber.Ctx) error {
	e, err := h.examFromBody(c)
	if err != nil {
		return err
	}
	if err := SaveExam(c.UserContext(), h.st.DB, e, web.Me(c).UserID); err != nil {
		return saveExamErr(err)
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": e.ID, "title": e.Title, "total_points": e.TotalPoints})
}

// PUT /api/v1/exams/:id
func (h *handlers) apiUpdateExam(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	e, err := h.examFromBody(c)
	if err != nil {
		return err
	}
	e.ID = id
	if err := SaveExam(c.UserContext(), h.st.DB, e, web.Me(c).UserID); err != nil {
		return saveExamErr(err)
	}
	return c.JSON(fiber.Map{"id": e.ID, "title": e.Title, "total_points": e.TotalPoints})
}

// ResultRow is one candidate of an exam in the oversight list.
type ResultRow struct {
	UserID       int64    `db:"user_id" json:"user_id"`
	Name         string   `db:"name" json:"name"`
	Phone        string   `db:"phone" json:"phone"`
	TownshipID   int64    `db:"township_id" json:"township_id"`
	TownshipName string   `db:"township_name" json:"township"`
	BranchName   string   `db:"branch_name" json:"branch"`
	Attempts     int      `db:"attempts" json:"attempts"`
	BestScore    *float64 `db:"best_score" json:"best_score"`
	Passed       bool     `db:"passed" json:"passed"`
	InProgress   bool     `db:"in_progress" json:"in_progress"`
	BestAttempt  *int64   `db:"best_attempt" json:"best_attempt_id"`
}

// ExamResults lists every secretary the exam is for, in the scope, with their best result.
func ExamResults(ctx context.Context, db *sqlx.DB, e *Exam, scope web.Scope) ([]ResultRow, error) {
	rows := []ResultRow{}
	err := db.SelectContext(ctx, &rows, `
		SELECT u.id AS user_id, u.name, COALESCE(u.phone, '') AS phone, t.id AS township_id, t.name AS township_name,
		       COALESCE(b.name, '') AS branch_name, COALESCE(s.n, 0) AS attempts, s.best AS best_score,
		       COALESCE(s.passed, false) AS passed, COALESCE(s.open, false) AS in_progress, s.best_attempt
		FROM users u
		JOIN townships t ON t.id = u.township_id
		LEFT JOIN branches b ON b.id = u.branch_id
		LEFT JOIN LATERAL (
			SELECT count(*) AS n, max(score) AS best, bool_or(passed) AS passed, bool_or(status = 'in_progress') AS open,
			       (array_agg(id ORDER BY score DESC NULLS LAST, id))[1] AS best_attempt
			FROM attempts a WHERE a.exam_id = $1 AND a.user_id = u.id) s ON true
		WHERE u.role = 'secretary' AND u.active AND ($2::bigint IS NULL OR u.township_id = $2)
		  AND ($3 OR u.township_id = ANY($4))
		ORDER BY t.sort, t.id, s.best DESC NULLS LAST, u.name
		LIMIT 20000`, e.ID, scope.Township(), e.AllTownships, pq.Array([]int64(e.TownshipIDs)))
	return rows, err
}

// ItemStat is how often a question of an exam was answered right.
type ItemStat struct {
	QuestionID int64   `db:"question_id" json:"question_id"`
	Stem       string  `db:"stem" json:"stem"`
	Kind       string  `db:"kind" json:"kind"`
	Category   string  `db:"category" json:"category"`
	Answered   int     `db:"answered" json:"answered"`
	Right      int     `db:"right_n" json:"right"`
	Rate       float64 `db:"rate" json:"rate"`
}

// ItemStats lists the exam's questions by right-answer rate, lowest first (bad questions
// or weak topics come first), over finished attempts in the scope.
func ItemStats(ctx context.Context, db *sqlx.DB, examID int64, scope web.Scope) ([]ItemStat, error) {
	out := []ItemStat{}
	err := db.SelectContext(ctx, &out, `
		SELECT q.id AS question_id, q.stem, q.kind, q.category, count(*) AS answered,
		       count(*) FILTER (WHERE r.correct) AS right_n,
		       round(count(*) FILTER (WHERE r.correct)::numeric / count(*), 4)::float8 AS rate
		FROM question_results r
		JOIN attempts a ON a.id = r.attempt_id
		JOIN questions q ON q.id = r.question_id
		WHERE a.exam_id = $1 AND ($2::bigint IS NULL OR a.township_id = $2)
		GROUP BY q.id ORDER BY rate, answered DESC LIMIT 1000`, examID, scope.Township())
	return out, err
}

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
	e, err := GetExam(c.UserContext(), h.st.DB, id, web.ScopeOf(me).Township())
	if err != nil {
		return nil, scope, apiErr(err)
	}
	return e, scope, nil
}

// GET /api/v1/exams/:id/results?township_id=
func (h *handlers) apiResults(c *fiber.Ctx) error {
	e, scope, err := h.staffExam(c)
	if err != nil {
		return err
	}
	rows, err := ExamResults(c.UserContext(), h.st.DB, e, scope)
	if err != nil {
		return err
	}
	taken, passed := 0, 0
	for _, r := range rows {
		if r.Attempts > 0 {
			taken++
		}
		if r.Passed {
			passed++
		}
	}
	return c.JSON(fiber.Map{"exam_id": e.ID, "candidates": len(rows), "taken": taken, "passed": passed, "results": rows})
}

// GET /api/v1/exams/:id/item-stats?township_id=
func (h *handlers) apiItemStats(c *fiber.Ctx) error {
	e, scope, err := h.staffExam(c)
	if err != nil {
		return err
	}
	stats, err := ItemStats(c.UserContext(), h.st.DB, e.ID, scope)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"exam_id": e.ID, "items": stats})
}

// Best is the best score for templates (0 when none).
func (r ResultRow) Best() float64 {
	if r.BestScore == nil {
		return 0
	}
	return *r.BestScore
}
