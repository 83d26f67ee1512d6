package exams

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"zhibu/app/settings"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

func TestCanRetake(t *testing.T) {
	now := time.Date(2025, 3, 10, 9, 0, 0, 0, web.China)
	opens, closes := now.Add(-time.Hour), now.Add(time.Hour)
	for _, c := range []struct {
		name            string
		used, allowed   int
		passed, setting bool
		now             time.Time
		ok              bool
		reason          string
	}{
		{"first attempt", 0, 2, false, false, now, true, ""},
		{"failed once, one left", 1, 2, false, false, now, true, ""},
		{"failed, all used", 2, 2, false, false, now, false, "次数已用完"},
		{"more used than allowed (allowance lowered)", 3, 2, false, false, now, false, "次数已用完"},
		{"passed, county forbids retake", 1, 3, true, false, now, false, "已通过，不需补考"},
		{"passed, county allows retake", 1, 3, true, true, now, true, ""},
		{"passed, county allows, none left", 3, 3, true, true, now, false, "次数已用完"},
		{"before opening", 0, 2, false, false, opens.Add(-time.Second), false, "考试尚未开始"},
		{"at opening", 0, 2, false, false, opens, true, ""},
		{"just before closing", 1, 2, false, false, closes.Add(-time.Second), true, ""},
		{"at closing", 1, 2, false, false, closes, false, "考试已截止"},
		{"after closing, passed", 1, 2, true, false, closes.Add(time.Minute), false, "考试已截止"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ok, reason := CanRetake(c.used, c.allowed, c.passed, c.setting, c.now, opens, closes)
			if ok != c.ok || reason != c.reason {
				t.Fatalf("CanRetake(used %d/%d, passed %v, setting %v) = %v %q, want %v %q",
					c.used, c.allowed, c.passed, c.setting, ok, reason, c.ok, c.reason)
			}
		})
	}
}

// retakeEnv is an env whose Deps read the county setting as app/features.go wires it;
// the setting is restored to its default (off) after the test.
func retakeEnv(t *testing.T) *env {
	t.Helper()
	db := testdb.DB(t)
	testdb.Exec(t, db, `UPDATE county_settings SET retake_after_pass = false`)
	t.Cleanup(func() { testdb.Exec(t, db, `UPDATE county_settings SET retake_after_pass = false`) })
	return newEnvWith(t, Deps{RetakeAfterPass: settings.NewStore(db).RetakeAfterPass})
}

// sit starts an attempt of the exam (201), answers every item right (or leaves it blank)
// and submits; options are not shuffled in these exams (correct: single B, multiple
// ACE, judge A).
func sit(t *testing.T, cl *webtest.Client, examID int64, right bool) attemptJSON {
	t.Helper()
	a := start(t, cl, examID, 201)
	if right {
		for _, it := range a.Items {
			ans := map[string][]string{KindSingle: {"B"}, KindMultiple: {"A", "C", "E"}, KindJudge: {"A"}}[it.Kind]
			if st, body := cl.JSON("PUT", fmt.Sprintf("/api/v1/attempts/%d/answers/%d", a.ID, it.Position), map[string]any{"answer": ans}); st != 200 {
				t.Fatalf("save: %d %s", st, body)
			}
		}
	}
	if st, body := cl.JSON("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", a.ID), nil); st != 200 {
		t.Fatalf("submit: %d %s", st, body)
	}
	return a
}

// retakeExam is an exam closing in a few minutes, so that it comes first among the
// candidate's open exams (the home shows the three closing soonest; the package's tests
// share one database).
func retakeExam(t *testing.T, e *env, attempts int) int64 {
	id := e.exam(t, func(in *ExamInput) { in.ShuffleOptions, in.AttemptsAllowed = new(bool), attempts })
	testdb.Exec(t, e.db, `UPDATE exams SET closes_at = now() + interval '3 minutes' WHERE id = $1`, id)
	return id
}

