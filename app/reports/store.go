package reports

import (
	"context"
	"database/sql"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/web"
)

// Store holds all SQL of the reports. Reports only read: every method runs in one
// read-only REPEATABLE READ snapshot, so the figures of one page or file agree with each
// other, and takes no lock. Who a year's 必修 course applies to and who an exam is for
// are not decided here: they are read from the views course_requirements
// (migrations/00051_course_requirements.sql, owned by courses) and exam_candidates
// (migrations/00052_exam_candidates.sql, owned by exams).
type Store struct {
	db *sqlx.DB
}

// NewStore returns the reports' store on db.
func NewStore(db *sqlx.DB) *Store { return &Store{db: db} }

// snapshot runs read in one read-only snapshot.
func (s *Store) snapshot(ctx context.Context, read func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// The views' plans are estimated costly enough to be JIT-compiled, which takes longer
	// than running them.
	if _, err := tx.ExecContext(ctx, `SET LOCAL jit = off`); err != nil {
		return err
	}
	return read(tx)
}

// Load reads the completion report of a year for a township scope (NULL = the county)
// with a handful of set-based queries. It is the one query path of the page, the JSON
// and the workbook. A township that does not exist is ErrTownshipNotFound.
// Locks: none (read-only snapshot).
func (s *Store) Load(ctx context.Context, q Query, now time.Time) (*Report, error) {
	var r *Report
	err := s.snapshot(ctx, func(tx *sqlx.Tx) (err error) {
		r, err = readReport(ctx, tx, q, now)
		return err
	})
	return r, err
}

// Overview is what the report page shows besides the report: the townships of the
// caller's scope for the filter, and the year's exams and tours with their downloads.
type Overview struct {
	Report    *Report
	Townships []Township
	Exams     []ExamInfo
	Tours     []TourInfo
}

// TourInfo is a tour of the year, for the roster download links (the roster export
// itself belongs to the tours feature: GET /api/v1/tours/{id}/roster.xlsx).
type TourInfo struct {
	ID       int64     `db:"id"`
	Title    string    `db:"title"`
	StartsOn time.Time `db:"starts_on"`
	EndsOn   time.Time `db:"ends_on"`
}

// Overview reads the report page: the report of q, the townships the caller may pick
// (callerTownship NULL = all of them), and the year's exams of the report's scope and
// published tours. Locks: none (read-only snapshot).
func (s *Store) Overview(ctx context.Context, q Query, callerTownship sql.NullInt64, now time.Time) (*Overview, error) {
	o := &Overview{}
	err := s.snapshot(ctx, func(tx *sqlx.Tx) (err error) {
		if o.Report, err = readReport(ctx, tx, q, now); err != nil {
			return err
		}
		if err := tx.SelectContext(ctx, &o.Townships, townshipsSQL, callerTownship); err != nil {
			return err
		}
		if err := examsOfYear(ctx, tx, &o.Exams, q); err != nil {
			return err
		}
		// Drafts have no roster.
		return tx.SelectContext(ctx, &o.Tours, `
			SELECT id, title, starts_on, ends_on FROM tours
			WHERE status <> 'draft' AND starts_on >= make_date($1, 1, 1) AND starts_on < make_date($1 + 1, 1, 1)
			ORDER BY starts_on, id`, q.Year)
	})
	return o, err
}

// townshipsSQL lists the townships of a scope ($1 NULL = all) in their order.
const townshipsSQL = `SELECT id, name FROM townships WHERE ($1::bigint IS NULL OR id = $1) ORDER BY sort, id`

func readReport(ctx context.Context, tx *sqlx.Tx, q Query, now time.Time) (*Report, error) {
	r := &Report{Year: q.Year, Generated: now, Target: q.Target, County: !q.Township.Valid}
	if err := tx.SelectContext(ctx, &r.Townships, townshipsSQL, q.Township); err != nil {
		return nil, err
	}
	if q.Township.Valid && len(r.Townships) == 0 {
		return nil, ErrTownshipNotFound
	}
	if err := loadSecretaries(ctx, tx, r, q.Township); err != nil {
		return nil, err
	}
	pos := make(map[int64]int, len(r.Secretaries))
	for i, s := range r.Secretaries {
		pos[s.UserID] = i
	}
	from, to := yearBounds(q.Year)
	for _, load := range []func() error{
		func() error { return loadCourses(ctx, tx, r, q.Township, pos) },
		func() error { return loadHours(ctx, tx, r, q.Township, from, to, pos) },
		func() error { return loadExams(ctx, tx, r, q.Township, from, to, pos) },
		func() error { return loadTours(ctx, tx, r, q.Township, from, to, pos) },
	} {
		if err := load(); err != nil {
			return nil, err
		}
	}
	r.Finish()
	return r, nil
}

