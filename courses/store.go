package courses

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/database"
	"zhibu/app/web"
)

// Store holds all SQL of the courses feature: one method per operation, each in one
// transaction, its lock order written above it. Authoring and the catalogue are here;
// study, completion and oversight in store_study.go; demo data in store_demo.go.
type Store struct {
	db       *sqlx.DB
	beatCap  time.Duration
	now      func() time.Time
	minGuard func(ctx context.Context) (bool, error)
	post     web.Post // nil: no messages (Deps.Post)
}

// NewStore builds the store; zero Deps fields take their production defaults.
func NewStore(db *sqlx.DB, deps Deps) *Store {
	deps = deps.withDefaults()
	return &Store{db: db, beatCap: BeatCap(deps.HeartbeatInterval), now: deps.Now, minGuard: deps.MinTimeGuard, post: deps.Post}
}

// MinSeconds is the minimum study time a lesson asks for now: its own, or 0 when the
// county switched the guard off (Deps.MinTimeGuard). Locks: none.
func (s *Store) MinSeconds(ctx context.Context, lessonMin int) (int, error) {
	if s.minGuard == nil {
		return lessonMin, nil
	}
	on, err := s.minGuard(ctx)
	if err != nil || !on {
		return 0, err
	}
	return lessonMin, nil
}

// Course is a catalogue entry; the counts come with every listing.
type Course struct {
	ID              int64     `db:"id" json:"id"`
	Title           string    `db:"title" json:"title"`
	Category        string    `db:"category" json:"category"`
	Topic           string    `db:"topic" json:"topic"`
	Summary         string    `db:"summary" json:"summary"`
	CreditHours     float64   `db:"credit_hours" json:"credit_hours"`
	CreditReason    string    `db:"credit_reason" json:"credit_reason"` // why more than the conversion (CreditCheck)
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
	// ArchivedAt is set for an archived lesson: hidden from learners, not counted toward
	// its course, its learners' progress kept (ArchiveLesson, RestoreLesson).
	ArchivedAt *time.Time `db:"archived_at" json:"archived_at,omitempty"`
}

// Archived tells whether the lesson is archived.
func (l Lesson) Archived() bool { return l.ArchivedAt != nil }

// Attachment is a lesson's PDF (without its bytes).
type Attachment struct {
	ID        int64     `db:"id" json:"id"`
	LessonID  int64     `db:"lesson_id" json:"lesson_id"`
	Filename  string    `db:"filename" json:"filename"`
	Size      int64     `db:"size" json:"size"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
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

// Township is a name for choosing assignment scopes.
type Township struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// Branch names a branch for the oversight filter.
type Branch struct {
	ID         int64  `db:"id"`
	Name       string `db:"name"`
	Township   string `db:"township"`
	TownshipID int64  `db:"township_id"`
}

// The lessons that make up a course are read from the view course_lessons
// (migrations/00058_lesson_archive.sql: the lessons not archived), never from the table,
// wherever they are shown to learners, counted or credited.
const courseCols = `c.id, c.title, c.category, c.topic, c.summary, c.credit_hours, c.credit_reason, c.published, c.updated_at,
	(SELECT count(*) FROM course_lessons l WHERE l.course_id = c.id) AS lesson_count,
	(SELECT coalesce(sum(l.min_seconds), 0) FROM course_lessons l WHERE l.course_id = c.id) AS total_min_seconds`

const lessonCols = `id, course_id, position, title, body_md, video_url, min_seconds, archived_at`

// notFound turns "no row" into the domain error.
func notFound(err, domain error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return domain
	}
	return err
}

// inTx runs fn in one transaction, committed when fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// --- courses ---

// Course returns a course, drafts included.
func (s *Store) Course(ctx context.Context, id int64) (*Course, error) {
	return courseByID(ctx, s.db, id)
}

func courseByID(ctx context.Context, q sqlx.QueryerContext, id int64) (*Course, error) {
	var c Course
	err := sqlx.GetContext(ctx, q, &c, `SELECT `+courseCols+` FROM courses c WHERE c.id = $1`, id)
	if err != nil {
		return nil, notFound(err, ErrCourseNotFound)
	}
	return &c, nil
}

// CourseFilter narrows the authoring and oversight list of courses.
type CourseFilter struct {
	WithDrafts    bool   // drafts too (admins)
	Query         string // part of the title or topic
	Limit, Offset int    // one page; Limit 0 = all
}

// Courses lists the catalogue for authoring and oversight, one page of it, and how many
// match the filter in all.
func (s *Store) Courses(ctx context.Context, f CourseFilter) ([]Course, int, error) {
	const where = ` FROM courses c WHERE (c.published OR $1) AND ($2 = '' OR c.title ILIKE $2 OR c.topic ILIKE $2)`
	pattern := likePattern(f.Query)
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT count(*)`+where, f.WithDrafts, pattern); err != nil {
		return nil, 0, err
	}
	out := []Course{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+courseCols+where+`
		ORDER BY c.published DESC, c.category DESC, c.id LIMIT $3 OFFSET $4`, f.WithDrafts, pattern, limitOrAll(f.Limit), f.Offset)
	return out, total, err
}

