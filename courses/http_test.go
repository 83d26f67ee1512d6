package courses

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

type fixture struct {
	srv                         *web.Server
	deps                        Deps
	clock                       *clock
	county                      testdb.County
	course                      int64
	lessons                     []int64
	draft                       int64
	draftLess                   []int64
	anon, sec, org, org2, admin *webtest.Client
}

func setup(t *testing.T) *fixture {
	t.Helper()
	db := testdb.DB(t)
	clk := &clock{t: time.Now()}
	deps := Deps{Now: clk.Now}.withDefaults()
	srv := webtest.Server(t, db, web.Config{BodyLimit: 60 << 20, Logger: quietLog},
		func(s *web.Server) error { return Mount(s, deps) })
	f := &fixture{srv: srv, deps: deps, clock: clk, county: testdb.MakeCounty(t, db)}
	f.course, f.lessons = makeCourse(t, db, 2, 1, 2)
	f.draft, f.draftLess = makeCourse(t, db, 1, 1, 1)
	if _, err := st(db).SetPublished(t.Context(), f.draft, false); err != nil {
		t.Fatal(err)
	}
	f.anon = webtest.New(t, srv.App)
	f.sec = webtest.AsUser(t, srv, f.county.Secretaries[0][0])
	f.org = webtest.AsUser(t, srv, f.county.Organizers[0])
	f.org2 = webtest.AsUser(t, srv, f.county.Organizers[1])
	f.admin = webtest.AsUser(t, srv, f.county.Admin)
	return f
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// clock is a controlled Deps.Now: it stands still until the test moves it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func homeCards(t *testing.T, h *handlers, me *web.Identity) []web.Card {
	t.Helper()
	cards, err := h.homeCards(t.Context(), me)
	if err != nil {
		t.Fatal(err)
	}
	return cards
}

func id(n int64) string { return fmt.Sprint(n) }

