package tours

import (
	"context"
	"database/sql"
	"errors"

	"zhibu/app/seats"
	"zhibu/app/web"
)

// The staff desk of a tour at county scale: the sign-up list paged, searched and
// filtered on the server, the nominee search and what a rejection would do.

// SignupFilter narrows a tour's sign-up list for staff.
type SignupFilter = seats.Filter

// SignupPage is one page of a tour's sign-up list with the counts of the filter.
type SignupPage = seats.Page

// SignupPage returns one page of a tour's sign-ups inside the scope: an organizer's scope
// fixes the township whatever f asks. first is the status listed first (the viewer's
// to-do).
func (s *Store) SignupPage(ctx context.Context, tourID int64, scope web.Scope, f SignupFilter, first string, offset, limit int) (SignupPage, error) {
	township := scope.Township()
	if !township.Valid && f.TownshipID > 0 {
		township = sql.NullInt64{Int64: f.TownshipID, Valid: true}
	}
	return tables.Page(ctx, s.db, tourID, township, f, first, offset, limit)
}

// Nominees finds active secretaries inside the scope whose name, phone number or branch
// holds query and who hold no sign-up on the tour that would refuse a nomination, at
// most limit of them (limit+1 are read so the caller can tell there are more).
func (s *Store) Nominees(ctx context.Context, tourID int64, scope web.Scope, query string, limit int) ([]Signup, error) {
	return tables.Nominees(ctx, s.db, tourID, scope.Township(), query, limit)
}

// Desk is what staff work with on a tour: quota use in their scope, one page of the
// sign-ups, the nominees found and for admins the audit trail.
type Desk struct {
	Tour     TourView
	Usage    []TownshipUse
	Page     SignupPage
	Nominees []Signup
	Events   []Event
}

// DeskQuery is what the desk was asked for.
type DeskQuery struct {
	Filter        SignupFilter
	Offset, Limit int
	Nominee       string // the nominee search ("": none)
	NomineeLimit  int
}

// Desk returns a tour's desk for staff (drafts for admins only).
func (s *Store) Desk(ctx context.Context, me *web.Identity, id int64, dq DeskQuery) (Desk, error) {
	var d Desk
	var err error
	if d.Tour, err = s.View(ctx, me, id); err != nil {
		return d, err
	}
	scope := web.ScopeOf(me)
	if d.Usage, err = s.Usage(ctx, id, scope); err != nil {
		return d, err
	}
	if d.Page, err = s.SignupPage(ctx, id, scope, dq.Filter, seats.ToDo(me.Role), dq.Offset, dq.Limit); err != nil {
		return d, err
	}
	if d.Nominees, err = s.Nominees(ctx, id, scope, dq.Nominee, dq.NomineeLimit); err != nil {
		return d, err
	}
	if me.Role == web.RoleAdmin {
		d.Events, err = s.Events(ctx, id, 20)
	}
	return d, err
}

// RejectPlan is what rejecting one sign-up would do, for the confirmation page.
type RejectPlan struct {
	Tour        TourView
	Signup      Signup
	Waiting     int    // people waiting in the sign-up's township
	Consequence string // RejectConsequence of the sign-up as it is now
}

// RejectPlan reads (locks nothing) what Decide would do when rejecting the sign-up now,
// with the errors Decide would give: unknown (404), another township (403), a status the
// viewer may not reject (409).
func (s *Store) RejectPlan(ctx context.Context, me *web.Identity, tourID, signupID int64) (RejectPlan, error) {
	v, err := s.View(ctx, me, tourID)
	if err != nil {
		return RejectPlan{}, err
	}
	p := RejectPlan{Tour: v}
	p.Signup, err = tables.One(ctx, s.db, tourID, signupID)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrSignupNotFound
	}
	if err != nil {
		return p, err
	}
	if !web.ScopeOf(me).Allows(p.Signup.TownshipID) {
		return p, ErrOtherTownship
	}
	if d := seats.Reject(me.Role, p.Signup.Status); d.Refuse != "" {
		return p, refuse(ErrInvalidTransition, d.Refuse)
	}
	if seats.HoldsSeat(p.Signup.Status) {
		if p.Waiting, err = tables.Waiting(ctx, s.db, tourID, p.Signup.TownshipID); err != nil {
			return p, err
		}
	}
	p.Consequence = seats.RejectConsequence(p.Signup.Status, p.Waiting, true)
	return p, nil
}
