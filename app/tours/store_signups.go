package tours

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

// CoursesLeft counts the user's 必修 courses of the year not completed yet (the courses
// feature owns the rule; app/features.go wires it into Deps).
type CoursesLeft func(ctx context.Context, q sqlx.QueryerContext, userID int64, year int) (int, error)

// Actor is who nominates, approves or rejects.
type Actor struct {
	UserID int64
	Role   string
	Scope  web.Scope
}

// ActorOf is the signed-in person as an Actor.
func ActorOf(me *web.Identity) Actor {
	return Actor{UserID: me.UserID, Role: me.Role, Scope: web.ScopeOf(me)}
}

// signupTownship finds the township a sign-up belongs to, before locking it.
func (s *Store) signupTownship(ctx context.Context, where string, args ...any) (int64, error) {
	var tid int64
	err := s.db.GetContext(ctx, &tid, `SELECT township_id FROM tour_signups WHERE `+where, args...)
	return tid, err
}

// secretaryTownship returns an active secretary's township (ErrSecretaryNotFound for
// anybody else).
func (s *Store) secretaryTownship(ctx context.Context, userID int64) (int64, error) {
	var u struct {
		Role       string        `db:"role"`
		Active     bool          `db:"active"`
		TownshipID sql.NullInt64 `db:"township_id"`
	}
	err := s.db.GetContext(ctx, &u, `SELECT role, active, township_id FROM users WHERE id = $1`, userID)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (u.Role != web.RoleSecretary || !u.Active || !u.TownshipID.Valid) {
		return 0, ErrSecretaryNotFound
	}
	return u.TownshipID.Int64, err
}

// Signup signs the user up for the tour: a seat while the township's quota lasts, else
// its waiting list. Locks: the tour FOR SHARE, the township's quota FOR UPDATE, the
// sign-up row.
func (s *Store) Signup(ctx context.Context, tourID, userID int64, note string) (status string, err error) {
	if note, err = cleanNote(note); err != nil {
		return "", err
	}
	township, err := s.secretaryTownship(ctx, userID)
	if err != nil {
		return "", err
	}
	return s.signup(ctx, tourID, userID, township, note, 0)
}

// Nominate signs up a secretary of the actor's township (any township for admins) on
// the actor's behalf; drafts are not found for non-admins. Locks: as Signup.
func (s *Store) Nominate(ctx context.Context, me *web.Identity, tourID int64, in NominationInput) (string, error) {
	if in.UserID <= 0 {
		return "", ErrNoNominee
	}
	if _, err := s.View(ctx, me, tourID); err != nil {
		return "", err
	}
	township, err := s.secretaryTownship(ctx, in.UserID)
	if err != nil {
		return "", err
	}
	if !web.ScopeOf(me).Allows(township) {
		return "", ErrNomineeElsewhere
	}
	note, err := cleanNote(in.Note)
	if err != nil {
		return "", err
	}
	return s.signup(ctx, tourID, in.UserID, township, note, me.UserID)
}