// Every route answers each role as intended: 401 anonymous (API), 403 wrong role.
func TestRoutesByRole(t *testing.T) {
	f := setup(t)
	c, l := id(f.course), id(f.lessons[0])
	type route struct {
		method, path          string
		body                  any
		anon, sec, org, admin int
	}
	routes := []route{
		{"GET", "/api/v1/courses", nil, 401, 200, 200, 200},
		{"GET", "/api/v1/courses/" + c, nil, 401, 200, 200, 200},
		{"GET", "/api/v1/courses/" + id(f.draft), nil, 401, 404, 404, 200},
		{"GET", "/api/v1/lessons/" + l, nil, 401, 200, 200, 200},
		{"POST", "/api/v1/lessons/" + l + "/heartbeat", map[string]any{"resume": true}, 401, 200, 200, 200},
		{"GET", "/api/v1/me/study", nil, 401, 200, 200, 200},
		{"GET", "/api/v1/courses/" + c + "/progress", nil, 401, 403, 200, 200},
		{"GET", "/api/v1/courses/" + id(f.draft) + "/progress", nil, 401, 403, 404, 200},
		{"GET", "/api/v1/course-stats", nil, 401, 403, 200, 200},
		{"GET", "/api/v1/course-years", nil, 401, 403, 200, 200},
		{"POST", "/api/v1/courses", map[string]any{"title": "", "category": "理论"}, 401, 403, 403, 422},
		{"PUT", "/api/v1/courses/" + c, map[string]any{"title": "", "category": "理论"}, 401, 403, 403, 422},
		{"PUT", "/api/v1/courses/" + c + "/published", map[string]any{}, 401, 403, 403, 422},
		{"POST", "/api/v1/courses/" + c + "/lessons", map[string]any{"title": ""}, 401, 403, 403, 422},
		{"PUT", "/api/v1/courses/" + c + "/lesson-order", map[string]any{"lesson_ids": []int64{1}}, 401, 403, 403, 422},
		{"PUT", "/api/v1/lessons/" + l, map[string]any{"title": ""}, 401, 403, 403, 422},
		{"DELETE", "/api/v1/lessons/999999", nil, 401, 403, 403, 404},
		{"DELETE", "/api/v1/attachments/999999", nil, 401, 403, 403, 404},
		{"GET", "/api/v1/courses/" + c + "/assignments", nil, 401, 403, 403, 200},
		{"POST", "/api/v1/courses/" + c + "/assignments", map[string]any{"scope": "x"}, 401, 403, 403, 422},
		{"DELETE", "/api/v1/assignments/999999", nil, 401, 403, 403, 404},
		{"PUT", "/api/v1/course-years/2026", map[string]any{"target_hours": 0}, 401, 403, 403, 422},
		{"POST", "/api/v1/markdown/preview", map[string]any{"markdown": "# x"}, 401, 403, 403, 200},
	}
	for _, r := range routes {
		for i, cl := range []*webtest.Client{f.anon, f.sec, f.org, f.admin} {
			want := []int{r.anon, r.sec, r.org, r.admin}[i]
			if i == 0 && r.method != "GET" {
				want = 403 // anonymous unsafe requests fail the shell's CSRF check first
			}
			st, body := cl.JSON(r.method, r.path, r.body)
			if st != want {
				t.Errorf("%s %s as %s: %d, want %d (%s)", r.method, r.path, []string{"anon", "secretary", "organizer", "admin"}[i], st, want, body)
			}
		}
	}
	pages := []struct {
		path                  string
		anon, sec, org, admin int
	}{
		{"/courses", 302, 200, 200, 200},
		{"/courses/" + c, 302, 200, 200, 200},
		{"/courses/" + id(f.draft), 302, 404, 404, 200},
		{"/courses/abc", 302, 404, 404, 404},
		{"/lessons/" + l, 302, 200, 200, 200},
		{"/lessons/" + id(f.draftLess[0]), 302, 404, 404, 200},
		{"/attachments/999999", 302, 404, 404, 404},
		{"/admin/courses", 302, 403, 200, 200},
		{"/admin/courses/" + c + "/progress", 302, 403, 200, 200},
		{"/admin/courses/" + id(f.draft) + "/progress", 302, 403, 404, 200},
		{"/admin/courses/" + c + "/edit", 302, 403, 403, 200},
		{"/admin/lessons/" + l + "/edit", 302, 403, 403, 200},
	}
	for _, p := range pages {
		for i, cl := range []*webtest.Client{f.anon, f.sec, f.org, f.admin} {
			want := []int{p.anon, p.sec, p.org, p.admin}[i]
			if st, _ := cl.Get(p.path); st != want {
				t.Errorf("GET %s as %d: %d, want %d", p.path, i, st, want)
			}
		}
	}
	posts := []string{"/admin/courses", "/admin/courses/" + c, "/admin/courses/" + c + "/publish", "/admin/courses/" + c + "/lessons",
		"/admin/courses/" + c + "/assignments", "/admin/assignments/1/delete", "/admin/lessons/" + l, "/admin/lessons/" + l + "/move",
		"/admin/lessons/" + l + "/delete", "/admin/attachments/1/delete", "/admin/course-years"}
	for _, p := range posts {
		for i, cl := range []*webtest.Client{f.sec, f.org} {
			resp := cl.Form("POST", p, url.Values{})
			if resp.StatusCode != 403 {
				t.Errorf("POST %s as %d: %d, want 403", p, i, resp.StatusCode)
			}
		}
	}
}

