package exams

import (
	"context"
	"time"

	"zhibu/app/figures"
	"zhibu/app/web"
)

// Oversight: who an exam is for and how they did. Who an exam is for is the view
// exam_candidates (migrations/00052_exam_candidates.sql, latest 00063_class_exam_candidates.sql:
// a class's 结业 exam is for its participants; its Go mirror is IsCandidate in
// rules.go, compared in candidates_test.go): the results, their workbook and the staff
// home card all count from it.

// ResultRow is one candidate of an exam in the oversight list.
type ResultRow struct {
	UserID       int64    `db:"user_id" json:"user_id"`
	Name         string   `db:"name" json:"name"`
	Phone        string   `db:"phone" json:"phone"`
	TownshipID   int64    `db:"township_id" json:"township_id"`
	TownshipName string   `db:"township_name" json:"township"`
	BranchName   string   `db:"branch_name" json:"branch"`
	Attempts     int      `db:"attempts" json:"attempts"` // all attempts, an open one included
	Finished     int      `db:"finished" json:"finished"` // finished attempts: 参考 when > 0
	BestScore    *float64 `db:"best_score" json:"best_score"`
	Passed       bool     `db:"passed" json:"passed"`
	InProgress   bool     `db:"in_progress" json:"in_progress"`
	BestAttempt  *int64   `db:"best_attempt" json:"best_attempt_id"`
}

// Best is the best score for templates (0 when none).
func (r ResultRow) Best() float64 {
	if r.BestScore == nil {
		return 0
	}
	return *r.BestScore
}

// ExamResults lists every candidate of the exam in the scope with their best result.
func (s *Store) ExamResults(ctx context.Context, examID int64, scope web.Scope) ([]ResultRow, error) {
	rows := []ResultRow{}
	err := s.DB.SelectContext(ctx, &rows, `
		SELECT u.id AS user_id, u.name, COALESCE(u.phone, '') AS phone, t.id AS township_id, t.name AS township_name,
		       COALESCE(b.name, '') AS branch_name, COALESCE(s.n, 0) AS attempts,
		       COALESCE(s.finished, 0) AS finished, s.best AS best_score,
		       COALESCE(s.passed, false) AS passed, COALESCE(s.open, false) AS in_progress, s.best_attempt
		FROM exam_candidates c
		JOIN users u ON u.id = c.user_id
		JOIN townships t ON t.id = c.township_id
		LEFT JOIN branches b ON b.id = u.branch_id
		LEFT JOIN LATERAL (
			SELECT count(*) AS n, count(*) FILTER (WHERE status = 'finished') AS finished,
			       max(score) FILTER (WHERE status = 'finished') AS best,
			       bool_or(passed) FILTER (WHERE status = 'finished') AS passed, bool_or(status = 'in_progress') AS open,
			       (array_agg(id ORDER BY score DESC NULLS LAST, id))[1] AS best_attempt
			FROM attempts a WHERE a.exam_id = c.exam_id AND a.user_id = c.user_id) s ON true
		WHERE c.exam_id = $1 AND ($2::bigint IS NULL OR c.township_id = $2)
		ORDER BY t.sort, t.id, s.best DESC NULLS LAST, u.name
		LIMIT 20000`, examID, scope.Township())
	return rows, err
}

// Sitting is the row as app/figures counts it; full is the exam's full marks.
func (r ResultRow) Sitting(full float64) figures.Sitting {
	return figures.Sitting{Finished: r.Finished, Best: r.Best(), Full: full, Passed: r.Passed}
}

// ResultFigures are the exam's figures (app/figures) over the rows: 应考, 参考, 通过 and
// their rates, 平均分.
func ResultFigures(rows []ResultRow, full float64) figures.Exam {
	var f figures.Exam
	for _, r := range rows {
		f.Add(r.Sitting(full))
	}
	f.Finish()
	return f
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
func (s *Store) ItemStats(ctx context.Context, examID int64, scope web.Scope) ([]ItemStat, error) {
	out := []ItemStat{}
	err := s.DB.SelectContext(ctx, &out, `
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

// Turnout is an exam open now with how many of its candidates in a scope took it.
type Turnout struct {
	ID         int64     `db:"id"`
	Title      string    `db:"title"`
	ClosesAt   time.Time `db:"closes_at"`
	Taken      int       `db:"taken"`
	Candidates int       `db:"candidates"`
}

// RemindWithin is how close an open exam's close must be for the staff home card to turn
// into a 催学 prompt for those who have not taken it (Turnout.Behind).
const RemindWithin = 3 * 24 * time.Hour

// Behind tells whether the exam closes within RemindWithin of now with candidates in the
// scope who have not taken it: the staff's next step is to remind them.
func (t Turnout) Behind(now time.Time) bool {
	return t.Taken < t.Candidates && t.ClosesAt.After(now) && t.ClosesAt.Sub(now) <= RemindWithin
}

// OpenExamTurnout lists up to limit exams open now that the scope sees, closing first,
// with their candidates in the scope and how many of them have an attempt.
func (s *Store) OpenExamTurnout(ctx context.Context, scope web.Scope, limit int) ([]Turnout, error) {
	var rows []Turnout
	err := s.DB.SelectContext(ctx, &rows, `
		SELECT e.id, e.title, e.closes_at, COALESCE(n.candidates, 0) AS candidates, COALESCE(n.taken, 0) AS taken
		FROM exams e
		LEFT JOIN LATERAL (
			SELECT count(*) AS candidates,
			       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM attempts a WHERE a.exam_id = c.exam_id AND a.user_id = c.user_id)) AS taken
			FROM exam_candidates c WHERE c.exam_id = e.id AND ($1::bigint IS NULL OR c.township_id = $1)) n ON true
		WHERE now() >= e.opens_at AND now() < e.closes_at AND `+visible(1)+`
		ORDER BY e.closes_at LIMIT $2`, scope.Township(), limit)
	return rows, err
}
