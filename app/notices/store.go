package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/web"
)

// Notice is a notice as its readers and managers see it.
type Notice struct {
	ID           int64          `db:"id" json:"id"`
	Title        string         `db:"title" json:"title"`
	Body         string         `db:"body_md" json:"body,omitempty"`
	HTML         string         `db:"-" json:"html,omitempty"` // the body rendered and sanitized (web.Markdown)
	AllTownships bool           `db:"all_townships" json:"all_townships"`
	TownshipIDs  pq.Int64Array  `db:"township_ids" json:"township_ids"`
	Townships    pq.StringArray `db:"township_names" json:"townships"`
	Owner        int64          `db:"owner" json:"-"`       // 0: the county
	Issuer       string         `db:"issuer" json:"issuer"` // 县委组织部 or the township's name
	Author       string         `db:"author_name" json:"-"` // shown to the notice's managers only
	Pinned       bool           `db:"pinned" json:"pinned"` // listed first
	PublishedAt  *time.Time     `db:"published_at" json:"published_at"`
	CreatedAt    time.Time      `db:"created_at" json:"created_at"`
	UpdatedAt    time.Time      `db:"updated_at" json:"updated_at"`
	Files        int            `db:"attachment_count" json:"attachment_count"`
	Draft        bool           `db:"-" json:"draft"`
	CanEdit      bool           `db:"-" json:"can_edit"`
	Attachments  []Attachment   `db:"-" json:"attachments,omitempty"`
}

// Audience is whom the notice reaches.
func (n Notice) Audience() Audience { return Audience{All: n.AllTownships, TownshipIDs: n.TownshipIDs} }

// AudienceText says in Chinese whom the notice reaches.
func (n Notice) AudienceText() string {
	if n.AllTownships {
		return "全县"
	}
	return strings.Join(n.Townships, "、")
}

