package outbox

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/web"
)

// All SQL of the outbox. Lock order: one outbox row at a time (the worker's claim locks
// a batch of rows with SKIP LOCKED, so it never waits on another worker); nothing else is
// locked.

// Enqueue writes the outbound copy of msgs of an outbound kind, one row each, in one
// INSERT in the caller's transaction q (the inbox message's). Off, it does nothing. It
// cannot refuse what the inbox accepted: texts are cleaned and bounded here, so the
// caller's transaction never fails because of the outbox.
func (o *Outbox) Enqueue(ctx context.Context, q sqlx.ExtContext, msgs ...web.Message) error {
	if !o.Enabled() {
		return nil
	}
	var users []int64
	var kinds, texts, urls []string
	for _, m := range msgs {
		if !Outbound(m.Kind) || m.UserID <= 0 {
			continue
		}
		text, link := Text(m, o.cfg.BaseURL)
		if strings.TrimSpace(text) == "" {
			continue
		}
		if len(link) > 1000 {
			link = ""
		}
		users, kinds, texts, urls = append(users, m.UserID), append(kinds, m.Kind), append(texts, text), append(urls, link)
	}
	if len(users) == 0 {
		return nil
	}
	_, err := q.ExecContext(ctx, `INSERT INTO outbox (user_id, kind, text, url, next_at)
		SELECT u, k, t, l, $5 FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS m(u, k, t, l)`,
		pq.Array(users), pq.Array(kinds), pq.Array(texts), pq.Array(urls), o.now())
	return err
}

// Store is the admin page's SQL and the worker's.
type Store struct {
	db *sqlx.DB
	o  *Outbox
}

// NewStore returns the outbox's store on db; o gives the clock.
func NewStore(db *sqlx.DB, o *Outbox) *Store { return &Store{db: db, o: o} }

// Row is one outbox row with its person, as the admin page and the API show it.
type Row struct {
	ID        int64      `db:"id" json:"id"`
	UserID    int64      `db:"user_id" json:"user_id"`
	Name      string     `db:"name" json:"name"`
	Township  string     `db:"township" json:"township"`
	Kind      string     `db:"kind" json:"kind"`
	Text      string     `db:"text" json:"text"`
	URL       string     `db:"url" json:"url"`
	Status    string     `db:"status" json:"status"`
	Attempts  int        `db:"attempts" json:"attempts"`
	NextAt    time.Time  `db:"next_at" json:"next_at"`
	LastError string     `db:"last_error" json:"last_error"`
	CreatedAt time.Time  `db:"created_at" json:"created_at"`
	SentAt    *time.Time `db:"sent_at" json:"sent_at"`
}

// KindName is the row's kind in Chinese.
func (r Row) KindName() string { return KindName(r.Kind) }

// StatusName is the row's status in Chinese.
func (r Row) StatusName() string { return StatusName(r.Status) }

// Retryable tells whether an admin may send the row again.
func (r Row) Retryable() bool { return r.Status == StatusFailed || r.Status == StatusSkipped }

// Counts are the rows per status.
type Counts struct {
	Pending int `json:"pending"`
	Sent    int `json:"sent"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
}

// Of is the count of a status.
func (c Counts) Of(status string) int {
	switch status {
	case StatusPending:
		return c.Pending
	case StatusSent:
		return c.Sent
	case StatusFailed:
		return c.Failed
	case StatusSkipped:
		return c.Skipped
	}
	return c.Pending + c.Sent + c.Failed + c.Skipped
}

// Counts counts the rows per status.
func (s *Store) Counts(ctx context.Context) (Counts, error) {
	var rows []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	var c Counts
	if err := sqlx.SelectContext(ctx, s.db, &rows, `SELECT status, count(*) AS n FROM outbox GROUP BY status`); err != nil {
		return c, err
	}
	for _, r := range rows {
		switch r.Status {
		case StatusPending:
			c.Pending = r.N
		case StatusSent:
			c.Sent = r.N
		case StatusFailed:
			c.Failed = r.N
		case StatusSkipped:
			c.Skipped = r.N
		}
	}
	return c, nil
}

// CountFailed counts the failed rows (the home card).
func (s *Store) CountFailed(ctx context.Context) (int, error) {
	var n int
	err := sqlx.GetContext(ctx, s.db, &n, `SELECT count(*) FROM outbox WHERE status = 'failed'`)
	return n, err
}

// Filter selects the rows of a list: a status ("" for all) and a person's name or phone.
type Filter struct {
	Status string
	Query  string
	Offset int
	Limit  int
}

const rowCols = `o.id, o.user_id, u.name, COALESCE(t.name, '') AS township, o.kind, o.text, o.url, o.status,
	o.attempts, o.next_at, o.last_error, o.created_at, o.sent_at`

const rowFrom = `FROM outbox o JOIN users u ON u.id = o.user_id LEFT JOIN townships t ON t.id = u.township_id`

// likeEscape makes a search word match itself only in LIKE (a typed % or _ is literal).
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// List is one page of the rows of f, newest first, and how many there are in all.
func (s *Store) List(ctx context.Context, f Filter) ([]Row, int, error) {
	where := ` WHERE ($1 = '' OR o.status = $1) AND ($2 = '' OR u.name LIKE '%' || $2 || '%' OR u.phone LIKE '%' || $2 || '%')`
	q := likeEscape(f.Query)
	var total int
	if err := sqlx.GetContext(ctx, s.db, &total, `SELECT count(*) `+rowFrom+where, f.Status, q); err != nil {
		return nil, 0, err
	}
	rows := []Row{}
	err := sqlx.SelectContext(ctx, s.db, &rows, `SELECT `+rowCols+` `+rowFrom+where+` ORDER BY o.id DESC LIMIT $3 OFFSET $4`,
		f.Status, q, f.Limit, f.Offset)
	return rows, total, err
}

// Get is one row; ErrNotFound when there is none.
func (s *Store) Get(ctx context.Context, id int64) (Row, error) {
	var r Row
	err := sqlx.GetContext(ctx, s.db, &r, `SELECT `+rowCols+` `+rowFrom+` WHERE o.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}

