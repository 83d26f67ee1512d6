package figures

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

// The set-based queries that feed the rules. Each takes a township scope (NULL = the
// county) and hands every row to a callback, so that the report (app/reports/store.go),
// which keeps the rows for its sheets, and LoadYear, which only counts them, read the
// same rows. None of them takes a lock; run them in one snapshot to make them agree.

// Snapshot runs read in one read-only REPEATABLE READ snapshot, so the figures of one
// page or file agree with each other, without a lock (app/reports, app/record). The
// views' plans are estimated costly enough to be JIT-compiled, which takes longer than
// running them: JIT is off inside.
func Snapshot(ctx context.Context, db *sqlx.DB, read func(tx *sqlx.Tx) error) error {
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL jit = off`); err != nil {
		return err
	}
	return read(tx)
}

// Secretaries is the FROM and WHERE of 应参训人数: active secretaries (u) with their
// branch (b) and township (t), of the township $1 (NULL = all).
const Secretaries = `users u
		JOIN branches b ON b.id = u.branch_id
		JOIN townships t ON t.id = u.township_id
		WHERE u.role = 'secretary' AND u.active AND ($1::bigint IS NULL OR u.township_id = $1)`

// YearBounds is the calendar year in China time.
func YearBounds(year int) (time.Time, time.Time) {
	return time.Date(year, 1, 1, 0, 0, 0, 0, web.China), time.Date(year+1, 1, 1, 0, 0, 0, 0, web.China)
}

// TargetHours is the year's 学时 target (course_years), DefaultTargetHours when unset.
func TargetHours(ctx context.Context, q sqlx.QueryerContext, year int) (float64, error) {
	var h float64
	err := sqlx.GetContext(ctx, q, &h, `SELECT target_hours::float8 FROM course_years WHERE year = $1`, year)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultTargetHours, nil
	}
	return h, err
}

// EachRow runs a query and hands every row to scan.
func EachRow(ctx context.Context, q sqlx.QueryerContext, scan func(*sql.Rows) error, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
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

// Requirements hands over every (secretary, course) pair course_requirements lists for
// the year, with when the secretary completed the course (NULL: not yet). Inactive
// secretaries are listed too: callers count only the people of Secretaries.
func Requirements(ctx context.Context, q sqlx.QueryerContext, year int, township sql.NullInt64,
	fn func(userID, courseID int64, done sql.NullTime)) error {
	return EachRow(ctx, q, func(rows *sql.Rows) error {
		var uid, cid int64
		var at sql.NullTime
		if err := rows.Scan(&uid, &cid, &at); err != nil {
			return err
		}
		fn(uid, cid, at)
		return nil
	}, `
		SELECT r.user_id, r.course_id, cp.completed_at
		FROM course_requirements r
		LEFT JOIN course_progress cp ON cp.user_id = r.user_id AND cp.course_id = r.course_id
		WHERE r.year = $1 AND ($2::bigint IS NULL OR r.township_id = $2)`, year, township)
}

// Hours hands over each secretary's 学时 of the year from the ledger (hour_credits,
// migrations/00059_hour_ledger.sql): the entries not revoked, split into 线上 and 线下 by
// the ledger's own column.
func Hours(ctx context.Context, q sqlx.QueryerContext, year int, township sql.NullInt64, fn func(userID int64, online, offline float64)) error {
	return EachRow(ctx, q, func(rows *sql.Rows) error {
		var uid int64
		var on, off float64
		if err := rows.Scan(&uid, &on, &off); err != nil {
			return err
		}
		fn(uid, on, off)
		return nil
	}, `
		SELECT hc.user_id, COALESCE(sum(hc.hours) FILTER (WHERE hc.online), 0)::float8,
		       COALESCE(sum(hc.hours) FILTER (WHERE NOT hc.online), 0)::float8
		FROM hour_credits hc
		JOIN users u ON u.id = hc.user_id
		WHERE hc.year = $1 AND hc.revoked_at IS NULL
		  AND u.role = 'secretary' AND ($2::bigint IS NULL OR u.township_id = $2)
		GROUP BY hc.user_id`, year, township)
}

// FinishedAttempts aggregates a candidate's attempts a (LEFT JOINed) into a Sitting's
// columns: the finished ones, the best finished score (0 when none) and whether one passed.
const FinishedAttempts = `count(a.id) FILTER (WHERE a.status = 'finished'),
		       COALESCE(max(a.score) FILTER (WHERE a.status = 'finished'), 0)::float8,
		       COALESCE(bool_or(a.passed) FILTER (WHERE a.status = 'finished'), false)`

// Sittings hands over, per exam opening in the year and candidate (exam_candidates), the
// candidate's Sitting.
func Sittings(ctx context.Context, q sqlx.QueryerContext, year int, township sql.NullInt64,
	fn func(userID, examID int64, s Sitting)) error {
	from, to := YearBounds(year)
	return EachRow(ctx, q, func(rows *sql.Rows) error {
		var uid, eid int64
		var s Sitting
		if err := rows.Scan(&uid, &eid, &s.Full, &s.Finished, &s.Best, &s.Passed); err != nil {
			return err
		}
		fn(uid, eid, s)
		return nil
	}, `
		SELECT ec.user_id, ec.exam_id, e.total_points::float8, `+FinishedAttempts+`
		FROM exams e
		JOIN exam_candidates ec ON ec.exam_id = e.id
		LEFT JOIN attempts a ON a.exam_id = ec.exam_id AND a.user_id = ec.user_id
		WHERE e.opens_at >= $1 AND e.opens_at < $2 AND ($3::bigint IS NULL OR ec.township_id = $3)
		GROUP BY ec.user_id, ec.exam_id, e.total_points`, from, to, township)
}

// Tours hands over the tours each secretary attended in the year: sign-ups the county
// confirmed, for tours starting in it, in the tours' order.
func Tours(ctx context.Context, q sqlx.QueryerContext, year int, township sql.NullInt64, fn func(userID int64, title string)) error {
	return EachRow(ctx, q, func(rows *sql.Rows) error {
		var uid int64
		var title string
		if err := rows.Scan(&uid, &title); err != nil {
			return err
		}
		fn(uid, title)
		return nil
	}, `
		SELECT ts.user_id, t.title
		FROM tour_signups ts
		JOIN tours t ON t.id = ts.tour_id
		JOIN users u ON u.id = ts.user_id
		WHERE ts.status = 'confirmed' AND t.starts_on >= make_date($1, 1, 1) AND t.starts_on < make_date($1 + 1, 1, 1)
		  AND u.role = 'secretary' AND ($2::bigint IS NULL OR u.township_id = $2)
		ORDER BY t.starts_on, t.id`, year, township)
}

// LoadYear computes the Year figures of a year for a township scope (NULL = the county)
// from the same queries as the completion report. Locks: none (one read-only snapshot).
func LoadYear(ctx context.Context, db *sqlx.DB, year int, township sql.NullInt64) (Year, error) {
	var y Year
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return y, err
	}
	defer tx.Rollback()
	target, err := TargetHours(ctx, tx, year)
	if err != nil {
		return y, err
	}
	people := map[int64]*Person{}
	err = EachRow(ctx, tx, func(rows *sql.Rows) error {
		var uid int64
		if err := rows.Scan(&uid); err != nil {
			return err
		}
		people[uid] = &Person{}
		return nil
	}, `SELECT u.id FROM `+Secretaries, township)
	if err != nil {
		return y, err
	}
	for _, load := range []func() error{
		func() error {
			return Requirements(ctx, tx, year, township, func(uid, _ int64, done sql.NullTime) {
				if p := people[uid]; p != nil {
					p.Require(done.Valid)
				}
			})
		},
		func() error {
			return Hours(ctx, tx, year, township, func(uid int64, on, off float64) {
				if p := people[uid]; p != nil {
					p.Online, p.Offline, p.Hours = on, off, on+off
				}
			})
		},
		func() error {
			return Sittings(ctx, tx, year, township, func(uid, _ int64, s Sitting) {
				if p := people[uid]; p != nil {
					p.Sit(s)
				}
			})
		},
		func() error {
			return Tours(ctx, tx, year, township, func(uid int64, _ string) {
				if p := people[uid]; p != nil {
					p.Toured = true
				}
			})
		},
	} {
		if err := load(); err != nil {
			return y, err
		}
	}
	for _, p := range people {
		y.Add(p, target)
	}
	y.Finish()
	return y, nil
}
