package exams

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
	"zhibu/app/workbook/workbooktest"
)

type env struct {
	db     *sqlx.DB
	srv    *web.Server
	deps   Deps
	county testdb.County
	cat    string
}

// store is a Store like the mounted one (same deps), e.g. to sweep.
func (e *env) store() *Store { return NewStore(e.db, nil, e.deps) }

// newEnv builds a server, a county and a bank of 40 single, 15 multiple, 15 judge
// questions in a fresh category (tests in one package share the database).
func newEnv(t *testing.T) *env { return newEnvWith(t, Deps{}) }

func newEnvB(t testing.TB) *env { return newEnvWith(t, Deps{}) }

func newEnvWith(t testing.TB, deps Deps) *env {
	t.Helper()
	db := testdb.DB(t)
	cfg := web.Config{}
	if _, bench := t.(*testing.B); bench { // 20,000 access-log lines would bury the numbers
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	srv := webtest.Server(t, db, cfg, func(s *web.Server) error { return Mount(s, deps) })
	e := &env{db: db, srv: srv, deps: deps, county: testdb.MakeCounty(t, db), cat: testdb.Unique("分类")}
	e.bank(t, 40, 15, 15)
	return e
}

func (e *env) bank(t testing.TB, single, multi, judge int) {
	t.Helper()
	var qs []Question
	for i := 0; i < single+multi+judge; i++ {
		q := Question{Category: e.cat, Stem: fmt.Sprintf("%s 题 %d", e.cat, i), Explanation: "解析" + fmt.Sprint(i)}
		switch {
		case i < single:
			q.Kind, q.Options, q.Answer = KindSingle, []string{"甲", "乙", "丙", "丁"}, "B"
		case i < single+multi:
			q.Kind, q.Options, q.Answer = KindMultiple, []string{"甲", "乙", "丙", "丁", "戊"}, "ACE"
		default:
			q.Kind, q.Answer = KindJudge, "对"
		}
		if errs := q.Normalize(); len(errs) > 0 {
			t.Fatal(errs)
		}
		qs = append(qs, q)
	}
	tx := e.db.MustBegin()
	if _, err := insertQuestions(context.Background(), tx, qs, nil); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// exam creates an exam drawing from the env's category through the admin API.
func (e *env) exam(t *testing.T, mod func(*ExamInput)) int64 { return e.examWith(t, mod) }

func (e *env) examB(t testing.TB) int64 { return e.examWith(t, nil) }

func (e *env) examWith(t testing.TB, mod func(*ExamInput)) int64 {
	t.Helper()
	in := ExamInput{Title: testdb.Unique("考试"), OpensAt: time.Now().Add(-time.Hour).Format(time.RFC3339),
		ClosesAt: time.Now().Add(24 * time.Hour).Format(time.RFC3339), DurationMinutes: 60, PassScore: 6,
		ReviewPolicy: ReviewImmediate,
		Rules: []Rule{{Kind: KindSingle, Category: e.cat, Count: 5, Points: 1}, {Kind: KindMultiple, Category: e.cat, Count: 3, Points: 2},
			{Kind: KindJudge, Category: e.cat, Count: 2, Points: 1}}}
	if mod != nil {
		mod(&in)
	}
	admin := webtest.AsUser(t, e.srv, e.county.Admin)
	st, body := admin.JSON("POST", "/api/v1/exams", in)
	if st != 201 {
		t.Fatalf("create exam: %d %s", st, body)
	}
	var out struct{ ID int64 }
	webtest.Decode(t, body, &out)
	return out.ID
}

type attemptJSON struct {
	ID         int64     `json:"id"`
	Status     string    `json:"status"`
	Deadline   time.Time `json:"deadline"`
	ServerTime time.Time `json:"server_time"`
	Score      *float64  `json:"score"`
	Passed     *bool     `json:"passed"`
	Review     bool      `json:"review"`
	Withheld   int       `json:"withheld"`
	Items      []struct {
		Position int      `json:"position"`
		Kind     string   `json:"kind"`
		Stem     string   `json:"stem"`
		Answer   []string `json:"answer"`
		Correct  []string `json:"correct"`
		Options  []struct {
			Key, Text string
		} `json:"options"`
	} `json:"items"`
}

func start(t *testing.T, cl *webtest.Client, examID int64, want int) attemptJSON {
	t.Helper()
	st, body := cl.JSON("POST", fmt.Sprintf("/api/v1/exams/%d/attempts", examID), nil)
	if st != want {
		t.Fatalf("start: %d %s", st, body)
	}
	var a attemptJSON
	json.Unmarshal(body, &a)
	return a
}

func TestAttemptFlow(t *testing.T) {
	// The county allows retakes after a pass here (the second attempt below follows a
	// pass); the default refusal is TestRetakeAfterPass.
	e := newEnvWith(t, Deps{RetakeAfterPass: func(context.Context) (bool, error) { return true, nil }})
	examID := e.exam(t, nil)
	sec := e.county.Secretaries[0][0]
	cl := webtest.AsUser(t, e.srv, sec)

	a := start(t, cl, examID, 201)
	if len(a.Items) != 10 || a.Status != "in_progress" || a.Review {
		t.Fatalf("attempt = %+v", a)
	}
	if !strings.Contains(string(mustJSON(t, cl, "GET", fmt.Sprintf("/api/v1/attempts/%d", a.ID))), `"options"`) {
		t.Fatal("no options")
	}
	// No correct answers leak while in progress.
	_, raw := cl.JSON("GET", fmt.Sprintf("/api/v1/attempts/%d", a.ID), nil)
	if strings.Contains(string(raw), "correct") || strings.Contains(string(raw), "explanation") || strings.Contains(string(raw), "解析") {
		t.Fatalf("attempt leaks answers: %s", raw)
	}
	if a.Deadline.Sub(a.ServerTime) < 59*time.Minute {
		t.Fatalf("deadline %v server %v", a.Deadline, a.ServerTime)
	}
	// Resume: a second start gives the same attempt.
	if b := start(t, cl, examID, 200); b.ID != a.ID {
		t.Fatal("second start did not resume")
	}

	// Answer everything right: single B (remapped by shuffle: find 乙), multi 甲丙戊, judge A.
	for _, it := range a.Items {
		var keys []string
		for _, o := range it.Options {
			if (it.Kind == KindSingle && o.Text == "乙") || (it.Kind == KindMultiple && strings.Contains("甲丙戊", o.Text)) ||
				(it.Kind == KindJudge && o.Text == "对") {
				keys = append(keys, o.Key)
			}
		}
		st, body := cl.JSON("PUT", fmt.Sprintf("/api/v1/attempts/%d/answers/%d", a.ID, it.Position), map[string]any{"answer": keys})
		if st != 200 {
			t.Fatalf("save %d: %d %s", it.Position, st, body)
		}
	}
	// Bad input.
	put := func(pos string, body string) (int, string) {
		resp := cl.Do("PUT", fmt.Sprintf("/api/v1/attempts/%d/answers/%s", a.ID, pos), strings.NewReader(body), "application/json")
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		n, _ := resp.Body.Read(buf)
		b.Write(buf[:n])
		return resp.StatusCode, webtest.ErrorCode([]byte(b.String()))
	}
	for _, c := range []struct{ pos, body, code string }{
		{"1", `{"answer":["Z"]}`, "invalid_answer"},
		{"1", `{"answer":"A"}`, "invalid_answer"},
		{"1", `{"answer":["A"],"extra":true}`, "invalid_answer"},
		{"99", `{"answer":["A"]}`, "position_not_in_paper"},
		{"0", `{"answer":["A"]}`, "position_not_in_paper"},
		{"x", `{"answer":["A"]}`, "position_not_in_paper"},
	} {
		if st, code := put(c.pos, c.body); st != 422 || code != c.code {
			t.Errorf("PUT %s %s → %d %s, want 422 %s", c.pos, c.body, st, code, c.code)
		}
	}
	// Someone else's attempt → 404, also for another secretary of the same township.
	other := webtest.AsUser(t, e.srv, e.county.Secretaries[0][1])
	for _, req := range [][2]string{{"GET", ""}, {"PUT", "/answers/1"}, {"POST", "/submit"}} {
		st, _ := other.JSON(req[0], fmt.Sprintf("/api/v1/attempts/%d%s", a.ID, req[1]), map[string]any{"answer": []string{"A"}})
		if st != 404 {
			t.Errorf("%s other's attempt → %d, want 404", req[0], st)
		}
	}
	// Organizer of another township: 404; own township's organizer may look.
	if st, _ := webtest.AsUser(t, e.srv, e.county.Organizers[1]).JSON("GET", fmt.Sprintf("/api/v1/attempts/%d", a.ID), nil); st != 404 {
		t.Errorf("foreign organizer → %d", st)
	}
	if st, _ := webtest.AsUser(t, e.srv, e.county.Organizers[0]).JSON("GET", fmt.Sprintf("/api/v1/attempts/%d", a.ID), nil); st != 200 {
		t.Errorf("own organizer → %d", st)
	}

	// Submit, twice: idempotent, same score.
	st, body := cl.JSON("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", a.ID), nil)
	var res struct {
		Score  float64 `json:"score"`
		Passed bool    `json:"passed"`
	}
	webtest.Decode(t, body, &res)
	if st != 200 || res.Score != 13 || !res.Passed {
		t.Fatalf("submit: %d %s", st, body)
	}
	st, body2 := cl.JSON("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", a.ID), nil)
	if st != 200 || string(body2) != string(body) {
		t.Fatalf("second submit differs: %s vs %s", body, body2)
	}
	// Saves after submit → 409 attempt_closed.
	st, body = cl.JSON("PUT", fmt.Sprintf("/api/v1/attempts/%d/answers/1", a.ID), map[string]any{"answer": []string{"A"}})
	if st != 409 || webtest.ErrorCode(body) != "attempt_closed" {
		t.Fatalf("save after submit: %d %s", st, body)
	}
	// Review now (immediate policy): the score, but the keys wait while the exam is live,
	// since its other attempts may draw the same questions (guard.go).
	var done attemptJSON
	webtest.Decode(t, mustJSON(t, cl, "GET", fmt.Sprintf("/api/v1/attempts/%d", a.ID)), &done)
	if !done.Review || done.Score == nil || len(done.Items[0].Correct) > 0 || done.Withheld != len(done.Items) {
		t.Fatalf("review of a live exam: review %v, withheld %d of %d, correct %v", done.Review, done.Withheld, len(done.Items), done.Items[0].Correct)
	}
	// Second attempt, then none left → 409.
	b := start(t, cl, examID, 201)
	if b.ID == a.ID {
		t.Fatal("new attempt expected")
	}
	cl.JSON("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", b.ID), nil)
	st, body = cl.JSON("POST", fmt.Sprintf("/api/v1/exams/%d/attempts", examID), nil)
	if st != 409 || webtest.ErrorCode(body) != "no_attempts_left" {
		t.Fatalf("third start: %d %s", st, body)
	}
	// Results: best counts.
	st, body = webtest.AsUser(t, e.srv, e.county.Organizers[0]).JSON("GET", fmt.Sprintf("/api/v1/exams/%d/results", examID), nil)
	if st != 200 || !strings.Contains(string(body), `"best_score":13`) {
		t.Fatalf("results: %d %s", st, body)
	}
	var rr struct {
		Candidates int `json:"candidates"`
		Taken      int `json:"taken"`
	}
	webtest.Decode(t, body, &rr)
	if rr.Candidates != 4 || rr.Taken != 1 {
		t.Fatalf("organizer sees %+v (want own township only)", rr)
	}
	if st, _ := cl.JSON("GET", fmt.Sprintf("/api/v1/exams/%d/results", examID), nil); st != 403 {
		t.Fatalf("secretary results → %d", st)
	}
	st, body = webtest.AsUser(t, e.srv, e.county.Admin).JSON("GET", fmt.Sprintf("/api/v1/exams/%d/item-stats", examID), nil)
	if st != 200 || !strings.Contains(string(body), `"rate":1`) {
		t.Fatalf("item stats: %d %s", st, body)
	}
	// Once the exam is over (and its grace), the immediate review shows the keys.
	testdb.Exec(t, e.db, `UPDATE exams SET closes_at = now() - interval '1 minute' WHERE id = $1`, examID)
	webtest.Decode(t, mustJSON(t, cl, "GET", fmt.Sprintf("/api/v1/attempts/%d", a.ID)), &done)
	if !done.Review || len(done.Items[0].Correct) == 0 || done.Withheld != 0 {
		t.Fatal("review not shown after the exam")
	}
}

