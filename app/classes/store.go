package classes

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/roll"
	"zhibu/app/web"
)

// Store holds all SQL of the classes (classes, class_sessions, class_participants,
// class_attendance, class_leaves; migrations/00060_classes.sql).
//
// Lock order, for every operation that writes: the classes row first (FOR UPDATE to
// close or edit the class, FOR SHARE for everything inside it), then the session row,
// then participant, attendance and leave rows. 结班 holds the class row exclusively, so no
// roll call, check-in or leave decision can slip in while it decides 结业.
type Store struct {
	db   *sqlx.DB
	now  func() time.Time
	post web.Post // nil: nobody is told
}

// NewStore returns the classes' store on db; now is the clock (nil: time.Now).
func NewStore(db *sqlx.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, now: now}
}

// WithPost makes the store tell people in their inbox (Deps.Post) what was decided for
// them: leave requests, nominations, 结业. nil tells nobody.
func (s *Store) WithPost(post web.Post) *Store {
	s.post = post
	return s
}

// tell posts msgs in the change's transaction (nothing without an inbox).
func (s *Store) tell(ctx context.Context, tx *sqlx.Tx, msgs ...web.Message) error {
	if s.post == nil || len(msgs) == 0 {
		return nil
	}
	return s.post(ctx, tx, msgs...)
}

// classMessage tells a person about the class: the title 「class」+what on one line, the
// body the whole sentence, the class's page (url: "" for it, "/classes" for the list).
func classMessage(userID int64, c Class, url, what, body string) web.Message {
	if url == "" {
		url = fmt.Sprintf("/classes/%d", c.ID)
	}
	return web.Message{UserID: userID, Kind: web.MsgClass, Title: "「" + clipCell(c.Title, 60) + "」" + what, Body: body, URL: url}
}

// Class is a 培训班 as pages and the API show it.
type Class struct {
	ID           int64  `db:"id" json:"id"`
	Title        string `db:"title" json:"title"`
	Kind         string `db:"kind" json:"kind"`
	Venue        string `db:"venue" json:"venue"`
	Description  string `db:"description" json:"description"`
	TownshipID   *int64 `db:"township_id" json:"township_id"`
	TownshipName string `db:"township_name" json:"township_name"`
	ExamID       *int64 `db:"exam_id" json:"exam_id"`
	AbsenceNum   int    `db:"absence_num" json:"absence_num"`
	AbsenceDen   int    `db:"absence_den" json:"absence_den"`
	// TotalSeats is set when townships fill the class by nomination inside quotas
	// (store_seats.go); nil: participants are assigned only.
	TotalSeats   *int       `db:"total_seats" json:"total_seats"`
	CreatedAt    time.Time  `db:"created_at" json:"created_at"`
	ClosedAt     *time.Time `db:"closed_at" json:"closed_at"`
	Participants int        `db:"participants" json:"participants"`
	TotalHours   float64    `db:"total_hours" json:"total_hours"`
	FirstStart   *time.Time `db:"first_start" json:"first_start"`
	LastEnd      *time.Time `db:"last_end" json:"last_end"`
	Sessions     []Session  `db:"-" json:"sessions"`
}

// Closed tells whether the class has been closed (结班).
func (c Class) Closed() bool { return c.ClosedAt != nil }

// County tells whether the county runs the class (not one township).
func (c Class) County() bool { return c.TownshipID == nil }

// Session is one session of a class.
type Session struct {
	ID       int64     `db:"id" json:"id"`
	ClassID  int64     `db:"class_id" json:"class_id"`
	StartsAt time.Time `db:"starts_at" json:"starts_at"`
	EndsAt   time.Time `db:"ends_at" json:"ends_at"`
	Topic    string    `db:"topic" json:"topic"`
	Teacher  string    `db:"teacher" json:"teacher"`
	Hours    float64   `db:"hours" json:"hours"`
	Marked   int       `db:"marked" json:"marked"`         // participants of the caller's scope marked
	Present  int       `db:"present" json:"present"`       // of which present or late
	Pending  int       `db:"pending" json:"pending_leave"` // leave requests awaiting a decision
}

// When is the session's date and time span in China time: 2026-12-08 09:00–11:30.
func (s Session) When() string {
	return s.StartsAt.In(web.China).Format("2006-01-02 15:04") + "–" + s.EndsAt.In(web.China).Format("15:04")
}

const classCols = `c.id, c.title, c.kind, c.venue, c.description, c.township_id, COALESCE(t.name, '') AS township_name,
	c.exam_id, c.absence_num, c.absence_den, c.total_seats, c.created_at, c.closed_at,
	(SELECT count(*) FROM class_participants p WHERE p.class_id = c.id) AS participants,
	COALESCE((SELECT sum(hours) FROM class_sessions s WHERE s.class_id = c.id), 0)::float8 AS total_hours,
	(SELECT min(starts_at) FROM class_sessions s WHERE s.class_id = c.id) AS first_start,
	(SELECT max(ends_at) FROM class_sessions s WHERE s.class_id = c.id) AS last_end`

const classFrom = ` FROM classes c LEFT JOIN townships t ON t.id = c.township_id`

