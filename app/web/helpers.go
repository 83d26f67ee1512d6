package web

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"
)

// ParamID reads a positive integer route parameter. Anything else (forged, malformed) is
// answered as not found.
func ParamID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, NotFound("")
	}
	return id, nil
}

// QueryInt reads an optional integer query parameter (0 when missing).
func QueryInt(c *fiber.Ctx, name string) (int64, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, BadRequest("参数 " + name + " 应为数字")
	}
	return n, nil
}

// Attachment marks the response as a download with a (Chinese) file name, per RFC 6266.
func Attachment(c *fiber.Ctx, filename, contentType string) {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, filename)
	c.Set(fiber.HeaderContentType, contentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+ascii+`"; filename*=UTF-8''`+url.PathEscape(filename))
	c.Set(fiber.HeaderCacheControl, "no-store")
}

// XLSXType is the content type of .xlsx files.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// FormFile reads the uploaded file in field "file", up to max bytes.
func FormFile(c *fiber.Ctx, max int64) (name string, data []byte, err error) {
	fh, err := c.FormFile("file")
	if err != nil {
		return "", nil, Invalid("请选择要上传的文件", map[string]string{"file": "缺少文件"})
	}
	if fh.Size > max {
		return "", nil, Err(fiber.StatusRequestEntityTooLarge, "payload_too_large", "文件过大，请不要超过 "+strconv.FormatInt(max>>20, 10)+" MB")
	}
	f, err := fh.Open()
	if err != nil {
		return "", nil, BadRequest("无法读取上传的文件")
	}
	defer f.Close()
	data = make([]byte, fh.Size)
	if _, err := io.ReadFull(f, data); err != nil {
		return "", nil, BadRequest("无法读取上传的文件")
	}
	return fh.Filename, data, nil
}

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

// Stash keeps an uploaded file between a preview and its confirmation, in PostgreSQL so
// that any instance can finish the import. It returns the stash id.
func Stash(ctx context.Context, db *sqlx.DB, userID int64, kind, filename string, data []byte) (string, error) {
	if int64(len(data)) > StashBytesPerUser {
		return "", Err(fiber.StatusRequestEntityTooLarge, "payload_too_large", "文件过大，无法预览")
	}
	id := randomToken(18)
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
	var row struct {
		Filename string `db:"filename"`
		Data     []byte `db:"data"`
	}
	err = db.GetContext(ctx, &row, `SELECT filename, data FROM upload_stash
		WHERE id = $1 AND user_id = $2 AND kind = $3 AND created_at > now() - $4 * interval '1 second'`, id, userID, kind, StashTTL.Seconds())
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, NotFound("上传的文件已过期，请重新选择文件")
	}
	return row.Filename, row.Data, err
}

// DropStash deletes a stashed upload after it was imported.
func DropStash(ctx context.Context, db *sqlx.DB, id string) {
	db.ExecContext(ctx, `DELETE FROM upload_stash WHERE id = $1`, id)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

const flashCookie = "zhibu_flash"

// RedirectOK redirects after a successful form post; the next page shows the message once.
func RedirectOK(c *fiber.Ctx, to, message string) error {
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: url.QueryEscape(message), Path: "/", HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: 60})
	return c.Redirect(to, fiber.StatusSeeOther)
}

// takeFlash returns and clears the one-time message.
func takeFlash(c *fiber.Ctx) string {
	v := c.Cookies(flashCookie)
	if v == "" {
		return ""
	}
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: "", Path: "/", HTTPOnly: true, MaxAge: -1, Expires: time.Unix(0, 0)})
	msg, _ := url.QueryUnescape(v)
	if len(msg) > 300 {
		msg = ""
	}
	return msg
}