func TestAuthoringFlowAPI(t *testing.T) {
	f := setup(t)
	st, body := f.admin.JSON("POST", "/api/v1/courses", map[string]any{"title": "新课程" + testdb.Unique(""), "category": "理论", "topic": "三中全会", "credit_hours": 1.5,
		"credit_reason": "含课后自测"})
	if st != 201 {
		t.Fatalf("create: %d %s", st, body)
	}
	var cr struct{ Course Course }
	webtest.Decode(t, body, &cr)
	st, body = f.admin.JSON("POST", "/api/v1/courses", map[string]any{"title": cr.Course.Title, "category": "理论"})
	if st != 409 {
		t.Fatalf("duplicate title: %d %s", st, body)
	}
	cid := id(cr.Course.ID)
	// Publishing an empty course is refused.
	if st, _ := f.admin.JSON("PUT", "/api/v1/courses/"+cid+"/published", map[string]any{"published": true}); st != 422 {
		t.Fatalf("publish empty: %d", st)
	}
	var lids []int64
	for _, title := range []string{"一", "二", "三"} {
		st, body := f.admin.JSON("POST", "/api/v1/courses/"+cid+"/lessons", map[string]any{"title": title, "body_markdown": "<script>alert(1)</script>正文", "min_seconds": 1})
		if st != 201 {
			t.Fatalf("lesson: %d %s", st, body)
		}
		var lr struct{ Lesson Lesson }
		webtest.Decode(t, body, &lr)
		lids = append(lids, lr.Lesson.ID)
	}
	if st, body := f.admin.JSON("PUT", "/api/v1/courses/"+cid+"/lesson-order", map[string]any{"lesson_ids": []int64{lids[2], lids[1], lids[0]}}); st != 200 || !strings.Contains(string(body), `"title":"三","body_markdown`) && !strings.Contains(string(body), `"position":1,"title":"三"`) {
		t.Fatalf("reorder: %d %s", st, body)
	}
	// Draft: invisible to secretaries, even by lesson id.
	if st, _ := f.sec.JSON("GET", "/api/v1/lessons/"+id(lids[0]), nil); st != 404 {
		t.Fatalf("draft lesson for secretary: %d", st)
	}
	if st, _ := f.admin.JSON("PUT", "/api/v1/courses/"+cid+"/published", map[string]any{"published": true}); st != 200 {
		t.Fatal("publish")
	}
	st, body = f.sec.JSON("GET", "/api/v1/lessons/"+id(lids[0]), nil)
	if st != 200 || strings.Contains(string(body), "<script") || !strings.Contains(string(body), "正文") {
		t.Fatalf("lesson html not sanitized: %s", body)
	}
	st, body = f.sec.JSON("GET", "/api/v1/courses/"+cid, nil)
	var detail struct {
		Course  courseJSON
		Lessons []LessonView
	}
	webtest.Decode(t, body, &detail)
	if st != 200 || len(detail.Lessons) != 3 || detail.Lessons[0].Title != "三" || detail.Course.Required {
		t.Fatalf("detail: %s", body)
	}
	// 必修 for township 1 only: secretary of township 0 is not concerned.
	st, body = f.admin.JSON("POST", "/api/v1/courses/"+cid+"/assignments", map[string]any{"year": YearOf(time.Now()), "scope": "townships",
		"township_ids": []int64{f.county.Townships[1]}, "due_date": fmt.Sprintf("%d-12-31", YearOf(time.Now()))})
	if st != 201 {
		t.Fatalf("assign: %d %s", st, body)
	}
	if st, body := f.admin.JSON("POST", "/api/v1/courses/"+cid+"/assignments", map[string]any{"year": 2026, "scope": "townships", "township_ids": []int64{99999999}, "due_date": "2026-12-31"}); st != 422 {
		t.Fatalf("unknown township: %d %s", st, body)
	}
	other := webtest.AsUser(t, f.srv, f.county.Secretaries[1][0])
	_, body = other.JSON("GET", "/api/v1/courses/"+cid, nil)
	webtest.Decode(t, body, &detail)
	if !detail.Course.Required {
		t.Fatalf("township 1 secretary should see it required: %s", body)
	}
	_, body = f.sec.JSON("GET", "/api/v1/courses/"+cid, nil)
	webtest.Decode(t, body, &detail)
	if detail.Course.Required {
		t.Fatal("township 0 secretary should not")
	}
	if st, _ := f.admin.JSON("DELETE", "/api/v1/lessons/"+id(lids[1]), nil); st != 204 {
		t.Fatal("delete lesson")
	}
	if st, body := f.admin.JSON("PUT", "/api/v1/course-years/2027", map[string]any{"target_hours": 40, "minutes_per_hour": 60}); st != 200 {
		t.Fatalf("year: %d %s", st, body)
	}
	_, body = f.sec.JSON("GET", "/api/v1/me/study?year=2027", nil)
	if !strings.Contains(string(body), `"target_hours":40`) {
		t.Fatalf("study summary: %s", body)
	}
	if st, _ := f.sec.JSON("GET", "/api/v1/me/study?year=abc", nil); st != 422 {
		t.Fatal("bad year")
	}
	st, body = f.admin.JSON("POST", "/api/v1/markdown/preview", map[string]any{"markdown": "[x](javascript:alert(1)) <img src=x onerror=alert(1)>"})
	if st != 200 || strings.Contains(string(body), "javascript") || strings.Contains(string(body), "onerror") {
		t.Fatalf("preview: %s", body)
	}
}