func mustJSON(t *testing.T, cl *webtest.Client, method, path string) []byte {
	t.Helper()
	st, body := cl.JSON(method, path, nil)
	if st != 200 {
		t.Fatalf("%s %s: %d %s", method, path, st, body)
	}
	return body
}

func TestWindowAndScope(t *testing.T) {
	e := newEnv(t)
	cl := webtest.AsUser(t, e.srv, e.county.Secretaries[0][0])
	future := e.exam(t, func(in *ExamInput) {
		in.OpensAt = time.Now().Add(time.Hour).Format(time.RFC3339)
		in.ClosesAt = time.Now().Add(2 * time.Hour).Format(time.RFC3339)
	})
	if st, body := cl.JSON("POST", fmt.Sprintf("/api/v1/exams/%d/attempts", future), nil); st != 409 || webtest.ErrorCode(body) != "exam_not_open" {
		t.Fatalf("future: %d %s", st, body)
	}
	closed := e.exam(t, nil)
	testdb.Exec(t, e.db, `UPDATE exams SET opens_at = now() - interval '2 days', closes_at = now() - interval '1 day' WHERE id = $1`, closed)
	if st, body := cl.JSON("POST", fmt.Sprintf("/api/v1/exams/%d/attempts", closed), nil); st != 409 || webtest.ErrorCode(body) != "exam_closed" {
		t.Fatalf("closed: %d %s", st, body)
	}
	// Exam for township 2 only: invisible (404) to township 1.
	only2 := e.exam(t, func(in *ExamInput) { in.TownshipIDs = []int64{e.county.Townships[1]} })
	if st, _ := cl.JSON("POST", fmt.Sprintf("/api/v1/exams/%d/attempts", only2), nil); st != 404 {
		t.Fatalf("other township's exam → %d", st)
	}
	if st, _ := webtest.AsUser(t, e.srv, e.county.Secretaries[1][0]).JSON("POST", fmt.Sprintf("/api/v1/exams/%d/attempts", only2), nil); st != 201 {
		t.Fatalf("own township's exam → %d", st)
	}
	if st, _ := webtest.AsUser(t, e.srv, e.county.Organizers[0]).JSON("GET", fmt.Sprintf("/api/v1/exams/%d/results", only2), nil); st != 404 {
		t.Fatal("organizer sees other township's exam")
	}
	// Admin cannot start; anonymous 401.
	if st, _ := webtest.AsUser(t, e.srv, e.county.Admin).JSON("POST", fmt.Sprintf("/api/v1/exams/%d/attempts", closed), nil); st != 403 {
		t.Fatal("admin start should be 403")
	}
	if st, _ := webtest.New(t, e.srv.App).JSON("GET", "/api/v1/exams", nil); st != 401 {
		t.Fatal("anonymous should be 401")
	}
	// Unknown exam ids.
	if st, _ := cl.JSON("POST", "/api/v1/exams/999999/attempts", nil); st != 404 {
		t.Fatal("unknown exam")
	}
	if st, _ := cl.JSON("GET", "/api/v1/attempts/abc", nil); st != 404 {
		t.Fatal("forged attempt id")
	}
	// The list shows state and attempts left.
	var list struct {
		Exams []struct {
			ID           int64  `json:"id"`
			State        string `json:"state"`
			AttemptsLeft int    `json:"attempts_left"`
		} `json:"exams"`
	}
	webtest.Decode(t, mustJSON(t, cl, "GET", "/api/v1/exams"), &list)
	states := map[int64]string{}
	for _, x := range list.Exams {
		states[x.ID] = x.State
		if x.ID == only2 {
			t.Fatal("list shows other township's exam")
		}
	}
	if states[future] != "upcoming" || states[closed] != "closed" {
		t.Fatalf("states = %v", states)
	}
}

