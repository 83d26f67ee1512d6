package reports

import (
	"context"
	"database/sql"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/web"
)

// Load reads the completion report of a year for a township scope (NULL = the county)
// with a handful of set-based queries inside one read-only snapshot, so every sheet and
// the page agree. It is the one query path of the page, the JSON and the workbook.
func Load(ctx context.Context, db *sqlx.DB, year int, township sql.NullInt64, target float64, now time.Time) (*Report, error) {
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r := &Report{Year: year, Generated: now, Target: target, County: !township.Valid}
	from, to := yearBounds(year)

	if err := tx.SelectContext(ctx, &r.Townships, `
		SELECT id, name FROM townships WHERE ($1::bigint IS NULL OR id = $1) ORDER BY sort, id`, township); err != nil {
		return nil, err
	}
	if err := loadSecretaries(ctx, tx, r, township); err != nil {
		return nil, err
	}
	pos := make(map[int64]int, len(r.Secretaries))
	for i, s := range r.Secretaries {
		pos[s.UserID] = i
	}
	if err := loadCourses(ctx, tx, r, township, pos); err != nil {
		return nil, err
	}
	if err := loadHours(ctx, tx, r, township, from, to, pos); err != nil {
		return nil, err
	}
	if err := loadExams(ctx, tx, r, township, from, to, pos); err != nil {
		return nil, err
	}
	if err := loadTours(ctx, tx, r, township, from, to, pos); err != nil {
		return nil, err
	}
	r.Finish()
	return r, nil
}

// yearBounds is the calendar year in China time.
func yearBounds(year int) (time.Time, time.Time) {
	return time.Date(year, 1, 1, 0, 0, 0, 0, web.China), time.Date(year+1, 1, 1, 0, 0, 0, 0, web.China)
}

// Active secretaries of the scope, grouped by township in the townships' order.
func loadSecretaries(ctx context.Context, tx *sqlx.Tx, r *Report, township sql.NullInt64) error {
	rows, err := tx.QueryContext(ctx, `
		SELECT u.id, u.township_id, b.name, b.kind, u.name, COALESCE(u.phone, '')
		FROM users u
		JOIN branches b ON b.id = u.branch_id
		JOIN townships t ON t.id = u.township_id
		WHERE u.role = 'secretary' AND u.active AND ($1::bigint IS NULL OR u.township_id = $1)
		ORDER BY t.sort, t.id, b.name, u.name, u.id`, township)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s Secretary
		if err := rows.Scan(&s.UserID, &s.TownshipID, &s.Branch, &s.BranchKind, &s.Name, &s.Phone); err != nil {
			return err
		}
		r.Secretaries = append(r.Secretaries, s)
	}
	return rows.Err()
}

