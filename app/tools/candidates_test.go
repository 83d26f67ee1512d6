package tools

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

type candClients struct {
	db                                          *sqlx.DB
	county                                      testdb.County
	anon, sec, sec2, secOther, org, org2, admin *webtest.Client
}

func candSetup(t *testing.T) candClients {
	t.Helper()
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := webtest.Server(t, db, web.Config{}, func(s *web.Server) error { return Mount(s, Deps{}) })
	return candClients{db: db, county: c,
		anon:     webtest.New(t, srv.App),
		sec:      webtest.AsUser(t, srv, c.Secretaries[0][0]),
		sec2:     webtest.AsUser(t, srv, c.Secretaries[0][1]),
		secOther: webtest.AsUser(t, srv, c.Secretaries[1][0]),
		org:      webtest.AsUser(t, srv, c.Organizers[0]),
		org2:     webtest.AsUser(t, srv, c.Organizers[1]),
		admin:    webtest.AsUser(t, srv, c.Admin),
	}
}

// A record with a late 谈话 (a violation between two recorded dates, whatever today is):
// step 4 is next.
var lateTalk = map[string]any{"name": "申请人甲", "note": "村里推荐", "dates": map[string]string{
	"apply": "2024-01-05", "talk": "2024-03-01", "activist": "2024-03-10"}}

func createCand(t *testing.T, c *webtest.Client, body any) candidateView {
	t.Helper()
	st, out := c.JSON("POST", "/api/v1/tools/candidates", body)
	if st != 201 {
		t.Fatalf("create: %d %s", st, out)
	}
	var v candidateView
	webtest.Decode(t, out, &v)
	return v
}