func TestDeadlineGraceAndSweeper(t *testing.T) {
	e := newEnv(t)
	examID := e.exam(t, nil)
	cl := webtest.AsUser(t, e.srv, e.county.Secretaries[0][0])
	a := start(t, cl, examID, 201)
	save := func() (int, string) {
		st, body := cl.JSON("PUT", fmt.Sprintf("/api/v1/attempts/%d/answers/1", a.ID), map[string]any{"answer": []string{"A"}})
		return st, webtest.ErrorCode(body)
	}
	// Within the grace after the deadline: still accepted.
	testdb.Exec(t, e.db, `UPDATE attempts SET deadline = now() - interval '10 seconds' WHERE id = $1`, a.ID)
	if st, _ := save(); st != 200 {
		t.Fatalf("save in grace → %d", st)
	}
	// After the grace: 409 attempt_closed and the attempt is finalized with its answers.
	testdb.Exec(t, e.db, `UPDATE attempts SET deadline = now() - interval '31 seconds' WHERE id = $1`, a.ID)
	if st, code := save(); st != 409 || code != "attempt_closed" {
		t.Fatalf("late save → %d %s", st, code)
	}
	var status, reason string
	testdb.Get(t, e.db, &status, `SELECT status FROM attempts WHERE id = $1`, a.ID)
	testdb.Get(t, e.db, &reason, `SELECT finish_reason FROM attempts WHERE id = $1`, a.ID)
	if status != "finished" || reason != "expired" {
		t.Fatalf("status %s reason %s", status, reason)
	}

	// An abandoned attempt is finalized by the sweeper.
	cl2 := webtest.AsUser(t, e.srv, e.county.Secretaries[0][1])
	b := start(t, cl2, examID, 201)
	cl2.JSON("PUT", fmt.Sprintf("/api/v1/attempts/%d/answers/1", b.ID), map[string]any{"answer": []string{"A"}})
	testdb.Exec(t, e.db, `UPDATE attempts SET deadline = now() - interval '1 minute' WHERE id = $1`, b.ID)
	n, err := e.store().SweepExpired(context.Background())
	if err != nil || n < 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	var score *float64
	testdb.Get(t, e.db, &score, `SELECT score FROM attempts WHERE id = $1 AND status = 'finished'`, b.ID)
	if score == nil {
		t.Fatal("abandoned attempt has no score")
	}
	// Several sweepers at once finalize each attempt once.
	var ids []int64
	for _, u := range e.county.Secretaries[1] {
		c := webtest.AsUser(t, e.srv, u)
		ids = append(ids, start(t, c, examID, 201).ID)
	}
	testdb.Exec(t, e.db, `UPDATE attempts SET deadline = now() - interval '1 minute' WHERE status = 'in_progress'`)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); NewStore(e.db, nil, Deps{}).SweepExpired(context.Background()) }()
	}
	wg.Wait()
	var open, results int
	testdb.Get(t, e.db, &open, `SELECT count(*) FROM attempts WHERE status = 'in_progress'`)
	testdb.Get(t, e.db, &results, `SELECT count(*) FROM question_results WHERE attempt_id = ANY($1)`, pqArray(ids))
	if open != 0 || results != len(ids)*10 {
		t.Fatalf("open %d, results %d (want 0 and 10 per attempt)", open, results)
	}
}

