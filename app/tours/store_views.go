package tours

import (
	"context"
	"time"

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
	v.CanSignup = role == web.RoleSecretary && v.Refusal == "" && !Active(v.MyStatus) && v.MyStatus != StatusRejected && v.Quota > 0
	v.CanCancel = role == web.RoleSecretary && CancelRefusal(v.window(), v.MyStatus, now) == ""
}

// StatusName and friends for templates.
func (v TourView) MyStatusName() string   { return StatusName(v.MyStatus) }
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
	pendingStatus := ToDo(me.Role)
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
type TownshipUse struct {
	TownshipID int64  `db:"township_id" json:"township_id"`
	Name       string `db:"name" json:"name"`
	Quota      int    `db:"quota" json:"quota"`
	Pending    int    `db:"pending" json:"pending"`
	Approved   int    `db:"approved" json:"approved"`
	Confirmed  int    `db:"confirmed" json:"confirmed"`
	Waitlisted int    `db:"waitlisted" json:"waitlisted"`
}

// Held is the seats the township holds.
func (u TownshipUse) Held() int { return u.Pending + u.Approved + u.Confirmed }

// Usage lists quota use per township inside the scope (every township for admins, so
// quotas can be given to any of them).
func (s *Store) Usage(ctx context.Context, tourID int64, scope web.Scope) ([]TownshipUse, error) {
	var us []TownshipUse
	err := s.db.SelectContext(ctx, &us, `
		SELECT tw.id AS township_id, tw.name, COALESCE(q.seats, 0) AS quota,
			count(s.id) FILTER (WHERE s.status = 'pending') AS pending,
			count(s.id) FILTER (WHERE s.status = 'approved') AS approved,
			count(s.id) FILTER (WHERE s.status = 'confirmed') AS confirmed,
			count(s.id) FILTER (WHERE s.status = 'waitlisted') AS waitlisted
		FROM townships tw
		LEFT JOIN tour_quotas q ON q.tour_id = $1 AND q.township_id = tw.id
		LEFT JOIN tour_signups s ON s.tour_id = $1 AND s.township_id = tw.id
		WHERE ($2::bigint IS NULL OR tw.id = $2)
		GROUP BY tw.id, tw.name, tw.sort, q.seats
		ORDER BY tw.sort, tw.id`, tourID, scope.Township())
	return us, err
}

// Signup is one sign-up as staff see it.
type Signup struct {
	ID          int64     `db:"id" json:"id"`
	UserID      int64     `db:"user_id" json:"user_id"`
	Name        string    `db:"name" json:"name"`
	Phone       string    `db:"phone" json:"phone"`
	Branch      string    `db:"branch" json:"branch"`
	TownshipID  int64     `db:"township_id" json:"township_id"`
	Township    string    `db:"township" json:"township"`
	Status      string    `db:"status" json:"status"`
	Note        string    `db:"note" json:"note"`
	Reason      string    `db:"reason" json:"reason,omitempty"`
	NominatedBy string    `db:"nominated_by" json:"nominated_by,omitempty"`
	Position    int       `db:"position" json:"position,omitempty"` // place on the waiting list
	CreatedAt   time.Time `db:"created_at" json:"created_at"`
}

// StatusName is the Chinese label, for templates.
func (s Signup) StatusName() string { return StatusName(s.Status) }

// Signups lists a tour's sign-ups inside the scope, grouped by township, seat holders
// first, then the waiting list in order. all=false leaves out cancelled ones.
func (s *Store) Signups(ctx context.Context, tourID int64, scope web.Scope, all bool) ([]Signup, error) {
	var rows []Signup
	err := s.db.SelectContext(ctx, &rows, `
		SELECT s.id, s.user_id, u.name, COALESCE(u.phone, '') AS phone, COALESCE(b.name, '') AS branch,
			s.township_id, tw.name AS township, s.status, s.note, s.reason, COALESCE(n.name, '') AS nominated_by,
			CASE WHEN s.status = 'waitlisted' THEN
				row_number() OVER (PARTITION BY s.township_id, s.status = 'waitlisted' ORDER BY s.queue_seq) ELSE 0 END AS position,
			s.created_at
		FROM tour_signups s
		JOIN users u ON u.id = s.user_id
		JOIN townships tw ON tw.id = s.township_id
		LEFT JOIN branches b ON b.id = u.branch_id
		LEFT JOIN users n ON n.id = s.nominated_by
		WHERE s.tour_id = $1 AND ($2::bigint IS NULL OR s.township_id = $2) AND ($3 OR s.status <> 'cancelled')
		ORDER BY tw.sort, tw.id,
			array_position(ARRAY['confirmed','approved','pending','waitlisted','rejected','cancelled'], s.status), s.queue_seq`,
		tourID, scope.Township(), all)
	return rows, err
}

// Event is one line of a tour's audit trail.
type Event struct {
	At         time.Time `db:"at" json:"at"`
	Actor      string    `db:"actor" json:"actor"`
	Action     string    `db:"action" json:"action"`
	Person     string    `db:"person" json:"person,omitempty"`
	FromStatus string    `db:"from_status" json:"from_status"`
	ToStatus   string    `db:"to_status" json:"to_status"`
	Reason     string    `db:"reason" json:"reason,omitempty"`
}

var actionNames = map[string]string{"create": "创建", "update": "修改", "signup": "报名", "nominate": "推荐",
	"approve": "乡镇审核通过", "final_approve": "县委终审通过", "reject": "驳回", "cancel": "取消报名", "promote": "候补递补"}

// ActionName is the Chinese label of the action.
func (e Event) ActionName() string {
	if n, ok := actionNames[e.Action]; ok {
		return n
	}
	return e.Action
}

// ToName is the Chinese label of the new status.
func (e Event) ToName() string {
	if e.Action == "create" || e.Action == "update" {
		return TourStatusName(e.ToStatus)
	}
	return StatusName(e.ToStatus)
}

// Events returns a tour's audit trail, newest first.
func (s *Store) Events(ctx context.Context, tourID int64, limit int) ([]Event, error) {
	var es []Event
	err := s.db.SelectContext(ctx, &es, `
		SELECT e.at, COALESCE(a.name, '') AS actor, e.action, COALESCE(p.name, '') AS person, e.from_status, e.to_status, e.reason
		FROM tour_events e
		LEFT JOIN users a ON a.id = e.actor_id
		LEFT JOIN tour_signups s ON s.id = e.signup_id
		LEFT JOIN users p ON p.id = s.user_id
		WHERE e.tour_id = $1 ORDER BY e.id DESC LIMIT $2`, tourID, limit)
	return es, err
}

// Overview is the tours page and the home card: the tours the viewer sees and the
// viewer's latest messages.
type Overview struct {
	Tours    []TourView
	Messages []Message
	Unread   int
}

// Overview lists the viewer's tours and latest `messages` messages (0: only the count).
func (s *Store) Overview(ctx context.Context, me *web.Identity, messages int) (Overview, error) {
	var o Overview
	var err error
	if o.Tours, err = s.Tours(ctx, me, 0); err != nil {
		return o, err
	}
	if messages == 0 {
		o.Unread, err = s.Unread(ctx, me.UserID)
		return o, err
	}
	o.Messages, o.Unread, err = s.Messages(ctx, me.UserID, messages)
	return o, err
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
