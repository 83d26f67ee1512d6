package record

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/figures"
	"zhibu/app/hours"
	"zhibu/app/roll"
	"zhibu/app/web"
)

// Store holds all SQL of the records. A record only reads: other features' tables
// (course_progress, exams and attempts, classes, tours, tour_reports) and the 学时 ledger,
// each through the one definition its owner gives it — 学时 from hour_credits as
// hours.Store.Mine counts them, 必修 and exam candidacy through figures.Requirements and
// figures.Sittings (the views course_requirements and exam_candidates), 参加考察 as
// figures.Tours. Every read runs in one read-only REPEATABLE READ snapshot and takes no
// lock. A township's records are a handful of set-based queries, whatever its size.
type Store struct {
	db *sqlx.DB
}

// NewStore returns the records' store on db.
func NewStore(db *sqlx.DB) *Store { return &Store{db: db} }

// snapshot runs read in one read-only snapshot (figures.Snapshot).
func (s *Store) snapshot(ctx context.Context, read func(tx *sqlx.Tx) error) error {
	return figures.Snapshot(ctx, s.db, read)
}

// Of reads the record of one secretary of the scope for a year (another township's
// person, or no secretary at all, is ErrPersonNotFound). A secretary who has left
// (inactive) still has their archive. Locks: none (read-only snapshot).
func (s *Store) Of(ctx context.Context, scope web.Scope, userID int64, year int) (*Record, error) {
	var out *Record
	err := s.snapshot(ctx, func(tx *sqlx.Tx) error {
		recs, err := load(ctx, tx, year, scope.Township(), sql.NullInt64{Int64: userID, Valid: true}, false)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			return ErrPersonNotFound
		}
		out = recs[0]
		return nil
	})
	return out, err
}

// Township is a township of the caller's scope, for the workbook's title.
type Township struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// Township reads the records of every active secretary of a township of the scope (the
// people of the completion report: figures.Secretaries), in the report's order: branch,
// name. A township outside the scope is ErrTownshipNotFound. Locks: none (read-only
// snapshot).
func (s *Store) Township(ctx context.Context, scope web.Scope, townshipID int64, year int) (Township, []*Record, error) {
	var t Township
	var recs []*Record
	err := s.snapshot(ctx, func(tx *sqlx.Tx) error {
		if !scope.Allows(townshipID) {
			return ErrTownshipNotFound
		}
		if err := tx.GetContext(ctx, &t, `SELECT id, name FROM townships WHERE id = $1`, townshipID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrTownshipNotFound
			}
			return err
		}
		var err error
		recs, err = load(ctx, tx, year, sql.NullInt64{Int64: townshipID, Valid: true}, sql.NullInt64{}, true)
		return err
	})
	return t, recs, err
}

// Townships lists the townships of the scope, for the staff pages' township picker.
func (s *Store) Townships(ctx context.Context, scope web.Scope) ([]Township, error) {
	out := []Township{}
	err := s.db.SelectContext(ctx, &out, `SELECT id, name FROM townships WHERE ($1::bigint IS NULL OR id = $1) ORDER BY sort, id`, scope.Township())
	return out, err
}

