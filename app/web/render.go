package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"zhibu/static"
)

//go:embed templates/*.html
var shellTemplates embed.FS

// Renderer owns every page template. Each page is parsed into its own clone of the
// layout, so two features may both define "content" without overwriting each other, and
// any parse error is returned at start-up instead of being logged and ignored.
type Renderer struct {
	base     *template.Template
	pages    map[string]*template.Template
	partials map[string]bool // the keys AddPartials was called with
	data     map[string]func(*fiber.Ctx) any
	bufs     sync.Pool
}

var assetVersion = func() string {
	h := sha256.New()
	fs.WalkDir(static.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(static.FS, p)
			h.Write([]byte(p))
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:10]
}()

// China is the time zone of every date zhibu shows, parses or reports (UTC+8, no DST).
var China = time.FixedZone("CST", 8*3600)

// Funcs are available in every template.
var Funcs = template.FuncMap{
	"asset":    func(p string) string { return "/static/" + p + "?v=" + assetVersion },
	"date":     func(t any) string { return formatTime(t, "2006-01-02") },
	"datetime": func(t any) string { return formatTime(t, "2006-01-02 15:04") },
	"pct":      func(v float64) string { return fmt.Sprintf("%.1f%%", v*100) },
	"pctInt": func(n, d int) int {
		if d <= 0 {
			return 0
		}
		p := n * 100 / d
		if p > 100 {
			p = 100
		}
		return p
	},
	"num":        FormatNumber,
	"add":        func(a, b int) int { return a + b },
	"sub":        func(a, b int) int { return a - b },
	"roleName":   RoleName,
	"navCurrent": navCurrent,
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
}

func formatTime(t any, layout string) string {
	switch v := t.(type) {
	case time.Time:
		if v.IsZero() {
			return ""
		}
		return v.In(China).Format(layout)
	case *time.Time:
		if v == nil || v.IsZero() {
			return ""
		}
		return v.In(China).Format(layout)
	}
	return ""
}

// navSections maps the first path segments of every page to its menu section; the longest
// matching prefix wins. A page missing here highlights no menu item.
var navSections = []struct{ prefix, section string }{
	{"/me", "me"},
	{"/password", "me"},
	{"/courses", "courses"},
	{"/lessons", "courses"},
	{"/attachments", "courses"},
	{"/classes", "courses"},
	{"/checkin", "courses"},
	{"/exams", "exams"},
	{"/attempts", "exams"},
	{"/tours", "tours"},
	{"/admin/courses", "courses"},
	{"/admin/course-years", "courses"},
	{"/admin/lessons", "courses"},
	{"/admin/assignments", "courses"},
	{"/admin/attachments", "courses"},
	{"/admin/classes", "courses"},
	{"/admin/exams", "exams"},
	{"/admin/questions", "exams"},
	{"/admin/tours", "tours"},
	{"/admin/users", "users"},
	{"/admin/roster", "users"},
	{"/admin/org", "org"},
	{"/admin/reports", "reports"},
	{"/admin/hours", "reports"},
	{"/admin/reminders", "reports"},
	{"/feedback", "me"},
	{"/messages", "me"},
	{"/tools", "me"},
	{"/admin/record", "reports"},
	{"/admin/certificates", "reports"},
	{"/admin/feedback", "feedback"},
	{"/notices", "notices"},
	{"/admin/notices", "notices"},
}

// NavSection tells which menu section (home, courses, exams, tours, me, users, org,
// reports, feedback, notices) a page belongs to, so the tab bar and the admin menu highlight it on every page
// of the section, not only on the list; "" for a page of no section.
func NavSection(p string) string {
	if p == "/" {
		return "home"
	}
	best, section := 0, ""
	for _, s := range navSections {
		if (p == s.prefix || strings.HasPrefix(p, s.prefix+"/")) && len(s.prefix) > best {
			best, section = len(s.prefix), s.section
		}
	}
	return section
}

// navCurrent is the aria-current value of the menu link to href of section on page p:
// "page" on the link's own page, "true" elsewhere in its section, "" outside it.
func navCurrent(p, section, href string) string {
	switch {
	case p == href:
		return "page"
	case NavSection(p) == section:
		return "true"
	}
	return ""
}

