package feedback

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"zhibu/app/testdb"
	"zhibu/app/web/webtest"
)

// Every route × role: who sends, who sees what, who answers.
func TestHTTPRoles(t *testing.T) {
	db, c, cl, box := setup(t)
	mark := testdb.Unique("标记")

	st, body := cl.anon.JSON("POST", "/api/v1/feedback", map[string]any{"category": "exams", "text": "匿名者"})
	if st != 401 && st != 403 { // the CSRF check may answer first
		t.Fatalf("anonymous visitor sends: %d %s", st, body)
	}
	st, body = cl.anon.JSON("GET", "/api/v1/feedback", nil)
	expect(t, "anonymous visitor lists", st, body, 401, "unauthenticated")
	if st, _ := cl.anon.Get("/feedback"); st != 302 && st != 303 {
		t.Fatalf("anonymous /feedback: %d, want a redirect to the login", st)
	}

	// A secretary sends 对乡镇匿名; another sends with the name.
	st, body = cl.sec.JSON("POST", "/api/v1/feedback", map[string]any{"kind": "complaint", "category": "exams",
		"text": mark + "考试时间太短", "anonymous": true})
	expect(t, "secretary sends", st, body, 201, "")
	var anon Item
	webtest.Decode(t, body, &anon)
	if anon.Status != StatusReceived || anon.Sender == nil || !anon.Mine || anon.CanReply {
		t.Fatalf("sent: %s", body)
	}
	st, body = cl.sec2.JSON("POST", "/api/v1/feedback", map[string]any{"category": "learning", "text": mark + "多些案例"})
	expect(t, "second secretary sends", st, body, 201, "")
	var named Item
	webtest.Decode(t, body, &named)
	st, body = cl.other.JSON("POST", "/api/v1/feedback", map[string]any{"category": "system", "text": mark + "外乡镇"})
	expect(t, "other township sends", st, body, 201, "")
	var far Item
	webtest.Decode(t, body, &far)
	st, body = cl.org.JSON("POST", "/api/v1/feedback", map[string]any{"category": "other", "text": mark + "组织委员的建议"})
	expect(t, "organizer sends", st, body, 201, "")
	var orgs Item
	webtest.Decode(t, body, &orgs)
	st, body = cl.admin.JSON("POST", "/api/v1/feedback", map[string]any{"category": "other", "text": mark + "县里的建议"})
	expect(t, "admin sends", st, body, 201, "")
	var county Item
	webtest.Decode(t, body, &county)

	list := func(cl *webtest.Client, query string) (map[int64]Item, string) {
		t.Helper()
		st, body := cl.JSON("GET", "/api/v1/feedback?q="+url.QueryEscape(mark)+query, nil)
		expect(t, "list", st, body, 200, "")
		var p struct {
			Items []Item `json:"items"`
			Total int    `json:"total"`
		}
		webtest.Decode(t, body, &p)
		m := map[int64]Item{}
		for _, it := range p.Items {
			m[it.ID] = it
		}
		if p.Total != len(m) {
			t.Fatalf("total %d for %d items: %s", p.Total, len(m), body)
		}
		return m, string(body)
	}
	secName, sec2Name := identity(t, db, c.Secretaries[0][0]).Name, identity(t, db, c.Secretaries[0][1]).Name

	// Secretaries see their own only, even with mine=0.
	if got, _ := list(cl.sec, "&mine=0"); len(got) != 1 || got[anon.ID].ID == 0 {
		t.Fatalf("secretary's list: %v", got)
	}
	// The organizer sees the township's, the anonymous sender's name hidden.
	got, raw := list(cl.org, "")
	if len(got) != 3 || got[anon.ID].Sender != nil || got[named.ID].Sender == nil || got[orgs.ID].ID == 0 {
		t.Fatalf("organizer's list: %s", raw)
	}
	if strings.Contains(raw, secName) || !strings.Contains(raw, sec2Name) {
		t.Fatalf("organizer's list shows the anonymous sender or hides the named one: %s", raw)
	}
	if got, _ := list(cl.org, "&mine=1"); len(got) != 1 || got[orgs.ID].ID == 0 {
		t.Fatalf("organizer's own: %v", got)
	}
	if got, _ := list(cl.org2, ""); len(got) != 1 || got[far.ID].ID == 0 {
		t.Fatalf("other organizer's list: %v", got)
	}
	// The admin sees all, with every name.
	got, raw = list(cl.admin, "")
	if len(got) != 5 || got[anon.ID].Sender == nil || !strings.Contains(raw, secName) {
		t.Fatalf("admin's list: %s", raw)
	}

	// One item, by API and page.
	item := fmt.Sprintf("/api/v1/feedback/%d", anon.ID)
	st, body = cl.org.JSON("GET", item, nil)
	expect(t, "organizer gets", st, body, 200, "")
	if strings.Contains(string(body), secName) || strings.Contains(string(body), fmt.Sprintf(`"id":%d,"name"`, c.Secretaries[0][0])) {
		t.Fatalf("organizer sees the anonymous sender: %s", body)
	}
	st, body = cl.org2.JSON("GET", item, nil)
	expect(t, "other organizer gets", st, body, 404, "not_found")
	st, body = cl.sec2.JSON("GET", item, nil)
	expect(t, "other secretary gets", st, body, 404, "not_found")
	st, body = cl.org.JSON("GET", fmt.Sprintf("/api/v1/feedback/%d", county.ID), nil)
	expect(t, "organizer gets the county's", st, body, 404, "not_found")
	page := fmt.Sprintf("/admin/feedback/%d", anon.ID)
	st, html := cl.org.Get(page)
	if st != 200 || strings.Contains(html, secName) || !strings.Contains(html, "匿名") || !strings.Contains(html, "考试时间太短") {
		t.Fatalf("organizer's page: %d %s", st, html)
	}
	st, html = cl.admin.Get(page)
	if st != 200 || !strings.Contains(html, secName) {
		t.Fatalf("admin's page misses the sender: %d", st)
	}
	if st, _ := cl.org2.Get(page); st != 404 {
		t.Fatalf("other organizer's page: %d", st)
	}
	if st, _ := cl.sec.Get(page); st != 403 {
		t.Fatalf("secretary on the staff page: %d", st)
	}
	st, html = cl.org.Get("/admin/feedback?q=" + url.QueryEscape(mark))
	if st != 200 || strings.Contains(html, secName) || !strings.Contains(html, sec2Name) {
		t.Fatalf("organizer's list page: %d", st)
	}
	st, html = cl.admin.Get("/admin/feedback?q=" + url.QueryEscape(mark))
	if st != 200 || !strings.Contains(html, secName) {
		t.Fatalf("admin's list page: %d", st)
	}
	if st, _ := cl.sec.Get("/admin/feedback"); st != 403 {
		t.Fatalf("secretary on the staff list: %d", st)
	}

	// Replies: secretaries 403, another township 404, one's own 403, in scope 200.
	reply := item + "/reply"
	st, body = cl.sec.JSON("POST", reply, map[string]any{"text": "我自己答复"})
	expect(t, "secretary replies", st, body, 403, "forbidden")
	st, body = cl.org2.JSON("POST", reply, map[string]any{"text": "外乡镇答复"})
	expect(t, "other organizer replies", st, body, 404, "not_found")
	st, body = cl.org.JSON("POST", fmt.Sprintf("/api/v1/feedback/%d/reply", orgs.ID), map[string]any{"text": "自己答复"})
	expect(t, "organizer replies to own", st, body, 403, "forbidden")
	st, body = cl.org.JSON("POST", reply, map[string]any{"text": "已向县里反映", "status": "replied"})
	expect(t, "organizer replies", st, body, 200, "")
	if n := len(box.sent()); n != 1 || box.sent()[0].UserID != c.Secretaries[0][0] {
		t.Fatalf("messages after the reply: %+v", box.sent())
	}
	st, body = cl.admin.JSON("POST", fmt.Sprintf("/api/v1/feedback/%d/reply", far.ID), map[string]any{"status": "in_progress"})
	expect(t, "admin sets in progress", st, body, 200, "")
	if !strings.Contains(string(body), `"status":"in_progress"`) {
		t.Fatalf("in progress: %s", body)
	}

	// The sender sees the reply on the page; the form reply works too.
	st, html = cl.sec.Get("/feedback")
	if st != 200 || !strings.Contains(html, "已向县里反映") || !strings.Contains(html, "已答复") || !strings.Contains(html, "县委组织部仍能看到") {
		t.Fatalf("sender's page: %d", st)
	}
	resp := cl.org.Form("POST", fmt.Sprintf("/admin/feedback/%d/reply", named.ID), url.Values{"text": {"谢谢，已采纳"}, "status": {"replied"}})
	if resp.StatusCode != 303 {
		t.Fatalf("reply form: %d", resp.StatusCode)
	}
	resp = cl.org2.Form("POST", fmt.Sprintf("/admin/feedback/%d/reply", named.ID), url.Values{"text": {"越界"}})
	if resp.StatusCode != 404 {
		t.Fatalf("reply form of another township: %d", resp.StatusCode)
	}
	st, html = cl.sec2.Get("/feedback")
	if st != 200 || !strings.Contains(html, "谢谢，已采纳") {
		t.Fatalf("second sender's page: %d", st)
	}
}