// Retry sends a failed or skipped row again: pending, due now, its attempts and error
// cleared. ErrNotFound for no such row, ErrNotRetryable for a row pending or sent.
func (s *Store) Retry(ctx context.Context, id int64) (Row, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE outbox SET status = 'pending', attempts = 0, next_at = $2, last_error = ''
		WHERE id = $1 AND status IN ('failed', 'skipped')`, id, s.o.now())
	if err != nil {
		return Row{}, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return Row{}, err
	}
	r, err := s.Get(ctx, id)
	if err == nil && n == 0 {
		err = ErrNotRetryable
	}
	return r, err
}

// claimed is a row a worker holds: what it sends and to whom.
type claimed struct {
	ID        int64     `db:"id"`
	UserID    int64     `db:"user_id"`
	Kind      string    `db:"kind"`
	Text      string    `db:"text"`
	URL       string    `db:"url"`
	Attempts  int       `db:"attempts"`
	CreatedAt time.Time `db:"created_at"`
	Phone     string    `db:"phone"`
	Active    bool      `db:"active"`
}

// claim leases up to limit due pending rows until lease: one statement whose SELECT …
// FOR UPDATE SKIP LOCKED passes over the rows another worker is claiming, and whose
// UPDATE moves next_at past now so no other pass takes them while the lease holds. The
// rows stay pending: a worker that dies leaves them due again when the lease ends.
func (s *Store) claim(ctx context.Context, now, lease time.Time, limit int) ([]claimed, error) {
	var rows []claimed
	err := sqlx.SelectContext(ctx, s.db, &rows, `
		WITH due AS (
			SELECT id FROM outbox
			WHERE status = 'pending' AND next_at <= $1
			ORDER BY next_at, id
			LIMIT $3
			FOR UPDATE SKIP LOCKED
		)
		UPDATE outbox o SET next_at = $2
		FROM due WHERE o.id = due.id
		RETURNING o.id, o.user_id, o.kind, o.text, o.url, o.attempts, o.created_at,
			COALESCE((SELECT btrim(u.phone) FROM users u WHERE u.id = o.user_id), '') AS phone,
			COALESCE((SELECT u.active FROM users u WHERE u.id = o.user_id), false) AS active`,
		now, lease, limit)
	return rows, err
}

// The marks below change a row only while the worker's lease on it holds (status
// pending, next_at the lease's end): a row an admin reset, or another worker claimed
// after the lease ended, is left as it is.

func (s *Store) markSent(ctx context.Context, id int64, lease, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = $3, last_error = ''
		WHERE id = $1 AND status = 'pending' AND next_at = $2`, id, lease, now)
	return err
}

// markRetry counts a failed attempt and makes the row due again at next.
func (s *Store) markRetry(ctx context.Context, id int64, lease, next time.Time, why string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, next_at = $3, last_error = $4
		WHERE id = $1 AND status = 'pending' AND next_at = $2`, id, lease, next, why)
	return err
}

// markFailed counts a failed attempt and gives the row up.
func (s *Store) markFailed(ctx context.Context, id int64, lease time.Time, why string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = $3
		WHERE id = $1 AND status = 'pending' AND next_at = $2`, id, lease, why)
	return err
}

// markSkipped gives a row up unsent, with the reason.
func (s *Store) markSkipped(ctx context.Context, id int64, lease time.Time, why string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE outbox SET status = 'skipped', last_error = $3
		WHERE id = $1 AND status = 'pending' AND next_at = $2`, id, lease, why)
	return err
}

// release makes rows the worker will not send (it is stopping, or its lease runs short)
// due again at now.
func (s *Store) release(ctx context.Context, ids []int64, lease, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.db.ExecContext(ctx, `UPDATE outbox SET next_at = $3
		WHERE id = ANY($1) AND status = 'pending' AND next_at = $2`, pq.Array(ids), lease, now)
	return err
}
