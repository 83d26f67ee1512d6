package feedback

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

// Store holds all SQL of 投诉建议 (migrations/00067_feedback.sql).
type Store struct {
	db   *sqlx.DB
	now  func() time.Time
	post web.Post
}

// NewStore returns a store on db with the dependencies of deps (Now nil: time.Now; Post
// nil: replies post no message).
func NewStore(db *sqlx.DB, deps Deps) *Store {
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, now: now, post: deps.Post}
}

// Item is one piece of feedback as the caller may see it: the sender only when the
// anonymity rule (rules.go ShowSender) shows it.
type Item struct {
	ID           int64      `json:"id"`
	Kind         string     `json:"kind"`
	KindName     string     `json:"kind_name"`
	Category     string     `json:"category"`
	CategoryName string     `json:"category_name"`
	Text         string     `json:"text"`
	Anonymous    bool       `json:"anonymous"`
	Status       string     `json:"status"`
	StatusName   string     `json:"status_name"`
	Reply        string     `json:"reply"`
	RepliedAt    *time.Time `json:"replied_at"`
	// ReplierRole is who answered, as a role name (乡镇组织委员, 县委组织部); staff also
	// see the name (Replier).
	ReplierRole string    `json:"replier_role,omitempty"`
	Replier     string    `json:"replier,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	Township    string    `json:"township"` // the township it is about; "" for the county's staff
	Sender      *Sender   `json:"sender"`   // nil when hidden from the caller
	Mine        bool      `json:"mine"`
	CanReply    bool      `json:"can_reply"`
}

// Sender is who sent a piece of feedback.
type Sender struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Role   string `json:"role"`
	Branch string `json:"branch,omitempty"`
}

// RoleName is the sender's role in Chinese.
func (s Sender) RoleName() string { return web.RoleName(s.Role) }

// Excerpt is the beginning of the text, for lists.
func (it Item) Excerpt() string { return excerpt(it.Text, 60) }

// TextLines and ReplyLines split the texts at line breaks, for pages.
func (it Item) TextLines() []string  { return lines(it.Text) }
func (it Item) ReplyLines() []string { return lines(it.Reply) }

func lines(s string) []string {
	return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}

func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// row is a piece of feedback as stored, with its sender, township and replier.
type row struct {
	ID           int64         `db:"id"`
	UserID       int64         `db:"user_id"`
	TownshipID   sql.NullInt64 `db:"township_id"`
	Township     string        `db:"township"`
	Kind         string        `db:"kind"`
	Category     string        `db:"category"`
	Text         string        `db:"text"`
	Anonymous    bool          `db:"anonymous"`
	Status       string        `db:"status"`
	Reply        string        `db:"reply"`
	RepliedAt    *time.Time    `db:"replied_at"`
	CreatedAt    time.Time     `db:"created_at"`
	SenderName   string        `db:"sender_name"`
	SenderRole   string        `db:"sender_role"`
	SenderBranch string        `db:"sender_branch"`
	ReplierName  string        `db:"replier_name"`
	ReplierRole  string        `db:"replier_role"`
}

const rowCols = `f.id, f.user_id, f.township_id, COALESCE(t.name, '') AS township, f.kind, f.category, f.text,
	f.anonymous, f.status, f.reply, f.replied_at, f.created_at, u.name AS sender_name, u.role AS sender_role,
	COALESCE(b.name, '') AS sender_branch, COALESCE(r.name, '') AS replier_name, COALESCE(r.role, '') AS replier_role`

const rowFrom = ` FROM feedback f JOIN users u ON u.id = f.user_id LEFT JOIN branches b ON b.id = u.branch_id
	LEFT JOIN townships t ON t.id = f.township_id LEFT JOIN users r ON r.id = f.replied_by`

// view is the row as me may see it.
func view(me *web.Identity, r row) Item {
	it := Item{ID: r.ID, Kind: r.Kind, KindName: KindName(r.Kind), Category: r.Category,
		CategoryName: CategoryName(r.Category), Text: r.Text, Anonymous: r.Anonymous, Status: r.Status,
		StatusName: StatusName(r.Status), Reply: r.Reply, RepliedAt: r.RepliedAt, CreatedAt: r.CreatedAt,
		Township: r.Township, Mine: me.UserID == r.UserID, CanReply: CanReply(me.Role, me.UserID, r.UserID)}
	if r.ReplierRole != "" {
		it.ReplierRole = web.RoleName(r.ReplierRole)
		if me.Role != web.RoleSecretary {
			it.Replier = r.ReplierName
		}
	}
	if ShowSender(me.Role, me.UserID, r.UserID, r.Anonymous) {
		it.Sender = &Sender{ID: r.UserID, Name: r.SenderName, Role: r.SenderRole, Branch: r.SenderBranch}
	}
	return it
}

// Send stores a complaint or suggestion of me about their township (none for the
// county's staff, who cannot send anonymously: only admins see theirs). At most
// DailyLimit a day per person: the count and the insert run in one transaction holding
// the sender's users row (FOR NO KEY UPDATE, the only lock), so parallel sends of one
// person queue and the limit holds.
func (s *Store) Send(ctx context.Context, me *web.Identity, in SendInput) (Item, error) {
	if err := headline(in.Validate()); err != nil {
		return Item{}, err
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Item{}, err
	}
	defer tx.Rollback()
	var sender struct {
		Role       string        `db:"role"`
		TownshipID sql.NullInt64 `db:"township_id"`
	}
	err = tx.GetContext(ctx, &sender, `SELECT role, township_id FROM users WHERE id = $1 AND active FOR NO KEY UPDATE`, me.UserID)
	if errors.Is(err, sql.ErrNoRows) {
		return Item{}, ErrNoSender
	}
	if err != nil {
		return Item{}, err
	}
	now := s.now()
	var today int
	if err := tx.GetContext(ctx, &today, `SELECT count(*) FROM feedback WHERE user_id = $1 AND created_at >= $2`,
		me.UserID, DayStart(now)); err != nil {
		return Item{}, err
	}
	if today >= DailyLimit {
		return Item{}, ErrDailyLimit
	}
	if sender.Role == web.RoleAdmin {
		sender.TownshipID, in.Anonymous = sql.NullInt64{}, false
	}
	var id int64
	err = tx.GetContext(ctx, &id, `INSERT INTO feedback (user_id, township_id, kind, category, text, anonymous, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
		me.UserID, sender.TownshipID, in.Kind, in.Category, in.Text, in.Anonymous, now)
	if err != nil {
		return Item{}, err
	}
	r, err := getRow(ctx, tx, id, false)
	if err != nil {
		return Item{}, err
	}
	if err := tx.Commit(); err != nil {
		return Item{}, err
	}
	return view(me, r), nil
}