// Bad input: the right 4xx naming the field, never a 500, and forms re-render with what
// was typed.
func TestHTTPBadInput(t *testing.T) {
	_, _, cl, _ := setup(t)
	for _, tc := range []struct {
		name  string
		body  any
		want  int
		field string
	}{
		{"empty text", map[string]any{"category": "exams", "text": "  "}, 422, "text"},
		{"no text", map[string]any{"category": "exams"}, 422, "text"},
		{"too long", map[string]any{"category": "exams", "text": strings.Repeat("长", MaxText+1)}, 422, "text"},
		{"NUL", map[string]any{"category": "exams", "text": "好\x00"}, 422, "text"},
		{"unknown category", map[string]any{"category": "food", "text": "好"}, 422, "category"},
		{"unknown kind", map[string]any{"kind": "praise", "category": "exams", "text": "好"}, 422, "kind"},
		{"text a number", map[string]any{"category": "exams", "text": 5}, 422, "text"},
		{"category an array", map[string]any{"category": []string{"exams"}, "text": "好"}, 422, "category"},
		{"anonymous a string", map[string]any{"category": "exams", "text": "好", "anonymous": "是"}, 422, "anonymous"},
		{"not an object", []int{1}, 400, ""},
	} {
		st, body := cl.sec.JSON("POST", "/api/v1/feedback", tc.body)
		expect(t, tc.name, st, body, tc.want, "")
		if tc.field != "" && !strings.Contains(string(body), `"`+tc.field+`":`) {
			t.Fatalf("%s: the field is not named: %s", tc.name, body)
		}
		if !strings.Contains(string(body), `"message":"`) || webtest.ErrorCode(body) == "" {
			t.Fatalf("%s: no message: %s", tc.name, body)
		}
	}
	if resp := cl.sec.Do("POST", "/api/v1/feedback", strings.NewReader("{"), "application/json"); resp.StatusCode != 400 {
		t.Fatalf("malformed JSON: %d", resp.StatusCode)
	}

	st, body := cl.sec.JSON("POST", "/api/v1/feedback", map[string]any{"category": "exams", "text": "待答复"})
	expect(t, "send", st, body, 201, "")
	var it Item
	webtest.Decode(t, body, &it)
	reply := fmt.Sprintf("/api/v1/feedback/%d/reply", it.ID)
	for _, tc := range []struct {
		name  string
		body  any
		want  int
		field string
	}{
		{"empty reply", map[string]any{"text": ""}, 422, "text"},
		{"replied without text", map[string]any{"status": "replied"}, 422, "text"},
		{"back to received", map[string]any{"status": "received", "text": "好"}, 422, "status"},
		{"unknown status", map[string]any{"status": "closed", "text": "好"}, 422, "status"},
		{"reply too long", map[string]any{"text": strings.Repeat("长", MaxText+1)}, 422, "text"},
		{"reply with NUL", map[string]any{"text": "好\x00"}, 422, "text"},
		{"status a number", map[string]any{"status": 3, "text": "好"}, 422, "status"},
	} {
		st, body := cl.org.JSON("POST", reply, tc.body)
		expect(t, tc.name, st, body, tc.want, "validation_failed")
		if !strings.Contains(string(body), `"`+tc.field+`":`) {
			t.Fatalf("%s: the field is not named: %s", tc.name, body)
		}
	}

	// Forged ids and queries.
	for _, path := range []string{"/api/v1/feedback/0", "/api/v1/feedback/-1", "/api/v1/feedback/abc",
		"/api/v1/feedback/99999999999", "/api/v1/feedback/99999999999999999999999"} {
		st, body := cl.admin.JSON("GET", path, nil)
		expect(t, "GET "+path, st, body, 404, "not_found")
		st, body = cl.admin.JSON("POST", path+"/reply", map[string]any{"text": "好"})
		expect(t, "reply "+path, st, body, 404, "not_found")
	}
	for _, q := range []string{"status=closed", "category=food", "kind=praise", "page=0", "page=abc",
		"page=99999999999999999999", "q=" + url.QueryEscape(strings.Repeat("长", 51)), "q=%00"} {
		st, body := cl.admin.JSON("GET", "/api/v1/feedback?"+q, nil)
		expect(t, "list ?"+q, st, body, 400, "")
		if st, _ := cl.admin.Get("/admin/feedback?" + q); st != 400 {
			t.Fatalf("list page ?%s: %d", q, st)
		}
	}
	if st, _ := cl.admin.Get("/admin/feedback/abc"); st != 404 {
		t.Fatalf("forged page id: %d", st)
	}

	// The send form re-renders with what was typed.
	resp := cl.sec.Form("POST", "/feedback", url.Values{"kind": {"complaint"}, "category": {"food"}, "text": {"我写的内容"}, "anonymous": {"1"}})
	if resp.StatusCode != 422 {
		t.Fatalf("bad form: %d", resp.StatusCode)
	}
	html := readAll(t, resp)
	if !strings.Contains(html, "我写的内容") || !strings.Contains(html, "请选择反映的方面") || !strings.Contains(html, `value="1" checked`) {
		t.Fatalf("the form does not keep what was typed: %s", html)
	}
	resp = cl.org.Form("POST", fmt.Sprintf("/admin/feedback/%d/reply", it.ID), url.Values{"status": {"replied"}, "text": {"  "}})
	if resp.StatusCode != 422 || !strings.Contains(readAll(t, resp), "需要填写答复内容") {
		t.Fatalf("bad reply form: %d", resp.StatusCode)
	}
	// CSRF: a form without the token is refused.
	bare := *cl.sec
	bare.CSRF = ""
	if resp := bare.Form("POST", "/feedback", url.Values{"category": {"exams"}, "text": {"没有令牌"}}); resp.StatusCode != 403 {
		t.Fatalf("form without CSRF: %d", resp.StatusCode)
	}
}

