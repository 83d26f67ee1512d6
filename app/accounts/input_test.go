package accounts

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"zhibu/app/testdb"
	"zhibu/app/web/webtest"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestSafeNext(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"/courses", "/courses"},
		{"/exams/3?tab=review#top", "/exams/3?tab=review#top"},
		{"/admin/users?q=%E7%8E%8B", "/admin/users?q=%E7%8E%8B"},
		{"", "/"},
		{"courses", "/"},
		{"//evil.example/", "/"},
		{"/\\evil.example/", "/"},
		{"/\t/evil.example/", "/"},     // browsers drop the tab: //evil.example
		{"/\r\n/evil.example/", "/"},   // and line breaks
		{"/\n/evil.example/", "/"},     //
		{"/ /evil.example/", "/"},      //
		{"/\x00/evil.example/", "/"},   //
		{"/\x7f/evil.example/", "/"},   //
		{"/\u0085/evil.example/", "/"}, // C1 next line
		{"/\u202e/evil.example/", "/"}, // bidi override
		{"/a\\b", "/"},                 // a backslash anywhere
		{"/%2F/evil.example/", "/"},    // decodes to //evil.example/
		{"https://evil.example/", "/"}, //
		{"http:/evil.example", "/"},    //
		{"javascript:alert(1)", "/"},   //
		{"/\xff", "/"},                 // not UTF-8
		{" /courses", "/"},             //
		{"\t//evil.example", "/"},      //
		{"/" + strings.Repeat("a", 3000), "/"},
	} {
		if got := safeNext(c.in); got != c.want {
			t.Errorf("safeNext(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// A control character in a login is refused as bad input (never a 500 from the database).
func TestLoginWithControlCharacters(t *testing.T) {
	db := testdb.DB(t)
	srv := newServer(t)
	resetThrottle(t, db)
	for _, name := range []string{"adm\x00in", "admin\x01", "ad\u202emin", "adm\xffin"} {
		st, body := login(webtest.New(t, srv.App), name, "whatever-password")
		if st != 422 || !strings.Contains(string(body), `"username"`) {
			t.Errorf("API login %q: %d %s, want 422 naming username", name, st, body)
		}
	}
	st, body := login(webtest.New(t, srv.App), "admin", "pass\x00word")
	if st != 401 {
		t.Errorf("API login, NUL in the password: %d %s, want 401", st, body)
	}

	cl := webtest.New(t, srv.App)
	_, page := cl.Get("/login")
	token := between(page, `name="_csrf" value="`, `"`)
	for _, name := range []string{"adm\x00in", "adm\xffin"} {
		resp := cl.Form("POST", "/login", url.Values{"username": {name}, "password": {"whatever"}, "_csrf": {token}})
		if page := readBody(resp); resp.StatusCode != 422 || !strings.Contains(page, "控制字符") {
			t.Errorf("form login %q: %d, want 422 with the reason", name, resp.StatusCode)
		}
	}
}

// Control characters in the org's text fields, and numbers out of range, are 422s naming
// the field.
func TestOrgInputControlCharactersAndRanges(t *testing.T) {
	f := newOrgFixture(t)
	c := f.county
	admin := f.as(t, c.Admin)
	for _, try := range []struct {
		what, method, path string
		body               map[string]any
		field              string
	}{
		{"township name", "POST", "/api/v1/townships", map[string]any{"name": "青\x00山镇"}, "name"},
		{"branch name", "POST", "/api/v1/branches", map[string]any{"township_id": c.Townships[0], "name": "红星\x00村党支部", "kind": "农村"}, "name"},
		{"branch rename", "PUT", "/api/v1/branches/" + itoa(c.Branches[0][0]), map[string]any{"name": "红星\n村党支部"}, "name"},
		{"branch without township", "POST", "/api/v1/branches", map[string]any{"township_id": -3, "name": "红星村党支部", "kind": "农村"}, "township_id"},
		{"user name", "POST", "/api/v1/users", map[string]any{"name": "王\x00五", "phone": uniquePhone(), "branch_id": c.Branches[0][0]}, "name"},
		{"user title", "POST", "/api/v1/users", map[string]any{"name": "王五", "title": "书\u0007记", "phone": uniquePhone(), "branch_id": c.Branches[0][0]}, "title"},
		{"phone", "POST", "/api/v1/users", map[string]any{"name": "王五", "phone": "1380000\x000001", "branch_id": c.Branches[0][0]}, "phone"},
		{"username", "POST", "/api/v1/users", map[string]any{"name": "王五", "username": "wang\x00", "phone": uniquePhone(), "branch_id": c.Branches[0][0]}, "username"},
		{"user rename", "PUT", "/api/v1/users/" + itoa(c.Secretaries[0][0]), map[string]any{"name": "\x00"}, "name"},
		{"negative branch", "POST", "/api/v1/users", map[string]any{"name": "王五", "phone": uniquePhone(), "branch_id": -1}, "branch_id"},
	} {
		st, body := admin.JSON(try.method, try.path, try.body)
		if st != 422 || !strings.Contains(string(body), `"`+try.field+`"`) {
			t.Errorf("%s: %d %s, want 422 naming %s", try.what, st, body, try.field)
		}
	}
	for _, q := range []string{"q=%00", "q=%FF", "page=9223372036854775807", "page=-1", "per_page=100000", "per_page=-5"} {
		st, body := admin.JSON("GET", "/api/v1/users?"+q, nil)
		if st != 422 {
			t.Errorf("GET /api/v1/users?%s: %d %s, want 422", q, st, body)
		}
	}
	if st, body := admin.JSON("GET", "/api/v1/users?page=2&per_page=200", nil); st != 200 {
		t.Errorf("a page in range: %d %s", st, body)
	}
	if st, page := admin.Get("/admin/users?page=9223372036854775807"); st != 400 || !strings.Contains(page, "页码应为") {
		t.Errorf("users page with a huge page number: %d, want 400", st)
	}
	// The form pages show the reason.
	resp := admin.Form("POST", "/admin/users/new", url.Values{"name": {"王\x00五"}, "phone": {uniquePhone()}, "branch_id": {itoa(c.Branches[0][0])}})
	if page := readBody(resp); resp.StatusCode != 422 || !strings.Contains(page, "控制字符") {
		t.Errorf("user form with NUL: %d", resp.StatusCode)
	}
}

// New passwords cannot carry control characters either.
func TestNewPasswordControlCharacters(t *testing.T) {
	if validateNewPassword("good-pass\x00word", "", "") == "" || validateNewPassword("good-password", "", "") != "" {
		t.Fatal("validateNewPassword accepts control characters or refuses a good password")
	}
}
