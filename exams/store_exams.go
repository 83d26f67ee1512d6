package exams

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/web"
)

// Rules is the JSON list of draw rules of an exam.
type Rules []Rule

// Scan reads JSONB.
func (r *Rules) Scan(src any) error {
	switch v := src.(type) {
	case []byte:
		return json.Unmarshal(v, (*[]Rule)(r))
	case string:
		return json.Unmarshal([]byte(v), (*[]Rule)(r))
	}
	return fmt.Errorf("Rules: cannot scan %T", src)
}

// Value writes JSONB.
func (r Rules) Value() (driver.Value, error) { return json.Marshal([]Rule(r)) }

// Exam is an exam definition.
type Exam struct {
	ID               int64         `db:"id" json:"id"`
	Title            string        `db:"title" json:"title"`
	Description      string        `db:"description" json:"description"`
	CourseID         sql.NullInt64 `db:"course_id" json:"-"`
	OpensAt          time.Time     `db:"opens_at" json:"opens_at"`
	ClosesAt         time.Time     `db:"closes_at" json:"closes_at"`
	DurationMinutes  int           `db:"duration_minutes" json:"duration_minutes"`
	PassScore        float64       `db:"pass_score" json:"pass_score"`
	TotalPoints      float64       `db:"total_points" json:"total_points"`
	AttemptsAllowed  int           `db:"attempts_allowed" json:"attempts_allowed"`
	ShuffleQuestions bool          `db:"shuffle_questions" json:"shuffle_questions"`
	ShuffleOptions   bool          `db:"shuffle_options" json:"shuffle_options"`
	MultiRule        string        `db:"multi_rule" json:"multi_rule"`
	ReviewPolicy     string        `db:"review_policy" json:"review_policy"`
	AllTownships     bool          `db:"all_townships" json:"all_townships"`
	Rules            Rules         `db:"rules" json:"rules"`
	TownshipIDs      pq.Int64Array `db:"township_ids" json:"township_ids"`
}

const examCols = `e.id, e.title, e.description, e.course_id, e.opens_at, e.closes_at, e.duration_minutes, e.pass_score,
	e.total_points, e.attempts_allowed, e.shuffle_questions, e.shuffle_options, e.multi_rule, e.review_policy,
	e.all_townships, e.rules,
	ARRAY(SELECT township_id FROM exam_townships et WHERE et.exam_id = e.id ORDER BY township_id) AS township_ids`

// ExamInput is what an admin sends to create or change an exam.
type ExamInput struct {
	Title            string  `json:"title"`
	Description      string  `json:"description"`
	CourseID         *int64  `json:"course_id"`
	OpensAt          string  `json:"opens_at"`
	ClosesAt         string  `json:"closes_at"`
	DurationMinutes  int     `json:"duration_minutes"`
	PassScore        float64 `json:"pass_score"`
	AttemptsAllowed  int     `json:"attempts_allowed"`
	ShuffleQuestions *bool   `json:"shuffle_questions"`
	ShuffleOptions   *bool   `json:"shuffle_options"`
	MultiRule        string  `json:"multi_rule"`
	ReviewPolicy     string  `json:"review_policy"`
	TownshipIDs      []int64 `json:"township_ids"`
	Rules            []Rule  `json:"rules"`
}