// likePattern is the ILIKE pattern for "contains q" (” for no search), with the
// wildcards of q taken literally.
func likePattern(q string) string {
	q = strings.TrimSpace(q)
	if q == "" {
		return ""
	}
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}

// limitOrAll is a SQL LIMIT value: NULL (no limit) for 0.
func limitOrAll(n int) sql.NullInt64 { return sql.NullInt64{Int64: int64(n), Valid: n > 0} }

// CreateCourse adds a draft course. It has no lessons yet, so its declared 学时 have
// nothing to be compared with (CreditCheck): UpdateCourse and SetPublished check them.
// One statement: no lock.
func (s *Store) CreateCourse(ctx context.Context, in CourseInput) (*Course, error) {
	if f := in.Validate(); f != nil {
		return nil, f
	}
	var id int64
	err := s.db.GetContext(ctx, &id, `INSERT INTO courses (title, category, topic, summary, credit_hours, credit_reason)
		VALUES ($1,$2,$3,$4,$5,$6) RETURNING id`, in.Title, in.Category, in.Topic, in.Summary, in.CreditHours, in.CreditReason)
	if database.IsUniqueViolation(err, "") {
		return nil, ErrDuplicateTitle
	}
	if err != nil {
		return nil, err
	}
	return s.Course(ctx, id)
}