// load reads the records of the secretaries of township (NULL = any) and user (NULL =
// any), only the active ones when activeOnly, in seven set-based queries.
func load(ctx context.Context, tx *sqlx.Tx, year int, township, user sql.NullInt64, activeOnly bool) ([]*Record, error) {
	target, err := figures.TargetHours(ctx, tx, year)
	if err != nil {
		return nil, err
	}
	var recs []*Record
	byID := map[int64]*Record{}
	var ids []int64
	err = figures.EachRow(ctx, tx, func(rows *sql.Rows) error {
		r := &Record{Year: year, Target: target, Courses: []Course{}, Exams: []Exam{}, Classes: []Class{}, Tours: []Tour{}, Credits: []Credit{}}
		p := &r.Person
		if err := rows.Scan(&p.UserID, &p.Name, &p.Phone, &p.TownshipID, &p.Township, &p.Branch, &p.BranchKind, &p.Active); err != nil {
			return err
		}
		recs = append(recs, r)
		byID[p.UserID] = r
		ids = append(ids, p.UserID)
		return nil
	}, `
		SELECT u.id, u.name, COALESCE(u.phone, ''), u.township_id, t.name, COALESCE(b.name, ''), COALESCE(b.kind, ''), u.active
		FROM users u
		JOIN townships t ON t.id = u.township_id
		LEFT JOIN branches b ON b.id = u.branch_id
		WHERE u.role = 'secretary' AND ($1::bigint IS NULL OR u.township_id = $1) AND ($2::bigint IS NULL OR u.id = $2)
		  AND (u.active OR NOT $3)
		ORDER BY t.sort, t.id, b.name, u.name, u.id`, township, user, activeOnly)
	if err != nil || len(recs) == 0 {
		return recs, err
	}
	// Requirements and candidacy are read per township (figures' queries); one person's
	// record reads the person's own township.
	if !township.Valid {
		township = sql.NullInt64{Int64: recs[0].Person.TownshipID, Valid: true}
	}
	people := pq.Array(ids)
	entries, err := ledger(ctx, tx, people, year)
	if err != nil {
		return nil, err
	}
	for _, step := range []func() error{
		func() error { return loadCourses(ctx, tx, byID, people, year, township) },
		func() error { return loadExams(ctx, tx, byID, year, township) },
		func() error { return loadClasses(ctx, tx, byID, people, year) },
		func() error { return loadTours(ctx, tx, byID, people, year) },
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	for _, r := range recs {
		Attach(r, entries[r.Person.UserID])
		r.Sort()
	}
	return recs, nil
}

// ledger reads the year's entries that count, per person: the rows hours.Store.Mine sums
// (hour_credits of the year, not revoked; migrations/00059_hour_ledger.sql).
func ledger(ctx context.Context, tx *sqlx.Tx, people any, year int) (map[int64][]Entry, error) {
	out := map[int64][]Entry{}
	err := figures.EachRow(ctx, tx, func(rows *sql.Rows) error {
		var e Entry
		var src sql.NullInt64
		if err := rows.Scan(&e.ID, &e.UserID, &e.Source, &src, &e.Online, &e.Hours, &e.CreditedAt, &e.CreditedBy, &e.Note); err != nil {
			return err
		}
		e.SourceID = src.Int64
		out[e.UserID] = append(out[e.UserID], e)
		return nil
	}, `
		SELECT hc.id, hc.user_id, hc.source, hc.source_id, hc.online, hc.hours::float8, hc.credited_at,
		       COALESCE(cb.name, ''), hc.note
		FROM hour_credits hc
		LEFT JOIN users cb ON cb.id = hc.credited_by AND hc.source = $3
		WHERE hc.user_id = ANY($1) AND hc.year = $2 AND hc.revoked_at IS NULL
		ORDER BY hc.user_id, hc.credited_at, hc.id`, people, year, string(hours.SourceManual))
	return out, err
}

// loadCourses: the 必修 courses of the year that apply to each person, done or not
// (figures.Requirements, as the completion workbook's course columns), and every other
// course completed in the year (China time, the year its ledger entry takes: courses'
// completeCourseIfDone) or credited in it.
func loadCourses(ctx context.Context, tx *sqlx.Tx, byID map[int64]*Record, people any, year int, township sql.NullInt64) error {
	type key struct{ user, course int64 }
	items := map[key]*Course{}
	var order []key
	add := func(k key) *Course {
		if c, ok := items[k]; ok {
			return c
		}
		items[k] = &Course{CourseID: k.course}
		order = append(order, k)
		return items[k]
	}
	err := figures.Requirements(ctx, tx, year, township, func(uid, cid int64, done sql.NullTime) {
		if byID[uid] == nil {
			return
		}
		c := add(key{uid, cid})
		c.Required = true
		if done.Valid {
			at := done.Time
			c.Completed, c.CompletedAt = true, &at
		}
	})
	if err != nil {
		return err
	}
	from, to := figures.YearBounds(year)
	err = figures.EachRow(ctx, tx, func(rows *sql.Rows) error {
		var k key
		var at time.Time
		if err := rows.Scan(&k.user, &k.course, &at); err != nil {
			return err
		}
		c := add(k)
		c.Completed, c.CompletedAt = true, &at
		return nil
	}, `
		SELECT cp.user_id, cp.course_id, cp.completed_at
		FROM course_progress cp
		WHERE cp.user_id = ANY($1) AND cp.completed_at IS NOT NULL
		  AND ((cp.completed_at >= $2 AND cp.completed_at < $3)
		       OR EXISTS (SELECT 1 FROM hour_credits hc WHERE hc.source = 'course' AND hc.source_id = cp.course_id
		                  AND hc.user_id = cp.user_id AND hc.year = $4 AND hc.revoked_at IS NULL))`, people, from, to, year)
	if err != nil {
		return err
	}
	if len(order) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(order))
	seen := map[int64]bool{}
	for _, k := range order {
		if !seen[k.course] {
			seen[k.course] = true
			ids = append(ids, k.course)
		}
	}
	titles := map[int64]string{}
	err = figures.EachRow(ctx, tx, func(rows *sql.Rows) error {
		var id int64
		var t string
		if err := rows.Scan(&id, &t); err != nil {
			return err
		}
		titles[id] = t
		return nil
	}, `SELECT id, title FROM courses WHERE id = ANY($1)`, pq.Array(ids))
	if err != nil {
		return err
	}
	for _, k := range order {
		c := items[k]
		c.Title = titles[k.course]
		r := byID[k.user]
		r.Courses = append(r.Courses, *c)
	}
	return nil
}

