package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"zhibu/app/accounts"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// The stable surface — what integrators, deployers and acceptance checks rely on: the API
// shapes of README.md and docs/*.md, the demo accounts, the import templates, the exports'
// print setup — exercised over real HTTP against a seeded demo county: every subtest is
// one promise, named so that a failure says which one broke. The assertions are the
// promise's words, not the code's: when the two drift apart this test fails, and the code
// (or, with a reason, the promise and its docs) is put right.
func TestStableSurface(t *testing.T) {
	db, srv := demoServer(t, accounts.DemoSize{Townships: 2, Secretaries: 20})
	year := time.Now().In(web.China).Year()
	today := time.Now().In(web.China)
	anon := webtest.New(t, srv.App)
	userID := func(name string) (id int64) {
		testdb.Get(t, db, &id, `SELECT id FROM users WHERE username = $1`, name)
		return id
	}
	secID := userID("secretary")
	var town1, town2 int64
	testdb.Get(t, db, &town1, `SELECT township_id FROM users WHERE username = 'organizer'`)
	testdb.Get(t, db, &town2, `SELECT township_id FROM users WHERE username = 'organizer2'`)

	t.Run("health/healthz answers 200", func(t *testing.T) {
		if st, _ := sfCall(t, anon, "GET", "/healthz", nil); st != 200 {
			t.Errorf("GET /healthz → %d", st)
		}
	})
	t.Run("health/readyz answers 200 with PostgreSQL up and the schema current", func(t *testing.T) {
		if st, body := sfCall(t, anon, "GET", "/readyz", nil); st != 200 {
			t.Errorf("GET /readyz → %d %s", st, body)
		}
	})

	// Login: the demo accounts, through the documented API.
	as := map[string]*webtest.Client{}
	for _, who := range []struct{ name, role string }{{"admin", "admin"}, {"organizer", "organizer"},
		{"organizer2", "organizer"}, {"secretary", "secretary"}, {"secretary2", "secretary"}, {"secretary20", "secretary"}} {
		t.Run("login/demo account "+who.name+" signs in with zhibu-demo", func(t *testing.T) {
			cl := webtest.New(t, srv.App)
			b, _ := json.Marshal(map[string]string{"username": who.name, "password": "zhibu-demo"})
			resp := cl.Do("POST", "/api/v1/session", bytes.NewReader(b), "application/json")
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("POST /api/v1/session → %d %s", resp.StatusCode, raw)
			}
			o := sfObj(t, raw)
			sfKeys(t, "login answer", o, "user", "csrf_token")
			u, _ := o["user"].(map[string]any)
			if u["username"] != who.name || u["role"] != who.role {
				t.Errorf("user %v, want username %s role %s", u, who.name, who.role)
			}
			token, _ := o["csrf_token"].(string)
			if token == "" {
				t.Fatalf("empty csrf_token: %s", raw)
			}
			var session *http.Cookie
			for _, ck := range resp.Cookies() {
				if ck.Name == web.SessionCookie {
					session = ck
				}
			}
			if session == nil || session.Value == "" {
				t.Fatalf("no session cookie in %v", resp.Header.Values("Set-Cookie"))
			}
			if !session.HttpOnly {
				t.Errorf("session cookie is not HttpOnly: %v", resp.Header.Values("Set-Cookie"))
			}
			if session.SameSite != http.SameSiteLaxMode && session.SameSite != http.SameSiteStrictMode {
				t.Errorf("session cookie without SameSite=Lax/Strict: %v", resp.Header.Values("Set-Cookie"))
			}
			cl.CSRF = token
			as[who.name] = cl
		})
	}
	// Later checks go on with a session even if a login above broke.
	for _, name := range []string{"admin", "organizer", "organizer2", "secretary", "secretary2"} {
		if as[name] == nil {
			as[name] = webtest.AsUser(t, srv, userID(name))
		}
	}
	admin, org, org2, sec, sec2 := as["admin"], as["organizer"], as["organizer2"], as["secretary"], as["secretary2"]

	t.Run("login/demo organizer and secretary are of township 1, organizer2 and secretary2 of township 2", func(t *testing.T) {
		for _, c := range []struct {
			cl   *webtest.Client
			town int64
		}{{org, town1}, {sec, town1}, {org2, town2}, {sec2, town2}} {
			_, o := sfJSON(t, c.cl, "GET", "/api/v1/me", nil, 200)
			u, _ := o["user"].(map[string]any)
			if sfNum(u["township_id"]) != float64(c.town) {
				t.Errorf("%v: township %v, want %d", u["username"], u["township_id"], c.town)
			}
		}
		if town1 == town2 {
			t.Errorf("organizer and organizer2 share township %d", town1)
		}
	})
	t.Run("login/GET /api/v1/me answers the signed-in user", func(t *testing.T) {
		_, o := sfJSON(t, sec, "GET", "/api/v1/me", nil, 200)
		sfKeys(t, "me", o, "user")
		if u, _ := o["user"].(map[string]any); u["username"] != "secretary" {
			t.Errorf("me: %v", o)
		}
	})
	t.Run("login/unsafe method without X-CSRF-Token is refused", func(t *testing.T) {
		bare := &webtest.Client{T: t, App: srv.App, Cookies: sec.Cookies}
		st, body := bare.JSON("POST", "/api/v1/tools/vote-check", map[string]any{"decision": "general", "eligible": 10, "present": 10, "for": 6})
		if st != 403 {
			t.Fatalf("POST without X-CSRF-Token → %d %s, want 403", st, body)
		}
		sfEnvelope(t, body)
	})
	t.Run("login/wrong password is 401 in the error envelope", func(t *testing.T) {
		st, body := sfCall(t, webtest.New(t, srv.App), "POST", "/api/v1/session", map[string]string{"username": "secretary20", "password": "wrong-password"})
		if st != 401 {
			t.Fatalf("bad login → %d %s, want 401", st, body)
		}
		sfEnvelope(t, body)
	})
	t.Run("login/DELETE /api/v1/session logs out", func(t *testing.T) {
		cl := as["secretary20"]
		if cl == nil {
			t.Skip("secretary20 could not sign in")
		}
		if st, body := sfCall(t, cl, "DELETE", "/api/v1/session", nil); st != 200 && st != 204 {
			t.Fatalf("DELETE /api/v1/session → %d %s", st, body)
		}
		if st, body := sfCall(t, cl, "GET", "/api/v1/me", nil); st != 401 {
			t.Errorf("GET /api/v1/me after logout → %d %s, want 401", st, body)
		}
	})

	// The error sfEnvelope.
	t.Run("errors/401 without a session", func(t *testing.T) {
		st, body := sfCall(t, anon, "GET", "/api/v1/me", nil)
		if st != 401 {
			t.Fatalf("→ %d %s", st, body)
		}
		sfEnvelope(t, body)
	})
	t.Run("errors/403 for a secretary on a staff route", func(t *testing.T) {
		st, body := sfCall(t, sec, "GET", "/api/v1/hours?year="+fmt.Sprint(year), nil)
		if st != 403 {
			t.Fatalf("→ %d %s", st, body)
		}
		sfEnvelope(t, body)
	})
	t.Run("errors/404 for an unknown id", func(t *testing.T) {
		st, body := sfCall(t, sec, "GET", "/api/v1/tools/candidates/987654321", nil)
		if st != 404 {
			t.Fatalf("→ %d %s", st, body)
		}
		sfEnvelope(t, body)
	})
	t.Run("errors/404 for an unknown route", func(t *testing.T) {
		st, body := sfCall(t, sec, "GET", "/api/v1/no-such-thing", nil)
		if st != 404 {
			t.Fatalf("→ %d %s", st, body)
		}
		sfEnvelope(t, body)
	})
	t.Run("errors/422 names the field", func(t *testing.T) {
		st, body := sfCall(t, sec, "POST", "/api/v1/tools/vote-check", map[string]any{"decision": "general", "eligible": 20, "present": 21})
		if st != 422 {
			t.Fatalf("→ %d %s", st, body)
		}
		e := sfEnvelope(t, body)
		f, _ := e["fields"].(map[string]any)
		if _, ok := f["present"]; !ok || !sfHan.MatchString(fmt.Sprint(f["present"])) {
			t.Errorf("422 fields %v: want a Chinese message for present", e["fields"])
		}
	})

	// Exam flow.
	var attemptID int64
	t.Run("exams/GET /api/v1/exams lists the demo exam, 50 questions, open to secretary", func(t *testing.T) {
		_, o := sfJSON(t, sec, "GET", "/api/v1/exams", nil, 200)
		for _, e := range sfList(o["exams"]) {
			if strings.Contains(fmt.Sprint(e["title"]), "应知应会") {
				if sfNum(e["questions"]) != 50 {
					t.Errorf("demo exam draws %v questions, want 50", e["questions"])
				}
				if e["state"] != "open" {
					t.Errorf("demo exam state %v, want open", e["state"])
				}
				return
			}
		}
		t.Fatalf("no demo exam in %v", o)
	})
	var examID int64
	testdb.Get(t, db, &examID, `SELECT id FROM exams WHERE title LIKE '%应知应会%' ORDER BY id LIMIT 1`)
	t.Run("exams/GET /api/v1/exams lists the demo exam for secretary2 of another township too", func(t *testing.T) {
		_, o := sfJSON(t, sec2, "GET", "/api/v1/exams", nil, 200)
		for _, e := range sfList(o["exams"]) {
			if int64(sfNum(e["id"])) == examID {
				return
			}
		}
		t.Errorf("secretary2 does not see exam %d: %v", examID, o)
	})
	t.Run("exams/the demo exam is open to every demo secretary", func(t *testing.T) {
		var secretaries, candidates int
		testdb.Get(t, db, &secretaries, `SELECT count(*) FROM users WHERE role = 'secretary' AND active`)
		testdb.Get(t, db, &candidates, `SELECT count(*) FROM exam_candidates WHERE exam_id = $1`, examID)
		if secretaries != 20 || candidates != secretaries {
			t.Errorf("%d demo secretaries, %d candidates of the demo exam; want 20 and all", secretaries, candidates)
		}
	})
	t.Run("exams/POST attempts answers the attempt with its documented keys and no correct answers", func(t *testing.T) {
		_, o, raw := sfRaw(t, sec, "POST", fmt.Sprintf("/api/v1/exams/%d/attempts", examID), nil, 201)
		sfKeys(t, "attempt", o, "id", "exam_id", "deadline", "status", "items")
		attemptID = int64(sfNum(o["id"]))
		if int64(sfNum(o["exam_id"])) != examID || o["status"] != "in_progress" {
			t.Errorf("attempt exam_id %v status %v", o["exam_id"], o["status"])
		}
		if _, err := time.Parse(time.RFC3339, fmt.Sprint(o["deadline"])); err != nil {
			t.Errorf("deadline %v: %v", o["deadline"], err)
		}
		items := sfList(o["items"])
		if len(items) != 50 {
			t.Errorf("%d items, want the demo exam's 50", len(items))
		}
		for i, it := range items {
			sfKeys(t, fmt.Sprintf("item %d", i), it, "position", "kind", "stem", "points", "options", "answer")
			if _, ok := it["answer"].([]any); !ok {
				t.Errorf("item %d answer is %v, want a list", i, it["answer"])
			}
			for _, k := range []string{"correct", "correct_answer", "solution", "explanation", "right", "earned", "key"} {
				if _, ok := it[k]; ok {
					t.Errorf("item %d of an attempt in progress carries %q: %v", i, k, it)
				}
			}
			opts := sfList(it["options"])
			if len(opts) < 2 {
				t.Errorf("item %d has options %v", i, it["options"])
			}
			for _, op := range opts {
				sfKeys(t, "option", op, "key", "text")
				for k := range op {
					if k != "key" && k != "text" {
						t.Errorf("item %d option carries %q: %v", i, k, op)
					}
				}
			}
		}
		if i := bytes.Index(raw, []byte(`"correct`)); i >= 0 {
			t.Errorf("attempt body mentions \"correct…\": %s", raw[i:min(len(raw), i+80)])
		}
	})
	t.Run("exams/POST attempts again resumes the same attempt", func(t *testing.T) {
		_, o := sfJSON(t, sec, "POST", fmt.Sprintf("/api/v1/exams/%d/attempts", examID), nil, 200)
		if int64(sfNum(o["id"])) != attemptID || attemptID == 0 {
			t.Errorf("second start: attempt %v, want %d", o["id"], attemptID)
		}
	})
	t.Run("exams/GET /api/v1/attempts/{id}", func(t *testing.T) {
		_, o := sfJSON(t, sec, "GET", fmt.Sprintf("/api/v1/attempts/%d", attemptID), nil, 200)
		sfKeys(t, "attempt", o, "id", "exam_id", "deadline", "status", "items")
	})
	t.Run("exams/PUT answers/{position} saves an answer", func(t *testing.T) {
		sfJSON(t, sec, "PUT", fmt.Sprintf("/api/v1/attempts/%d/answers/1", attemptID), map[string]any{"answer": []string{"A"}}, 200)
		_, o := sfJSON(t, sec, "GET", fmt.Sprintf("/api/v1/attempts/%d", attemptID), nil, 200)
		for _, it := range sfList(o["items"]) {
			if sfNum(it["position"]) == 1 && fmt.Sprint(it["answer"]) != "[A]" {
				t.Errorf("position 1 answer %v after saving [A]", it["answer"])
			}
		}
	})
	t.Run("exams/POST submit is idempotent and answers score and passed", func(t *testing.T) {
		_, first := sfJSON(t, sec, "POST", fmt.Sprintf("/api/v1/attempts/%d/submit", attemptID), nil, 200)
		sfKeys(t, "submit", first, "score", "passed")
		_, again := sfJSON(t, sec, "POST", fmt.Sprintf("/api/v1/attempts/%d/submit", attemptID), nil, 200)
		if fmt.Sprint(first["score"], first["passed"]) != fmt.Sprint(again["score"], again["passed"]) {
			t.Errorf("submit twice: %v then %v", first, again)
		}
		if _, ok := first["passed"].(bool); !ok {
			t.Errorf("passed %v is not a boolean", first["passed"])
		}
	})

	// Imports.
	for _, tpl := range []string{"/api/v1/questions/template.xlsx", "/api/v1/roster/template.xlsx"} {
		t.Run("imports/template "+tpl+" is an xlsx", func(t *testing.T) {
			resp := sfBind(t, admin).Do("GET", tpl, nil, "")
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), web.XLSXType) {
				t.Fatalf("→ %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			want := map[string][]string{
				"/api/v1/questions/template.xlsx": {"题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案", "分值", "解析", "分类", "标签", "难度"},
				"/api/v1/roster/template.xlsx":    {"乡镇", "支部名称", "支部类型", "姓名", "手机号", "职务"},
			}[tpl]
			if head := sfHeaderRow(t, b, want[0]); !sfContainsAll(head, want) {
				t.Errorf("the first sheet's header row %v lacks some of %v", head, want)
			}
		})
	}
	importCheck := func(t *testing.T, path string, file []byte, badRow int, badColumn string, count string) {
		var before, after int
		testdb.Get(t, db, &before, count)
		st, body := sfBind(t, admin).Upload(path+"?dry_run=1", "data.xlsx", file, nil)
		if st != 200 {
			t.Fatalf("dry run → %d %s, want 200", st, body)
		}
		o := sfObj(t, body)
		sfKeys(t, "preview", o, "rows", "imported", "errors")
		if sfNum(o["rows"]) != 2 {
			t.Errorf("preview rows %v, want 2", o["rows"])
		}
		found := false
		for _, e := range sfList(o["errors"]) {
			sfKeys(t, "row error", e, "row", "column", "message")
			if int(sfNum(e["row"])) == badRow && e["column"] == badColumn && sfHan.MatchString(fmt.Sprint(e["message"])) {
				found = true
			}
		}
		if !found {
			t.Errorf("preview errors %v: want row %d column %s with a Chinese message", o["errors"], badRow, badColumn)
		}
		st, body = sfBind(t, admin).Upload(path, "data.xlsx", file, nil)
		if st != 422 {
			t.Fatalf("import with an error → %d %s, want 422", st, body)
		}
		sfEnvelope(t, body)
		o = sfObj(t, body)
		sfKeys(t, "refused import", o, "rows", "imported", "errors")
		if sfNum(o["imported"]) != 0 || len(sfList(o["errors"])) == 0 {
			t.Errorf("refused import: imported %v errors %v", o["imported"], o["errors"])
		}
		testdb.Get(t, db, &after, count)
		if after != before {
			t.Errorf("a refused import saved something: %d → %d", before, after)
		}
	}
	t.Run("imports/questions: preview 200 with row errors, import 422 and nothing saved", func(t *testing.T) {
		head := []string{"题型", "题干", "选项A", "选项B", "选项C", "答案", "分值", "解析", "分类", "标签", "难度"}
		file := sfXLSX(t, head,
			[]string{"单选", "接口契约测试：支部党员大会多久召开一次？", "每季度", "每年", "每月", "A", "1", "条例第十一条", "测试", "契约", "易"},
			[]string{"单选", "接口契约测试：第二题", "甲", "乙", "", "Z", "1", "", "测试", "契约", "易"})
		importCheck(t, "/api/v1/questions/import", file, 3, "答案", `SELECT count(*) FROM questions`)
	})
	t.Run("imports/questions: any column order, extra columns ignored, answer spellings accepted; a clean import saves all", func(t *testing.T) {
		head := []string{"答案", "备注", "题干", "选项C", "题型", "选项A", "选项B", "分值"}
		var rows [][]string
		for i, a := range []string{"AC", "A,C", "A、C", "ＡＣ"} {
			rows = append(rows, []string{a, "多余的列", fmt.Sprintf("契约测试多选题%d", i+1), "丙", "多选", "甲", "乙", "2"})
		}
		for i, a := range []string{"对", "错", "正确", "错误", "√", "×", "是", "否"} {
			rows = append(rows, []string{a, "", fmt.Sprintf("契约测试判断题%d", i+1), "", "判断", "", "", "1"})
		}
		file := sfXLSX(t, head, rows...)
		_, o := sfUpload(t, admin, "/api/v1/questions/import?dry_run=1", file, 200)
		if sfNum(o["rows"]) != float64(len(rows)) || len(sfList(o["errors"])) != 0 {
			t.Fatalf("preview: rows %v errors %v, want %d rows and none", o["rows"], o["errors"], len(rows))
		}
		var before, after int
		testdb.Get(t, db, &before, `SELECT count(*) FROM questions`)
		_, o = sfUpload(t, admin, "/api/v1/questions/import", file, 200)
		testdb.Get(t, db, &after, `SELECT count(*) FROM questions`)
		if sfNum(o["imported"]) != float64(len(rows)) || after != before+len(rows) {
			t.Errorf("import: imported %v, bank %d → %d; want %d saved", o["imported"], before, after, len(rows))
		}
	})
	t.Run("imports/roster: any column order, extra columns ignored", func(t *testing.T) {
		var townName string
		testdb.Get(t, db, &townName, `SELECT name FROM townships WHERE id = $1`, town1)
		file := sfXLSX(t, []string{"手机号", "备注", "姓名", "职务", "支部类型", "乡镇", "支部名称"},
			[]string{"13912340001", "多余的列", "王契约", "书记", "社区", townName, "契约测试社区党支部"})
		_, o := sfUpload(t, admin, "/api/v1/roster/import?dry_run=1", file, 200)
		if sfNum(o["rows"]) != 1 || len(sfList(o["errors"])) != 0 {
			t.Errorf("preview: rows %v errors %v, want 1 row and none", o["rows"], o["errors"])
		}
	})
	t.Run("imports/roster: preview 200 with row errors, import 422 and nothing saved", func(t *testing.T) {
		var townName string
		testdb.Get(t, db, &townName, `SELECT name FROM townships WHERE id = $1`, town1)
		head := []string{"乡镇", "支部名称", "支部类型", "姓名", "手机号", "职务"}
		file := sfXLSX(t, head,
			[]string{townName, "契约测试村党支部", "农村", "张契约", "13912345678", "书记"},
			[]string{townName, "契约测试二村党支部", "农村", "李契约", "123", "书记"})
		importCheck(t, "/api/v1/roster/import", file, 3, "手机号", `SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM branches)`)
	})

	// Tours.
	t.Run("tours/GET, POST signup, DELETE signup", func(t *testing.T) {
		_, o := sfJSON(t, sec, "GET", "/api/v1/tours", nil, 200)
		var tour int64
		for _, tr := range sfList(o["tours"]) {
			if tr["can_signup"] == true {
				tour = int64(sfNum(tr["id"]))
			}
		}
		if tour == 0 {
			t.Fatalf("the demo has no tour the secretary can sign up for: %v", o)
		}
		st, body := sfCall(t, sec, "POST", fmt.Sprintf("/api/v1/tours/%d/signup", tour), map[string]any{"note": "契约测试"})
		if st != 200 && st != 201 {
			t.Fatalf("signup → %d %s", st, body)
		}
		if s := sfObj(t, body)["status"]; s != "pending" && s != "waitlisted" {
			t.Errorf("signup status %v, want pending or waitlisted", s)
		}
		_, o = sfJSON(t, sec, "DELETE", fmt.Sprintf("/api/v1/tours/%d/signup", tour), nil, 200)
		if o["status"] != "cancelled" {
			t.Errorf("cancel: %v", o)
		}
	})

	// Reports.
	for _, c := range []struct {
		who  string
		cl   *webtest.Client
		want int
	}{{"admin", admin, 200}, {"organizer", org, 200}, {"secretary", sec, 403}} {
		t.Run("reports/completion.xlsx as "+c.who+fmt.Sprintf(" → %d", c.want), func(t *testing.T) {
			resp := sfBind(t, c.cl).Do("GET", fmt.Sprintf("/api/v1/reports/completion.xlsx?year=%d", year), nil, "")
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Fatalf("→ %d %.200s", resp.StatusCode, b)
			}
			if c.want == 200 {
				if !strings.HasPrefix(resp.Header.Get("Content-Type"), web.XLSXType) {
					t.Errorf("content type %q", resp.Header.Get("Content-Type"))
				}
				if _, err := excelize.OpenReader(bytes.NewReader(b)); err != nil {
					t.Errorf("workbook does not open: %v", err)
				}
			} else {
				sfEnvelope(t, b)
			}
		})
	}

	var rosterTour int64
	testdb.Get(t, db, &rosterTour, `SELECT min(id) FROM tours WHERE status <> 'draft'`)
	exports := map[string]string{
		"completion":   fmt.Sprintf("/api/v1/reports/completion.xlsx?year=%d", year),
		"exam results": fmt.Sprintf("/api/v1/reports/exams/%d.xlsx", examID),
		"tour roster":  fmt.Sprintf("/api/v1/tours/%d/roster.xlsx", rosterTour),
	}
	for _, name := range []string{"exam results", "tour roster"} {
		for _, c := range []struct {
			who  string
			cl   *webtest.Client
			want int
		}{{"admin", admin, 200}, {"organizer", org, 200}, {"secretary", sec, 403}} {
			t.Run(fmt.Sprintf("reports/%s export as %s → %d", name, c.who, c.want), func(t *testing.T) {
				b, st, ct := sfDownload(t, c.cl, exports[name])
				if st != c.want {
					t.Fatalf("%s → %d %.200s", exports[name], st, b)
				}
				if c.want != 200 {
					sfEnvelope(t, b)
				} else if !strings.HasPrefix(ct, web.XLSXType) {
					t.Errorf("content type %q", ct)
				}
			})
		}
	}
	for _, name := range []string{"completion", "exam results", "tour roster"} {
		t.Run("workbooks/"+name+" prints: A4 landscape, fit to width, repeated header rows, title and page numbers", func(t *testing.T) {
			b, st, _ := sfDownload(t, admin, exports[name])
			if st != 200 {
				t.Fatalf("%s → %d", exports[name], st)
			}
			sfPrintReady(t, b)
		})
	}
	t.Run("reports/ranking off by default: the county report ranks nobody", func(t *testing.T) {
		_, o, raw := sfRaw(t, admin, "GET", fmt.Sprintf("/api/v1/reports/completion?year=%d", year), nil, 200)
		if len(o) == 0 || bytes.Contains(raw, []byte(`"rank":`)) {
			t.Errorf("completion JSON with ranking off carries a rank: %.300s", raw)
		}
	})

	// Classes and the 学时 ledger. Class 1 had its one session yesterday (check-in, roll
	// call, 结班, its certificate programme); class 2 has a session in five days (leave).
	var class1, class2, session1, session2, programme int64
	date := func(days int) string { return today.AddDate(0, 0, days).Format(time.DateOnly) }
	t.Run("classes/POST /api/v1/classes (organizer) and GET/PUT one", func(t *testing.T) {
		_, o := sfJSON(t, org, "POST", "/api/v1/classes", map[string]any{"title": "契约测试轮训班", "kind": "实务", "venue": "县委党校",
			"absence_num": 1, "absence_den": 7}, 201)
		class1 = int64(sfNum(o["id"]))
		_, o = sfJSON(t, org, "POST", "/api/v1/classes", map[string]any{"title": "契约测试轮训班（二）", "kind": "理论"}, 201)
		class2 = int64(sfNum(o["id"]))
		_, o = sfJSON(t, org, "GET", "/api/v1/classes", nil, 200)
		seen := 0
		for _, c := range sfList(o["classes"]) {
			if id := int64(sfNum(c["id"])); id == class1 || id == class2 {
				seen++
			}
		}
		if seen != 2 {
			t.Errorf("GET /api/v1/classes shows %d of the 2 new classes: %v", seen, o)
		}
		_, o = sfJSON(t, org, "PUT", fmt.Sprintf("/api/v1/classes/%d", class1), map[string]any{"title": "契约测试轮训班（第一期）",
			"kind": "实务", "venue": "县委党校"}, 200)
		if o["title"] != "契约测试轮训班（第一期）" {
			t.Errorf("PUT: %v", o)
		}
		_, o = sfJSON(t, org, "GET", fmt.Sprintf("/api/v1/classes/%d", class1), nil, 200)
		if o["title"] != "契约测试轮训班（第一期）" {
			t.Errorf("GET after PUT: %v", o)
		}
		_, o = sfJSON(t, org, "POST", fmt.Sprintf("/api/v1/classes/%d/sessions", class1), map[string]any{"date": date(-1),
			"start": "09:00", "end": "12:00", "topic": "发展党员工作流程", "teacher": "县委组织部", "hours": 3}, 201)
		session1 = int64(sfNum(o["id"]))
		_, o = sfJSON(t, org, "POST", fmt.Sprintf("/api/v1/classes/%d/sessions", class2), map[string]any{"date": date(5),
			"start": "09:00", "end": "12:00", "topic": "三会一课", "hours": 3}, 201)
		session2 = int64(sfNum(o["id"]))
		sfJSON(t, org, "POST", fmt.Sprintf("/api/v1/classes/%d/participants", class1), map[string]any{"township_id": town1}, 200)
		sfJSON(t, org, "POST", fmt.Sprintf("/api/v1/classes/%d/participants", class2), map[string]any{"people": []string{"13800000001"}}, 200)
	})
	t.Run("classes/checkin-token (organizer) → {url, expires_at}; the secretary checks in", func(t *testing.T) {
		_, o := sfJSON(t, org, "POST", fmt.Sprintf("/api/v1/classes/%d/sessions/%d/checkin-token", class1, session1), nil, 200)
		sfKeys(t, "checkin-token", o, "url", "expires_at")
		u := fmt.Sprint(o["url"])
		i := strings.Index(u, "/checkin/")
		if i < 0 {
			t.Fatalf("url %q has no /checkin/", u)
		}
		_, r := sfJSON(t, sec, "POST", "/api/v1/checkin/"+u[i+len("/checkin/"):], nil, 200)
		if r["recorded"] != true {
			t.Errorf("check-in: %v", r)
		}
	})
	t.Run("classes/PUT attendance {records:[{user_id,status}]}", func(t *testing.T) {
		var others []int64
		if err := db.Select(&others, `SELECT user_id FROM class_participants WHERE class_id = $1 AND user_id <> $2 ORDER BY user_id`, class1, secID); err != nil {
			t.Fatal(err)
		}
		if len(others) == 0 {
			t.Fatal("class 1 has no other participants")
		}
		var records []map[string]any
		for i, u := range others {
			st := "present"
			if i == 0 {
				st = "late"
			}
			records = append(records, map[string]any{"user_id": u, "status": st})
		}
		_, o := sfJSON(t, org, "PUT", fmt.Sprintf("/api/v1/classes/%d/sessions/%d/attendance", class1, session1), map[string]any{"records": records}, 200)
		if int(sfNum(o["marked"])) != len(others) {
			t.Errorf("attendance: %v, want %d marked", o, len(others))
		}
		st, body := sfCall(t, org, "PUT", fmt.Sprintf("/api/v1/classes/%d/sessions/%d/attendance", class1, session1),
			map[string]any{"records": []map[string]any{{"user_id": others[0], "status": "asleep"}}})
		if st != 422 {
			t.Errorf("a bad status → %d %s, want 422", st, body)
		}
	})
	t.Run("classes/POST leave {reason} before the session", func(t *testing.T) {
		st, body := sfCall(t, sec, "POST", fmt.Sprintf("/api/v1/classes/%d/sessions/%d/leave", class2, session2), map[string]any{"reason": "村里换届选举"})
		if st != 200 && st != 201 {
			t.Fatalf("leave → %d %s", st, body)
		}
	})
	t.Run("classes/POST close (结班), idempotent", func(t *testing.T) {
		st, body := sfCall(t, admin, "POST", "/api/v1/certificate-programmes", map[string]any{"title": "契约测试轮训班结业", "kind": "class", "class_id": class1})
		if st != 201 {
			t.Errorf("certificate programme for the class → %d %s", st, body)
		} else {
			programme = int64(sfNum(sfObj(t, body)["id"]))
		}
		_, o := sfJSON(t, org, "POST", fmt.Sprintf("/api/v1/classes/%d/close", class1), nil, 200)
		if o["already_closed"] != false || sfNum(o["completed"]) < 1 {
			t.Errorf("close: %v", o)
		}
		_, o = sfJSON(t, org, "POST", fmt.Sprintf("/api/v1/classes/%d/close", class1), nil, 200)
		if o["already_closed"] != true {
			t.Errorf("close again: %v", o)
		}
	})

	meHours := func(t *testing.T) map[string]any {
		_, o := sfJSON(t, sec, "GET", fmt.Sprintf("/api/v1/me/hours?year=%d", year), nil, 200)
		return o
	}
	t.Run("hours/GET /api/v1/me/hours keys, with the class's 学时", func(t *testing.T) {
		o := meHours(t)
		sfKeys(t, "me/hours", o, "year", "target", "online", "offline", "total", "reached", "entries")
		found := false
		for _, e := range sfList(o["entries"]) {
			sfKeys(t, "entry", e, "source", "source_id", "hours", "credited_at", "note")
			if e["source"] == "class" && int64(sfNum(e["source_id"])) == class1 && sfNum(e["hours"]) == 3 {
				found = true
			}
		}
		if !found {
			t.Errorf("no 3-学时 class entry for class %d: %v", class1, o["entries"])
		}
	})
	var credit int64
	t.Run("hours/staff GET /api/v1/hours, POST a manual credit, DELETE it with a reason", func(t *testing.T) {
		_, o := sfJSON(t, org, "GET", fmt.Sprintf("/api/v1/hours?year=%d&township=%d", year, town1), nil, 200)
		sfKeys(t, "hours", o, "year", "target", "total", "reached", "people")
		before := sfNum(meHours(t)["total"])
		_, o = sfJSON(t, admin, "POST", "/api/v1/hours", map[string]any{"user_id": secID, "year": year, "hours": 2, "note": "市委党校培训（契约测试）"}, 201)
		credit = int64(sfNum(o["id"]))
		if got := sfNum(meHours(t)["total"]); got != before+2 {
			t.Errorf("after a manual credit of 2: total %v, want %v", got, before+2)
		}
		sfJSON(t, admin, "DELETE", fmt.Sprintf("/api/v1/hours/%d", credit), map[string]any{"reason": "重复认定"}, 200)
		if got := sfNum(meHours(t)["total"]); got != before {
			t.Errorf("after revoking it: total %v, want %v", got, before)
		}
	})

	// Record, certificates, tour reports.
	t.Run("tours/report: GET/PUT /api/v1/tours/{id}/report and the review", func(t *testing.T) {
		var tour int64
		testdb.Get(t, db, &tour, `SELECT COALESCE(min(id), 0) FROM tours WHERE report_due IS NOT NULL`)
		if tour == 0 {
			t.Fatal("the demo has no tour asking for a report")
		}
		testdb.Exec(t, db, `UPDATE tours SET starts_on = $2::date - 4, ends_on = $2::date - 1, report_due = $2::date + 7, hours = 4,
			status = 'done' WHERE id = $1`, tour, today.Format(time.DateOnly))
		testdb.Exec(t, db, `INSERT INTO tour_signups (tour_id, user_id, township_id, status) VALUES ($1, $2, $3, 'confirmed')
			ON CONFLICT (tour_id, user_id) DO UPDATE SET status = 'confirmed'`, tour, secID, town1)
		_, o := sfJSON(t, sec, "GET", fmt.Sprintf("/api/v1/tours/%d/report", tour), nil, 200)
		if o["asked"] != true || o["can_edit"] != true {
			t.Errorf("report before writing: %v", o)
		}
		_, o = sfJSON(t, sec, "PUT", fmt.Sprintf("/api/v1/tours/%d/report", tour), map[string]any{"body": "一、学习体会……二、发展思路……"}, 200)
		r, _ := o["report"].(map[string]any)
		if r["status"] != "submitted" {
			t.Fatalf("report after PUT: %v", o)
		}
		_, o = sfJSON(t, org, "POST", fmt.Sprintf("/api/v1/tours/%d/reports/%d/review", tour, int64(sfNum(r["id"]))),
			map[string]any{"decision": "accept", "comment": "很好"}, 200)
		if r, _ := o["report"].(map[string]any); r["status"] != "accepted" {
			t.Errorf("review: %v", o)
		}
	})
	t.Run("record/GET /api/v1/me/record keys; total equals /api/v1/me/hours", func(t *testing.T) {
		_, o := sfJSON(t, sec, "GET", fmt.Sprintf("/api/v1/me/record?year=%d", year), nil, 200)
		sfKeys(t, "record", o, "year", "target", "total", "courses", "exams", "classes", "tours", "credits")
		for _, k := range []string{"courses", "exams", "classes", "tours", "credits"} {
			if _, ok := o[k].([]any); !ok {
				t.Errorf("record %s is %v, want a list", k, o[k])
			}
		}
		h := meHours(t)
		if sfNum(o["total"]) != sfNum(h["total"]) || sfNum(o["target"]) != sfNum(h["target"]) {
			t.Errorf("record total %v target %v, me/hours total %v target %v", o["total"], o["target"], h["total"], h["target"])
		}
		if len(sfList(o["classes"])) == 0 || len(sfList(o["tours"])) == 0 || len(sfList(o["exams"])) == 0 {
			t.Errorf("record misses the class, tour or exam: %v", o)
		}
	})
	t.Run("record/staff GET /api/v1/users/{id}/record; another township's organizer 404", func(t *testing.T) {
		_, o := sfJSON(t, org, "GET", fmt.Sprintf("/api/v1/users/%d/record?year=%d", secID, year), nil, 200)
		sfKeys(t, "record", o, "year", "target", "total", "courses", "exams", "classes", "tours", "credits")
		st, body := sfCall(t, org2, "GET", fmt.Sprintf("/api/v1/users/%d/record?year=%d", secID, year), nil)
		if st != 404 {
			t.Errorf("organizer2 → %d %s, want 404", st, body)
		}
	})
	var certID int64
	var code string
	t.Run("certificates/GET /api/v1/me/certificates holds the class's certificate", func(t *testing.T) {
		_, o := sfJSON(t, sec, "GET", "/api/v1/me/certificates", nil, 200)
		for _, c := range sfList(o["certificates"]) {
			if int64(sfNum(c["programme_id"])) == programme && programme != 0 {
				certID = int64(sfNum(c["id"]))
				u := fmt.Sprint(c["verify_url"])
				code = u[strings.LastIndex(u, "/")+1:]
			}
		}
		if certID == 0 || code == "" {
			t.Fatalf("no certificate of programme %d: %v", programme, o)
		}
	})
	t.Run("certificates/GET /api/v1/verify/{unknown} → 404 without a session", func(t *testing.T) {
		st, body := sfCall(t, webtest.New(t, srv.App), "GET", "/api/v1/verify/"+strings.Repeat("a", 32), nil)
		if st != 404 {
			t.Fatalf("→ %d %s", st, body)
		}
		sfEnvelope(t, body)
	})
	t.Run("certificates/GET /api/v1/verify/{code} without a session; revoke {reason}", func(t *testing.T) {
		if code == "" {
			t.Skip("no certificate")
		}
		v := webtest.New(t, srv.App)
		_, o := sfJSON(t, v, "GET", "/api/v1/verify/"+code, nil, 200)
		sfKeys(t, "verify", o, "name", "programme", "issued_on", "valid", "revoked_reason")
		if o["valid"] != true {
			t.Errorf("verify: %v", o)
		}
		for _, k := range []string{"phone", "serial", "branch"} {
			if _, ok := o[k]; ok {
				t.Errorf("verification shows %s: %v", k, o)
			}
		}
		sfJSON(t, admin, "POST", fmt.Sprintf("/api/v1/certificates/%d/revoke", certID), map[string]any{"reason": "契约测试撤销"}, 200)
		_, o = sfJSON(t, v, "GET", "/api/v1/verify/"+code, nil, 200)
		if o["valid"] != false || o["revoked_reason"] != "契约测试撤销" {
			t.Errorf("after revoking: %v", o)
		}
	})

	// Inbox, reminders, notices, feedback.
	var feedbackID int64
	t.Run("feedback/POST and GET (secretary), GET and reply (organizer)", func(t *testing.T) {
		_, o := sfJSON(t, sec, "POST", "/api/v1/feedback", map[string]any{"kind": "suggestion", "category": "system", "text": "希望增加离线下载课件（契约测试）"}, 201)
		feedbackID = int64(sfNum(o["id"]))
		_, o = sfJSON(t, sec, "GET", "/api/v1/feedback", nil, 200)
		if !sfHasID(sfList(o["items"]), feedbackID) {
			t.Errorf("secretary's list lacks %d: %v", feedbackID, o)
		}
		_, o = sfJSON(t, org, "GET", "/api/v1/feedback", nil, 200)
		if !sfHasID(sfList(o["items"]), feedbackID) {
			t.Errorf("organizer's list lacks %d: %v", feedbackID, o)
		}
		_, o = sfJSON(t, org, "POST", fmt.Sprintf("/api/v1/feedback/%d/reply", feedbackID), map[string]any{"text": "已向县委组织部反映。", "status": "replied"}, 200)
		if o["status"] != "replied" || o["reply"] != "已向县委组织部反映。" {
			t.Errorf("reply: %v", o)
		}
		_, o = sfJSON(t, sec, "GET", fmt.Sprintf("/api/v1/feedback/%d", feedbackID), nil, 200)
		if o["reply"] != "已向县委组织部反映。" || o["status"] != "replied" {
			t.Errorf("the sender does not see the reply: %v", o)
		}
	})
	t.Run("notices/POST (admin) and GET (secretary)", func(t *testing.T) {
		_, o := sfJSON(t, admin, "POST", "/api/v1/notices", map[string]any{"title": "契约测试通知", "body": "## 一、对象\n\n全县党支部书记", "all_townships": true}, 201)
		n, _ := o["notice"].(map[string]any)
		id := int64(sfNum(n["id"]))
		_, o = sfJSON(t, sec, "GET", "/api/v1/notices", nil, 200)
		if !sfHasID(sfList(o["notices"]), id) || id == 0 {
			t.Errorf("secretary does not see notice %d: %v", id, o)
		}
	})
	var reminderID int64
	t.Run("reminders/POST ?dry_run=1 → {recipients, skipped}; send; GET /api/v1/reminders/{id}", func(t *testing.T) {
		req := map[string]any{"target": "exam", "target_id": examID, "filter": map[string]any{}}
		_, o := sfJSON(t, org, "POST", "/api/v1/reminders?dry_run=1", req, 200)
		sfKeys(t, "dry run", o, "recipients", "skipped")
		if sfNum(o["recipients"]) < 1 {
			t.Errorf("dry run: %v", o)
		}
		_, c := sfJSON(t, org, "POST", "/api/v1/reminders?dry_run=1", map[string]any{"target": "class", "target_id": class2, "filter": map[string]any{}}, 200)
		if sfNum(c["recipients"]) != 1 {
			t.Errorf("class dry run: %v, want the one participant", c)
		}
		req["text"] = "考试即将结束，请抓紧参加（契约测试）。"
		st, body := sfCall(t, org, "POST", "/api/v1/reminders", req)
		if st != 200 && st != 201 {
			t.Fatalf("send → %d %s", st, body)
		}
		o = sfObj(t, body)
		sfKeys(t, "send", o, "recipients", "skipped")
		reminderID = int64(sfNum(o["id"]))
		_, o = sfJSON(t, org, "GET", fmt.Sprintf("/api/v1/reminders/%d", reminderID), nil, 200)
		rs := sfList(o["recipients"])
		if len(rs) == 0 {
			t.Fatalf("no recipients: %v", o)
		}
		for _, r := range rs {
			sfKeys(t, "recipient", r, "delivered", "read", "finished")
		}
	})
	t.Run("inbox/GET /api/v1/messages {unread, messages}; POST read", func(t *testing.T) {
		_, o := sfJSON(t, sec, "GET", "/api/v1/messages", nil, 200)
		sfKeys(t, "messages", o, "unread", "messages")
		ms := sfList(o["messages"])
		if len(ms) == 0 || sfNum(o["unread"]) < 1 {
			t.Fatalf("the secretary has no unread messages after a reply, a reminder, 结班 …: %v", o)
		}
		for _, m := range ms {
			sfKeys(t, "message", m, "id", "kind", "title", "body", "url", "read_at", "created_at")
		}
		unread := sfNum(o["unread"])
		var id int64
		for _, m := range ms {
			if m["read_at"] == nil {
				id = int64(sfNum(m["id"]))
				break
			}
		}
		sfJSON(t, sec, "POST", fmt.Sprintf("/api/v1/messages/%d/read", id), nil, 200)
		_, o = sfJSON(t, sec, "GET", "/api/v1/messages", nil, 200)
		if sfNum(o["unread"]) != unread-1 {
			t.Errorf("unread %v after reading one of %v", o["unread"], unread)
		}
		st, body := sfCall(t, sec2, "POST", fmt.Sprintf("/api/v1/messages/%d/read", id), nil)
		if st != 404 {
			t.Errorf("another person's message → %d %s, want 404", st, body)
		}
	})

	// Job aids.
	t.Run("tools/POST vote-check → {meeting_valid, passed, rule, explanation}", func(t *testing.T) {
		_, o := sfJSON(t, sec, "POST", "/api/v1/tools/vote-check", map[string]any{"decision": "admit", "eligible": 20, "present": 15,
			"written": map[string]any{"for": 1, "against": 0}, "for": 10, "against": 5, "abstain": 0}, 200)
		sfKeys(t, "vote-check", o, "meeting_valid", "passed", "rule", "explanation")
		if o["meeting_valid"] != true || o["passed"] != true {
			t.Errorf("20 eligible, 15 present, 10+1 for: %v", o)
		}
		_, o = sfJSON(t, sec, "POST", "/api/v1/tools/vote-check", map[string]any{"decision": "admit", "eligible": 20, "present": 10, "for": 10}, 200)
		if o["meeting_valid"] != false || o["passed"] != false {
			t.Errorf("20 eligible, 10 present for admit: %v", o)
		}
	})
	t.Run("tools/candidates planner: own records only", func(t *testing.T) {
		_, o := sfJSON(t, sec, "POST", "/api/v1/tools/candidates", map[string]any{"name": "申请人甲", "note": "村里推荐",
			"dates": map[string]any{"apply": "2024-01-05", "talk": "2024-03-01"}}, 201)
		id := int64(sfNum(o["id"]))
		path := fmt.Sprintf("/api/v1/tools/candidates/%d", id)
		_, o = sfJSON(t, sec, "GET", "/api/v1/tools/candidates", nil, 200)
		if !sfHasID(sfList(o["candidates"]), id) {
			t.Errorf("list lacks %d: %v", id, o)
		}
		sfJSON(t, sec, "GET", path, nil, 200)
		_, o = sfJSON(t, sec, "PUT", path, map[string]any{"name": "申请人甲", "dates": map[string]any{"apply": "2024-01-05"}}, 200)
		if d, _ := o["dates"].(map[string]any); len(d) != 1 {
			t.Errorf("PUT replaces the whole record: dates %v", o["dates"])
		}
		for _, m := range []string{"GET", "PUT", "DELETE"} {
			var in any
			if m == "PUT" {
				in = map[string]any{"name": "别人的"}
			}
			if st, body := sfCall(t, sec2, m, path, in); st != 404 {
				t.Errorf("secretary2 %s another's record → %d %s, want 404", m, st, body)
			}
		}
		if st, body := sfCall(t, sec, "DELETE", path, nil); st != 204 && st != 200 {
			t.Errorf("DELETE → %d %s", st, body)
		}
		if st, _ := sfCall(t, sec, "GET", path, nil); st != 404 {
			t.Errorf("GET after DELETE → %d, want 404", st)
		}
	})

	// Settings: the stable names and their defaults.
	t.Run("settings/GET /api/v1/settings: ranking_enabled off, lesson_min_time_enabled on, retake_after_pass off", func(t *testing.T) {
		_, o := sfJSON(t, admin, "GET", "/api/v1/settings", nil, 200)
		for name, want := range map[string]bool{"ranking_enabled": false, "lesson_min_time_enabled": true, "retake_after_pass": false} {
			v, ok := o[name]
			if !ok {
				t.Errorf("settings have no %q: %v", name, o)
				continue
			}
			if v != want {
				t.Errorf("%s = %v, want %v by default", name, v, want)
			}
		}
	})
}

