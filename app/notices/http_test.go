package notices

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"zhibu/app/testdb"
	"zhibu/app/web/webtest"
)

type created struct {
	Notice struct {
		ID          int64   `json:"id"`
		Title       string  `json:"title"`
		HTML        string  `json:"html"`
		TownshipIDs []int64 `json:"township_ids"`
		Draft       bool    `json:"draft"`
		CanEdit     bool    `json:"can_edit"`
	} `json:"notice"`
}

// Every route × role: who publishes where, who reads what, forged ids.
func TestHTTPRoles(t *testing.T) {
	db, c, srv, rec := setup(t)
	admin := webtest.AsUser(t, srv, c.Admin)
	org0 := webtest.AsUser(t, srv, c.Organizers[0])
	org1 := webtest.AsUser(t, srv, c.Organizers[1])
	sec0 := webtest.AsUser(t, srv, c.Secretaries[0][0])
	sec1 := webtest.AsUser(t, srv, c.Secretaries[1][0])
	anon := webtest.New(t, srv.App)
	t0, t1 := c.Townships[0], c.Townships[1]

	post := func(cl *webtest.Client, body map[string]any) (int, created, []byte) {
		t.Helper()
		if body["title"] == nil {
			body["title"] = testdb.Unique("通知")
		}
		st, raw := cl.JSON("POST", "/api/v1/notices", body)
		var out created
		if st == 201 {
			webtest.Decode(t, raw, &out)
		}
		return st, out, raw
	}

	// Who may publish to which townships.
	for _, tc := range []struct {
		name string
		cl   *webtest.Client
		body map[string]any
		want int
	}{
		{"anonymous (no session, so no CSRF token)", anon, map[string]any{"all_townships": true}, 403},
		{"secretary", sec0, map[string]any{"township_ids": []int64{t0}}, 403},
		{"organizer to own township", org0, map[string]any{"township_ids": []int64{t0}}, 201},
		{"organizer without a choice", org0, map[string]any{}, 201},
		{"organizer to another township", org0, map[string]any{"township_ids": []int64{t1}}, 403},
		{"organizer to both", org0, map[string]any{"township_ids": []int64{t0, t1}}, 403},
		{"organizer to everyone", org0, map[string]any{"all_townships": true}, 403},
		{"admin to everyone", admin, map[string]any{"all_townships": true}, 201},
		{"admin to one township", admin, map[string]any{"township_ids": []int64{t1}}, 201},
		{"admin to nobody", admin, map[string]any{}, 422},
		{"admin to a forged township", admin, map[string]any{"township_ids": []int64{999999999}}, 422},
		{"admin to a negative township", admin, map[string]any{"township_ids": []int64{-1}}, 422},
	} {
		st, out, raw := post(tc.cl, tc.body)
		if st != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, st, raw, tc.want)
		}
		if st >= 400 && !hasChinese(raw) {
			t.Errorf("%s: no Chinese message: %s", tc.name, raw)
		}
		if tc.name == "organizer without a choice" && (len(out.Notice.TownshipIDs) != 1 || out.Notice.TownshipIDs[0] != t0) {
			t.Errorf("organizer's default audience: %v", out.Notice.TownshipIDs)
		}
	}

	if st, _ := anon.JSON("GET", "/api/v1/notices", nil); st != 401 {
		t.Errorf("anonymous list: %d", st)
	}

	// Who sees what.
	_, own, _ := post(org0, map[string]any{"body": "本乡镇通知"})
	_, county, _ := post(admin, map[string]any{"all_townships": true})
	_, to1, _ := post(admin, map[string]any{"township_ids": []int64{t1}})
	_, draft, _ := post(org0, map[string]any{"draft": true})
	for _, tc := range []struct {
		name string
		cl   *webtest.Client
		id   int64
		want int
	}{
		{"secretary, own township's notice", sec0, own.Notice.ID, 200},
		{"secretary of another township, township notice", sec1, own.Notice.ID, 404},
		{"organizer of another township, township notice", org1, own.Notice.ID, 404},
		{"admin, township notice", admin, own.Notice.ID, 200},
		{"secretary, county notice", sec1, county.Notice.ID, 200},
		{"secretary, county notice to another township", sec0, to1.Notice.ID, 404},
		{"secretary, county notice to own township", sec1, to1.Notice.ID, 200},
		{"secretary, own township's draft", sec0, draft.Notice.ID, 404},
		{"organizer, own draft", org0, draft.Notice.ID, 200},
		{"anonymous", anon, county.Notice.ID, 401},
	} {
		if st, raw := tc.cl.JSON("GET", fmt.Sprintf("/api/v1/notices/%d", tc.id), nil); st != tc.want {
			t.Errorf("API %s: %d %s, want %d", tc.name, st, raw, tc.want)
		}
		page := tc.want
		if page == 401 {
			page = 303 // the login page
		}
		if st, _ := tc.cl.Get(fmt.Sprintf("/notices/%d", tc.id)); st != page && !(page == 303 && st == 302) {
			t.Errorf("page %s: %d, want %d", tc.name, st, page)
		}
	}
	// The readers' lists hold what the person may read, and nothing else.
	var list struct {
		Notices []struct {
			ID int64 `json:"id"`
		} `json:"notices"`
		Total int `json:"total"`
	}
	st, raw := sec1.JSON("GET", "/api/v1/notices", nil)
	if st != 200 {
		t.Fatalf("list: %d %s", st, raw)
	}
	webtest.Decode(t, raw, &list)
	for _, n := range list.Notices {
		if n.ID == own.Notice.ID || n.ID == draft.Notice.ID {
			t.Errorf("secretary of another township lists notice %d", n.ID)
		}
	}
	if _, body := sec1.Get("/notices"); strings.Contains(body, own.Notice.Title) || !strings.Contains(body, county.Notice.Title) {
		t.Error("the readers' page lists the wrong notices")
	}

	// Forged ids are not found, never a 500.
	for _, id := range []string{"0", "-1", "abc", "1e3", "99999999999999999999", "9223372036854775807", "%00"} {
		for _, path := range []string{"/api/v1/notices/" + id, "/notices/" + id, "/admin/notices/" + id + "/edit",
			fmt.Sprintf("/notices/%d/attachments/%s", county.Notice.ID, id)} {
			if st, _ := admin.Get(path); st != 404 {
				t.Errorf("GET %s: %d, want 404", path, st)
			}
		}
		if st, raw := admin.JSON("PUT", "/api/v1/notices/"+id, map[string]any{"title": "x", "all_townships": true}); st != 404 {
			t.Errorf("PUT %s: %d %s", id, st, raw)
		}
		if st, _ := admin.JSON("DELETE", "/api/v1/notices/"+id, nil); st != 404 {
			t.Errorf("DELETE %s: %d", id, st)
		}
	}

	// Editing and deleting by the notice's scope.
	edit := map[string]any{"title": "改过的标题", "township_ids": []int64{t0}}
	for _, tc := range []struct {
		name   string
		cl     *webtest.Client
		method string
		id     int64
		body   map[string]any
		want   int
	}{
		{"secretary edits", sec0, "PUT", own.Notice.ID, edit, 403},
		{"organizer of another township edits", org1, "PUT", own.Notice.ID, edit, 404},
		{"organizer edits a county notice", org0, "PUT", county.Notice.ID, map[string]any{"title": "x", "all_townships": true}, 403},
		{"organizer deletes a county notice", org0, "DELETE", county.Notice.ID, nil, 403},
		{"organizer of another township deletes", org1, "DELETE", own.Notice.ID, nil, 404},
		{"admin widens a township's notice", admin, "PUT", own.Notice.ID, map[string]any{"title": "x", "all_townships": true}, 403},
		{"admin edits a township's notice", admin, "PUT", own.Notice.ID, edit, 200},
		{"organizer edits own", org0, "PUT", own.Notice.ID, map[string]any{"title": "本乡镇通知", "pinned": true}, 200},
		{"organizer moves own to another township", org0, "PUT", own.Notice.ID, map[string]any{"title": "x", "township_ids": []int64{t1}}, 403},
		{"published back to draft", org0, "PUT", own.Notice.ID, map[string]any{"title": "x", "draft": true}, 409},
	} {
		if st, raw := tc.cl.JSON(tc.method, fmt.Sprintf("/api/v1/notices/%d", tc.id), tc.body); st != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, st, raw, tc.want)
		}
	}
	if st, _ := org0.JSON("DELETE", fmt.Sprintf("/api/v1/notices/%d", draft.Notice.ID), nil); st != 204 {
		t.Errorf("organizer deletes own draft: %d", st)
	}
	if st, _ := org0.JSON("GET", fmt.Sprintf("/api/v1/notices/%d", draft.Notice.ID), nil); st != 404 {
		t.Errorf("deleted notice: %d", st)
	}

	// Staff pages by role.
	for _, tc := range []struct {
		cl   *webtest.Client
		path string
		want int
	}{
		{sec0, "/admin/notices", 403}, {sec0, "/admin/notices/new", 403},
		{org0, "/admin/notices", 200}, {org0, "/admin/notices/new", 200}, {admin, "/admin/notices", 200},
		{admin, "/admin/notices/new", 200}, {admin, "/admin/notices?q=%25_", 200}, {admin, "/admin/notices?q=%00", 400},
		{admin, "/admin/notices?page=0", 400}, {sec0, "/notices?page=abc", 400},
		{org0, fmt.Sprintf("/admin/notices/%d/edit", own.Notice.ID), 200},
		{org0, fmt.Sprintf("/admin/notices/%d/edit", county.Notice.ID), 403},
		{org1, fmt.Sprintf("/admin/notices/%d/edit", own.Notice.ID), 404},
		{org0, fmt.Sprintf("/admin/notices/%d/delete", own.Notice.ID), 200},
		{org0, fmt.Sprintf("/admin/notices/%d/delete", county.Notice.ID), 403},
	} {
		if st, _ := tc.cl.Get(tc.path); st != tc.want {
			t.Errorf("GET %s: %d, want %d", tc.path, st, tc.want)
		}
	}
	_ = rec
	_ = db
}

