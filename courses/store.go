package courses

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/database"
	"zhibu/app/web"
)

// Course is a catalogue entry; the counts come with every listing.
type Course struct {
	ID              int64     `db:"id" json:"id"`
	Title           string    `db:"title" json:"title"`
	Category        string    `db:"category" json:"category"`
	Topic           string    `db:"topic" json:"topic"`
	Summary         string    `db:"summary" json:"summary"`
	CreditHours     float64   `db:"credit_hours" json:"credit_hours"`
	Published       bool      `db:"published" json:"published"`
	LessonCount     int       `db:"lesson_count" json:"lesson_count"`
	TotalMinSeconds int       `db:"total_min_seconds" json:"total_min_seconds"`
	UpdatedAt       time.Time `db:"updated_at" json:"updated_at"`
}

// Lesson is one ordered lesson of a course.
type Lesson struct {
	ID         int64  `db:"id" json:"id"`
	CourseID   int64  `db:"course_id" json:"course_id"`
	Position   int    `db:"position" json:"position"`
	Title      string `db:"title" json:"title"`
	BodyMD     string `db:"body_md" json:"body_markdown,omitempty"`
	VideoURL   string `db:"video_url" json:"video_url"`
	MinSeconds int    `db:"min_seconds" json:"min_seconds"`
}

// Attachment is a lesson's PDF (without its bytes).
type Attachment struct {
	ID        int64     `db:"id" json:"id"`
	LessonID  int64     `db:"lesson_id" json:"lesson_id"`
	Filename  string    `db:"filename" json:"filename"`
	Size      int64     `db:"size" json:"size"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

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

// appliesSQL is the SQL twin of AssignmentScope.Applies for assignment a and the given
// township id and branch kind expressions.
func appliesSQL(township, kind string) string {
	return `(a.scope = 'all' OR (a.scope = 'townships' AND ` + township + ` = ANY(a.township_ids))
		OR (a.scope = 'kinds' AND ` + kind + ` = ANY(a.branch_kinds)))`
}

const courseCols = `c.id, c.title, c.category, c.topic, c.summary, c.credit_hours, c.published, c.updated_at,
	(SELECT count(*) FROM lessons l WHERE l.course_id = c.id) AS lesson_count,
	(SELECT coalesce(sum(l.min_seconds), 0) FROM lessons l WHERE l.course_id = c.id) AS total_min_seconds`

// myCourses lists courses with the user's progress; 必修 first by due date. With onlyID
// it returns that one course; drafts only when withDrafts.
func myCourses(ctx context.Context, db sqlx.QueryerContext, userID int64, year int, onlyID int64, withDrafts bool) ([]MyCourse, error) {
	var out []MyCourse
	err := sqlx.SelectContext(ctx, db, &out, `
		WITH me AS (SELECT u.id, u.role, u.township_id, b.kind FROM users u LEFT JOIN branches b ON b.id = u.branch_id WHERE u.id = $1),
		done AS (
			SELECT l.course_id, count(*) AS n FROM lesson_progress lp JOIN lessons l ON l.id = lp.lesson_id
			WHERE lp.user_id = $1 AND lp.completed_at IS NOT NULL GROUP BY l.course_id)
		SELECT `+courseCols+`,
			coalesce(done.n, 0) AS lessons_done, cp.last_lesson_id, cp.started_at, cp.updated_at AS progress_at, cp.completed_at,
			coalesce(cp.hours_earned, 0) AS hours_earned, rq.due_date,
			EXISTS (SELECT 1 FROM exams e, me WHERE e.course_id = c.id AND (e.all_townships OR EXISTS (
				SELECT 1 FROM exam_townships et WHERE et.exam_id = e.id AND et.township_id = me.township_id))) AS exam_linked,
			EXISTS (SELECT 1 FROM exam_course_passes p WHERE p.course_id = c.id AND p.user_id = $1) AS exam_passed
		FROM courses c
		LEFT JOIN done ON done.course_id = c.id
		LEFT JOIN course_progress cp ON cp.course_id = c.id AND cp.user_id = $1
		LEFT JOIN LATERAL (
			SELECT min(a.due_date) AS due_date FROM course_assignments a, me
			WHERE a.course_id = c.id AND a.year = $2 AND me.role = 'secretary' AND `+appliesSQL("me.township_id", "me.kind")+`) rq ON true
		WHERE (c.published OR $4) AND ($3::bigint = 0 OR c.id = $3)
		ORDER BY (rq.due_date IS NULL), rq.due_date, c.category DESC, c.id`, userID, year, onlyID, withDrafts)
	return out, err
}

// courseByID returns a course (drafts included) or a 404.
func courseByID(ctx context.Context, db sqlx.QueryerContext, id int64) (*Course, error) {
	var c Course
	err := sqlx.GetContext(ctx, db, &c, `SELECT `+courseCols+` FROM courses c WHERE c.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, web.NotFound("找不到该课程")
	}
	return &c, err
}