// sfHan matches a Chinese character: every message a person reads is Chinese.
var sfHan = regexp.MustCompile(`\p{Han}`)

// sfBind points the client's failures at the running (sub)test.
func sfBind(t *testing.T, cl *webtest.Client) *webtest.Client {
	t.Helper()
	cl.T = t
	return cl
}

// sfCall sends in as JSON (nil: no body) and returns the status and body.
func sfCall(t *testing.T, cl *webtest.Client, method, path string, in any) (int, []byte) {
	t.Helper()
	return sfBind(t, cl).JSON(method, path, in)
}

// sfJSON sends the request, fails the test unless the status is want, and decodes the
// JSON object answered.
func sfJSON(t *testing.T, cl *webtest.Client, method, path string, in any, want int) (int, map[string]any) {
	t.Helper()
	st, o, _ := sfRaw(t, cl, method, path, in, want)
	return st, o
}

func sfRaw(t *testing.T, cl *webtest.Client, method, path string, in any, want int) (int, map[string]any, []byte) {
	t.Helper()
	st, body := sfCall(t, cl, method, path, in)
	if st != want {
		t.Fatalf("%s %s → %d %.400s, want %d", method, path, st, body, want)
	}
	return st, sfObj(t, body), body
}

func sfObj(t *testing.T, body []byte) map[string]any {
	t.Helper()
	o := map[string]any{}
	if len(bytes.TrimSpace(body)) == 0 {
		return o
	}
	if err := json.Unmarshal(body, &o); err != nil {
		t.Fatalf("not a JSON object: %v: %.300s", err, body)
	}
	return o
}