// UpdateCourse saves a course's fields. Declaring more 学时 than this year's conversion
// gives for the course's lessons needs a reason (CreditCheck.NeedsReason), else the
// field credit_reason is named. Locks: the course row (lockCourse), then reads its lessons.
func (s *Store) UpdateCourse(ctx context.Context, id int64, in CourseInput) (*Course, error) {
	if f := in.Validate(); f != nil {
		return nil, f
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockCourse(ctx, tx, id); err != nil {
			return err
		}
		chk, err := creditCheck(ctx, tx, id, in.CreditHours, YearOf(s.now()))
		if err != nil {
			return err
		}
		if chk.NeedsReason() && in.CreditReason == "" {
			return web.FieldErrors{"credit_reason": chk.ReasonMissing()}
		}
		_, err = tx.ExecContext(ctx, `UPDATE courses SET title=$2, category=$3, topic=$4, summary=$5, credit_hours=$6, credit_reason=$7,
			updated_at=now() WHERE id = $1`, id, in.Title, in.Category, in.Topic, in.Summary, in.CreditHours, in.CreditReason)
		if database.IsUniqueViolation(err, "") {
			return ErrDuplicateTitle
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Course(ctx, id)
}

// CreditCheck compares the course's declared 学时 with what the year's conversion gives
// for its lessons (the ones that make it up now, course_lessons).
func (s *Store) CreditCheck(ctx context.Context, co *Course, year int) (CreditCheck, error) {
	rule, err := s.YearRule(ctx, year)
	if err != nil {
		return CreditCheck{}, err
	}
	return CheckCredit(co.CreditHours, co.LessonCount, co.TotalMinSeconds, rule), nil
}

// creditCheck is CreditCheck for declared 学时 about to be saved, inside a transaction.
func creditCheck(ctx context.Context, tx *sqlx.Tx, courseID int64, declared float64, year int) (CreditCheck, error) {
	var l struct {
		N   int `db:"n"`
		Sec int `db:"sec"`
	}
	if err := tx.GetContext(ctx, &l, `SELECT count(*) AS n, coalesce(sum(min_seconds), 0) AS sec FROM course_lessons WHERE course_id = $1`,
		courseID); err != nil {
		return CreditCheck{}, err
	}
	rule, err := yearRule(ctx, tx, year)
	if err != nil {
		return CreditCheck{}, err
	}
	return CheckCredit(declared, l.N, l.Sec, rule), nil
}

func affected(res sql.Result, err error, domain error) error {
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain
	}
	return nil
}

// SetPublished publishes or withdraws a course; a course without lessons cannot be
// published, nor one declaring more 学时 than this year's conversion gives for its lessons
// without a reason (CreditCheck.NeedsReason: credit_reason is named). Publishing tells
// the secretaries the course's existing assignments apply to who were not told yet
// (tellRequired), in the same transaction. Locks: the course row (as CreateLesson does),
// so that a lesson deleted meanwhile cannot leave an empty course published, and so that
// an assignment created meanwhile is either seen here or sees the course published.
func (s *Store) SetPublished(ctx context.Context, id int64, published bool) (*Course, error) {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockCourse(ctx, tx, id); err != nil {
			return err
		}
		c, err := courseByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if published && c.LessonCount == 0 {
			return ErrNoLessons
		}
		if published {
			rule, err := yearRule(ctx, tx, YearOf(s.now()))
			if err != nil {
				return err
			}
			if chk := CheckCredit(c.CreditHours, c.LessonCount, c.TotalMinSeconds, rule); chk.NeedsReason() && c.CreditReason == "" {
				return web.FieldErrors{"credit_reason": chk.ReasonMissing()}
			}
		}
		if _, err = tx.ExecContext(ctx, `UPDATE courses SET published = $2, updated_at = now() WHERE id = $1`, id, published); err != nil {
			return err
		}
		if !published {
			return nil
		}
		return s.tellRequired(ctx, tx, id, 0)
	})
	if err != nil {
		return nil, err
	}
	return s.Course(ctx, id)
}

// lockCourse locks a course row, first in every lock order of this file. FOR NO KEY
// UPDATE serializes the authoring operations on the course without blocking learners'
// heartbeats, whose inserts only take KEY SHARE locks on the course and the lesson (so a
// heartbeat never waits for an author who waits for it).
func lockCourse(ctx context.Context, tx *sqlx.Tx, id int64) error {
	var one int
	return notFound(tx.GetContext(ctx, &one, `SELECT 1 FROM courses WHERE id = $1 FOR NO KEY UPDATE`, id), ErrCourseNotFound)
}

// --- lessons ---

// Lessons lists a course's lessons in order: the ones that make up the course now
// (course_lessons), without the archived ones.
func (s *Store) Lessons(ctx context.Context, courseID int64) ([]Lesson, error) {
	var out []Lesson
	err := s.db.SelectContext(ctx, &out, `SELECT `+lessonCols+` FROM course_lessons WHERE course_id = $1 ORDER BY position, id`, courseID)
	return out, err
}

// AllLessons lists every lesson of a course for authoring: the course's lessons in order,
// then the archived ones.
func (s *Store) AllLessons(ctx context.Context, courseID int64) ([]Lesson, error) {
	var out []Lesson
	err := s.db.SelectContext(ctx, &out, `SELECT `+lessonCols+` FROM lessons WHERE course_id = $1
		ORDER BY archived_at IS NOT NULL, position, id`, courseID)
	return out, err
}

// Lesson returns one lesson, drafts and archived ones included.
func (s *Store) Lesson(ctx context.Context, id int64) (*Lesson, error) {
	var l Lesson
	if err := s.db.GetContext(ctx, &l, `SELECT `+lessonCols+` FROM lessons WHERE id = $1`, id); err != nil {
		return nil, notFound(err, ErrLessonNotFound)
	}
	return &l, nil
}