// Bad input: 422 naming the field with a Chinese message, never a 500.
func TestHTTPBadInput(t *testing.T) {
	_, c, srv, _ := setup(t)
	admin := webtest.AsUser(t, srv, c.Admin)
	for _, tc := range []struct {
		name  string
		body  string
		want  int
		field string
	}{
		{"empty title", `{"title":"","all_townships":true}`, 422, "title"},
		{"blank title", `{"title":"   ","all_townships":true}`, 422, "title"},
		{"title over 100", `{"title":"` + repeat("长", 101) + `","all_townships":true}`, 422, "title"},
		{"NUL in title", `{"title":"a\u0000b","all_townships":true}`, 422, "title"},
		{"NUL in body", `{"title":"好","body":"a\u0000b","all_townships":true}`, 422, "body"},
		{"body over 20000", `{"title":"好","body":"` + repeat("长", 20001) + `","all_townships":true}`, 422, "body"},
		{"title a number", `{"title":5,"all_townships":true}`, 422, "title"},
		{"township_ids a string", `{"title":"好","township_ids":"1"}`, 422, "township_ids"},
		{"township_ids of strings", `{"title":"好","township_ids":["a"]}`, 422, "township_ids"},
		{"township id too large", `{"title":"好","township_ids":[99999999999999999999]}`, 422, "township_ids"},
		{"pinned a string", `{"title":"好","pinned":"yes","all_townships":true}`, 422, "pinned"},
		{"all_townships a number", `{"title":"好","all_townships":1}`, 422, "all_townships"},
		{"not JSON", `{`, 400, ""},
		{"an array", `[]`, 400, ""},
		{"empty", ``, 400, ""},
	} {
		resp := admin.Do("POST", "/api/v1/notices", strings.NewReader(tc.body), "application/json")
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, raw, tc.want)
			continue
		}
		var e struct {
			Error struct {
				Message string            `json:"message"`
				Fields  map[string]string `json:"fields"`
			} `json:"error"`
		}
		json.Unmarshal(raw, &e)
		if !hasChinese([]byte(e.Error.Message)) {
			t.Errorf("%s: message %q", tc.name, e.Error.Message)
		}
		if tc.field != "" && e.Error.Fields[tc.field] == "" {
			t.Errorf("%s: fields %v do not name %s", tc.name, e.Error.Fields, tc.field)
		}
	}

	// The form re-renders with what was typed and the message by the field.
	resp := admin.Form("POST", "/admin/notices", url.Values{"title": {""}, "body": {"我写的正文"}, "audience": {"all"}})
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 422 || !strings.Contains(string(raw), "我写的正文") || !strings.Contains(string(raw), "请填写标题") {
		t.Errorf("form with an empty title: %d", resp.StatusCode)
	}
	resp = admin.Form("POST", "/admin/notices", url.Values{"title": {"好"}, "audience": {"townships"}, "township_ids": {"abc"}})
	resp.Body.Close()
	if resp.StatusCode != 422 {
		t.Errorf("form with a forged township: %d", resp.StatusCode)
	}
	resp = admin.Form("POST", "/admin/notices", url.Values{"title": {"表单通知"}, "audience": {"townships"},
		"township_ids": {fmt.Sprint(c.Townships[0]), fmt.Sprint(c.Townships[1])}, "pinned": {"1"}})
	resp.Body.Close()
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/notices/") {
		t.Errorf("form publish: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// Attachments: PDF only (by content), within the limit, downloaded by the notice's readers.
func TestHTTPAttachments(t *testing.T) {
	_, c, srv, _ := setup(t)
	admin := webtest.AsUser(t, srv, c.Admin)
	org0 := webtest.AsUser(t, srv, c.Organizers[0])
	org1 := webtest.AsUser(t, srv, c.Organizers[1])
	sec0 := webtest.AsUser(t, srv, c.Secretaries[0][0])
	sec1 := webtest.AsUser(t, srv, c.Secretaries[1][0])
	st, raw := org0.JSON("POST", "/api/v1/notices", map[string]any{"title": "带附件的通知"})
	if st != 201 {
		t.Fatalf("create: %d %s", st, raw)
	}
	var n created
	webtest.Decode(t, raw, &n)
	path := fmt.Sprintf("/api/v1/notices/%d/attachments", n.Notice.ID)
	pdf := []byte("%PDF-1.4\n1 0 obj\n%%EOF\n")
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), bytes.Repeat([]byte{0}, 64)...)
	for _, tc := range []struct {
		name string
		cl   *webtest.Client
		file string
		data []byte
		want int
	}{
		{"an exe renamed .pdf", org0, "安排.pdf", exe, 422},
		{"a text file", org0, "安排.pdf", []byte("不是文档"), 422},
		{"too large", org0, "大.pdf", append(append([]byte{}, pdf...), bytes.Repeat([]byte("0"), testMax)...), 413},
		{"secretary", sec0, "安排.pdf", pdf, 403},
		{"organizer of another township", org1, "安排.pdf", pdf, 404},
		{"a PDF", org0, "安排.pdf", pdf, 201},
	} {
		st, raw := tc.cl.Upload(path, tc.file, tc.data, nil)
		if st != tc.want || (st >= 400 && !hasChinese(raw)) {
			t.Errorf("%s: %d %s, want %d", tc.name, st, raw, tc.want)
		}
	}
	st, raw = admin.Upload(fmt.Sprintf("/api/v1/notices/%d/attachments", 99999999), "a.pdf", pdf, nil)
	if st != 404 {
		t.Errorf("upload to a forged notice: %d %s", st, raw)
	}
	st, raw = sec0.JSON("GET", fmt.Sprintf("/api/v1/notices/%d", n.Notice.ID), nil)
	var got struct {
		Notice struct {
			Attachments []struct {
				ID  int64  `json:"id"`
				URL string `json:"url"`
			} `json:"attachments"`
		} `json:"notice"`
	}
	webtest.Decode(t, raw, &got)
	if st != 200 || len(got.Notice.Attachments) != 1 {
		t.Fatalf("notice with its attachment: %d %s", st, raw)
	}
	a := got.Notice.Attachments[0]
	resp := sec0.Do("GET", a.URL, nil, "")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(body, pdf) || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("download: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if st, _ := sec1.Get(a.URL); st != 404 {
		t.Errorf("another township's secretary downloads: %d", st)
	}
	if st, _ := sec1.Get("/api/v1" + a.URL); st != 404 {
		t.Errorf("another township's secretary downloads through the API: %d", st)
	}
	other := fmt.Sprintf("/notices/%d/attachments/%d", n.Notice.ID+1000, a.ID)
	if st, _ := admin.Get(other); st != 404 {
		t.Errorf("attachment under another notice id: %d", st)
	}
	// The form's upload shows the refusal on the edit page, in Chinese.
	st, raw = org0.Upload(fmt.Sprintf("/admin/notices/%d/attachments", n.Notice.ID), "病毒.pdf", exe, nil)
	if st != 422 || !strings.Contains(string(raw), "附件只支持") {
		t.Errorf("form upload of an exe: %d", st)
	}
	// Deleting asks first.
	del := fmt.Sprintf("/admin/notices/%d/attachments/%d/delete", n.Notice.ID, a.ID)
	if st, body := org0.Get(del); st != 200 || !strings.Contains(body, "确定删除") {
		t.Errorf("delete confirmation: %d", st)
	}
	if st, _ := org1.Get(del); st != 404 {
		t.Errorf("delete confirmation for another township's organizer: %d", st)
	}
	resp = org0.Form("POST", del, nil)
	resp.Body.Close()
	if resp.StatusCode != 303 {
		t.Errorf("delete attachment: %d", resp.StatusCode)
	}
	if st, _ := sec0.Get(a.URL); st != 404 {
		t.Errorf("deleted attachment: %d", st)
	}
	// Deleting the notice asks first too, then it is gone for everyone.
	if st, body := org0.Get(fmt.Sprintf("/admin/notices/%d/delete", n.Notice.ID)); st != 200 || !strings.Contains(body, "确定删除通知") {
		t.Errorf("notice delete confirmation: %d", st)
	}
	resp = org0.Form("POST", fmt.Sprintf("/admin/notices/%d/delete", n.Notice.ID), nil)
	resp.Body.Close()
	if resp.StatusCode != 303 {
		t.Errorf("delete notice: %d", resp.StatusCode)
	}
	if st, _ := sec0.Get(fmt.Sprintf("/notices/%d", n.Notice.ID)); st != 404 {
		t.Errorf("deleted notice: %d", st)
	}
}