// yearBounds is the calendar year in China time.
func yearBounds(year int) (time.Time, time.Time) {
	return time.Date(year, 1, 1, 0, 0, 0, 0, web.China), time.Date(year+1, 1, 1, 0, 0, 0, 0, web.China)
}

// eachRow runs a query and hands every row to scan.
func eachRow(ctx context.Context, tx *sqlx.Tx, scan func(*sql.Rows) error, query string, args ...any) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Active secretaries of the scope (应参训人数 counts only them), grouped by township in
// the townships' order.
func loadSecretaries(ctx context.Context, tx *sqlx.Tx, r *Report, township sql.NullInt64) error {
	return eachRow(ctx, tx, func(rows *sql.Rows) error {
		var s Secretary
		if err := rows.Scan(&s.UserID, &s.TownshipID, &s.Branch, &s.BranchKind, &s.Name, &s.Phone); err != nil {
			return err
		}
		r.Secretaries = append(r.Secretaries, s)
		return nil
	}, `
		SELECT u.id, u.township_id, b.name, b.kind, u.name, COALESCE(u.phone, '')
		FROM users u
		JOIN branches b ON b.id = u.branch_id
		JOIN townships t ON t.id = u.township_id
		WHERE u.role = 'secretary' AND u.active AND ($1::bigint IS NULL OR u.township_id = $1)
		ORDER BY t.sort, t.id, b.name, u.name, u.id`, township)
}

// Required courses of the year and, per secretary and course, whether it is required of
// them (course_requirements) and when they completed it. A township report keeps only
// the courses required of someone in it.
func loadCourses(ctx context.Context, tx *sqlx.Tx, r *Report, township sql.NullInt64, pos map[int64]int) error {
	var all []Course
	if err := tx.SelectContext(ctx, &all, `
		SELECT c.id, c.title
		FROM courses c
		WHERE c.published AND EXISTS (SELECT 1 FROM course_assignments ca WHERE ca.course_id = c.id AND ca.year = $1)
		ORDER BY (SELECT min(ca.due_date) FROM course_assignments ca WHERE ca.course_id = c.id AND ca.year = $1), c.id`,
		r.Year); err != nil {
		return err
	}
	col := make(map[int64]int, len(all))
	ids := make([]int64, len(all))
	for j, c := range all {
		col[c.ID], ids[j] = j, c.ID
	}
	cells := make([]CourseCell, len(r.Secretaries)*len(all))
	for i := range r.Secretaries {
		r.Secretaries[i].Courses = cells[i*len(all) : (i+1)*len(all) : (i+1)*len(all)]
	}
	used := make([]bool, len(all))
	err := eachRow(ctx, tx, func(rows *sql.Rows) error {
		var uid, cid int64
		if err := rows.Scan(&uid, &cid); err != nil {
			return err
		}
		i, ok := pos[uid] // inactive secretaries are required too, but not counted
		j, ok2 := col[cid]
		if ok && ok2 {
			r.Secretaries[i].Courses[j].Applies = true
			used[j] = true
		}
		return nil
	}, `SELECT user_id, course_id FROM course_requirements WHERE year = $1 AND ($2::bigint IS NULL OR township_id = $2)`,
		r.Year, township)
	if err != nil {
		return err
	}
	err = eachRow(ctx, tx, func(rows *sql.Rows) error {
		var uid, cid int64
		var at time.Time
		if err := rows.Scan(&uid, &cid, &at); err != nil {
			return err
		}
		i, ok := pos[uid]
		j, ok2 := col[cid]
		if ok && ok2 && r.Secretaries[i].Courses[j].Applies { // done, but maybe not required of them
			r.Secretaries[i].Courses[j].Done, r.Secretaries[i].Courses[j].At = true, at
		}
		return nil
	}, `
		SELECT cp.user_id, cp.course_id, cp.completed_at
		FROM course_progress cp
		JOIN users u ON u.id = cp.user_id
		WHERE cp.course_id = ANY($1) AND cp.completed_at IS NOT NULL
		  AND u.role = 'secretary' AND ($2::bigint IS NULL OR u.township_id = $2)`, pq.Array(ids), township)
	if err != nil {
		return err
	}
	r.Courses = all
	if !r.County {
		r.Courses = keepColumns(all, used, r, func(s *Secretary, keep []int) { s.Courses = pick(s.Courses, keep) })
	}
	return nil
}

// keepColumns drops the columns nobody in the report is concerned by.
func keepColumns[T any](all []T, used []bool, r *Report, apply func(s *Secretary, keep []int)) []T {
	var keep []int
	for j, u := range used {
		if u {
			keep = append(keep, j)
		}
	}
	if len(keep) == len(all) {
		return all
	}
	for i := range r.Secretaries {
		apply(&r.Secretaries[i], keep)
	}
	return pick(all, keep)
}

