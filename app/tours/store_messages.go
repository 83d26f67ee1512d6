package tours

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Message is one in-app message.
type Message struct {
	ID        int64      `db:"id" json:"id"`
	TourID    int64      `db:"tour_id" json:"tour_id"`
	Body      string     `db:"body" json:"body"`
	ReadAt    *time.Time `db:"read_at" json:"read_at"`
	CreatedAt time.Time  `db:"created_at" json:"created_at"`
}

// Messages returns the user's latest messages and the unread count.
func (s *Store) Messages(ctx context.Context, userID int64, limit int) ([]Message, int, error) {
	var ms []Message
	if err := s.db.SelectContext(ctx, &ms, `SELECT id, COALESCE(tour_id, 0) AS tour_id, body, read_at, created_at
		FROM tour_messages WHERE user_id = $1 ORDER BY id DESC LIMIT $2`, userID, limit); err != nil {
		return nil, 0, err
	}
	n, err := s.Unread(ctx, userID)
	return ms, n, err
}

// Unread counts the user's unread messages.
func (s *Store) Unread(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM tour_messages WHERE user_id = $1 AND read_at IS NULL`, userID)
	return n, err
}

// MarkMessageRead marks one of the user's messages read and returns its tour (0 if none)
// and the user's unread count after it; another user's message, or none, is not found.
// Only the user's own action calls it: reading a page or the list never changes what is
// unread.
func (s *Store) MarkMessageRead(ctx context.Context, userID, messageID int64) (tourID int64, unread int, err error) {
	err = s.db.GetContext(ctx, &tourID, `UPDATE tour_messages SET read_at = COALESCE(read_at, now())
		WHERE id = $1 AND user_id = $2 RETURNING COALESCE(tour_id, 0)`, messageID, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, ErrMessageNotFound
	}
	if err != nil {
		return 0, 0, err
	}
	unread, err = s.Unread(ctx, userID)
	return tourID, unread, err
}

// MarkRead marks all the user's messages read (the "全部标为已读" action).
func (s *Store) MarkRead(ctx context.Context, userID int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE tour_messages SET read_at = now() WHERE user_id = $1 AND read_at IS NULL`, userID)
	return err
}
