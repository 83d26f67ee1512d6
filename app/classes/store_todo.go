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