// Attachment is a notice's PDF (without its bytes).
type Attachment struct {
	ID        int64     `db:"id" json:"id"`
	NoticeID  int64     `db:"notice_id" json:"-"`
	Filename  string    `db:"filename" json:"filename"`
	Size      int64     `db:"size" json:"size"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	URL       string    `db:"-" json:"url"`
}

// SizeText is the attachment's size for pages.
func (a Attachment) SizeText() string { return formatSize(a.Size) }

// Township is one township the county may address.
type Township struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// Store holds all SQL of the notices.
type Store struct {
	db            *sqlx.DB
	post          web.Post
	maxAttachment int64
}

// NewStore returns a store on db with the dependencies of deps.
func NewStore(db *sqlx.DB, deps Deps) *Store {
	max := deps.MaxAttachment
	if max <= 0 {
		max = MaxAttachment
	}
	return &Store{db: db, post: deps.Post, maxAttachment: max}
}

// Lock order: a change to a notice locks its row (FOR UPDATE) first, then writes its
// townships, attachments and the inbox messages (Deps.Post) in the same transaction.

// noticeCols are a notice's columns; listCols leave the body out (a list is light).
const (
	noticeMeta = `n.id, n.title, n.all_townships, COALESCE(n.owner_township_id, 0) AS owner,
	COALESCE(ot.name, '县委组织部') AS issuer, COALESCE(au.name, '') AS author_name, n.pinned, n.published_at,
	n.created_at, n.updated_at,
	ARRAY(SELECT nt.township_id FROM notice_townships nt WHERE nt.notice_id = n.id ORDER BY nt.township_id) AS township_ids,
	ARRAY(SELECT t.name FROM notice_townships nt JOIN townships t ON t.id = nt.township_id
	      WHERE nt.notice_id = n.id ORDER BY t.sort, t.id) AS township_names,
	(SELECT count(*) FROM notice_attachments a WHERE a.notice_id = n.id) AS attachment_count`
	noticeCols = noticeMeta + `, n.body_md`
	listCols   = noticeMeta + `, '' AS body_md`
	noticeFrom = ` FROM notices n LEFT JOIN townships ot ON ot.id = n.owner_township_id LEFT JOIN users au ON au.id = n.author_id `
)

// The list predicates, the SQL twins of CanRead and CanManage (rules.go): $1 is the
// caller's township (NULL for an admin: the county), $2 whether the caller is staff.
const (
	managedSQL  = `($2 AND ($1::bigint IS NULL OR n.owner_township_id = $1))`
	reachesSQL  = `($1::bigint IS NULL OR n.all_townships OR EXISTS (SELECT 1 FROM notice_townships nt WHERE nt.notice_id = n.id AND nt.township_id = $1))`
	readableSQL = `((n.published_at IS NOT NULL AND ` + reachesSQL + `) OR ` + managedSQL + `)`
)

// viewer is the caller as the list predicates' $1 and $2.
func viewer(me *web.Identity) (sql.NullInt64, bool) {
	staff := me.Role == web.RoleAdmin || me.Role == web.RoleOrganizer
	if me.Role == web.RoleAdmin {
		return sql.NullInt64{}, staff
	}
	return sql.NullInt64{Int64: me.TownshipID, Valid: true}, staff
}

// List modes.
const (
	ModeRead   = "read"   // published notices meant for the caller (the readers' list)
	ModeAll    = "all"    // ModeRead plus the drafts the caller manages
	ModeManage = "manage" // the notices the caller manages, drafts included (the staff list)
)

// ListFilter chooses a page of notices.
type ListFilter struct {
	Mode          string
	Q             string // in the title or the body
	Offset, Limit int
}

// likeEscape makes a search word match itself only in LIKE (a typed % or _ is literal).
var likeEscape = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// List returns a page of the notices the caller may see in the filter's mode, pinned
// first, then the newest (drafts, which have no date yet, on top), and their count.
func (s *Store) List(ctx context.Context, me *web.Identity, f ListFilter) ([]Notice, int, error) {
	where := readableSQL
	switch f.Mode {
	case ModeRead:
		where = `(n.published_at IS NOT NULL AND (` + reachesSQL + ` OR ` + managedSQL + `))`
	case ModeManage:
		where = managedSQL
	}
	where += ` AND ($3 = '' OR n.title ILIKE '%' || $3 || '%' OR n.body_md ILIKE '%' || $3 || '%')`
	t, staff := viewer(me)
	args := []any{t, staff, likeEscape.Replace(f.Q)}
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT count(*) FROM notices n WHERE `+where, args...); err != nil {
		return nil, 0, err
	}
	var out []Notice
	err := s.db.SelectContext(ctx, &out, `SELECT `+listCols+noticeFrom+`WHERE `+where+`
		ORDER BY n.pinned DESC, n.published_at DESC NULLS FIRST, n.id DESC LIMIT $4 OFFSET $5`,
		append(args, f.Limit, f.Offset)...)
	for i := range out {
		out[i].finish(me)
	}
	return out, total, err
}

// finish fills what the row does not hold.
func (n *Notice) finish(me *web.Identity) {
	if n.TownshipIDs == nil {
		n.TownshipIDs = pq.Int64Array{}
	}
	if n.Townships == nil {
		n.Townships = pq.StringArray{}
	}
	n.Draft = n.PublishedAt == nil
	n.CanEdit = CanManage(me, n.Owner)
	if !n.CanEdit {
		n.Author = ""
	}
}

// load reads one notice (FOR UPDATE when lock), whoever may see it.
func load(ctx context.Context, q sqlx.QueryerContext, id int64, lock bool) (Notice, error) {
	var n Notice
	query := `SELECT ` + noticeCols + noticeFrom + `WHERE n.id = $1`
	if lock {
		query += ` FOR UPDATE OF n`
	}
	err := sqlx.GetContext(ctx, q, &n, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return n, ErrNotFound
	}
	return n, err
}

// readable loads a notice the caller may see: another's is not found, whatever it is.
func readable(ctx context.Context, q sqlx.QueryerContext, me *web.Identity, id int64, lock bool) (Notice, error) {
	n, err := load(ctx, q, id, lock)
	if err != nil {
		return n, err
	}
	if !CanRead(me, n.Owner, n.Audience(), n.PublishedAt != nil) {
		return Notice{}, ErrNotFound
	}
	n.finish(me)
	return n, nil
}

