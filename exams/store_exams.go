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
	// PublishedAt is NULL for a draft (migrations/00057_exam_drafts.sql).
	PublishedAt *time.Time `db:"published_at" json:"published_at"`
	// ClassExam: a 集中培训班 links the exam as its 结业 exam (classes.exam_id, classExamSQL):
	// it is for the class's participants only, whatever TownshipIDs say (IsCandidate).
	ClassExam bool `db:"class_exam" json:"class_exam"`
}

const examCols = `e.id, e.title, e.description, e.course_id, e.opens_at, e.closes_at, e.duration_minutes, e.pass_score,
	e.total_points, e.attempts_allowed, e.shuffle_questions, e.shuffle_options, e.multi_rule, e.review_policy,
	e.all_townships, e.rules, e.published_at, ` + classExamSQL + ` AS class_exam,
	ARRAY(SELECT township_id FROM exam_townships et WHERE et.exam_id = e.id ORDER BY township_id) AS township_ids`

// SaveExam is the one operation behind creating (id 0) and changing an exam, by the API
// and by the form: it validates in (*web.InputError), then writes the exam and its
// townships in one transaction. A new exam is a draft when in.Draft, else published at
// once; a change keeps the exam's state. A published exam must be fillable by the bank
// (*SupplyError); a draft may be short (its preview says by how much). Once anyone started
// the exam only what SafeAfterStart names may change (*StartedError, LockedChanges).
// Lock order: the exam row (FOR UPDATE: an attempt's insert takes a key-share lock on it
// through its foreign key, so no attempt starts between the check and the write), then
// its exam_townships rows. Started papers stay frozen. A published exam tells its
// candidates not told yet that it is open to them (postOpened), in the same transaction.
func (s *Store) SaveExam(ctx context.Context, id int64, in ExamInput, by int64) (*Exam, error) {
	e, errs := in.ToExam()
	if len(errs) > 0 {
		return nil, web.Invalidf("考试设置有误，请检查标出的项目", errs)
	}
	short, err := s.shortages(ctx, e.Rules)
	if err != nil {
		return nil, err
	}
	e.ID = id
	if err := s.writeExam(ctx, &e, by, id == 0 && in.Draft, short); err != nil {
		return nil, err
	}
	return &e, nil
}

