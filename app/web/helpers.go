package web

import (
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
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

// Attachment marks the response as a download, per RFC 6266: filename is the Chinese
// name browsers show (the filename* parameter), ascii a readable name for clients that only
// read filename= (e.g. "zhibu-completion-2026.xlsx"); ASCIIName keeps it safe.
func Attachment(c *fiber.Ctx, filename, ascii, contentType string) {
	c.Set(fiber.HeaderContentType, contentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+ASCIIName(ascii)+`"; filename*=UTF-8''`+url.PathEscape(filename))
	c.Set(fiber.HeaderCacheControl, "no-store")
}

// ASCIIName makes a readable file name of letters, digits, '.', '_' and '-': anything
// else becomes one '-' (runs collapse, none at either end of the stem), and an empty
// name is "download".
func ASCIIName(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_'
		if !ok {
			dash = b.Len() > 0
			continue
		}
		if dash && r != '.' {
			b.WriteByte('-')
		}
		dash = false
		b.WriteRune(r)
	}
	out := b.String()
	if out == "" || strings.HasPrefix(out, ".") {
		out = "download" + out
	}
	return out
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

// SafeFileName replaces the characters a file name cannot hold on Windows or a phone
// (/ \ : * ? " < > |) with _, for the Chinese names of downloads.
func SafeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < 0x20 {
			return '_'
		}
		return r
	}, s)
}