// loadExams: each person's Sitting in every published exam opening in the year they are a
// candidate of (figures.Sittings; the exams as app/reports lists them).
func loadExams(ctx context.Context, tx *sqlx.Tx, byID map[int64]*Record, year int, township sql.NullInt64) error {
	from, to := figures.YearBounds(year)
	var all []struct {
		ID        int64     `db:"id"`
		Title     string    `db:"title"`
		OpensAt   time.Time `db:"opens_at"`
		PassScore float64   `db:"pass_score"`
	}
	if err := tx.SelectContext(ctx, &all, `
		SELECT id, title, opens_at, pass_score::float8 AS pass_score
		FROM exams WHERE published_at IS NOT NULL AND opens_at >= $1 AND opens_at < $2`, from, to); err != nil {
		return err
	}
	idx := make(map[int64]int, len(all))
	for i, e := range all {
		idx[e.ID] = i
	}
	return figures.Sittings(ctx, tx, year, township, func(uid, eid int64, s figures.Sitting) {
		r := byID[uid]
		i, ok := idx[eid]
		if r == nil || !ok {
			return
		}
		e := Exam{ExamID: eid, Title: all[i].Title, OpensAt: all[i].OpensAt, PassScore: all[i].PassScore,
			FullMarks: s.Full, Attempts: s.Finished, Passed: s.Passed}
		if s.Taken() {
			best := s.Best
			e.Best = &best
		}
		if rate, ok := ScoreRate(s); ok {
			e.ScoreRate = &rate
		}
		r.Exams = append(r.Exams, e)
	})
}