func TestConcurrentStartsGiveOneAttempt(t *testing.T) {
	e := newEnv(t)
	examID := e.exam(t, nil)
	sec := e.county.Secretaries[1][1]
	st := e.store()
	var wg sync.WaitGroup
	ids := make([]int64, 8)
	for i := range ids {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			a, _, err := st.StartAttempt(context.Background(), examID, sec, nullInt(e.county.Townships[1]))
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = a.ID
		}(i)
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent starts gave %v", ids)
		}
	}
	var n int
	testdb.Get(t, e.db, &n, `SELECT count(*) FROM attempts WHERE exam_id = $1 AND user_id = $2`, examID, sec)
	if n != 1 {
		t.Fatalf("%d attempts", n)
	}
}

func TestPaperFrozenAgainstBankEdits(t *testing.T) {
	e := newEnv(t)
	examID := e.exam(t, nil)
	cl := webtest.AsUser(t, e.srv, e.county.Secretaries[0][0])
	a := start(t, cl, examID, 201)
	before := mustJSON(t, cl, "GET", fmt.Sprintf("/api/v1/attempts/%d", a.ID))
	admin := webtest.AsUser(t, e.srv, e.county.Admin)
	// Retire the whole category's questions and edit one.
	testdb.Exec(t, e.db, `UPDATE questions SET stem = stem || '（已修改）', options = '["x","y"]' WHERE category = $1`, e.cat)
	st, _ := admin.JSON("POST", "/api/v1/questions/retire", map[string]any{"tag": "无此标签"})
	if st != 200 {
		t.Fatal(st)
	}
	testdb.Exec(t, e.db, `UPDATE questions SET retired = true WHERE category = $1`, e.cat)
	after := mustJSON(t, cl, "GET", fmt.Sprintf("/api/v1/attempts/%d", a.ID))
	strip := func(b []byte) string { // server_time changes
		var m map[string]any
		json.Unmarshal(b, &m)
		delete(m, "server_time")
		out, _ := json.Marshal(m)
		return string(out)
	}
	if strip(before) != strip(after) {
		t.Fatal("paper changed after bank edits")
	}
	// A new attempt cannot be drawn now: the bank is short → 409 with reason.
	cl2 := webtest.AsUser(t, e.srv, e.county.Secretaries[0][1])
	st, body := cl2.JSON("POST", fmt.Sprintf("/api/v1/exams/%d/attempts", examID), nil)
	if st != 409 || webtest.ErrorCode(body) != "bank_short" {
		t.Fatalf("start with retired bank: %d %s", st, body)
	}
	// Submit still grades from the frozen paper.
	if st, _ := cl.JSON("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", a.ID), nil); st != 200 {
		t.Fatal(st)
	}
}