func pick[T any](s []T, keep []int) []T {
	out := make([]T, len(keep))
	for k, j := range keep {
		out[k] = s[j]
	}
	return out
}

// 学时 earned in the year: the hours credited by courses completed in it (required or not).
func loadHours(ctx context.Context, tx *sqlx.Tx, r *Report, township sql.NullInt64, from, to time.Time, pos map[int64]int) error {
	return eachRow(ctx, tx, func(rows *sql.Rows) error {
		var uid int64
		var h float64
		if err := rows.Scan(&uid, &h); err != nil {
			return err
		}
		if i, ok := pos[uid]; ok {
			r.Secretaries[i].Hours = h
		}
		return nil
	}, `
		SELECT cp.user_id, sum(cp.hours_earned)::float8
		FROM course_progress cp
		JOIN users u ON u.id = cp.user_id
		WHERE cp.completed_at >= $1 AND cp.completed_at < $2
		  AND u.role = 'secretary' AND ($3::bigint IS NULL OR u.township_id = $3)
		GROUP BY cp.user_id`, from, to, township)
}

// Exams opening in the year; per candidate (exam_candidates) and exam the finished
// attempts, the best score and whether any passed (the best attempt counts).
func loadExams(ctx context.Context, tx *sqlx.Tx, r *Report, township sql.NullInt64, from, to time.Time, pos map[int64]int) error {
	var all []Exam
	if err := tx.SelectContext(ctx, &all, `
		SELECT id, title, pass_score::float8 AS passscore
		FROM exams WHERE opens_at >= $1 AND opens_at < $2 ORDER BY opens_at, id`, from, to); err != nil {
		return err
	}
	ids := make([]int64, len(all))
	col := make(map[int64]int, len(all))
	for j, e := range all {
		ids[j], col[e.ID] = e.ID, j
	}
	cells := make([]ExamCell, len(r.Secretaries)*len(all))
	for i := range r.Secretaries {
		r.Secretaries[i].Exams = cells[i*len(all) : (i+1)*len(all) : (i+1)*len(all)]
	}
	used := make([]bool, len(all))
	err := eachRow(ctx, tx, func(rows *sql.Rows) error {
		var uid, eid int64
		c := ExamCell{Applies: true}
		if err := rows.Scan(&uid, &eid, &c.Attempts, &c.Best, &c.Passed); err != nil {
			return err
		}
		i, ok := pos[uid] // inactive candidates (who sat it before leaving) are not counted
		j, ok2 := col[eid]
		if ok && ok2 {
			r.Secretaries[i].Exams[j] = c
			used[j] = true
		}
		return nil
	}, `
		SELECT ec.user_id, ec.exam_id, `+finishedAttempts+`
		FROM exam_candidates ec
		LEFT JOIN attempts a ON a.exam_id = ec.exam_id AND a.user_id = ec.user_id
		WHERE ec.exam_id = ANY($1) AND ($2::bigint IS NULL OR ec.township_id = $2)
		GROUP BY ec.user_id, ec.exam_id`, pq.Array(ids), township)
	if err != nil {
		return err
	}
	r.Exams = all
	if !r.County {
		r.Exams = keepColumns(all, used, r, func(s *Secretary, keep []int) { s.Exams = pick(s.Exams, keep) })
	}
	return nil
}

// finishedAttempts aggregates a candidate's attempts a (LEFT JOINed): the number of
// finished ones, the best finished score (0 when none) and whether one passed.
const finishedAttempts = `count(a.id) FILTER (WHERE a.status = 'finished'),
		       COALESCE(max(a.score) FILTER (WHERE a.status = 'finished'), 0)::float8,
		       COALESCE(bool_or(a.passed) FILTER (WHERE a.status = 'finished'), false)`

// Tours attended in the year: sign-ups the county confirmed, for tours starting in it.
func loadTours(ctx context.Context, tx *sqlx.Tx, r *Report, township sql.NullInt64, from, to time.Time, pos map[int64]int) error {
	return eachRow(ctx, tx, func(rows *sql.Rows) error {
		var uid int64
		var title string
		if err := rows.Scan(&uid, &title); err != nil {
			return err
		}
		if i, ok := pos[uid]; ok {
			r.Secretaries[i].Tours = append(r.Secretaries[i].Tours, title)
		}
		return nil
	}, `
		SELECT ts.user_id, t.title
		FROM tour_signups ts
		JOIN tours t ON t.id = ts.tour_id
		JOIN users u ON u.id = ts.user_id
		WHERE ts.status = 'confirmed' AND t.starts_on >= $1::date AND t.starts_on < $2::date
		  AND u.role = 'secretary' AND ($3::bigint IS NULL OR u.township_id = $3)
		ORDER BY t.starts_on, t.id`, from.Format("2006-01-02"), to.Format("2006-01-02"), township)
}