// managed loads a notice the caller may change: not found when the caller does not see
// it, refused when the caller sees it but it belongs to another scope.
func managed(ctx context.Context, q sqlx.QueryerContext, me *web.Identity, id int64, lock bool) (Notice, error) {
	n, err := readable(ctx, q, me, id, lock)
	if err != nil {
		return n, err
	}
	if !n.CanEdit {
		return Notice{}, ErrNotManager
	}
	return n, nil
}

// Get returns a notice the caller may see, with its body rendered and its attachments.
func (s *Store) Get(ctx context.Context, me *web.Identity, id int64) (Notice, error) {
	n, err := readable(ctx, s.db, me, id, false)
	if err != nil {
		return n, err
	}
	n.HTML = string(web.Markdown(n.Body))
	n.Attachments, err = s.attachments(ctx, n.ID)
	return n, err
}

// ForEdit returns a notice the caller manages, with its attachments.
func (s *Store) ForEdit(ctx context.Context, me *web.Identity, id int64) (Notice, error) {
	n, err := managed(ctx, s.db, me, id, false)
	if err != nil {
		return n, err
	}
	n.Attachments, err = s.attachments(ctx, n.ID)
	return n, err
}

func (s *Store) attachments(ctx context.Context, noticeID int64) ([]Attachment, error) {
	var out []Attachment
	err := s.db.SelectContext(ctx, &out, `SELECT id, notice_id, filename, size, created_at FROM notice_attachments
		WHERE notice_id = $1 ORDER BY id`, noticeID)
	for i := range out {
		out[i].URL = fmt.Sprintf("/notices/%d/attachments/%d", noticeID, out[i].ID)
	}
	if out == nil {
		out = []Attachment{}
	}
	return out, err
}

// Townships lists every township, for the county's audience choice.
func (s *Store) Townships(ctx context.Context) ([]Township, error) {
	var out []Township
	err := s.db.SelectContext(ctx, &out, `SELECT id, name FROM townships ORDER BY sort, id`)
	return out, err
}

// Create writes a notice of the caller's scope and, unless it is a draft, publishes it:
// one inbox message per recipient, posted in one call in the same transaction.
func (s *Store) Create(ctx context.Context, me *web.Identity, in NoticeInput) (Notice, error) {
	if !CanPublish(me) {
		return Notice{}, ErrCannotPublish
	}
	owner := OwnerOf(me)
	aud, err := AudienceFor(owner, in.AllTownships, in.TownshipIDs)
	if err != nil {
		return Notice{}, err
	}
	if err := in.Validate(); err != nil {
		return Notice{}, err
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Notice{}, err
	}
	defer tx.Rollback()
	var id int64
	err = tx.GetContext(ctx, &id, `INSERT INTO notices (title, body_md, all_townships, owner_township_id, author_id, pinned, published_at)
		VALUES ($1, $2, $3, NULLIF($4, 0::bigint), $5, $6, CASE WHEN $7 THEN NULL ELSE now() END) RETURNING id`,
		in.Title, in.Body, aud.All, owner, me.UserID, in.Pinned, in.Draft)
	if err != nil {
		return Notice{}, err
	}
	if err := setTownships(ctx, tx, id, aud); err != nil {
		return Notice{}, err
	}
	if !in.Draft {
		if err := s.announce(ctx, tx, id, me.UserID, nil); err != nil {
			return Notice{}, err
		}
	}
	if err := tx.Commit(); err != nil {
		return Notice{}, err
	}
	return s.Get(ctx, me, id)
}

