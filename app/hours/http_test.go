package hours

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// Every route × role, scope, bad input and the forms.
func TestHTTPRolesAndInput(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := webtest.Server(t, db, web.Config{}, func(s *web.Server) error { return Mount(s, Deps{}) })
	sec := webtest.AsUser(t, srv, c.Secretaries[0][0])
	org := webtest.AsUser(t, srv, c.Organizers[0])
	admin := webtest.AsUser(t, srv, c.Admin)
	anon := webtest.New(t, srv.App)
	other := c.Secretaries[1][0]

	// Crediting: admin only, with every field checked.
	credit := map[string]any{"user_id": c.Secretaries[0][0], "year": 2026, "hours": 12.5, "note": "市委党校村书记示范培训班"}
	for _, cl := range []*webtest.Client{sec, org} {
		if st, body := cl.JSON("POST", "/api/v1/hours", credit); st != 403 {
			t.Fatalf("non-admin credit: %d %s", st, body)
		}
	}
	if st, _ := anon.JSON("POST", "/api/v1/hours", credit); st != 401 && st != 403 {
		t.Fatalf("anonymous credit: %d", st)
	}
	st, body := admin.JSON("POST", "/api/v1/hours", credit)
	if st != 201 || !strings.Contains(string(body), `"source":"manual"`) {
		t.Fatalf("admin credit: %d %s", st, body)
	}
	var entry Entry
	webtest.Decode(t, body, &entry)
	for name, bad := range map[string]map[string]any{
		"negative": {"user_id": other, "year": 2026, "hours": -1, "note": "x"},
		"absurd":   {"user_id": other, "year": 2026, "hours": 1e12, "note": "x"},
		"no note":  {"user_id": other, "year": 2026, "hours": 1, "note": ""},
		"NUL":      {"user_id": other, "year": 2026, "hours": 1, "note": "a\x00b"},
		"year":     {"user_id": other, "year": 99999, "hours": 1, "note": "x"},
		"type":     {"user_id": "七", "year": 2026, "hours": 1, "note": "x"},
	} {
		if st, body := admin.JSON("POST", "/api/v1/hours", bad); st != 422 {
			t.Errorf("%s: %d %s", name, st, body)
		}
	}
	if st, body := admin.JSON("POST", "/api/v1/hours", map[string]any{"user_id": 1 << 60, "year": 2026, "hours": 1, "note": "x"}); st != 404 {
		t.Errorf("forged person: %d %s", st, body)
	}

	// Reading: the secretary's own ledger; staff within their scope.
	st, body = sec.JSON("GET", "/api/v1/me/hours?year=2026", nil)
	if st != 200 || !strings.Contains(string(body), `"offline":12.5`) || !strings.Contains(string(body), `"total":12.5`) {
		t.Fatalf("me/hours: %d %s", st, body)
	}
	if st, _ := sec.JSON("GET", "/api/v1/me/hours?year=abc", nil); st != 400 {
		t.Errorf("bad year: %d", st)
	}
	if st, _ := sec.JSON("GET", "/api/v1/hours", nil); st != 403 {
		t.Errorf("secretary reads the staff ledger: %d", st)
	}
	st, body = org.JSON("GET", fmt.Sprintf("/api/v1/hours?year=2026&township=%d", c.Townships[1]), nil)
	if st != 200 || !strings.Contains(string(body), `"total":0`) {
		t.Errorf("organizer forging another township: %d %s", st, body)
	}
	st, body = org.JSON("GET", "/api/v1/hours?year=2026", nil)
	if st != 200 || !strings.Contains(string(body), `"total":4`) || !strings.Contains(string(body), `"reached":`) {
		t.Errorf("organizer ledger: %d %s", st, body)
	}
	if st, _ := org.JSON("GET", "/api/v1/hours?page=0", nil); st != 400 {
		t.Errorf("page 0: %d", st)
	}
	if st, _ := org.Get(fmt.Sprintf("/admin/hours/people/%d", other)); st != 404 {
		t.Errorf("organizer opens another township's person: %d", st)
	}
	for path, want := range map[string]string{
		"/admin/hours?year=2026": "学时台账", fmt.Sprintf("/admin/hours/people/%d?year=2026", c.Secretaries[0][0]): "市委党校",
	} {
		if st, page := org.Get(path); st != 200 || !strings.Contains(page, want) {
			t.Errorf("%s: %d", path, st)
		}
	}
	if st, page := sec.Get("/me/hours?year=2026"); st != 200 || !strings.Contains(page, "12.5") || !strings.Contains(page, "组织认定") {
		t.Errorf("me page: %d", st)
	}

	// The form keeps what was typed and names the field.
	resp := admin.Form("POST", "/admin/hours", url.Values{"user_id": {fmt.Sprint(other)}, "year": {"2026"}, "hours": {"abc"}, "note": {"县委党校培训"}})
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(raw)
	if resp.StatusCode != 422 || !strings.Contains(page, "县委党校培训") || !strings.Contains(page, `value="abc"`) {
		t.Errorf("form error: %d", resp.StatusCode)
	}

	// Revoking: admin only, needs a reason, once.
	path := fmt.Sprintf("/api/v1/hours/%d", entry.ID)
	if st, _ := org.JSON("DELETE", path, map[string]any{"reason": "错了"}); st != 403 {
		t.Errorf("organizer revokes: %d", st)
	}
	if st, _ := admin.JSON("DELETE", path, map[string]any{"reason": " "}); st != 422 {
		t.Errorf("revoke without reason: %d", st)
	}
	if st, page := admin.Get(fmt.Sprintf("/admin/hours/%d/revoke", entry.ID)); st != 200 || !strings.Contains(page, "不再计入") {
		t.Errorf("revoke confirmation: %d", st)
	}
	if st, body := admin.JSON("DELETE", path, map[string]any{"reason": "重复认定"}); st != 200 {
		t.Fatalf("revoke: %d %s", st, body)
	}
	if st, body := admin.JSON("DELETE", path, map[string]any{"reason": "重复认定"}); st != 409 {
		t.Errorf("revoke twice: %d %s", st, body)
	}
	if st, _ := admin.JSON("DELETE", "/api/v1/hours/999999999", map[string]any{"reason": "x"}); st != 404 {
		t.Errorf("revoke a forged id: %d", st)
	}
	if st, body = sec.JSON("GET", "/api/v1/me/hours?year=2026", nil); !strings.Contains(string(body), `"total":0`) {
		t.Errorf("revoked entry still counts: %s", body)
	}
}