// visible is the SQL condition of the classes the caller sees ($1 user, $2 role, $3
// township): admins every class; organizers the county's classes and their township's;
// secretaries the classes they take part in.
const visible = `(
	$2 = 'admin'
	OR ($2 = 'organizer' AND (c.township_id IS NULL OR c.township_id = $3))
	OR ($2 = 'secretary' AND EXISTS (SELECT 1 FROM class_participants p WHERE p.class_id = c.id AND p.user_id = $1)))`

func who(me *web.Identity) []any { return []any{me.UserID, me.Role, me.TownshipID} }

// List is the classes the caller sees, upcoming and running first. Locks: none.
func (s *Store) List(ctx context.Context, me *web.Identity) ([]Class, error) {
	out := []Class{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+classCols+classFrom+` WHERE `+visible+`
		ORDER BY (c.closed_at IS NOT NULL), COALESCE((SELECT min(starts_at) FROM class_sessions s WHERE s.class_id = c.id), c.created_at) DESC, c.id DESC
		LIMIT 200`, who(me)...)
	return out, err
}

// Class reads one class the caller sees, with its sessions (counts of the caller's
// scope). Locks: none.
func (s *Store) Class(ctx context.Context, me *web.Identity, id int64) (Class, error) {
	var c Class
	args := append(who(me), id)
	err := s.db.GetContext(ctx, &c, `SELECT `+classCols+classFrom+` WHERE c.id = $4 AND `+visible, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrClassNotFound
	}
	if err != nil {
		return c, err
	}
	c.Sessions = []Session{}
	err = s.db.SelectContext(ctx, &c.Sessions, `
		SELECT s.id, s.class_id, s.starts_at, s.ends_at, s.topic, s.teacher, s.hours::float8 AS hours,
		       count(a.user_id) AS marked, count(a.user_id) FILTER (WHERE `+roll.AttendedSQL+`) AS present,
		       (SELECT count(*) FROM class_leaves l JOIN class_participants p2 ON p2.class_id = s.class_id AND p2.user_id = l.user_id
		        WHERE l.session_id = s.id AND l.status = 'pending' AND ($2::bigint IS NULL OR p2.township_id = $2)) AS pending
		FROM class_sessions s
		LEFT JOIN class_participants p ON p.class_id = s.class_id AND ($2::bigint IS NULL OR p.township_id = $2)
		LEFT JOIN class_attendance a ON a.session_id = s.id AND a.user_id = p.user_id
		WHERE s.class_id = $1
		GROUP BY s.id ORDER BY s.starts_at, s.id`, id, rollScope(me, c))
	return c, err
}

// rollScope is the township whose participants the caller manages in a class: none
// (NULL, everyone) for an admin and for the organizer of the own township's class, the
// organizer's township in a county class.
func rollScope(me *web.Identity, c Class) sql.NullInt64 {
	if me.Role == web.RoleAdmin || (c.TownshipID != nil && *c.TownshipID == me.TownshipID) {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: me.TownshipID, Valid: true}
}

// manages tells whether the caller edits the class itself (sessions, 结班): an admin, or
// the organizer of the township that runs it.
func manages(me *web.Identity, c Class) bool {
	return me.Role == web.RoleAdmin || (me.Role == web.RoleOrganizer && c.TownshipID != nil && *c.TownshipID == me.TownshipID)
}

// staffOf tells whether the caller is staff of the class (manages it, or an organizer
// for the own township's participants of a county class).
func staffOf(me *web.Identity, c Class) bool {
	return manages(me, c) || (me.Role == web.RoleOrganizer && c.TownshipID == nil)
}

// Township is a township the caller may pick participants from.
type Township struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// Townships are the townships whose people the caller may add to the class: the class's
// own township, or the organizer's, or every township for an admin. Locks: none.
func (s *Store) Townships(ctx context.Context, me *web.Identity, c Class) ([]Township, error) {
	scope := rollScope(me, c)
	if c.TownshipID != nil {
		scope = sql.NullInt64{Int64: *c.TownshipID, Valid: true}
	}
	out := []Township{}
	err := s.db.SelectContext(ctx, &out, `SELECT id, name FROM townships WHERE ($1::bigint IS NULL OR id = $1) ORDER BY sort, id`, scope)
	return out, err
}

// ScopeCount is how many participants of the class the caller manages. Locks: none.
func (s *Store) ScopeCount(ctx context.Context, me *web.Identity, c Class) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM class_participants WHERE class_id = $1 AND ($2::bigint IS NULL OR township_id = $2)`,
		c.ID, rollScope(me, c))
	return n, err
}

// Create makes a class as the caller: an admin's class is the county's; an organizer's
// belongs to the own township. Locks: none (a new row).
func (s *Store) Create(ctx context.Context, me *web.Identity, in ClassInput) (Class, error) {
	if errs := in.Validate(); errs != nil {
		return Class{}, web.Invalidf("请检查标红的项目", errs)
	}
	var township sql.NullInt64
	if me.Role == web.RoleOrganizer {
		township = sql.NullInt64{Int64: me.TownshipID, Valid: true}
	}
	var id int64
	err := s.db.GetContext(ctx, &id, `
		INSERT INTO classes (title, kind, venue, description, township_id, exam_id, absence_num, absence_den, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		in.Title, in.Kind, in.Venue, in.Description, township, nullID(in.ExamID), in.AbsenceNum, in.AbsenceDen, me.UserID)
	if err := examTaken(err); err != nil {
		return Class{}, err
	}
	return s.Class(ctx, me, id)
}