// allCourses lists every course, drafts too (authoring).
func allCourses(ctx context.Context, db sqlx.QueryerContext) ([]Course, error) {
	var out []Course
	err := sqlx.SelectContext(ctx, db, &out, `SELECT `+courseCols+` FROM courses c ORDER BY c.published DESC, c.category DESC, c.id`)
	return out, err
}

func lessonsOf(ctx context.Context, db sqlx.QueryerContext, courseID int64) ([]Lesson, error) {
	var out []Lesson
	err := sqlx.SelectContext(ctx, db, &out, `SELECT id, course_id, position, title, body_md, video_url, min_seconds
		FROM lessons WHERE course_id = $1 ORDER BY position, id`, courseID)
	return out, err
}

func lessonByID(ctx context.Context, db sqlx.QueryerContext, id int64) (*Lesson, error) {
	var l Lesson
	err := sqlx.GetContext(ctx, db, &l, `SELECT id, course_id, position, title, body_md, video_url, min_seconds FROM lessons WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, web.NotFound("找不到该课时")
	}
	return &l, err
}

func lessonStates(ctx context.Context, db sqlx.QueryerContext, userID, courseID int64) (map[int64]LessonState, error) {
	var rows []LessonState
	err := sqlx.SelectContext(ctx, db, &rows, `SELECT lp.lesson_id, lp.seconds, lp.reached_end, lp.completed_at
		FROM lesson_progress lp JOIN lessons l ON l.id = lp.lesson_id WHERE lp.user_id = $1 AND l.course_id = $2`, userID, courseID)
	m := make(map[int64]LessonState, len(rows))
	for _, r := range rows {
		m[r.LessonID] = r
	}
	return m, err
}

func attachmentsOf(ctx context.Context, db sqlx.QueryerContext, lessonIDs []int64) (map[int64][]Attachment, error) {
	var rows []Attachment
	err := sqlx.SelectContext(ctx, db, &rows, `SELECT id, lesson_id, filename, size, created_at FROM lesson_attachments
		WHERE lesson_id = ANY($1) ORDER BY id`, pq.Array(lessonIDs))
	m := map[int64][]Attachment{}
	for _, r := range rows {
		m[r.LessonID] = append(m[r.LessonID], r)
	}
	return m, err
}

// yearRule returns the configured policy of a year, or the default placeholder.
func yearRule(ctx context.Context, db sqlx.QueryerContext, year int) (YearRule, error) {
	var r YearRule
	err := sqlx.GetContext(ctx, db, &r, `SELECT year, target_hours, minutes_per_hour FROM course_years WHERE year = $1`, year)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultYearRule(year), nil
	}
	return r, err
}

func listYearRules(ctx context.Context, db sqlx.QueryerContext) ([]YearRule, error) {
	var out []YearRule
	err := sqlx.SelectContext(ctx, db, &out, `SELECT year, target_hours, minutes_per_hour FROM course_years ORDER BY year DESC`)
	return out, err
}

func saveYearRule(ctx context.Context, db sqlx.ExecerContext, r YearRule) error {
	_, err := db.ExecContext(ctx, `INSERT INTO course_years (year, target_hours, minutes_per_hour) VALUES ($1,$2,$3)
		ON CONFLICT (year) DO UPDATE SET target_hours = EXCLUDED.target_hours, minutes_per_hour = EXCLUDED.minutes_per_hour, updated_at = now()`,
		r.Year, r.TargetHours, r.MinutesPerHour)
	return err
}

// yearBounds are the local (CST) start of year and of the next year.
func yearBounds(year int) (time.Time, time.Time) {
	return time.Date(year, 1, 1, 0, 0, 0, 0, web.China), time.Date(year+1, 1, 1, 0, 0, 0, 0, web.China)
}

// hoursEarned sums the 学时 of courses the user completed in the year.
func hoursEarned(ctx context.Context, db sqlx.QueryerContext, userID int64, year int) (float64, error) {
	from, to := yearBounds(year)
	var h float64
	err := sqlx.GetContext(ctx, db, &h, `SELECT coalesce(sum(hours_earned), 0) FROM course_progress
		WHERE user_id = $1 AND completed_at >= $2 AND completed_at < $3`, userID, from, to)
	return h, err
}

// CourseInput is what authoring sends for a course.
type CourseInput struct {
	Title       string  `json:"title"`
	Category    string  `json:"category"`
	Topic       string  `json:"topic"`
	Summary     string  `json:"summary"`
	CreditHours float64 `json:"credit_hours"`
}

// LessonInput is what authoring sends for a lesson.
type LessonInput struct {
	Title      string `json:"title"`
	Body       string `json:"body_markdown"`
	VideoURL   string `json:"video_url"`
	MinSeconds int    `json:"min_seconds"`
}

func createCourse(ctx context.Context, db sqlx.QueryerContext, in CourseInput) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, db, &id, `INSERT INTO courses (title, category, topic, summary, credit_hours)
		VALUES ($1,$2,$3,$4,$5) RETURNING id`, in.Title, in.Category, in.Topic, in.Summary, in.CreditHours)
	if database.IsUniqueViolation(err, "") {
		return 0, web.Conflict("duplicate_title", "已有同名课程")
	}
	return id, err
}

func updateCourse(ctx context.Context, db sqlx.ExecerContext, id int64, in CourseInput) error {
	res, err := db.ExecContext(ctx, `UPDATE courses SET title=$2, category=$3, topic=$4, summary=$5, credit_hours=$6, updated_at=now()
		WHERE id = $1`, id, in.Title, in.Category, in.Topic, in.Summary, in.CreditHours)
	if database.IsUniqueViolation(err, "") {
		return web.Conflict("duplicate_title", "已有同名课程")
	}
	return mustAffect(res, err, "找不到该课程")
}

func mustAffect(res sql.Result, err error, notFound string) error {
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return web.NotFound(notFound)
	}
	return nil
}

// setPublished publishes or withdraws a course; a course without lessons cannot be published.
func setPublished(ctx context.Context, db *sqlx.DB, id int64, published bool) error {
	c, err := courseByID(ctx, db, id)
	if err != nil {
		return err
	}
	if published && c.LessonCount == 0 {
		return web.Invalid("课程还没有课时，不能发布", map[string]string{"published": "请先添加课时"})
	}
	_, err = db.ExecContext(ctx, `UPDATE courses SET published = $2, updated_at = now() WHERE id = $1`, id, published)
	return err
}

func createLesson(ctx context.Context, db *sqlx.DB, courseID int64, in LessonInput) (int64, error) {
	if _, err := courseByID(ctx, db, courseID); err != nil {
		return 0, err
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	// Serialize concurrent additions to one course so positions stay unique.
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM courses WHERE id = $1 FOR UPDATE`, courseID); err != nil {
		return 0, err
	}
	var id int64
	err = tx.GetContext(ctx, &id, `INSERT INTO lessons (course_id, position, title, body_md, video_url, min_seconds)
		VALUES ($1, (SELECT coalesce(max(position), 0) + 1 FROM lessons WHERE course_id = $1), $2, $3, $4, $5) RETURNING id`,
		courseID, in.Title, in.Body, in.VideoURL, in.MinSeconds)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE courses SET updated_at = now() WHERE id = $1`, courseID); err != nil {
		return 0, err
	}
	return id, tx.Commit()
}

func updateLesson(ctx context.Context, db sqlx.ExecerContext, id int64, in LessonInput) error {
	res, err := db.ExecContext(ctx, `UPDATE lessons SET title=$2, body_md=$3, video_url=$4, min_seconds=$5, updated_at=now() WHERE id = $1`,
		id, in.Title, in.Body, in.VideoURL, in.MinSeconds)
	return mustAffect(res, err, "找不到该课时")
}

// deleteLesson removes a lesson and closes the gap in positions.
func deleteLesson(ctx context.Context, db *sqlx.DB, id int64) (courseID int64, err error) {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	err = tx.GetContext(ctx, &courseID, `DELETE FROM lessons WHERE id = $1 RETURNING course_id`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, web.NotFound("找不到该课时")
	}
	if err != nil {
		return 0, err
	}
	if err := renumber(ctx, tx, courseID); err != nil {
		return 0, err
	}
	return courseID, tx.Commit()
}

func renumber(ctx context.Context, tx *sqlx.Tx, courseID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE lessons l SET position = o.n FROM (
		SELECT id, row_number() OVER (ORDER BY position, id) AS n FROM lessons WHERE course_id = $1) o
		WHERE l.id = o.id`, courseID)
	return err
}