func TestAttachments(t *testing.T) {
	f := setup(t)
	l := id(f.lessons[0])
	pdf := []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n")
	st, body := f.admin.Upload("/api/v1/lessons/"+l+"/attachments", "发展党员工作细则.pdf", pdf, nil)
	if st != 201 {
		t.Fatalf("upload: %d %s", st, body)
	}
	var r struct{ Attachment struct{ ID int64 } }
	webtest.Decode(t, body, &r)
	if st, body := f.admin.Upload("/api/v1/lessons/"+l+"/attachments", "x.pdf", []byte("<html>not pdf"), nil); st != 422 || !strings.Contains(string(body), "PDF") {
		t.Fatalf("non-PDF: %d %s", st, body)
	}
	big := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0"), MaxAttachment)...)
	if st, body := f.admin.Upload("/api/v1/lessons/"+l+"/attachments", "big.pdf", big, nil); st != 413 || !strings.Contains(string(body), "50 MB") {
		t.Fatalf("oversized: %d %s", st, body[:min(len(body), 200)])
	}
	if st, _ := f.admin.Upload("/api/v1/lessons/99999999/attachments", "x.pdf", pdf, nil); st != 404 {
		t.Fatal("unknown lesson")
	}
	if st, _ := f.sec.Upload("/api/v1/lessons/"+l+"/attachments", "x.pdf", pdf, nil); st != 403 {
		t.Fatal("secretary upload")
	}
	resp := f.sec.Do("GET", "/attachments/"+id(r.Attachment.ID), nil, "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !strings.Contains(resp.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
		t.Fatalf("download: %d %v", resp.StatusCode, resp.Header)
	}
	var n int
	testdb.Get(t, testdb.DB(t), &n, `SELECT count(*) FROM lesson_attachments WHERE lesson_id = $1`, f.lessons[0])
	if n != 1 {
		t.Fatalf("refused uploads were stored: %d", n)
	}
	if st, _ := f.admin.JSON("DELETE", "/api/v1/attachments/"+id(r.Attachment.ID), nil); st != 204 {
		t.Fatal("delete attachment")
	}
}

