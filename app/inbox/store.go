package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/web"
)

// Message is one message of a person's inbox as the list and the API show it.
type Message struct {
	ID        int64      `db:"id" json:"id"`
	Kind      string     `db:"kind" json:"kind"`
	Title     string     `db:"title" json:"title"`
	Body      string     `db:"body" json:"body"`
	URL       string     `db:"url" json:"url"`
	ReadAt    *time.Time `db:"read_at" json:"read_at"`
	CreatedAt time.Time  `db:"created_at" json:"created_at"`
}

// KindName is the Chinese name of the message's kind.
func (m Message) KindName() string { return KindName(m.Kind) }

// Post is web.Post: it writes msgs in the caller's transaction q with one INSERT, so a
// message exists exactly when the change it tells of was committed. Every message is
// checked first (Check); one bad message stores none and returns ErrInvalid naming it.
func Post(ctx context.Context, q sqlx.ExtContext, msgs ...web.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	users := make([]int64, len(msgs))
	kinds, titles, bodies, urls := make([]string, len(msgs)), make([]string, len(msgs)), make([]string, len(msgs)), make([]string, len(msgs))
	refs := make([]string, len(msgs))
	for i, m := range msgs {
		if why := Check(m); why != "" {
			return fmt.Errorf("%w: message %d of %d (%s): %s", ErrInvalid, i+1, len(msgs), m.Kind, why)
		}
		users[i], kinds[i], titles[i], bodies[i], urls[i], refs[i] = m.UserID, m.Kind, m.Title, m.Body, m.URL, m.Ref
	}
	// ref: the feature's own key (migrations/00070_reminders.sql adds the column); "" is NULL.
	_, err := q.ExecContext(ctx, `INSERT INTO messages (user_id, kind, title, body, url, ref)
		SELECT u, k, t, b, l, NULLIF(r, '') FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS m(u, k, t, b, l, r)`,
		pq.Array(users), pq.Array(kinds), pq.Array(titles), pq.Array(bodies), pq.Array(urls), pq.Array(refs))
	return err
}

var _ web.Post = Post

// Store holds all SQL of the inbox: every method reads or writes the messages of one
// person, the caller; nobody reads another person's inbox.
type Store struct{ db *sqlx.DB }

// NewStore returns the inbox's store on db.
func NewStore(db *sqlx.DB) *Store { return &Store{db: db} }

const cols = `id, kind, title, body, url, read_at, created_at`

// Page is one page of a person's messages, newest first, with the person's counts.
type Page struct {
	Messages []Message `db:"-"`
	Total    int       `db:"total"`
	Unread   int       `db:"unread"`
}

// List reads one page of the person's messages, newest first. Reading marks nothing read.
func (s *Store) List(ctx context.Context, userID int64, offset, limit int) (Page, error) {
	p := Page{Messages: []Message{}}
	if err := s.db.GetContext(ctx, &p, `SELECT count(*) AS total, count(*) FILTER (WHERE read_at IS NULL) AS unread
		FROM messages WHERE user_id = $1`, userID); err != nil {
		return p, err
	}
	if p.Total == 0 {
		return p, nil
	}
	err := s.db.SelectContext(ctx, &p.Messages, `SELECT `+cols+` FROM messages WHERE user_id = $1
		ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT $3`, userID, offset, limit)
	return p, err
}

// Unread counts the person's unread messages.
func (s *Store) Unread(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM messages WHERE user_id = $1 AND read_at IS NULL`, userID)
	return n, err
}

// NewestUnread returns the person's unread count and newest `limit` unread messages.
func (s *Store) NewestUnread(ctx context.Context, userID int64, limit int) ([]Message, int, error) {
	n, err := s.Unread(ctx, userID)
	if err != nil || n == 0 {
		return nil, n, err
	}
	var ms []Message
	err = s.db.SelectContext(ctx, &ms, `SELECT `+cols+` FROM messages WHERE user_id = $1 AND read_at IS NULL
		ORDER BY created_at DESC, id DESC LIMIT $2`, userID, limit)
	return ms, n, err
}

// MarkRead marks one of the person's messages read (a read one keeps when it was read)
// and returns it with the person's unread count after it; another person's message, or
// none, is ErrNotFound. Only the person's own action calls it.
func (s *Store) MarkRead(ctx context.Context, userID, id int64) (Message, int, error) {
	var m Message
	err := s.db.GetContext(ctx, &m, `UPDATE messages SET read_at = COALESCE(read_at, now())
		WHERE id = $1 AND user_id = $2 RETURNING `+cols, id, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return m, 0, ErrNotFound
	}
	if err != nil {
		return m, 0, err
	}
	n, err := s.Unread(ctx, userID)
	return m, n, err
}

// MarkAllRead marks every unread message of the person read (全部标为已读) and says how
// many it marked.
func (s *Store) MarkAllRead(ctx context.Context, userID int64) (int, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE messages SET read_at = now() WHERE user_id = $1 AND read_at IS NULL`, userID)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