// CreateLesson appends a lesson to a course. Locks: the course row, so that concurrent
// additions get distinct positions.
func (s *Store) CreateLesson(ctx context.Context, courseID int64, in LessonInput) (*Lesson, error) {
	if _, err := s.Course(ctx, courseID); err != nil {
		return nil, err
	}
	if f := in.Validate(); f != nil {
		return nil, f
	}
	var id int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockCourse(ctx, tx, courseID); err != nil {
			return err
		}
		err := tx.GetContext(ctx, &id, `INSERT INTO lessons (course_id, position, title, body_md, video_url, min_seconds)
			VALUES ($1, (SELECT coalesce(max(position), 0) + 1 FROM lessons WHERE course_id = $1), $2, $3, $4, $5) RETURNING id`,
			courseID, in.Title, in.Body, in.VideoURL, in.MinSeconds)
		if err != nil {
			return err
		}
		if err := renumber(ctx, tx, courseID); err != nil { // after the course's lessons, before the archived ones
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE courses SET updated_at = now() WHERE id = $1`, courseID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Lesson(ctx, id)
}

// UpdateLesson saves a lesson's fields. One statement: locks the lesson row.
func (s *Store) UpdateLesson(ctx context.Context, id int64, in LessonInput) (*Lesson, error) {
	if f := in.Validate(); f != nil {
		return nil, f
	}
	res, err := s.db.ExecContext(ctx, `UPDATE lessons SET title=$2, body_md=$3, video_url=$4, min_seconds=$5, updated_at=now() WHERE id = $1`,
		id, in.Title, in.Body, in.VideoURL, in.MinSeconds)
	if err := affected(res, err, ErrLessonNotFound); err != nil {
		return nil, err
	}
	return s.Lesson(ctx, id)
}

// LessonLearners counts the learners who have started the lesson (any progress row):
// while there is one, the lesson cannot be deleted, only archived.
func (s *Store) LessonLearners(ctx context.Context, id int64) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM lesson_progress WHERE lesson_id = $1`, id)
	return n, err
}

// DeleteLesson removes a lesson nobody has started, closes the gap in positions and
// returns its course; a lesson with any learner's progress is ErrLessonHasProgress
// (archive it instead). Locks: the course row, then the lesson FOR UPDATE before looking
// for progress: a heartbeat creating progress holds a KEY SHARE lock on the lesson until
// it commits, so the check waits for it and sees its row, and a later heartbeat waits
// until the lesson is gone (and then finds no lesson).
func (s *Store) DeleteLesson(ctx context.Context, id int64) (courseID int64, err error) {
	l, err := s.Lesson(ctx, id)
	if err != nil {
		return 0, err
	}
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockCourse(ctx, tx, l.CourseID); err != nil {
			return err
		}
		var one int
		if err := tx.GetContext(ctx, &one, `SELECT 1 FROM lessons WHERE id = $1 FOR UPDATE`, id); err != nil {
			return notFound(err, ErrLessonNotFound)
		}
		var started bool
		if err := tx.GetContext(ctx, &started, `SELECT EXISTS (SELECT 1 FROM lesson_progress WHERE lesson_id = $1)`, id); err != nil {
			return err
		}
		if started {
			return ErrLessonHasProgress
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM lessons WHERE id = $1`, id)
		if err := affected(res, err, ErrLessonNotFound); err != nil {
			return err
		}
		return renumber(ctx, tx, l.CourseID)
	})
	return l.CourseID, err
}

// ArchiveLesson archives a lesson: learners no longer see it, it no longer counts toward
// its course, and every learner's progress on it is kept. The learners who had finished
// every other lesson complete the course now (CourseComplete on the remaining lessons,
// 学时 under this year's policy). Archiving an archived lesson changes nothing. Returns
// the course. Locks: the course row, then the lesson, then the unfinished learners'
// course_progress rows in user order (a heartbeat holds at most its own user's row and
// waits for nothing of this transaction).
func (s *Store) ArchiveLesson(ctx context.Context, id int64) (courseID int64, err error) {
	l, err := s.Lesson(ctx, id)
	if err != nil {
		return 0, err
	}
	now := s.now()
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockCourse(ctx, tx, l.CourseID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE lessons SET archived_at = $2, updated_at = now() WHERE id = $1 AND archived_at IS NULL`, id, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // archived already
		}
		if err := renumber(ctx, tx, l.CourseID); err != nil {
			return err
		}
		var users []int64
		if err := tx.SelectContext(ctx, &users, `SELECT user_id FROM course_progress WHERE course_id = $1 AND completed_at IS NULL
			ORDER BY user_id FOR UPDATE`, l.CourseID); err != nil {
			return err
		}
		for _, u := range users {
			if _, _, err := completeCourseIfDone(ctx, tx, u, l.CourseID, now); err != nil {
				return err
			}
		}
		return nil
	})
	return l.CourseID, err
}

