package tours

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"zhibu/app/web"
)

// The staff desk of a tour at county scale: the sign-up list paged, searched and
// filtered on the server, the nominee search and what a rejection would do.

// SignupFilter narrows a tour's sign-up list for staff.
type SignupFilter struct {
	Query      string // part of a name, phone number or branch name
	TownshipID int64  // 0: every township of the scope (organizers: always their own)
	Status     string // "": every status but cancelled; else one of SignupStatuses
}

// SignupPage is one page of a tour's sign-up list with the counts of the filter.
type SignupPage struct {
	Rows  []Signup
	Total int // sign-ups matching the whole filter (what is paged)
	// Counts are the sign-ups per status matching the query and the township, whatever
	// the status filter; Active sums all but the cancelled ones.
	Counts map[string]int
	Active int
}

// signupBase selects a tour's sign-ups of one township ($2, NULL: all) with their place on
// the waiting list, numbered before any search so a filtered list keeps the real places,
// narrowed by the search ($3).
const signupBase = `WITH base AS (
	SELECT s.id, s.user_id, u.name, COALESCE(u.phone, '') AS phone, COALESCE(b.name, '') AS branch,
		s.township_id, tw.name AS township, tw.sort AS tsort, s.status, s.note, s.reason,
		COALESCE(n.name, '') AS nominated_by, s.queue_seq,
		CASE WHEN s.status = 'waitlisted' THEN
			row_number() OVER (PARTITION BY s.township_id, s.status = 'waitlisted' ORDER BY s.queue_seq) ELSE 0 END AS position,
		s.created_at
	FROM tour_signups s
	JOIN users u ON u.id = s.user_id
	JOIN townships tw ON tw.id = s.township_id
	LEFT JOIN branches b ON b.id = u.branch_id
	LEFT JOIN users n ON n.id = s.nominated_by
	WHERE s.tour_id = $1 AND ($2::bigint IS NULL OR s.township_id = $2)
), hit AS (
	SELECT * FROM base WHERE $3 = '' OR strpos(lower(name), lower($3)) > 0 OR strpos(phone, $3) > 0
		OR strpos(lower(branch), lower($3)) > 0
)`

// SignupPage returns one page of a tour's sign-ups inside the scope: an organizer's scope
// fixes the township whatever f asks. first is the status listed first (the viewer's
// to-do); then township, status (SignupStatuses order) and queue order.
func (s *Store) SignupPage(ctx context.Context, tourID int64, scope web.Scope, f SignupFilter, first string, offset, limit int) (SignupPage, error) {
	p := SignupPage{Counts: map[string]int{}}
	township := scope.Township()
	if !township.Valid && f.TownshipID > 0 {
		township = sql.NullInt64{Int64: f.TownshipID, Valid: true}
	}
	q := strings.TrimSpace(f.Query)
	var counts []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &counts, signupBase+`SELECT status, count(*) AS n FROM hit GROUP BY status`,
		tourID, township, q); err != nil {
		return p, err
	}
	for _, c := range counts {
		p.Counts[c.Status] = c.N
		if c.Status != StatusCancelled {
			p.Active += c.N
		}
	}
	p.Total = p.Active
	if f.Status != "" {
		p.Total = p.Counts[f.Status]
	}
	err := s.db.SelectContext(ctx, &p.Rows, signupBase+`
		SELECT id, user_id, name, phone, branch, township_id, township, status, note, reason, nominated_by, position, created_at
		FROM hit WHERE ($4 = '' AND status <> 'cancelled') OR status = $4
		ORDER BY (status = $5) DESC, tsort, township_id,
			array_position(ARRAY['confirmed','approved','pending','waitlisted','rejected','cancelled'], status), queue_seq
		LIMIT $6 OFFSET $7`, tourID, township, q, f.Status, first, limit, offset)
	return p, err
}

// Nominees finds active secretaries inside the scope whose name, phone number or branch
// holds query and who hold no sign-up on the tour that would refuse a nomination, at
// most limit of them (limit+1 are read so the caller can tell there are more).
func (s *Store) Nominees(ctx context.Context, tourID int64, scope web.Scope, query string, limit int) ([]Signup, error) {
	var rows []Signup
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, nil
	}
	err := s.db.SelectContext(ctx, &rows, `
		SELECT u.id AS user_id, u.name, COALESCE(u.phone, '') AS phone, COALESCE(b.name, '') AS branch,
			u.township_id, tw.name AS township
		FROM users u JOIN townships tw ON tw.id = u.township_id LEFT JOIN branches b ON b.id = u.branch_id
		WHERE u.role = 'secretary' AND u.active AND ($2::bigint IS NULL OR u.township_id = $2)
			AND (strpos(lower(u.name), lower($3)) > 0 OR strpos(COALESCE(u.phone, ''), $3) > 0
				OR strpos(lower(COALESCE(b.name, '')), lower($3)) > 0)
			AND NOT EXISTS (SELECT 1 FROM tour_signups s WHERE s.tour_id = $1 AND s.user_id = u.id
				AND s.status IN ('pending','approved','confirmed','waitlisted','rejected'))
		ORDER BY tw.sort, tw.id, b.name, u.name, u.id LIMIT $4`, tourID, scope.Township(), query, limit+1)
	return rows, err
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
	if d.Page, err = s.SignupPage(ctx, id, scope, dq.Filter, ToDo(me.Role), dq.Offset, dq.Limit); err != nil {
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
	err = s.db.GetContext(ctx, &p.Signup, signupBase+`
		SELECT id, user_id, name, phone, branch, township_id, township, status, note, reason, nominated_by, position, created_at
		FROM base WHERE id = $4`, tourID, nil, "", signupID)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrSignupNotFound
	}
	if err != nil {
		return p, err
	}
	if !web.ScopeOf(me).Allows(p.Signup.TownshipID) {
		return p, ErrOtherTownship
	}
	if d := Reject(me.Role, p.Signup.Status); d.Refuse != "" {
		return p, refuse(ErrInvalidTransition, d.Refuse)
	}
	if HoldsSeat(p.Signup.Status) {
		if err := s.db.GetContext(ctx, &p.Waiting, `SELECT count(*) FROM tour_signups
			WHERE tour_id = $1 AND township_id = $2 AND status = 'waitlisted'`, tourID, p.Signup.TownshipID); err != nil {
			return p, err
		}
	}
	p.Consequence = RejectConsequence(p.Signup.Status, p.Waiting)
	return p, nil
}