// Required courses of the year and, per secretary and course, whether it is required of
// them (an assignment to all, to their township or to their branch kind) and when they
// completed it. A township report keeps only the courses required of someone in it.
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
	for i, c := range all {
		col[c.ID], ids[i] = i, c.ID
	}
	// The year's assignments are few: who they concern is decided here, per secretary,
	// instead of joining every secretary with every assignment in SQL.
	var asg []Assignment
	if err := tx.SelectContext(ctx, &asg, `
		SELECT course_id, scope, township_ids, branch_kinds FROM course_assignments
		WHERE year = $1 AND course_id = ANY($2)`, r.Year, pq.Array(ids)); err != nil {
		return err
	}
	used := make([]bool, len(all))
	cells := make([]CourseCell, len(r.Secretaries)*len(all))
	for i := range r.Secretaries {
		s := &r.Secretaries[i]
		s.Courses = cells[i*len(all) : (i+1)*len(all) : (i+1)*len(all)]
		for _, a := range asg {
			if a.Applies(s.TownshipID, s.BranchKind) {
				j := col[a.CourseID]
				s.Courses[j].Applies, used[j] = true, true
			}
		}
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT cp.user_id, cp.course_id, cp.completed_at
		FROM course_progress cp
		JOIN users u ON u.id = cp.user_id
		WHERE cp.course_id = ANY($1) AND cp.completed_at IS NOT NULL
		  AND u.role = 'secretary' AND ($2::bigint IS NULL OR u.township_id = $2)`, pq.Array(ids), township)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var uid, cid int64
		var at time.Time
		if err := rows.Scan(&uid, &cid, &at); err != nil {
			return err
		}
		i, ok := pos[uid]
		j, ok2 := col[cid]
		if !ok || !ok2 || !r.Secretaries[i].Courses[j].Applies {
			continue // done, but not required of this secretary
		}
		r.Secretaries[i].Courses[j].Done, r.Secretaries[i].Courses[j].At = true, at
	}
	if err := rows.Err(); err != nil {
		return err
	}
	r.Courses = all
	if !r.County {
		r.Courses, _ = keepColumns(all, used, r, func(s *Secretary, keep []int) {
			out := make([]CourseCell, len(keep))
			for k, j := range keep {
				out[k] = s.Courses[j]
			}
			s.Courses = out
		})
	}
	return nil
}

// keepColumns drops the columns nobody in the report is concerned by.
func keepColumns[T any](all []T, used []bool, r *Report, apply func(s *Secretary, keep []int)) ([]T, []int) {
	var keep []int
	var out []T
	for j, u := range used {
		if u {
			keep = append(keep, j)
			out = append(out, all[j])
		}
	}
	if len(keep) == len(all) {
		return all, keep
	}
	for i := range r.Secretaries {
		apply(&r.Secretaries[i], keep)
	}
	return out, keep
}

// 学时 earned in the year: the hours credited by courses completed in it (required or not).
func loadHours(ctx context.Context, tx *sqlx.Tx, r *Report, township sql.NullInt64, from, to time.Time, pos map[int64]int) error {
	rows, err := tx.QueryContext(ctx, `
		SELECT cp.user_id, sum(cp.hours_earned)::float8
		FROM course_progress cp
		JOIN users u ON u.id = cp.user_id
		WHERE cp.completed_at >= $1 AND cp.completed_at < $2
		  AND u.role = 'secretary' AND ($3::bigint IS NULL OR u.township_id = $3)
		GROUP BY cp.user_id`, from, to, township)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var uid int64
		var h float64
		if err := rows.Scan(&uid, &h); err != nil {
			return err
		}
		if i, ok := pos[uid]; ok {
			r.Secretaries[i].Hours = h
		}
	}
	return rows.Err()
}

type examRow struct {
	ID           int64   `db:"id"`
	Title        string  `db:"title"`
	PassScore    float64 `db:"pass_score"`
	AllTownships bool    `db:"all_townships"`
}

// Exams opening in the year; per secretary and exam the finished attempts, the best
// score and whether any passed (the best attempt counts).
func loadExams(ctx context.Context, tx *sqlx.Tx, r *Report, township sql.NullInt64, from, to time.Time, pos map[int64]int) error {
	var exams []examRow
	if err := tx.SelectContext(ctx, &exams, `
		SELECT id, title, pass_score::float8 AS pass_score, all_townships
		FROM exams WHERE opens_at >= $1 AND opens_at < $2 ORDER BY opens_at, id`, from, to); err != nil {
		return err
	}
	ids := make([]int64, len(exams))
	col := make(map[int64]int, len(exams))
	all := make([]Exam, len(exams))
	for j, e := range exams {
		ids[j], col[e.ID] = e.ID, j
		all[j] = Exam{ID: e.ID, Title: e.Title, PassScore: e.PassScore}
	}
	// Which townships an exam is for, when it is not for all of them.
	var pairs []struct {
		ExamID     int64 `db:"exam_id"`
		TownshipID int64 `db:"township_id"`
	}
	if err := tx.SelectContext(ctx, &pairs, `SELECT exam_id, township_id FROM exam_townships WHERE exam_id = ANY($1)`,
		pq.Array(ids)); err != nil {
		return err
	}
	type key struct{ exam, township int64 }
	open := make(map[key]bool, len(pairs))
	for _, p := range pairs {
		open[key{p.ExamID, p.TownshipID}] = true
	}
	used := make([]bool, len(exams))
	cells := make([]ExamCell, len(r.Secretaries)*len(exams))
	for i := range r.Secretaries {
		s := &r.Secretaries[i]
		s.Exams = cells[i*len(exams) : (i+1)*len(exams) : (i+1)*len(exams)]
		for j, e := range exams {
			if e.AllTownships || open[key{e.ID, s.TownshipID}] {
				s.Exams[j].Applies = true
				used[j] = true
			}
		}
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT a.user_id, a.exam_id, count(*), COALESCE(max(a.score), 0)::float8, COALESCE(bool_or(a.passed), false)
		FROM attempts a
		JOIN users u ON u.id = a.user_id
		WHERE a.exam_id = ANY($1) AND a.status = 'finished'
		  AND u.role = 'secretary' AND ($2::bigint IS NULL OR u.township_id = $2)
		GROUP BY a.user_id, a.exam_id`, pq.Array(ids), township)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var uid, eid int64
		var c ExamCell
		if err := rows.Scan(&uid, &eid, &c.Attempts, &c.Best, &c.Passed); err != nil {
			return err
		}
		i, ok := pos[uid]
		j, ok2 := col[eid]
		if !ok || !ok2 {
			continue
		}
		// Someone who sat an exam is its candidate, even after moving township.
		c.Applies = true
		r.Secretaries[i].Exams[j] = c
		used[j] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	r.Exams = all
	if !r.County {
		r.Exams, _ = keepColumns(all, used, r, func(s *Secretary, keep []int) {
			out := make([]ExamCell, len(keep))
			for k, j := range keep {
				out[k] = s.Exams[j]
			}
			s.Exams = out
		})
	}
	return nil
}

// Tours attended in the year: sign-ups the county confirmed, for tours starting in it.
func loadTours(ctx context.Context, tx *sqlx.Tx, r *Report, township sql.NullInt64, from, to time.Time, pos map[int64]int) error {
	rows, err := tx.QueryContext(ctx, `
		SELECT ts.user_id, t.title
		FROM tour_signups ts
		JOIN tours t ON t.id = ts.tour_id
		JOIN users u ON u.id = ts.user_id
		WHERE ts.status = 'confirmed' AND t.starts_on >= $1::date AND t.starts_on < $2::date
		  AND u.role = 'secretary' AND ($3::bigint IS NULL OR u.township_id = $3)
		ORDER BY t.starts_on, t.id`, from.Format("2006-01-02"), to.Format("2006-01-02"), township)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var uid int64
		var title string
		if err := rows.Scan(&uid, &title); err != nil {
			return err
		}
		if i, ok := pos[uid]; ok {
			r.Secretaries[i].Tours = append(r.Secretaries[i].Tours, title)
		}
	}
	return rows.Err()
}

// TownshipExists tells whether a township id is real (a filter on a missing one is 404).
func TownshipExists(ctx context.Context, db *sqlx.DB, id int64) (bool, error) {
	var ok bool
	err := db.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM townships WHERE id = $1)`, id)
	return ok, err
}

// Townships lists the townships of a scope, for the page's filter.
func Townships(ctx context.Context, db *sqlx.DB, township sql.NullInt64) ([]Township, error) {
	var ts []Township
	err := db.SelectContext(ctx, &ts, `SELECT id, name FROM townships WHERE ($1::bigint IS NULL OR id = $1) ORDER BY sort, id`, township)
	return ts, err
}
