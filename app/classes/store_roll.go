package classes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/roll"
	"zhibu/app/web"
)

// rollTables are the classes' roll-call tables: marks, the one tap, the listing and the
// roll per township are app/roll, the one roll call classes and tours share; the
// check-in QR code and leave requests are the classes' own.
var rollTables = roll.Tables{Owner: "class_id", Sessions: "class_sessions", People: "class_participants",
	Attendance: "class_attendance", Session: "session_id", Via: true, Leaves: "class_leaves",
	Extra: "p.completed, p.result_note, p.hours_attended::float8 AS hours_attended"}

// Participant is one person of a class, with the caller's session's mark when asked.
type Participant struct {
	UserID     int64    `db:"user_id" json:"user_id"`
	Name       string   `db:"name" json:"name"`
	Phone      string   `db:"phone" json:"phone"`
	TownshipID int64    `db:"township_id" json:"-"`
	Township   string   `db:"township" json:"township"`
	Branch     string   `db:"branch" json:"branch"`
	Status     string   `db:"status" json:"status"` // the session's mark, "" when none
	Via        string   `db:"via" json:"via"`
	Leave      string   `db:"leave" json:"leave"` // the session's leave request status, "" when none
	LeaveID    int64    `db:"leave_id" json:"leave_id,omitempty"`
	Reason     string   `db:"reason" json:"leave_reason,omitempty"`
	Completed  *bool    `db:"completed" json:"completed"`
	Result     string   `db:"result_note" json:"result_note"`
	Hours      *float64 `db:"hours_attended" json:"hours_attended"`
}

// StatusLabel is the mark in Chinese.
func (p Participant) StatusLabel() string { return StatusLabel(p.Status) }

// Person is the participant as the shared roll-call list shows them.
func (p Participant) Person() roll.Person {
	return roll.Person{UserID: p.UserID, Name: p.Name, Phone: p.Phone, TownshipID: p.TownshipID, Township: p.Township,
		Branch: p.Branch, Status: p.Status, Via: p.Via, Leave: p.Leave, LeaveID: p.LeaveID, Reason: p.Reason}
}

// Decided tells whether 结班 decided the participant's 结业; Done whether it was given.
func (p Participant) Decided() bool { return p.Completed != nil }

// Done tells whether the participant completed the class (结业).
func (p Participant) Done() bool { return p.Completed != nil && *p.Completed }

// RollFilter narrows a class's participants.
type RollFilter struct {
	SessionID int64 // 0: no session marks
	Query     string
	Status    string // "unmarked" or an attendance status; "" = all
	Limit     int
	Offset    int
}

func (f RollFilter) roll() roll.Filter {
	return roll.Filter{Query: f.Query, Status: f.Status, Limit: f.Limit, Offset: f.Offset}
}

// Participants is one page of the class's participants the caller manages, with the
// session's marks, and how many match (roll.List, roll.Tables.Count). Locks: none.
func (s *Store) Participants(ctx context.Context, me *web.Identity, classID int64, f RollFilter) ([]Participant, int, error) {
	out, tally, err := s.participants(ctx, me, classID, f)
	return out, tally.Of(f.Status), err
}

// participants is Participants with the tally of every mark.
func (s *Store) participants(ctx context.Context, me *web.Identity, classID int64, f RollFilter) ([]Participant, roll.Tally, error) {
	c, err := s.Class(ctx, me, classID)
	if err != nil {
		return nil, roll.Tally{}, err
	}
	if !staffOf(me, c) {
		return nil, roll.Tally{}, ErrNotManager
	}
	scope := rollScope(me, c)
	tally, err := rollTables.Count(ctx, s.db, classID, f.SessionID, scope, f.roll())
	if err != nil {
		return nil, tally, err
	}
	out, err := roll.List[Participant](ctx, s.db, rollTables, classID, f.SessionID, scope, f.roll())
	return out, tally, err
}

// TownshipRoll is one township's line of a session's roll call at a glance.
type TownshipRoll = roll.TownshipRoll

// RollByTownship is the session's roll call per township of the people the caller
// manages (the county's view of a county class). Locks: none.
func (s *Store) RollByTownship(ctx context.Context, me *web.Identity, c Class, sessionID int64) ([]TownshipRoll, error) {
	return rollTables.ByTownship(ctx, s.db, c.ID, sessionID, rollScope(me, c))
}