func TestOversightScope(t *testing.T) {
	f := setup(t)
	c := id(f.course)
	var out struct{ Learners []Learner }
	st, body := f.org.JSON("GET", "/api/v1/courses/"+c+"/progress", nil)
	webtest.Decode(t, body, &out)
	if st != 200 || len(out.Learners) != 4 {
		t.Fatalf("organizer sees own township's 4 secretaries: %d %s", st, body)
	}
	for _, l := range out.Learners {
		if l.Township == "" || l.BranchID != f.county.Branches[0][0] && l.BranchID != f.county.Branches[0][1] {
			t.Fatalf("foreign learner %+v", l)
		}
	}
	if st, _ := f.org.JSON("GET", "/api/v1/courses/"+c+"/progress?branch="+id(f.county.Branches[1][0]), nil); st != 404 {
		t.Fatal("organizer asking another township's branch must get 404")
	}
	if st, _ := f.org.JSON("GET", "/api/v1/courses/"+c+"/progress?township="+id(f.county.Townships[1]), nil); st != 404 {
		t.Fatal("organizer asking another township must get 404")
	}
	_, body = f.org.JSON("GET", "/api/v1/courses/"+c+"/progress?branch="+id(f.county.Branches[0][1]), nil)
	webtest.Decode(t, body, &out)
	if len(out.Learners) != 2 {
		t.Fatalf("branch filter: %s", body)
	}
	_, body = f.admin.JSON("GET", "/api/v1/courses/"+c+"/progress?township="+id(f.county.Townships[1]), nil)
	webtest.Decode(t, body, &out)
	if len(out.Learners) != 4 || out.Learners[0].Township == "" {
		t.Fatalf("admin township filter: %s", body)
	}
	if st, _ := f.org.JSON("GET", "/api/v1/courses/99999999/progress", nil); st != 404 {
		t.Fatal("unknown course")
	}
	st, page := f.org.Get("/admin/courses/" + c + "/progress?status=behind")
	if st != 200 || strings.Contains(page, "编辑") && strings.Contains(page, "/edit") {
		t.Fatalf("organizer progress page: %d", st)
	}
}

func TestHeartbeatAndHomeCards(t *testing.T) {
	f := setup(t)
	year := YearOf(time.Now())
	db := testdb.DB(t)
	// Make the fixture course required for everyone this year.
	assign(t, db, Assignment{CourseID: f.course, Year: year, Scope: "all", DueDate: time.Now().AddDate(0, 1, 0)})
	// Other tests' courses share the database: compare with the state before.
	var title string
	testdb.Get(t, db, &title, `SELECT title FROM courses WHERE id = $1`, f.course)
	h := &handlers{store: NewStore(db, f.deps), srv: f.srv, deps: f.deps}
	cards, err := h.homeCards(t.Context(), &web.Identity{UserID: f.county.Secretaries[0][0], Role: web.RoleSecretary})
	if err != nil || len(cards) < 2 || !strings.HasPrefix(cards[0].Big, "0 / ") || !strings.Contains(strings.Join(cards[1].Lines, "|")+cards[1].LinkText, title) &&
		!strings.Contains(strings.Join(cards[1].Lines, "|"), "…… 共") {
		t.Fatalf("secretary cards: %+v %v", cards, err)
	}
	var s0 StudySummary
	_, body0 := f.sec.JSON("GET", "/api/v1/me/study", nil)
	webtest.Decode(t, body0, &s0)
	for _, l := range f.lessons {
		p := "/api/v1/lessons/" + id(l) + "/heartbeat"
		if st, body := f.sec.JSON("POST", p, map[string]any{"resume": true}); st != 200 {
			t.Fatalf("%d %s", st, body)
		}
		f.clock.Advance(2 * time.Second)
		st, body := f.sec.JSON("POST", p, map[string]any{"reached_end": true, "elapsed": 1})
		if st != 200 || !strings.Contains(string(body), `"lesson_completed":true`) {
			t.Fatalf("lesson: %d %s", st, body)
		}
	}
	f.clock.Advance(time.Second)
	st, body := f.sec.JSON("POST", "/api/v1/lessons/"+id(f.lessons[1])+"/heartbeat", map[string]any{"elapsed": 3600})
	if st != 422 || webtest.ErrorCode(body) != "impossible_time" {
		t.Fatalf("impossible: %d %s", st, body)
	}
	if st, _ := f.sec.JSON("POST", "/api/v1/lessons/"+id(f.draftLess[0])+"/heartbeat", nil); st != 404 {
		t.Fatal("draft heartbeat")
	}
	if st, _ := f.sec.JSON("POST", "/api/v1/lessons/abc/heartbeat", nil); st != 404 {
		t.Fatal("forged id")
	}
	if st, _ := f.sec.Do("POST", "/api/v1/lessons/"+id(f.lessons[0])+"/heartbeat", strings.NewReader("{bad"), "application/json").StatusCode, 0; st != 400 {
		t.Fatalf("bad json: %d", st)
	}
	_, body = f.sec.JSON("GET", "/api/v1/me/study", nil)
	var s StudySummary
	webtest.Decode(t, body, &s)
	if s.HoursEarned != 2 || s.RequiredDue != s0.RequiredDue-1 {
		t.Fatalf("summary after completion: %s (before %+v)", body, s0)
	}
	cards = homeCards(t, h, &web.Identity{UserID: f.county.Secretaries[0][0], Role: web.RoleSecretary})
	if !strings.HasPrefix(cards[0].Big, "2 / ") || strings.Contains(strings.Join(cards[1].Lines, "|"), title) {
		t.Fatalf("cards after: %+v", cards)
	}
	org := homeCards(t, h, &web.Identity{UserID: f.county.Organizers[0], Role: web.RoleOrganizer, TownshipID: f.county.Townships[0]})
	if len(org) != 1 || !strings.Contains(strings.Join(org[0].Lines, "|"), title+"：1 / 4 人完成") {
		t.Fatalf("organizer card (1 of 4 done): %+v", org)
	}
	org2 := homeCards(t, h, &web.Identity{UserID: f.county.Organizers[1], Role: web.RoleOrganizer, TownshipID: f.county.Townships[1]})
	if !strings.Contains(strings.Join(org2[0].Lines, "|"), title+"：0 / 4 人完成") {
		t.Fatalf("organizer 2 card: %+v", org2)
	}
}