// RestoreLesson brings an archived lesson back as the last lesson of its course; it
// counts again for learners who have not completed the course (a completed course stays
// completed, with its 学时). Restoring a lesson that is not archived changes nothing.
// Returns the course. Locks: the course row, then its lessons.
func (s *Store) RestoreLesson(ctx context.Context, id int64) (courseID int64, err error) {
	l, err := s.Lesson(ctx, id)
	if err != nil {
		return 0, err
	}
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockCourse(ctx, tx, l.CourseID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE lessons SET archived_at = NULL, updated_at = now() WHERE id = $1 AND archived_at IS NOT NULL`, id); err != nil {
			return err
		}
		return renumber(ctx, tx, l.CourseID)
	})
	return l.CourseID, err
}

// renumber numbers a course's lessons 1, 2, … in their order, the course's lessons first
// and the archived ones after them (positions are unique per course, deferred).
func renumber(ctx context.Context, tx *sqlx.Tx, courseID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE lessons l SET position = o.n FROM (
		SELECT id, row_number() OVER (ORDER BY archived_at IS NOT NULL, position, id) AS n FROM lessons WHERE course_id = $1) o
		WHERE l.id = o.id AND l.position <> o.n`, courseID)
	return err
}

// ReorderLessons sets the order of a course's lessons; ids must be exactly its lessons
// (course_lessons: the archived ones stay after them).
// Locks: the course row, then its lessons.
func (s *Store) ReorderLessons(ctx context.Context, courseID int64, ids []int64) ([]Lesson, error) {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockCourse(ctx, tx, courseID); err != nil {
			return err
		}
		return reorder(ctx, tx, courseID, func([]int64) []int64 { return ids })
	})
	if err != nil {
		return nil, err
	}
	return s.Lessons(ctx, courseID)
}

// MoveLesson moves a lesson one place up (-1) or down (+1) and returns its course.
// Locks: the course row, then its lessons.
func (s *Store) MoveLesson(ctx context.Context, id int64, delta int) (int64, error) {
	l, err := s.Lesson(ctx, id)
	if err != nil {
		return 0, err
	}
	return l.CourseID, s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockCourse(ctx, tx, l.CourseID); err != nil {
			return err
		}
		return reorder(ctx, tx, l.CourseID, func(have []int64) []int64 { return MoveID(have, id, delta) })
	})
}

