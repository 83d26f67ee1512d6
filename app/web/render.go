package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
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
	base  *template.Template
	pages map[string]*template.Template
	bufs  sync.Pool
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
	"add":      func(a, b int) int { return a + b },
	"sub":      func(a, b int) int { return a - b },
	"roleName": RoleName,
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
	r := &Renderer{base: base, pages: map[string]*template.Template{}}
	r.bufs.New = func() any { return new(bytes.Buffer) }
	for _, page := range []string{"templates/error.html", "templates/download.html"} {
		if err := r.AddPages("web", shellTemplates, page); err != nil {
			return nil, err
		}
	}
	return r, nil
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

// Page renders a full page. data gets Me, CSRF, Path and Title filled in.
func (r *Renderer) Page(c *fiber.Ctx, name string, data fiber.Map) error {
	t, ok := r.pages[name]
	if !ok {
		return fmt.Errorf("templates: no page %s", name)
	}
	if data == nil {
		data = fiber.Map{}
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

// Card is one block of a home page: a title, a big figure, an optional progress bar,
// lines of detail and the next step. Features contribute cards without touching the
// home page's template.
type Card struct {
	Title    string
	Big      string
	Bar      bool
	Percent  int
	Lines    []string
	Link     string
	LinkText string
	Accent   bool
	Order    int
}
