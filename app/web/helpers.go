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