// reorder locks the course's lessons and numbers them in the order next gives from
// their current order, the archived ones after them.
func reorder(ctx context.Context, tx *sqlx.Tx, courseID int64, next func(current []int64) []int64) error {
	var have []int64
	if err := tx.SelectContext(ctx, &have, `SELECT id FROM course_lessons WHERE course_id = $1 ORDER BY position, id FOR NO KEY UPDATE`, courseID); err != nil {
		return err
	}
	ids := next(have)
	if !sameSet(have, ids) {
		return ErrLessonOrder
	}
	if _, err := tx.ExecContext(ctx, `UPDATE lessons l SET position = o.n FROM unnest($1::bigint[]) WITH ORDINALITY AS o(id, n)
		WHERE l.id = o.id`, pq.Array(ids)); err != nil {
		return err
	}
	return renumber(ctx, tx, courseID)
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

// --- attachments ---

// Attachments lists the attachments of the lessons, by lesson.
func (s *Store) Attachments(ctx context.Context, lessonIDs ...int64) (map[int64][]Attachment, error) {
	var rows []Attachment
	err := s.db.SelectContext(ctx, &rows, `SELECT id, lesson_id, filename, size, created_at FROM lesson_attachments
		WHERE lesson_id = ANY($1) ORDER BY id`, pq.Array(lessonIDs))
	m := map[int64][]Attachment{}
	for _, r := range rows {
		m[r.LessonID] = append(m[r.LessonID], r)
	}
	return m, err
}

// AddAttachment checks and stores a PDF for a lesson. One statement: no lock.
func (s *Store) AddAttachment(ctx context.Context, lessonID int64, filename string, data []byte) (int64, error) {
	if err := CheckPDF(filename, data); err != nil {
		return 0, err
	}
	var id int64
	err := s.db.GetContext(ctx, &id, `INSERT INTO lesson_attachments (lesson_id, filename, size, data)
		SELECT id, $2, $3, $4 FROM lessons WHERE id = $1 RETURNING id`, lessonID, strings.Clone(filename), len(data), data)
	return id, notFound(err, ErrLessonNotFound)
}

// AttachmentFile returns an attachment's bytes, if its course is visible to the caller.
func (s *Store) AttachmentFile(ctx context.Context, me *web.Identity, id int64) (string, []byte, error) {
	var row struct {
		Filename string `db:"filename"`
		Data     []byte `db:"data"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT a.filename, a.data FROM lesson_attachments a
		JOIN lessons l ON l.id = a.lesson_id JOIN courses c ON c.id = l.course_id
		WHERE a.id = $1 AND ((c.published AND l.archived_at IS NULL) OR $2)`, id, withDrafts(me))
	return row.Filename, row.Data, notFound(err, ErrAttachmentNotFound)
}

// AttachmentInfo returns an attachment (without its bytes) and its lesson's title, for
// the page that asks before deleting it.
func (s *Store) AttachmentInfo(ctx context.Context, id int64) (*Attachment, string, error) {
	var row struct {
		Attachment
		Lesson string `db:"lesson"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT a.id, a.lesson_id, a.filename, a.size, a.created_at, l.title AS lesson
		FROM lesson_attachments a JOIN lessons l ON l.id = a.lesson_id WHERE a.id = $1`, id)
	if err != nil {
		return nil, "", notFound(err, ErrAttachmentNotFound)
	}
	return &row.Attachment, row.Lesson, nil
}

// DeleteAttachment removes an attachment and returns its lesson. One statement.
func (s *Store) DeleteAttachment(ctx context.Context, id int64) (lessonID int64, err error) {
	err = s.db.GetContext(ctx, &lessonID, `DELETE FROM lesson_attachments WHERE id = $1 RETURNING lesson_id`, id)
	return lessonID, notFound(err, ErrAttachmentNotFound)
}

// --- assignments ---

// Assignments lists a course's 必修 assignments, newest year first.
func (s *Store) Assignments(ctx context.Context, courseID int64) ([]Assignment, error) {
	if _, err := s.Course(ctx, courseID); err != nil {
		return nil, err
	}
	out := []Assignment{}
	err := s.db.SelectContext(ctx, &out, `SELECT id, course_id, year, scope, township_ids, branch_kinds, due_date
		FROM course_assignments WHERE course_id = $1 ORDER BY year DESC, id`, courseID)
	return out, err
}

// Assignment returns one 必修 assignment.
func (s *Store) Assignment(ctx context.Context, id int64) (*Assignment, error) {
	var a Assignment
	err := s.db.GetContext(ctx, &a, `SELECT id, course_id, year, scope, township_ids, branch_kinds, due_date
		FROM course_assignments WHERE id = $1`, id)
	if err != nil {
		return nil, notFound(err, ErrAssignmentNotFound)
	}
	return &a, nil
}

// CreateAssignment makes a course 必修 for a year and, in the same transaction, tells the
// secretaries it newly applies to (tellRequired; nobody while the course is a draft:
// publishing tells them). Locks: the course row (lockCourse), so that assignments and
// publishing of one course take turns and nobody is told twice or missed (an assignment
// naming a township deleted meanwhile simply applies to nobody there).
func (s *Store) CreateAssignment(ctx context.Context, courseID int64, in AssignmentInput) (int64, error) {
	if _, err := s.Course(ctx, courseID); err != nil {
		return 0, err
	}
	a, f := in.Assignment(courseID)
	if f != nil {
		return 0, f
	}
	if a.Scope == "townships" {
		var n int
		if err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM townships WHERE id = ANY($1)`, pq.Array(a.TownshipIDs)); err != nil {
			return 0, err
		}
		if n != len(uniq(a.TownshipIDs)) {
			return 0, web.FieldErrors{"township_ids": "有乡镇不存在"}
		}
	}
	var id int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockCourse(ctx, tx, courseID); err != nil {
			return err
		}
		var err error
		if id, err = insertAssignment(ctx, tx, a); err != nil {
			return err
		}
		return s.tellRequired(ctx, tx, courseID, a.Year)
	})
	return id, err
}

// insertAssignment stores an assignment as given, without checks and without telling
// anybody (tests and CreateAssignment).
func (s *Store) insertAssignment(ctx context.Context, a Assignment) (int64, error) {
	return insertAssignment(ctx, s.db, a)
}

func insertAssignment(ctx context.Context, q sqlx.QueryerContext, a Assignment) (int64, error) {
	if a.TownshipIDs == nil {
		a.TownshipIDs = pq.Int64Array{}
	}
	if a.BranchKinds == nil {
		a.BranchKinds = pq.StringArray{}
	}
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `INSERT INTO course_assignments (course_id, year, scope, township_ids, branch_kinds, due_date)
		VALUES ($1,$2,$3,$4,$5,$6) RETURNING id`, a.CourseID, a.Year, a.Scope, a.TownshipIDs, a.BranchKinds, a.DueDate)
	return id, err
}

// tellRequired posts one message (AssignedMessage) to every active secretary a published
// course is 必修 for — in the year, or in every year it is assigned for (year 0) — who was
// not told yet: the people are read from the view course_requirements, the one definition
// of who a requirement applies to, in one SELECT, and posted in one Post call. "Told"
// is a message with the requirement's ref (AssignedRef) for the person, so assigning
// again, publishing again or covering a person by a second assignment of the course and
// year tells nobody twice, and a wider scope tells only the newly covered people. A draft
// course is in no requirement, so nobody is told until it is published. Without Post
// (Deps.Post nil) nobody is told. Callers hold the course row (lockCourse).
func (s *Store) tellRequired(ctx context.Context, tx *sqlx.Tx, courseID int64, year int) error {
	if s.post == nil {
		return nil
	}
	var rows []struct {
		UserID  int64     `db:"user_id"`
		Year    int       `db:"year"`
		DueDate time.Time `db:"due_date"`
		Title   string    `db:"title"`
	}
	err := tx.SelectContext(ctx, &rows, `SELECT r.user_id, r.year, r.due_date, c.title
		FROM course_requirements r
		JOIN users u ON u.id = r.user_id AND u.active
		JOIN courses c ON c.id = r.course_id
		WHERE r.course_id = $1 AND ($2 = 0 OR r.year = $2)
		  AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.ref = $3::text || r.year AND m.user_id = r.user_id)
		ORDER BY r.year, r.user_id`, courseID, year, assignedRefPrefix(courseID))
	if err != nil || len(rows) == 0 {
		return err
	}
	msgs := make([]web.Message, len(rows))
	for i, r := range rows {
		msgs[i] = AssignedMessage(courseID, r.Title, r.Year, r.DueDate)
		msgs[i].UserID = r.UserID
	}
	return s.post(ctx, tx, msgs...)
}

func uniq(ids []int64) map[int64]bool {
	m := map[int64]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// DeleteAssignment removes an assignment and returns its course. One statement.
func (s *Store) DeleteAssignment(ctx context.Context, id int64) (courseID int64, err error) {
	err = s.db.GetContext(ctx, &courseID, `DELETE FROM course_assignments WHERE id = $1 RETURNING course_id`, id)
	return courseID, notFound(err, ErrAssignmentNotFound)
}

// --- years ---

// YearRule returns the configured policy of a year, or the default placeholder.
func (s *Store) YearRule(ctx context.Context, year int) (YearRule, error) {
	return yearRule(ctx, s.db, year)
}

func yearRule(ctx context.Context, q sqlx.QueryerContext, year int) (YearRule, error) {
	var r YearRule
	err := sqlx.GetContext(ctx, q, &r, `SELECT year, target_hours, minutes_per_hour FROM course_years WHERE year = $1`, year)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultYearRule(year), nil
	}
	return r, err
}

// YearRules lists the configured years, newest first.
func (s *Store) YearRules(ctx context.Context) ([]YearRule, error) {
	out := []YearRule{}
	err := s.db.SelectContext(ctx, &out, `SELECT year, target_hours, minutes_per_hour FROM course_years ORDER BY year DESC`)
	return out, err
}

// SaveYearRule sets a year's 学时 policy. One statement (upsert). Hours already earned
// keep the policy they were earned under.
func (s *Store) SaveYearRule(ctx context.Context, r YearRule) (YearRule, error) {
	if f := r.Validate(); f != nil {
		return r, f
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO course_years (year, target_hours, minutes_per_hour) VALUES ($1,$2,$3)
		ON CONFLICT (year) DO UPDATE SET target_hours = EXCLUDED.target_hours, minutes_per_hour = EXCLUDED.minutes_per_hour, updated_at = now()`,
		r.Year, r.TargetHours, r.MinutesPerHour)
	return r, err
}