// Update saves the class's fields (PUT). Locks: the class row.
func (s *Store) Update(ctx context.Context, me *web.Identity, id int64, in ClassInput) (Class, error) {
	if errs := in.Validate(); errs != nil {
		return Class{}, web.Invalidf("请检查标红的项目", errs)
	}
	err := s.withClass(ctx, me, id, true, func(tx *sqlx.Tx, c Class) error {
		if !manages(me, c) {
			return ErrNotManager
		}
		if c.Closed() {
			return ErrClosed
		}
		_, err := tx.ExecContext(ctx, `UPDATE classes SET title = $2, kind = $3, venue = $4, description = $5, exam_id = $6,
			absence_num = $7, absence_den = $8, updated_at = now() WHERE id = $1`,
			id, in.Title, in.Kind, in.Venue, in.Description, nullID(in.ExamID), in.AbsenceNum, in.AbsenceDen)
		return examTaken(err)
	})
	if err != nil {
		return Class{}, err
	}
	return s.Class(ctx, me, id)
}

func examTaken(err error) error {
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505":
			return ErrExamTaken
		case pe.Code == "23503":
			return ErrExamNotFound
		}
	}
	return err
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id > 0} }

// AddSession adds a session to an open class. Locks: the class row (share).
func (s *Store) AddSession(ctx context.Context, me *web.Identity, classID int64, in SessionInput) (Session, error) {
	if errs := in.Validate(); errs != nil {
		return Session{}, web.Invalidf("请检查标红的项目", errs)
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return Session{}, err
	}
	var ss Session
	err := s.withClass(ctx, me, classID, false, func(tx *sqlx.Tx, c Class) error {
		if !manages(me, c) {
			return ErrNotManager
		}
		if c.Closed() {
			return ErrClosed
		}
		return tx.GetContext(ctx, &ss, `
			INSERT INTO class_sessions (class_id, starts_at, ends_at, topic, teacher, hours, secret)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			RETURNING id, class_id, starts_at, ends_at, topic, teacher, hours::float8 AS hours`,
			classID, in.starts, in.ends, in.Topic, in.Teacher, in.Hours, secret)
	})
	return ss, err
}

// DeleteSession removes a session nobody was marked at yet. Locks: the class row
// (share), the session row.
func (s *Store) DeleteSession(ctx context.Context, me *web.Identity, classID, sessionID int64) error {
	return s.withClass(ctx, me, classID, false, func(tx *sqlx.Tx, c Class) error {
		if !manages(me, c) {
			return ErrNotManager
		}
		if c.Closed() {
			return ErrClosed
		}
		if _, err := s.lockSession(ctx, tx, classID, sessionID); err != nil {
			return err
		}
		var marked bool
		if err := tx.GetContext(ctx, &marked, `SELECT EXISTS (SELECT 1 FROM class_attendance WHERE session_id = $1)`, sessionID); err != nil {
			return err
		}
		if marked {
			return ErrSessionMarked
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM class_sessions WHERE id = $1`, sessionID)
		return err
	})
}

// withClass runs fn in a transaction holding the class row (exclusive when excl), for
// a class the caller sees.
func (s *Store) withClass(ctx context.Context, me *web.Identity, id int64, excl bool, fn func(*sqlx.Tx, Class) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	mode := " FOR SHARE OF c"
	if excl {
		mode = " FOR UPDATE OF c"
	}
	var c Class
	args := append(who(me), id)
	err = tx.GetContext(ctx, &c, `SELECT c.id, c.title, c.kind, c.venue, c.description, c.township_id, '' AS township_name, c.exam_id,
		c.absence_num, c.absence_den, c.total_seats, c.created_at, c.closed_at, 0 AS participants, 0::float8 AS total_hours,
		(SELECT min(starts_at) FROM class_sessions s WHERE s.class_id = c.id) AS first_start, NULL::timestamptz AS last_end
		FROM classes c WHERE c.id = $4 AND `+visible+mode, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrClassNotFound
	}
	if err != nil {
		return err
	}
	if err := fn(tx, c); err != nil {
		return err
	}
	return tx.Commit()
}

// sessionRow is a session with its secret, read under lock.
type sessionRow struct {
	Session
	Secret []byte `db:"secret"`
}

func (s *Store) lockSession(ctx context.Context, tx *sqlx.Tx, classID, sessionID int64) (sessionRow, error) {
	var r sessionRow
	err := tx.GetContext(ctx, &r, `SELECT id, class_id, starts_at, ends_at, topic, teacher, hours::float8 AS hours, secret
		FROM class_sessions WHERE id = $1 AND class_id = $2 FOR SHARE`, sessionID, classID)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrSessionNotFound
	}
	return r, err
}