func TestExamValidation(t *testing.T) {
	e := newEnv(t)
	admin := webtest.AsUser(t, e.srv, e.county.Admin)
	st, body := admin.JSON("POST", "/api/v1/exams", ExamInput{Title: "缺题", OpensAt: "2026-01-01T08:00", ClosesAt: "2026-12-01T08:00",
		DurationMinutes: 30, PassScore: 10, Rules: []Rule{{Kind: KindJudge, Category: e.cat, Count: 20, Points: 1}}})
	if st != 422 || webtest.ErrorCode(body) != "bank_short" || !strings.Contains(string(body), "还差 5 题") {
		t.Fatalf("short bank: %d %s", st, body)
	}
	st, body = admin.JSON("POST", "/api/v1/exams", map[string]any{"title": "", "rules": []any{}})
	if st != 422 || !strings.Contains(string(body), "title") || !strings.Contains(string(body), "rules") {
		t.Fatalf("empty exam: %d %s", st, body)
	}
	st, body = admin.JSON("POST", "/api/v1/exams", map[string]any{"title": 5})
	if st != 422 || !strings.Contains(string(body), `"title"`) {
		t.Fatalf("wrong type → %d %s", st, body)
	}
	in := ExamInput{Title: "乡镇", OpensAt: "2026-01-01T08:00", ClosesAt: "2026-12-01T08:00", DurationMinutes: 30, PassScore: 1,
		TownshipIDs: []int64{99999999}, Rules: []Rule{{Kind: KindJudge, Category: e.cat, Count: 1, Points: 1}}}
	if st, _ := admin.JSON("POST", "/api/v1/exams", in); st != 422 {
		t.Fatalf("unknown township → %d", st)
	}
	for _, u := range []int64{e.county.Organizers[0], e.county.Secretaries[0][0]} {
		if st, _ := webtest.AsUser(t, e.srv, u).JSON("POST", "/api/v1/exams", in); st != 403 {
			t.Fatalf("non-admin create → %d", st)
		}
	}
	// Update: PUT changes the title; unknown id → 404.
	id := e.exam(t, nil)
	in.TownshipIDs = nil
	in.Title = "改名"
	if st, body := admin.JSON("PUT", fmt.Sprintf("/api/v1/exams/%d", id), in); st != 200 {
		t.Fatalf("update: %d %s", st, body)
	}
	if st, _ := admin.JSON("PUT", "/api/v1/exams/99999999", in); st != 404 {
		t.Fatalf("update unknown → %d", st)
	}
	var ex struct{ Title string }
	webtest.Decode(t, mustJSON(t, admin, "GET", fmt.Sprintf("/api/v1/exams/%d", id)), &ex)
	if ex.Title != "改名" {
		t.Fatal("title not changed")
	}
}

func TestQuestionAPI(t *testing.T) {
	e := newEnv(t)
	admin := webtest.AsUser(t, e.srv, e.county.Admin)
	st, body := admin.JSON("POST", "/api/v1/questions", map[string]any{"kind": "multiple", "stem": "新题", "options": []string{"a", "b", "c"},
		"answer": "A、C", "category": e.cat, "tags": []string{"旧文件"}})
	if st != 201 || !strings.Contains(string(body), `"answer":"AC"`) {
		t.Fatalf("create: %d %s", st, body)
	}
	var q Question
	webtest.Decode(t, body, &q)
	st, body = admin.JSON("POST", "/api/v1/questions", map[string]any{"kind": "single", "stem": "", "options": []string{"a"}, "answer": "C"})
	if st != 422 || !strings.Contains(string(body), "stem") || !strings.Contains(string(body), "options") {
		t.Fatalf("bad create: %d %s", st, body)
	}
	st, body = admin.JSON("PUT", fmt.Sprintf("/api/v1/questions/%d", q.ID), map[string]any{"kind": "judge", "stem": "改为判断", "answer": "错", "tags": []string{"旧文件"}})
	if st != 200 || !strings.Contains(string(body), `"answer":"B"`) {
		t.Fatalf("update: %d %s", st, body)
	}
	st, body = admin.JSON("POST", "/api/v1/questions/retire", map[string]any{"tag": "旧文件"})
	if st != 200 || !strings.Contains(string(body), `"changed":1`) {
		t.Fatalf("retire tag: %d %s", st, body)
	}
	st, body = admin.JSON("POST", fmt.Sprintf("/api/v1/questions/%d/retire", q.ID), map[string]any{"retired": false})
	if st != 200 || !strings.Contains(string(body), `"changed":1`) {
		t.Fatalf("restore: %d %s", st, body)
	}
	st, body = admin.JSON("GET", "/api/v1/questions?kind=judge&q="+url.QueryEscape("改为"), nil)
	if st != 200 || !strings.Contains(string(body), `"total":1`) {
		t.Fatalf("search: %d %s", st, body)
	}
	if st, _ := admin.JSON("GET", "/api/v1/questions/99999999", nil); st != 404 {
		t.Fatal("unknown question")
	}
	if st, _ := admin.JSON("POST", "/api/v1/questions/99999999/retire", nil); st != 404 {
		t.Fatal("retire unknown")
	}
	for _, u := range []int64{e.county.Organizers[0], e.county.Secretaries[0][0]} {
		c := webtest.AsUser(t, e.srv, u)
		for _, r := range [][2]string{{"GET", "/api/v1/questions"}, {"POST", "/api/v1/questions"}, {"GET", "/api/v1/questions/template.xlsx"},
			{"GET", "/api/v1/questions/export.xlsx"}, {"POST", "/api/v1/questions/retire"}} {
			if st, _ := c.JSON(r[0], r[1], map[string]any{}); st != 403 {
				t.Errorf("%s %s as non-admin → %d", r[0], r[1], st)
			}
		}
	}
	resp := admin.Do("GET", "/api/v1/questions/export.xlsx", nil, "")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
		t.Fatalf("export: %d %v", resp.StatusCode, resp.Header)
	}
	export, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if s := workbooktest.Read(t, export)["题库"]; len(s.Rows) < 2 || strings.Join(s.Rows[0], "|") != strings.Join(exportHeaders, "|") {
		t.Fatalf("export header %q", s.Rows)
	} else {
		workbooktest.PrintReady(t, "export", s, true, 1)
	}
	if st, body := webtest.AsUser(t, e.srv, e.county.Secretaries[0][0]).JSON("GET", "/api/v1/questions/categories", nil); st != 200 || !strings.Contains(string(body), e.cat) {
		t.Fatalf("categories: %d", st)
	}
}

