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

// SaveExam is the one operation behind creating (id 0) and changing an exam, by the API
// and by the form: it validates in (*web.InputError), checks the bank can satisfy the
// rules (*SupplyError), then writes the exam and its townships in one transaction (lock
// order: the exam row, then its exam_townships rows). Changed rules apply to attempts
// started afterwards; started papers stay frozen.
func (s *Store) SaveExam(ctx context.Context, id int64, in ExamInput, by int64) (*Exam, error) {
	e, errs := in.ToExam()
	if len(errs) > 0 {
		return nil, web.Invalidf("考试设置有误，请检查", errs)
	}
	snap, err := s.Pools.Snapshot(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	if short := CheckSupply(e.Rules, func(k PoolKey) int { return len(snap.Get(k)) }); len(short) > 0 {
		return nil, &SupplyError{Short: short}
	}
	e.ID = id
	if err := s.writeExam(ctx, &e, by); err != nil {
		return nil, err
	}
	return &e, nil
}

func (s *Store) writeExam(ctx context.Context, e *Exam, by int64) error {
	tx, err := s.DB.BeginTxx(ctx, nil)
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
				return ErrNotFound
			}
		}
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23503" && strings.Contains(pqErr.Constraint, "course") {
		return ErrUnknownCourse
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
			return ErrUnknownTownship
		}
	}
	return tx.Commit()
}

func uniq(ids []int64) map[int64]bool {
	m := map[int64]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// TownshipOption is a township offered by the exam form.
type TownshipOption struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// Townships lists every township for the exam form.
func (s *Store) Townships(ctx context.Context) ([]TownshipOption, error) {
	towns := []TownshipOption{}
	err := s.DB.SelectContext(ctx, &towns, `SELECT id, name FROM townships ORDER BY sort, id`)
	return towns, err
}

// visibleSQL admits exams for the township $N (NULL = every exam, for admins).
const visibleSQL = `($%d::bigint IS NULL OR e.all_townships OR EXISTS (SELECT 1 FROM exam_townships et WHERE et.exam_id = e.id AND et.township_id = $%d))`

func visible(n int) string { return fmt.Sprintf(visibleSQL, n, n) }

// GetExam loads an exam the township may see (NULL township: any exam).
func (s *Store) GetExam(ctx context.Context, id int64, township sql.NullInt64) (*Exam, error) {
	var e Exam
	err := s.DB.GetContext(ctx, &e, `SELECT `+examCols+` FROM exams e WHERE e.id = $1 AND `+visible(2), id, township)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
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
func (s *Store) ExamsForUser(ctx context.Context, userID int64, township sql.NullInt64, onlyOpen bool) ([]ExamForUser, error) {
	out := []ExamForUser{}
	err := s.DB.SelectContext(ctx, &out, `
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
