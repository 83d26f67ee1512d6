package courses

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"

	"zhibu/app/hours"
	"zhibu/app/web"
)

// The SQL of the demo seed (demo.go parses the files).

func (s *Store) seedCourses(ctx context.Context, list []DemoCourse, now time.Time) error {
	year := YearOf(now)
	due := now.In(web.China).AddDate(0, 2, 0).Format("2006-01-02")
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// The demo year's target is one the demo content reaches (DemoTargetHours), its
	// conversion the default one; a row still holding the untouched placeholder (a demo
	// database seeded before) gets the demo target too, a row an admin changed is kept.
	def := DefaultYearRule(year)
	if _, err := tx.ExecContext(ctx, `INSERT INTO course_years (year, target_hours, minutes_per_hour) VALUES ($1,$2,$3)
		ON CONFLICT (year) DO UPDATE SET target_hours = EXCLUDED.target_hours, updated_at = now()
			WHERE course_years.target_hours = $4 AND course_years.minutes_per_hour = $3`,
		year, DemoTargetHours, def.MinutesPerHour, def.TargetHours); err != nil {
		return err
	}
	for _, d := range list {
		c := d.Course
		var id int64
		err := tx.GetContext(ctx, &id, `INSERT INTO courses (title, category, topic, summary, credit_hours, credit_reason, published)
			VALUES ($1,$2,$3,$4,$5,$6,true)
			ON CONFLICT (title) DO UPDATE SET category = EXCLUDED.category, topic = EXCLUDED.topic, summary = EXCLUDED.summary,
				credit_hours = EXCLUDED.credit_hours, credit_reason = EXCLUDED.credit_reason, published = true, updated_at = now()
			RETURNING id`, c.Title, c.Category, c.Topic, c.Summary, c.CreditHours, c.CreditReason)
		if err != nil {
			return fmt.Errorf("seed course %s: %w", c.Title, err)
		}
		for i, l := range d.Lessons {
			if _, err := tx.ExecContext(ctx, `
				WITH upd AS (UPDATE lessons SET title = $3, body_md = $4, min_seconds = $5, updated_at = now()
					WHERE course_id = $1 AND position = $2 RETURNING id)
				INSERT INTO lessons (course_id, position, title, body_md, min_seconds)
				SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM upd)`, id, i+1, l.Title, l.Body, l.MinSeconds); err != nil {
				return fmt.Errorf("seed lesson %s/%d: %w", c.Title, i+1, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM lessons WHERE course_id = $1 AND position > $2`, id, len(d.Lessons)); err != nil {
			return err
		}
		if d.Required {
			if _, err := tx.ExecContext(ctx, `INSERT INTO course_assignments (course_id, year, scope, due_date)
				SELECT $1, $2, 'all', $3 WHERE NOT EXISTS (SELECT 1 FROM course_assignments WHERE course_id = $1 AND year = $2)`,
				id, year, due); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// seedProgress gives the demo secretaries some history, so that home cards, oversight
// pages and reports have something to show: for each demo course, about a quarter of the
// secretaries finished it three days ago and another quarter finished its first lesson.
// The main demo account `secretary` finished the last required course and started the
// first one. Existing progress is never touched.
func (s *Store) seedProgress(ctx context.Context, list []DemoCourse, now time.Time) error {
	titles := make([]string, len(list))
	for i, d := range list {
		titles[i] = d.Course.Title
	}
	var courses []struct {
		ID       int64   `db:"id"`
		Declared float64 `db:"credit_hours"`
		MinSec   int     `db:"total_min_seconds"`
		Required bool    `db:"required"`
	}
	if err := s.db.SelectContext(ctx, &courses, `SELECT c.id, c.credit_hours,
		(SELECT coalesce(sum(min_seconds), 0) FROM lessons WHERE course_id = c.id) AS total_min_seconds,
		EXISTS (SELECT 1 FROM course_assignments a WHERE a.course_id = c.id AND a.year = $2) AS required
		FROM courses c WHERE c.title = ANY($1) ORDER BY c.id`, pq.Array(titles), YearOf(now)); err != nil {
		return err
	}
	if len(courses) == 0 {
		return nil
	}
	rule, err := yearRule(ctx, s.db, YearOf(now))
	if err != nil {
		return err
	}
	ids, credit := make([]int64, len(courses)), make([]float64, len(courses))
	firstReq, lastReq := int64(0), int64(0)
	for i, c := range courses {
		ids[i], credit[i] = c.ID, CreditHours(c.Declared, c.MinSec, rule)
		if c.Required {
			if firstReq == 0 {
				firstReq = c.ID
			}
			lastReq = c.ID
		}
	}
	done := now.Add(-72 * time.Hour)
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// r = 0: finished the course; r = 1: finished the first lesson only.
	const picks = `
		WITH cs AS (SELECT id, h, k FROM unnest($1::bigint[], $2::float8[]) WITH ORDINALITY AS t(id, h, k)),
		p AS (
			SELECT u.id AS user_id, cs.id AS course_id, cs.h,
				CASE WHEN u.username = 'secretary' THEN (CASE WHEN cs.id = $4 THEN 0 WHEN cs.id = $3 THEN 1 ELSE 2 END)
				     ELSE abs(hashtext(u.id || ':' || cs.k)) % 4 END AS r
			FROM users u, cs
			WHERE u.role = 'secretary' AND u.active AND u.username ~ '^secretary[0-9]*$'
				AND NOT EXISTS (SELECT 1 FROM course_progress cp WHERE cp.user_id = u.id AND cp.course_id = cs.id))`
	if _, err := tx.ExecContext(ctx, picks+`
		INSERT INTO lesson_progress (user_id, lesson_id, seconds, reached_end, completed_at, updated_at)
		SELECT p.user_id, l.id, l.min_seconds, true, $5, $5
		FROM p JOIN lessons l ON l.course_id = p.course_id
		WHERE p.r = 0 OR (p.r = 1 AND l.position = 1)
		ON CONFLICT DO NOTHING`, pq.Array(ids), pq.Array(credit), firstReq, lastReq, done); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, picks+`
		INSERT INTO course_progress (user_id, course_id, last_lesson_id, started_at, updated_at, completed_at, hours_earned)
		SELECT p.user_id, p.course_id,
			(SELECT l.id FROM lessons l WHERE l.course_id = p.course_id
				ORDER BY CASE WHEN p.r = 0 THEN -l.position ELSE abs(l.position - 2) END LIMIT 1),
			$5::timestamptz - interval '2 days', $5, CASE WHEN p.r = 0 THEN $5::timestamptz END, CASE WHEN p.r = 0 THEN p.h ELSE 0 END
		FROM p WHERE p.r IN (0, 1)
		ON CONFLICT DO NOTHING`, pq.Array(ids), pq.Array(credit), firstReq, lastReq, done); err != nil {
		return err
	}
	// The completions written in bulk here get their 学时 ledger entries at once, as a
	// completion through completeCourseIfDone does (idempotent).
	if _, err := hours.BackfillCourses(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}
