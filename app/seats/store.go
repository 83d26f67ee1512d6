package seats

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/web"
)

// Tables names one feature's seat tables. Each feature has its own tables of one shape
// (migrations/00030_tours.sql for tours, migrations/00064_class_seats.sql for classes):
//
//	quotas  (<owner>, township_id, seats)                         PRIMARY KEY (<owner>, township_id)
//	signups (id, <owner>, user_id, township_id, status, note, reason, nominated_by,
//	         queue_seq DEFAULT nextval(<queue>), created_at, updated_at)  UNIQUE (<owner>, user_id)
//	events  (id, <owner>, signup_id, actor_id, action, from_status, to_status, reason, at)
//
// The names are constants of the feature, never input.
type Tables struct {
	Owner   string // the owner's column in the other tables, e.g. "tour_id"
	Quotas  string
	Signups string
	Queue   string // the sequence of queue_seq
	Events  string
}

// Locking, for every feature alike: a change of the owner's settings (quotas, total) holds
// the owner's row FOR UPDATE. A change of sign-ups holds the owner's row FOR SHARE (so the
// settings cannot change under it), then the township's quota row FOR UPDATE (LockQuota):
// sign-ups of one township are serialized, different townships proceed in parallel; then
// the sign-up row; whatever the feature does for a confirmed person (a 学时 ledger entry,
// a class participant) comes last. Seats of a township never exceed its quota and quotas
// add up to at most the total, so the whole never exceeds its total either. Every
// function below runs inside the caller's transaction holding those locks.

// LockQuota locks the township's quota row (no row: the township holds no seats, so there
// is nothing to guard).
func (t Tables) LockQuota(ctx context.Context, tx *sqlx.Tx, owner, township int64) error {
	_, err := tx.ExecContext(ctx, `SELECT 1 FROM `+t.Quotas+` WHERE `+t.Owner+` = $1 AND township_id = $2 FOR UPDATE`,
		owner, township)
	return err
}

// Count returns the township's quota, the seats it holds and the seats the whole holds.
func (t Tables) Count(ctx context.Context, q sqlx.QueryerContext, owner, township int64) (quota, held, totalHeld int, err error) {
	err = q.QueryRowxContext(ctx, `SELECT
		COALESCE((SELECT seats FROM `+t.Quotas+` WHERE `+t.Owner+` = $1 AND township_id = $2), 0),
		count(*) FILTER (WHERE township_id = $2),
		count(*)
		FROM `+t.Signups+` WHERE `+t.Owner+` = $1 AND status IN `+heldSQL, owner, township).
		Scan(&quota, &held, &totalHeld)
	return
}

// Held counts the seats each township holds.
func (t Tables) Held(ctx context.Context, q sqlx.QueryerContext, owner int64) (map[int64]int, error) {
	var rows []struct {
		TownshipID int64 `db:"township_id"`
		N          int   `db:"n"`
	}
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT township_id, count(*) AS n FROM `+t.Signups+`
		WHERE `+t.Owner+` = $1 AND status IN `+heldSQL+` GROUP BY township_id`, owner)
	m := map[int64]int{}
	for _, r := range rows {
		m[r.TownshipID] = r.N
	}
	return m, err
}

// SaveQuotas replaces the owner's quotas (checked by QuotaProblems against Held).
func (t Tables) SaveQuotas(ctx context.Context, tx *sqlx.Tx, owner int64, quotas map[int64]int) error {
	ids, seats := make([]int64, 0, len(quotas)), make([]int64, 0, len(quotas))
	for tid, q := range quotas {
		ids, seats = append(ids, tid), append(seats, int64(q))
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+t.Quotas+` WHERE `+t.Owner+` = $1 AND NOT (township_id = ANY($2))`,
		owner, pq.Array(ids)); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO `+t.Quotas+` (`+t.Owner+`, township_id, seats)
		SELECT $1, * FROM unnest($2::bigint[], $3::int[])
		ON CONFLICT (`+t.Owner+`, township_id) DO UPDATE SET seats = EXCLUDED.seats`, owner, pq.Array(ids), pq.Array(seats))
	return err
}