// Update saves a notice the caller manages. Its audience stays within the notice's own
// scope (a township's notice reaches that township only, whoever edits it). A draft saved
// without Draft is published now and everyone it reaches is told; a published notice
// whose audience grew tells only the people it newly reaches; it never goes back to draft.
func (s *Store) Update(ctx context.Context, me *web.Identity, id int64, in NoticeInput) (Notice, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Notice{}, err
	}
	defer tx.Rollback()
	n, err := managed(ctx, tx, me, id, true)
	if err != nil {
		return Notice{}, err
	}
	aud, err := AudienceFor(n.Owner, in.AllTownships, in.TownshipIDs)
	if err != nil {
		return Notice{}, err
	}
	if err := in.Validate(); err != nil {
		return Notice{}, err
	}
	published := n.PublishedAt != nil
	if published && in.Draft {
		return Notice{}, ErrAlreadyPublished
	}
	var told map[int64]bool
	if published {
		ids, err := recipients(ctx, tx, id, me.UserID)
		if err != nil {
			return Notice{}, err
		}
		told = make(map[int64]bool, len(ids))
		for _, uid := range ids {
			told[uid] = true
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE notices SET title = $2, body_md = $3, all_townships = $4, pinned = $5,
		published_at = CASE WHEN $6 THEN NULL ELSE COALESCE(published_at, now()) END, updated_at = now() WHERE id = $1`,
		id, in.Title, in.Body, aud.All, in.Pinned, in.Draft)
	if err != nil {
		return Notice{}, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM notice_townships WHERE notice_id = $1`, id); err != nil {
		return Notice{}, err
	}
	if err := setTownships(ctx, tx, id, aud); err != nil {
		return Notice{}, err
	}
	if !in.Draft {
		if err := s.announce(ctx, tx, id, me.UserID, told); err != nil {
			return Notice{}, err
		}
	}
	if err := tx.Commit(); err != nil {
		return Notice{}, err
	}
	return s.Get(ctx, me, id)
}

// setTownships writes the audience's townships; an id that is no township is refused.
func setTownships(ctx context.Context, tx *sqlx.Tx, id int64, aud Audience) error {
	if aud.All {
		return nil
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO notice_townships (notice_id, township_id)
		SELECT $1, t.id FROM townships t WHERE t.id = ANY($2)`, id, pq.Array(aud.TownshipIDs))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if int(n) != len(aud.TownshipIDs) {
		return ErrUnknownTownship
	}
	return nil
}

// recipients are the people a notice reaches: the active secretaries and organizers of
// its townships (of every township for a county-wide notice), but not its author.
func recipients(ctx context.Context, q sqlx.QueryerContext, noticeID, authorID int64) ([]int64, error) {
	var ids []int64
	err := sqlx.SelectContext(ctx, q, &ids, `SELECT u.id FROM users u, notices n
		WHERE n.id = $1 AND u.active AND u.role IN ('secretary', 'organizer') AND u.id <> $2
		AND (n.all_townships OR EXISTS (SELECT 1 FROM notice_townships nt WHERE nt.notice_id = n.id AND nt.township_id = u.township_id))
		ORDER BY u.id`, noticeID, authorID)
	return ids, err
}

// announce posts one inbox message to every recipient of the notice not in told, in one
// call of Deps.Post (nil: no inbox wired, nothing is posted).
func (s *Store) announce(ctx context.Context, tx *sqlx.Tx, id, authorID int64, told map[int64]bool) error {
	if s.post == nil {
		return nil
	}
	var n struct {
		Title  string `db:"title"`
		Issuer string `db:"issuer"`
	}
	if err := tx.GetContext(ctx, &n, `SELECT n.title, COALESCE(t.name, '县委组织部') AS issuer
		FROM notices n LEFT JOIN townships t ON t.id = n.owner_township_id WHERE n.id = $1`, id); err != nil {
		return err
	}
	ids, err := recipients(ctx, tx, id, authorID)
	if err != nil {
		return err
	}
	msgs := make([]web.Message, 0, len(ids))
	for _, uid := range ids {
		if told[uid] {
			continue
		}
		// The title is the notice's own (at most MaxTitle, as an inbox title may be); the
		// kind says it is a notice.
		msgs = append(msgs, web.Message{UserID: uid, Kind: web.MsgNotice, Title: n.Title,
			Body: n.Issuer + "发布了一条通知公告", URL: fmt.Sprintf("/notices/%d", id)})
	}
	if len(msgs) == 0 {
		return nil
	}
	return s.post(ctx, tx, msgs...)
}

// Delete removes a notice the caller manages, with its attachments; it returns the title.
func (s *Store) Delete(ctx context.Context, me *web.Identity, id int64) (string, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	n, err := managed(ctx, tx, me, id, true)
	if err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM notices WHERE id = $1`, id); err != nil {
		return "", err
	}
	return n.Title, tx.Commit()
}

