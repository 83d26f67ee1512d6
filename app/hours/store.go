package hours

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/figures"
	"zhibu/app/web"
)

// Store holds all SQL of the ledger (hour_credits, hour_credit_events).
type Store struct {
	db *sqlx.DB
}

// NewStore returns the ledger's store on db.
func NewStore(db *sqlx.DB) *Store { return &Store{db: db} }

// Entry is one credit of 学时.
type Entry struct {
	ID           int64      `db:"id" json:"id"`
	UserID       int64      `db:"user_id" json:"user_id"`
	Year         int        `db:"year" json:"year"`
	Source       Source     `db:"source" json:"source"`
	SourceID     *int64     `db:"source_id" json:"source_id"`
	Online       bool       `db:"online" json:"online"`
	Hours        float64    `db:"hours" json:"hours"`
	CreditedAt   time.Time  `db:"credited_at" json:"credited_at"`
	CreditedBy   string     `db:"credited_by" json:"credited_by,omitempty"` // the admin's name for a manual credit
	Note         string     `db:"note" json:"note"`
	RevokedAt    *time.Time `db:"revoked_at" json:"revoked_at,omitempty"`
	RevokeReason string     `db:"revoke_reason" json:"revoke_reason,omitempty"`
}

// SourceLabel is the entry's source in Chinese.
func (e Entry) SourceLabel() string { return SourceLabel(e.Source) }

// Credit is what a feature writes when its source earns 学时.
type Credit struct {
	UserID   int64
	Year     int
	Source   Source // SourceCourse, SourceClass or SourceTour
	SourceID int64
	Hours    float64
	At       time.Time // when it was earned (completion, 结班, confirmation)
	ActorID  int64     // who caused it (0: the person themself or the system)
	Note     string    // the course's, class's or tour's title
}

// Write records the credit once: calling it again for the same source and person —
// later, or concurrently from another request — writes nothing (the unique index
// hour_credits_source_uq decides). An entry an admin revoked stays revoked; one its
// source withdrew (Withdraw: a confirmed tour sign-up cancelled) counts again. Hours of
// 0 or less write nothing. It runs in the caller's transaction, so the entry commits with
// the completion, 结班 or confirmation that earned it. Locks: the entry's index key.
func Write(ctx context.Context, tx sqlx.ExtContext, c Credit) (bool, error) {
	if c.Hours <= 0 {
		return false, nil
	}
	if c.Hours > MaxHours {
		c.Hours = MaxHours
	}
	if len([]rune(c.Note)) > MaxNote {
		c.Note = string([]rune(c.Note)[:MaxNote])
	}
	var id int64
	err := sqlx.GetContext(ctx, tx, &id, `
		INSERT INTO hour_credits (user_id, year, source, source_id, hours, credited_at, credited_by, note)
		VALUES ($1, $2, $3, $4, $5, $6, NULLIF($7, 0), $8)
		ON CONFLICT (source, source_id, user_id) WHERE source <> 'manual' DO UPDATE
			SET revoked_at = NULL, revoke_reason = '', hours = EXCLUDED.hours, year = EXCLUDED.year, note = EXCLUDED.note
			WHERE hour_credits.revoked_at IS NOT NULL AND hour_credits.revoked_by IS NULL
		RETURNING id`, c.UserID, c.Year, c.Source, c.SourceID, c.Hours, c.At, c.ActorID, c.Note)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO hour_credit_events (credit_id, action, actor_id, note, at)
		VALUES ($1, 'credit', NULLIF($2, 0), $3, $4)`, id, c.ActorID, c.Note, c.At)
	return err == nil, err
}

// BackfillCourses writes the ledger entry of every completed course that has none yet —
// what migrations/00059_hour_ledger.sql did once, for rows written outside courses'
// completion path (bulk fixtures, the demo seeder). Idempotent. Returns how many it wrote.
func BackfillCourses(ctx context.Context, db sqlx.ExtContext) (int, error) {
	res, err := db.ExecContext(ctx, `
		INSERT INTO hour_credits (user_id, year, source, source_id, hours, credited_at, note)
		SELECT cp.user_id, extract(year FROM cp.completed_at AT TIME ZONE 'Asia/Shanghai')::int, 'course', cp.course_id,
		       least(cp.hours_earned, 200), cp.completed_at, left(c.title, 200)
		FROM course_progress cp JOIN courses c ON c.id = cp.course_id
		WHERE cp.completed_at IS NOT NULL AND cp.hours_earned > 0
		ON CONFLICT (source, source_id, user_id) WHERE source <> 'manual' DO NOTHING`)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// Withdraw stops a source's entry from counting because the source itself went away (a
// confirmed tour sign-up cancelled or rejected): the entry stays, revoked with the reason
// and no admin, and a later Write of the same source restores it. Nothing to withdraw
// is fine. Runs in the caller's transaction. Locks: the entry's row.
func Withdraw(ctx context.Context, tx sqlx.ExtContext, source Source, sourceID, userID int64, reason string) error {
	var id int64
	err := sqlx.GetContext(ctx, tx, &id, `
		UPDATE hour_credits SET revoked_at = now(), revoked_by = NULL, revoke_reason = $4
		WHERE source = $1 AND source_id = $2 AND user_id = $3 AND revoked_at IS NULL
		RETURNING id`, source, sourceID, userID, reason)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO hour_credit_events (credit_id, action, note) VALUES ($1, 'revoke', $2)`, id, reason)
	return err
}