// parseTime accepts RFC 3339 and the datetime-local form (taken as China time).
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, web.China); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// ToExam validates the input (pure) and builds the exam; errors are field → message.
func (in ExamInput) ToExam() (Exam, map[string]string) {
	errs := ValidateRules(in.Rules)
	e := Exam{Title: strings.TrimSpace(in.Title), Description: strings.TrimSpace(in.Description),
		DurationMinutes: in.DurationMinutes, PassScore: in.PassScore, AttemptsAllowed: in.AttemptsAllowed,
		ShuffleQuestions: true, ShuffleOptions: true, MultiRule: in.MultiRule, ReviewPolicy: in.ReviewPolicy,
		Rules: in.Rules, AllTownships: len(in.TownshipIDs) == 0, TownshipIDs: in.TownshipIDs}
	if in.CourseID != nil && *in.CourseID > 0 {
		e.CourseID = sql.NullInt64{Int64: *in.CourseID, Valid: true}
	}
	if in.ShuffleQuestions != nil {
		e.ShuffleQuestions = *in.ShuffleQuestions
	}
	if in.ShuffleOptions != nil {
		e.ShuffleOptions = *in.ShuffleOptions
	}
	if e.AttemptsAllowed == 0 {
		e.AttemptsAllowed = 2
	}
	if e.MultiRule == "" {
		e.MultiRule = MultiStrict
	}
	if e.ReviewPolicy == "" {
		e.ReviewPolicy = ReviewAfterClose
	}
	if e.Title == "" || len([]rune(e.Title)) > 100 {
		errs["title"] = "请填写考试名称（不超过 100 字）"
	} else if web.BadText(e.Title, false) {
		errs["title"] = "考试名称" + web.BadTextMessage
	}
	if len([]rune(e.Description)) > 2000 {
		errs["description"] = "考试说明不能超过 2000 字"
	} else if web.BadText(e.Description, true) {
		errs["description"] = "考试说明" + web.BadTextMessage
	}
	var ok bool
	if e.OpensAt, ok = parseTime(in.OpensAt); !ok {
		errs["opens_at"] = "请填写开始时间"
	} else if y := e.OpensAt.Year(); y < 2000 || y > 2200 {
		errs["opens_at"] = "开始时间超出范围"
	}
	if e.ClosesAt, ok = parseTime(in.ClosesAt); !ok {
		errs["closes_at"] = "请填写结束时间"
	} else if y := e.ClosesAt.Year(); y < 2000 || y > 2200 {
		errs["closes_at"] = "结束时间超出范围"
	} else if !e.ClosesAt.After(e.OpensAt) {
		errs["closes_at"] = "结束时间应晚于开始时间"
	}
	if len(e.TownshipIDs) > 1000 {
		errs["township_ids"] = "乡镇过多"
	}
	for _, id := range e.TownshipIDs {
		if id <= 0 {
			errs["township_ids"] = "包含不存在的乡镇"
		}
	}
	if e.DurationMinutes < 1 || e.DurationMinutes > 600 {
		errs["duration_minutes"] = "考试时长应在 1 到 600 分钟之间"
	}
	if e.AttemptsAllowed < 1 || e.AttemptsAllowed > 20 {
		errs["attempts_allowed"] = "考试次数应在 1 到 20 之间"
	}
	switch e.MultiRule {
	case MultiStrict, MultiPartial, MultiHalf:
	default:
		errs["multi_rule"] = "多选评分规则应为 strict、partial 或 half"
	}
	switch e.ReviewPolicy {
	case ReviewAfterClose, ReviewImmediate, ReviewScoreOnly:
	default:
		errs["review_policy"] = "查看答案规则应为 after_close、immediate 或 score_only"
	}
	for _, r := range e.Rules { // meaningful only when the rules passed ValidateRules
		e.TotalPoints += float64(r.Count) * r.Points
	}
	e.TotalPoints = round2(e.TotalPoints)
	if !finite(e.PassScore) || e.PassScore < 0 || (e.TotalPoints > 0 && e.PassScore > e.TotalPoints) {
		errs["pass_score"] = fmt.Sprintf("及格分应在 0 到总分 %.0f 之间", e.TotalPoints)
	}
	return e, errs
}