// reorderLessons sets the order of a course's lessons; ids must be exactly its lessons.
func reorderLessons(ctx context.Context, db *sqlx.DB, courseID int64, ids []int64) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var have []int64
	if err := tx.SelectContext(ctx, &have, `SELECT id FROM lessons WHERE course_id = $1 ORDER BY id FOR UPDATE`, courseID); err != nil {
		return err
	}
	if !sameSet(have, ids) {
		return web.Invalid("课时列表与课程不一致，请刷新后重试", map[string]string{"lesson_ids": "应包含本课程的全部课时，且每个只出现一次"})
	}
	if _, err := tx.ExecContext(ctx, `UPDATE lessons l SET position = o.n FROM unnest($1::bigint[]) WITH ORDINALITY AS o(id, n)
		WHERE l.id = o.id`, pq.Array(ids)); err != nil {
		return err
	}
	return tx.Commit()
}

// moveLesson moves a lesson one place up (-1) or down (+1).
func moveLesson(ctx context.Context, db *sqlx.DB, id int64, delta int) (int64, error) {
	l, err := lessonByID(ctx, db, id)
	if err != nil {
		return 0, err
	}
	ls, err := lessonsOf(ctx, db, l.CourseID)
	if err != nil {
		return 0, err
	}
	ids := make([]int64, len(ls))
	for i, x := range ls {
		ids[i] = x.ID
	}
	return l.CourseID, reorderLessons(ctx, db, l.CourseID, MoveID(ids, id, delta))
}

