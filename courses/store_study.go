package courses

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/hours"
	"zhibu/app/web"
)

// Study, completion and oversight. Who a year's 必修 course applies to is read from the
// view course_requirements (migrations/00051_course_requirements.sql) and nowhere decided
// again; its Go mirror is AssignmentScope.Applies (courses/requirements_test.go).

// MyCourse is a course as one learner sees it: their progress and whether it is 必修.
type MyCourse struct {
	Course
	LessonsDone  int           `db:"lessons_done" json:"lessons_done"`
	LastLessonID sql.NullInt64 `db:"last_lesson_id" json:"-"`
	StartedAt    *time.Time    `db:"started_at" json:"started_at"`
	ProgressAt   *time.Time    `db:"progress_at" json:"-"`
	CompletedAt  *time.Time    `db:"completed_at" json:"completed_at"`
	HoursEarned  float64       `db:"hours_earned" json:"hours_earned"`
	DueDate      *time.Time    `db:"due_date" json:"due_date"`
	ExamLinked   bool          `db:"exam_linked" json:"exam_required"` // see CourseStatus
	ExamPassed   bool          `db:"exam_passed" json:"exam_passed"`
}

// AwaitsExam: every lesson is done and only the linked exam is missing.
func (m MyCourse) AwaitsExam() bool {
	return !m.Done() && m.ExamLinked && !m.ExamPassed && m.LessonCount > 0 && m.LessonsDone >= m.LessonCount
}

// Required tells whether the course is 必修 for the learner this year.
func (m MyCourse) Required() bool { return m.DueDate != nil }

// Done tells whether the learner completed it.
func (m MyCourse) Done() bool { return m.CompletedAt != nil }

// Percent of lessons done, for bars.
func (m MyCourse) Percent() int {
	if m.LessonCount == 0 {
		return 0
	}
	return m.LessonsDone * 100 / m.LessonCount
}

// LessonState is a learner's progress in one lesson.
type LessonState struct {
	LessonID    int64      `db:"lesson_id" json:"lesson_id"`
	Seconds     int        `db:"seconds" json:"seconds"`
	ReachedEnd  bool       `db:"reached_end" json:"reached_end"`
	CompletedAt *time.Time `db:"completed_at" json:"completed_at"`
}

// LessonView is a lesson as its learner sees it: their state and the attachments.
type LessonView struct {
	Lesson
	HTML        string       `json:"html,omitempty"` // the rendered body, filled by the handler that shows it
	Seconds     int          `json:"seconds"`
	ReachedEnd  bool         `json:"reached_end"`
	Completed   bool         `json:"completed"`
	Attachments []Attachment `json:"attachments"`
}

// StudySummary is a learner's year at a glance. Its 学时 are the ledger's (app/hours
// Mine: every source, not only courses), split into 线上 and 线下 as every 学时 figure is.
type StudySummary struct {
	Year        int     `json:"year"`
	TargetHours float64 `json:"target_hours"`
	HoursEarned float64 `json:"hours_earned"` // 合计 of the ledger
	Online      float64 `json:"online"`
	Offline     float64 `json:"offline"`
	Reached     bool    `json:"reached"` // figures.MetTarget
	Left        float64 `json:"left"`    // still missing to the target
	Percent     int     `json:"percent"`
	RequiredDue int     `json:"required_left"`
}

// MyCourses lists courses with the user's progress; 必修 first by due date. With onlyID
// it returns that one course; drafts only when withDrafts.
func (s *Store) MyCourses(ctx context.Context, userID int64, year int, onlyID int64, withDrafts bool) ([]MyCourse, error) {
	var out []MyCourse
	err := s.db.SelectContext(ctx, &out, `
		WITH me AS (SELECT u.township_id FROM users u WHERE u.id = $1),
		done AS (
			SELECT l.course_id, count(*) AS n FROM lesson_progress lp JOIN course_lessons l ON l.id = lp.lesson_id
			WHERE lp.user_id = $1 AND lp.completed_at IS NOT NULL GROUP BY l.course_id)
		SELECT `+courseCols+`,
			coalesce(done.n, 0) AS lessons_done,
			(SELECT l.id FROM course_lessons l WHERE l.id = cp.last_lesson_id) AS last_lesson_id, cp.started_at, cp.updated_at AS progress_at, cp.completed_at,
			coalesce(cp.hours_earned, 0) AS hours_earned, rq.due_date,
			EXISTS (SELECT 1 FROM exams e, me WHERE e.course_id = c.id AND (e.all_townships OR EXISTS (
				SELECT 1 FROM exam_townships et WHERE et.exam_id = e.id AND et.township_id = me.township_id))) AS exam_linked,
			EXISTS (SELECT 1 FROM exam_course_passes p WHERE p.course_id = c.id AND p.user_id = $1) AS exam_passed
		FROM courses c
		LEFT JOIN done ON done.course_id = c.id
		LEFT JOIN course_progress cp ON cp.course_id = c.id AND cp.user_id = $1
		LEFT JOIN course_requirements rq ON rq.course_id = c.id AND rq.user_id = $1 AND rq.year = $2
		WHERE (c.published OR $4) AND ($3::bigint = 0 OR c.id = $3)
		ORDER BY (rq.due_date IS NULL), rq.due_date, c.category DESC, c.id`, userID, year, onlyID, withDrafts)
	return out, err
}