// --- places ---

// Townships lists the townships in scope, for choosing assignment scopes.
func (s *Store) Townships(ctx context.Context, scope web.Scope) ([]Township, error) {
	var out []Township
	err := s.db.SelectContext(ctx, &out, `SELECT id, name FROM townships WHERE ($1::bigint IS NULL OR id = $1) ORDER BY sort, id`, scope.Township())
	return out, err
}

// BranchTownship is the township of a branch; an unknown branch is ErrBranchNotFound.
func (s *Store) BranchTownship(ctx context.Context, branchID int64) (int64, error) {
	var t int64
	err := s.db.GetContext(ctx, &t, `SELECT township_id FROM branches WHERE id = $1`, branchID)
	return t, notFound(err, ErrBranchNotFound)
}

// Branches lists the branches in scope, for the oversight filter.
func (s *Store) Branches(ctx context.Context, scope web.Scope) ([]Branch, error) {
	var out []Branch
	err := s.db.SelectContext(ctx, &out, `SELECT b.id, b.name, t.name AS township, t.id AS township_id FROM branches b
		JOIN townships t ON t.id = b.township_id WHERE ($1::bigint IS NULL OR b.township_id = $1) ORDER BY t.sort, t.id, b.name`, scope.Township())
	return out, err
}

// Narrow resolves the caller's scope narrowed to a township and a branch (0 = no
// filter). A township or branch outside the scope, or unknown, is not found.
func (s *Store) Narrow(ctx context.Context, me *web.Identity, township, branch int64) (web.Scope, int64, error) {
	if township < 0 {
		return web.Scope{}, 0, ErrTownshipNotFound
	}
	scope, err := web.ScopeOf(me).Narrow(township)
	if err != nil {
		return scope, 0, ErrTownshipNotFound
	}
	if branch < 0 {
		return scope, 0, ErrBranchNotFound
	}
	if branch == 0 {
		return scope, 0, nil
	}
	var t int64
	err = s.db.GetContext(ctx, &t, `SELECT township_id FROM branches WHERE id = $1`, branch)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !scope.Allows(t)) {
		return scope, 0, ErrBranchNotFound
	}
	return scope, branch, err
}

// withDrafts: admins may open unpublished courses (to preview them); nobody else.
func withDrafts(me *web.Identity) bool { return me != nil && me.Role == web.RoleAdmin }