// shortages are the rules the bank cannot fill now.
func (s *Store) shortages(ctx context.Context, rules []Rule) ([]Shortage, error) {
	snap, err := s.Pools.Snapshot(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	return CheckSupply(rules, func(k PoolKey) int { return len(snap.Get(k)) }), nil
}

// lockExam reads the exam row FOR UPDATE and whether anyone started it.
func lockExam(ctx context.Context, tx *sqlx.Tx, id int64) (*Exam, bool, error) {
	var old Exam
	err := tx.GetContext(ctx, &old, `SELECT `+examCols+` FROM exams e WHERE e.id = $1 FOR UPDATE OF e`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, ErrNotFound
	}
	if err != nil {
		return nil, false, err
	}
	var started bool
	err = tx.GetContext(ctx, &started, `SELECT EXISTS (SELECT 1 FROM attempts WHERE exam_id = $1)`, id)
	return &old, started, err
}

func (s *Store) writeExam(ctx context.Context, e *Exam, by int64, draft bool, short []Shortage) error {
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if e.ID == 0 {
		if !draft && len(short) > 0 {
			return &SupplyError{Short: short}
		}
		var row struct {
			ID          int64      `db:"id"`
			PublishedAt *time.Time `db:"published_at"`
		}
		err = tx.GetContext(ctx, &row, `INSERT INTO exams (title, description, course_id, opens_at, closes_at, duration_minutes,
			pass_score, total_points, attempts_allowed, shuffle_questions, shuffle_options, multi_rule, review_policy,
			all_townships, rules, created_by, published_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,NULLIF($16,0::bigint),
			CASE WHEN $17 THEN NULL ELSE now() END) RETURNING id, published_at`,
			e.Title, e.Description, e.CourseID, e.OpensAt, e.ClosesAt, e.DurationMinutes, e.PassScore, e.TotalPoints,
			e.AttemptsAllowed, e.ShuffleQuestions, e.ShuffleOptions, e.MultiRule, e.ReviewPolicy, e.AllTownships, e.Rules, by, draft)
		e.ID, e.PublishedAt = row.ID, row.PublishedAt
	} else {
		old, started, lerr := lockExam(ctx, tx, e.ID)
		if lerr != nil {
			return lerr
		}
		if old.Published() && len(short) > 0 {
			return &SupplyError{Short: short}
		}
		if started {
			if locked := LockedChanges(old, e); len(locked) > 0 {
				return &StartedError{Locked: locked}
			}
		}
		e.PublishedAt = old.PublishedAt
		_, err = tx.ExecContext(ctx, `UPDATE exams SET title=$2, description=$3, course_id=$4, opens_at=$5, closes_at=$6,
			duration_minutes=$7, pass_score=$8, total_points=$9, attempts_allowed=$10, shuffle_questions=$11,
			shuffle_options=$12, multi_rule=$13, review_policy=$14, all_townships=$15, rules=$16, updated_at=now() WHERE id=$1`,
			e.ID, e.Title, e.Description, e.CourseID, e.OpensAt, e.ClosesAt, e.DurationMinutes, e.PassScore, e.TotalPoints,
			e.AttemptsAllowed, e.ShuffleQuestions, e.ShuffleOptions, e.MultiRule, e.ReviewPolicy, e.AllTownships, e.Rules)
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
	// A published exam (new, or changed: its scope may have grown) tells the candidates
	// not told yet; a draft tells nobody.
	if err := s.postOpened(ctx, tx, e); err != nil {
		return err
	}
	return tx.Commit()
}

// postOpened tells every candidate of the published exam e (the view exam_candidates,
// migrations/00063_class_exam_candidates.sql: its townships' active secretaries, or a
// class's participants for its 结业 exam) who was not told yet (no message with OpenedRef
// — the inbox keeps the ref, as app/reminders reads it too) that the exam is open to
// them: one SELECT, then one Post of every message, in tx after the exam and its
// townships are written. A closed exam tells nobody. Nothing without Deps.Post. Callers
// hold the exam row FOR UPDATE (or just inserted it), so two changes of one exam cannot
// tell anyone twice.
func (s *Store) postOpened(ctx context.Context, tx *sqlx.Tx, e *Exam) error {
	if s.post == nil || !e.Published() {
		return nil
	}
	var users []int64
	if err := tx.SelectContext(ctx, &users, `SELECT user_id FROM exam_candidates
		WHERE exam_id = $1 AND EXISTS (SELECT 1 FROM exams WHERE id = $1 AND closes_at > now())
		EXCEPT SELECT user_id FROM messages WHERE ref = $2
		ORDER BY 1`, e.ID, OpenedRef(e.ID)); err != nil {
		return err
	}
	if len(users) == 0 {
		return nil
	}
	msgs := make([]web.Message, len(users))
	for i, u := range users {
		msgs[i] = OpenedMessage(e, u)
	}
	return s.post(ctx, tx, msgs...)
}

// PublishExam publishes a draft: from its opening time the candidates in its scope see
// and may start it, and each is told in the inbox (postOpened). Publishing a published
// exam changes nothing and tells nobody again. The bank must fill the
// paper (*SupplyError) and the exam must not have closed (*web.InputError). Lock order:
// the exam row (FOR UPDATE).
func (s *Store) PublishExam(ctx context.Context, id int64) (*Exam, error) {
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	e, _, err := lockExam(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if e.Published() {
		return e, nil
	}
	short, err := s.shortages(ctx, e.Rules)
	if err != nil {
		return nil, err
	}
	if len(short) > 0 {
		return nil, &SupplyError{Short: short}
	}
	var closed bool
	if err := tx.GetContext(ctx, &closed, `SELECT $1 <= now()`, e.ClosesAt); err != nil {
		return nil, err
	}
	if closed {
		return nil, web.Invalidf("考试结束时间已过，请先修改结束时间再发布", web.FieldErrors{"closes_at": "结束时间已过"})
	}
	if err := tx.GetContext(ctx, &e.PublishedAt, `UPDATE exams SET published_at = now(), updated_at = now() WHERE id = $1 RETURNING published_at`, id); err != nil {
		return nil, err
	}
	if err := s.postOpened(ctx, tx, e); err != nil {
		return nil, err
	}
	return e, tx.Commit()
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

// publishedSQL is the one definition of a published exam e (a draft is not): the Go
// mirror of the test in migrations/00057_exam_drafts.sql (the view exam_candidates) and
// of Exam.Published.
const publishedSQL = `e.published_at IS NOT NULL`

// visible admits the published exams staff of the township $N oversee (NULL = every
// published exam): what an organizer lists, oversees, downloads and counts on the home
// card (staffVisible, OpenExamTurnout). The rule is the SQL function exam_for_township
// (migrations/00065_exam_for_township.sql), which the reports use too: a class's 结业
// exam by its candidates' townships, any other exam by its townships. What a candidate
// lists and starts is takerVisible.
func visible(n int) string { return fmt.Sprintf(`exam_for_township(e.id, $%d::bigint)`, n) }

// classExamSQL tells whether a 集中培训班 links the exam e as its 结业 exam
// (classes.exam_id): the test of the view exam_candidates
// (migrations/00063_class_exam_candidates.sql), mirrored by Exam.ClassExam.
const classExamSQL = `EXISTS (SELECT 1 FROM classes c WHERE c.exam_id = e.id)`

// takerVisible admits the published exams user $u of township $t may list and start
// (NULL township, the county's admins: every published exam): the 结业 exam of a class
// when $u is a participant of the class or has an attempt at it, whatever the exam's
// townships say; any other exam by its townships. It is the rule of the view
// exam_candidates (migrations/00063_class_exam_candidates.sql) for the signed-in user;
// IsCandidate is its Go mirror. The list, the start, the home cards and the practice guard
// (candidateSQL) read it.
func takerVisible(u, t int) string {
	return fmt.Sprintf(`(`+publishedSQL+` AND ($%[2]d::bigint IS NULL OR CASE WHEN `+classExamSQL+`
		THEN EXISTS (SELECT 1 FROM classes c JOIN class_participants p ON p.class_id = c.id WHERE c.exam_id = e.id AND p.user_id = $%[1]d)
		  OR EXISTS (SELECT 1 FROM attempts ta WHERE ta.exam_id = e.id AND ta.user_id = $%[1]d)
		ELSE e.all_townships OR EXISTS (SELECT 1 FROM exam_townships et WHERE et.exam_id = e.id AND et.township_id = $%[2]d) END))`, u, t)
}

// staffVisible admits, for the township $N, what visible does (a class's 结业 exam by its
// candidates' townships); for NULL (the county's admins) every exam, drafts included.
func staffVisible(n int) string { return fmt.Sprintf(`($%d::bigint IS NULL OR %s)`, n, visible(n)) }

// GetExam loads a published exam the user of the township may take (takerVisible; NULL
// township: any published exam); a draft is ErrNotFound.
func (s *Store) GetExam(ctx context.Context, id, userID int64, township sql.NullInt64) (*Exam, error) {
	var e Exam
	err := s.DB.GetContext(ctx, &e, `SELECT `+examCols+` FROM exams e WHERE e.id = $1 AND `+takerVisible(2, 3), id, userID, township)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &e, err
}

// StaffExam loads an exam for its staff pages: the county's admins see drafts too, an
// organizer the published exams for their township (staffVisible: a class's 结业 exam when
// it has candidates of the township).
func (s *Store) StaffExam(ctx context.Context, id int64, scope web.Scope) (*Exam, error) {
	var e Exam
	err := s.DB.GetContext(ctx, &e, `SELECT `+examCols+` FROM exams e WHERE e.id = $1 AND `+staffVisible(2), id, scope.Township())
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &e, err
}

// ExamStarted tells whether anyone has started the exam.
func (s *Store) ExamStarted(ctx context.Context, id int64) (bool, error) {
	var started bool
	err := s.DB.GetContext(ctx, &started, `SELECT EXISTS (SELECT 1 FROM attempts WHERE exam_id = $1)`, id)
	return started, err
}

// PreviewExam is the shape of the exam's paper against the bank now.
func (s *Store) PreviewExam(ctx context.Context, e *Exam) (PaperPreview, error) {
	snap, err := s.Pools.Snapshot(ctx, s.DB)
	if err != nil {
		return PaperPreview{}, err
	}
	return PreviewPaper(e.Rules, e.PassScore, func(k PoolKey) int { return len(snap.Get(k)) }), nil
}

// AdminExamRow is an exam in the staff list.
type AdminExamRow struct {
	Exam
	Now time.Time `db:"now"`
}

// State is "draft", "upcoming", "open" or "closed".
func (r AdminExamRow) State() string {
	switch {
	case !r.Published():
		return "draft"
	case r.Now.Before(r.OpensAt):
		return "upcoming"
	case !r.Now.Before(r.ClosesAt):
		return "closed"
	}
	return "open"
}

// Questions is the number of questions of a paper.
func (r AdminExamRow) Questions() int {
	n := 0
	for _, x := range r.Rules {
		n += x.Count
	}
	return n
}

// AdminExams is a page of the exams the scope oversees (admins: drafts first, then by
// window, newest first) and how many there are.
func (s *Store) AdminExams(ctx context.Context, scope web.Scope, offset, limit int) ([]AdminExamRow, int, error) {
	var total int
	if err := s.DB.GetContext(ctx, &total, `SELECT count(*) FROM exams e WHERE `+staffVisible(1), scope.Township()); err != nil {
		return nil, 0, err
	}
	rows := []AdminExamRow{}
	err := s.DB.SelectContext(ctx, &rows, `SELECT `+examCols+`, now() AS now FROM exams e WHERE `+staffVisible(1)+`
		ORDER BY (e.published_at IS NULL) DESC, (now() < e.closes_at) DESC, e.opens_at DESC, e.id DESC
		OFFSET $2 LIMIT $3`, scope.Township(), offset, limit)
	return rows, total, err
}

// ExamForUser is an exam as one candidate sees it.
type ExamForUser struct {
	Exam
	AttemptsUsed int             `db:"attempts_used" json:"attempts_used"`
	BestScore    sql.NullFloat64 `db:"best_score" json:"-"`
	Passed       bool            `db:"passed" json:"passed"`
	OpenAttempt  sql.NullInt64   `db:"open_attempt" json:"-"`
	Now          time.Time       `db:"now" json:"-"`
	// Refusal is why the start guard (Deps.StartGuard) refuses the user a new attempt now
	// ("" = it does not). It is asked only for class exams a new attempt could start at
	// (startRefusals); the rule itself is the guard's.
	Refusal string `db:"-" json:"-"`
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
		WHERE `+takerVisible(1, 2)+` AND (NOT $3 OR (now() >= e.opens_at AND now() < e.closes_at))
		ORDER BY (now() < e.closes_at) DESC, e.closes_at ASC, e.id DESC
		LIMIT 200`, userID, township, onlyOpen)
	if err != nil {
		return nil, err
	}
	if err := s.startRefusals(ctx, userID, out); err != nil {
		return nil, err
	}
	return out, nil
}

// ScopeSize is how many active secretaries an exam is for now (its publish confirmation
// says so): of its townships, or the participants of the class whose 结业 exam it is.
func (s *Store) ScopeSize(ctx context.Context, e *Exam) (int, error) {
	var n int
	err := s.DB.GetContext(ctx, &n, `SELECT count(*) FROM users u WHERE u.role = 'secretary' AND u.active
		AND CASE WHEN $3 THEN EXISTS (SELECT 1 FROM classes c JOIN class_participants p ON p.class_id = c.id
			WHERE c.exam_id = $4 AND p.user_id = u.id)
		ELSE $1 OR u.township_id = ANY($2) END`, e.AllTownships, pq.Array([]int64(e.TownshipIDs)), e.ClassExam, e.ID)
	return n, err
}

// Choice is an exam another feature may link to (a class's 结业 exam).
type Choice struct {
	ID       int64     `db:"id"`
	Title    string    `db:"title"`
	ClosesAt time.Time `db:"closes_at"`
}

// Choices lists the exams not closed yet, drafts too (a class may link its exam before
// publishing it), newest first — the picker of app/classes (Deps.ExamChoices, wired in
// app/features.go). Locks: none.
func Choices(ctx context.Context, q sqlx.QueryerContext) ([]Choice, error) {
	out := []Choice{}
	err := sqlx.SelectContext(ctx, q, &out, `SELECT id, title, closes_at FROM exams WHERE closes_at > now() ORDER BY id DESC LIMIT 200`)
	return out, err
}