// ErrorHeadline is the Chinese headline of an error page for a status: what happened, in
// words, never the number or the code.
func ErrorHeadline(status int) string {
	switch status {
	case 400, 405, 415:
		return "请求有误"
	case 403:
		return "没有权限"
	case 404:
		return "找不到这个页面"
	case 408:
		return "请求超时"
	case 409:
		return "操作没有完成"
	case 413:
		return "内容过大"
	case 422:
		return "填写的内容有误"
	case 429:
		return "操作太频繁"
	case 503:
		return "服务暂时不可用"
	}
	if status < 500 {
		return "操作没有完成"
	}
	return "出了点问题"
}

// backHref is where an error page's 「返回上一页」 goes without JavaScript: the Referer
// when it is a page of this site other than the failed one, else the home page.
func backHref(c *fiber.Ctx) string {
	u, err := url.Parse(c.Get(fiber.HeaderReferer))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		!strings.EqualFold(u.Host, string(c.Request().Host())) ||
		u.RequestURI() == c.OriginalURL() || strings.HasPrefix(u.Path, "/api/") {
		return "/"
	}
	return u.RequestURI()
}

// RoleName gives the Chinese name of a role.
func RoleName(role string) string {
	switch role {
	case RoleAdmin:
		return "县委组织部"
	case RoleOrganizer:
		return "乡镇组织委员"
	case RoleSecretary:
		return "支部书记"
	}
	return role
}

// NewRenderer parses the shell's layout, partials and error page.
func NewRenderer() (*Renderer, error) {
	base, err := template.New("layout").Funcs(Funcs).ParseFS(shellTemplates, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	r := &Renderer{base: base, pages: map[string]*template.Template{}, partials: map[string]bool{}}
	r.bufs.New = func() any { return new(bytes.Buffer) }
	for _, page := range []string{"templates/error.html", "templates/download.html", "templates/confirm.html"} {
		if err := r.AddPages("web", shellTemplates, page); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// AddPartials adds the templates matching pattern in fsys to what every page added after
// it can use: the partials of a mechanism several features share (app/seats). key names
// the set; a second call with the same key does nothing, so each feature that uses the
// partials adds them before its own pages.
func (r *Renderer) AddPartials(key string, fsys fs.FS, pattern string) error {
	if r.partials[key] {
		return nil
	}
	if _, err := r.base.ParseFS(fsys, pattern); err != nil {
		return fmt.Errorf("templates: partials %s: %w", key, err)
	}
	r.partials[key] = true
	return nil
}

// AddPages parses every page matching pattern in fsys; a page is named
// "<prefix>/<file name without .html>", e.g. "accounts/login".
func (r *Renderer) AddPages(prefix string, fsys fs.FS, pattern string) error {
	files, err := fs.Glob(fsys, pattern)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("templates: %s matches no file", pattern)
	}
	for _, f := range files {
		src, err := fs.ReadFile(fsys, f)
		if err != nil {
			return err
		}
		name := prefix + "/" + strings.TrimSuffix(path.Base(f), ".html")
		if _, dup := r.pages[name]; dup {
			return fmt.Errorf("templates: page %s defined twice", name)
		}
		t, err := template.Must(r.base.Clone()).Parse(string(src))
		if err != nil {
			return fmt.Errorf("templates: parse %s: %w", name, err)
		}
		r.pages[name] = t
	}
	return nil
}

// AddPageData gives every page a value under key, made per request by fn: what a feature
// offers the others' templates (the inbox's unread count for 我的). fn should be cheap:
// what it returns does its work in the methods a template calls.
func (r *Renderer) AddPageData(key string, fn func(c *fiber.Ctx) any) {
	if r.data == nil {
		r.data = map[string]func(*fiber.Ctx) any{}
	}
	r.data[key] = fn
}

// Page renders a full page. data gets Me, CSRF, Path and Title filled in, and what
// AddPageData added.
func (r *Renderer) Page(c *fiber.Ctx, name string, data fiber.Map) error {
	t, ok := r.pages[name]
	if !ok {
		return fmt.Errorf("templates: no page %s", name)
	}
	if data == nil {
		data = fiber.Map{}
	}
	for k, fn := range r.data {
		if _, set := data[k]; !set {
			data[k] = fn(c)
		}
	}
	data["Me"] = Me(c)
	data["CSRF"] = CSRFToken(c)
	data["Path"] = c.Path()
	if flash := takeFlash(c); flash != "" && data["Flash"] == nil {
		data["Flash"] = flash
	}
	buf := r.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer r.bufs.Put(buf)
	if err := t.ExecuteTemplate(buf, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}