// MoveID returns ids with id moved by delta places, clamped to the ends.
func MoveID(ids []int64, id int64, delta int) []int64 {
	out := append([]int64(nil), ids...)
	for i, x := range out {
		if x != id {
			continue
		}
		j := i + delta
		if j < 0 || j >= len(out) {
			return out
		}
		out[i], out[j] = out[j], out[i]
		return out
	}
	return out
}

func sameSet(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	seen := make(map[int64]int, len(a))
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
		if seen[x] < 0 {
			return false
		}
	}
	return true
}

func addAttachment(ctx context.Context, db sqlx.QueryerContext, lessonID int64, filename string, data []byte) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, db, &id, `INSERT INTO lesson_attachments (lesson_id, filename, size, data)
		SELECT id, $2, $3, $4 FROM lessons WHERE id = $1 RETURNING id`, lessonID, filename, len(data), data)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, web.NotFound("找不到该课时")
	}
	return id, err
}

// attachmentFile returns an attachment's bytes, if its course is visible to the caller.
func attachmentFile(ctx context.Context, db sqlx.QueryerContext, id int64, withDrafts bool) (string, []byte, error) {
	var row struct {
		Filename string `db:"filename"`
		Data     []byte `db:"data"`
	}
	err := sqlx.GetContext(ctx, db, &row, `SELECT a.filename, a.data FROM lesson_attachments a
		JOIN lessons l ON l.id = a.lesson_id JOIN courses c ON c.id = l.course_id
		WHERE a.id = $1 AND (c.published OR $2)`, id, withDrafts)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, web.NotFound("找不到该附件")
	}
	return row.Filename, row.Data, err
}

