package seats

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// What staff read of a feature's seats at county scale: the sign-up list paged, searched
// and filtered on the server with the real places on the waiting list, the quota use per
// township, the nominee search and the audit trail.

// Row is one sign-up as staff see it.
type Row struct {
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
func (r Row) StatusName() string { return StatusName(r.Status) }

// Filter narrows a sign-up list for staff.
type Filter struct {
	Query      string // part of a name, phone number or branch name
	TownshipID int64  // 0: every township of the scope (organizers: always their own)
	Status     string // "": every status but cancelled; else one of Statuses
}

// Page is one page of a sign-up list with the counts of the filter.
type Page struct {
	Rows  []Row
	Total int // sign-ups matching the whole filter (what is paged)
	// Counts are the sign-ups per status matching the query and the township, whatever
	// the status filter; Active sums all but the cancelled ones.
	Counts map[string]int
	Active int
}

// base selects the owner's ($1) sign-ups of one township ($2, NULL: all) with their place
// on the waiting list, numbered before any search so a filtered list keeps the real
// places, narrowed by the search ($3).
func (t Tables) base() string {
	return `WITH base AS (
	SELECT s.id, s.user_id, u.name, COALESCE(u.phone, '') AS phone, COALESCE(b.name, '') AS branch,
		s.township_id, tw.name AS township, tw.sort AS tsort, s.status, s.note, s.reason,
		COALESCE(n.name, '') AS nominated_by, s.queue_seq,
		CASE WHEN s.status = 'waitlisted' THEN
			row_number() OVER (PARTITION BY s.township_id, s.status = 'waitlisted' ORDER BY s.queue_seq) ELSE 0 END AS position,
		s.created_at
	FROM ` + t.Signups + ` s
	JOIN users u ON u.id = s.user_id
	JOIN townships tw ON tw.id = s.township_id
	LEFT JOIN branches b ON b.id = u.branch_id
	LEFT JOIN users n ON n.id = s.nominated_by
	WHERE s.` + t.Owner + ` = $1 AND ($2::bigint IS NULL OR s.township_id = $2)
), hit AS (
	SELECT * FROM base WHERE $3 = '' OR strpos(lower(name), lower($3)) > 0 OR strpos(phone, $3) > 0
		OR strpos(lower(branch), lower($3)) > 0
)`
}

const rowCols = `id, user_id, name, phone, branch, township_id, township, status, note, reason, nominated_by, position, created_at`

// Page returns one page of the owner's sign-ups of the township (NULL: every township;
// the caller applies the viewer's scope). first is the status listed first (the viewer's
// to-do, ToDo); then township, status (Statuses order) and queue order.
func (t Tables) Page(ctx context.Context, q sqlx.QueryerContext, owner int64, township sql.NullInt64, f Filter, first string, offset, limit int) (Page, error) {
	p := Page{Counts: map[string]int{}}
	query := strings.TrimSpace(f.Query)
	var counts []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := sqlx.SelectContext(ctx, q, &counts, t.base()+`SELECT status, count(*) AS n FROM hit GROUP BY status`,
		owner, township, query); err != nil {
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
	err := sqlx.SelectContext(ctx, q, &p.Rows, t.base()+`
		SELECT `+rowCols+` FROM hit WHERE ($4 = '' AND status <> 'cancelled') OR status = $4
		ORDER BY (status = $5) DESC, tsort, township_id, array_position(`+statusOrder+`, status), queue_seq
		LIMIT $6 OFFSET $7`, owner, township, query, f.Status, first, limit, offset)
	return p, err
}

// All lists the owner's sign-ups of the township (NULL: all), grouped by township, seat
// holders first, then the waiting list in order; withCancelled keeps the cancelled ones.
func (t Tables) All(ctx context.Context, q sqlx.QueryerContext, owner int64, township sql.NullInt64, withCancelled bool) ([]Row, error) {
	var rows []Row
	err := sqlx.SelectContext(ctx, q, &rows, t.base()+`
		SELECT `+rowCols+` FROM hit WHERE $4 OR status <> 'cancelled'
		ORDER BY tsort, township_id, array_position(`+statusOrder+`, status), queue_seq`,
		owner, township, "", withCancelled)
	return rows, err
}

// One returns one sign-up of the owner (sql.ErrNoRows: none).
func (t Tables) One(ctx context.Context, q sqlx.QueryerContext, owner, signupID int64) (Row, error) {
	var r Row
	err := sqlx.GetContext(ctx, q, &r, t.base()+`SELECT `+rowCols+` FROM base WHERE id = $4`, owner, nil, "", signupID)
	return r, err
}

// Waiting counts the township's waiting list.
func (t Tables) Waiting(ctx context.Context, q sqlx.QueryerContext, owner, township int64) (int, error) {
	var n int
	err := sqlx.GetContext(ctx, q, &n, `SELECT count(*) FROM `+t.Signups+`
		WHERE `+t.Owner+` = $1 AND township_id = $2 AND status = 'waitlisted'`, owner, township)
	return n, err
}

// Nominees finds active secretaries of the township (NULL: all) whose name, phone number
// or branch holds query and who hold no sign-up that would refuse a nomination, at most
// limit of them (limit+1 are read so the caller can tell there are more).
func (t Tables) Nominees(ctx context.Context, q sqlx.QueryerContext, owner int64, township sql.NullInt64, query string, limit int) ([]Row, error) {
	var rows []Row
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, nil
	}
	err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT u.id AS user_id, u.name, COALESCE(u.phone, '') AS phone, COALESCE(b.name, '') AS branch,
			u.township_id, tw.name AS township
		FROM users u JOIN townships tw ON tw.id = u.township_id LEFT JOIN branches b ON b.id = u.branch_id
		WHERE u.role = 'secretary' AND u.active AND ($2::bigint IS NULL OR u.township_id = $2)
			AND (strpos(lower(u.name), lower($3)) > 0 OR strpos(COALESCE(u.phone, ''), $3) > 0
				OR strpos(lower(COALESCE(b.name, '')), lower($3)) > 0)
			AND NOT EXISTS (SELECT 1 FROM `+t.Signups+` s WHERE s.`+t.Owner+` = $1 AND s.user_id = u.id
				AND s.status <> 'cancelled')
		ORDER BY tw.sort, tw.id, b.name, u.name, u.id LIMIT $4`, owner, township, query, limit+1)
	return rows, err
}

// Use is one township's quota use.
type Use struct {
	TownshipID int64  `db:"township_id" json:"township_id"`
	Name       string `db:"name" json:"name"`
	Quota      int    `db:"quota" json:"quota"`
	Pending    int    `db:"pending" json:"pending"`
	Approved   int    `db:"approved" json:"approved"`
	Confirmed  int    `db:"confirmed" json:"confirmed"`
	Waitlisted int    `db:"waitlisted" json:"waitlisted"`
}

// Held is the seats the township holds.
func (u Use) Held() int { return u.Pending + u.Approved + u.Confirmed }

// Usage lists quota use of the township (NULL: every township, so quotas can be given to
// any of them; owner 0: a new owner, every quota 0).
func (t Tables) Usage(ctx context.Context, q sqlx.QueryerContext, owner int64, township sql.NullInt64) ([]Use, error) {
	var us []Use
	err := sqlx.SelectContext(ctx, q, &us, `
		SELECT tw.id AS township_id, tw.name, COALESCE(q.seats, 0) AS quota,
			count(s.id) FILTER (WHERE s.status = 'pending') AS pending,
			count(s.id) FILTER (WHERE s.status = 'approved') AS approved,
			count(s.id) FILTER (WHERE s.status = 'confirmed') AS confirmed,
			count(s.id) FILTER (WHERE s.status = 'waitlisted') AS waitlisted
		FROM townships tw
		LEFT JOIN `+t.Quotas+` q ON q.`+t.Owner+` = $1 AND q.township_id = tw.id
		LEFT JOIN `+t.Signups+` s ON s.`+t.Owner+` = $1 AND s.township_id = tw.id
		WHERE ($2::bigint IS NULL OR tw.id = $2)
		GROUP BY tw.id, tw.name, tw.sort, q.seats
		ORDER BY tw.sort, tw.id`, owner, township)
	return us, err
}

// Event is one line of an audit trail.
type Event struct {
	At         time.Time `db:"at" json:"at"`
	Actor      string    `db:"actor" json:"actor"`
	Action     string    `db:"action" json:"action"`
	Person     string    `db:"person" json:"person,omitempty"`
	FromStatus string    `db:"from_status" json:"from_status"`
	ToStatus   string    `db:"to_status" json:"to_status"`
	Reason     string    `db:"reason" json:"reason,omitempty"`
}

var actionNames = map[string]string{"signup": "报名", "nominate": "推荐", "approve": "乡镇审核通过",
	"final_approve": "县委终审通过", "reject": "驳回", "cancel": "取消报名", "promote": "候补递补"}

// ActionName is the Chinese label of a sign-up action ("" for another action).
func ActionName(action string) string { return actionNames[action] }

// Trail returns the owner's audit trail, newest first.
func (t Tables) Trail(ctx context.Context, q sqlx.QueryerContext, owner int64, limit int) ([]Event, error) {
	var es []Event
	err := sqlx.SelectContext(ctx, q, &es, `
		SELECT e.at, COALESCE(a.name, '') AS actor, e.action, COALESCE(p.name, '') AS person, e.from_status, e.to_status, e.reason
		FROM `+t.Events+` e
		LEFT JOIN users a ON a.id = e.actor_id
		LEFT JOIN `+t.Signups+` s ON s.id = e.signup_id
		LEFT JOIN users p ON p.id = s.user_id
		WHERE e.`+t.Owner+` = $1 ORDER BY e.id DESC LIMIT $2`, owner, limit)
	return es, err
}