// AddAttachment checks and stores a PDF for a notice the caller manages.
func (s *Store) AddAttachment(ctx context.Context, me *web.Identity, noticeID int64, filename string, data []byte) (Attachment, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Attachment{}, err
	}
	defer tx.Rollback()
	if _, err := managed(ctx, tx, me, noticeID, true); err != nil {
		return Attachment{}, err
	}
	if err := CheckPDF(filename, data, s.maxAttachment); err != nil {
		return Attachment{}, err
	}
	var count int
	if err := tx.GetContext(ctx, &count, `SELECT count(*) FROM notice_attachments WHERE notice_id = $1`, noticeID); err != nil {
		return Attachment{}, err
	}
	if count >= MaxAttachments {
		return Attachment{}, ErrTooManyFiles
	}
	a := Attachment{NoticeID: noticeID, Filename: strings.TrimSpace(filename), Size: int64(len(data))}
	err = tx.GetContext(ctx, &a.ID, `INSERT INTO notice_attachments (notice_id, filename, size, data)
		VALUES ($1, $2, $3, $4) RETURNING id`, noticeID, a.Filename, a.Size, data)
	if err != nil {
		return Attachment{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE notices SET updated_at = now() WHERE id = $1`, noticeID); err != nil {
		return Attachment{}, err
	}
	a.URL = fmt.Sprintf("/notices/%d/attachments/%d", noticeID, a.ID)
	a.CreatedAt = time.Now()
	return a, tx.Commit()
}

// AttachmentFile returns an attachment's name and bytes, when the caller sees its notice.
func (s *Store) AttachmentFile(ctx context.Context, me *web.Identity, noticeID, id int64) (string, []byte, error) {
	if _, err := readable(ctx, s.db, me, noticeID, false); err != nil {
		return "", nil, err
	}
	var row struct {
		Filename string `db:"filename"`
		Data     []byte `db:"data"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT filename, data FROM notice_attachments WHERE id = $1 AND notice_id = $2`, id, noticeID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, ErrAttachmentNotFound
	}
	return row.Filename, row.Data, err
}

// AttachmentInfo returns an attachment of a notice the caller manages (without its
// bytes) and the notice, for the confirmation page.
func (s *Store) AttachmentInfo(ctx context.Context, me *web.Identity, noticeID, id int64) (Attachment, Notice, error) {
	n, err := managed(ctx, s.db, me, noticeID, false)
	if err != nil {
		return Attachment{}, n, err
	}
	var a Attachment
	err = s.db.GetContext(ctx, &a, `SELECT id, notice_id, filename, size, created_at FROM notice_attachments
		WHERE id = $1 AND notice_id = $2`, id, noticeID)
	if errors.Is(err, sql.ErrNoRows) {
		return a, n, ErrAttachmentNotFound
	}
	return a, n, err
}

// DeleteAttachment removes an attachment of a notice the caller manages.
func (s *Store) DeleteAttachment(ctx context.Context, me *web.Identity, noticeID, id int64) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := managed(ctx, tx, me, noticeID, true); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM notice_attachments WHERE id = $1 AND notice_id = $2`, id, noticeID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ErrAttachmentNotFound
	}
	return tx.Commit()
}

// Recent returns the newest published notices meant for the caller since the time (at
// most limit) and how many there are, for the home card. Nothing records who read them.
func (s *Store) Recent(ctx context.Context, me *web.Identity, since time.Time, limit int) ([]Notice, int, error) {
	t, staff := viewer(me)
	where := `n.published_at IS NOT NULL AND n.published_at >= $3 AND (` + reachesSQL + ` OR ` + managedSQL + `)`
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT count(*) FROM notices n WHERE `+where, t, staff, since); err != nil {
		return nil, 0, err
	}
	if total == 0 {
		return nil, 0, nil
	}
	var out []Notice
	err := s.db.SelectContext(ctx, &out, `SELECT `+listCols+noticeFrom+`WHERE `+where+`
		ORDER BY n.published_at DESC, n.id DESC LIMIT $4`, t, staff, since, limit)
	for i := range out {
		out[i].finish(me)
	}
	return out, total, err
}
