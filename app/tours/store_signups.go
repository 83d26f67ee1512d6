package tours

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"

	"zhibu/app/seats"
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
		j := seats.Join{Owner: tourID, UserID: userID, Township: township, Total: t.TotalSeats, Note: note, NominatorID: nominatorID}
		if t.RequireCourses {
			j.Eligible = func() error {
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
				return nil
			}
		}
		joined, err := tables.Join(ctx, tx, j)
		if err != nil {
			return err
		}
		status = joined.Status
		what, body := "报名已提交", "您已报名「"+t.Title+"」，等待乡镇组织委员审核。"
		if nominatorID != 0 {
			what, body = "乡镇推荐您参加", "乡镇组织委员推荐您参加「"+t.Title+"」，等待审核。"
		}
		if status == seats.StatusWaitlisted {
			what, body = "已进入候补名单", "「"+t.Title+"」本乡镇名额已满，您已进入候补名单，有名额空出时将按顺序自动递补。"
		}
		return s.tell(ctx, tx, message(userID, t, what, body))
	})
	return status, err
}

// Cancel withdraws the user's sign-up before the cancellation deadline; a freed seat goes
// to the first waiter of the same township; a confirmed participant's 学时 of the tour
// stop counting (hours.Withdraw). Locks: the tour FOR SHARE, the township's quota FOR
// UPDATE, the sign-up row, then the person's ledger entry of the tour.
func (s *Store) Cancel(ctx context.Context, tourID, userID int64) error {
	township, err := tables.Township(ctx, s.db, tourID, `user_id = $2`, userID)
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
		c, err := tables.Cancel(ctx, tx, tourID, userID, township, func(status string) error {
			if why := CancelRefusal(t.window(), status, s.now()); why != "" {
				return refuse(ErrCancelClosed, why)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if c.From == seats.StatusConfirmed {
			if err := withdraw(ctx, tx, tourID, userID, "本人取消了考察报名"); err != nil {
				return err
			}
		}
		if err := s.tell(ctx, tx, message(userID, t, "报名已取消", "您已取消「"+t.Title+"」的报名。")); err != nil {
			return err
		}
		if seats.HoldsSeat(c.From) {
			return s.promote(ctx, tx, t, township, userID)
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
	case !seats.Active(v.MyStatus):
		return CancelPlan{}, ErrNothingToCancel
	}
	if why := CancelRefusal(v.window(), v.MyStatus, s.now()); why != "" {
		return CancelPlan{}, refuse(ErrCancelClosed, why)
	}
	p := CancelPlan{Tour: v}
	if seats.HoldsSeat(v.MyStatus) {
		township, err := tables.Township(ctx, s.db, tourID, `id = $2`, v.MySignupID)
		if err != nil {
			return CancelPlan{}, err
		}
		if p.Waiting, err = tables.Waiting(ctx, s.db, tourID, township); err != nil {
			return CancelPlan{}, err
		}
	}
	p.Consequence = seats.CancelConsequence(v.MyStatus, p.Waiting)
	return p, nil
}

// Decide approves (reason ignored) or rejects a sign-up of the tour. Sign-ups outside the
// actor's township are refused (403). The final approval credits the tour's 学时 to the
// person in the ledger (hours.Write: once, however often) unless the tour asks for a
// report (then its acceptance does, ReviewReport); rejecting a confirmed sign-up
// withdraws them (hours.Withdraw). Locks: the tour FOR SHARE, the township's quota FOR
// UPDATE, the sign-up row, then the person's ledger entry of the tour.
func (s *Store) Decide(ctx context.Context, tourID, signupID int64, a Actor, approve bool, reason string) (status string, err error) {
	if reason, err = cleanReason(reason, approve); err != nil {
		return "", err
	}
	township, err := tables.Township(ctx, s.db, tourID, `id = $2`, signupID)
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
		c, err := tables.Decide(ctx, tx, tourID, signupID, township, a.Role, a.UserID, approve, reason)
		if err != nil {
			return err
		}
		status = c.To
		switch {
		case c.To == seats.StatusConfirmed:
			// A tour that asks for a report credits on its acceptance (ReviewReport).
			if !Credited(t.ReportDue != nil, false) {
				break
			}
			if err := credit(ctx, tx, t, c.UserID, a.UserID, s.now()); err != nil {
				return err
			}
		case c.From == seats.StatusConfirmed:
			if err := withdraw(ctx, tx, tourID, c.UserID, "考察报名被驳回："+reason); err != nil {
				return err
			}
		}
		var what, body string
		switch {
		case c.To == seats.StatusApproved:
			what, body = "报名已通过乡镇审核", "您报名的「"+t.Title+"」已通过乡镇审核，等待县委组织部终审。"
		case c.To == seats.StatusConfirmed:
			what, body = "报名已通过终审", "您报名的「"+t.Title+"」已通过县委组织部终审，请按时参加。"
		default:
			what, body = "报名未通过审核", "您报名的「"+t.Title+"」未通过审核。理由："+reason
		}
		if err := s.tell(ctx, tx, message(c.UserID, t, what, body)); err != nil {
			return err
		}
		if c.To == seats.StatusRejected && seats.HoldsSeat(c.From) {
			return s.promote(ctx, tx, t, township, a.UserID)
		}
		return nil
	})
	return status, err
}

// promote moves the township's earliest waiters into the seats it has free and tells them.
func (s *Store) promote(ctx context.Context, tx *sqlx.Tx, t Tour, township, actorID int64) error {
	moved, err := tables.Promote(ctx, tx, t.ID, township, t.TotalSeats, actorID)
	if err != nil {
		return err
	}
	msgs := make([]web.Message, 0, len(moved))
	for _, m := range moved {
		msgs = append(msgs, message(m.UserID, t, "候补已递补为正式名额", "您在「"+t.Title+"」的候补已递补为正式名额，等待乡镇组织委员审核。"))
	}
	return s.tell(ctx, tx, msgs...)
}