func readAll(t *testing.T, c *webtest.Client, method, path string, form url.Values) (int, string) {
	t.Helper()
	resp := c.Form(method, path, form)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// One secretary's records are invisible to everyone else — other secretaries, the
// township's organizer, another organizer, the admin — by API and by page: 404, and
// nothing is changed or deleted.
func TestCandidatesPrivate(t *testing.T) {
	cl := candSetup(t)
	v := createCand(t, cl.sec, lateTalk)
	if v.ID == 0 || v.Name != "申请人甲" || v.Dates["talk"] != "2024-03-01" || v.Plan.Next == nil || v.Plan.Next.No != 4 || v.Plan.Done != 3 {
		t.Fatalf("created: %+v", v)
	}
	if len(v.Plan.Violations) != 1 || v.Plan.Violations[0].Rule != DevRuleTalk || v.Plan.Violations[0].Step != stepTalk {
		t.Fatalf("violations: %+v", v.Plan.Violations)
	}
	base := fmt.Sprintf("/api/v1/tools/candidates/%d", v.ID)
	page := fmt.Sprintf("/tools/candidates/%d", v.ID)
	if st, out := cl.sec.JSON("GET", base, nil); st != 200 || !strings.Contains(string(out), `"name":"申请人甲"`) {
		t.Fatalf("owner get: %d %s", st, out)
	}
	if st, body := cl.sec.Get(page); st != 200 || !strings.Contains(body, "申请人甲") {
		t.Fatalf("owner page: %d", st)
	}

	others := map[string]*webtest.Client{"secretary of the branch's township": cl.sec2, "secretary elsewhere": cl.secOther,
		"organizer of the township": cl.org, "other organizer": cl.org2, "admin": cl.admin}
	for name, c := range others {
		t.Run(name, func(t *testing.T) {
			for _, method := range []string{"GET", "DELETE"} {
				if st, out := c.JSON(method, base, nil); st != 404 || webtest.ErrorCode(out) != "not_found" {
					t.Fatalf("%s %s: %d %s", method, base, st, out)
				}
			}
			if st, out := c.JSON("PUT", base, map[string]any{"name": "改名"}); st != 404 {
				t.Fatalf("PUT: %d %s", st, out)
			}
			for _, p := range []string{page, page + "/delete"} {
				if st, _ := c.Get(p); st != 404 {
					t.Fatalf("GET %s: %d", p, st)
				}
			}
			for _, p := range []string{page, page + "/delete"} {
				if st, _ := readAll(t, c, "POST", p, url.Values{"name": {"改名"}}); st != 404 {
					t.Fatalf("POST %s: %d", p, st)
				}
			}
			st, out := c.JSON("GET", "/api/v1/tools/candidates", nil)
			if st != 200 || strings.Contains(string(out), "申请人甲") || !strings.Contains(string(out), `"candidates":[]`) {
				t.Fatalf("list: %d %s", st, out)
			}
			if st, body := c.Get("/tools/candidates"); st != 200 || strings.Contains(body, "申请人甲") {
				t.Fatalf("list page: %d", st)
			}
		})
	}
	// Still there, unchanged.
	st, out := cl.sec.JSON("GET", base, nil)
	var after candidateView
	webtest.Decode(t, out, &after)
	if st != 200 || after.Name != "申请人甲" || len(after.Dates) != 3 {
		t.Fatalf("after the others: %d %s", st, out)
	}
	// Not signed in: no access at all.
	if st, _ := cl.anon.JSON("GET", base, nil); st != 401 {
		t.Fatalf("anonymous API: %d", st)
	}
	if st, _ := cl.anon.Get("/tools/candidates"); st != 302 && st != 303 {
		t.Fatalf("anonymous page: %d", st)
	}

	// Every role keeps its own records, seen by itself only.
	mine := createCand(t, cl.admin, map[string]any{"name": "管理员的"})
	if st, _ := cl.admin.JSON("GET", fmt.Sprintf("/api/v1/tools/candidates/%d", mine.ID), nil); st != 200 {
		t.Fatalf("admin own: %d", st)
	}
	if st, _ := cl.sec.JSON("GET", fmt.Sprintf("/api/v1/tools/candidates/%d", mine.ID), nil); st != 404 {
		t.Fatalf("secretary reads admin's: %d", st)
	}
	st, out = cl.sec.JSON("GET", "/api/v1/tools/candidates", nil)
	var list struct {
		Candidates []candidateSummary `json:"candidates"`
	}
	webtest.Decode(t, out, &list)
	if st != 200 || len(list.Candidates) != 1 || list.Candidates[0].ID != v.ID || list.Candidates[0].Violations != 1 || list.Candidates[0].Next.No != 4 {
		t.Fatalf("owner's list: %d %s", st, out)
	}
}

// PUT replaces the record; DELETE removes it for good (204, then 404).
func TestCandidatesUpdateDelete(t *testing.T) {
	cl := candSetup(t)
	v := createCand(t, cl.sec, lateTalk)
	base := fmt.Sprintf("/api/v1/tools/candidates/%d", v.ID)
	st, out := cl.sec.JSON("PUT", base, map[string]any{"name": "小李", "dates": map[string]string{
		"apply": "2024-01-05", "talk": "2024-01-20", "activist": "2024-03-10", "activist_filed": "2024-03-15",
		"contact": "2024-03-15", "cultivate": "2024-09-10", "candidate": "2025-03-01"}})
	var u candidateView
	webtest.Decode(t, out, &u)
	if st != 200 || u.Note != "" || u.Plan.Next.No != 8 || len(u.Plan.Violations) != 1 || u.Plan.Violations[0].Rule != DevRuleCandidate ||
		!strings.Contains(u.Plan.Violations[0].Message, "最早应在 2025-03-10") {
		t.Fatalf("update: %d %s", st, out)
	}
	if st, out := cl.sec.JSON("DELETE", base, nil); st != 204 {
		t.Fatalf("delete: %d %s", st, out)
	}
	for _, m := range []string{"GET", "DELETE"} {
		if st, _ := cl.sec.JSON(m, base, nil); st != 404 {
			t.Fatalf("%s after delete: %d", m, st)
		}
	}
	for _, id := range []string{"abc", "0", "-1", "99999999999999999999"} {
		if st, _ := cl.sec.JSON("GET", "/api/v1/tools/candidates/"+id, nil); st != 404 {
			t.Fatalf("id %s: %d", id, st)
		}
	}
}

// At most MaxCandidates records per user: the next is 409 with a Chinese message; others
// are not affected.
func TestCandidatesLimit(t *testing.T) {
	cl := candSetup(t)
	testdb.Exec(t, cl.db, `INSERT INTO tool_candidates (user_id, name) SELECT $1, '人' || g FROM generate_series(1, $2) g`,
		cl.county.Secretaries[0][0], MaxCandidates)
	st, out := cl.sec.JSON("POST", "/api/v1/tools/candidates", map[string]any{"name": "第五十一个"})
	if st != 409 || webtest.ErrorCode(out) != "too_many_candidates" || !strings.Contains(string(out), "最多保存 50 人") {
		t.Fatalf("51st: %d %s", st, out)
	}
	st, body := readAll(t, cl.sec, "POST", "/tools/candidates", url.Values{"name": {"第五十一个"}})
	if st != 409 || !strings.Contains(body, "最多保存 50 人") || !strings.Contains(body, `value="第五十一个"`) {
		t.Fatalf("51st by form: %d", st)
	}
	if _, body := cl.sec.Get("/tools/candidates"); strings.Contains(body, `id="cand-new"`) || !strings.Contains(body, "最多保存 50 人") {
		t.Fatal("full list still offers 新建")
	}
	createCand(t, cl.sec2, map[string]any{"name": "别人的"})
}

// Bad input is 422 naming the field (never a 500); order problems are kept and shown.
func TestCandidatesBadInput(t *testing.T) {
	cl := candSetup(t)
	cases := []struct {
		name, raw, field string
	}{
		{"no name", `{"name":""}`, "name"},
		{"ID number", `{"name":"11010519491231002X"}`, "name"},
		{"NUL in name", `{"name":"小\u0000李"}`, "name"},
		{"NUL in note", `{"name":"小李","note":"\u0000"}`, "note"},
		{"future date", `{"name":"小李","dates":{"apply":"2099-01-01"}}`, "dates.apply"},
		{"not a date", `{"name":"小李","dates":{"apply":"昨天"}}`, "dates.apply"},
		{"unknown step", `{"name":"小李","dates":{"coup":"2024-01-01"}}`, "dates.coup"},
		{"date as number", `{"name":"小李","dates":{"apply":20240101}}`, "dates"},
		{"training as text", `{"name":"小李","training":{"days":"三"}}`, "training.days"},
		{"three extensions", `{"name":"小李","extensions":[{},{},{}]}`, "extensions"},
		{"extension months", `{"name":"小李","extensions":[{"decided_on":"2024-01-01","months":99}]}`, "extensions.0.months"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := cl.sec.Do("POST", "/api/v1/tools/candidates", strings.NewReader(tc.raw), "application/json")
			defer resp.Body.Close()
			out, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 422 || webtest.ErrorCode(out) != "validation_failed" || !strings.Contains(string(out), `"`+tc.field+`"`) {
				t.Fatalf("status %d, want 422 naming %s: %s", resp.StatusCode, tc.field, out)
			}
		})
	}
	for _, raw := range []string{``, `not json`, `[1]`} {
		resp := cl.sec.Do("POST", "/api/v1/tools/candidates", strings.NewReader(raw), "application/json")
		resp.Body.Close()
		if resp.StatusCode != 400 && resp.StatusCode != 422 {
			t.Fatalf("%q: %d", raw, resp.StatusCode)
		}
	}
	// Dates out of order are saved and reported, not refused.
	v := createCand(t, cl.sec, map[string]any{"name": "倒序", "dates": map[string]string{"apply": "2024-05-01", "talk": "2024-04-01"}})
	if len(v.Plan.Violations) != 1 || v.Plan.Violations[0].Rule != DevRuleOrder {
		t.Fatalf("out of order: %+v", v.Plan.Violations)
	}
	// The form keeps what was typed and names the field.
	st, body := readAll(t, cl.sec, "POST", "/tools/candidates", url.Values{"name": {"小王"}, "date_apply": {"2099-01-01"}, "training_days": {"三天"}})
	if st != 422 || !strings.Contains(body, "不能晚于今天") || !strings.Contains(body, `value="2099-01-01"`) || !strings.Contains(body, "请填写整数") ||
		!strings.Contains(body, `value="小王"`) {
		t.Fatalf("bad form: %d %s", st, body)
	}
	st, _ = readAll(t, cl.sec, "POST", "/tools/candidates", url.Values{"name": {"小\x00王"}})
	if st != 422 {
		t.Fatalf("NUL by form: %d", st)
	}
}

