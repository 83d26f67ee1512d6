package reminders

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"zhibu/app/web"
)

// Reminder is one reminder as its list and page show it.
type Reminder struct {
	ID        int64           `db:"id" json:"id"`
	Auto      bool            `db:"auto" json:"auto"`
	Sender    string          `db:"sender" json:"sender"`     // the sender's name; "" for the automatic pass
	Township  string          `db:"township" json:"township"` // the scope's name; "" for the county
	Target    string          `db:"target" json:"target"`
	TargetID  int64           `db:"target_id" json:"target_id"`
	Title     string          `db:"title" json:"title"`
	Filter    json.RawMessage `db:"filter" json:"filter"`
	Text      string          `db:"text" json:"text"`
	Sent      int             `db:"sent" json:"sent"`
	Skipped   int             `db:"skipped" json:"skipped"`
	Read      int             `db:"read" json:"read"`
	CreatedAt time.Time       `db:"created_at" json:"created_at"`
}

// TargetName is the Chinese name of the reminder's target kind.
func (r Reminder) TargetName() string { return TargetName(r.Target) }

// SenderText is who sent it, for pages.
func (r Reminder) SenderText() string {
	if r.Auto {
		return "系统自动提醒（即将截止）"
	}
	who := r.Sender
	if who == "" {
		who = "已删除的账号"
	}
	if r.Township != "" {
		return who + "（" + r.Township + "）"
	}
	return who + "（全县）"
}

// scopeWhere: the reminders of the caller's scope ($1: the township, NULL = all): an
// organizer's township's reminders; an admin's every reminder, automatic ones included.
const scopeWhere = `($1::bigint IS NULL OR r.township_id = $1)`

const reminderCols = `r.id, r.auto, COALESCE(su.name, '') AS sender, COALESCE(tw.name, '') AS township, r.target, r.target_id,
	r.title, r.filter, r.text, r.sent, r.skipped, r.created_at,
	(SELECT count(*) FROM messages m WHERE m.ref = 'reminder:' || r.id AND m.read_at IS NOT NULL) AS read`

const reminderFrom = ` FROM reminders r LEFT JOIN users su ON su.id = r.sender_id LEFT JOIN townships tw ON tw.id = r.township_id`