// AddParticipants adds the active secretaries the input picks, within the caller's
// scope (an organizer adds the own township's people only); people already in the class
// stay as they are. Returns how many were added. Locks: the class row (share).
func (s *Store) AddParticipants(ctx context.Context, me *web.Identity, classID int64, in ParticipantsInput) (int, error) {
	if errs := in.Validate(); errs != nil {
		return 0, web.Invalidf("请检查标红的项目", errs)
	}
	var added int
	err := s.withClass(ctx, me, classID, false, func(tx *sqlx.Tx, c Class) error {
		if !staffOf(me, c) {
			return ErrNotManager
		}
		if c.Closed() {
			return ErrClosed
		}
		scope := addScope(me, c)
		if in.TownshipID > 0 && scope.Valid && in.TownshipID != scope.Int64 {
			return ErrOtherTownship
		}
		ids := []int64{}
		if len(in.People) > 0 {
			found, err := listed(ctx, tx, in.People)
			if err != nil {
				return err
			}
			for _, p := range found {
				ids = append(ids, p.UserID)
			}
		}
		var picked []int64
		err := tx.SelectContext(ctx, &picked, `
			SELECT u.id FROM users u LEFT JOIN branches b ON b.id = u.branch_id
			WHERE u.role = 'secretary' AND u.active AND ($1::bigint IS NULL OR u.township_id = $1)
			  AND (($2::bigint > 0 AND u.township_id = $2 AND ($3 = '' OR b.kind = $3)) OR u.id = ANY($4))
			ORDER BY u.id`, scope, in.TownshipID, in.BranchKind, pq.Array(ids))
		if err != nil {
			return err
		}
		if len(picked) == 0 {
			return ErrNobodyMatched
		}
		added, err = s.addPeople(ctx, tx, me, c, picked, true)
		return err
	})
	return added, err
}

// addScope is the township whose secretaries the caller may add to the class (NULL:
// any): a township's class is for its own people; in a county class an organizer adds
// the own township's.
func addScope(me *web.Identity, c Class) sql.NullInt64 {
	if c.TownshipID != nil {
		return sql.NullInt64{Int64: *c.TownshipID, Valid: true}
	}
	return rollScope(me, c)
}

// Listed is an active secretary a list entry names.
type Listed struct {
	Entry      string `db:"entry"`
	UserID     int64  `db:"user_id"`
	Name       string `db:"name"`
	Phone      string `db:"phone"`
	TownshipID int64  `db:"township_id"`
	Township   string `db:"township"`
}

