package reminders

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"

	"zhibu/app/testdb"
	"zhibu/app/web/webtest"
)

func hasChinese(b []byte) bool {
	for _, r := range string(b) {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func raw(t *testing.T, cl *webtest.Client, path, body string) (int, []byte) {
	t.Helper()
	resp := cl.Do("POST", path, strings.NewReader(body), "application/json")
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// Every route × role, scope and bad input: the right 4xx with a Chinese message.
func TestHTTPRolesAndInput(t *testing.T) {
	db, c, srv := setup(t)
	admin := webtest.AsUser(t, srv, c.Admin)
	org0 := webtest.AsUser(t, srv, c.Organizers[0])
	org1 := webtest.AsUser(t, srv, c.Organizers[1])
	sec := webtest.AsUser(t, srv, c.Secretaries[0][0])
	anon := webtest.New(t, srv.App)
	id, _ := course(t, db, 1, time.Now().AddDate(0, 0, 20))
	now := time.Now()
	ex1 := exam(t, db, now.Add(-time.Hour), now.Add(48*time.Hour), c.Townships[1]) // for township 1 only
	closed := exam(t, db, now.Add(-48*time.Hour), now.Add(-time.Hour))
	var reminders0 int
	testdb.Get(t, db, &reminders0, `SELECT count(*) FROM reminders`)

	body := func(extra map[string]any) map[string]any {
		m := map[string]any{"target": "course", "target_id": id, "text": "请尽快完成必修课"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		name string
		cl   *webtest.Client
		path string
		body map[string]any
		want int
		code string
	}{
		{"anonymous", anon, "/api/v1/reminders?dry_run=1", body(nil), 403, ""},
		{"secretary", sec, "/api/v1/reminders?dry_run=1", body(nil), 403, "forbidden"},
		{"organizer, own township", org0, "/api/v1/reminders?dry_run=1", body(nil), 200, ""},
		{"organizer, own township named", org0, "/api/v1/reminders?dry_run=1", body(map[string]any{"filter": map[string]any{"township": c.Townships[0]}}), 200, ""},
		{"organizer, another township", org0, "/api/v1/reminders?dry_run=1", body(map[string]any{"filter": map[string]any{"township": c.Townships[1]}}), 403, "forbidden"},
		{"organizer, a branch of another township", org0, "/api/v1/reminders?dry_run=1", body(map[string]any{"filter": map[string]any{"branch": c.Branches[1][0]}}), 404, "not_found"},
		{"organizer, an exam not for the township", org0, "/api/v1/reminders?dry_run=1", body(map[string]any{"target": "exam", "target_id": ex1}), 404, "not_found"},
		{"organizer of that township, the exam", org1, "/api/v1/reminders?dry_run=1", body(map[string]any{"target": "exam", "target_id": ex1}), 200, ""},
		{"a closed exam", admin, "/api/v1/reminders?dry_run=1", body(map[string]any{"target": "exam", "target_id": closed}), 409, "exam_closed"},
		{"admin, a forged township", admin, "/api/v1/reminders?dry_run=1", body(map[string]any{"filter": map[string]any{"township": 999999999}}), 404, "not_found"},
		{"admin, a forged course", admin, "/api/v1/reminders?dry_run=1", body(map[string]any{"target_id": 999999999}), 404, "not_found"},
		{"a forged class", admin, "/api/v1/reminders?dry_run=1", body(map[string]any{"target": "class", "target_id": 999999999}), 404, "not_found"},
		{"an unknown target", admin, "/api/v1/reminders", body(map[string]any{"target": "tour"}), 422, "validation_failed"},
		{"no target id", admin, "/api/v1/reminders", body(map[string]any{"target_id": 0}), 422, "validation_failed"},
		{"negative days", admin, "/api/v1/reminders?dry_run=1", body(map[string]any{"filter": map[string]any{"due_within_days": -1}}), 422, "validation_failed"},
		{"too many days", admin, "/api/v1/reminders?dry_run=1", body(map[string]any{"filter": map[string]any{"due_within_days": 100000}}), 422, "validation_failed"},
		{"empty text", org0, "/api/v1/reminders", body(map[string]any{"text": "  "}), 422, "validation_failed"},
		{"text over 200", org0, "/api/v1/reminders", body(map[string]any{"text": strings.Repeat("学", 201)}), 422, "validation_failed"},
		{"NUL in the text", org0, "/api/v1/reminders", body(map[string]any{"text": "请\x00学"}), 422, "validation_failed"},
		{"nobody due within 3 days", org0, "/api/v1/reminders", body(map[string]any{"filter": map[string]any{"due_within_days": 3}}), 422, "validation_failed"},
	} {
		st, out := tc.cl.JSON("POST", tc.path, tc.body)
		if st != tc.want || (tc.code != "" && webtest.ErrorCode(out) != tc.code) {
			t.Errorf("%s: %d %s, want %d %s", tc.name, st, out, tc.want, tc.code)
		}
		if st >= 400 && tc.cl != anon && !hasChinese(out) {
			t.Errorf("%s: no Chinese message: %s", tc.name, out)
		}
		if tc.name == "text over 200" && !strings.Contains(string(out), `"text"`) {
			t.Errorf("text over 200 does not name the field: %s", out)
		}
		if tc.name == "nobody due within 3 days" && !strings.Contains(string(out), "没有需要提醒的人") {
			t.Errorf("empty list: %s", out)
		}
	}
	for _, b := range []string{`{"target":"course","target_id":"1","text":"x"}`, `{"target":"course","target_id":1e30,"text":"x"}`,
		`{"target":"course","target_id":1.5,"text":"x"}`, `{"target":"course","target_id":1,"filter":{"branch":"a"},"text":"x"}`,
		`{"target":"course","target_id":1,"filter":[],"text":"x"}`, `{"target":7}`, `[`, `null`} {
		st, out := raw(t, admin, "/api/v1/reminders", b)
		if st != 400 && st != 422 {
			t.Errorf("body %s: %d %s", b, st, out)
		}
	}
	if st, _ := raw(t, admin, "/api/v1/reminders", ""); st != 400 {
		t.Errorf("empty body: %d", st)
	}
	// A preview wrote nothing.
	var reminders1 int
	testdb.Get(t, db, &reminders1, `SELECT count(*) FROM reminders`)
	if reminders1 != reminders0 {
		t.Errorf("previews and refusals wrote %d reminders", reminders1-reminders0)
	}
	st, out := org0.JSON("POST", "/api/v1/reminders?dry_run=1", body(nil))
	var preview Result
	webtest.Decode(t, out, &preview)
	if st != 200 || preview.Recipients != 4 || preview.Skipped != 0 || preview.ID != 0 {
		t.Errorf("preview: %d %s", st, out)
	}
	if n := messages(t, db, c.Secretaries[0][0], "reminder"); n != 0 {
		t.Errorf("dry run sent %d messages", n)
	}

	// The organizer sends; the reminder is the township's.
	st, out = org0.JSON("POST", "/api/v1/reminders", body(nil))
	var sent Result
	webtest.Decode(t, out, &sent)
	if st != 201 || sent.Recipients != 4 || sent.ID == 0 {
		t.Fatalf("send: %d %s", st, out)
	}
	p := fmt.Sprintf("/api/v1/reminders/%d", sent.ID)
	for _, tc := range []struct {
		name string
		cl   *webtest.Client
		path string
		want int
	}{
		{"anonymous", anon, p, 401}, {"secretary", sec, p, 403}, {"organizer", org0, p, 200}, {"other organizer", org1, p, 404},
		{"admin", admin, p, 200}, {"forged id", admin, "/api/v1/reminders/999999999", 404}, {"bad id", admin, "/api/v1/reminders/x", 404},
		{"huge id", admin, "/api/v1/reminders/99999999999999999999999", 404}, {"bad page", admin, p + "?page=0", 400},
		{"bad show", admin, p + "?show=x", 422}, {"list: secretary", sec, "/api/v1/reminders", 403}, {"list: organizer", org0, "/api/v1/reminders", 200},
		{"page: secretary", sec, "/admin/reminders", 403}, {"page: organizer", org0, fmt.Sprintf("/admin/reminders/%d", sent.ID), 200},
		{"page: other organizer", org1, fmt.Sprintf("/admin/reminders/%d", sent.ID), 404},
		{"new: secretary", sec, "/admin/reminders/new", 403}, {"new: organizer", org0, "/admin/reminders/new", 200},
		{"new: bad number", org0, "/admin/reminders/new?target=course&target_id=x", 422},
		{"new: organizer, exam of another township", org0, fmt.Sprintf("/admin/reminders/new?target=exam&target_id=%d", ex1), 404},
		{"new: admin, closed exam", admin, fmt.Sprintf("/admin/reminders/new?target=exam&target_id=%d", closed), 409},
	} {
		st, page := tc.cl.Get(tc.path)
		if st != tc.want {
			t.Errorf("GET %s as %s: %d, want %d", tc.path, tc.name, st, tc.want)
		}
		if st >= 400 && tc.cl != anon && !hasChinese([]byte(page)) {
			t.Errorf("GET %s as %s: no Chinese message", tc.path, tc.name)
		}
	}
	st, out = org1.JSON("GET", "/api/v1/reminders", nil)
	if st != 200 || strings.Contains(string(out), fmt.Sprintf(`"id":%d,`, sent.ID)) {
		t.Errorf("the other township's list shows the reminder: %s", out)
	}
}

// The reminder's page follows the inbox (read) and the course (finished since).
func TestRecipientsReadAndFinished(t *testing.T) {
	db, c, srv := setup(t)
	org := webtest.AsUser(t, srv, c.Organizers[0])
	id, lessons := course(t, db, 2, time.Now().AddDate(0, 0, 20))
	st, out := org.JSON("POST", "/api/v1/reminders", map[string]any{"target": "course", "target_id": id, "text": "请尽快学习"})
	var sent Result
	webtest.Decode(t, out, &sent)
	if st != 201 {
		t.Fatalf("send: %d %s", st, out)
	}
	u := c.Secretaries[0][1]
	type view struct {
		Counts     RecipientCounts `json:"counts"`
		Recipients []Recipient     `json:"recipients"`
	}
	state := func() (Recipient, RecipientCounts) {
		t.Helper()
		st, out := org.JSON("GET", fmt.Sprintf("/api/v1/reminders/%d", sent.ID), nil)
		if st != 200 {
			t.Fatalf("get: %d %s", st, out)
		}
		var v view
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatal(err)
		}
		for _, r := range v.Recipients {
			if r.UserID == u {
				return r, v.Counts
			}
		}
		t.Fatalf("%d is not a recipient: %s", u, out)
		return Recipient{}, v.Counts
	}
	r, n := state()
	if r.Status != "sent" || !r.Delivered || r.Read || r.Finished || n.Sent != 4 || n.Read != 0 {
		t.Fatalf("after sending: %+v %+v", r, n)
	}
	// The secretary opens the message in the inbox.
	sec := webtest.AsUser(t, srv, u)
	var mid int64
	testdb.Get(t, db, &mid, `SELECT id FROM messages WHERE user_id = $1 AND ref = $2`, u, Ref(sent.ID))
	if st, out := sec.JSON("POST", fmt.Sprintf("/api/v1/messages/%d/read", mid), nil); st != 200 {
		t.Fatalf("read: %d %s", st, out)
	}
	r, n = state()
	if !r.Read || r.ReadAt == nil || r.Finished || n.Read != 1 {
		t.Errorf("after reading: %+v %+v", r, n)
	}
	complete(t, db, u, id, lessons)
	r, n = state()
	if !r.Finished || r.FinishedAt == nil || n.Finished != 1 {
		t.Errorf("after finishing: %+v %+v", r, n)
	}
	// The page says so, filtered and searched.
	st, page := org.Get(fmt.Sprintf("/admin/reminders/%d?show=read", sent.ID))
	if st != 200 || !strings.Contains(page, "已读") || !strings.Contains(page, "已完成") || strings.Count(page, `<tr id="u`) != 1 {
		t.Errorf("the page filtered by read: %d", st)
	}
	var name string
	testdb.Get(t, db, &name, `SELECT name FROM users WHERE id = $1`, c.Secretaries[0][2])
	st, page = org.Get(fmt.Sprintf("/admin/reminders/%d?q=%s", sent.ID, url.QueryEscape(name)))
	if st != 200 || strings.Count(page, `<tr id="u`) != 1 || !strings.Contains(page, name) {
		t.Errorf("the page searched for %s: %d", name, st)
	}
}

// The form path: preview page → send → the reminder's page; a refused text comes back
// with the text as typed.
func TestPagesSend(t *testing.T) {
	db, c, srv := setup(t)
	org := webtest.AsUser(t, srv, c.Organizers[0])
	id, _ := course(t, db, 1, time.Now().AddDate(0, 0, 20))
	st, page := org.Get(fmt.Sprintf("/admin/reminders/new?target=course&target_id=%d", id))
	if st != 200 || !strings.Contains(page, "将提醒 4 人") || !strings.Contains(page, "发送") {
		t.Fatalf("preview page: %d", st)
	}
	st, page = org.Get("/admin/reminders/new")
	if st != 200 || !strings.Contains(page, fmt.Sprintf("target_id=%d", id)) {
		t.Errorf("the choices do not offer the course: %d", st)
	}
	form := url.Values{"target": {"course"}, "target_id": {fmt.Sprint(id)}, "text": {strings.Repeat("请", 201)}}
	resp := org.Form("POST", "/admin/reminders", form)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 422 || !strings.Contains(string(b), "不能超过 200 字") || !strings.Contains(string(b), strings.Repeat("请", 201)) {
		t.Errorf("over-long text: %d", resp.StatusCode)
	}
	form.Set("text", "请本周内学完")
	resp = org.Form("POST", "/admin/reminders", form)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != 303 || !strings.HasPrefix(loc, "/admin/reminders/") {
		t.Fatalf("send: %d %s", resp.StatusCode, loc)
	}
	st, page = org.Get(loc)
	if st != 200 || !strings.Contains(page, "请本周内学完") || strings.Count(page, `<tr id="u`) != 4 {
		t.Errorf("the reminder's page: %d", st)
	}
	// Again within 7 days: nobody to remind, said on the page.
	resp = org.Form("POST", "/admin/reminders", form)
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 422 || !strings.Contains(string(b), "7 天内") {
		t.Errorf("second send: %d", resp.StatusCode)
	}
	st, page = org.Get("/admin/reminders")
	if st != 200 || !strings.Contains(page, "请本周内学完") && !strings.Contains(page, "必修课") {
		t.Errorf("list: %d", st)
	}
}