// signup places the user (nominatorID 0: the user signs up themself).
func (s *Store) signup(ctx context.Context, tourID, userID, township int64, note string, nominatorID int64) (status string, err error) {
	err = s.withLock(ctx, tourID, township, func(tx *sqlx.Tx, t Tour) error {
		if t.Status == TourDraft {
			return ErrTourNotFound
		}
		if why := SignupRefusal(t.window(), s.now()); why != "" {
			return refuse(ErrSignupClosed, why)
		}
		var prev struct {
			Status string `db:"status"`
		}
		err := tx.GetContext(ctx, &prev, `SELECT status FROM tour_signups WHERE tour_id = $1 AND user_id = $2 FOR UPDATE`, tourID, userID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		switch {
		case Active(prev.Status):
			return refuse(ErrAlreadySignedUp, "已报名该考察活动（"+StatusName(prev.Status)+"），不能重复报名")
		case prev.Status == StatusRejected:
			return ErrAlreadyRejected
		}
		if t.RequireCourses {
			if s.coursesLeft == nil {
				return ErrNoCourseRule
			}
			left, err := s.coursesLeft(ctx, tx, userID, t.Year)
			if err != nil {
				return err
			}
			if why := EligibilityRefusal(t.Year, left); why != "" {
				return refuse(ErrNotEligible, why)
			}
		}
		quota, held, totalHeld, err := seats(ctx, tx, tourID, township)
		if err != nil {
			return err
		}
		if quota == 0 {
			return ErrNoQuota
		}
		status = Place(quota, held)
		if status == StatusPending && totalHeld >= t.TotalSeats {
			status = StatusWaitlisted
		}
		var id int64
		err = tx.GetContext(ctx, &id, `INSERT INTO tour_signups (tour_id, user_id, township_id, status, note, nominated_by)
			VALUES ($1, $2, $3, $4, $5, NULLIF($6,0::bigint))
			ON CONFLICT (tour_id, user_id) DO UPDATE SET status = EXCLUDED.status, note = EXCLUDED.note, reason = '',
				nominated_by = EXCLUDED.nominated_by, township_id = EXCLUDED.township_id,
				queue_seq = nextval('tour_queue_seq'), created_at = now(), updated_at = now()
			RETURNING id`, tourID, userID, township, status, note, nominatorID)
		if err != nil {
			return err
		}
		action, actor := "signup", userID
		if nominatorID != 0 {
			action, actor = "nominate", nominatorID
		}
		if err := event(ctx, tx, tourID, id, actor, action, prev.Status, status, note); err != nil {
			return err
		}
		body := "您已报名「" + t.Title + "」，等待乡镇组织委员审核。"
		if nominatorID != 0 {
			body = "乡镇组织委员推荐您参加「" + t.Title + "」，等待审核。"
		}
		if status == StatusWaitlisted {
			body = "「" + t.Title + "」本乡镇名额已满，您已进入候补名单，有名额空出时将按顺序自动递补。"
		}
		return message(ctx, tx, userID, tourID, body)
	})
	return status, err
}

// Cancel withdraws the user's sign-up before the cancellation deadline; a freed seat goes
// to the first waiter of the same township; a confirmed participant's 学时 of the tour
// stop counting (hours.Withdraw). Locks: the tour FOR SHARE, the township's quota FOR
// UPDATE, the sign-up row, then the person's ledger entry of the tour.
func (s *Store) Cancel(ctx context.Context, tourID, userID int64) error {
	township, err := s.signupTownship(ctx, `tour_id = $1 AND user_id = $2`, tourID, userID)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := s.Tour(ctx, tourID); err != nil {
			return err
		}
		return ErrNotSignedUp
	}
	if err != nil {
		return err
	}
	return s.withLock(ctx, tourID, township, func(tx *sqlx.Tx, t Tour) error {
		var su struct {
			ID         int64  `db:"id"`
			Status     string `db:"status"`
			TownshipID int64  `db:"township_id"`
		}
		err := tx.GetContext(ctx, &su, `SELECT id, status, township_id FROM tour_signups WHERE tour_id = $1 AND user_id = $2 FOR UPDATE`, tourID, userID)
		if err != nil {
			return err
		}
		if su.TownshipID != township {
			return ErrMoved
		}
		if !Active(su.Status) {
			return ErrNothingToCancel
		}
		if why := CancelRefusal(t.window(), su.Status, s.now()); why != "" {
			return refuse(ErrCancelClosed, why)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tour_signups SET status = 'cancelled', updated_at = now() WHERE id = $1`, su.ID); err != nil {
			return err
		}
		if err := event(ctx, tx, tourID, su.ID, userID, "cancel", su.Status, StatusCancelled, ""); err != nil {
			return err
		}
		if su.Status == StatusConfirmed {
			if err := withdraw(ctx, tx, tourID, userID, "本人取消了考察报名"); err != nil {
				return err
			}
		}
		if err := message(ctx, tx, userID, tourID, "您已取消「"+t.Title+"」的报名。"); err != nil {
			return err
		}
		if HoldsSeat(su.Status) {
			return promote(ctx, tx, tourID, su.TownshipID, userID)
		}
		return nil
	})
}

// CancelPlan is what cancelling the viewer's sign-up would do, for the confirmation page.
type CancelPlan struct {
	Tour        TourView
	Waiting     int    // people waiting in the sign-up's township
	Consequence string // CancelConsequence of the sign-up as it is now
}

// CancelPlan reads (locks nothing) what Cancel would do now for the viewer's sign-up, with
// the errors Cancel would give: none (404), nothing active (404), past the deadline (409).
func (s *Store) CancelPlan(ctx context.Context, me *web.Identity, tourID int64) (CancelPlan, error) {
	v, err := s.View(ctx, me, tourID)
	if err != nil {
		return CancelPlan{}, err
	}
	switch {
	case v.MyStatus == "":
		return CancelPlan{}, ErrNotSignedUp
	case !Active(v.MyStatus):
		return CancelPlan{}, ErrNothingToCancel
	}
	if why := CancelRefusal(v.window(), v.MyStatus, s.now()); why != "" {
		return CancelPlan{}, refuse(ErrCancelClosed, why)
	}
	p := CancelPlan{Tour: v}
	if HoldsSeat(v.MyStatus) {
		err = s.db.GetContext(ctx, &p.Waiting, `SELECT count(*) FROM tour_signups w
			JOIN tour_signups my ON my.tour_id = w.tour_id AND my.township_id = w.township_id
			WHERE my.id = $1 AND w.status = 'waitlisted'`, v.MySignupID)
		if err != nil {
			return CancelPlan{}, err
		}
	}
	p.Consequence = CancelConsequence(v.MyStatus, p.Waiting)
	return p, nil
}

// Decide approves (reason ignored) or rejects a sign-up of the tour. Sign-ups outside the
// actor's township are refused (403). The final approval credits the tour's 学时 to the
// person in the ledger (hours.Write: once, however often); rejecting a confirmed sign-up
// withdraws them (hours.Withdraw). Locks: the tour FOR SHARE, the township's quota FOR
// UPDATE, the sign-up row, then the person's ledger entry of the tour.
func (s *Store) Decide(ctx context.Context, tourID, signupID int64, a Actor, approve bool, reason string) (status string, err error) {
	if reason, err = cleanReason(reason, approve); err != nil {
		return "", err
	}
	township, err := s.signupTownship(ctx, `id = $1 AND tour_id = $2`, signupID, tourID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrSignupNotFound
	}
	if err != nil {
		return "", err
	}
	if !a.Scope.Allows(township) {
		return "", ErrOtherTownship
	}
	err = s.withLock(ctx, tourID, township, func(tx *sqlx.Tx, t Tour) error {
		var su struct {
			UserID     int64  `db:"user_id"`
			Status     string `db:"status"`
			TownshipID int64  `db:"township_id"`
		}
		err := tx.GetContext(ctx, &su, `SELECT user_id, status, township_id FROM tour_signups
			WHERE id = $1 AND tour_id = $2 FOR UPDATE`, signupID, tourID)
		if err != nil {
			return err
		}
		if su.TownshipID != township {
			return ErrMoved
		}
		var d Decision
		if approve {
			d = Approve(a.Role, su.Status)
		} else {
			d = Reject(a.Role, su.Status)
		}
		if d.Refuse != "" {
			return refuse(ErrInvalidTransition, d.Refuse)
		}
		status = d.To
		if _, err := tx.ExecContext(ctx, `UPDATE tour_signups SET status = $2, reason = $3, updated_at = now() WHERE id = $1`,
			signupID, d.To, reason); err != nil {
			return err
		}
		action := map[bool]string{true: "approve", false: "reject"}[approve]
		if approve && a.Role == web.RoleAdmin {
			action = "final_approve"
		}
		if err := event(ctx, tx, tourID, signupID, a.UserID, action, su.Status, d.To, reason); err != nil {
			return err
		}
		switch {
		case d.To == StatusConfirmed:
			if err := credit(ctx, tx, t, su.UserID, a.UserID, s.now()); err != nil {
				return err
			}
		case su.Status == StatusConfirmed:
			if err := withdraw(ctx, tx, tourID, su.UserID, "考察报名被驳回："+reason); err != nil {
				return err
			}
		}
		var body string
		switch {
		case d.To == StatusApproved:
			body = "您报名的「" + t.Title + "」已通过乡镇审核，等待县委组织部终审。"
		case d.To == StatusConfirmed:
			body = "您报名的「" + t.Title + "」已通过县委组织部终审，请按时参加。"
		default:
			body = "您报名的「" + t.Title + "」未通过审核。理由：" + reason
		}
		if err := message(ctx, tx, su.UserID, tourID, body); err != nil {
			return err
		}
		if d.To == StatusRejected && HoldsSeat(su.Status) {
			return promote(ctx, tx, tourID, su.TownshipID, a.UserID)
		}
		return nil
	})
	return status, err
}

// seats returns the township's quota, the seats it holds and the seats the whole tour holds.
func seats(ctx context.Context, tx *sqlx.Tx, tourID, townshipID int64) (quota, held, totalHeld int, err error) {
	err = tx.QueryRowxContext(ctx, `SELECT
		COALESCE((SELECT seats FROM tour_quotas WHERE tour_id = $1 AND township_id = $2), 0),
		count(*) FILTER (WHERE township_id = $2),
		count(*)
		FROM tour_signups WHERE tour_id = $1 AND status IN ('pending','approved','confirmed')`, tourID, townshipID).
		Scan(&quota, &held, &totalHeld)
	return
}

// promote moves the township's earliest waiters into the seats it has free.
func promote(ctx context.Context, tx *sqlx.Tx, tourID, townshipID, actorID int64) error {
	var t struct {
		Title string `db:"title"`
		Total int    `db:"total_seats"`
	}
	if err := tx.GetContext(ctx, &t, `SELECT title, total_seats FROM tours WHERE id = $1`, tourID); err != nil {
		return err
	}
	quota, held, totalHeld, err := seats(ctx, tx, tourID, townshipID)
	if err != nil {
		return err
	}
	// Quotas add up to at most the total, but stay safe should they ever not.
	if room := held + t.Total - totalHeld; room < quota {
		quota = room
	}
	if held >= quota {
		return nil
	}
	var rows []struct {
		ID     int64 `db:"id"`
		UserID int64 `db:"user_id"`
		Seq    int64 `db:"queue_seq"`
	}
	if err := tx.SelectContext(ctx, &rows, `SELECT id, user_id, queue_seq FROM tour_signups
		WHERE tour_id = $1 AND township_id = $2 AND status = 'waitlisted' ORDER BY queue_seq LIMIT $3`,
		tourID, townshipID, quota-held); err != nil {
		return err
	}
	waiting := make([]Waiter, len(rows))
	users := map[int64]int64{}
	for i, r := range rows {
		waiting[i] = Waiter{SignupID: r.ID, QueueSeq: r.Seq}
		users[r.ID] = r.UserID
	}
	for _, w := range Promote(quota, held, waiting) {
		if _, err := tx.ExecContext(ctx, `UPDATE tour_signups SET status = 'pending', updated_at = now() WHERE id = $1`, w.SignupID); err != nil {
			return err
		}
		if err := event(ctx, tx, tourID, w.SignupID, actorID, "promote", StatusWaitlisted, StatusPending, "有名额空出，按候补顺序递补"); err != nil {
			return err
		}
		if err := message(ctx, tx, users[w.SignupID], tourID, "您在「"+t.Title+"」的候补已递补为正式名额，等待乡镇组织委员审核。"); err != nil {
			return err
		}
	}
	return nil
}
