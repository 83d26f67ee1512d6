package roll

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/web"
)

// Tables names one feature's roll-call tables. Each feature has its own tables of one
// shape (migrations/00060_classes.sql for classes, migrations/00076_tour_days.sql for
// tours):
//
//	sessions   (id, <owner>, …)                                 the occasions roll is taken at
//	people     (<owner>, user_id, township_id, …)              who is on the roll (Counts narrows)
//	attendance (<session>, user_id, status, [via], marked_by, marked_at)  PRIMARY KEY (<session>, user_id)
//	leaves     (id, <session>, user_id, status, reason)        optional leave requests
//
// The names are constants of the feature, never input.
type Tables struct {
	Owner      string // the owner's column in People and Sessions, e.g. "tour_id"
	Sessions   string
	People     string
	Counts     string // SQL condition on the people row p for who is on the roll ("": all), e.g. "p.status = 'confirmed'"
	Attendance string
	Session    string // the session's column in Attendance and Leaves, e.g. "day_id"
	Via        bool   // Attendance has a via column ('roll', 'checkin', 'leave')
	Leaves     string // "": no leave requests
	Extra      string // more columns of p the feature's rows read (List), e.g. "p.completed"
}

// Locking, for every feature alike: the caller holds the owner's row (FOR SHARE, so it
// cannot close or go away) and the session's row (FOR SHARE: sessions of one owner are
// marked in parallel, deleting one waits) and checks that roll call is open; Mark then
// locks the people rows it marks (FOR UPDATE, in user id order), so two marks of one
// person are serialized and the last one stands whole. MarkAll takes no people rows: it
// only inserts marks nobody has, and the primary key keeps those single. Every function
// below runs inside the caller's transaction holding those locks.

// scopeSQL narrows people p to the township $n (NULL: all).
func scopeSQL(n int) string { return fmt.Sprintf("($%d::bigint IS NULL OR p.township_id = $%d)", n, n) }

func (t Tables) counts() string {
	if t.Counts == "" {
		return "true"
	}
	return t.Counts
}

func (t Tables) via(v string) (col, val string) {
	if !t.Via {
		return "", ""
	}
	return ", via", ", '" + v + "'"
}