// Event writes one line of the audit trail (signupID 0: about the owner itself).
func (t Tables) Event(ctx context.Context, tx *sqlx.Tx, owner, signupID, actorID int64, action, from, to, reason string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO `+t.Events+` (`+t.Owner+`, signup_id, actor_id, action, from_status, to_status, reason)
		VALUES ($1, NULLIF($2,0::bigint), NULLIF($3,0::bigint), $4, $5, $6, $7)`, owner, signupID, actorID, action, from, to, reason)
	return err
}

// Join is one person to place.
type Join struct {
	Owner       int64
	UserID      int64
	Township    int64 // the person's township
	Total       int   // the owner's total of seats
	Note        string
	NominatorID int64 // 0: the person signs up themself
	// Eligible, when set, is asked after the person is known to hold no place yet and
	// before a place is taken (a tour's 必修 rule).
	Eligible func() error
}

// Joined is where a person was placed.
type Joined struct {
	SignupID int64
	From     string // the status before ("" for a first sign-up, cancelled for a return)
	Status   string // pending (a seat) or waitlisted
}

// Join places the person: a seat while the township's quota and the total last, else the
// township's waiting list. Someone holding a place is refused (ErrAlreadySignedUp, with
// the status), someone rejected too (ErrAlreadyRejected); a township without quota gets
// ErrNoQuota. Whoever cancelled before joins again at the back of the queue.
func (t Tables) Join(ctx context.Context, tx *sqlx.Tx, j Join) (Joined, error) {
	var prev string
	err := tx.GetContext(ctx, &prev, `SELECT status FROM `+t.Signups+` WHERE `+t.Owner+` = $1 AND user_id = $2 FOR UPDATE`,
		j.Owner, j.UserID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Joined{}, err
	}
	switch {
	case Active(prev):
		return Joined{}, web.Refuse(ErrAlreadySignedUp, "已在名单中（"+StatusName(prev)+"），不能重复报名")
	case prev == StatusRejected:
		return Joined{}, ErrAlreadyRejected
	}
	if j.Eligible != nil {
		if err := j.Eligible(); err != nil {
			return Joined{}, err
		}
	}
	quota, held, totalHeld, err := t.Count(ctx, tx, j.Owner, j.Township)
	if err != nil {
		return Joined{}, err
	}
	if quota == 0 {
		return Joined{}, ErrNoQuota
	}
	out := Joined{From: prev, Status: Place(quota, held, j.Total, totalHeld)}
	err = tx.GetContext(ctx, &out.SignupID, `INSERT INTO `+t.Signups+` (`+t.Owner+`, user_id, township_id, status, note, nominated_by)
		VALUES ($1, $2, $3, $4, $5, NULLIF($6,0::bigint))
		ON CONFLICT (`+t.Owner+`, user_id) DO UPDATE SET status = EXCLUDED.status, note = EXCLUDED.note, reason = '',
			nominated_by = EXCLUDED.nominated_by, township_id = EXCLUDED.township_id,
			queue_seq = nextval('`+t.Queue+`'), created_at = now(), updated_at = now()
		RETURNING id`, j.Owner, j.UserID, j.Township, out.Status, j.Note, j.NominatorID)
	if err != nil {
		return Joined{}, err
	}
	action, actor := "signup", j.UserID
	if j.NominatorID != 0 {
		action, actor = "nominate", j.NominatorID
	}
	return out, t.Event(ctx, tx, j.Owner, out.SignupID, actor, action, prev, out.Status, j.Note)
}

// Change is a sign-up's status change.
type Change struct {
	SignupID int64
	UserID   int64
	From, To string
}

// Cancel withdraws the person's own sign-up in the township the caller locked. refusal
// gives the feature's error when a sign-up in a status cannot be cancelled now (nil when
// it can; refusal nil: always). The caller promotes (Promote) when From held a seat.
func (t Tables) Cancel(ctx context.Context, tx *sqlx.Tx, owner, userID, township int64, refusal func(status string) error) (Change, error) {
	var su struct {
		ID         int64  `db:"id"`
		Status     string `db:"status"`
		TownshipID int64  `db:"township_id"`
	}
	err := tx.GetContext(ctx, &su, `SELECT id, status, township_id FROM `+t.Signups+`
		WHERE `+t.Owner+` = $1 AND user_id = $2 FOR UPDATE`, owner, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return Change{}, ErrNothingToCancel
	}
	if err != nil {
		return Change{}, err
	}
	if su.TownshipID != township {
		return Change{}, ErrMoved
	}
	if !Active(su.Status) {
		return Change{}, ErrNothingToCancel
	}
	if refusal != nil {
		if err := refusal(su.Status); err != nil {
			return Change{}, err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE `+t.Signups+` SET status = 'cancelled', updated_at = now() WHERE id = $1`, su.ID); err != nil {
		return Change{}, err
	}
	c := Change{SignupID: su.ID, UserID: userID, From: su.Status, To: StatusCancelled}
	return c, t.Event(ctx, tx, owner, su.ID, userID, "cancel", su.Status, StatusCancelled, "")
}