// After a pass, a new attempt is refused (409, Chinese) while the county setting
// 「通过后不可补考」 is on (the default) — by the API, the form and on every screen that
// offers it — and allowed when the county allows retakes after a pass.
func TestRetakeAfterPass(t *testing.T) {
	e := retakeEnv(t)
	examID := retakeExam(t, e, 3)
	user := e.county.Secretaries[0][0]
	cl := webtest.AsUser(t, e.srv, user)
	a := sit(t, cl, examID, true)
	var passed bool
	testdb.Get(t, e.db, &passed, `SELECT passed FROM attempts WHERE id = $1`, a.ID)
	if !passed {
		t.Fatal("all right should pass")
	}

	st, body := cl.JSON("POST", fmt.Sprintf("/api/v1/exams/%d/attempts", examID), nil)
	if st != 409 || webtest.ErrorCode(body) != "already_passed" || !strings.Contains(string(body), "通过") {
		t.Fatalf("start after a pass (setting off): %d %s", st, body)
	}
	resp := cl.Form("POST", fmt.Sprintf("/exams/%d/start", examID), nil)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 409 || !strings.Contains(string(page), "通过") || strings.Contains(string(page), "already_passed") {
		t.Fatalf("start form after a pass: %d %s", resp.StatusCode, page)
	}
	_, res := cl.Get(fmt.Sprintf("/exams/attempts/%d/result", a.ID))
	if !strings.Contains(res, "已通过，不需补考") || strings.Contains(res, "还可补考") || strings.Contains(res, `id="retake-btn"`) {
		t.Fatalf("result page after a pass (setting off) offers a retake or misses why not:\n%s", section(res, "retake"))
	}
	_, list := cl.Get("/exams")
	if !strings.Contains(list, "已通过，不需补考") || strings.Contains(list, fmt.Sprintf(`action="/exams/%d/start"`, examID)) {
		t.Fatalf("exams list after a pass (setting off):\n%s", list)
	}
	if c := examCard(t, e, user, examID); c.Accent {
		t.Fatalf("home card after a pass (setting off) is accented: %+v", c)
	}

	testdb.Exec(t, e.db, `UPDATE county_settings SET retake_after_pass = true`)
	_, res = cl.Get(fmt.Sprintf("/exams/attempts/%d/result", a.ID))
	if !strings.Contains(res, "还可补考 2 次") || !strings.Contains(res, `id="retake-btn"`) {
		t.Fatalf("result page after a pass (setting on):\n%s", section(res, "retake"))
	}
	if c := examCard(t, e, user, examID); !c.Accent || c.Due.IsZero() {
		t.Fatalf("home card after a pass (setting on): %+v", c)
	}
	b := start(t, cl, examID, 201)
	if b.ID == a.ID {
		t.Fatal("no new attempt")
	}
	// Resuming the attempt in progress is not a new attempt: allowed whatever the setting.
	testdb.Exec(t, e.db, `UPDATE county_settings SET retake_after_pass = false`)
	if r := start(t, cl, examID, 200); r.ID != b.ID {
		t.Fatalf("resume gave attempt %d, want %d", r.ID, b.ID)
	}
}

// closeExam moves the exam's window into the past, beyond the guard's grace.
func closeExam(t *testing.T, e *env, examID int64) {
	t.Helper()
	testdb.Exec(t, e.db, `UPDATE exams SET opens_at = now() - interval '2 hours', closes_at = now() - interval '1 minute' WHERE id = $1`, examID)
}

// section is the part of a page around the element with the id (for failure messages).
func section(page, id string) string {
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		return "(no #" + id + ")"
	}
	return page[i:min(len(page), i+600)]
}

// examCard is the candidate's home card of the exam.
func examCard(t *testing.T, e *env, userID, examID int64) web.Card {
	t.Helper()
	var title string
	testdb.Get(t, e.db, &title, `SELECT title FROM exams WHERE id = $1`, examID)
	var me web.Identity
	testdb.Get(t, e.db, &me, `SELECT id AS user_id, username, name, role, COALESCE(township_id, 0) AS township_id,
		COALESCE(branch_id, 0) AS branch_id, false AS must_change_password FROM users WHERE id = $1`, userID)
	h := &handlers{s: e.srv, st: e.store()}
	cards, err := h.homeCards(context.Background(), &me)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cards {
		if c.Title == "考试："+title {
			return c
		}
	}
	t.Fatalf("no exam card in %+v", cards)
	return web.Card{}
}