// Hostile Markdown and HTML come out harmless, through the API and on the page.
func TestHostileMarkdownIsHarmless(t *testing.T) {
	_, c, srv, _ := setup(t)
	admin := webtest.AsUser(t, srv, c.Admin)
	sec := webtest.AsUser(t, srv, c.Secretaries[0][0])
	payloads := []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror=alert(1)>`,
		`[点我](javascript:alert(1))`,
		`[点我](JaVaScRiPt:alert(1))`,
		`[点我]( javascript:alert(1) )`,
		"[点我](java\tscript:alert(1))",
		`[x](&#106;avascript:alert(1))`,
		`[x](&#x6A;avascript&#58;alert(1))`,
		"[x][r]\n\n[r]: javascript:alert(1)",
		`![x](javascript:alert(1))`,
		`[x](vbscript:msgbox(1))`,
		`[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
		`<a href="javascript:alert(1)" onclick="alert(1)">x</a>`,
		`<svg onload=alert(1)>`,
		`<iframe src="https://evil.example"></iframe>`,
		`<object data="x"></object><embed src="x">`,
		`<div style="background:url(javascript:alert(1))">x</div>`,
		"<scr<script>ipt>alert(1)</script>",
		`<<script>script>alert(1)<</script>/script>`,
		`<p onmouseover="alert(1)">x</p>`,
		"```html\n<script>alert(1)</script>\n```",
		`<details open ontoggle=alert(1)>`,
		`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	}
	bad := []string{"<script", "onerror", "onload", "onclick", "onmouseover", "ontoggle", "javascript:", "vbscript:",
		"data:text", "<iframe", "<svg", "<object", "<embed", "style=", "<style"}
	for _, p := range payloads {
		st, raw := admin.JSON("POST", "/api/v1/notices", map[string]any{"title": testdb.Unique("通知"), "body": p, "township_ids": []int64{c.Townships[0]}})
		if st != 201 {
			t.Fatalf("%q: %d %s", p, st, raw)
		}
		var n created
		webtest.Decode(t, raw, &n)
		_, page := sec.Get(fmt.Sprintf("/notices/%d", n.Notice.ID))
		i, j := strings.Index(page, `<div class="notice-body">`), strings.Index(page, "</article>")
		if i < 0 || j < i {
			t.Fatalf("%q: the page has no notice body", p)
		}
		for where, out := range map[string]string{"API": n.Notice.HTML, "page": page[i:j]} {
			low := strings.ToLower(out)
			for _, b := range bad {
				if strings.Contains(low, b) {
					t.Errorf("%s: %q rendered %q containing %q", where, p, out, b)
				}
			}
		}
		// The page's only scripts are the app's own files (static/js), never inline ones.
		if strings.Contains(strings.ToLower(ownScripts.ReplaceAllString(page, "")), "<script") {
			t.Errorf("%q: the page holds a script", p)
		}
	}
	// Ordinary Markdown keeps its shape.
	st, raw := admin.JSON("POST", "/api/v1/notices", map[string]any{"title": "格式", "all_townships": true,
		"body": "## 一、对象\n\n- **书记**\n- [共产党员网](https://www.12371.cn)"})
	var n created
	webtest.Decode(t, raw, &n)
	for _, want := range []string{"<h2", "<strong>书记</strong>", `href="https://www.12371.cn"`} {
		if st != 201 || !strings.Contains(n.Notice.HTML, want) {
			t.Errorf("safe Markdown lost %q: %s", want, n.Notice.HTML)
		}
	}
}

func hasChinese(b []byte) bool {
	for _, r := range string(b) {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// ownScripts are the script tags of the app's own files: <script src="/static/js/…" defer></script>.
var ownScripts = regexp.MustCompile(`<script src="/static/js/[^"<>]+" defer></script>`)