// SaveExam inserts (ID 0) or updates an exam and its townships in one transaction.
// Changed rules apply to attempts started afterwards; started papers stay frozen.
func SaveExam(ctx context.Context, db *sqlx.DB, e *Exam, by int64) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if e.ID == 0 {
		err = tx.GetContext(ctx, &e.ID, `INSERT INTO exams (title, description, course_id, opens_at, closes_at, duration_minutes,
			pass_score, total_points, attempts_allowed, shuffle_questions, shuffle_options, multi_rule, review_policy,
			all_townships, rules, created_by) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,NULLIF($16,0::bigint)) RETURNING id`,
			e.Title, e.Description, e.CourseID, e.OpensAt, e.ClosesAt, e.DurationMinutes, e.PassScore, e.TotalPoints,
			e.AttemptsAllowed, e.ShuffleQuestions, e.ShuffleOptions, e.MultiRule, e.ReviewPolicy, e.AllTownships, e.Rules, by)
	} else {
		var res sql.Result
		res, err = tx.ExecContext(ctx, `UPDATE exams SET title=$2, description=$3, course_id=$4, opens_at=$5, closes_at=$6,
			duration_minutes=$7, pass_score=$8, total_points=$9, attempts_allowed=$10, shuffle_questions=$11,
			shuffle_options=$12, multi_rule=$13, review_policy=$14, all_townships=$15, rules=$16, updated_at=now() WHERE id=$1`,
			e.ID, e.Title, e.Description, e.CourseID, e.OpensAt, e.ClosesAt, e.DurationMinutes, e.PassScore, e.TotalPoints,
			e.AttemptsAllowed, e.ShuffleQuestions, e.ShuffleOptions, e.MultiRule, e.ReviewPolicy, e.AllTownships, e.Rules)
		if err == nil {
			if n, _ := res.RowsAffected(); n == 0 {
				return errNotFound
			}
		}
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23503" && strings.Contains(pqErr.Constraint, "course") {
		return errUnknownCourse
	}
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM exam_townships WHERE exam_id = $1`, e.ID); err != nil {
		return err
	}
	if len(e.TownshipIDs) > 0 {
		res, err := tx.ExecContext(ctx, `INSERT INTO exam_townships (exam_id, township_id)
			SELECT $1, id FROM townships WHERE id = ANY($2)`, e.ID, pq.Array([]int64(e.TownshipIDs)))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); int(n) != len(uniq(e.TownshipIDs)) {
			return errUnknownTownship
		}
	}
	return tx.Commit()
}

var (
	errUnknownTownship = errors.New("unknown township")
	errUnknownCourse   = errors.New("unknown course")
)

func uniq(ids []int64) map[int64]bool {
	m := map[int64]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// visibleSQL admits exams for the township $N (NULL = every exam, for admins).
const visibleSQL = `($%d::bigint IS NULL OR e.all_townships OR EXISTS (SELECT 1 FROM exam_townships et WHERE et.exam_id = e.id AND et.township_id = $%d))`

func visible(n int) string { return fmt.Sprintf(visibleSQL, n, n) }

// GetExam loads an exam the township may see (NULL township: any exam).
func GetExam(ctx context.Context, db sqlx.QueryerContext, id int64, township sql.NullInt64) (*Exam, error) {
	var e Exam
	err := sqlx.GetContext(ctx, db, &e, `SELECT `+examCols+` FROM exams e WHERE e.id = $1 AND `+visible(2), id, township)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound
	}
	return &e, err
}

// ExamForUser is an exam as one candidate sees it.
type ExamForUser struct {
	Exam
	AttemptsUsed int             `db:"attempts_used" json:"attempts_used"`
	BestScore    sql.NullFloat64 `db:"best_score" json:"-"`
	Passed       bool            `db:"passed" json:"passed"`
	OpenAttempt  sql.NullInt64   `db:"open_attempt" json:"-"`
	Now          time.Time       `db:"now" json:"-"`
}

// State says what the candidate can do now: "upcoming", "open", "resume", "done", "closed".
func (e ExamForUser) State() string {
	switch {
	case e.OpenAttempt.Valid:
		return "resume"
	case e.Now.Before(e.OpensAt):
		return "upcoming"
	case !e.Now.Before(e.ClosesAt):
		return "closed"
	case e.AttemptsUsed >= e.AttemptsAllowed:
		return "done"
	}
	return "open"
}

// AttemptsLeft is how many attempts remain.
func (e ExamForUser) AttemptsLeft() int {
	if n := e.AttemptsAllowed - e.AttemptsUsed; n > 0 {
		return n
	}
	return 0
}

// ExamsForUser lists the exams the user may take (township), newest window first, with
// the user's attempts; onlyOpen keeps those open now.
func ExamsForUser(ctx context.Context, db *sqlx.DB, userID int64, township sql.NullInt64, onlyOpen bool) ([]ExamForUser, error) {
	out := []ExamForUser{}
	err := db.SelectContext(ctx, &out, `
		SELECT `+examCols+`, now() AS now,
		       COALESCE(s.used, 0) AS attempts_used, s.best AS best_score, COALESCE(s.passed, false) AS passed, s.open AS open_attempt
		FROM exams e
		LEFT JOIN LATERAL (
			SELECT count(*) AS used, max(score) AS best, bool_or(passed) AS passed,
			       max(id) FILTER (WHERE status = 'in_progress') AS open
			FROM attempts a WHERE a.exam_id = e.id AND a.user_id = $1) s ON true
		WHERE `+visible(2)+` AND (NOT $3 OR (now() >= e.opens_at AND now() < e.closes_at))
		ORDER BY (now() < e.closes_at) DESC, e.closes_at ASC, e.id DESC
		LIMIT 200`, userID, township, onlyOpen)
	return out, err
}