// CreditManual credits outside training to a secretary as the admin me.
// Locks: the secretary's users row (FOR SHARE), then the new entry.
func (s *Store) CreditManual(ctx context.Context, me *web.Identity, in CreditInput) (Entry, error) {
	if errs := in.Validate(); errs != nil {
		return Entry{}, web.Invalidf("请检查标红的项目", errs)
	}
	var e Entry
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var ok bool
		if err := tx.GetContext(ctx, &ok, `SELECT true FROM users WHERE id = $1 AND role = 'secretary' FOR SHARE`, in.UserID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrPersonNotFound
			}
			return err
		}
		var id int64
		if err := tx.GetContext(ctx, &id, `
			INSERT INTO hour_credits (user_id, year, source, hours, credited_by, note)
			VALUES ($1, $2, 'manual', $3, $4, $5) RETURNING id`, in.UserID, in.Year, in.Hours, me.UserID, in.Note); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO hour_credit_events (credit_id, action, actor_id, note)
			VALUES ($1, 'credit', $2, $3)`, id, me.UserID, in.Note); err != nil {
			return err
		}
		return tx.GetContext(ctx, &e, entrySQL+` WHERE hc.id = $1`, id)
	})
	return e, err
}

// Revoke stops an entry from counting, as the admin me, with a reason; the entry and its
// trail stay. Locks: the entry's row.
func (s *Store) Revoke(ctx context.Context, me *web.Identity, id int64, in RevokeInput) (Entry, error) {
	if errs := in.Validate(); errs != nil {
		return Entry{}, web.Invalidf("请写明撤销原因", errs)
	}
	var e Entry
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var revoked sql.NullTime
		if err := tx.GetContext(ctx, &revoked, `SELECT revoked_at FROM hour_credits WHERE id = $1 FOR UPDATE`, id); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrEntryNotFound
			}
			return err
		}
		if revoked.Valid {
			return ErrRevoked
		}
		if _, err := tx.ExecContext(ctx, `UPDATE hour_credits SET revoked_at = now(), revoked_by = $2, revoke_reason = $3 WHERE id = $1`,
			id, me.UserID, in.Reason); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO hour_credit_events (credit_id, action, actor_id, note)
			VALUES ($1, 'revoke', $2, $3)`, id, me.UserID, in.Reason); err != nil {
			return err
		}
		return tx.GetContext(ctx, &e, entrySQL+` WHERE hc.id = $1`, id)
	})
	return e, err
}

// Entry reads one entry within the scope. Locks: none.
func (s *Store) Entry(ctx context.Context, scope web.Scope, id int64) (Entry, error) {
	var e Entry
	err := s.db.GetContext(ctx, &e, entrySQL+` JOIN users u ON u.id = hc.user_id
		WHERE hc.id = $1 AND ($2::bigint IS NULL OR u.township_id = $2)`, id, scope.Township())
	if errors.Is(err, sql.ErrNoRows) {
		return e, ErrEntryNotFound
	}
	return e, err
}