// listed is the one definition of who a listed person is, for the pasted list
// (AddParticipants) and the xlsx import (store_import.go): every active secretary whose
// phone number or name is the entry, exactly. An entry may name nobody or, by a name,
// several people; the caller decides what that means. Ordered by entry, then user id.
func listed(ctx context.Context, q sqlx.QueryerContext, entries []string) ([]Listed, error) {
	out := []Listed{}
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT e.entry, u.id AS user_id, u.name, COALESCE(u.phone, '') AS phone,
		       COALESCE(u.township_id, 0) AS township_id, COALESCE(t.name, '') AS township
		FROM (SELECT DISTINCT entry FROM unnest($1::text[]) AS x(entry)) e
		JOIN users u ON u.role = 'secretary' AND u.active AND (u.phone = e.entry OR u.name = e.entry)
		LEFT JOIN townships t ON t.id = u.township_id
		ORDER BY e.entry, u.id`, pq.Array(entries))
	return out, err
}

// addPeople adds the secretaries to the class in the transaction that holds the class
// row; people already in the class stay as they are. It is the one insert of every way
// of adding people. Those it added are told in their inbox (one post) unless tell is
// false (a confirmed nomination says so itself). Returns how many were added.
func (s *Store) addPeople(ctx context.Context, tx *sqlx.Tx, me *web.Identity, c Class, userIDs []int64, tell bool) (int, error) {
	var added []int64
	err := tx.SelectContext(ctx, &added, `
		INSERT INTO class_participants (class_id, user_id, township_id, added_by)
		SELECT $1, u.id, u.township_id, $3 FROM users u WHERE u.id = ANY($2) ORDER BY u.id
		ON CONFLICT (class_id, user_id) DO NOTHING
		RETURNING user_id`, c.ID, pq.Array(userIDs), me.UserID)
	if err != nil || !tell {
		return len(added), err
	}
	msgs := make([]web.Message, len(added))
	for i, u := range added {
		msgs[i] = classMessage(u, c, "", "已将您列为学员", "请查看课程安排，按时参加；不能参加的，请在开课前请假。")
	}
	return len(added), s.tell(ctx, tx, msgs...)
}

// RemoveParticipant takes a person out of an open class with their marks and leave
// requests. Locks: the class row (share), the participant row.
func (s *Store) RemoveParticipant(ctx context.Context, me *web.Identity, classID, userID int64) error {
	return s.withClass(ctx, me, classID, false, func(tx *sqlx.Tx, c Class) error {
		if !staffOf(me, c) {
			return ErrNotManager
		}
		if c.Closed() {
			return ErrClosed
		}
		if err := s.lockParticipant(ctx, tx, me, c, userID); err != nil {
			return err
		}
		var seated bool
		if err := tx.GetContext(ctx, &seated, `SELECT EXISTS (SELECT 1 FROM class_signups
			WHERE class_id = $1 AND user_id = $2 AND status = 'confirmed')`, classID, userID); err != nil {
			return err
		}
		if seated {
			return ErrSeated
		}
		return dropPerson(ctx, tx, classID, userID)
	})
}

// dropPerson takes a participant out of the class with their marks and leave requests,
// in the transaction that holds the participant's row: the one removal of a person
// (RemoveParticipant, and a confirmed nomination rejected, store_seats.go).
func dropPerson(ctx context.Context, tx *sqlx.Tx, classID, userID int64) error {
	if _, err := tx.ExecContext(ctx, `
		DELETE FROM class_attendance WHERE user_id = $2 AND session_id IN (SELECT id FROM class_sessions WHERE class_id = $1)`,
		classID, userID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM class_leaves WHERE user_id = $2 AND session_id IN (SELECT id FROM class_sessions WHERE class_id = $1)`, classID, userID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM class_participants WHERE class_id = $1 AND user_id = $2`, classID, userID)
	return err
}

// openRoll checks that the caller takes the session's roll call and that it is open
// now; it locks the session row.
func (s *Store) openRoll(ctx context.Context, tx *sqlx.Tx, me *web.Identity, c Class, sessionID int64) (sessionRow, error) {
	if !staffOf(me, c) {
		return sessionRow{}, ErrNotManager
	}
	ss, err := s.lockSession(ctx, tx, c.ID, sessionID)
	if err != nil {
		return ss, err
	}
	if why := RollRefusal(s.now(), ss.StartsAt, c.Closed()); why != "" {
		return ss, refuse(ErrRollClosed, why)
	}
	return ss, nil
}

// lockParticipant checks that the user takes part in the class and that the caller
// manages them; it locks the participant row.
func (s *Store) lockParticipant(ctx context.Context, tx *sqlx.Tx, me *web.Identity, c Class, userID int64) error {
	var township int64
	err := tx.GetContext(ctx, &township, `SELECT township_id FROM class_participants WHERE class_id = $1 AND user_id = $2 FOR UPDATE`, c.ID, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotParticipant
	}
	if err != nil {
		return err
	}
	if sc := rollScope(me, c); sc.Valid && sc.Int64 != township {
		return ErrOtherTownship
	}
	return nil
}

// SetAttendance records a roll call (roll.Tables.Mark): every record must be a
// participant the caller manages, or nothing is saved. Locks: the class row (share), the
// session row (share), the participants' rows in user id order.
func (s *Store) SetAttendance(ctx context.Context, me *web.Identity, classID, sessionID int64, in AttendanceInput) (int, error) {
	if errs := in.Validate(); errs != nil {
		return 0, web.Invalidf("请检查考勤记录", errs)
	}
	n := 0
	err := s.withClass(ctx, me, classID, false, func(tx *sqlx.Tx, c Class) error {
		if _, err := s.openRoll(ctx, tx, me, c, sessionID); err != nil {
			return err
		}
		var err error
		n, err = rollTables.Mark(ctx, tx, classID, sessionID, rollScope(me, c), in.Roll(), me.UserID)
		return classRollError(err)
	})
	return n, err
}

// classRollError says a refusal of the roll call in the classes' words (their statuses
// and messages stay as they were before the roll call was shared).
func classRollError(err error) error {
	switch {
	case errors.Is(err, roll.ErrNotPerson), errors.Is(err, roll.ErrNotCounted):
		return ErrNotParticipant
	case errors.Is(err, roll.ErrOtherTownship):
		return ErrOtherTownship
	}
	return err
}

// MarkAllPresent marks every participant the caller manages who has no mark yet at the
// session as present — the one tap that starts a roll call (roll.Tables.MarkAll); the
// exceptions follow. Locks: the class row (share), the session row (share).
func (s *Store) MarkAllPresent(ctx context.Context, me *web.Identity, classID, sessionID int64) (int, error) {
	n := 0
	err := s.withClass(ctx, me, classID, false, func(tx *sqlx.Tx, c Class) error {
		if _, err := s.openRoll(ctx, tx, me, c, sessionID); err != nil {
			return err
		}
		var err error
		n, err = rollTables.MarkAll(ctx, tx, classID, sessionID, rollScope(me, c), me.UserID)
		return err
	})
	return n, err
}

// CheckinURL is the check-in link of a session valid from now, for the QR code the
// organizer shows. Locks: the class row (share), the session row.
func (s *Store) CheckinURL(ctx context.Context, me *web.Identity, classID, sessionID int64) (string, time.Time, error) {
	var token string
	var exp time.Time
	err := s.withClass(ctx, me, classID, false, func(tx *sqlx.Tx, c Class) error {
		ss, err := s.openRoll(ctx, tx, me, c, sessionID)
		if err != nil {
			return err
		}
		exp = s.now().Add(TokenTTL).Truncate(time.Second)
		token = SignToken(ss.Secret, sessionID, exp)
		return nil
	})
	return "/checkin/" + url.PathEscape(token), exp, err
}

// CheckinResult is what a participant's scan did.
type CheckinResult struct {
	ClassID  int64  `json:"class_id"`
	Class    string `json:"class"`
	Session  string `json:"session"`
	Status   string `json:"status"`
	Recorded bool   `json:"recorded"` // false: the person was already marked; nothing changed
}

// Checkin marks the user present at the token's session, once: a second scan, or a scan
// after the organizer marked the person, changes nothing. Locks: the class row (share),
// the session row, the participant row.
func (s *Store) Checkin(ctx context.Context, userID int64, token string) (CheckinResult, error) {
	var res CheckinResult
	sid, _, ok := ParseToken(token)
	if !ok {
		return res, refuse(ErrBadToken, TokenRefusal(nil, token, s.now()))
	}
	var classID int64
	err := s.db.GetContext(ctx, &classID, `SELECT class_id FROM class_sessions WHERE id = $1`, sid)
	if errors.Is(err, sql.ErrNoRows) {
		return res, refuse(ErrBadToken, "签到码无效，请重新扫描现场的二维码")
	}
	if err != nil {
		return res, err
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()
	var c struct {
		Title    string     `db:"title"`
		ClosedAt *time.Time `db:"closed_at"`
	}
	if err := tx.GetContext(ctx, &c, `SELECT title, closed_at FROM classes WHERE id = $1 FOR SHARE`, classID); err != nil {
		return res, err
	}
	ss, err := s.lockSession(ctx, tx, classID, sid)
	if err != nil {
		return res, err
	}
	now := s.now()
	if why := TokenRefusal(ss.Secret, token, now); why != "" {
		return res, refuse(ErrBadToken, why)
	}
	if why := RollRefusal(now, ss.StartsAt, c.ClosedAt != nil); why != "" {
		return res, refuse(ErrRollClosed, why)
	}
	var in bool
	if err := tx.GetContext(ctx, &in, `SELECT EXISTS (SELECT 1 FROM class_participants WHERE class_id = $1 AND user_id = $2)`, classID, userID); err != nil {
		return res, err
	}
	if !in {
		return res, refuse(ErrNotParticipant, "您不是「"+c.Title+"」的学员，签到没有记录。如有疑问请联系培训班组织者。")
	}
	r, err := tx.ExecContext(ctx, `INSERT INTO class_attendance (session_id, user_id, status, via, marked_by)
		VALUES ($1, $2, 'present', 'checkin', $2) ON CONFLICT (session_id, user_id) DO NOTHING`, sid, userID)
	if err != nil {
		return res, err
	}
	k, _ := r.RowsAffected()
	res = CheckinResult{ClassID: classID, Class: c.Title, Session: ss.Topic, Recorded: k == 1}
	if err := tx.GetContext(ctx, &res.Status, `SELECT status FROM class_attendance WHERE session_id = $1 AND user_id = $2`, sid, userID); err != nil {
		return res, err
	}
	return res, tx.Commit()
}

// AskLeave records the user's leave request for a session that has not started.
// Locks: the class row (share), the session row.
func (s *Store) AskLeave(ctx context.Context, userID, classID, sessionID int64, in LeaveInput) (int64, error) {
	if errs := in.Validate(); errs != nil {
		return 0, web.Invalidf("请填写请假事由", errs)
	}
	me := &web.Identity{UserID: userID, Role: web.RoleSecretary}
	var id int64
	err := s.withClass(ctx, me, classID, false, func(tx *sqlx.Tx, c Class) error {
		ss, err := s.lockSession(ctx, tx, classID, sessionID)
		if err != nil {
			return err
		}
		if why := LeaveRefusal(s.now(), ss.StartsAt, c.Closed()); why != "" {
			return refuse(ErrLeaveClosed, why)
		}
		err = tx.GetContext(ctx, &id, `
			INSERT INTO class_leaves (session_id, user_id, reason) VALUES ($1, $2, $3)
			ON CONFLICT (session_id, user_id) DO UPDATE SET reason = EXCLUDED.reason, created_at = now()
				WHERE class_leaves.status = 'pending'
			RETURNING id`, sessionID, userID, in.Reason)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrLeaveDecided
		}
		return err
	})
	return id, err
}

// LeaveRequest is a leave request as staff see it.
type LeaveRequest struct {
	ID        int64     `db:"id" json:"id"`
	SessionID int64     `db:"session_id" json:"session_id"`
	UserID    int64     `db:"user_id" json:"user_id"`
	Name      string    `db:"name" json:"name"`
	Township  string    `db:"township" json:"township"`
	Topic     string    `db:"topic" json:"topic"`
	StartsAt  time.Time `db:"starts_at" json:"starts_at"`
	Reason    string    `db:"reason" json:"reason"`
	Status    string    `db:"status" json:"status"`
}

// Leaves lists the class's pending leave requests of the people the caller manages.
// Locks: none.
func (s *Store) Leaves(ctx context.Context, me *web.Identity, classID int64) ([]LeaveRequest, error) {
	c, err := s.Class(ctx, me, classID)
	if err != nil {
		return nil, err
	}
	if !staffOf(me, c) {
		return nil, ErrNotManager
	}
	out := []LeaveRequest{}
	err = s.db.SelectContext(ctx, &out, `
		SELECT l.id, l.session_id, l.user_id, u.name, t.name AS township, s.topic, s.starts_at, l.reason, l.status
		FROM class_leaves l JOIN class_sessions s ON s.id = l.session_id
		JOIN class_participants p ON p.class_id = s.class_id AND p.user_id = l.user_id
		JOIN users u ON u.id = l.user_id JOIN townships t ON t.id = p.township_id
		WHERE s.class_id = $1 AND l.status = 'pending' AND ($2::bigint IS NULL OR p.township_id = $2)
		ORDER BY s.starts_at, l.created_at LIMIT 500`, classID, rollScope(me, c))
	return out, err
}

// DecideLeave approves or rejects a pending leave request of a person the caller
// manages; an approved one marks the session 请假. Locks: the class row (share), the
// session row, the participant row, the leave row.
func (s *Store) DecideLeave(ctx context.Context, me *web.Identity, classID, leaveID int64, approve bool) error {
	return s.withClass(ctx, me, classID, false, func(tx *sqlx.Tx, c Class) error {
		if !staffOf(me, c) {
			return ErrNotManager
		}
		if c.Closed() {
			return ErrClosed
		}
		var l struct {
			SessionID int64  `db:"session_id"`
			UserID    int64  `db:"user_id"`
			Status    string `db:"status"`
		}
		err := tx.GetContext(ctx, &l, `SELECT l.session_id, l.user_id, l.status FROM class_leaves l
			JOIN class_sessions s ON s.id = l.session_id WHERE l.id = $1 AND s.class_id = $2`, leaveID, classID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrLeaveNotFound
		}
		if err != nil {
			return err
		}
		ss, err := s.lockSession(ctx, tx, classID, l.SessionID)
		if err != nil {
			return err
		}
		if err := s.lockParticipant(ctx, tx, me, c, l.UserID); err != nil {
			return err
		}
		status := "rejected"
		if approve {
			status = "approved"
		}
		res, err := tx.ExecContext(ctx, `UPDATE class_leaves SET status = $2, decided_by = $3, decided_at = now()
			WHERE id = $1 AND status = 'pending'`, leaveID, status, me.UserID)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return ErrLeaveDecided
		}
		if approve {
			if _, err = tx.ExecContext(ctx, `INSERT INTO class_attendance (session_id, user_id, status, via, marked_by)
				VALUES ($1, $2, 'leave', 'leave', $3)
				ON CONFLICT (session_id, user_id) DO UPDATE SET status = 'leave', via = 'leave', marked_by = $3, marked_at = now()`,
				l.SessionID, l.UserID, me.UserID); err != nil {
				return err
			}
		}
		what, verdict := "请假未获批准", "未获批准，请按时参加"
		if approve {
			what, verdict = "请假已批准", "已批准"
		}
		when := ss.StartsAt.In(web.China).Format("01月02日 15:04")
		return s.tell(ctx, tx, classMessage(l.UserID, c, "", what,
			fmt.Sprintf("您在「%s」%s「%s」的请假%s。", c.Title, when, ss.Topic, verdict)))
	})
}
