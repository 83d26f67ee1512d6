package tours

import (
	"context"
	"time"

	"zhibu/app/seats"
	"zhibu/app/web"
)

// TourView is a tour as one viewer sees it: seats of the viewer's township (or the whole
// county for admins) and the viewer's own sign-up.
type TourView struct {
	Tour
	Quota      int    `db:"quota" json:"quota"`
	Held       int    `db:"held" json:"held"`
	Waiting    int    `db:"waiting" json:"waiting"`
	TotalHeld  int    `db:"total_held" json:"total_held"`
	Pending    int    `db:"pending_count" json:"pending_count"`   // awaiting the viewer's decision
	MyStatus   string `db:"my_status" json:"my_status,omitempty"` // "" = not signed up
	MyReason   string `db:"my_reason" json:"my_reason,omitempty"`
	MySignupID int64  `db:"my_signup_id" json:"-"`
	SeatsLeft  int    `db:"-" json:"seats_left"`
	CanSignup  bool   `db:"-" json:"can_signup"`
	CanCancel  bool   `db:"-" json:"can_cancel"`
	Refusal    string `db:"-" json:"signup_refusal,omitempty"`
}

func (v *TourView) fill(now time.Time, role string) {
	v.SeatsLeft = v.Quota - v.Held
	if v.SeatsLeft < 0 {
		v.SeatsLeft = 0
	}
	v.Refusal = SignupRefusal(v.window(), now)
	v.CanSignup = role == web.RoleSecretary && v.Refusal == "" && !seats.Active(v.MyStatus) && v.MyStatus != seats.StatusRejected && v.Quota > 0
	v.CanCancel = role == web.RoleSecretary && CancelRefusal(v.window(), v.MyStatus, now) == ""
}

// StatusName and friends for templates.
func (v TourView) MyStatusName() string   { return seats.StatusName(v.MyStatus) }
func (v TourView) TourStatusName() string { return TourStatusName(v.Status) }

// Tours lists the tours the viewer may see: admins all, others every tour past draft.
// Seat figures are the viewer's township's (admins: the county's).
func (s *Store) Tours(ctx context.Context, me *web.Identity, onlyID int64) ([]TourView, error) {
	return s.tours(ctx, me, onlyID, 0, 0)
}

