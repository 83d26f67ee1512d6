package classes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"zhibu/app/seats"
	"zhibu/app/web"
)

// A county class filled by per-township quotas: organizers nominate their secretaries,
// the county confirms, beyond a township's quota people wait in its queue. It is the one
// mechanism of the study tours (app/seats) on the class's own tables
// (migrations/00064_class_seats.sql). A confirmed nomination makes the person a
// participant (addPeople); a confirmed one rejected takes them out again (dropPerson).
//
// Lock order (seats.Tables): the class row (FOR UPDATE to change the quotas, FOR SHARE
// otherwise), the township's quota row, the sign-up row, then the participant row.

// seatTables are the classes' seat tables.
var seatTables = seats.Tables{Owner: "class_id", Quotas: "class_quotas", Signups: "class_signups",
	Queue: "class_queue_seq", Events: "class_events"}

// QuotaInput is what the county sets: the total of seats and each township's quota
// (township id → seats; a township left out has none). TotalSeats 0 stops nominations
// of a class nobody was nominated to yet.
type QuotaInput struct {
	TotalSeats int           `json:"total_seats"`
	Quotas     map[int64]int `json:"quotas"`
}

// NominationRefusal gives the Chinese reason why nobody can be nominated to the class now
// ("" when they can): a closed class, a class without quotas, a class that has begun.
func NominationRefusal(c Class, now func() bool) string {
	switch {
	case c.Closed():
		return "培训班已结班，不能再推荐"
	case c.TotalSeats == nil:
		return "该培训班不按名额推荐，学员由举办方直接安排"
	case now():
		return "培训班已开班，不能再推荐"
	}
	return ""
}

// begun tells whether the class's first session has started.
func (s *Store) begun(c Class) func() bool {
	return func() bool { return c.FirstStart != nil && !s.now().Before(*c.FirstStart) }
}