func TestPracticeAndMistakes(t *testing.T) {
	e := newEnv(t)
	cl := webtest.AsUser(t, e.srv, e.county.Secretaries[0][0])
	st, body := cl.JSON("GET", "/api/v1/practice?count=5&category="+e.cat, nil)
	var p struct {
		Items []practiceItem `json:"items"`
	}
	webtest.Decode(t, body, &p)
	if st != 200 || len(p.Items) != 5 || strings.Contains(string(body), "解析") {
		t.Fatalf("practice: %d %s", st, body)
	}
	it := p.Items[0]
	wrong := "A"
	if it.Kind == KindSingle {
		wrong = "A" // correct is B
	} else if it.Kind == KindJudge {
		wrong = "B"
	}
	st, body = cl.JSON("POST", "/api/v1/practice/answer", map[string]any{"question_id": it.QuestionID, "answer": []string{wrong}})
	if st != 200 || !strings.Contains(string(body), `"correct":false`) || !strings.Contains(string(body), "解析") {
		t.Fatalf("answer: %d %s", st, body)
	}
	st, body = cl.JSON("GET", "/api/v1/mistakes", nil)
	if st != 200 || !strings.Contains(string(body), fmt.Sprintf(`"question_id":%d`, it.QuestionID)) {
		t.Fatalf("mistakes: %d %s", st, body)
	}
	st, body = cl.JSON("GET", "/api/v1/practice?mistakes=1", nil)
	if st != 200 || !strings.Contains(string(body), fmt.Sprintf(`"question_id":%d`, it.QuestionID)) {
		t.Fatalf("mistakes practice: %d %s", st, body)
	}
	if st, _ := cl.JSON("POST", "/api/v1/practice/answer", map[string]any{"question_id": it.QuestionID, "answer": []string{"Z"}}); st != 422 {
		t.Fatalf("bad practice answer → %d", st)
	}
	if st, _ := cl.JSON("POST", "/api/v1/practice/answer", map[string]any{"question_id": 99999999, "answer": []string{"A"}}); st != 404 {
		t.Fatalf("unknown practice question → %d", st)
	}
	// Exam mistakes are hidden until the review policy shows answers.
	examID := e.exam(t, func(in *ExamInput) { in.ReviewPolicy = ReviewAfterClose })
	cl2 := webtest.AsUser(t, e.srv, e.county.Secretaries[0][1])
	a := start(t, cl2, examID, 201)
	cl2.JSON("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", a.ID), nil)
	_, body = cl2.JSON("GET", "/api/v1/mistakes", nil)
	if strings.Contains(string(body), "question_id") {
		t.Fatalf("exam mistakes leak before close: %s", body)
	}
	var done attemptJSON
	webtest.Decode(t, mustJSON(t, cl2, "GET", fmt.Sprintf("/api/v1/attempts/%d", a.ID)), &done)
	if done.Review || len(done.Items[0].Correct) > 0 {
		t.Fatal("after_close exam shows answers before close")
	}
	// Closed: still withheld during the grace (other attempts' last saves), then shown.
	testdb.Exec(t, e.db, `UPDATE exams SET closes_at = now() - interval '1 second' WHERE id = $1`, examID)
	if _, body = cl2.JSON("GET", "/api/v1/mistakes", nil); strings.Contains(string(body), "question_id") {
		t.Fatalf("exam mistakes shown within the grace: %s", body)
	}
	testdb.Exec(t, e.db, `UPDATE exams SET closes_at = now() - interval '1 minute' WHERE id = $1`, examID)
	_, body = cl2.JSON("GET", "/api/v1/mistakes", nil)
	if !strings.Contains(string(body), "question_id") {
		t.Fatalf("exam mistakes missing after close: %s", body)
	}
}