// TourPage is one page of the tours the viewer may see (as Tours) and how many there are.
func (s *Store) TourPage(ctx context.Context, me *web.Identity, offset, limit int) ([]TourView, int, error) {
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT count(*) FROM tours WHERE $1 OR status <> 'draft'`,
		me.Role == web.RoleAdmin); err != nil {
		return nil, 0, err
	}
	vs, err := s.tours(ctx, me, 0, offset, limit)
	return vs, total, err
}

// tours lists as Tours, limit of them from offset (limit 0: all).
func (s *Store) tours(ctx context.Context, me *web.Identity, onlyID int64, offset, limit int) ([]TourView, error) {
	scope := web.ScopeOf(me)
	pendingStatus := seats.ToDo(me.Role)
	var vs []TourView
	err := s.db.SelectContext(ctx, &vs, `
		SELECT `+tourCols+`,
			CASE WHEN $1::bigint IS NULL THEN t.total_seats
				ELSE COALESCE((SELECT seats FROM tour_quotas q WHERE q.tour_id = t.id AND q.township_id = $1), 0) END AS quota,
			COALESCE(c.held, 0) AS held, COALESCE(c.waiting, 0) AS waiting, COALESCE(c.total_held, 0) AS total_held,
			COALESCE(c.pending, 0) AS pending_count,
			COALESCE(my.status, '') AS my_status, COALESCE(my.reason, '') AS my_reason, COALESCE(my.id, 0) AS my_signup_id
		FROM tours t
		LEFT JOIN LATERAL (
			SELECT count(*) FILTER (WHERE s.status IN ('pending','approved','confirmed') AND ($1::bigint IS NULL OR s.township_id = $1)) AS held,
				count(*) FILTER (WHERE s.status = 'waitlisted' AND ($1::bigint IS NULL OR s.township_id = $1)) AS waiting,
				count(*) FILTER (WHERE s.status IN ('pending','approved','confirmed')) AS total_held,
				count(*) FILTER (WHERE s.status = $4 AND ($1::bigint IS NULL OR s.township_id = $1)) AS pending
			FROM tour_signups s WHERE s.tour_id = t.id) c ON true
		LEFT JOIN tour_signups my ON my.tour_id = t.id AND my.user_id = $2
		WHERE ($3 OR t.status <> 'draft') AND ($5::bigint = 0 OR t.id = $5)
		ORDER BY (t.status = 'open') DESC, (t.status = 'done'), t.starts_on DESC, t.id DESC
		LIMIT NULLIF($6::int, 0) OFFSET $7`,
		scope.Township(), me.UserID, me.Role == web.RoleAdmin, pendingStatus, onlyID, limit, offset)
	now := s.now()
	for i := range vs {
		vs[i].fill(now, me.Role)
	}
	return vs, err
}

// View returns one tour as the viewer sees it; drafts are not found for non-admins.
func (s *Store) View(ctx context.Context, me *web.Identity, id int64) (TourView, error) {
	vs, err := s.Tours(ctx, me, id)
	if err != nil {
		return TourView{}, err
	}
	if len(vs) == 0 {
		return TourView{}, ErrTourNotFound
	}
	return vs[0], nil
}

// TownshipUse is one township's quota use on a tour.
type TownshipUse = seats.Use

// Usage lists quota use per township inside the scope (every township for admins, so
// quotas can be given to any of them).
func (s *Store) Usage(ctx context.Context, tourID int64, scope web.Scope) ([]TownshipUse, error) {
	return tables.Usage(ctx, s.db, tourID, scope.Township())
}

// Signup is one sign-up as staff see it.
type Signup = seats.Row

// Signups lists a tour's sign-ups inside the scope, grouped by township, seat holders
// first, then the waiting list in order. all=false leaves out cancelled ones.
func (s *Store) Signups(ctx context.Context, tourID int64, scope web.Scope, all bool) ([]Signup, error) {
	return tables.All(ctx, s.db, tourID, scope.Township(), all)
}

// Event is one line of a tour's audit trail: a sign-up's (app/seats) or the tour's own.
type Event struct{ seats.Event }

// ActionName is the Chinese label of the action.
func (e Event) ActionName() string {
	switch e.Action {
	case "create":
		return "创建"
	case "update":
		return "修改"
	}
	if n := seats.ActionName(e.Action); n != "" {
		return n
	}
	return e.Action
}

// ToName is the Chinese label of the new status.
func (e Event) ToName() string {
	if e.Action == "create" || e.Action == "update" {
		return TourStatusName(e.ToStatus)
	}
	return seats.StatusName(e.ToStatus)
}

// Events returns a tour's audit trail, newest first.
func (s *Store) Events(ctx context.Context, tourID int64, limit int) ([]Event, error) {
	es, err := tables.Trail(ctx, s.db, tourID, limit)
	out := make([]Event, len(es))
	for i, e := range es {
		out[i] = Event{e}
	}
	return out, err
}

// Detail returns one tour as the viewer sees it and, for staff, the quota use of the
// townships in their scope (nil for secretaries).
func (s *Store) Detail(ctx context.Context, me *web.Identity, id int64) (TourView, []TownshipUse, error) {
	v, err := s.View(ctx, me, id)
	if err != nil || me.Role == web.RoleSecretary {
		return v, nil, err
	}
	use, err := s.Usage(ctx, id, web.ScopeOf(me))
	return v, use, err
}

// SignupList returns a tour's sign-ups in the viewer's scope (all: with cancelled ones).
func (s *Store) SignupList(ctx context.Context, me *web.Identity, id int64, all bool) ([]Signup, error) {
	if _, err := s.View(ctx, me, id); err != nil {
		return nil, err
	}
	return s.Signups(ctx, id, web.ScopeOf(me), all)
}

// TourEvents returns the audit trail of a tour the viewer sees, newest first.
func (s *Store) TourEvents(ctx context.Context, me *web.Identity, id int64, limit int) ([]Event, error) {
	if _, err := s.View(ctx, me, id); err != nil {
		return nil, err
	}
	return s.Events(ctx, id, limit)
}

// Roster is what the roster export holds: the sign-ups (not the cancelled ones) and the
// quota use in the viewer's scope.
type Roster struct {
	Tour    Tour
	Signups []Signup
	Usage   []TownshipUse
	// Reports are the confirmed participants' report statuses (user id → status, "":
	// none), for the 「报告」 column of a tour that asks for reports.
	Reports map[int64]string
	// Days is how many days (考察日程) the tour has, Attended how many of them each person
	// attended: the 「出勤天数」 column (AttendanceColumn).
	Days     int
	Attended map[int64]int
}

// Roster returns a tour's roster for staff: admins every township, organizers their own.
func (s *Store) Roster(ctx context.Context, me *web.Identity, id int64) (Roster, error) {
	v, err := s.View(ctx, me, id)
	if err != nil {
		return Roster{}, err
	}
	r := Roster{Tour: v.Tour}
	scope := web.ScopeOf(me)
	if r.Signups, err = s.Signups(ctx, id, scope, false); err != nil {
		return r, err
	}
	if r.Reports, err = s.ReportStates(ctx, id, scope.Township()); err != nil {
		return r, err
	}
	if r.Days, r.Attended, err = s.DaysAttended(ctx, id); err != nil {
		return r, err
	}
	r.Usage, err = s.Usage(ctx, id, scope)
	return r, err
}

// EditForm returns a tour as the edit form shows it and every township's quota use
// (id 0: a new tour).
func (s *Store) EditForm(ctx context.Context, id int64) (TourInput, []TownshipUse, error) {
	in := TourInput{Status: TourDraft}
	if id != 0 {
		t, err := s.Tour(ctx, id)
		if err != nil {
			return in, nil, err
		}
		in = t.Input()
	}
	use, err := s.Usage(ctx, id, web.Scope{All: true})
	return in, use, err
}