// loadClasses: the classes each person takes part in that belong to the year — closed
// (结班) in it (China time, the year 结班 credits the ledger in: app/classes Close), or
// still open with a session in it, or credited in it — with the sessions attended.
func loadClasses(ctx context.Context, tx *sqlx.Tx, byID map[int64]*Record, people any, year int) error {
	from, to := figures.YearBounds(year)
	return figures.EachRow(ctx, tx, func(rows *sql.Rows) error {
		var uid int64
		var c Class
		var closed sql.NullTime
		var completed sql.NullBool
		if err := rows.Scan(&uid, &c.ClassID, &c.Title, &closed, &completed, &c.Sessions, &c.Attended, &c.ClassHours, &c.AttendedHours); err != nil {
			return err
		}
		if closed.Valid {
			at := closed.Time
			c.ClosedAt = &at
			if completed.Valid {
				done := completed.Bool
				c.Completed = &done
			}
		}
		if r := byID[uid]; r != nil {
			r.Classes = append(r.Classes, c)
		}
		return nil
	}, `
		SELECT p.user_id, c.id, c.title, c.closed_at, p.completed,
		       count(s.id), count(s.id) FILTER (WHERE `+roll.AttendedSQL+`),
		       COALESCE(sum(s.hours), 0)::float8, COALESCE(sum(s.hours) FILTER (WHERE `+roll.AttendedSQL+`), 0)::float8
		FROM class_participants p
		JOIN classes c ON c.id = p.class_id
		LEFT JOIN class_sessions s ON s.class_id = c.id
		LEFT JOIN class_attendance a ON a.session_id = s.id AND a.user_id = p.user_id
		WHERE p.user_id = ANY($1)
		GROUP BY p.user_id, c.id, p.completed
		HAVING (c.closed_at >= $2 AND c.closed_at < $3)
		    OR (c.closed_at IS NULL AND ((min(s.starts_at) >= $2 AND min(s.starts_at) < $3)
		                                 OR (count(s.id) = 0 AND c.created_at >= $2 AND c.created_at < $3)))
		    OR EXISTS (SELECT 1 FROM hour_credits hc WHERE hc.source = 'class' AND hc.source_id = c.id
		               AND hc.user_id = p.user_id AND hc.year = $4 AND hc.revoked_at IS NULL)
		ORDER BY p.user_id, min(s.starts_at) NULLS LAST, c.id`, people, from, to, year)
}

// loadTours: the tours the county confirmed each person for that start in the year (as
// figures.Tours counts 参加考察), or whose 学时 the ledger credits in it, with the state of
// the person's tour report (tour_reports).
func loadTours(ctx context.Context, tx *sqlx.Tx, byID map[int64]*Record, people any, year int) error {
	return figures.EachRow(ctx, tx, func(rows *sql.Rows) error {
		var uid int64
		var t Tour
		var asked bool
		var status string
		if err := rows.Scan(&uid, &t.TourID, &t.Title, &t.StartsOn, &t.EndsOn, &asked, &status); err != nil {
			return err
		}
		t.Report = ReportState(status, asked)
		t.ReportLabel = ReportLabel(t.Report)
		if r := byID[uid]; r != nil {
			r.Tours = append(r.Tours, t)
		}
		return nil
	}, `
		SELECT ts.user_id, t.id, t.title, t.starts_on, t.ends_on, t.report_due IS NOT NULL, COALESCE(tr.status, '')
		FROM tour_signups ts
		JOIN tours t ON t.id = ts.tour_id
		LEFT JOIN tour_reports tr ON tr.tour_id = ts.tour_id AND tr.user_id = ts.user_id
		WHERE ts.user_id = ANY($1) AND ts.status = 'confirmed'
		  AND ((t.starts_on >= make_date($2, 1, 1) AND t.starts_on < make_date($2 + 1, 1, 1))
		       OR EXISTS (SELECT 1 FROM hour_credits hc WHERE hc.source = 'tour' AND hc.source_id = t.id
		                  AND hc.user_id = ts.user_id AND hc.year = $2 AND hc.revoked_at IS NULL))
		ORDER BY ts.user_id, t.starts_on, t.id`, people, year)
}