// A failed attempt with attempts left: the result page says 「还可补考 N 次」 with a 补考
// form to the start route, which opens a new attempt; with none left it says why.
func TestResultRetake(t *testing.T) {
	e := retakeEnv(t)
	examID := retakeExam(t, e, 2)
	user := e.county.Secretaries[1][0]
	cl := webtest.AsUser(t, e.srv, user)
	a := sit(t, cl, examID, false)
	st, res := cl.Get(fmt.Sprintf("/exams/attempts/%d/result", a.ID))
	if st != 200 || !strings.Contains(res, "还可补考 1 次") || !strings.Contains(res, fmt.Sprintf(`action="/exams/%d/start"`, examID)) ||
		!strings.Contains(res, `id="retake-btn"`) {
		t.Fatalf("result after a fail: %d\n%s", st, section(res, "retake"))
	}
	var closes time.Time
	testdb.Get(t, e.db, &closes, `SELECT closes_at FROM exams WHERE id = $1`, examID)
	if c := examCard(t, e, user, examID); !c.Accent || !c.Due.Equal(closes) {
		t.Fatalf("home card with a retake left: %+v (closes %v)", c, closes)
	}
	// Another candidate's result (staff) offers no retake.
	org := webtest.AsUser(t, e.srv, e.county.Organizers[1])
	if _, p := org.Get(fmt.Sprintf("/exams/attempts/%d/result", a.ID)); strings.Contains(p, `id="retake"`) {
		t.Fatal("the organizer sees a retake block on a secretary's result")
	}

	resp := cl.Form("POST", fmt.Sprintf("/exams/%d/start", examID), nil)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	var second int64
	testdb.Get(t, e.db, &second, `SELECT id FROM attempts WHERE exam_id = $1 AND user_id = $2 AND seq = 2`, examID, user)
	if resp.StatusCode != 303 || loc != fmt.Sprintf("/exams/attempts/%d", second) {
		t.Fatalf("补考 form: %d → %q (second attempt %d)", resp.StatusCode, loc, second)
	}
	// While the retake is in progress the first result offers to continue it.
	if _, res = cl.Get(fmt.Sprintf("/exams/attempts/%d/result", a.ID)); !strings.Contains(res, fmt.Sprintf(`href="/exams/attempts/%d"`, second)) {
		t.Fatalf("result during a retake:\n%s", section(res, "retake"))
	}
	if _, body := cl.JSON("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", second), nil); !strings.Contains(string(body), "finished") {
		t.Fatalf("submit: %s", body)
	}
	_, res = cl.Get(fmt.Sprintf("/exams/attempts/%d/result", second))
	if !strings.Contains(res, "不能补考：次数已用完") || strings.Contains(res, `id="retake-btn"`) {
		t.Fatalf("result with no attempt left:\n%s", section(res, "retake"))
	}
	if c := examCard(t, e, user, examID); c.Accent {
		t.Fatalf("home card with no attempt left is accented: %+v", c)
	}
	if st, body := cl.JSON("POST", fmt.Sprintf("/api/v1/exams/%d/attempts", examID), nil); st != 409 || webtest.ErrorCode(body) != "no_attempts_left" {
		t.Fatalf("third start: %d %s", st, body)
	}
}

