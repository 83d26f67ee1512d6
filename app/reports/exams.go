package reports

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"

	"zhibu/app/web"
)

// ExamInfo is an exam as the results report needs it.
type ExamInfo struct {
	ID           int64     `db:"id"`
	Title        string    `db:"title"`
	PassScore    float64   `db:"pass_score"`
	AllTownships bool      `db:"all_townships"`
	OpensAt      time.Time `db:"opens_at"`
	ClosesAt     time.Time `db:"closes_at"`
}

// Candidate is one row of an exam's results: every candidate in scope, taken or not.
type Candidate struct {
	TownshipID int64
	Township   string
	Branch     string
	Name       string
	Phone      string
	Attempts   int // finished attempts
	Best       float64
	Passed     bool
	InProgress bool
	LastAt     sql.NullTime
}

// Status is the candidate's state in words.
func (c *Candidate) Status() string {
	switch {
	case c.Passed:
		return "已通过"
	case c.Attempts > 0:
		return "未通过"
	case c.InProgress:
		return "考试中"
	}
	return "未参加"
}

// ExamReport is the results of one exam in a township scope.
type ExamReport struct {
	Exam       ExamInfo
	Generated  time.Time
	Candidates []Candidate
	Summary    []Summary // per township: Expected = 应考, Examinees, Passed, rates, AvgScore
	Total      Summary
}

// examsOfYear lists the exams opening in the year that concern the scope.
func examsOfYear(ctx context.Context, db *sqlx.DB, year int, township sql.NullInt64) ([]ExamInfo, error) {
	from, to := yearBounds(year)
	var out []ExamInfo
	err := db.SelectContext(ctx, &out, `
		SELECT id, title, pass_score::float8 AS pass_score, all_townships, opens_at, closes_at
		FROM exams e
		WHERE opens_at >= $1 AND opens_at < $2
		  AND ($3::bigint IS NULL OR all_townships
		       OR EXISTS (SELECT 1 FROM exam_townships et WHERE et.exam_id = e.id AND et.township_id = $3))
		ORDER BY opens_at, id`, from, to, township)
	return out, err
}

// TourInfo is a tour of the year, for the roster download links (the roster export
// itself belongs to the tours feature: GET /api/v1/tours/{id}/roster.xlsx).
type TourInfo struct {
	ID       int64     `db:"id"`
	Title    string    `db:"title"`
	StartsOn time.Time `db:"starts_on"`
	EndsOn   time.Time `db:"ends_on"`
}

// toursOfYear lists the published tours starting in the year (drafts have no roster).
func toursOfYear(ctx context.Context, db *sqlx.DB, year int) ([]TourInfo, error) {
	var out []TourInfo
	err := db.SelectContext(ctx, &out, `
		SELECT id, title, starts_on, ends_on FROM tours
		WHERE status <> 'draft' AND starts_on >= make_date($1, 1, 1) AND starts_on < make_date($1 + 1, 1, 1)
		ORDER BY starts_on, id`, year)
	return out, err
}