func deleteAttachment(ctx context.Context, db *sqlx.DB, id int64) (lessonID int64, err error) {
	err = db.GetContext(ctx, &lessonID, `DELETE FROM lesson_attachments WHERE id = $1 RETURNING lesson_id`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, web.NotFound("找不到该附件")
	}
	return lessonID, err
}

// Assignment makes a course 必修 for a year.
type Assignment struct {
	ID          int64          `db:"id" json:"id"`
	CourseID    int64          `db:"course_id" json:"course_id"`
	Year        int            `db:"year" json:"year"`
	Scope       string         `db:"scope" json:"scope"`
	TownshipIDs pq.Int64Array  `db:"township_ids" json:"township_ids"`
	BranchKinds pq.StringArray `db:"branch_kinds" json:"branch_kinds"`
	DueDate     time.Time      `db:"due_date" json:"due_date"`
}

func assignmentsOf(ctx context.Context, db sqlx.QueryerContext, courseID int64) ([]Assignment, error) {
	var out []Assignment
	err := sqlx.SelectContext(ctx, db, &out, `SELECT id, course_id, year, scope, township_ids, branch_kinds, due_date
		FROM course_assignments WHERE course_id = $1 ORDER BY year DESC, id`, courseID)
	return out, err
}

func createAssignment(ctx context.Context, db sqlx.QueryerContext, a Assignment) (int64, error) {
	if a.TownshipIDs == nil {
		a.TownshipIDs = pq.Int64Array{}
	}
	if a.BranchKinds == nil {
		a.BranchKinds = pq.StringArray{}
	}
	var id int64
	err := sqlx.GetContext(ctx, db, &id, `INSERT INTO course_assignments (course_id, year, scope, township_ids, branch_kinds, due_date)
		VALUES ($1,$2,$3,$4,$5,$6) RETURNING id`, a.CourseID, a.Year, a.Scope, a.TownshipIDs, a.BranchKinds, a.DueDate)
	return id, err
}

func deleteAssignment(ctx context.Context, db *sqlx.DB, id int64) (courseID int64, err error) {
	err = db.GetContext(ctx, &courseID, `DELETE FROM course_assignments WHERE id = $1 RETURNING course_id`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, web.NotFound("找不到该必修安排")
	}
	return courseID, err
}

// Township is a name for choosing assignment scopes.
type Township struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

func townships(ctx context.Context, db sqlx.QueryerContext, scope sql.NullInt64) ([]Township, error) {
	var out []Township
	err := sqlx.SelectContext(ctx, db, &out, `SELECT id, name FROM townships WHERE ($1::bigint IS NULL OR id = $1) ORDER BY sort, id`, scope)
	return out, err
}

func existingTownships(ctx context.Context, db sqlx.QueryerContext, ids []int64) (int, error) {
	var n int
	err := sqlx.GetContext(ctx, db, &n, `SELECT count(*) FROM townships WHERE id = ANY($1)`, pq.Array(ids))
	return n, err
}

// Branch names a branch for the oversight filter.
type Branch struct {
	ID         int64  `db:"id"`
	Name       string `db:"name"`
	Township   string `db:"township"`
	TownshipID int64  `db:"township_id"`
}

func branchesIn(ctx context.Context, db sqlx.QueryerContext, scope sql.NullInt64) ([]Branch, error) {
	var out []Branch
	err := sqlx.SelectContext(ctx, db, &out, `SELECT b.id, b.name, t.name AS township, t.id AS township_id FROM branches b
		JOIN townships t ON t.id = b.township_id WHERE ($1::bigint IS NULL OR b.township_id = $1) ORDER BY t.sort, t.id, b.name`, scope)
	return out, err
}

func branchTownship(ctx context.Context, db sqlx.QueryerContext, branchID int64) (int64, error) {
	var t int64
	err := sqlx.GetContext(ctx, db, &t, `SELECT township_id FROM branches WHERE id = $1`, branchID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, web.NotFound("找不到该支部")
	}
	return t, err
}