// The review marks every option with ✓/✗ and words, counts the wrong answers and filters
// them with ?wrong=1 (a link: no script needed).
func TestResultReviewMarks(t *testing.T) {
	e := retakeEnv(t)
	examID := e.exam(t, func(in *ExamInput) {
		in.ShuffleOptions = new(bool)
		in.Rules, in.PassScore = []Rule{{Kind: KindSingle, Category: e.cat, Count: 3, Points: 1}}, 2
	})
	cl := webtest.AsUser(t, e.srv, e.county.Secretaries[0][1])
	a := start(t, cl, examID, 201)
	// Position 1 right (B), position 2 wrong (C), position 3 blank.
	for pos, ans := range map[int]string{1: "B", 2: "C"} {
		if st, body := cl.JSON("PUT", fmt.Sprintf("/api/v1/attempts/%d/answers/%d", a.ID, pos), map[string]any{"answer": []string{ans}}); st != 200 {
			t.Fatalf("save: %d %s", st, body)
		}
	}
	cl.JSON("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", a.ID), nil)
	// Answers show once the exam has closed (while it is live the guard withholds them).
	closeExam(t, e, examID)

	_, all := cl.Get(fmt.Sprintf("/exams/attempts/%d/result", a.ID))
	if !strings.Contains(all, "共 3 题，答错 2 题") || !strings.Contains(all, "只看错题（2）") {
		t.Fatalf("review count:\n%s", section(all, "review"))
	}
	items := strings.Split(all, `class="card review-item`)[1:]
	if len(items) != 3 {
		t.Fatalf("%d review items, want 3", len(items))
	}
	mark := func(item, key string) string { // the marks of one option
		i := strings.Index(item, `<span class="ro-text">`+key+".")
		if i < 0 {
			t.Fatalf("no option %s in %s", key, item)
		}
		li := item[strings.LastIndex(item[:i], "<li"):]
		return li[:strings.Index(li, "</li>")]
	}
	byPos := map[int]string{}
	for _, it := range items {
		for p := 1; p <= 3; p++ {
			if strings.Contains(it, fmt.Sprintf("第 %d 题", p)) {
				byPos[p] = it
			}
		}
	}
	for _, c := range []struct {
		pos       int
		key       string
		want, not []string
	}{
		{1, "B", []string{"✓", "正确答案", "您的选择"}, []string{"答错", "✗"}},
		{1, "A", nil, []string{"✓", "✗", "正确答案", "您的选择"}},
		{2, "C", []string{"✗", "您的选择", "答错"}, []string{"正确答案", "✓"}},
		{2, "B", []string{"✓", "正确答案"}, []string{"您的选择", "答错"}},
		{3, "B", []string{"✓", "正确答案"}, []string{"您的选择"}},
	} {
		m := mark(byPos[c.pos], c.key)
		for _, w := range c.want {
			if !strings.Contains(m, w) {
				t.Errorf("item %d option %s lacks %q: %s", c.pos, c.key, w, m)
			}
		}
		for _, w := range c.not {
			if strings.Contains(m, w) {
				t.Errorf("item %d option %s has %q: %s", c.pos, c.key, w, m)
			}
		}
	}
	for pos, v := range map[int]string{1: "✓ 答对", 2: "✗ 答错", 3: "✗ 未作答"} {
		if !strings.Contains(byPos[pos], v) {
			t.Errorf("item %d lacks verdict %q", pos, v)
		}
	}

	_, wrong := cl.Get(fmt.Sprintf("/exams/attempts/%d/result?wrong=1", a.ID))
	n := strings.Count(wrong, `class="card review-item`)
	if n != 2 || strings.Contains(wrong, "✓ 答对") || !strings.Contains(wrong, "✗ 答错") || !strings.Contains(wrong, "✗ 未作答") {
		t.Fatalf("?wrong=1 shows %d items:\n%s", n, section(wrong, "review"))
	}
}

// Practice: a missing or empty answer is a Chinese 422, never a silent success.
func TestPracticeMissingAnswer(t *testing.T) {
	e := newEnv(t)
	cl := webtest.AsUser(t, e.srv, e.county.Secretaries[0][0])
	var qid int64
	testdb.Get(t, e.db, &qid, `SELECT id FROM questions WHERE category = $1 LIMIT 1`, e.cat)
	for _, body := range []any{map[string]any{"question_id": qid}, map[string]any{"question_id": qid, "answer": []string{}}} {
		st, out := cl.JSON("POST", "/api/v1/practice/answer", body)
		if st != 422 || !strings.Contains(string(out), "请先选择答案") {
			t.Fatalf("practice answer %v: %d %s", body, st, out)
		}
	}
	var n int
	testdb.Get(t, e.db, &n, `SELECT count(*) FROM question_results WHERE question_id = $1`, qid)
	if n != 0 {
		t.Fatalf("%d results recorded for a missing answer", n)
	}
}