func TestPages(t *testing.T) {
	e := newEnv(t)
	examID := e.exam(t, nil)
	sec := webtest.AsUser(t, e.srv, e.county.Secretaries[0][0])
	for _, p := range []string{"/exams", "/exams/practice", "/exams/mistakes"} {
		if st, body := sec.Get(p); st != 200 || strings.Contains(body, "<script>") {
			t.Errorf("GET %s → %d", p, st)
		}
	}
	resp := sec.Form("POST", fmt.Sprintf("/exams/%d/start", examID), nil)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/exams/attempts/") {
		t.Fatalf("start form: %d %s", resp.StatusCode, loc)
	}
	st, body := sec.Get(loc)
	if st != 200 || !strings.Contains(body, `data-attempt=`) || !strings.Contains(body, "js/exam.js") {
		t.Fatalf("take page: %d", st)
	}
	if st, _ := webtest.AsUser(t, e.srv, e.county.Secretaries[1][0]).Get(loc); st != 404 {
		t.Fatalf("other's take page → %d", st)
	}
	sec.JSON("POST", "/api/v1"+strings.Replace(loc, "/exams", "", 1)+"/submit", nil)
	st, body = sec.Get(loc + "/result")
	if st != 200 || !strings.Contains(body, "答案与解析") {
		t.Fatalf("result page: %d", st)
	}
	admin := webtest.AsUser(t, e.srv, e.county.Admin)
	for _, p := range []string{"/admin/exams", "/admin/exams/new", fmt.Sprintf("/admin/exams/%d", examID), "/admin/questions", "/admin/questions?kind=judge"} {
		if st, _ := admin.Get(p); st != 200 {
			t.Errorf("admin GET %s → %d", p, st)
		}
	}
	org := webtest.AsUser(t, e.srv, e.county.Organizers[0])
	if st, body := org.Get(fmt.Sprintf("/admin/exams/%d", examID)); st != 200 || !strings.Contains(body, "未参考") {
		t.Errorf("organizer oversight → %d", st)
	}
	if st, _ := org.Get("/admin/questions"); st != 403 {
		t.Errorf("organizer bank → %d", st)
	}
	if st, _ := sec.Get("/admin/exams"); st != 403 {
		t.Errorf("secretary admin → %d", st)
	}
	// Exam form: a rule the bank cannot fill still saves a draft (its preview shows the
	// shortage), but the draft cannot be published.
	resp = admin.Form("POST", "/admin/exams/new", map[string][]string{"title": {"短缺草稿"}, "opens_at": {"2026-01-01T08:00"},
		"closes_at": {"2027-01-01T08:00"}, "duration_minutes": {"30"}, "pass_score": {"1"}, "attempts_allowed": {"2"},
		"kind0": {"judge"}, "category0": {e.cat}, "count0": {"99"}, "points0": {"1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("short draft → %d", resp.StatusCode)
	}
	if st, page := admin.Get(resp.Header.Get("Location")); st != 200 || !strings.Contains(page, "还差 84 题") {
		t.Fatalf("short draft preview → %d %s", st, page)
	}
	if resp := admin.Form("POST", resp.Header.Get("Location")+"/publish", nil); resp.StatusCode != 422 {
		t.Fatalf("publish short draft → %d", resp.StatusCode)
	}
	resp = admin.Form("POST", "/admin/exams/new", map[string][]string{"title": {"表单考试"}, "opens_at": {"2026-01-01T08:00"},
		"closes_at": {"2027-01-01T08:00"}, "duration_minutes": {"30"}, "pass_score": {"1"}, "attempts_allowed": {"2"},
		"kind0": {"judge"}, "category0": {e.cat}, "count0": {"5"}, "points0": {"1"}, "township_id": {fmt.Sprint(e.county.Townships[1])}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("form create → %d", resp.StatusCode)
	}
	var towns []int64
	e.db.Select(&towns, `SELECT et.township_id FROM exam_townships et JOIN exams x ON x.id = et.exam_id WHERE x.title = '表单考试'`)
	if len(towns) != 1 || towns[0] != e.county.Townships[1] {
		t.Fatalf("form exam townships %v", towns)
	}
	// Home cards for the secretary.
	cards, err := e.srv.HomeCards(context.Background(), &web.Identity{UserID: e.county.Secretaries[0][1], Role: web.RoleSecretary, TownshipID: e.county.Townships[0]})
	if err != nil || len(cards) == 0 || !strings.Contains(cards[0].Title, "考试") {
		t.Fatalf("cards: %v %v", cards, err)
	}
	staff, err := e.srv.HomeCards(context.Background(), &web.Identity{UserID: e.county.Organizers[0], Role: web.RoleOrganizer, TownshipID: e.county.Townships[0]})
	found := false
	for _, c := range staff {
		if c.Title == "进行中的考试" && strings.Contains(strings.Join(c.Lines, " "), "人已参考") {
			found = true
		}
	}
	if err != nil || !found {
		t.Fatalf("organizer cards: %+v %v", staff, err)
	}
}

func TestSeedDemoIdempotent(t *testing.T) {
	db := testdb.DB(t)
	for i := 0; i < 2; i++ {
		if err := SeedDemo(context.Background(), db); err != nil {
			t.Fatal(err)
		}
	}
	// The demo exam is open for every township and draws from every kind: close it after
	// the test, or it would guard the other tests' questions from practice (guard.go).
	t.Cleanup(func() {
		testdb.Exec(t, db, `UPDATE exams SET opens_at = now() - interval '3 days', closes_at = now() - interval '2 days' WHERE demo_key = $1`, DemoExamKey)
	})
	var n, exams int
	testdb.Get(t, db, &n, `SELECT count(*) FROM questions WHERE source_key LIKE 'demo:%'`)
	testdb.Get(t, db, &exams, `SELECT count(*) FROM exams WHERE demo_key = $1`, DemoExamKey)
	demo, _, err := DemoQuestions()
	if err != nil {
		t.Fatal(err)
	}
	if n != len(demo) || exams != 1 {
		t.Fatalf("demo bank %d/%d, exams %d", n, len(demo), exams)
	}
	// The demo exam can be drawn from the demo bank.
	var id int64
	testdb.Get(t, db, &id, `SELECT id FROM exams WHERE demo_key = $1`, DemoExamKey)
	st := NewStore(db, nil, Deps{})
	e, err := st.GetExam(context.Background(), id, 0, sql.NullInt64{})
	if err != nil {
		t.Fatal(err)
	}
	paper, err := st.drawPaper(context.Background(), e)
	if err != nil || len(paper) != 50 {
		t.Fatalf("demo paper: %d %v", len(paper), err)
	}
}

func TestCourseLinkAndPassesView(t *testing.T) {
	e := newEnv(t)
	var courseID int64
	if err := e.db.Get(&courseID, `INSERT INTO courses (title, category) VALUES ($1, '实务') RETURNING id`, testdb.Unique("课程")); err != nil {
		t.Fatal(err)
	}
	admin := webtest.AsUser(t, e.srv, e.county.Admin)
	bad := int64(99999999)
	in := ExamInput{Title: "课程考试", OpensAt: "2026-01-01T08:00", ClosesAt: "2030-01-01T08:00", DurationMinutes: 30, PassScore: 0,
		CourseID: &bad, Rules: []Rule{{Kind: KindJudge, Category: e.cat, Count: 2, Points: 1}}}
	if st, body := admin.JSON("POST", "/api/v1/exams", in); st != 422 || !strings.Contains(string(body), "course_id") {
		t.Fatalf("unknown course: %d %s", st, body)
	}
	in.CourseID = &courseID
	st, body := admin.JSON("POST", "/api/v1/exams", in)
	if st != 201 {
		t.Fatalf("course exam: %d %s", st, body)
	}
	var ex struct{ ID int64 }
	webtest.Decode(t, body, &ex)
	sec := e.county.Secretaries[0][0]
	cl := webtest.AsUser(t, e.srv, sec)
	a := start(t, cl, ex.ID, 201)
	cl.JSON("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", a.ID), nil) // pass score 0: passes
	var n int
	testdb.Get(t, e.db, &n, `SELECT count(*) FROM exam_course_passes WHERE course_id = $1 AND user_id = $2`, courseID, sec)
	if n != 1 {
		t.Fatalf("exam_course_passes has %d rows", n)
	}
}

func TestQuestionFormPages(t *testing.T) {
	e := newEnv(t)
	admin := webtest.AsUser(t, e.srv, e.county.Admin)
	if st, _ := admin.Get("/admin/questions/new"); st != 200 {
		t.Fatal(st)
	}
	stem := testdb.Unique("表单题")
	form := url.Values{"kind": {"multiple"}, "stem": {stem}, "option": {"甲", "乙", "丙", "", "", ""}, "answer": {"A，C"},
		"points": {"2"}, "category": {e.cat}, "tags": {"甲、乙"}, "difficulty": {"难"}, "explanation": {"因为"}}
	if r := admin.Form("POST", "/admin/questions/new", form); r.StatusCode != 303 {
		t.Fatalf("create form → %d", r.StatusCode)
	}
	var q Question
	if err := e.db.Get(&q, `SELECT `+questionCols+` FROM questions WHERE stem = $1`, stem); err != nil {
		t.Fatal(err)
	}
	if q.Answer != "AC" || len(q.Options) != 3 || len(q.Tags) != 2 || q.Points != 2 || q.Difficulty != "难" {
		t.Fatalf("saved %+v", q)
	}
	if st, body := admin.Get(fmt.Sprintf("/admin/questions/%d/edit", q.ID)); st != 200 || !strings.Contains(body, stem) {
		t.Fatalf("edit page %d", st)
	}
	form.Set("answer", "Z")
	if r := admin.Form("POST", fmt.Sprintf("/admin/questions/%d", q.ID), form); r.StatusCode != 422 {
		t.Fatalf("bad edit → %d", r.StatusCode)
	}
	form.Set("answer", "BC")
	if r := admin.Form("POST", fmt.Sprintf("/admin/questions/%d", q.ID), form); r.StatusCode != 303 {
		t.Fatalf("edit → %d", r.StatusCode)
	}
	if r := admin.Form("POST", "/admin/questions/99999999", form); r.StatusCode != 404 {
		t.Fatalf("edit unknown → %d", r.StatusCode)
	}
	if r := admin.Form("POST", fmt.Sprintf("/admin/questions/%d/retire", q.ID), url.Values{"retired": {"1"}}); r.StatusCode != 303 {
		t.Fatalf("retire form → %d", r.StatusCode)
	}
	var retired bool
	testdb.Get(t, e.db, &retired, `SELECT retired FROM questions WHERE id = $1`, q.ID)
	if !retired {
		t.Fatal("not retired")
	}
	if st, _ := webtest.AsUser(t, e.srv, e.county.Organizers[0]).Get("/admin/questions/new"); st != 403 {
		t.Fatal("organizer form")
	}
}
