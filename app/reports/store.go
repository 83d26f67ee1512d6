package reports

import (
	"context"
	"database/sql"
	"time"

	"github.com/jmoiron/sqlx"
	"zhibu/app/figures"
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

// snapshot runs read in one read-only snapshot (figures.Snapshot).
func (s *Store) snapshot(ctx context.Context, read func(tx *sqlx.Tx) error) error {
	return figures.Snapshot(ctx, s.db, read)
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
	r := &Report{Year: q.Year, Generated: now, Target: q.Target, County: !q.Township.Valid, Ranked: q.Ranked}
	if err := tx.SelectContext(ctx, &r.Townships, townshipsSQL, q.Township); err != nil {
		return nil, err
	}
	if q.Township.Valid && len(r.Townships) == 0 {
		return nil, ErrTownshipNotFound
	}
	var err error
	if r.TargetHours, err = figures.TargetHours(ctx, tx, q.Year); err != nil {
		return nil, err
	}
	if err := loadSecretaries(ctx, tx, r, q.Township); err != nil {
		return nil, err
	}
	pos := make(map[int64]int, len(r.Secretaries))
	for i, s := range r.Secretaries {
		pos[s.UserID] = i
	}
	for _, load := range []func() error{
		func() error { return loadCourses(ctx, tx, r, q.Township, pos) },
		func() error {
			return figures.Hours(ctx, tx, q.Year, q.Township, func(uid int64, on, off float64) {
				if i, ok := pos[uid]; ok {
					s := &r.Secretaries[i]
					s.Online, s.Offline, s.Hours = on, off, on+off
				}
			})
		},
		func() error { return loadExams(ctx, tx, r, q.Township, pos) },
		func() error {
			return figures.Tours(ctx, tx, q.Year, q.Township, func(uid int64, title string) {
				if i, ok := pos[uid]; ok {
					r.Secretaries[i].Tours = append(r.Secretaries[i].Tours, title)
				}
			})
		},
	} {
		if err := load(); err != nil {
			return nil, err
		}
	}
	r.Finish()
	return r, nil
}

// Active secretaries of the scope (应参训人数 counts only them: figures.Secretaries),
// grouped by township in the townships' order.
func loadSecretaries(ctx context.Context, tx *sqlx.Tx, r *Report, township sql.NullInt64) error {
	return figures.EachRow(ctx, tx, func(rows *sql.Rows) error {
		var s Secretary
		if err := rows.Scan(&s.UserID, &s.TownshipID, &s.Branch, &s.BranchKind, &s.Name, &s.Phone); err != nil {
			return err
		}
		r.Secretaries = append(r.Secretaries, s)
		return nil
	}, `
		SELECT u.id, u.township_id, b.name, b.kind, u.name, COALESCE(u.phone, '')
		FROM `+figures.Secretaries+`
		ORDER BY t.sort, t.id, b.name, u.name, u.id`, township)
}

// Required courses of the year and, per secretary and course, whether it is required of
// them and when they completed it (figures.Requirements). A township report keeps only
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
	for j, c := range all {
		col[c.ID] = j
	}
	cells := make([]CourseCell, len(r.Secretaries)*len(all))
	for i := range r.Secretaries {
		r.Secretaries[i].Courses = cells[i*len(all) : (i+1)*len(all) : (i+1)*len(all)]
	}
	used := make([]bool, len(all))
	err := figures.Requirements(ctx, tx, r.Year, township, func(uid, cid int64, done sql.NullTime) {
		i, ok := pos[uid] // inactive secretaries are required too, but not counted
		j, ok2 := col[cid]
		if ok && ok2 {
			r.Secretaries[i].Courses[j] = CourseCell{Applies: true, Done: done.Valid, At: done.Time}
			used[j] = true
		}
	})
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

// Exams opening in the year; per candidate (exam_candidates) and exam their Sitting
// (figures.Sittings).
func loadExams(ctx context.Context, tx *sqlx.Tx, r *Report, township sql.NullInt64, pos map[int64]int) error {
	from, to := figures.YearBounds(r.Year)
	var all []Exam
	if err := tx.SelectContext(ctx, &all, `
		SELECT id, title, pass_score::float8 AS passscore
		FROM exams WHERE published_at IS NOT NULL AND opens_at >= $1 AND opens_at < $2 ORDER BY opens_at, id`, from, to); err != nil {
		return err
	}
	col := make(map[int64]int, len(all))
	for j, e := range all {
		col[e.ID] = j
	}
	cells := make([]ExamCell, len(r.Secretaries)*len(all))
	for i := range r.Secretaries {
		r.Secretaries[i].Exams = cells[i*len(all) : (i+1)*len(all) : (i+1)*len(all)]
	}
	used := make([]bool, len(all))
	err := figures.Sittings(ctx, tx, r.Year, township, func(uid, eid int64, st figures.Sitting) {
		i, ok := pos[uid] // inactive candidates (who sat it before leaving) are not counted
		j, ok2 := col[eid]
		if ok && ok2 {
			r.Secretaries[i].Exams[j] = ExamCell{Applies: true, Sitting: st}
			used[j] = true
		}
	})
	if err != nil {
		return err
	}
	r.Exams = all
	if !r.County {
		r.Exams = keepColumns(all, used, r, func(s *Secretary, keep []int) { s.Exams = pick(s.Exams, keep) })
	}
	return nil
}
