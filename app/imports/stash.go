package imports

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

// Upload previews are kept for StashTTL, and each user keeps at most StashPerUser of
// them and StashBytesPerUser bytes: a new preview pushes out that user's oldest ones.
const (
	StashTTL          = 24 * time.Hour
	StashPerUser      = 5
	StashBytesPerUser = 64 << 20
)

// stashLock is the first key of the per-user advisory lock that serializes a user's
// stash writes, so parallel uploads cannot overrun the caps.
const stashLock = 7301

// errStashGone answers a confirm whose preview expired, was pushed out, or is another
// user's or another import's.
var errStashGone = web.NotFound("上传的文件已过期，请重新选择文件")

// Stash keeps an uploaded file between a preview and its confirmation, in PostgreSQL so
// that any instance can finish the import. It returns the stash id.
func Stash(ctx context.Context, db *sqlx.DB, userID int64, kind, filename string, data []byte) (string, error) {
	if int64(len(data)) > StashBytesPerUser {
		return "", web.Err(fiber.StatusRequestEntityTooLarge, "payload_too_large", "文件过大，无法预览")
	}
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	id := base64.RawURLEncoding.EncodeToString(b)
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, $2::int)`, stashLock, userID); err != nil {
		return "", err
	}
	// Make room: expired previews go, then the user's oldest beyond the caps.
	if _, err := tx.ExecContext(ctx, `
		DELETE FROM upload_stash WHERE created_at < now() - $1 * interval '1 second'
		   OR id IN (SELECT id FROM (
		        SELECT id, row_number() OVER w AS n, sum(octet_length(data)) OVER w AS bytes
		        FROM upload_stash WHERE user_id = $2
		        WINDOW w AS (ORDER BY created_at DESC, id DESC)) kept
		      WHERE n >= $3 OR bytes + $4 > $5)`,
		StashTTL.Seconds(), userID, StashPerUser, len(data), StashBytesPerUser); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO upload_stash (id, user_id, kind, filename, data) VALUES ($1,$2,$3,$4,$5)`,
		id, userID, kind, filename, data); err != nil {
		return "", err
	}
	return id, tx.Commit()
}

// SweepStash deletes expired upload previews.
func SweepStash(ctx context.Context, db *sqlx.DB) error {
	_, err := db.ExecContext(ctx, `DELETE FROM upload_stash WHERE created_at < now() - $1 * interval '1 second'`, StashTTL.Seconds())
	return err
}

// Unstash returns a stashed upload of the same user and kind.
func Unstash(ctx context.Context, db *sqlx.DB, userID int64, kind, id string) (filename string, data []byte, err error) {
	if web.BadText(id, false) {
		return "", nil, errStashGone
	}
	var row struct {
		Filename string `db:"filename"`
		Data     []byte `db:"data"`
	}
	err = db.GetContext(ctx, &row, `SELECT filename, data FROM upload_stash
		WHERE id = $1 AND user_id = $2 AND kind = $3 AND created_at > now() - $4 * interval '1 second'`, id, userID, kind, StashTTL.Seconds())
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, errStashGone
	}
	return row.Filename, row.Data, err
}

// DropStash deletes a stashed upload after it was imported.
func DropStash(ctx context.Context, db *sqlx.DB, id string) {
	db.ExecContext(ctx, `DELETE FROM upload_stash WHERE id = $1`, id)
}