// LoadExam reads one exam's results for a scope: the exam's candidates (active
// secretaries of the townships it is for, plus anyone in scope who sat it) with their
// finished attempts, best score and pass, in two queries. An exam outside the scope is
// not found.
func LoadExam(ctx context.Context, db *sqlx.DB, examID int64, township sql.NullInt64, now time.Time) (*ExamReport, error) {
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r := &ExamReport{Generated: now}
	err = tx.GetContext(ctx, &r.Exam, `
		SELECT id, title, pass_score::float8 AS pass_score, all_townships, opens_at, closes_at
		FROM exams e
		WHERE id = $1 AND ($2::bigint IS NULL OR all_townships
		      OR EXISTS (SELECT 1 FROM exam_townships et WHERE et.exam_id = e.id AND et.township_id = $2))`, examID, township)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, web.NotFound("找不到该考试，或不在您的管理范围内")
	}
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT t.id, t.name, b.name, u.name, COALESCE(u.phone, ''),
		       count(a.id) FILTER (WHERE a.status = 'finished'),
		       COALESCE(max(a.score) FILTER (WHERE a.status = 'finished'), 0)::float8,
		       COALESCE(bool_or(a.passed) FILTER (WHERE a.status = 'finished'), false),
		       COALESCE(bool_or(a.status = 'in_progress'), false),
		       max(a.finished_at)
		FROM users u
		JOIN branches b ON b.id = u.branch_id
		JOIN townships t ON t.id = u.township_id
		JOIN exams e ON e.id = $1
		LEFT JOIN attempts a ON a.user_id = u.id AND a.exam_id = e.id
		WHERE u.role = 'secretary' AND ($2::bigint IS NULL OR u.township_id = $2)
		  AND (a.id IS NOT NULL OR (u.active AND (e.all_townships
		       OR EXISTS (SELECT 1 FROM exam_townships et WHERE et.exam_id = e.id AND et.township_id = u.township_id))))
		GROUP BY t.sort, t.id, t.name, b.name, u.id
		ORDER BY t.sort, t.id, b.name, u.name, u.id`, examID, township)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c Candidate
		if err := rows.Scan(&c.TownshipID, &c.Township, &c.Branch, &c.Name, &c.Phone, &c.Attempts, &c.Best, &c.Passed,
			&c.InProgress, &c.LastAt); err != nil {
			return nil, err
		}
		r.Candidates = append(r.Candidates, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	r.summarize()
	return r, nil
}

func (r *ExamReport) summarize() {
	type sums struct {
		s     Summary
		score float64
	}
	var list []*sums
	byID := map[int64]*sums{}
	total := &sums{s: Summary{Name: "合计"}}
	for i := range r.Candidates {
		c := &r.Candidates[i]
		t := byID[c.TownshipID]
		if t == nil {
			t = &sums{s: Summary{TownshipID: c.TownshipID, Name: c.Township}}
			byID[c.TownshipID] = t
			list = append(list, t)
		}
		for _, a := range []*sums{t, total} {
			a.s.Expected++
			if c.Attempts > 0 {
				a.s.Examinees++
				a.score += c.Best
			}
			if c.Passed {
				a.s.Passed++
			}
		}
	}
	fin := func(a *sums) Summary {
		s := a.s
		s.ExamRate = ratio(s.Examinees, s.Expected)
		s.PassRate = ratio(s.Passed, s.Examinees)
		if s.Examinees > 0 {
			s.AvgScore = a.score / float64(s.Examinees)
		}
		return s
	}
	r.Summary = nil
	for _, t := range list {
		r.Summary = append(r.Summary, fin(t))
	}
	r.Total = fin(total)
}

// FileName is the download name, e.g. "考试成绩（2026年第一季度学习测试）.xlsx".
func (r *ExamReport) FileName() string { return "考试成绩（" + r.Exam.Title + "）.xlsx" }

var (
	examSummaryHeaders = []string{"乡镇", "应考人数", "参考人数", "参考率", "通过人数", "通过率", "平均分"}
	examResultHeaders  = []string{"序号", "乡镇", "支部", "姓名", "手机号", "考试次数", "最高分", "是否通过", "状态", "最后交卷时间"}
)

const sheetResults = "成绩"

// ExamFile builds the exam results workbook: 汇总 by township and 成绩 (streamed).
func ExamFile(r *ExamReport) (*excelize.File, error) {
	f, st, err := newBook()
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
		}
	}()
	at := r.Generated.In(web.China).Format("2006-01-02 15:04")
	title := r.Exam.Title + " 成绩汇总（及格 " + FormatNumber(r.Exam.PassScore) + " 分，导出时间：" + at + "）"
	w := make(widths, len(examSummaryHeaders))
	for i, h := range examSummaryHeaders {
		w.seeHeader(i, h)
	}
	sumRow := func(s Summary, total bool) []any {
		text, integer, number, pct := st.text, st.integer, st.number, st.pct
		if total {
			text, integer, number, pct = st.totalText, st.totalInt, st.totalNumber, st.totalPct
		}
		w.see(0, s.Name)
		return []any{
			excelize.Cell{StyleID: text, Value: web.CellText(s.Name)}, excelize.Cell{StyleID: integer, Value: s.Expected},
			excelize.Cell{StyleID: integer, Value: s.Examinees}, excelize.Cell{StyleID: pct, Value: s.ExamRate},
			excelize.Cell{StyleID: integer, Value: s.Passed}, excelize.Cell{StyleID: pct, Value: s.PassRate},
			excelize.Cell{StyleID: number, Value: s.AvgScore},
		}
	}
	var sum [][]any
	for _, s := range r.Summary {
		sum = append(sum, sumRow(s, false))
	}
	sum = append(sum, sumRow(r.Total, true))
	if err := streamSheet(f, st, sheetSummary, title, examSummaryHeaders, w, len(sum), func(i int) []any { return sum[i] }); err != nil {
		return nil, err
	}

	if _, err := f.NewSheet(sheetResults); err != nil {
		return nil, err
	}
	w = make(widths, len(examResultHeaders))
	for i, h := range examResultHeaders {
		w.seeHeader(i, h)
	}
	var buf []any
	row := func(i int, w widths) []any {
		c := &r.Candidates[i]
		buf = buf[:0]
		add := func(v any, style int, text string) {
			if w != nil {
				w.see(len(buf), text)
			}
			buf = append(buf, excelize.Cell{StyleID: style, Value: textCell(v)})
		}
		add(i+1, st.integer, strconv.Itoa(i+1))
		add(c.Township, st.text, c.Township)
		add(c.Branch, st.text, c.Branch)
		add(c.Name, st.text, c.Name)
		add(c.Phone, st.text, c.Phone)
		add(c.Attempts, st.integer, strconv.Itoa(c.Attempts))
		if c.Attempts > 0 {
			add(c.Best, st.number, FormatNumber(c.Best)+".0")
		} else {
			add("", st.text, "")
		}
		passed := "否"
		if c.Passed {
			passed = "是"
		}
		add(passed, st.text, passed)
		status := c.Status()
		if c.Passed {
			add(status, st.text, status)
		} else {
			add(status, st.red, status)
		}
		if c.LastAt.Valid {
			add(excelDate(c.LastAt.Time), st.datetime, "2006-01-02 15:04")
		} else {
			add("", st.text, "")
		}
		return buf
	}
	for i := range r.Candidates {
		row(i, w)
	}
	title = r.Exam.Title + " 成绩明细（导出时间：" + at + "）"
	if err := streamSheet(f, st, sheetResults, title, examResultHeaders, w, len(r.Candidates), func(i int) []any { return row(i, nil) }); err != nil {
		return nil, err
	}
	ok = true
	return f, nil
}

func (h *handlers) examXLSX(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	r, err := LoadExam(c.UserContext(), h.db, id, web.ScopeOf(web.Me(c)).Township(), h.now())
	if err != nil {
		return err
	}
	f, err := ExamFile(r)
	if err != nil {
		return err
	}
	web.Attachment(c, r.FileName(), web.XLSXType)
	h.stream(c, f)
	return nil
}
