package outbox

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

type clients struct{ anon, sec, org, org2, admin *webtest.Client }

func newClients(t *testing.T, f fixture) (*web.Server, clients) {
	srv := webtest.Server(t, f.db, web.Config{}, func(s *web.Server) error { return Mount(s, Deps{Outbox: f.o}) })
	return srv, clients{anon: webtest.New(t, srv.App), sec: webtest.AsUser(t, srv, f.c.Secretaries[0][0]),
		org: webtest.AsUser(t, srv, f.c.Organizers[0]), org2: webtest.AsUser(t, srv, f.c.Organizers[1]),
		admin: webtest.AsUser(t, srv, f.c.Admin)}
}

func expect(t *testing.T, what string, status int, body []byte, want int, code string) {
	t.Helper()
	if status != want {
		t.Fatalf("%s: status %d, want %d: %s", what, status, want, body)
	}
	if code != "" && webtest.ErrorCode(body) != code {
		t.Fatalf("%s: code %q, want %q: %s", what, webtest.ErrorCode(body), code, body)
	}
}

// failRow makes a failed row for user, as after the limit of attempts.
func (f fixture) failRow(t *testing.T, user int64) int64 {
	t.Helper()
	id := f.enqueue(t, user, web.MsgReminder)
	if _, err := f.db.Exec(`UPDATE outbox SET status = 'failed', attempts = 8, last_error = '接收方返回 500' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return id
}

// The page and the API are the county's: anonymous 401 (the page sends to the login),
// secretaries and organizers 403; an admin sees the counts and the failures with the
// error and the person.
func TestAdminPageAndAPIRoles(t *testing.T) {
	f := setup(t, Config{})
	_, cl := newClients(t, f)
	failed := f.failRow(t, f.c.Secretaries[0][0])
	f.enqueue(t, f.c.Secretaries[1][0], web.MsgTour)

	for _, path := range []string{"/api/v1/outbox", "/api/v1/outbox?status=failed&page=1"} {
		st, body := cl.anon.JSON("GET", path, nil)
		expect(t, "anon "+path, st, body, 401, "")
		for who, c := range map[string]*webtest.Client{"secretary": cl.sec, "organizer": cl.org, "other organizer": cl.org2} {
			st, body := c.JSON("GET", path, nil)
			expect(t, who+" "+path, st, body, 403, "")
		}
	}
	for _, path := range []string{"/admin/outbox", fmt.Sprintf("/admin/outbox/%d/retry", failed)} {
		if st, _ := cl.anon.Get(path); st == 200 {
			t.Fatalf("anonymous sees %s", path)
		}
		for who, c := range map[string]*webtest.Client{"secretary": cl.sec, "organizer": cl.org, "other organizer": cl.org2} {
			if st, body := c.Get(path); st != 403 || !strings.Contains(body, "没有权限") {
				t.Fatalf("%s on %s: %d", who, path, st)
			}
		}
	}
	for who, c := range map[string]*webtest.Client{"secretary": cl.sec, "organizer": cl.org} {
		st, body := c.JSON("POST", fmt.Sprintf("/api/v1/outbox/%d/retry", failed), nil)
		expect(t, who+" retry", st, body, 403, "")
		resp := c.Form("POST", fmt.Sprintf("/admin/outbox/%d/retry", failed), nil)
		if resp.StatusCode != 403 {
			t.Fatalf("%s retry form: %d", who, resp.StatusCode)
		}
	}
	if r := f.row(t, failed); r.Status != StatusFailed {
		t.Fatal("a refused retry changed the row")
	}

	st, body := cl.admin.JSON("GET", "/api/v1/outbox", nil)
	expect(t, "admin list", st, body, 200, "")
	var list struct {
		Enabled bool   `json:"enabled"`
		Counts  Counts `json:"counts"`
		Status  string `json:"status"`
		Items   []Row  `json:"items"`
		Total   int    `json:"total"`
		Page    int    `json:"page"`
		Pages   int    `json:"pages"`
	}
	webtest.Decode(t, body, &list)
	if !list.Enabled || list.Counts != (Counts{Pending: 1, Failed: 1}) || list.Status != StatusFailed || list.Total != 1 ||
		len(list.Items) != 1 || list.Items[0].ID != failed || list.Items[0].LastError != "接收方返回 500" ||
		list.Items[0].Name == "" || list.Items[0].Township == "" || list.Page != 1 || list.Pages != 1 {
		t.Fatalf("list = %s", body)
	}
	st, body = cl.admin.JSON("GET", "/api/v1/outbox?status=all", nil)
	webtest.Decode(t, body, &list)
	if st != 200 || list.Total != 2 || list.Status != StatusAll {
		t.Fatalf("all: %d %s", st, body)
	}

	st, page := cl.admin.Get("/admin/outbox")
	if st != 200 || !strings.Contains(page, "接收方返回 500") || !strings.Contains(page, list.Items[len(list.Items)-1].Name) ||
		!strings.Contains(page, fmt.Sprintf("/admin/outbox/%d/retry", failed)) || !strings.Contains(page, "已开启") {
		t.Fatalf("admin page: %d\n%s", st, page)
	}
	if st, page = cl.admin.Get("/admin/outbox?status=pending"); st != 200 || strings.Contains(page, "接收方返回 500") {
		t.Fatalf("pending page shows the failure: %d", st)
	}
}

// Bad input: an unknown status, a search with a NUL or too long, a page out of range are
// 400 with a Chinese message; a forged or unknown id 404; a row that is not failed 409.
func TestAdminBadInput(t *testing.T) {
	f := setup(t, Config{})
	_, cl := newClients(t, f)
	pending := f.enqueue(t, f.c.Secretaries[0][0], web.MsgTour)
	for _, q := range []string{"status=sent%27%20OR%201=1", "status=FAILED", "q=%00", "q=" + strings.Repeat("长", 51), "page=0",
		"page=99999999999999999999", "page=abc"} {
		st, body := cl.admin.JSON("GET", "/api/v1/outbox?"+q, nil)
		expect(t, q, st, body, 400, "bad_request")
		if st, page := cl.admin.Get("/admin/outbox?" + q); st != 400 || !strings.Contains(page, "请求有误") {
			t.Fatalf("page %s: %d", q, st)
		}
	}
	if st, body := cl.admin.JSON("GET", "/api/v1/outbox?q=%25_", nil); st != 200 {
		t.Fatalf("a search for %%_: %d %s", st, body)
	}
	for _, id := range []string{"0", "-1", "abc", "99999999999", "9223372036854775808", "1e3"} {
		st, body := cl.admin.JSON("POST", "/api/v1/outbox/"+id+"/retry", nil)
		expect(t, "retry "+id, st, body, 404, "not_found")
		if st, _ := cl.admin.Get("/admin/outbox/" + id + "/retry"); st != 404 {
			t.Fatalf("retry page %s: %d", id, st)
		}
	}
	st, body := cl.admin.JSON("POST", fmt.Sprintf("/api/v1/outbox/%d/retry", pending), nil)
	expect(t, "retry of a pending row", st, body, 409, "not_retryable")
	if st, _ := cl.admin.Get(fmt.Sprintf("/admin/outbox/%d/retry", pending)); st != 409 {
		t.Fatalf("retry page of a pending row: %d", st)
	}
}

// An admin sends a failed row again: the confirmation says who and what, and confirming
// makes the row pending, due now, its attempts and error cleared; the worker then sends
// it. The API does the same.
func TestRetryResetsAFailedRow(t *testing.T) {
	f := setup(t, Config{})
	_, cl := newClients(t, f)
	id := f.failRow(t, f.c.Secretaries[0][0])
	st, page := cl.admin.Get(fmt.Sprintf("/admin/outbox/%d/retry", id))
	if st != 200 || !strings.Contains(page, "确定重新发送") || !strings.Contains(page, "请于本周内完成必修课程") {
		t.Fatalf("confirmation: %d\n%s", st, page)
	}
	if r := f.row(t, id); r.Status != StatusFailed {
		t.Fatal("showing the confirmation changed the row")
	}
	resp := cl.admin.Form("POST", fmt.Sprintf("/admin/outbox/%d/retry", id), url.Values{})
	if resp.StatusCode != 303 {
		t.Fatalf("retry form: %d", resp.StatusCode)
	}
	r := f.row(t, id)
	if r.Status != StatusPending || r.Attempts != 0 || r.LastError != "" || r.NextAt.After(f.clk.Now()) {
		t.Fatalf("after retry: %+v", r)
	}
	f.pass(t)
	if r = f.row(t, id); r.Status != StatusSent {
		t.Fatalf("not sent after retry: %+v", r)
	}

	skipped := f.enqueue(t, f.c.Secretaries[0][1], web.MsgReminder)
	testdb := f.db
	if _, err := testdb.Exec(`UPDATE outbox SET status = 'skipped', last_error = $2 WHERE id = $1`, skipped, ReasonNoPhone); err != nil {
		t.Fatal(err)
	}
	st, body := cl.admin.JSON("POST", fmt.Sprintf("/api/v1/outbox/%d/retry", skipped), nil)
	expect(t, "API retry", st, body, 200, "")
	var got Row
	webtest.Decode(t, body, &got)
	if got.ID != skipped || got.Status != StatusPending || got.Attempts != 0 || got.LastError != "" {
		t.Fatalf("API retry: %s", body)
	}
	st, body = cl.admin.JSON("POST", fmt.Sprintf("/api/v1/outbox/%d/retry", skipped), nil)
	expect(t, "second retry", st, body, 409, "not_retryable")
	// Without the CSRF token the form is refused.
	bare := *cl.admin
	bare.CSRF = ""
	if resp := bare.Form("POST", fmt.Sprintf("/admin/outbox/%d/retry", id), url.Values{}); resp.StatusCode != 403 {
		t.Fatalf("retry without CSRF: %d", resp.StatusCode)
	}
}

// Off, the page says so and still lists what failed before.
func TestAdminPageWhenOff(t *testing.T) {
	f := setup(t, Config{})
	id := f.failRow(t, f.c.Secretaries[0][0])
	srv := webtest.Server(t, f.db, web.Config{}, func(s *web.Server) error { return Mount(s, Deps{}) })
	admin := webtest.AsUser(t, srv, f.c.Admin)
	st, page := admin.Get("/admin/outbox")
	if st != 200 || !strings.Contains(page, "未开启") || !strings.Contains(page, fmt.Sprintf("/admin/outbox/%d/retry", id)) {
		t.Fatalf("off page: %d\n%s", st, page)
	}
}