// Mark records the roll call in: every record must be a person on the owner's roll in
// scope (NULL: any township), or nothing is saved — the refusal names the record.
// Returns how many marks were written.
func (t Tables) Mark(ctx context.Context, tx *sqlx.Tx, owner, session int64, scope sql.NullInt64, in Input, by int64) (int, error) {
	if errs := in.Validate(); errs != nil {
		return 0, web.Invalidf("请检查考勤记录", errs)
	}
	ids := make([]int64, len(in.Records))
	statuses := make([]string, len(in.Records))
	for i, r := range in.Records {
		ids[i], statuses[i] = r.UserID, r.Status
	}
	var found []struct {
		UserID   int64  `db:"user_id"`
		Name     string `db:"name"`
		Township int64  `db:"township_id"`
		Counts   bool   `db:"counts"`
	}
	if err := tx.SelectContext(ctx, &found, `SELECT p.user_id, u.name, p.township_id, (`+t.counts()+`) AS counts
		FROM `+t.People+` p JOIN users u ON u.id = p.user_id
		WHERE p.`+t.Owner+` = $1 AND p.user_id = ANY($2) ORDER BY p.user_id FOR UPDATE OF p`, owner, pq.Array(ids)); err != nil {
		return 0, err
	}
	byID := map[int64]int{}
	for i, f := range found {
		byID[f.UserID] = i
	}
	for i, r := range in.Records {
		k, ok := byID[r.UserID]
		if !ok {
			return 0, web.Refuse(ErrNotPerson, fmt.Sprintf("第 %d 条（人员编号 %d）不在点名名单中，本次没有保存任何记录", i+1, r.UserID))
		}
		f := found[k]
		if scope.Valid && f.Township != scope.Int64 {
			return 0, web.Refuse(ErrOtherTownship, fmt.Sprintf("第 %d 条（%s）不是本乡镇的人员，只能为本乡镇的人员点名；本次没有保存任何记录", i+1, f.Name))
		}
		if !f.Counts {
			return 0, web.Refuse(ErrNotCounted, fmt.Sprintf("第 %d 条（%s）的报名尚未确认，不能点名；本次没有保存任何记录", i+1, f.Name))
		}
	}
	col, val := t.via("roll")
	set := ""
	if t.Via {
		set = ", via = 'roll'"
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO `+t.Attendance+` (`+t.Session+`, user_id, status`+col+`, marked_by)
		SELECT $1, r.user_id, r.status`+val+`, NULLIF($4::bigint, 0) FROM unnest($2::bigint[], $3::text[]) AS r(user_id, status)
		ON CONFLICT (`+t.Session+`, user_id) DO UPDATE SET status = EXCLUDED.status`+set+`,
			marked_by = EXCLUDED.marked_by, marked_at = now()`, session, pq.Array(ids), pq.Array(statuses), by)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// MarkAll marks everyone on the owner's roll in scope who has no mark yet at the session
// as present — the one tap that starts a roll call; the exceptions follow. Returns how
// many were marked.
func (t Tables) MarkAll(ctx context.Context, tx *sqlx.Tx, owner, session int64, scope sql.NullInt64, by int64) (int, error) {
	col, val := t.via("roll")
	res, err := tx.ExecContext(ctx, `
		INSERT INTO `+t.Attendance+` (`+t.Session+`, user_id, status`+col+`, marked_by)
		SELECT $1, p.user_id, 'present'`+val+`, NULLIF($4::bigint, 0) FROM `+t.People+` p
		WHERE p.`+t.Owner+` = $2 AND `+scopeSQL(3)+` AND (`+t.counts()+`)
		ORDER BY p.user_id
		ON CONFLICT (`+t.Session+`, user_id) DO NOTHING`, session, owner, scope, by)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// Marked tells whether anyone has a mark at the session (a marked session is not deleted).
func (t Tables) Marked(ctx context.Context, q sqlx.QueryerContext, session int64) (bool, error) {
	var yes bool
	err := sqlx.GetContext(ctx, q, &yes, `SELECT EXISTS (SELECT 1 FROM `+t.Attendance+` WHERE `+t.Session+` = $1)`, session)
	return yes, err
}

// Filter narrows a roll listing.
type Filter struct {
	Query      string // part of a name, phone number or branch name
	TownshipID int64  // 0: every township of the scope (an organizer's is always their own)
	Status     string // "", Unmarked or a mark
	Limit      int    // 0: everyone
	Offset     int
}

// township is the township a listing shows: the scope's, else the filter's (NULL: all).
func (f Filter) township(scope sql.NullInt64) sql.NullInt64 {
	if scope.Valid || f.TownshipID <= 0 {
		return scope
	}
	return sql.NullInt64{Int64: f.TownshipID, Valid: true}
}

// Person is one person of a roll with their mark at the session.
type Person struct {
	UserID     int64  `db:"user_id" json:"user_id"`
	Name       string `db:"name" json:"name"`
	Phone      string `db:"phone" json:"phone"`
	TownshipID int64  `db:"township_id" json:"township_id"`
	Township   string `db:"township" json:"township"`
	Branch     string `db:"branch" json:"branch"`
	Status     string `db:"status" json:"status"` // "" when not marked
	Via        string `db:"via" json:"-"`
	Leave      string `db:"leave" json:"-"` // the session's leave request status, "" when none
	LeaveID    int64  `db:"leave_id" json:"-"`
	Reason     string `db:"reason" json:"-"`
}

// StatusLabel is the mark in Chinese.
func (p Person) StatusLabel() string { return Label(p.Status) }

// from selects the owner's ($1) people on the roll with the session's ($2) marks, in the
// township $3 (NULL: all), whose name, phone or branch holds $4.
func (t Tables) from() string {
	via, leave := "''", "'' AS leave, 0::bigint AS leave_id, '' AS reason"
	joinLeave := ""
	if t.Via {
		via = "COALESCE(a.via, '')"
	}
	if t.Leaves != "" {
		leave = "COALESCE(l.status, '') AS leave, COALESCE(l.id, 0) AS leave_id, COALESCE(l.reason, '') AS reason"
		joinLeave = "LEFT JOIN " + t.Leaves + " l ON l." + t.Session + " = $2 AND l.user_id = p.user_id"
	}
	return `
		SELECT p.user_id, u.name, COALESCE(u.phone, '') AS phone, p.township_id, tw.name AS township,
		       COALESCE(b.name, '') AS branch, COALESCE(a.status, '') AS status, ` + via + ` AS via, ` + leave + `,
		       tw.sort AS tsort` + extra(t.Extra) + `
		FROM ` + t.People + ` p
		JOIN users u ON u.id = p.user_id
		JOIN townships tw ON tw.id = p.township_id
		LEFT JOIN branches b ON b.id = u.branch_id
		LEFT JOIN ` + t.Attendance + ` a ON a.` + t.Session + ` = $2 AND a.user_id = p.user_id
		` + joinLeave + `
		WHERE p.` + t.Owner + ` = $1 AND ` + scopeSQL(3) + ` AND (` + t.counts() + `)
		  AND ($4 = '' OR strpos(lower(u.name), lower($4)) > 0 OR strpos(COALESCE(u.phone, ''), $4) > 0
		       OR strpos(lower(COALESCE(b.name, '')), lower($4)) > 0)`
}

func extra(cols string) string {
	if cols == "" {
		return ""
	}
	return ", " + cols
}

// List reads one page of the owner's roll in scope (NULL: every township) with the
// session's marks (session 0: none) into T — Person, or a feature's row with the same
// columns and those of Tables.Extra — by township, branch and name.
func List[T any](ctx context.Context, q sqlx.QueryerContext, t Tables, owner, session int64, scope sql.NullInt64, f Filter) ([]T, error) {
	out := []T{}
	cols := "user_id, name, phone, township_id, township, branch, status, via, leave, leave_id, reason"
	for _, c := range strings.Split(t.Extra, ",") {
		if c = strings.TrimSpace(c); c != "" {
			if i := strings.LastIndex(strings.ToLower(c), " as "); i >= 0 {
				c = c[i+4:]
			} else if i := strings.LastIndex(c, "."); i >= 0 {
				c = c[i+1:]
			}
			cols += ", " + c
		}
	}
	err := sqlx.SelectContext(ctx, q, &out, `WITH r AS (`+t.from()+`)
		SELECT `+cols+` FROM r
		WHERE ($5 = '' OR ($5 = 'unmarked' AND status = '') OR status = $5)
		ORDER BY tsort, township_id, branch, name, user_id
		LIMIT NULLIF($6::int, 0) OFFSET $7`,
		owner, session, f.township(scope), strings.TrimSpace(f.Query), f.Status, f.Limit, f.Offset)
	return out, err
}

// Count tallies the owner's roll in scope at the session, narrowed by the filter's query
// and township but not its status (so the counts of every status show beside a list of
// one); Tally.Of(f.Status) is what the list pages through.
func (t Tables) Count(ctx context.Context, q sqlx.QueryerContext, owner, session int64, scope sql.NullInt64, f Filter) (Tally, error) {
	var c Tally
	err := sqlx.GetContext(ctx, q, &c, `WITH r AS (`+t.from()+`)
		SELECT count(*) AS people,
		       count(*) FILTER (WHERE status = 'present') AS present, count(*) FILTER (WHERE status = 'late') AS late,
		       count(*) FILTER (WHERE status = 'leave') AS leave, count(*) FILTER (WHERE status = 'absent') AS absent,
		       count(*) FILTER (WHERE status = '') AS unmarked
		FROM r`, owner, session, f.township(scope), strings.TrimSpace(f.Query))
	return c, err
}

// TownshipRoll is one township's line of a session's roll call at a glance.
type TownshipRoll struct {
	TownshipID   int64  `db:"township_id" json:"township_id"`
	Township     string `db:"township" json:"township"`
	Participants int    `db:"participants" json:"people"`
	Marked       int    `db:"marked" json:"marked"`
	Present      int    `db:"present" json:"attended"` // attended: present or late
	Pending      int    `db:"pending" json:"pending_leaves,omitempty"`
}

// ByTownship is the session's roll call per township of the roll in scope (NULL: every
// township with people on the roll).
func (t Tables) ByTownship(ctx context.Context, q sqlx.QueryerContext, owner, session int64, scope sql.NullInt64) ([]TownshipRoll, error) {
	out := []TownshipRoll{}
	pending, joinLeave := "0", ""
	if t.Leaves != "" {
		pending = "count(l.id) FILTER (WHERE l.status = 'pending')"
		joinLeave = "LEFT JOIN " + t.Leaves + " l ON l." + t.Session + " = $2 AND l.user_id = p.user_id"
	}
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT tw.id AS township_id, tw.name AS township, count(*) AS participants, count(a.user_id) AS marked,
		       count(a.user_id) FILTER (WHERE `+AttendedSQL+`) AS present,
		       `+pending+` AS pending
		FROM `+t.People+` p
		JOIN townships tw ON tw.id = p.township_id
		LEFT JOIN `+t.Attendance+` a ON a.`+t.Session+` = $2 AND a.user_id = p.user_id
		`+joinLeave+`
		WHERE p.`+t.Owner+` = $1 AND `+scopeSQL(3)+` AND (`+t.counts()+`)
		GROUP BY tw.id, tw.name, tw.sort ORDER BY tw.sort, tw.id`, owner, session, scope)
	return out, err
}
