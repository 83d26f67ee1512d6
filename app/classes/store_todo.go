package classes

import (
	"context"
	"database/sql"
	"time"

	"zhibu/app/seats"
	"zhibu/app/web"
)

// ToDo is what waits for a staff member in the classes that are still open: leave
// requests of the people they manage and sign-ups awaiting their approval (the home card).
type ToDo struct {
	Leaves   int        `db:"leaves"`
	LeaveDue *time.Time `db:"leave_due"` // the earliest session a pending leave is for
	Signups  int        `db:"signups"`
	// SignupDue is the earliest first session of a class with sign-ups waiting: the
	// people should know before it begins.
	SignupDue *time.Time `db:"signup_due"`
	Classes   int        `db:"classes"` // how many classes these are in
	Class     int64      `db:"class"`   // one of them (the card links to it when it is the only one)
}

// StaffToDo counts an organizer's (own township's people) or an admin's (everyone's)
// pending leave requests and the sign-ups awaiting their decision (seats.ToDo) in classes
// not closed yet. One round trip. Locks: none.
func (s *Store) StaffToDo(ctx context.Context, me *web.Identity) (ToDo, error) {
	var td ToDo
	scope := sql.NullInt64{Int64: me.TownshipID, Valid: me.Role != web.RoleAdmin}
	err := s.db.GetContext(ctx, &td, `
		WITH l AS (
			SELECT s.class_id, s.starts_at FROM class_leaves l
			JOIN class_sessions s ON s.id = l.session_id
			JOIN classes c ON c.id = s.class_id AND c.closed_at IS NULL
			JOIN class_participants p ON p.class_id = s.class_id AND p.user_id = l.user_id
			WHERE l.status = 'pending' AND ($1::bigint IS NULL OR p.township_id = $1)),
		g AS (
			SELECT g.class_id FROM class_signups g JOIN classes c ON c.id = g.class_id AND c.closed_at IS NULL
			WHERE g.status = $2 AND ($1::bigint IS NULL OR g.township_id = $1)),
		todo AS (SELECT class_id FROM l UNION SELECT class_id FROM g)
		SELECT (SELECT count(*) FROM l) AS leaves, (SELECT min(starts_at) FROM l) AS leave_due,
			(SELECT count(*) FROM g) AS signups,
			(SELECT min(s.starts_at) FROM class_sessions s WHERE s.class_id IN (SELECT class_id FROM g)) AS signup_due,
			(SELECT count(*) FROM todo) AS classes,
			COALESCE((SELECT min(class_id) FROM todo), 0) AS class`,
		scope, seats.ToDo(me.Role))
	return td, err
}

// RollToDo is today's first session with people still to be marked in the viewer's
// scope (the home card 今日点名).
type RollToDo struct {
	SessionID int64     `db:"session_id"`
	ClassID   int64     `db:"class_id"`
	Class     string    `db:"title"`
	Topic     string    `db:"topic"`
	StartsAt  time.Time `db:"starts_at"`
	Unmarked  int       `db:"unmarked"`
	Sessions  int       `db:"sessions"` // today's sessions with anyone unmarked, this one included
}

// TodayRoll finds today's (China) sessions of open classes that still have participants
// without a mark — an organizer's own township's, an admin's everyone's — and returns
// the first (nil when none). One round trip. Locks: none.
func (s *Store) TodayRoll(ctx context.Context, me *web.Identity) (*RollToDo, error) {
	y, m, d := s.now().In(web.China).Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, web.China)
	scope := sql.NullInt64{Int64: me.TownshipID, Valid: me.Role != web.RoleAdmin}
	var rows []RollToDo
	err := s.db.SelectContext(ctx, &rows, `
		SELECT s.id AS session_id, s.class_id, c.title, s.topic, s.starts_at,
			count(*) FILTER (WHERE a.user_id IS NULL) AS unmarked, count(*) OVER () AS sessions
		FROM class_sessions s JOIN classes c ON c.id = s.class_id AND c.closed_at IS NULL
		JOIN class_participants p ON p.class_id = s.class_id AND ($1::bigint IS NULL OR p.township_id = $1)
		LEFT JOIN class_attendance a ON a.session_id = s.id AND a.user_id = p.user_id
		WHERE s.starts_at >= $2 AND s.starts_at < $3
		GROUP BY s.id, c.title
		HAVING count(*) FILTER (WHERE a.user_id IS NULL) > 0
		ORDER BY s.starts_at, s.id LIMIT 1`, scope, from, from.AddDate(0, 0, 1))
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return &rows[0], nil
}