const entrySQL = `
	SELECT hc.id, hc.user_id, hc.year, hc.source, hc.source_id, hc.online, hc.hours::float8 AS hours, hc.credited_at,
	       COALESCE((SELECT name FROM users WHERE id = hc.credited_by AND hc.source = 'manual'), '') AS credited_by,
	       hc.note, hc.revoked_at, hc.revoke_reason
	FROM hour_credits hc`

// Summary is a person's 学时 of a year (GET /api/v1/me/hours).
type Summary struct {
	Year   int     `json:"year"`
	Target float64 `json:"target"`
	Totals
	Reached bool    `json:"reached"`
	Entries []Entry `json:"entries"`
}

// Percent is how far the total is toward the target (0–100), for the progress bar.
func (s Summary) Percent() int {
	if s.Target <= 0 || s.Total >= s.Target {
		return 100
	}
	return int(s.Total * 100 / s.Target)
}

// Left is what is missing to the target.
func (s Summary) Left() float64 { return max(round2(s.Target-s.Total), 0) }

// Mine is the user's ledger of the year: the entries that count, newest first, and their
// totals. Locks: none.
func (s *Store) Mine(ctx context.Context, userID int64, year int) (Summary, error) {
	sum := Summary{Year: year, Entries: []Entry{}}
	var err error
	if sum.Target, err = figures.TargetHours(ctx, s.db, year); err != nil {
		return sum, err
	}
	if err := s.db.SelectContext(ctx, &sum.Entries, entrySQL+`
		WHERE hc.user_id = $1 AND hc.year = $2 AND hc.revoked_at IS NULL
		ORDER BY hc.credited_at DESC, hc.id DESC`, userID, year); err != nil {
		return sum, err
	}
	for _, e := range sum.Entries {
		sum.Add(e.Online, e.Hours)
	}
	sum.Reached = Reached(sum.Total, sum.Target)
	return sum, nil
}

// Person is one secretary's line of the staff ledger.
type Person struct {
	UserID   int64  `db:"user_id" json:"user_id"`
	Name     string `db:"name" json:"name"`
	Phone    string `db:"phone" json:"phone"`
	Township string `db:"township" json:"township"`
	Branch   string `db:"branch" json:"branch"`
	Totals
	Reached bool `json:"reached"`
}

// Filter narrows the staff ledger.
type Filter struct {
	Year       int
	TownshipID int64 // 0: every township of the scope
	Query      string
	Limit      int
	Offset     int
}

// People is the staff ledger: per secretary of the scope, the year's totals, one page
// of them, with how many people match and how many reached the target. Locks: none.
func (s *Store) People(ctx context.Context, scope web.Scope, f Filter) (list []Person, total, reached int, target float64, err error) {
	if target, err = figures.TargetHours(ctx, s.db, f.Year); err != nil {
		return
	}
	township := scope.Township()
	if f.TownshipID > 0 {
		if !scope.Allows(f.TownshipID) {
			return []Person{}, 0, 0, target, nil
		}
		township = sql.NullInt64{Int64: f.TownshipID, Valid: true}
	}
	var rows []struct {
		Person
		Online  float64 `db:"online"`
		Offline float64 `db:"offline"`
		Count   int     `db:"n"`
		Reached int     `db:"reached_n"`
	}
	err = s.db.SelectContext(ctx, &rows, `
		WITH people AS (
			SELECT u.id AS user_id, u.name, COALESCE(u.phone, '') AS phone, t.name AS township, COALESCE(b.name, '') AS branch,
			       COALESCE(sum(hc.hours) FILTER (WHERE hc.online), 0) AS online,
			       COALESCE(sum(hc.hours) FILTER (WHERE NOT hc.online), 0) AS offline
			FROM users u
			JOIN townships t ON t.id = u.township_id
			LEFT JOIN branches b ON b.id = u.branch_id
			LEFT JOIN hour_credits hc ON hc.user_id = u.id AND hc.year = $1 AND hc.revoked_at IS NULL
			WHERE u.role = 'secretary' AND u.active AND ($2::bigint IS NULL OR u.township_id = $2)
			  AND ($3 = '' OR u.name LIKE '%' || $3 || '%' OR u.phone LIKE '%' || $3 || '%' OR b.name LIKE '%' || $3 || '%')
			GROUP BY u.id, t.name, t.id, b.name)
		SELECT p.user_id, p.name, p.phone, p.township, p.branch, p.online::float8 AS online, p.offline::float8 AS offline,
		       count(*) OVER () AS n,
		       -- figures.MetTarget in SQL: exact decimals, to the hundredth.
		       count(*) FILTER (WHERE round(p.online + p.offline, 2) >= round($6::numeric, 2)) OVER () AS reached_n
		FROM people p
		ORDER BY p.township, p.branch, p.name, p.user_id
		LIMIT $4 OFFSET $5`, f.Year, township, f.Query, f.Limit, f.Offset, target)
	if err != nil {
		return
	}
	list = make([]Person, 0, len(rows))
	for _, r := range rows {
		p := r.Person
		p.Add(true, r.Online)
		p.Add(false, r.Offline)
		p.Reached = Reached(p.Total, target)
		list = append(list, p)
		total, reached = r.Count, r.Reached
	}
	if len(rows) == 0 && f.Offset > 0 {
		// Past the last page: the counts still tell the truth.
		err = s.db.GetContext(ctx, &total, `SELECT count(*) FROM users u LEFT JOIN branches b ON b.id = u.branch_id
			WHERE u.role = 'secretary' AND u.active AND ($1::bigint IS NULL OR u.township_id = $1)
			  AND ($2 = '' OR u.name LIKE '%' || $2 || '%' OR u.phone LIKE '%' || $2 || '%' OR b.name LIKE '%' || $2 || '%')`,
			township, f.Query)
	}
	return
}

