package exams

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"zhibu/app/accounts"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// Staff side of exams: drafts, publishing, editing after the start, the form keeping
// what was typed, oversight and bank at county scale, import status parity.

func draftExam(t *testing.T, e *env, mod func(*ExamInput)) int64 {
	t.Helper()
	return e.exam(t, func(in *ExamInput) {
		in.Draft = true
		if mod != nil {
			mod(in)
		}
	})
}

func TestDraftInvisibleToCandidates(t *testing.T) {
	e := newEnv(t)
	admin := webtest.AsUser(t, e.srv, e.county.Admin)
	sec := webtest.AsUser(t, e.srv, e.county.Secretaries[0][0])
	org := webtest.AsUser(t, e.srv, e.county.Organizers[0])
	title := testdb.Unique("草稿考试")
	id := draftExam(t, e, func(in *ExamInput) { in.Title = title })

	// The API answers the draft state; a create without "draft" is published (compatible).
	pub := e.exam(t, nil)
	var state struct {
		Draft       bool       `json:"draft"`
		PublishedAt *time.Time `json:"published_at"`
	}
	st, body := admin.JSON("PUT", fmt.Sprintf("/api/v1/exams/%d", id), ExamInput{Title: title, OpensAt: time.Now().Add(-time.Hour).Format(time.RFC3339),
		ClosesAt: time.Now().Add(24 * time.Hour).Format(time.RFC3339), DurationMinutes: 60, PassScore: 6,
		Rules: []Rule{{Kind: KindSingle, Category: e.cat, Count: 10, Points: 1}}})
	webtest.Decode(t, body, &state)
	if st != 200 || !state.Draft || state.PublishedAt != nil {
		t.Fatalf("PUT keeps the draft: %d %s", st, body)
	}

	// Candidates: not listed, not startable, no home card, not counted, not in the view.
	if _, list := sec.Get("/exams"); strings.Contains(list, title) {
		t.Fatal("draft on the candidate list page")
	}
	if st, body := sec.JSON("GET", "/api/v1/exams", nil); st != 200 || strings.Contains(string(body), title) ||
		!strings.Contains(string(body), fmt.Sprintf(`"id":%d`, pub)) {
		t.Fatalf("API list: %d %s", st, body)
	}
	st, body = sec.JSON("POST", fmt.Sprintf("/api/v1/exams/%d/attempts", id), nil)
	if st != 404 || !strings.Contains(string(body), "找不到") {
		t.Fatalf("start a draft: %d %s", st, body)
	}
	if resp := sec.Form("POST", fmt.Sprintf("/exams/%d/start", id), nil); resp.StatusCode != 404 {
		t.Fatalf("start page of a draft: %d", resp.StatusCode)
	}
	cards, err := e.srv.HomeCards(context.Background(), &web.Identity{UserID: e.county.Secretaries[0][0], Role: web.RoleSecretary, TownshipID: e.county.Townships[0]})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cards {
		if strings.Contains(c.Title+strings.Join(c.Lines, ""), title) {
			t.Fatalf("draft on the home card: %+v", c)
		}
	}
	staffCards, err := e.srv.HomeCards(context.Background(), &web.Identity{UserID: e.county.Admin, Role: web.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range staffCards {
		if strings.Contains(strings.Join(c.Lines, ""), title) {
			t.Fatalf("draft on the staff card: %+v", c)
		}
	}
	var n int
	testdb.Get(t, e.db, &n, `SELECT count(*) FROM exam_candidates WHERE exam_id = $1`, id)
	if n != 0 {
		t.Fatalf("draft has %d candidates in the view", n)
	}
	var ex Exam
	testdb.Get(t, e.db, &ex, `SELECT `+examCols+` FROM exams e WHERE e.id = $1`, id)
	if IsCandidate(&ex, CandidateFacts{Role: web.RoleSecretary, Active: true, TownshipID: e.county.Townships[0]}) {
		t.Fatal("IsCandidate admits a draft")
	}
	// Staff: the organizer does not see it; the admin sees the preview of the paper.
	if st, _ := org.Get(fmt.Sprintf("/admin/exams/%d", id)); st != 404 {
		t.Fatalf("organizer on a draft: %d", st)
	}
	if _, list := org.Get("/admin/exams"); strings.Contains(list, title) {
		t.Fatal("draft on the organizer's list")
	}
	st, page := admin.Get(fmt.Sprintf("/admin/exams/%d", id))
	for _, want := range []string{"草稿", "共 10 题，满分 10 分", "6 分及格，占满分 10 分的 60%", "够用", "发布考试"} {
		if st != 200 || !strings.Contains(page, want) {
			t.Fatalf("draft page lacks %q: %d %s", want, st, page)
		}
	}
	if _, list := admin.Get("/admin/exams"); !strings.Contains(list, title) {
		t.Fatal("draft missing on the admin list")
	}

	// Publish: the confirmation says what happens; the POST publishes.
	st, page = admin.Get(fmt.Sprintf("/admin/exams/%d/publish", id))
	for _, want := range []string{"确定发布考试「" + title + "」吗？", "名支部书记从", "就不能再修改", "确定发布", "不，返回草稿"} {
		if st != 200 || !strings.Contains(page, want) {
			t.Fatalf("confirm page lacks %q: %d %s", want, st, page)
		}
	}
	var still int
	testdb.Get(t, e.db, &still, `SELECT count(*) FROM exams WHERE id = $1 AND published_at IS NULL`, id)
	if still != 1 {
		t.Fatal("GET of the confirmation published the exam")
	}
	if resp := org.Form("POST", fmt.Sprintf("/admin/exams/%d/publish", id), nil); resp.StatusCode != 403 {
		t.Fatalf("organizer publishes: %d", resp.StatusCode)
	}
	resp := admin.Form("POST", fmt.Sprintf("/admin/exams/%d/publish", id), nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d", resp.StatusCode)
	}
	if _, list := sec.Get("/exams"); !strings.Contains(list, title) {
		t.Fatal("published exam missing for the candidate")
	}
	start(t, sec, id, 201)
	// The API: create a draft, publish it.
	api := draftExam(t, e, nil)
	st, body = admin.JSON("POST", fmt.Sprintf("/api/v1/exams/%d/publish", api), nil)
	webtest.Decode(t, body, &state)
	if st != 200 || state.Draft || state.PublishedAt == nil {
		t.Fatalf("API publish: %d %s", st, body)
	}
}

func TestEditAfterStart(t *testing.T) {
	e := newEnv(t)
	admin := webtest.AsUser(t, e.srv, e.county.Admin)
	sec := webtest.AsUser(t, e.srv, e.county.Secretaries[0][0])
	base := ExamInput{Title: testdb.Unique("考试"), OpensAt: time.Now().Add(-time.Hour).Format(time.RFC3339),
		ClosesAt: time.Now().Add(24 * time.Hour).Format(time.RFC3339), DurationMinutes: 60, PassScore: 6, ReviewPolicy: ReviewImmediate,
		Rules: []Rule{{Kind: KindSingle, Category: e.cat, Count: 5, Points: 1}, {Kind: KindJudge, Category: e.cat, Count: 5, Points: 1}}}
	id := e.exam(t, func(in *ExamInput) { *in = base })
	path := fmt.Sprintf("/api/v1/exams/%d", id)
	// Before anyone started, a published exam may still change everything.
	changed := base
	changed.Rules = []Rule{{Kind: KindSingle, Category: e.cat, Count: 6, Points: 1}, {Kind: KindJudge, Category: e.cat, Count: 4, Points: 1}}
	if st, body := admin.JSON("PUT", path, changed); st != 200 {
		t.Fatalf("change before start: %d %s", st, body)
	}
	start(t, sec, id, 201)
	// After the start: rules, points and pass score are locked, in the store.
	locked := changed
	locked.Rules = []Rule{{Kind: KindSingle, Category: e.cat, Count: 5, Points: 2}, {Kind: KindJudge, Category: e.cat, Count: 4, Points: 1}}
	st, body := admin.JSON("PUT", path, locked)
	if st != 409 || webtest.ErrorCode(body) != "exam_started" || !strings.Contains(string(body), "抽题规则和分值") {
		t.Fatalf("rules after start: %d %s", st, body)
	}
	pass := changed
	pass.PassScore = 1
	if st, body := admin.JSON("PUT", path, pass); st != 409 || !strings.Contains(string(body), "及格分") {
		t.Fatalf("pass score after start: %d %s", st, body)
	}
	if _, err := e.store().SaveExam(context.Background(), id, locked, e.county.Admin); err == nil {
		t.Fatal("the store let the rules change after the start")
	}
	// What stays safe: title, description, a later close, more attempts.
	safe := changed
	safe.Title, safe.Description, safe.AttemptsAllowed = base.Title+"（补充）", "新的说明", 3
	safe.ClosesAt = time.Now().Add(48 * time.Hour).Format(time.RFC3339)
	if st, body := admin.JSON("PUT", path, safe); st != 200 {
		t.Fatalf("safe change after start: %d %s", st, body)
	}
	earlier := safe
	earlier.ClosesAt = time.Now().Add(2 * time.Hour).Format(time.RFC3339)
	if st, body := admin.JSON("PUT", path, earlier); st != 409 {
		t.Fatalf("closing earlier after start: %d %s", st, body)
	}
	// The edit page: locked fields shown, not editable; its POST keeps them.
	st, page := admin.Get(fmt.Sprintf("/admin/exams/%d/edit", id))
	if st != 200 || !strings.Contains(page, `id="locked-note"`) || strings.Contains(page, `name="count0"`) || strings.Contains(page, `name="pass_score"`) {
		t.Fatalf("edit page after start: %d %s", st, page)
	}
	resp := admin.Form("POST", fmt.Sprintf("/admin/exams/%d/edit", id), url.Values{"title": {"页面改名"}, "description": {""},
		"closes_at": {time.Now().Add(72 * time.Hour).In(web.China).Format("2006-01-02T15:04")}, "attempts_allowed": {"3"},
		"count0": {"50"}, "points0": {"9"}, "pass_score": {"0"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit page POST: %d", resp.StatusCode)
	}
	ex, err := e.store().StaffExam(context.Background(), id, web.Scope{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Title != "页面改名" || ex.PassScore != 6 || !sameRules(ex.Rules, changed.Rules) {
		t.Fatalf("after the page edit: %+v", ex)
	}
}

// elements counts the HTML elements of a page.
var elementRe = regexp.MustCompile(`<[a-zA-Z]`)

func checkSize(t *testing.T, what, page string) (int, int) {
	t.Helper()
	n := len(elementRe.FindAllStringIndex(page, -1))
	if len(page) > 100*1024 || n > 2000 {
		t.Errorf("%s: %d bytes, %d elements (limits 100 KB, 2,000)", what, len(page), n)
	}
	t.Logf("%s: %d bytes, %d elements", what, len(page), n)
	return len(page), n
}

func TestExamFormKeepsValues(t *testing.T) {
	e := newEnv(t)
	admin := webtest.AsUser(t, e.srv, e.county.Admin)
	form := url.Values{"title": {"保留考试"}, "description": {"说明文字"}, "opens_at": {"2026-03-01T08:00"}, "closes_at": {"2026-03-10T18:30"},
		"duration_minutes": {"45"}, "pass_score": {"7.5"}, "attempts_allowed": {"3"}, "multi_rule": {"half"}, "review_policy": {"score_only"},
		"kind0": {"judge"}, "category0": {e.cat}, "count0": {"4"}, "points0": {"1.5"},
		"kind1": {"multiple"}, "category1": {e.cat}, "tag1": {"标签乙"}, "count1": {"999"}, "points1": {"2"},
		"kind2": {"single"}, "category2": {e.cat}, "count2": {"3"}, "points2": {"1"},
		"township_id": {fmt.Sprint(e.county.Townships[1])}}
	resp := admin.Form("POST", "/admin/exams/new", form)
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(raw)
	if resp.StatusCode != 422 {
		t.Fatalf("one error → %d", resp.StatusCode)
	}
	for _, want := range []string{`value="保留考试"`, `value="说明文字"`, `value="2026-03-01T08:00"`, `value="2026-03-10T18:30"`,
		`id="duration_minutes" name="duration_minutes" value="45"`, `value="7.5"`, `id="attempts_allowed" name="attempts_allowed" value="3"`,
		`<option value="half" selected>`, `<option value="score_only" selected>`,
		`<option value="judge" selected>`, `name="count0" value="4"`, `name="points0" value="1.5"`,
		`name="tag1" value="标签乙"`, `name="count1" value="999"`, `name="count2" value="3"`,
		fmt.Sprintf(`value="%d" checked`, e.county.Townships[1]),
		`id="rule1-error">题目数量应在 1 到 200 之间`} {
		if !strings.Contains(page, want) {
			t.Errorf("form after the error lacks %s", want)
		}
	}
	if strings.Contains(page, `id="rule0-error"`) || strings.Contains(page, "300") {
		t.Errorf("stray error or the old limit: %s", page)
	}
	// One limit: the hint and the max attribute say what the validator says.
	if !strings.Contains(page, fmt.Sprintf("每张试卷最多 %d 题", MaxPaperQuestions)) || !strings.Contains(page, fmt.Sprintf(`max="%d"`, MaxPaperQuestions)) {
		t.Error("the form's hint or max attribute differs from MaxPaperQuestions")
	}
	if errs := ValidateRules([]Rule{{Kind: KindSingle, Count: MaxPaperQuestions + 1, Points: 1}}); errs["rules[0]"] == "" || errs["rules"] == "" {
		t.Errorf("validator: %v", errs)
	}
	if errs := ValidateRules([]Rule{{Kind: KindSingle, Count: MaxPaperQuestions, Points: 1}}); len(errs) != 0 {
		t.Errorf("validator refuses the limit itself: %v", errs)
	}
}

// bigCounty adds n secretaries over the env's two townships, spread over 60 branches
// each, in one statement.
func bigCounty(t *testing.T, e *env, n int) {
	t.Helper()
	tag := testdb.Unique("b")
	for i, tid := range e.county.Townships {
		testdb.Exec(t, e.db, `INSERT INTO branches (township_id, name, kind) SELECT $1, $2 || '第' || g || '支部', '农村' FROM generate_series(1, 60) g`,
			tid, fmt.Sprintf("%s镇%d", tag, i))
	}
	testdb.Exec(t, e.db, `INSERT INTO users (username, phone, name, role, township_id, branch_id, password_hash)
		SELECT $1 || g, '16' || lpad((($3::bigint % 1000) * 1000000 + g)::text, 9, '0'), '书记' || g, 'secretary', b.township_id, b.id, 'x'
		FROM generate_series(1, $2) g
		JOIN LATERAL (SELECT id, township_id FROM branches WHERE name LIKE $1 || '%' ORDER BY id OFFSET (g % 120) LIMIT 1) b ON true`,
		tag, n, time.Now().UnixNano()/1000%1000)
}

func TestOversightPagingAndFilters(t *testing.T) {
	e := newEnv(t)
	bigCounty(t, e, 3000)
	id := e.exam(t, nil)
	admin := webtest.AsUser(t, e.srv, e.county.Admin)
	org := webtest.AsUser(t, e.srv, e.county.Organizers[0])
	// Statuses: one in progress, one passed-or-failed.
	start(t, webtest.AsUser(t, e.srv, e.county.Secretaries[0][0]), id, 201)
	done := webtest.AsUser(t, e.srv, e.county.Secretaries[0][1])
	a := start(t, done, id, 201)
	if st, body := done.JSON("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", a.ID), nil); st != 200 {
		t.Fatalf("submit: %d %s", st, body)
	}
	base := fmt.Sprintf("/admin/exams/%d", id)
	rows := func(page string) []string {
		return regexp.MustCompile(`data-user="(\d+)"`).FindAllString(page, -1)
	}
	count := func(page, id string) string {
		m := regexp.MustCompile(`id="` + id + `">(\d+)<`).FindStringSubmatch(page)
		if m == nil {
			return ""
		}
		return m[1]
	}
	st, p1 := admin.Get(base)
	if st != 200 || len(rows(p1)) != web.PageSize {
		t.Fatalf("page 1: %d, %d rows", st, len(rows(p1)))
	}
	checkSize(t, "oversight at 3,000 secretaries", p1)
	var all int
	testdb.Get(t, e.db, &all, `SELECT count(*) FROM exam_candidates WHERE exam_id = $1`, id)
	if count(p1, "count-all") != fmt.Sprint(all) {
		t.Fatalf("count on top %s, view %d", count(p1, "count-all"), all)
	}
	_, p2 := admin.Get(base + "?page=2")
	if len(rows(p2)) != web.PageSize || rows(p2)[0] == rows(p1)[0] {
		t.Fatal("page 2 repeats page 1")
	}
	if st, _ := admin.Get(base + "?page=abc"); st != 400 {
		t.Fatalf("bad page → %d", st)
	}
	if st, _ := admin.Get(base + "?status=xyz"); st != 400 {
		t.Fatalf("bad status → %d", st)
	}
	// Township filter (county): the counts follow it.
	var inB int
	testdb.Get(t, e.db, &inB, `SELECT count(*) FROM exam_candidates WHERE exam_id = $1 AND township_id = $2`, id, e.county.Townships[1])
	_, pb := admin.Get(fmt.Sprintf("%s?township=%d", base, e.county.Townships[1]))
	if count(pb, "count-all") != fmt.Sprint(inB) || strings.Contains(pb, fmt.Sprintf(`data-user="%d"`, e.county.Secretaries[0][0])) {
		t.Fatalf("township filter: count %s want %d", count(pb, "count-all"), inB)
	}
	// An organizer forging another township sees their own.
	var inA int
	testdb.Get(t, e.db, &inA, `SELECT count(*) FROM exam_candidates WHERE exam_id = $1 AND township_id = $2`, id, e.county.Townships[0])
	st, po := org.Get(fmt.Sprintf("%s?township=%d", base, e.county.Townships[1]))
	if st != 200 || count(po, "count-all") != fmt.Sprint(inA) {
		t.Fatalf("organizer forging ?township=: %d count %s want %d", st, count(po, "count-all"), inA)
	}
	for _, u := range e.county.Secretaries[1] {
		if strings.Contains(po, fmt.Sprintf(`data-user="%d"`, u)) {
			t.Fatal("organizer sees another township's secretary")
		}
	}
	var phoneA, phoneB string
	testdb.Get(t, e.db, &phoneA, `SELECT phone FROM users WHERE id = $1`, e.county.Secretaries[0][0])
	testdb.Get(t, e.db, &phoneB, `SELECT phone FROM users WHERE id = $1`, e.county.Secretaries[1][0])
	if got := rows(getOK(t, org, fmt.Sprintf("%s?township=%d&q=%s", base, e.county.Townships[1], phoneA))); len(got) != 1 {
		t.Fatalf("organizer's own secretary by phone: %v", got)
	}
	if got := rows(getOK(t, org, fmt.Sprintf("%s?township=%d&q=%s", base, e.county.Townships[1], phoneB))); len(got) != 0 {
		t.Fatalf("organizer finds another township's secretary: %v", got)
	}
	if strings.Contains(po, `id="township"`) {
		t.Fatal("organizer offered the township filter")
	}
	// Status filter: one in progress; the rows match the count.
	_, ps := admin.Get(base + "?status=in_progress")
	if got := rows(ps); len(got) != 1 || got[0] != fmt.Sprintf(`data-user="%d"`, e.county.Secretaries[0][0]) {
		t.Fatalf("status filter rows %v", got)
	}
	// Search by phone and by branch, then the branch filter.
	var phone, branch string
	testdb.Get(t, e.db, &phone, `SELECT phone FROM users WHERE id = $1`, e.county.Secretaries[0][1])
	if got := rows(getOK(t, admin, base+"?q="+phone)); len(got) != 1 {
		t.Fatalf("search by phone: %v", got)
	}
	testdb.Get(t, e.db, &branch, `SELECT b.name FROM users u JOIN branches b ON b.id = u.branch_id WHERE u.id = $1`, e.county.Secretaries[0][1])
	pbr := getOK(t, admin, fmt.Sprintf("%s?township=%d&branch=%s", base, e.county.Townships[0], url.QueryEscape(branch)))
	if got := rows(pbr); len(got) != 2 || !strings.Contains(pbr, `id="branch"`) {
		t.Fatalf("branch filter: %v", got)
	}
	_, list := admin.Get("/admin/exams")
	checkSize(t, "exam list", list)
}

func getOK(t *testing.T, cl *webtest.Client, path string) string {
	t.Helper()
	st, page := cl.Get(path)
	if st != 200 {
		t.Fatalf("GET %s → %d", path, st)
	}
	return page
}

func TestBankPagingAtScale(t *testing.T) {
	e := newEnv(t)
	cat := testdb.Unique("大题库")
	testdb.Exec(t, e.db, `INSERT INTO questions (kind, category, stem, options, answer)
		SELECT 'single', $1, $1 || '第' || g || '题：党支部应当如何组织好三会一课，并做好会议记录和归档工作？',
		       '["选项甲的内容比较长一些","选项乙的内容","选项丙的内容","选项丁的内容"]', 'B'
		FROM generate_series(1, 20000) g`, cat)
	admin := webtest.AsUser(t, e.srv, e.county.Admin)
	ids := func(page string) []string { return regexp.MustCompile(`data-id="(\d+)"`).FindAllString(page, -1) }
	p1 := getOK(t, admin, "/admin/questions")
	if len(ids(p1)) != web.PageSize {
		t.Fatalf("bank page 1: %d rows", len(ids(p1)))
	}
	checkSize(t, "bank at 20,000 questions", p1)
	p2 := getOK(t, admin, "/admin/questions?page=2")
	if ids(p2)[0] == ids(p1)[0] {
		t.Fatal("bank page 2 repeats page 1")
	}
	if st, _ := admin.Get("/admin/questions?page=0"); st != 400 {
		t.Fatalf("bad page → %d", st)
	}
	found := getOK(t, admin, "/admin/questions?q="+url.QueryEscape(cat+"第12345题"))
	if got := ids(found); len(got) != 1 || !strings.Contains(found, `id="count-active">1<`) {
		t.Fatalf("search: %v", got)
	}
	byCat := getOK(t, admin, "/admin/questions?category="+url.QueryEscape(e.cat)+"&kind=judge")
	if got := ids(byCat); len(got) != 15 {
		t.Fatalf("category and kind filter: %d rows", len(got))
	}
	testdb.Exec(t, e.db, `UPDATE questions SET retired = true WHERE category = $1 AND kind = 'judge' AND stem ~ '题 6[5-9]$'`, e.cat)
	retired := getOK(t, admin, "/admin/questions?category="+url.QueryEscape(e.cat)+"&kind=judge&retired=1")
	if got := ids(retired); len(got) != 5 || !strings.Contains(retired, `id="count-retired">5<`) || !strings.Contains(retired, `id="count-active">10<`) {
		t.Fatalf("retired filter: %d rows", len(got))
	}
}

func TestImportStatusParity(t *testing.T) {
	db := testdb.DB(t)
	srv := webtest.Server(t, db, web.Config{}, func(s *web.Server) error { return Mount(s, Deps{}) }, accounts.Mount)
	county := testdb.MakeCounty(t, db)
	admin := webtest.AsUser(t, srv, county.Admin)
	text := []byte("这不是表格")
	for _, path := range []string{"/admin/questions/import", "/api/v1/questions/import?dry_run=1", "/api/v1/questions/import",
		"/admin/roster/preview", "/api/v1/roster/import?dry_run=1", "/api/v1/roster/import"} {
		st, body := admin.Upload(path, "名单.txt", text, map[string]string{"_csrf": admin.CSRF})
		if st != 422 || !strings.Contains(string(body), "不是 Excel") {
			t.Errorf("non-xlsx to %s → %d %.200s", path, st, body)
		}
	}
	// The bank's preview shows the bad value with its row and column, like the roster's.
	bad := xlsx(t, [][]any{{"题型", "题干", "选项A", "选项B", "答案"}, {"单选", "好题", "甲", "乙", "A"}, {"单选", "坏题", "甲", "乙", "E"}, {"填空", "另一题", "", "", "A"}}, nil)
	st, pageB := admin.Upload("/admin/questions/import", "题库.xlsx", bad, map[string]string{"_csrf": admin.CSRF})
	page := string(pageB)
	for _, want := range []string{"第 3 行", "答案", "“E”", "第 4 行", "题型", "“填空”", "整个文件都不会导入"} {
		if st != 200 || !strings.Contains(page, want) {
			t.Errorf("bank preview lacks %q: %d", want, st)
		}
	}
}