func getRow(ctx context.Context, q sqlx.QueryerContext, id int64, lock bool) (row, error) {
	var r row
	query := `SELECT ` + rowCols + rowFrom + ` WHERE f.id = $1`
	if lock {
		query += ` FOR UPDATE OF f`
	}
	err := sqlx.GetContext(ctx, q, &r, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}

// visible tells whether me may see r: their own, or staff's in scope (admins: all,
// including the county staff's own; organizers: about their township).
func visible(me *web.Identity, r row) bool {
	if r.UserID == me.UserID {
		return true
	}
	switch me.Role {
	case web.RoleAdmin:
		return true
	case web.RoleOrganizer:
		return r.TownshipID.Valid && me.TownshipID > 0 && r.TownshipID.Int64 == me.TownshipID
	}
	return false
}

// Get returns one piece of feedback me may see; any other is ErrNotFound.
func (s *Store) Get(ctx context.Context, me *web.Identity, id int64) (Item, error) {
	r, err := getRow(ctx, s.db, id, false)
	if err != nil {
		return Item{}, err
	}
	if !visible(me, r) {
		return Item{}, ErrNotFound
	}
	return view(me, r), nil
}

// Answer is staff's reply (rules.go Reply) to a piece of feedback in their scope; another
// township's is ErrNotFound, their own ErrOwnReply. A reply text is posted to the sender's
// inbox (Deps.Post) in the same transaction. Locks: the feedback row FOR UPDATE.
func (s *Store) Answer(ctx context.Context, me *web.Identity, id int64, in ReplyInput) (Item, error) {
	if err := headline(in.Validate()); err != nil {
		return Item{}, err
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Item{}, err
	}
	defer tx.Rollback()
	r, err := getRow(ctx, tx, id, true)
	if err != nil {
		return Item{}, err
	}
	if !visible(me, r) || me.Role == web.RoleSecretary {
		return Item{}, ErrNotFound
	}
	if !CanReply(me.Role, me.UserID, r.UserID) {
		return Item{}, ErrOwnReply
	}
	change, errs := Reply(in.Status, in.Text, r.Reply)
	if err := headline(errs); err != nil {
		return Item{}, err
	}
	now := s.now()
	if change.Notify {
		_, err = tx.ExecContext(ctx, `UPDATE feedback SET status = $2, reply = $3, replied_by = $4, replied_at = $5, updated_at = $5
			WHERE id = $1`, id, change.Status, change.Reply, me.UserID, now)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE feedback SET status = $2, updated_at = $3 WHERE id = $1`, id, change.Status, now)
	}
	if err != nil {
		return Item{}, err
	}
	if change.Notify && s.post != nil {
		title := fmt.Sprintf("您的%s有了答复", KindName(r.Kind))
		if change.Status == StatusInProgress {
			title = fmt.Sprintf("您的%s正在处理中", KindName(r.Kind))
		}
		msg := web.Message{UserID: r.UserID, Kind: web.MsgFeedback, Title: title, Body: change.Reply,
			URL: fmt.Sprintf("/feedback#f%d", r.ID)}
		if err := s.post(ctx, tx, msg); err != nil {
			return Item{}, err
		}
	}
	if r, err = getRow(ctx, tx, id, false); err != nil {
		return Item{}, err
	}
	if err := tx.Commit(); err != nil {
		return Item{}, err
	}
	return view(me, r), nil
}

// Page is one page of a list with its counts by status (under the other filters).
type Page struct {
	Items  []Item         `json:"items"`
	Total  int            `json:"total"`
	Counts map[string]int `json:"counts"`
}

// List returns a page of the feedback me may see: their own when f.Mine or a secretary;
// else staff's scope. q searches the text, the reply and the sender's name where the
// caller may see it (an anonymous sender is never found by name by an organizer).
func (s *Store) List(ctx context.Context, me *web.Identity, f Filter) (Page, error) {
	if me.Role == web.RoleSecretary {
		f.Mine = true
	}
	if f.Limit <= 0 {
		f.Limit = web.PageSize
	}
	township := web.ScopeOf(me).Township()
	where := ` WHERE (CASE WHEN $1 THEN f.user_id = $2 ELSE ($3::bigint IS NULL OR f.township_id = $3) END)
		AND ($4 = '' OR f.category = $4) AND ($5 = '' OR f.kind = $5)
		AND ($6 = '' OR strpos(lower(f.text), lower($6)) > 0 OR strpos(lower(f.reply), lower($6)) > 0
		     OR ((NOT f.anonymous OR $7 OR f.user_id = $2) AND strpos(lower(u.name), lower($6)) > 0))`
	args := []any{f.Mine, me.UserID, township, f.Category, f.Kind, f.Query, me.Role == web.RoleAdmin}
	var counts []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &counts, `SELECT f.status, count(*) AS n`+rowFrom+where+` GROUP BY f.status`, args...); err != nil {
		return Page{}, err
	}
	p := Page{Counts: map[string]int{}}
	for _, st := range Statuses {
		p.Counts[st.Value] = 0
	}
	for _, c := range counts {
		p.Counts[c.Status] = c.N
		if f.Status == "" || f.Status == c.Status {
			p.Total += c.N
		}
	}
	var rows []row
	err := s.db.SelectContext(ctx, &rows, `SELECT `+rowCols+rowFrom+where+` AND ($8 = '' OR f.status = $8)
		ORDER BY f.created_at DESC, f.id DESC LIMIT $9 OFFSET $10`, append(args, f.Status, f.Limit, f.Offset)...)
	if err != nil {
		return Page{}, err
	}
	p.Items = make([]Item, len(rows))
	for i, r := range rows {
		p.Items[i] = view(me, r)
	}
	return p, nil
}

// Waiting counts the feedback in staff's scope not answered yet (已收到, 处理中) that is
// not their own, for the home card.
func (s *Store) Waiting(ctx context.Context, me *web.Identity) (received, inProgress int, err error) {
	var r struct {
		Received   int `db:"received"`
		InProgress int `db:"in_progress"`
	}
	err = s.db.GetContext(ctx, &r, `SELECT count(*) FILTER (WHERE status = 'received') AS received,
		count(*) FILTER (WHERE status = 'in_progress') AS in_progress
		FROM feedback WHERE ($1::bigint IS NULL OR township_id = $1) AND user_id <> $2 AND status <> 'replied'`,
		web.ScopeOf(me).Township(), me.UserID)
	return r.Received, r.InProgress, err
}