// List is one page of the reminders of the caller's scope, newest first, searched in the
// title and text. Locks: none.
func (s *Store) List(ctx context.Context, me *web.Identity, q string, offset, limit int) ([]Reminder, int, error) {
	scope := web.ScopeOf(me).Township()
	pat := likePattern(q)
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT count(*) FROM reminders r WHERE `+scopeWhere+`
		AND ($2 = '' OR r.title ILIKE $2 OR r.text ILIKE $2)`, scope, pat); err != nil {
		return nil, 0, err
	}
	out := []Reminder{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+reminderCols+reminderFrom+` WHERE `+scopeWhere+`
		AND ($2 = '' OR r.title ILIKE $2 OR r.text ILIKE $2)
		ORDER BY r.created_at DESC, r.id DESC OFFSET $3 LIMIT $4`, scope, pat, offset, limit)
	return out, total, err
}

// Get reads one reminder of the caller's scope; another scope's is ErrReminderNotFound.
// Locks: none.
func (s *Store) Get(ctx context.Context, me *web.Identity, id int64) (*Reminder, error) {
	var r Reminder
	err := s.db.GetContext(ctx, &r, `SELECT `+reminderCols+reminderFrom+` WHERE r.id = $2 AND `+scopeWhere, web.ScopeOf(me).Township(), id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrReminderNotFound
	}
	return &r, err
}

// Recipient is one person of a reminder: sent (delivered: the message is in the inbox)
// or skipped with why, when they read the message, and when they finished the item after
// the reminder was sent (course completed, exam passed, class 结业).
type Recipient struct {
	UserID     int64      `db:"user_id" json:"user_id"`
	Name       string     `db:"name" json:"name"`
	Branch     string     `db:"branch" json:"branch"`
	Township   string     `db:"township" json:"township"`
	Status     string     `db:"status" json:"status"` // sent | skipped
	Reason     string     `db:"reason" json:"reason,omitempty"`
	Delivered  bool       `db:"delivered" json:"delivered"`
	Read       bool       `db:"read" json:"read"`
	ReadAt     *time.Time `db:"read_at" json:"read_at"`
	Finished   bool       `db:"finished" json:"finished"`
	FinishedAt *time.Time `db:"finished_at" json:"finished_at"`
}

// RecipientCounts are the counts on top of a reminder's page.
type RecipientCounts struct {
	All       int `db:"total" json:"total"`
	Sent      int `db:"sent" json:"sent"`
	Skipped   int `db:"skipped" json:"skipped"`
	Read      int `db:"read" json:"read"`
	Unread    int `db:"unread" json:"unread"`
	Finished  int `db:"finished" json:"finished"`
	Unfinshed int `db:"unfinished" json:"unfinished"`
}

// Recipient filters of the reminder's page.
const (
	ShowRead       = "read"
	ShowUnread     = "unread"
	ShowFinished   = "finished"
	ShowUnfinished = "unfinished"
	ShowSkipped    = "skipped"
)

// ShowLabel is what people read for a filter.
func ShowLabel(v string) string {
	return map[string]string{"": "全部", ShowRead: "已读", ShowUnread: "未读", ShowFinished: "已完成", ShowUnfinished: "未完成", ShowSkipped: "未发送"}[v]
}

// ValidShow tells whether a filter is known.
func ValidShow(v string) bool { return v == "" || ShowLabel(v) != "" }

// recipientsBase is every recipient of reminder $1 (created at $2, target $3 / $4) with
// the state of the message (messages.ref) and of the item, searched by $5.
const recipientsBase = `
	WITH base AS (
		SELECT rr.user_id, u.name, COALESCE(b.name, '') AS branch, COALESCE(tw.name, '') AS township, rr.status, rr.reason,
			m.id IS NOT NULL AS delivered, m.read_at IS NOT NULL AS read, m.read_at,
			fin.at AS finished_at, fin.at IS NOT NULL AS finished, tw.sort AS tsort, tw.id AS tid
		FROM reminder_recipients rr
		JOIN users u ON u.id = rr.user_id
		LEFT JOIN branches b ON b.id = u.branch_id
		LEFT JOIN townships tw ON tw.id = u.township_id
		LEFT JOIN messages m ON m.ref = 'reminder:' || $1::bigint AND m.user_id = rr.user_id
		LEFT JOIN LATERAL (SELECT CASE $3
			WHEN 'course' THEN (SELECT cp.completed_at FROM course_progress cp
				WHERE cp.user_id = rr.user_id AND cp.course_id = $4 AND cp.completed_at >= $2)
			WHEN 'exam' THEN (SELECT min(a.finished_at) FROM attempts a
				WHERE a.user_id = rr.user_id AND a.exam_id = $4 AND a.status = 'finished' AND a.passed AND a.finished_at >= $2)
			WHEN 'class' THEN (SELECT c.closed_at FROM class_participants p JOIN classes c ON c.id = p.class_id
				WHERE p.user_id = rr.user_id AND p.class_id = $4 AND p.completed AND c.closed_at >= $2)
			WHEN 'tour_report' THEN (SELECT r.submitted_at FROM tour_reports r
				WHERE r.user_id = rr.user_id AND r.tour_id = $4 AND r.status IN ('submitted','accepted') AND r.submitted_at >= $2)
			END AS at) fin ON true
		WHERE rr.reminder_id = $1 AND ($5 = '' OR u.name ILIKE $5 OR COALESCE(b.name, '') ILIKE $5))`

// Recipients is one page of a reminder's recipients (the filter show, the search q) with
// the counts of the search. Locks: none.
func (s *Store) Recipients(ctx context.Context, r *Reminder, show, q string, offset, limit int) ([]Recipient, RecipientCounts, error) {
	var n RecipientCounts
	args := []any{r.ID, r.CreatedAt, r.Target, r.TargetID, likePattern(q)}
	if err := s.db.GetContext(ctx, &n, recipientsBase+`
		SELECT count(*) AS total, count(*) FILTER (WHERE status = 'sent') AS sent, count(*) FILTER (WHERE status = 'skipped') AS skipped,
			count(*) FILTER (WHERE read) AS read, count(*) FILTER (WHERE status = 'sent' AND NOT read) AS unread,
			count(*) FILTER (WHERE finished) AS finished, count(*) FILTER (WHERE NOT finished) AS unfinished
		FROM base`, args...); err != nil {
		return nil, n, err
	}
	out := []Recipient{}
	err := s.db.SelectContext(ctx, &out, recipientsBase+`
		SELECT user_id, name, branch, township, status, reason, delivered, read, read_at, finished, finished_at FROM base
		WHERE $6 = '' OR ($6 = 'read' AND read) OR ($6 = 'unread' AND status = 'sent' AND NOT read)
			OR ($6 = 'finished' AND finished) OR ($6 = 'unfinished' AND NOT finished) OR ($6 = 'skipped' AND status = 'skipped')
		ORDER BY status DESC, tsort, tid, branch, name, user_id OFFSET $7 LIMIT $8`, append(args, show, offset, limit)...)
	return out, n, err
}

// Of is the count of one filter.
func (n RecipientCounts) Of(show string) int {
	switch show {
	case ShowRead:
		return n.Read
	case ShowUnread:
		return n.Unread
	case ShowFinished:
		return n.Finished
	case ShowUnfinished:
		return n.Unfinshed
	case ShowSkipped:
		return n.Skipped
	}
	return n.All
}

// Choice is an item the caller may remind about, with how many people its rule names
// in the caller's scope now (before the 7-day limit).
type Choice struct {
	Kind  string     `db:"kind"`
	ID    int64      `db:"id"`
	Title string     `db:"title"`
	Due   *time.Time `db:"due"`
	Left  int        `db:"left_n"`
}

// Choices are the items of the new page when none was chosen: the year's 必修 courses
// with people in the scope who have not completed them, the open exams the scope's staff
// oversee with candidates who have not passed, and the open classes the caller sees with
// participants not 结业. Locks: none.
func (s *Store) Choices(ctx context.Context, me *web.Identity, township int64) ([]Choice, error) {
	scope := web.ScopeOf(me)
	if township > 0 {
		var err error
		if scope, err = scope.Narrow(township); err != nil {
			return nil, err
		}
	}
	now := s.now()
	out := []Choice{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT * FROM (
			SELECT 'course' AS kind, c.id, c.title, min(rq.due_date)::timestamptz AS due, count(*) AS left_n
			FROM course_requirements rq JOIN courses c ON c.id = rq.course_id
			JOIN users u ON u.id = rq.user_id AND u.active AND u.role = 'secretary' AND u.branch_id IS NOT NULL
			LEFT JOIN course_progress cp ON cp.user_id = rq.user_id AND cp.course_id = rq.course_id
			WHERE rq.year = $2 AND cp.completed_at IS NULL AND ($1::bigint IS NULL OR u.township_id = $1)
			GROUP BY c.id, c.title
			ORDER BY min(rq.due_date), c.id LIMIT 50) courses
		UNION ALL
		SELECT * FROM (
			SELECT 'exam' AS kind, e.id, e.title, e.closes_at AS due, count(*) AS left_n
			FROM exams e JOIN exam_candidates ec ON ec.exam_id = e.id
			JOIN users u ON u.id = ec.user_id AND u.active AND u.branch_id IS NOT NULL
			WHERE e.opens_at <= $3 AND e.closes_at > $3 AND exam_for_township(e.id, $1)
				AND ($1::bigint IS NULL OR u.township_id = $1)
				AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.exam_id = e.id AND a.user_id = u.id AND a.status = 'finished' AND a.passed)
			GROUP BY e.id, e.title, e.closes_at
			ORDER BY e.closes_at, e.id LIMIT 50) exams
		UNION ALL
		SELECT * FROM (
			SELECT 'class' AS kind, c.id, c.title, NULL::timestamptz AS due, count(*) AS left_n
			FROM classes c JOIN class_participants p ON p.class_id = c.id
			JOIN users u ON u.id = p.user_id AND u.active AND u.role = 'secretary' AND u.branch_id IS NOT NULL
			WHERE c.closed_at IS NULL AND p.completed IS NOT TRUE AND ($4 = 'admin' OR c.township_id IS NULL OR c.township_id = $5)
				AND ($1::bigint IS NULL OR u.township_id = $1)
			GROUP BY c.id, c.title
			ORDER BY c.id DESC LIMIT 50) classes
		UNION ALL
		SELECT * FROM (
			SELECT 'tour_report' AS kind, t.id, t.title, t.report_due::timestamptz AS due, count(*) AS left_n
			FROM tours t JOIN tour_signups s ON s.tour_id = t.id AND s.status = 'confirmed'
			JOIN users u ON u.id = s.user_id AND u.active AND u.role = 'secretary' AND u.branch_id IS NOT NULL
			WHERE t.status <> 'draft' AND t.report_due IS NOT NULL AND ($1::bigint IS NULL OR u.township_id = $1)
				AND NOT EXISTS (SELECT 1 FROM tour_reports r WHERE r.tour_id = t.id AND r.user_id = s.user_id
					AND r.status IN ('submitted','accepted'))
			GROUP BY t.id, t.title, t.report_due
			ORDER BY t.report_due DESC, t.id DESC LIMIT 50) tour_reports`,
		scope.Township(), now.In(web.China).Year(), now, me.Role, me.TownshipID)
	return out, err
}

// Townships lists the townships for an admin's filter.
func (s *Store) Townships(ctx context.Context) ([]Named, error) {
	out := []Named{}
	err := s.db.SelectContext(ctx, &out, `SELECT id, name FROM townships ORDER BY sort, id`)
	return out, err
}

// Branches lists the branches of a township for the filter.
func (s *Store) Branches(ctx context.Context, township int64) ([]Named, error) {
	out := []Named{}
	err := s.db.SelectContext(ctx, &out, `SELECT id, name FROM branches WHERE township_id = $1 ORDER BY name, id`, township)
	return out, err
}

// Named is an id and a name.
type Named struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}