// The daily limit answers 429 with a Chinese message, on the API and the form.
func TestHTTPDailyLimit(t *testing.T) {
	_, _, cl, _ := setup(t)
	for i := 0; i < DailyLimit; i++ {
		st, body := cl.sec.JSON("POST", "/api/v1/feedback", map[string]any{"category": "other", "text": fmt.Sprintf("第 %d 条", i+1)})
		expect(t, "send", st, body, 201, "")
	}
	st, body := cl.sec.JSON("POST", "/api/v1/feedback", map[string]any{"category": "other", "text": "第 11 条"})
	expect(t, "over the limit", st, body, 429, "feedback_limit")
	if !strings.Contains(string(body), "明天") {
		t.Fatalf("limit message: %s", body)
	}
	resp := cl.sec.Form("POST", "/feedback", url.Values{"kind": {"suggestion"}, "category": {"other"}, "text": {"表单第 11 条"}})
	if resp.StatusCode != 429 {
		t.Fatalf("form over the limit: %d", resp.StatusCode)
	}
	if html := readAll(t, resp); !strings.Contains(html, "表单第 11 条") || !strings.Contains(html, "明天") {
		t.Fatal("the form over the limit loses the text or the reason")
	}
	// Others are not affected.
	st, body = cl.sec2.JSON("POST", "/api/v1/feedback", map[string]any{"category": "other", "text": "别人"})
	expect(t, "another person", st, body, 201, "")
}
