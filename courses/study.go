package courses

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

// BeatInput is one heartbeat of the lesson page.
type BeatInput struct {
	ReachedEnd bool    `json:"reached_end"`
	Resume     bool    `json:"resume"`  // page opened or shown again: start the clock, credit nothing
	Elapsed    float64 `json:"elapsed"` // the page's own measure of visible seconds since its last beat
}

// BeatResult is the lesson's state after a heartbeat.
type BeatResult struct {
	LessonID        int64   `json:"lesson_id"`
	Credited        int     `json:"credited"`
	Seconds         int     `json:"seconds"`
	MinSeconds      int     `json:"min_seconds"`
	ReachedEnd      bool    `json:"reached_end"`
	LessonCompleted bool    `json:"lesson_completed"`
	CourseCompleted bool    `json:"course_completed"`
	HoursEarned     float64 `json:"hours_earned,omitempty"`
}

// heartbeat credits study time to a lesson of a published course. The per-user
// study_beats row is locked first, so concurrent beats of one user are serialized and
// only the lesson in that row earns time.
func heartbeat(ctx context.Context, db *sqlx.DB, userID, lessonID int64, in BeatInput, now time.Time) (*BeatResult, error) {
	now = now.Truncate(time.Microsecond) // PostgreSQL keeps microseconds: compare like with like
	if in.Elapsed < 0 || in.Elapsed > 86400 {
		return nil, web.Invalid("学习时长不合理", map[string]string{"elapsed": "应为 0 到 86400 秒"})
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	var lesson struct {
		CourseID   int64 `db:"course_id"`
		MinSeconds int   `db:"min_seconds"`
	}
	err = tx.GetContext(ctx, &lesson, `SELECT l.course_id, l.min_seconds FROM lessons l JOIN courses c ON c.id = l.course_id
		WHERE l.id = $1 AND c.published`, lessonID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, web.NotFound("找不到该课时")
	}
	if err != nil {
		return nil, err
	}

	// Make sure the row exists so that FOR UPDATE has something to lock.
	if _, err := tx.ExecContext(ctx, `INSERT INTO study_beats (user_id, lesson_id, last_beat_at) VALUES ($1,$2,$3)
		ON CONFLICT (user_id) DO NOTHING`, userID, lessonID, now); err != nil {
		return nil, err
	}
	var prev Beat
	if err := tx.QueryRowxContext(ctx, `SELECT lesson_id, last_beat_at FROM study_beats WHERE user_id = $1 FOR UPDATE`, userID).
		Scan(&prev.LessonID, &prev.At); err != nil {
		return nil, err
	}
	v := CreditBeat(&prev, lessonID, now, in.Resume, time.Duration(in.Elapsed*float64(time.Second)), BeatCap())
	if v.Impossible {
		return nil, web.Err(422, "impossible_time", "上报的学习时长超过了实际经过的时间，本次不计时")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE study_beats SET lesson_id = $2, last_beat_at = $3 WHERE user_id = $1`, userID, lessonID, now.Add(-v.Carry)); err != nil {
		return nil, err
	}

	var st LessonState
	err = tx.GetContext(ctx, &st, `INSERT INTO lesson_progress (user_id, lesson_id, seconds, reached_end, updated_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id, lesson_id) DO UPDATE SET seconds = lesson_progress.seconds + EXCLUDED.seconds,
			reached_end = lesson_progress.reached_end OR EXCLUDED.reached_end, updated_at = EXCLUDED.updated_at
		RETURNING lesson_id, seconds, reached_end, completed_at`, userID, lessonID, v.Seconds, in.ReachedEnd, now)
	if err != nil {
		return nil, err
	}
	res := &BeatResult{LessonID: lessonID, Credited: v.Seconds, Seconds: st.Seconds, MinSeconds: lesson.MinSeconds,
		ReachedEnd: st.ReachedEnd, LessonCompleted: st.CompletedAt != nil}
	if !res.LessonCompleted && LessonComplete(st.ReachedEnd, st.Seconds, lesson.MinSeconds) {
		if _, err := tx.ExecContext(ctx, `UPDATE lesson_progress SET completed_at = $3 WHERE user_id = $1 AND lesson_id = $2`,
			userID, lessonID, now); err != nil {
			return nil, err
		}
		res.LessonCompleted = true
	}

	var courseDone *time.Time
	err = tx.GetContext(ctx, &courseDone, `INSERT INTO course_progress (user_id, course_id, last_lesson_id, started_at, updated_at)
		VALUES ($1, $2, $3, $4, $4)
		ON CONFLICT (user_id, course_id) DO UPDATE SET last_lesson_id = EXCLUDED.last_lesson_id, updated_at = EXCLUDED.updated_at
		RETURNING completed_at`, userID, lesson.CourseID, lessonID, now)
	if err != nil {
		return nil, err
	}
	res.CourseCompleted = courseDone != nil
	// Also re-checked for lessons completed earlier: a lesson deleted since may have been
	// the only one missing.
	if res.LessonCompleted && courseDone == nil {
		done, hours, err := completeCourseIfDone(ctx, tx, userID, lesson.CourseID, now)
		if err != nil {
			return nil, err
		}
		res.CourseCompleted, res.HoursEarned = done, hours
	}
	return res, tx.Commit()
}

// completeCourseIfDone applies CourseComplete and, when it holds, credits the course's
// 学时 under the policy of the year it completed in.
func completeCourseIfDone(ctx context.Context, tx *sqlx.Tx, userID, courseID int64, now time.Time) (bool, float64, error) {
	var row struct {
		Lessons     int     `db:"lessons"`
		Done        int     `db:"done"`
		Declared    float64 `db:"credit_hours"`
		TotalMinSec int     `db:"total_min_seconds"`
		ExamLinked  bool    `db:"exam_linked"`
		ExamPassed  bool    `db:"exam_passed"`
	}
	// Exams have no draft state: an exam counts as soon as it is linked, unless it is
	// limited to other townships than the learner's (they could never take it).
	err := tx.GetContext(ctx, &row, `SELECT
		(SELECT count(*) FROM lessons WHERE course_id = c.id) AS lessons,
		(SELECT count(*) FROM lesson_progress lp JOIN lessons l ON l.id = lp.lesson_id
			WHERE l.course_id = c.id AND lp.user_id = $2 AND lp.completed_at IS NOT NULL) AS done,
		c.credit_hours,
		(SELECT coalesce(sum(min_seconds), 0) FROM lessons WHERE course_id = c.id) AS total_min_seconds,
		EXISTS (SELECT 1 FROM exams e WHERE e.course_id = c.id AND (e.all_townships OR EXISTS (
			SELECT 1 FROM exam_townships et JOIN users u ON u.township_id = et.township_id
			WHERE et.exam_id = e.id AND u.id = $2))) AS exam_linked,
		EXISTS (SELECT 1 FROM exam_course_passes p WHERE p.course_id = c.id AND p.user_id = $2) AS exam_passed
		FROM courses c WHERE c.id = $1`, courseID, userID)
	if err != nil {
		return false, 0, err
	}
	if !CourseComplete(CourseStatus{Lessons: row.Lessons, LessonsDone: row.Done, ExamLinked: row.ExamLinked, ExamPassed: row.ExamPassed}) {
		return false, 0, nil
	}
	rule, err := yearRule(ctx, tx, YearOf(now))
	if err != nil {
		return false, 0, err
	}
	hours := CreditHours(row.Declared, row.TotalMinSec, rule)
	_, err = tx.ExecContext(ctx, `UPDATE course_progress SET completed_at = $3, hours_earned = $4 WHERE user_id = $1 AND course_id = $2`,
		userID, courseID, now, hours)
	return true, hours, err
}

// Learner is one secretary's row on the oversight page of a course.
type Learner struct {
	UserID      int64      `db:"user_id" json:"user_id"`
	Name        string     `db:"name" json:"name"`
	Phone       string     `db:"phone" json:"phone"`
	Township    string     `db:"township" json:"township"`
	Branch      string     `db:"branch" json:"branch"`
	BranchID    int64      `db:"branch_id" json:"branch_id"`
	LessonsDone int        `db:"lessons_done" json:"lessons_done"`
	StartedAt   *time.Time `db:"started_at" json:"started_at"`
	CompletedAt *time.Time `db:"completed_at" json:"completed_at"`
	DueDate     *time.Time `db:"due_date" json:"due_date"`
}

// Status is 已完成 / 学习中 / 未开始.
func (l Learner) Status() string {
	switch {
	case l.CompletedAt != nil:
		return "已完成"
	case l.StartedAt != nil:
		return "学习中"
	}
	return "未开始"
}

// Behind: the course is 必修 for them and not finished.
func (l Learner) Behind() bool { return l.DueDate != nil && l.CompletedAt == nil }

// learners lists the active secretaries in scope (optionally one branch) with their
// progress in the course and their due date if it is 必修 for them in the year.
func learners(ctx context.Context, db sqlx.QueryerContext, courseID int64, year int, township sql.NullInt64, branchID int64) ([]Learner, error) {
	var out []Learner
	err := sqlx.SelectContext(ctx, db, &out, `
		WITH done AS (
			SELECT lp.user_id, count(*) AS n FROM lesson_progress lp JOIN lessons l ON l.id = lp.lesson_id
			WHERE l.course_id = $1 AND lp.completed_at IS NOT NULL GROUP BY lp.user_id)
		SELECT u.id AS user_id, u.name, coalesce(u.phone, '') AS phone, t.name AS township, b.name AS branch, b.id AS branch_id,
			coalesce(done.n, 0) AS lessons_done, cp.started_at, cp.completed_at,
			(SELECT min(a.due_date) FROM course_assignments a WHERE a.course_id = $1 AND a.year = $2
				AND `+appliesSQL("u.township_id", "b.kind")+`) AS due_date
		FROM users u JOIN branches b ON b.id = u.branch_id JOIN townships t ON t.id = u.township_id
		LEFT JOIN course_progress cp ON cp.user_id = u.id AND cp.course_id = $1
		LEFT JOIN done ON done.user_id = u.id
		WHERE u.role = 'secretary' AND u.active AND ($3::bigint IS NULL OR u.township_id = $3) AND ($4::bigint = 0 OR u.branch_id = $4)
		ORDER BY t.sort, t.id, b.name, u.name, u.id`, courseID, year, township, branchID)
	return out, err
}

// RequiredStat is the completion of one 必修 course in a scope.
type RequiredStat struct {
	CourseID int64     `db:"course_id" json:"course_id"`
	Title    string    `db:"title" json:"title"`
	DueDate  time.Time `db:"due_date" json:"due_date"`
	Required int       `db:"required" json:"required"`
	Done     int       `db:"done" json:"done"`
}

// requiredStats counts, per published 必修 course of the year, the secretaries in scope
// it applies to and how many of them completed it.
func requiredStats(ctx context.Context, db sqlx.QueryerContext, year int, township sql.NullInt64) ([]RequiredStat, error) {
	var out []RequiredStat
	err := sqlx.SelectContext(ctx, db, &out, `
		WITH pairs AS (
			SELECT a.course_id, u.id AS user_id, min(a.due_date) AS due_date
			FROM course_assignments a
			JOIN courses c ON c.id = a.course_id AND c.published
			JOIN users u ON u.role = 'secretary' AND u.active AND ($2::bigint IS NULL OR u.township_id = $2)
			JOIN branches b ON b.id = u.branch_id
			WHERE a.year = $1 AND `+appliesSQL("u.township_id", "b.kind")+`
			GROUP BY a.course_id, u.id)
		SELECT c.id AS course_id, c.title, min(p.due_date) AS due_date, count(*) AS required,
			count(cp.completed_at) AS done
		FROM pairs p JOIN courses c ON c.id = p.course_id
		LEFT JOIN course_progress cp ON cp.user_id = p.user_id AND cp.course_id = p.course_id
		GROUP BY c.id, c.title ORDER BY min(p.due_date), c.id`, year, township)
	return out, err
}