// VisibleCourse returns the caller's view of one course: unknown, or unpublished for
// anyone but an admin, is ErrCourseNotVisible.
func (s *Store) VisibleCourse(ctx context.Context, me *web.Identity, year int, id int64) (*MyCourse, error) {
	list, err := s.MyCourses(ctx, me.UserID, year, id, withDrafts(me))
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, ErrCourseNotVisible
	}
	return &list[0], nil
}

// CourseDetail is a visible course with its lessons (without bodies), the caller's
// states and the attachments.
func (s *Store) CourseDetail(ctx context.Context, me *web.Identity, year int, id int64) (*MyCourse, []LessonView, error) {
	mc, err := s.VisibleCourse(ctx, me, year, id)
	if err != nil {
		return nil, nil, err
	}
	ls, err := s.Lessons(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	views, err := s.lessonViews(ctx, me.UserID, id, ls)
	if err != nil {
		return nil, nil, err
	}
	for i := range views {
		views[i].BodyMD = ""
	}
	return mc, views, nil
}

// LessonDetail is a lesson of a course visible to the caller, with the caller's state.
// A lesson of a course they may not see is ErrLessonNotFound.
func (s *Store) LessonDetail(ctx context.Context, me *web.Identity, year int, lessonID int64) (*LessonView, *MyCourse, error) {
	l, err := s.Lesson(ctx, lessonID)
	if err != nil {
		return nil, nil, err
	}
	if l.Archived() {
		return nil, nil, ErrLessonNotFound // hidden from learners, admins included (they see it in authoring)
	}
	mc, err := s.VisibleCourse(ctx, me, year, l.CourseID)
	if err != nil {
		return nil, nil, ErrLessonNotFound
	}
	views, err := s.lessonViews(ctx, me.UserID, l.CourseID, []Lesson{*l})
	if err != nil {
		return nil, nil, err
	}
	return &views[0], mc, nil
}

func (s *Store) lessonViews(ctx context.Context, userID, courseID int64, ls []Lesson) ([]LessonView, error) {
	var rows []LessonState
	if err := s.db.SelectContext(ctx, &rows, `SELECT lp.lesson_id, lp.seconds, lp.reached_end, lp.completed_at
		FROM lesson_progress lp JOIN lessons l ON l.id = lp.lesson_id WHERE lp.user_id = $1 AND l.course_id = $2`, userID, courseID); err != nil {
		return nil, err
	}
	states := make(map[int64]LessonState, len(rows))
	for _, r := range rows {
		states[r.LessonID] = r
	}
	ids := make([]int64, len(ls))
	for i, l := range ls {
		ids[i] = l.ID
	}
	atts, err := s.Attachments(ctx, ids...)
	if err != nil {
		return nil, err
	}
	out := make([]LessonView, len(ls))
	for i, l := range ls {
		st := states[l.ID]
		out[i] = LessonView{Lesson: l, Seconds: st.Seconds, ReachedEnd: st.ReachedEnd, Completed: st.CompletedAt != nil,
			Attachments: append([]Attachment{}, atts[l.ID]...)}
	}
	return out, nil
}

// Study is a learner's year: the summary and their courses (as MyCourses). The 学时 are
// read from the ledger (hours.Store.Mine), the one definition every 学时 figure reads.
func (s *Store) Study(ctx context.Context, userID int64, year int) (*StudySummary, []MyCourse, error) {
	mine, err := hours.NewStore(s.db).Mine(ctx, userID, year)
	if err != nil {
		return nil, nil, err
	}
	list, err := s.MyCourses(ctx, userID, year, 0, false)
	if err != nil {
		return nil, nil, err
	}
	sum := &StudySummary{Year: year, TargetHours: mine.Target, HoursEarned: mine.Total, Online: mine.Online, Offline: mine.Offline,
		Reached: mine.Reached, Left: mine.Left(), Percent: mine.Percent()}
	for _, m := range list {
		if m.Required() && !m.Done() {
			sum.RequiredDue++
		}
	}
	return sum, list, nil
}

// RequiredCoursesLeft counts the year's 必修 courses the user has not completed, from
// course_requirements (through zhibu_required_courses_left, built on it). Other features
// (tours' eligibility) get it through their Deps, wired in app/features.go.
func RequiredCoursesLeft(ctx context.Context, q sqlx.QueryerContext, userID int64, year int) (int, error) {
	var n int
	err := sqlx.GetContext(ctx, q, &n, `SELECT zhibu_required_courses_left($1, $2)`, userID, year)
	return n, err
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

// Heartbeat credits study time to a lesson of a published course, now (Deps.Now).
func (s *Store) Heartbeat(ctx context.Context, userID, lessonID int64, in BeatInput) (*BeatResult, error) {
	return s.heartbeatAt(ctx, userID, lessonID, in, s.now())
}

// heartbeatAt is Heartbeat at a given time. Locks: the user's study_beats row first, so
// concurrent beats of one user are serialized and only the lesson in that row earns
// time; then the lesson_progress and course_progress rows of the user.
func (s *Store) heartbeatAt(ctx context.Context, userID, lessonID int64, in BeatInput, now time.Time) (*BeatResult, error) {
	now = now.Truncate(time.Microsecond) // PostgreSQL keeps microseconds: compare like with like
	if f := in.Validate(); f != nil {
		return nil, f
	}
	var res *BeatResult
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var lesson struct {
			CourseID   int64 `db:"course_id"`
			MinSeconds int   `db:"min_seconds"`
		}
		err := tx.GetContext(ctx, &lesson, `SELECT l.course_id, l.min_seconds FROM course_lessons l JOIN courses c ON c.id = l.course_id
			WHERE l.id = $1 AND c.published`, lessonID)
		if err != nil {
			return notFound(err, ErrLessonNotFound)
		}
		if lesson.MinSeconds, err = s.MinSeconds(ctx, lesson.MinSeconds); err != nil {
			return err
		}
		// Make sure the row exists so that FOR UPDATE has something to lock.
		if _, err := tx.ExecContext(ctx, `INSERT INTO study_beats (user_id, lesson_id, last_beat_at) VALUES ($1,$2,$3)
			ON CONFLICT (user_id) DO NOTHING`, userID, lessonID, now); err != nil {
			return goneLesson(err)
		}
		var prev Beat
		if err := tx.QueryRowxContext(ctx, `SELECT lesson_id, last_beat_at FROM study_beats WHERE user_id = $1 FOR UPDATE`, userID).
			Scan(&prev.LessonID, &prev.At); err != nil {
			return err
		}
		v := CreditBeat(&prev, lessonID, now, in.Resume, time.Duration(in.Elapsed*float64(time.Second)), s.beatCap)
		if v.Impossible {
			return ErrImpossibleTime
		}
		if _, err := tx.ExecContext(ctx, `UPDATE study_beats SET lesson_id = $2, last_beat_at = $3 WHERE user_id = $1`, userID, lessonID, now.Add(-v.Carry)); err != nil {
			return goneLesson(err)
		}

		var st LessonState
		err = tx.GetContext(ctx, &st, `INSERT INTO lesson_progress (user_id, lesson_id, seconds, reached_end, updated_at)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (user_id, lesson_id) DO UPDATE SET seconds = lesson_progress.seconds + EXCLUDED.seconds,
				reached_end = lesson_progress.reached_end OR EXCLUDED.reached_end, updated_at = EXCLUDED.updated_at
			RETURNING lesson_id, seconds, reached_end, completed_at`, userID, lessonID, v.Seconds, in.ReachedEnd, now)
		if err != nil {
			return goneLesson(err)
		}
		res = &BeatResult{LessonID: lessonID, Credited: v.Seconds, Seconds: st.Seconds, MinSeconds: lesson.MinSeconds,
			ReachedEnd: st.ReachedEnd, LessonCompleted: st.CompletedAt != nil}
		if !res.LessonCompleted && LessonComplete(st.ReachedEnd, st.Seconds, lesson.MinSeconds) {
			if _, err := tx.ExecContext(ctx, `UPDATE lesson_progress SET completed_at = $3 WHERE user_id = $1 AND lesson_id = $2`,
				userID, lessonID, now); err != nil {
				return err
			}
			res.LessonCompleted = true
		}

		var courseDone *time.Time
		err = tx.GetContext(ctx, &courseDone, `INSERT INTO course_progress (user_id, course_id, last_lesson_id, started_at, updated_at)
			VALUES ($1, $2, $3, $4, $4)
			ON CONFLICT (user_id, course_id) DO UPDATE SET last_lesson_id = EXCLUDED.last_lesson_id, updated_at = EXCLUDED.updated_at
			RETURNING completed_at`, userID, lesson.CourseID, lessonID, now)
		if err != nil {
			return err
		}
		res.CourseCompleted = courseDone != nil
		// Also re-checked for lessons completed earlier: a lesson deleted since may have been
		// the only one missing. A course already complete keeps its first completion.
		if res.LessonCompleted && courseDone == nil {
			done, hours, err := completeCourseIfDone(ctx, tx, userID, lesson.CourseID, now)
			if err != nil {
				return err
			}
			res.CourseCompleted, res.HoursEarned = done, hours
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// goneLesson: a lesson deleted while its heartbeat waited for the lesson's lock (see
// DeleteLesson) fails the foreign key; the learner is told the lesson is gone.
func goneLesson(err error) error {
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23503" {
		return ErrLessonNotFound
	}
	return err
}

// completeCourseIfDone applies CourseComplete and, when it holds, credits the course's
// 学时 under the policy of the year it completed in: on course_progress and, in the same
// transaction, as the course's one entry in the 学时 ledger (hours.Write, idempotent: a
// second completion of the same course by the same person writes nothing). The caller
// holds the learner's course_progress row and has checked that the course is not complete
// yet. Every path that completes a course comes here: a heartbeat, RecheckCompletion
// (an exam passed) and ArchiveLesson.
func completeCourseIfDone(ctx context.Context, tx *sqlx.Tx, userID, courseID int64, now time.Time) (bool, float64, error) {
	var row struct {
		Lessons     int     `db:"lessons"`
		Done        int     `db:"done"`
		Declared    float64 `db:"credit_hours"`
		Title       string  `db:"title"`
		TotalMinSec int     `db:"total_min_seconds"`
		ExamLinked  bool    `db:"exam_linked"`
		ExamPassed  bool    `db:"exam_passed"`
	}
	// Exams have no draft state: an exam counts as soon as it is linked, unless it is
	// limited to other townships than the learner's (they could never take it).
	err := tx.GetContext(ctx, &row, `SELECT
		(SELECT count(*) FROM course_lessons WHERE course_id = c.id) AS lessons,
		(SELECT count(*) FROM lesson_progress lp JOIN course_lessons l ON l.id = lp.lesson_id
			WHERE l.course_id = c.id AND lp.user_id = $2 AND lp.completed_at IS NOT NULL) AS done,
		c.credit_hours, c.title,
		(SELECT coalesce(sum(min_seconds), 0) FROM course_lessons WHERE course_id = c.id) AS total_min_seconds,
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
	year := YearOf(now)
	rule, err := yearRule(ctx, tx, year)
	if err != nil {
		return false, 0, err
	}
	earned := CreditHours(row.Declared, row.TotalMinSec, rule)
	if _, err := tx.ExecContext(ctx, `UPDATE course_progress SET completed_at = $3, hours_earned = $4 WHERE user_id = $1 AND course_id = $2`,
		userID, courseID, now, earned); err != nil {
		return false, 0, err
	}
	if _, err := hours.Write(ctx, tx, hours.Credit{UserID: userID, Year: year, Source: hours.SourceCourse, SourceID: courseID,
		Hours: earned, At: now, Note: row.Title}); err != nil {
		return false, 0, err
	}
	return true, earned, nil
}

// RecheckCompletion applies CourseComplete again for one learner and course, for events
// outside the lessons: the app calls it when the learner passes an exam linked to the
// course (exams' pass hook, wired in app/features.go), which may be the last thing the
// course waited for. Hours are credited under the policy of the year it completes in, as
// for a completing lesson. A course already complete (its completion, hours and year
// stay), or never started, is left alone. Locks: the learner's course_progress row,
// which serializes this with their heartbeats on the course.
func (s *Store) RecheckCompletion(ctx context.Context, userID, courseID int64) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		var done *time.Time
		err := tx.GetContext(ctx, &done, `SELECT completed_at FROM course_progress WHERE user_id = $1 AND course_id = $2 FOR UPDATE`,
			userID, courseID)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && done != nil) {
			return nil
		}
		if err != nil {
			return err
		}
		_, _, err = completeCourseIfDone(ctx, tx, userID, courseID, s.now())
		return err
	})
}

// RecheckCompletion is Store.RecheckCompletion with the production defaults, for the
// exams pass hook wired in app/features.go.
func RecheckCompletion(ctx context.Context, db *sqlx.DB, userID, courseID int64) error {
	return NewStore(db, Deps{}).RecheckCompletion(ctx, userID, courseID)
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
	State       string     `db:"state" json:"-"`  // learnerState: done | studying | notstarted
	IsBehind    bool       `db:"behind" json:"-"` // learnerBehind
}

// The learner's state in a course, decided once, in SQL, so that the oversight page can
// filter, count and page on it; Status and Behind only read it.
const (
	learnerState  = `CASE WHEN cp.completed_at IS NOT NULL THEN 'done' WHEN cp.started_at IS NOT NULL THEN 'studying' ELSE 'notstarted' END`
	learnerBehind = `(rq.due_date IS NOT NULL AND cp.completed_at IS NULL)`
)

// Statuses of a learner in a course (learnerState), in the order pages show them, and
// the status filter "behind": 必修 for them this year and not completed (learnerBehind).
const (
	StatusDone       = "done"
	StatusStudying   = "studying"
	StatusNotStarted = "notstarted"
	StatusBehind     = "behind"
)

// StatusLabel is what people read for a status (filter value).
func StatusLabel(status string) string {
	switch status {
	case StatusDone:
		return "已完成"
	case StatusStudying:
		return "学习中"
	case StatusNotStarted:
		return "未开始"
	case StatusBehind:
		return "必修未完成"
	}
	return "全部"
}

// Status is 已完成 / 学习中 / 未开始.
func (l Learner) Status() string { return StatusLabel(l.State) }

// Behind: the course is 必修 for them and not finished.
func (l Learner) Behind() bool { return l.IsBehind }

// ProgressFilter narrows the oversight list of a course: the scope (already narrowed to a
// township the caller may see), a branch inside it (0 = all), a status (StatusDone,
// StatusStudying, StatusNotStarted, StatusBehind or "" for all), a search in the name,
// phone and branch name, and one page (Limit 0 = all).
type ProgressFilter struct {
	Scope         web.Scope
	BranchID      int64
	Status        string
	Query         string
	Limit, Offset int
}

// ProgressCounts are the learners matching a ProgressFilter but its status, per status.
type ProgressCounts struct {
	All        int `db:"total" json:"total"`
	Done       int `db:"done" json:"done"`
	Studying   int `db:"studying" json:"studying"`
	NotStarted int `db:"notstarted" json:"not_started"`
	Required   int `db:"required" json:"required"`
	Behind     int `db:"behind" json:"behind"`
}

// Of is the count of one status filter.
func (n ProgressCounts) Of(status string) int {
	switch status {
	case StatusDone:
		return n.Done
	case StatusStudying:
		return n.Studying
	case StatusNotStarted:
		return n.NotStarted
	case StatusBehind:
		return n.Behind
	}
	return n.All
}

// ValidStatus tells whether a status filter is known ("" = all).
func ValidStatus(status string) bool {
	switch status {
	case "", StatusDone, StatusStudying, StatusNotStarted, StatusBehind:
		return true
	}
	return false
}

// Progress is the oversight of a course: the active secretaries in the filter's scope,
// branch and search with their progress and due date if it is 必修 for them in the year;
// the counts per status, and the page of those in the filter's status. A draft is not
// found for anyone but an admin.
func (s *Store) Progress(ctx context.Context, me *web.Identity, courseID int64, year int, f ProgressFilter) (*Course, ProgressCounts, []Learner, error) {
	var n ProgressCounts
	if !ValidStatus(f.Status) {
		return nil, n, nil, ErrBadStatus
	}
	co, err := s.Course(ctx, courseID)
	if err != nil {
		return nil, n, nil, err
	}
	if !co.Published && !withDrafts(me) {
		return nil, n, nil, ErrCourseNotFound
	}
	args := []any{courseID, year, f.Scope.Township(), f.BranchID, likePattern(f.Query)}
	if err := s.db.GetContext(ctx, &n, learnersBase+`
		SELECT count(*) AS total, count(*) FILTER (WHERE state = 'done') AS done,
			count(*) FILTER (WHERE state = 'studying') AS studying, count(*) FILTER (WHERE state = 'notstarted') AS notstarted,
			count(due_date) AS required, count(*) FILTER (WHERE behind) AS behind
		FROM base`, args...); err != nil {
		return nil, n, nil, err
	}
	out := []Learner{}
	err = s.db.SelectContext(ctx, &out, learnersBase+`
		SELECT user_id, name, phone, township, branch, branch_id, lessons_done, started_at, completed_at, due_date, state, behind
		FROM base WHERE $6 = '' OR state = $6 OR ($6 = 'behind' AND behind)
		ORDER BY tsort, tid, branch, name, user_id LIMIT $7 OFFSET $8`, append(args, f.Status, limitOrAll(f.Limit), f.Offset)...)
	return co, n, out, err
}

// learnersBase is the active secretaries of the scope ($3), branch ($4) and search ($5)
// with their state in the course ($1) and its 必修 due date in the year ($2).
const learnersBase = `
	WITH done AS (
		SELECT lp.user_id, count(*) AS n FROM lesson_progress lp JOIN course_lessons l ON l.id = lp.lesson_id
		WHERE l.course_id = $1 AND lp.completed_at IS NOT NULL GROUP BY lp.user_id),
	base AS (
		SELECT u.id AS user_id, u.name, coalesce(u.phone, '') AS phone, t.name AS township, b.name AS branch, b.id AS branch_id,
			t.sort AS tsort, t.id AS tid, coalesce(done.n, 0) AS lessons_done, cp.started_at, cp.completed_at, rq.due_date,
			` + learnerState + ` AS state, ` + learnerBehind + ` AS behind
		FROM users u JOIN branches b ON b.id = u.branch_id JOIN townships t ON t.id = u.township_id
		LEFT JOIN course_progress cp ON cp.user_id = u.id AND cp.course_id = $1
		LEFT JOIN done ON done.user_id = u.id
		LEFT JOIN course_requirements rq ON rq.course_id = $1 AND rq.year = $2 AND rq.user_id = u.id
		WHERE u.role = 'secretary' AND u.active AND ($3::bigint IS NULL OR u.township_id = $3) AND ($4::bigint = 0 OR u.branch_id = $4)
			AND ($5 = '' OR u.name ILIKE $5 OR coalesce(u.phone, '') LIKE $5 OR b.name ILIKE $5))`

// RequiredStat is the completion of one 必修 course in a scope.
type RequiredStat struct {
	CourseID int64     `db:"course_id" json:"course_id"`
	Title    string    `db:"title" json:"title"`
	DueDate  time.Time `db:"due_date" json:"due_date"`
	Required int       `db:"required" json:"required"`
	Done     int       `db:"done" json:"done"`
}

// RequiredStats counts, per published 必修 course of the year, the active secretaries in
// scope it applies to and how many of them completed it.
func (s *Store) RequiredStats(ctx context.Context, year int, scope web.Scope) ([]RequiredStat, error) {
	out := []RequiredStat{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT c.id AS course_id, c.title, min(rq.due_date) AS due_date, count(*) AS required,
			count(cp.completed_at) AS done
		FROM course_requirements rq
		JOIN users u ON u.id = rq.user_id AND u.active
		JOIN courses c ON c.id = rq.course_id
		LEFT JOIN course_progress cp ON cp.user_id = rq.user_id AND cp.course_id = rq.course_id
		WHERE rq.year = $1 AND ($2::bigint IS NULL OR rq.township_id = $2)
		GROUP BY c.id, c.title ORDER BY min(rq.due_date), c.id`, year, scope.Township())
	return out, err
}

// TopicURL is the page of the published course on topic (the demo files' `topic`, e.g.
// 「发展党员」, 「三会一课」), the lowest id when several share it; "" when none does. The
// job aids (app/tools) link to the lesson that explains them through it.
func TopicURL(ctx context.Context, q sqlx.QueryerContext, topic string) (string, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `SELECT COALESCE(min(id), 0) FROM courses WHERE published AND topic = $1`, topic)
	if err != nil || id == 0 {
		return "", err
	}
	return fmt.Sprintf("/courses/%d", id), nil
}