// SetQuotas sets a county class's total and quotas (admins only), and promotes waiters
// into seats a larger quota frees. Locks: the class row FOR UPDATE.
func (s *Store) SetQuotas(ctx context.Context, me *web.Identity, classID int64, in QuotaInput) error {
	return s.withClass(ctx, me, classID, true, func(tx *sqlx.Tx, c Class) error {
		if me.Role != web.RoleAdmin {
			return ErrNotManager
		}
		if !c.County() {
			return ErrCountyOnly
		}
		if c.Closed() {
			return ErrClosed
		}
		held, err := seatTables.Held(ctx, tx, classID)
		if err != nil {
			return err
		}
		names := map[int64]string{}
		var towns []Township
		if err := tx.SelectContext(ctx, &towns, `SELECT id, name FROM townships`); err != nil {
			return err
		}
		for _, t := range towns {
			names[t.ID] = t.Name
		}
		problems := web.FieldErrors{}
		quotas := map[int64]int{}
		for tid, q := range in.Quotas {
			if _, ok := names[tid]; !ok {
				problems[seats.QuotaField(tid)] = "没有这个乡镇"
				continue
			}
			if q != 0 || held[tid] > 0 {
				quotas[tid] = q
			}
		}
		if in.TotalSeats == 0 && len(held) == 0 && len(quotas) == 0 {
			// No nominations any more (nobody holds a seat).
			if len(problems) > 0 {
				return web.Invalidf("请检查标红的项目", problems)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE classes SET total_seats = NULL, updated_at = now() WHERE id = $1`, classID); err != nil {
				return err
			}
			return seatTables.SaveQuotas(ctx, tx, classID, nil)
		}
		for k, v := range seats.QuotaProblems(in.TotalSeats, quotas, held, names) {
			problems[k] = v
		}
		if len(problems) > 0 {
			return web.Invalidf("请检查标红的项目", problems)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE classes SET total_seats = $2, updated_at = now() WHERE id = $1`, classID, in.TotalSeats); err != nil {
			return err
		}
		if err := seatTables.SaveQuotas(ctx, tx, classID, quotas); err != nil {
			return err
		}
		if err := seatTables.Event(ctx, tx, classID, 0, me.UserID, "quotas", "", "", fmt.Sprintf("总名额 %d", in.TotalSeats)); err != nil {
			return err
		}
		c.TotalSeats = &in.TotalSeats
		for tid := range quotas {
			if err := s.promote(ctx, tx, c, tid, me.UserID); err != nil {
				return err
			}
		}
		return nil
	})
}

// promote moves the township's earliest waiters into the seats it has free and tells
// them (as tours do: app/tours/store_signups.go promote).
func (s *Store) promote(ctx context.Context, tx *sqlx.Tx, c Class, township, actorID int64) error {
	moved, err := seatTables.Promote(ctx, tx, c.ID, township, *c.TotalSeats, actorID)
	if err != nil {
		return err
	}
	msgs := make([]web.Message, 0, len(moved))
	for _, m := range moved {
		msgs = append(msgs, classMessage(m.UserID, c, "/classes", "候补已递补为正式名额",
			"您参加「"+c.Title+"」的候补已递补为正式名额，等待乡镇组织委员审核。"))
	}
	return s.tell(ctx, tx, msgs...)
}

// withSeats runs fn holding the class row FOR SHARE and the township's quota row (the
// seats lock order) for a class the caller sees.
func (s *Store) withSeats(ctx context.Context, me *web.Identity, classID, township int64, fn func(*sqlx.Tx, Class) error) error {
	return s.withClass(ctx, me, classID, false, func(tx *sqlx.Tx, c Class) error {
		if err := seatTables.LockQuota(ctx, tx, classID, township); err != nil {
			return err
		}
		return fn(tx, c)
	})
}

// activeSecretary returns an active secretary's township (ErrSecretaryNotFound for
// anybody else).
func (s *Store) activeSecretary(ctx context.Context, userID int64) (int64, error) {
	var tid sql.NullInt64
	err := s.db.GetContext(ctx, &tid, `SELECT township_id FROM users WHERE id = $1 AND role = 'secretary' AND active`, userID)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !tid.Valid {
		return 0, ErrSecretaryNotFound
	}
	return tid.Int64, err
}

// cleanText trims a note or reason and checks it (field named in the 422).
func cleanText(field, v string, max int, required bool, missing string) (string, error) {
	v = strings.TrimSpace(v)
	errs := web.FieldErrors{}
	text(errs, field, v, max, required, missing)
	if len(errs) > 0 {
		return "", web.Invalidf(errs[field], errs)
	}
	return v, nil
}

// Nominate puts a secretary of the caller's township (any township for admins) on the
// class: a seat while the township's quota lasts, else its waiting list. Locks: the class
// FOR SHARE, the township's quota row, the sign-up row.
func (s *Store) Nominate(ctx context.Context, me *web.Identity, classID, userID int64, note string) (string, error) {
	note, err := cleanText("note", note, 200, false, "")
	if err != nil {
		return "", err
	}
	if userID <= 0 {
		return "", web.Invalidf("请选择要推荐的支部书记", web.FieldErrors{"user_id": "必填"})
	}
	township, err := s.activeSecretary(ctx, userID)
	if err != nil {
		return "", err
	}
	if !web.ScopeOf(me).Allows(township) {
		return "", ErrNomineeElsewhere
	}
	var status string
	err = s.withSeats(ctx, me, classID, township, func(tx *sqlx.Tx, c Class) error {
		if !staffOf(me, c) {
			return ErrNotManager
		}
		if why := NominationRefusal(c, s.begun(c)); why != "" {
			return refuse(ErrNominationClosed, why)
		}
		joined, err := seatTables.Join(ctx, tx, seats.Join{Owner: classID, UserID: userID, Township: township,
			Total: *c.TotalSeats, Note: note, NominatorID: me.UserID, Eligible: func() error {
				var in bool
				err := tx.GetContext(ctx, &in, `SELECT EXISTS (SELECT 1 FROM class_participants WHERE class_id = $1 AND user_id = $2)`, classID, userID)
				if err == nil && in {
					return ErrAlreadyIn
				}
				return err
			}})
		status = joined.Status
		return err
	})
	return status, err
}

// DecideSignup approves (reason ignored) or rejects a nomination as the caller's role
// decides (seats.Approve, seats.Reject). The county's final approval makes the person a
// participant; rejecting a confirmed one takes them out with their marks; a freed seat
// goes to the township's first waiter. Locks: the class FOR SHARE, the township's quota
// row, the sign-up row, the participant row.
func (s *Store) DecideSignup(ctx context.Context, me *web.Identity, classID, signupID int64, approve bool, reason string) (string, error) {
	if !approve {
		var err error
		if reason, err = cleanText("reason", reason, 200, true, "请填写驳回理由"); err != nil {
			return "", err
		}
	} else {
		reason = ""
	}
	township, err := seatTables.Township(ctx, s.db, classID, `id = $2`, signupID)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := s.Class(ctx, me, classID); err != nil {
			return "", err
		}
		return "", ErrSignupNotFound
	}
	if err != nil {
		return "", err
	}
	if !web.ScopeOf(me).Allows(township) {
		return "", ErrSignupElsewhere
	}
	var status string
	err = s.withSeats(ctx, me, classID, township, func(tx *sqlx.Tx, c Class) error {
		if !staffOf(me, c) {
			return ErrNotManager
		}
		if c.Closed() {
			return ErrClosed
		}
		ch, err := seatTables.Decide(ctx, tx, classID, signupID, township, me.Role, me.UserID, approve, reason)
		if err != nil {
			return err
		}
		status = ch.To
		switch {
		case ch.To == seats.StatusConfirmed:
			if _, err := s.addPeople(ctx, tx, me, c, []int64{ch.UserID}, false); err != nil {
				return err
			}
		case ch.From == seats.StatusConfirmed:
			if _, err := tx.ExecContext(ctx, `SELECT 1 FROM class_participants WHERE class_id = $1 AND user_id = $2 FOR UPDATE`,
				classID, ch.UserID); err != nil {
				return err
			}
			if err := dropPerson(ctx, tx, classID, ch.UserID); err != nil {
				return err
			}
		}
		switch ch.To {
		case seats.StatusConfirmed:
			err = s.tell(ctx, tx, classMessage(ch.UserID, c, "", "推荐已通过终审",
				"您被推荐参加「"+c.Title+"」，已通过县委组织部终审，请按课程安排参加。"))
		case seats.StatusRejected:
			err = s.tell(ctx, tx, classMessage(ch.UserID, c, "/classes", "推荐未通过审核",
				"您参加「"+c.Title+"」的推荐未通过审核。理由："+reason))
		}
		if err != nil {
			return err
		}
		if ch.To == seats.StatusRejected && seats.HoldsSeat(ch.From) {
			err = s.promote(ctx, tx, c, township, me.UserID)
		}
		return err
	})
	return status, err
}