// sfEnvelope checks {"error":{"code":"snake_case","message":"中文说明",…}} and returns the error.
func sfEnvelope(t *testing.T, body []byte) map[string]any {
	t.Helper()
	e, ok := sfObj(t, body)["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error envelope: %.300s", body)
	}
	if code, _ := e["code"].(string); !regexp.MustCompile(`^[a-z][a-z0-9_]*$`).MatchString(code) {
		t.Errorf("error.code %q is not snake_case: %s", e["code"], body)
	}
	if msg, _ := e["message"].(string); !sfHan.MatchString(msg) {
		t.Errorf("error.message %q is not Chinese: %s", e["message"], body)
	}
	if f, ok := e["fields"]; ok {
		if _, isMap := f.(map[string]any); !isMap && f != nil {
			t.Errorf("error.fields %v is not an object", f)
		}
	}
	return e
}

func sfKeys(t *testing.T, what string, o map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := o[k]; !ok {
			t.Errorf("%s has no %q: %v", what, k, sfAbbrev(o))
		}
	}
}

func sfAbbrev(o map[string]any) string {
	b, _ := json.Marshal(o)
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

func sfList(v any) []map[string]any {
	var out []map[string]any
	if xs, ok := v.([]any); ok {
		for _, x := range xs {
			if m, ok := x.(map[string]any); ok {
				out = append(out, m)
			}
		}
	}
	return out
}

func sfHasID(xs []map[string]any, id int64) bool {
	for _, x := range xs {
		if int64(sfNum(x["id"])) == id {
			return true
		}
	}
	return false
}

func sfNum(v any) float64 {
	f, _ := v.(float64)
	return f
}

// sfXLSX writes a one-sheet workbook: the header row, then the rows.
func sfXLSX(t *testing.T, head []string, rows ...[]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	for r, row := range append([][]string{head}, rows...) {
		for c, v := range row {
			if v == "" {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if err := f.SetCellStr(sheet, cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sfUpload posts file as the multipart field "file" and decodes the JSON answered.
func sfUpload(t *testing.T, cl *webtest.Client, path string, file []byte, want int) (int, map[string]any) {
	t.Helper()
	st, body := sfBind(t, cl).Upload(path, "data.xlsx", file, nil)
	if st != want {
		t.Fatalf("POST %s → %d %.400s, want %d", path, st, body, want)
	}
	return st, sfObj(t, body)
}

// sfDownload GETs a file: body, status and content type.
func sfDownload(t *testing.T, cl *webtest.Client, path string) ([]byte, int, string) {
	t.Helper()
	resp := sfBind(t, cl).Do("GET", path, nil, "")
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b, resp.StatusCode, resp.Header.Get("Content-Type")
}

// sfHeaderRow is the first row of the workbook's first sheet (among its first five)
// holding first.
func sfHeaderRow(t *testing.T, data []byte, first string) []string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("workbook does not open: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if i == 5 {
			break
		}
		for _, v := range r {
			if strings.TrimRight(strings.TrimSpace(v), "*") == first {
				return r
			}
		}
	}
	return nil
}

func sfContainsAll(have, want []string) bool {
	set := map[string]bool{}
	for _, h := range have {
		set[strings.TrimRight(strings.TrimSpace(h), "*")] = true
	}
	for _, w := range want {
		if !set[w] {
			return false
		}
	}
	return true
}

// sfPrintReady checks the exports' print promise (docs/reports.md) on every visible sheet: A4 (paper size 9) landscape,
// fit to one page wide, a repeated header row (print titles), a title (page header) and
// page numbers (&P in the footer).
func sfPrintReady(t *testing.T, data []byte) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("workbook does not open: %v", err)
	}
	defer f.Close()
	titles := map[string]bool{}
	for _, d := range f.GetDefinedName() {
		if d.Name == "_xlnm.Print_Titles" {
			titles[d.Scope] = true
		}
	}
	for _, sheet := range f.GetSheetList() {
		if v, _ := f.GetSheetVisible(sheet); !v {
			continue
		}
		pl, err := f.GetPageLayout(sheet)
		if err != nil {
			t.Fatal(err)
		}
		props, _ := f.GetSheetProps(sheet)
		hf, _ := f.GetHeaderFooter(sheet)
		var problems []string
		if pl.Size == nil || *pl.Size != 9 {
			problems = append(problems, "not A4")
		}
		if pl.Orientation == nil || *pl.Orientation != "landscape" {
			problems = append(problems, "not landscape")
		}
		if props.FitToPage == nil || !*props.FitToPage || pl.FitToWidth == nil || *pl.FitToWidth != 1 {
			problems = append(problems, "not fit to one page wide")
		}
		if !titles[sheet] {
			problems = append(problems, "no repeated header rows")
		}
		if hf == nil || !strings.Contains(hf.OddFooter, "&P") {
			problems = append(problems, "no page numbers")
		}
		if hf == nil || strings.TrimSpace(hf.OddHeader) == "" {
			problems = append(problems, "no title in the page header")
		}
		if len(problems) > 0 {
			t.Errorf("sheet %q: %s", sheet, strings.Join(problems, ", "))
		}
	}
}