func TestAdminForms(t *testing.T) {
	f := setup(t)
	title := testdb.Unique("表单课程")
	resp := f.admin.Form("POST", "/admin/courses", url.Values{"title": {title}, "category": {"实务"}, "credit_hours": {"2"}})
	if resp.StatusCode != 303 {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	if resp := f.admin.Form("POST", "/admin/courses", url.Values{"title": {""}, "category": {"x"}}); resp.StatusCode != 422 {
		t.Fatalf("invalid form: %d", resp.StatusCode)
	}
	cid := strings.TrimSuffix(strings.TrimPrefix(loc, "/admin/courses/"), "/edit")
	if resp := f.admin.Form("POST", "/admin/courses/"+cid+"/publish", url.Values{"published": {"1"}}); resp.StatusCode != 422 {
		t.Fatalf("publish empty: %d", resp.StatusCode)
	}
	resp = f.admin.Form("POST", "/admin/courses/"+cid+"/lessons", url.Values{"title": {"第一课"}, "min_minutes": {"1"}})
	if resp.StatusCode != 303 {
		t.Fatalf("lesson: %d", resp.StatusCode)
	}
	lessonEdit := resp.Header.Get("Location")
	lid := strings.TrimSuffix(strings.TrimPrefix(lessonEdit, "/admin/lessons/"), "/edit")
	if resp := f.admin.Form("POST", "/admin/lessons/"+lid, url.Values{"title": {"第一课"}, "body_markdown": {"## 小标题\n正文"}, "min_minutes": {"0.5"}}); resp.StatusCode != 303 {
		t.Fatalf("save lesson: %d", resp.StatusCode)
	}
	if st, page := f.admin.Get(lessonEdit); st != 200 || !strings.Contains(page, "<h2>小标题</h2>") {
		t.Fatalf("lesson edit page preview: %d", st)
	} else if !strings.Contains(page, "正文（支持加粗、列表等格式）") || !strings.Contains(page, "<details") || strings.Contains(page, "Markdown") {
		t.Fatal("lesson editor: the body's label should name the formats, with examples, and no jargon")
	} else if !strings.Contains(page, `value="0.5"`) {
		t.Fatal("lesson editor: the minimum time is edited in minutes")
	}
	// 2 学时 for half a minute of study: publishing waits for the reason.
	if resp := f.admin.Form("POST", "/admin/courses/"+cid+"/publish", url.Values{"published": {"1"}}); resp.StatusCode != 422 {
		t.Fatalf("publish without the reason for 2 学时: %d", resp.StatusCode)
	}
	if resp := f.admin.Form("POST", "/admin/courses/"+cid, url.Values{"title": {title}, "category": {"实务"}, "credit_hours": {"2"},
		"credit_reason": {"含支部研讨"}}); resp.StatusCode != 303 {
		t.Fatalf("save the reason: %d", resp.StatusCode)
	}
	if resp := f.admin.Form("POST", "/admin/courses/"+cid+"/publish", url.Values{"published": {"1"}}); resp.StatusCode != 303 {
		t.Fatalf("publish: %d", resp.StatusCode)
	}
	v := url.Values{"year": {fmt.Sprint(YearOf(time.Now()))}, "scope": {"kinds"}, "branch_kinds": {"农村", "社区"}, "due_date": {fmt.Sprintf("%d-12-31", YearOf(time.Now()))}}
	if resp := f.admin.Form("POST", "/admin/courses/"+cid+"/assignments", v); resp.StatusCode != 303 {
		t.Fatalf("assign: %d", resp.StatusCode)
	}
	if resp := f.admin.Form("POST", "/admin/courses/"+cid+"/assignments", url.Values{"scope": {"all"}}); resp.StatusCode != 422 {
		t.Fatalf("bad assign: %d", resp.StatusCode)
	}
	if st, page := f.admin.Get("/admin/courses/" + cid + "/edit"); st != 200 || !strings.Contains(page, "农村、社区党支部") {
		t.Fatalf("edit page: %d", st)
	} else if !strings.Contains(page, "最短学习 0.5 分钟") {
		t.Fatal("course edit page: lesson minimum time not shown in minutes")
	}
	if resp := f.admin.Form("POST", "/admin/course-years", url.Values{"year": {"2030"}, "target_hours": {"48"}, "minutes_per_hour": {"45"}}); resp.StatusCode != 303 {
		t.Fatalf("year: %d", resp.StatusCode)
	}
	if resp := f.admin.Form("POST", "/admin/course-years", url.Values{"year": {"2030"}, "target_hours": {"-1"}, "minutes_per_hour": {"45"}}); resp.StatusCode != 422 {
		t.Fatalf("bad year: %d", resp.StatusCode)
	}
	if resp := f.admin.Form("POST", "/admin/lessons/"+lid+"/move", url.Values{"dir": {"up"}}); resp.StatusCode != 303 {
		t.Fatalf("move: %d", resp.StatusCode)
	}
	if st, body := f.admin.Upload("/admin/lessons/"+lid+"/attachments", "a.txt", []byte("hello"), map[string]string{"_csrf": f.admin.CSRF}); st != 422 || !strings.Contains(string(body), "PDF") {
		t.Fatalf("form upload non-PDF: %d", st)
	}
	db := testdb.DB(t)
	var aid int64
	testdb.Get(t, db, &aid, `SELECT max(id) FROM course_assignments WHERE course_id = $1`, cid)
	if resp := f.admin.Form("POST", "/admin/assignments/"+id(aid)+"/delete", nil); resp.StatusCode != 303 {
		t.Fatalf("delete assignment: %d", resp.StatusCode)
	}
	if resp := f.admin.Form("POST", "/admin/assignments/"+id(aid)+"/delete", nil); resp.StatusCode != 404 {
		t.Fatalf("delete assignment twice: %d", resp.StatusCode)
	}
	if st, _ := f.admin.Upload("/admin/lessons/"+lid+"/attachments", "细则.pdf", []byte("%PDF-1.4\n%%EOF\n"), map[string]string{"_csrf": f.admin.CSRF}); st != 303 {
		t.Fatalf("form upload: %d", st)
	}
	var att int64
	testdb.Get(t, db, &att, `SELECT max(id) FROM lesson_attachments WHERE lesson_id = $1`, lid)
	if st, page := f.admin.Get(lessonEdit); st != 200 || !strings.Contains(page, "细则.pdf") {
		t.Fatalf("attachment listed: %d", st)
	} else if !strings.Contains(page, "1 KB") || strings.Contains(page, "字节") {
		t.Fatal("attachment size not shown in KB")
	}
	if resp := f.admin.Form("POST", "/admin/attachments/"+id(att)+"/delete", nil); resp.StatusCode != 303 {
		t.Fatalf("delete attachment: %d", resp.StatusCode)
	}
	if resp := f.admin.Form("POST", "/admin/courses/"+cid, url.Values{"title": {title + "改"}, "category": {"理论"}, "credit_hours": {"abc"}}); resp.StatusCode != 422 {
		t.Fatalf("bad hours: %d", resp.StatusCode)
	}
	if resp := f.admin.Form("POST", "/admin/courses/"+cid, url.Values{"title": {title + "改"}, "category": {"理论"}, "credit_hours": {"3"},
		"credit_reason": {"含支部研讨"}}); resp.StatusCode != 303 {
		t.Fatalf("save course: %d", resp.StatusCode)
	}
	if resp := f.admin.Form("POST", "/admin/lessons/"+lid+"/delete", nil); resp.StatusCode != 303 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if st, page := f.sec.Get("/courses"); st != 200 || !strings.Contains(page, "学时") {
		t.Fatalf("list page: %d", st)
	}
}

// Without JavaScript the lesson page still says how long the lesson takes and how much is
// left, and warns that leaving now does not complete it; once complete, it says so.
func TestLessonPageCountdown(t *testing.T) {
	f := setup(t)
	db := testdb.DB(t)
	_, ls := makeCourse(t, db, 1, 300, 1)
	page := "/lessons/" + id(ls[0])
	get := func() string {
		t.Helper()
		st, body := f.sec.Get(page)
		if st != 200 {
			t.Fatalf("lesson page: %d", st)
		}
		return body
	}
	body := get()
	for _, want := range []string{"最短学习 5 分钟", "还需学习 5 分钟，本课时才算完成", "现在离开，本课时还不算完成：还需再学习 5 分钟，并读到末尾"} {
		if !strings.Contains(body, want) {
			t.Errorf("fresh lesson page lacks %q", want)
		}
	}
	beat := func(in map[string]any) {
		t.Helper()
		if st, b := f.sec.JSON("POST", "/api/v1/lessons/"+id(ls[0])+"/heartbeat", in); st != 200 {
			t.Fatalf("beat: %d %s", st, b)
		}
	}
	beat(map[string]any{"resume": true})
	f.clock.Advance(20 * time.Second)
	beat(map[string]any{"elapsed": 20})
	if body := get(); !strings.Contains(body, "还需学习 4 分 40 秒，本课时才算完成") {
		t.Error("countdown after 20 s of study not shown")
	}
	for i := 0; i < 14; i++ { // 20 s + 14 × 20 s = 300 s, without the end
		f.clock.Advance(20 * time.Second)
		beat(map[string]any{"elapsed": 20})
	}
	if body := get(); !strings.Contains(body, "学习时长已够，读到末尾本课时即完成") || !strings.Contains(body, "现在离开，本课时还不算完成：还需读到本课时末尾") {
		t.Error("time enough but the end not reached: the page should ask for the end")
	}
	f.clock.Advance(time.Second)
	beat(map[string]any{"elapsed": 1, "reached_end": true})
	body = get()
	if !strings.Contains(body, "本课时已完成") || strings.Contains(body, "还需学习") || strings.Contains(body, "现在离开") {
		t.Error("completed lesson should say 本课时已完成 and nothing about leaving")
	}
}