// SeatDesk is what staff work with on a class filled by quotas.
type SeatDesk struct {
	Class    Class
	Usage    []seats.Use
	Page     seats.Page
	Nominees []seats.Row
}

// seatScope is the township whose nominations the caller handles (NULL: all).
func seatScope(me *web.Identity) sql.NullInt64 { return web.ScopeOf(me).Township() }

// Desk reads a class's quota use, one page of its nominations and the nominees found, in
// the caller's scope. Locks: none.
func (s *Store) Desk(ctx context.Context, me *web.Identity, classID int64, q seats.Query, offset, limit int) (SeatDesk, error) {
	var d SeatDesk
	var err error
	if d.Class, err = s.Class(ctx, me, classID); err != nil {
		return d, err
	}
	if !staffOf(me, d.Class) {
		return d, ErrNotManager
	}
	if !d.Class.County() {
		return d, ErrCountyOnly
	}
	scope := seatScope(me)
	if d.Usage, err = seatTables.Usage(ctx, s.db, classID, scope); err != nil {
		return d, err
	}
	township := scope
	if !township.Valid && q.Filter.TownshipID > 0 {
		township = sql.NullInt64{Int64: q.Filter.TownshipID, Valid: true}
	}
	if d.Page, err = seatTables.Page(ctx, s.db, classID, township, q.Filter, seats.ToDo(me.Role), offset, limit); err != nil {
		return d, err
	}
	d.Nominees, err = seatTables.Nominees(ctx, s.db, classID, scope, q.Who, seats.NomineeLimit)
	return d, err
}

// SeatRejectPlan is what rejecting one nomination would do, for the confirmation page.
type SeatRejectPlan struct {
	Class       Class
	Signup      seats.Row
	Consequence string
}

// RejectPlan reads (locks nothing) what DecideSignup would do when rejecting now, with
// the errors it would give.
func (s *Store) RejectPlan(ctx context.Context, me *web.Identity, classID, signupID int64) (SeatRejectPlan, error) {
	var p SeatRejectPlan
	var err error
	if p.Class, err = s.Class(ctx, me, classID); err != nil {
		return p, err
	}
	if !staffOf(me, p.Class) {
		return p, ErrNotManager
	}
	p.Signup, err = seatTables.One(ctx, s.db, classID, signupID)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrSignupNotFound
	}
	if err != nil {
		return p, err
	}
	if !web.ScopeOf(me).Allows(p.Signup.TownshipID) {
		return p, ErrSignupElsewhere
	}
	if d := seats.Reject(me.Role, p.Signup.Status); d.Refuse != "" {
		return p, web.Refuse(seats.ErrInvalidTransition, d.Refuse)
	}
	waiting := 0
	if seats.HoldsSeat(p.Signup.Status) {
		if waiting, err = seatTables.Waiting(ctx, s.db, classID, p.Signup.TownshipID); err != nil {
			return p, err
		}
	}
	p.Consequence = seats.RejectConsequence(p.Signup.Status, waiting, s.post != nil)
	if p.Signup.Status == seats.StatusConfirmed {
		p.Consequence += "；该学员将移出培训班，考勤和请假记录一并删除"
	}
	return p, nil
}

// Quotas reads every township's quota use for the quota form. Locks: none.
func (s *Store) Quotas(ctx context.Context, me *web.Identity, classID int64) (Class, []seats.Use, error) {
	c, err := s.Class(ctx, me, classID)
	if err != nil {
		return c, nil, err
	}
	if me.Role != web.RoleAdmin {
		return c, nil, ErrNotManager
	}
	if !c.County() {
		return c, nil, ErrCountyOnly
	}
	use, err := seatTables.Usage(ctx, s.db, classID, sql.NullInt64{})
	return c, use, err
}