// PersonLedger is one secretary of the scope with every entry of the year, revoked ones
// too (staff see what was revoked and why). Locks: none.
func (s *Store) PersonLedger(ctx context.Context, scope web.Scope, userID int64, year int) (Person, Summary, error) {
	var p Person
	err := s.db.GetContext(ctx, &p, `
		SELECT u.id AS user_id, u.name, COALESCE(u.phone, '') AS phone, t.name AS township, COALESCE(b.name, '') AS branch
		FROM users u JOIN townships t ON t.id = u.township_id LEFT JOIN branches b ON b.id = u.branch_id
		WHERE u.id = $1 AND u.role = 'secretary' AND ($2::bigint IS NULL OR u.township_id = $2)`, userID, scope.Township())
	if errors.Is(err, sql.ErrNoRows) {
		return p, Summary{}, ErrPersonNotFound
	}
	if err != nil {
		return p, Summary{}, err
	}
	sum := Summary{Year: year, Entries: []Entry{}}
	if sum.Target, err = figures.TargetHours(ctx, s.db, year); err != nil {
		return p, sum, err
	}
	if err := s.db.SelectContext(ctx, &sum.Entries, entrySQL+`
		WHERE hc.user_id = $1 AND hc.year = $2 ORDER BY hc.credited_at DESC, hc.id DESC`, userID, year); err != nil {
		return p, sum, err
	}
	for _, e := range sum.Entries {
		if e.RevokedAt == nil {
			sum.Add(e.Online, e.Hours)
		}
	}
	sum.Reached = Reached(sum.Total, sum.Target)
	p.Totals, p.Reached = sum.Totals, sum.Reached
	return p, sum, nil
}

// Townships lists the townships of the scope for the filter. Locks: none.
func (s *Store) Townships(ctx context.Context, scope web.Scope) ([]Township, error) {
	out := []Township{}
	err := s.db.SelectContext(ctx, &out, `SELECT id, name FROM townships WHERE ($1::bigint IS NULL OR id = $1) ORDER BY sort, id`, scope.Township())
	return out, err
}

// Township is a township of the filter.
type Township struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// History is an entry's audit trail, oldest first. Locks: none.
func (s *Store) History(ctx context.Context, id int64) ([]Event, error) {
	ev := []Event{}
	err := s.db.SelectContext(ctx, &ev, `
		SELECT e.action, COALESCE(u.name, '') AS actor, e.note, e.at
		FROM hour_credit_events e LEFT JOIN users u ON u.id = e.actor_id
		WHERE e.credit_id = $1 ORDER BY e.at, e.id`, id)
	return ev, err
}

// Event is one line of an entry's trail.
type Event struct {
	Action string    `db:"action" json:"action"`
	Actor  string    `db:"actor" json:"actor"`
	Note   string    `db:"note" json:"note"`
	At     time.Time `db:"at" json:"at"`
}

func (s *Store) inTx(ctx context.Context, fn func(*sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}