// The pages: create by form, see the next step and the violation, edit, delete behind a
// confirmation.
func TestCandidatesPages(t *testing.T) {
	cl := candSetup(t)
	if st, body := cl.sec.Get("/tools/candidates"); st != 200 || !strings.Contains(body, `href="/tools/candidates/new"`) || !strings.Contains(body, "只有您自己能看到") {
		t.Fatalf("list: %d", st)
	}
	if st, body := cl.sec.Get("/tools/candidates/new"); st != 200 || strings.Count(body, `type="date"`) != 25+MaxExtensions {
		t.Fatalf("new: %d, %d date fields", st, strings.Count(body, `type="date"`))
	}
	form := url.Values{"name": {"小张"}, "date_apply": {"2024-01-05"}, "date_talk": {"2024-03-01"}, "date_activist": {"2024-03-10"}}
	resp := cl.sec.Form("POST", "/tools/candidates", form)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != 303 || !strings.HasPrefix(loc, "/tools/candidates/") {
		t.Fatalf("create: %d %s", resp.StatusCode, loc)
	}
	st, body := cl.sec.Get(loc)
	if st != 200 || !strings.Contains(body, "第4步 上级党委备案") || !strings.Contains(body, "最迟应在 2024-02-05") ||
		!strings.Contains(body, DevRuleTalk) || !strings.Contains(body, "各地规定不同，请按本地要求") || !strings.Contains(body, `value="2024-03-01"`) {
		t.Fatalf("page: %d %s", st, body)
	}
	form.Set("date_talk", "2024-01-20")
	form.Set("date_activist_filed", "2024-03-15")
	form.Set("training_days", "2")
	resp = cl.sec.Form("POST", loc, form)
	resp.Body.Close()
	if resp.StatusCode != 303 {
		t.Fatalf("update: %d", resp.StatusCode)
	}
	if _, body = cl.sec.Get(loc); strings.Contains(body, DevRuleTalk+"</p>") || !strings.Contains(body, "第5步 指定培养联系人") {
		t.Fatalf("after update: %s", body)
	}
	// The 延长预备期 rows: a second extension is kept and flagged.
	form = url.Values{"name": {"小张"}, "date_apply": {"2022-01-05"}, "date_admit_meeting": {"2023-03-10"},
		"ext0_on": {"2024-03-12"}, "ext0_months": {"6"}, "ext1_on": {"2024-09-12"}, "ext1_months": {"6"}}
	resp = cl.sec.Form("POST", loc, form)
	resp.Body.Close()
	if st, body = cl.sec.Get(loc); st != 200 || !strings.Contains(body, "记录了 2 次延长预备期，只能延长一次") || !strings.Contains(body, "预备期满 2024-09-10") ||
		!strings.Contains(body, `<details class="cand-ext2" open>`) {
		t.Fatalf("extensions: %d %s", st, body)
	}
	st, body = cl.sec.Get(loc + "/delete")
	if st != 200 || !strings.Contains(body, "确定删除「小张」") || !strings.Contains(body, "不能恢复") {
		t.Fatalf("confirm: %d", st)
	}
	if _, b := cl.sec.Get(loc); !strings.Contains(b, "小张") {
		t.Fatal("the confirmation page deleted the record")
	}
	resp = cl.sec.Form("POST", loc+"/delete", nil)
	resp.Body.Close()
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/tools/candidates" {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if st, _ := cl.sec.Get(loc); st != 404 {
		t.Fatalf("after delete: %d", st)
	}
}
