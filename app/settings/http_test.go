package settings

import (
	"context"
	"encoding/json"
	"io"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// fortyChars is an issuer name of the longest allowed length.
const fortyChars = "中国共产党新疆维吾尔自治区伊犁哈萨克自治州察布查尔锡伯自治县委员会组织部干部一科"

type fx struct {
	store                 *Store
	admin, org, sec, anon *webtest.Client
	saved                 func() string // the stored issuer_name
	setIssuer             func(string)
}

func newFx(t *testing.T) fx {
	t.Helper()
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := webtest.Server(t, db, web.Config{}, func(s *web.Server) error { return Mount(s, Deps{}) })
	f := fx{store: NewStore(db), admin: webtest.AsUser(t, srv, c.Admin), org: webtest.AsUser(t, srv, c.Organizers[0]),
		sec: webtest.AsUser(t, srv, c.Secretaries[0][0]), anon: webtest.New(t, srv.App)}
	f.saved = func() string {
		var name string
		testdb.Get(t, db, &name, `SELECT issuer_name FROM county_settings`)
		return name
	}
	f.setIssuer = func(name string) { testdb.Exec(t, db, `UPDATE county_settings SET issuer_name = $1`, name) }
	f.setIssuer("")
	t.Cleanup(func() { f.setIssuer("") })
	return f
}

// form posts the whole settings form as the page sends it, with the issuer name given
// (nil: a form without the field), and returns the status, the page and the redirect.
func (f fx) form(t *testing.T, c *webtest.Client, issuer *string) (int, string, string) {
	t.Helper()
	v := url.Values{"ranking_enabled": {"0"}, "retake_after_pass": {"0"}, "remind_courses": {"1"}, "remind_exams": {"1"},
		"remind_days": {"3"}, "lesson_min_time": {"1"}}
	if issuer != nil {
		v.Set("issuer_name", *issuer)
	}
	resp := c.Form("POST", "/admin/settings", v)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Location")
}

func ptr(s string) *string { return &s }

// put sends PUT /api/v1/settings with the two required switches and extra fields.
func put(c *webtest.Client, extra map[string]any) (int, []byte) {
	in := map[string]any{"ranking_enabled": false, "retake_after_pass": false}
	for k, v := range extra {
		in[k] = v
	}
	return c.JSON("PUT", "/api/v1/settings", in)
}

// The admin names the issuing body on the form (trimmed, shown back on the page) and
// through the API; a form or a PUT without the field keeps it; an empty name names none
// (the certificates then say 「县委组织部」, app/certificates).
func TestAdminSetsIssuerName(t *testing.T) {
	f := newFx(t)
	ctx := context.Background()
	if name, err := f.store.IssuerName(ctx); err != nil || name != "" {
		t.Fatalf("unset issuer: %q %v", name, err)
	}
	st, page := f.admin.Get("/admin/settings")
	if st != 200 || !strings.Contains(page, `name="issuer_name"`) || !strings.Contains(page, "证书落款和证书查验页显示的发证单位") {
		t.Fatalf("settings page has no issuer field: %d", st)
	}
	// The issuer field comes first on the page.
	if i, j := strings.Index(page, `name="issuer_name"`), strings.Index(page, `name="ranking_enabled"`); i < 0 || i > j {
		t.Fatalf("issuer field is not at the top (at %d, ranking at %d)", i, j)
	}

	// The form, with spaces around (an ideographic space too): saved trimmed.
	st, _, loc := f.form(t, f.admin, ptr(" \u3000中共某某县委组织部  "))
	if st != 303 || loc != "/admin/settings" || f.saved() != "中共某某县委组织部" {
		t.Fatalf("form: %d %s, saved %q", st, loc, f.saved())
	}
	if name, err := f.store.IssuerName(ctx); err != nil || name != "中共某某县委组织部" {
		t.Fatalf("IssuerName after the form: %q %v", name, err)
	}
	if st, page := f.admin.Get("/admin/settings"); st != 200 || !strings.Contains(page, `value="中共某某县委组织部"`) {
		t.Fatalf("page does not show the saved name: %d", st)
	}
	// A form without the field keeps the name.
	if st, _, _ := f.form(t, f.admin, nil); st != 303 || f.saved() != "中共某某县委组织部" {
		t.Fatalf("form without the field: %d, saved %q", st, f.saved())
	}

	// The API: set, read back, keep when missing, 40 characters pass.
	st, body := put(f.admin, map[string]any{"issuer_name": "中共示范县委组织部"})
	var got Settings
	webtest.Decode(t, body, &got)
	if st != 200 || got.IssuerName != "中共示范县委组织部" || f.saved() != "中共示范县委组织部" {
		t.Fatalf("PUT: %d %s", st, body)
	}
	if st, body := f.admin.JSON("GET", "/api/v1/settings", nil); st != 200 || !strings.Contains(string(body), `"issuer_name":"中共示范县委组织部"`) {
		t.Fatalf("GET: %d %s", st, body)
	}
	if st, body := put(f.admin, map[string]any{"ranking_enabled": true}); st != 200 || f.saved() != "中共示范县委组织部" {
		t.Fatalf("PUT without issuer_name: %d %s, saved %q", st, body, f.saved())
	}
	if st, body := put(f.admin, map[string]any{"issuer_name": fortyChars}); st != 200 || f.saved() != fortyChars || utf8.RuneCountInString(fortyChars) != 40 {
		t.Fatalf("PUT 40 characters: %d %s", st, body)
	}

	// Emptied (on the form: spaces only): the certificates fall back to 「县委组织部」.
	if st, _, _ := f.form(t, f.admin, ptr("   ")); st != 303 || f.saved() != "" {
		t.Fatalf("emptied by form: %d, saved %q", st, f.saved())
	}
	if name, err := f.store.IssuerName(ctx); err != nil || name != "" {
		t.Fatalf("IssuerName when emptied: %q %v", name, err)
	}
	if st, _ := put(f.admin, map[string]any{"issuer_name": "中共某某县委组织部"}); st != 200 {
		t.Fatalf("PUT: %d", st)
	}
	if st, _ := put(f.admin, map[string]any{"issuer_name": ""}); st != 200 || f.saved() != "" {
		t.Fatalf("emptied by PUT: %d, saved %q", st, f.saved())
	}
}

// A name too long or with control characters is a 422 with the Chinese reason, on the
// form (which keeps what was typed) and through the API; nothing is saved. The database
// refuses an over-long name too.
func TestIssuerNameRefused(t *testing.T) {
	f := newFx(t)
	f.setIssuer("中共某某县委组织部")
	long := fortyChars + "科"
	cases := []struct {
		name, value, message string
	}{
		{"41 characters", long, "发证单位名称不能超过 40 个字"},
		{"NUL byte", "中共某某\x00县委组织部", "发证单位名称" + web.BadTextMessage},
		{"line break", "中共某某县委\n组织部", "发证单位名称" + web.BadTextMessage},
		{"bidi override", "中共某某\u202e县委组织部", "发证单位名称" + web.BadTextMessage},
	}
	for _, tc := range cases {
		st, body := put(f.admin, map[string]any{"issuer_name": tc.value})
		var e struct {
			Error struct {
				Code    string
				Message string
				Fields  map[string]string
			}
		}
		json.Unmarshal(body, &e)
		if st != 422 || e.Error.Code != "validation_failed" || !strings.HasPrefix(e.Error.Message, tc.message) ||
			!strings.HasPrefix(e.Error.Fields["issuer_name"], tc.message) {
			t.Errorf("%s: PUT %d %s", tc.name, st, body)
		}
		st, page, _ := f.form(t, f.admin, ptr(tc.value))
		if st != 422 || !strings.Contains(page, tc.message) {
			t.Errorf("%s: form %d", tc.name, st)
		}
		if saved := f.saved(); saved != "中共某某县委组织部" {
			t.Fatalf("%s: saved %q", tc.name, saved)
		}
	}
	// The form shows the refused name again, for the admin to shorten.
	if _, page, _ := f.form(t, f.admin, ptr(long)); !strings.Contains(page, `value="`+long+`"`) {
		t.Errorf("form does not keep the typed name")
	}
	// Other fields refused with it: the issuer name is not saved either.
	if st, _ := put(f.admin, map[string]any{"issuer_name": "中共新县委组织部", "remind_days": 99}); st != 422 || f.saved() != "中共某某县委组织部" {
		t.Errorf("bad remind_days saved the name: %d, saved %q", st, f.saved())
	}
	if st, body := put(f.admin, map[string]any{"issuer_name": 7}); st != 422 {
		t.Errorf("mistyped issuer_name: %d %s", st, body)
	}
	// The migration's CHECK: the database itself refuses 41 characters.
	if _, err := f.store.db.Exec(`UPDATE county_settings SET issuer_name = $1`, long); err == nil || !strings.Contains(err.Error(), "county_settings_issuer_name_length") {
		t.Errorf("database accepted 41 characters: %v", err)
	}
}

// Only admins see or change the settings: organizers and secretaries get 403, anonymous
// visitors the login; nothing is saved.
func TestIssuerNameOnlyForAdmins(t *testing.T) {
	f := newFx(t)
	f.setIssuer("中共某某县委组织部")
	for name, c := range map[string]*webtest.Client{"organizer": f.org, "secretary": f.sec} {
		if st, _, _ := f.form(t, c, ptr("乡镇自己起的名")); st != 403 {
			t.Errorf("%s form: %d", name, st)
		}
		if st, _ := put(c, map[string]any{"issuer_name": "乡镇自己起的名"}); st != 403 {
			t.Errorf("%s PUT: %d", name, st)
		}
		for _, p := range []string{"/admin/settings", "/api/v1/settings"} {
			if st, _ := c.Get(p); st != 403 {
				t.Errorf("%s GET %s: %d", name, p, st)
			}
		}
	}
	if st, _ := f.anon.Get("/admin/settings"); st != 302 && st != 303 {
		t.Errorf("anonymous page: %d", st)
	}
	if st, _ := f.anon.JSON("GET", "/api/v1/settings", nil); st != 401 {
		t.Errorf("anonymous API: %d", st)
	}
	if st, _ := put(f.anon, map[string]any{"issuer_name": "乡镇自己起的名"}); st != 401 && st != 403 {
		t.Errorf("anonymous PUT: %d", st)
	}
	if saved := f.saved(); saved != "中共某某县委组织部" {
		t.Fatalf("saved %q", saved)
	}
}