// Decide approves (reason ignored) or rejects the sign-up of the township the caller
// locked, as role decides (Approve, Reject); refusals are ErrInvalidTransition with the
// reason. The caller promotes (Promote) when a rejection freed a seat (HoldsSeat(From)).
func (t Tables) Decide(ctx context.Context, tx *sqlx.Tx, owner, signupID, township int64, role string, actorID int64, approve bool, reason string) (Change, error) {
	var su struct {
		UserID     int64  `db:"user_id"`
		Status     string `db:"status"`
		TownshipID int64  `db:"township_id"`
	}
	err := tx.GetContext(ctx, &su, `SELECT user_id, status, township_id FROM `+t.Signups+`
		WHERE id = $1 AND `+t.Owner+` = $2 FOR UPDATE`, signupID, owner)
	if err != nil {
		return Change{}, err
	}
	if su.TownshipID != township {
		return Change{}, ErrMoved
	}
	d := Reject(role, su.Status)
	if approve {
		d = Approve(role, su.Status)
	}
	if d.Refuse != "" {
		return Change{}, web.Refuse(ErrInvalidTransition, d.Refuse)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE `+t.Signups+` SET status = $2, reason = $3, updated_at = now() WHERE id = $1`,
		signupID, d.To, reason); err != nil {
		return Change{}, err
	}
	action := map[bool]string{true: "approve", false: "reject"}[approve]
	if approve && role == web.RoleAdmin {
		action = "final_approve"
	}
	c := Change{SignupID: signupID, UserID: su.UserID, From: su.Status, To: d.To}
	return c, t.Event(ctx, tx, owner, signupID, actorID, action, su.Status, d.To, reason)
}

// Promote moves the township's earliest waiters into the seats it has free (Free), with
// an event each, and returns who moved up so the feature can tell them.
func (t Tables) Promote(ctx context.Context, tx *sqlx.Tx, owner, township int64, total int, actorID int64) ([]Change, error) {
	quota, held, totalHeld, err := t.Count(ctx, tx, owner, township)
	if err != nil {
		return nil, err
	}
	free := Free(quota, held, total, totalHeld)
	if free == 0 {
		return nil, nil
	}
	var rows []struct {
		ID     int64 `db:"id"`
		UserID int64 `db:"user_id"`
		Seq    int64 `db:"queue_seq"`
	}
	if err := tx.SelectContext(ctx, &rows, `SELECT id, user_id, queue_seq FROM `+t.Signups+`
		WHERE `+t.Owner+` = $1 AND township_id = $2 AND status = 'waitlisted' ORDER BY queue_seq LIMIT $3`,
		owner, township, free); err != nil {
		return nil, err
	}
	waiting := make([]Waiter, len(rows))
	users := map[int64]int64{}
	for i, r := range rows {
		waiting[i] = Waiter{SignupID: r.ID, QueueSeq: r.Seq}
		users[r.ID] = r.UserID
	}
	var moved []Change
	for _, w := range Promote(free, waiting) {
		if _, err := tx.ExecContext(ctx, `UPDATE `+t.Signups+` SET status = 'pending', updated_at = now() WHERE id = $1`, w.SignupID); err != nil {
			return nil, err
		}
		if err := t.Event(ctx, tx, owner, w.SignupID, actorID, "promote", StatusWaitlisted, StatusPending, "有名额空出，按候补顺序递补"); err != nil {
			return nil, err
		}
		moved = append(moved, Change{SignupID: w.SignupID, UserID: users[w.SignupID], From: StatusWaitlisted, To: StatusPending})
	}
	return moved, nil
}

// Township returns the township a sign-up belongs to (sql.ErrNoRows: none), read before
// locking; the locked functions check it did not change (ErrMoved).
func (t Tables) Township(ctx context.Context, q sqlx.QueryerContext, owner int64, where string, args ...any) (int64, error) {
	var tid int64
	err := sqlx.GetContext(ctx, q, &tid, fmt.Sprintf(`SELECT township_id FROM %s WHERE %s = $1 AND %s`, t.Signups, t.Owner, where),
		append([]any{owner}, args...)...)
	return tid, err
}
