package exams

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/accounts"
	"zhibu/app/database"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// demoServer is the platform as `make run` starts it, for the exam feature: a database of
// its own (the demo exam is open for every township and would guard the other tests'
// questions), migrated, the demo county and the demo bank and exam seeded, accounts and
// exams mounted.
func demoServer(t *testing.T) (*sqlx.DB, *web.Server) {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, testdb.Fresh(t), 10)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := database.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	if err := accounts.SeedDemo(ctx, db, accounts.DefaultDemoSize); err != nil {
		t.Fatal(err)
	}
	if err := SeedDemo(ctx, db); err != nil {
		t.Fatal(err)
	}
	srv := webtest.Server(t, db, web.Config{}, accounts.Mount, func(s *web.Server) error { return Mount(s, Deps{}) })
	return db, srv
}

// login signs in through the real login API with the demo password.
func login(t *testing.T, srv *web.Server, username string) *webtest.Client {
	t.Helper()
	cl := webtest.New(t, srv.App)
	st, body := cl.JSON("POST", "/api/v1/session", map[string]string{"username": username, "password": accounts.DemoPassword})
	if st != 200 {
		t.Fatalf("login %s: %d %s", username, st, body)
	}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	webtest.Decode(t, body, &out)
	cl.CSRF = out.CSRF
	return cl
}

// A demo secretary sits the demo exam. Until it closes (plus the grace), no key or 解析 of
// any question the exam may draw — so none of the paper — can be had from any endpoint
// or page the secretary (or the township's organizer) can reach: practice answers, practice
// sets, the 错题本, the review of an earlier exam, the question bank. Once the exam is
// over, practice shows them again; a secretary the exam is not for is never restricted.
func TestDemoExamKeysNeverLeak(t *testing.T) {
	db, srv := demoServer(t)
	var demoID int64
	if err := db.Get(&demoID, `SELECT id FROM exams WHERE demo_key = $1`, DemoExamKey); err != nil {
		t.Fatal(err)
	}
	sec, sec5 := login(t, srv, "secretary"), login(t, srv, "secretary5") // both of township 1
	admin := login(t, srv, "admin")

	// An earlier exam, drawn from the same demo bank (judge questions of 发展党员), with
	// answers shown at once: taken and submitted by both, then closed.
	st, body := admin.JSON("POST", "/api/v1/exams", ExamInput{Title: "上月小测", OpensAt: time.Now().Add(-time.Hour).Format(time.RFC3339),
		ClosesAt: time.Now().Add(time.Hour).Format(time.RFC3339), DurationMinutes: 10, PassScore: 1, ReviewPolicy: ReviewImmediate,
		Rules: []Rule{{Kind: KindJudge, Category: "发展党员", Count: 5, Points: 1}}})
	if st != 201 {
		t.Fatalf("earlier exam: %d %s", st, body)
	}
	var earlier struct{ ID int64 }
	webtest.Decode(t, body, &earlier)
	var earlierAttempts [2]int64
	for i, cl := range []*webtest.Client{sec, sec5} {
		a := start(t, cl, earlier.ID, 201)
		cl.JSON("PUT", fmt.Sprintf("/api/v1/attempts/%d/answers/1", a.ID), map[string]any{"answer": []string{"A"}})
		if st, body := cl.JSON("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", a.ID), nil); st != 200 {
			t.Fatalf("submit earlier: %d %s", st, body)
		}
		earlierAttempts[i] = a.ID
	}
	testdb.Exec(t, db, `UPDATE exams SET opens_at = now() - interval '30 days', closes_at = now() - interval '20 days' WHERE id = $1`, earlier.ID)

	// The demo exam: the secretary starts an attempt.
	attempt := start(t, sec, demoID, 201)
	if len(attempt.Items) != 50 {
		t.Fatalf("demo paper has %d items", len(attempt.Items))
	}
	var paper Paper
	if err := db.Get(&paper, `SELECT paper FROM attempts WHERE id = $1`, attempt.ID); err != nil {
		t.Fatal(err)
	}
	inPaper := map[int64]bool{}
	var paperIDs []int64
	for _, it := range paper {
		inPaper[it.QuestionID] = true
		paperIDs = append(paperIDs, it.QuestionID)
		if it.Explanation == "" {
			t.Fatalf("demo question %d has no 解析 to look for", it.QuestionID)
		}
	}
	// Before the exam the secretary practised the whole paper and got it wrong: all of it
	// would be in the 错题本.
	testdb.Exec(t, db, `INSERT INTO question_results (user_id, question_id, correct, answer)
		SELECT u.id, q, false, 'F' FROM users u, unnest($1::bigint[]) q WHERE u.username = 'secretary'`, pqArray(paperIDs))

	// noKey fails when a response carries a key or 解析 of the paper.
	noKey := func(what string, body []byte) {
		t.Helper()
		s := string(body)
		for _, it := range paper {
			if strings.Contains(s, it.Explanation) {
				t.Errorf("%s shows the 解析 of paper question %d", what, it.QuestionID)
				return
			}
		}
		for _, marker := range []string{`"correct_answer"`, `"correct":[`, `"explanation":"`, "正确答案", "解析："} {
			if strings.Contains(s, marker) {
				t.Errorf("%s carries %s: %.300s", what, marker, s)
				return
			}
		}
	}
	get := func(cl *webtest.Client, path string) (int, []byte) {
		t.Helper()
		st, body := cl.JSON("GET", path, nil)
		noKey("GET "+path, body)
		return st, body
	}

	// 1. Practice answers, for every question of the paper and every key one could try.
	for _, cl := range []*webtest.Client{sec, sec5} {
		for _, id := range paperIDs {
			for _, ans := range [][]string{{"A"}, {"B"}, {"C"}, {"A", "B"}, {"对"}} {
				st, body := cl.JSON("POST", "/api/v1/practice/answer", map[string]any{"question_id": id, "answer": ans})
				noKey(fmt.Sprintf("practice answer %d %v", id, ans), body)
				if st != 409 || webtest.ErrorCode(body) != "question_in_open_exam" || !strings.Contains(string(body), "考试结束后才能练习") {
					t.Fatalf("practice answer of paper question %d → %d %s, want 409 question_in_open_exam", id, st, body)
				}
			}
		}
	}
	// 2. Practice sets: every category, the whole bank, the 错题本 set.
	var cats struct {
		Categories []CategoryCount `json:"categories"`
	}
	_, body = get(sec, "/api/v1/questions/categories")
	webtest.Decode(t, body, &cats)
	paths := []string{"/api/v1/practice?count=50", "/api/v1/practice?mistakes=1&count=50"}
	for _, c := range cats.Categories {
		paths = append(paths, "/api/v1/practice?count=50&category="+url.QueryEscape(c.Category))
	}
	for _, p := range paths {
		st, body := get(sec, p)
		var set struct {
			Items []practiceItem `json:"items"`
		}
		json.Unmarshal(body, &set)
		for _, it := range set.Items {
			if inPaper[it.QuestionID] {
				t.Errorf("%s offers paper question %d to practise", p, it.QuestionID)
			}
		}
		if st != 409 || webtest.ErrorCode(body) != "question_in_open_exam" { // the demo exam draws from the whole bank
			t.Errorf("%s → %d %s, want 409 question_in_open_exam", p, st, body)
		}
	}
	// 3. The 错题本, API and page.
	st, body = get(sec, "/api/v1/mistakes")
	var mistakes struct {
		Items    []Mistake `json:"items"`
		Withheld int       `json:"withheld"`
	}
	webtest.Decode(t, body, &mistakes)
	for _, m := range mistakes.Items {
		if inPaper[m.QuestionID] {
			t.Errorf("错题本 lists paper question %d", m.QuestionID)
		}
	}
	if st != 200 || mistakes.Withheld < len(paperIDs) {
		t.Errorf("mistakes: %d, withheld %d, want ≥ %d", st, mistakes.Withheld, len(paperIDs))
	}
	// 4. The review of the earlier exam (answers shown at once, window closed): its items
	// are questions the demo exam may draw, so they wait too — for the owner and for the
	// township's organizer; someone else's attempt stays out of reach.
	organizer := login(t, srv, "organizer")
	for _, cl := range []*webtest.Client{sec, organizer} {
		st, body := get(cl, fmt.Sprintf("/api/v1/attempts/%d", earlierAttempts[0]))
		var v attemptView
		webtest.Decode(t, body, &v)
		if st != 200 || !v.Review || v.Withheld != len(v.Items) || len(v.Items) != 5 {
			t.Errorf("earlier review: %d review %v withheld %d of %d", st, v.Review, v.Withheld, len(v.Items))
		}
		if st, page := get(cl, fmt.Sprintf("/exams/attempts/%d/result", earlierAttempts[0])); st != 200 || !strings.Contains(string(page), "考试结束后显示答案与解析") {
			t.Errorf("earlier result page: %d", st)
		}
	}
	if st, _ := get(sec, fmt.Sprintf("/api/v1/attempts/%d", earlierAttempts[1])); st != 404 {
		t.Errorf("another secretary's attempt → %d", st)
	}
	for _, p := range []string{"/api/v1/practice/answer"} {
		st, body := organizer.JSON("POST", p, map[string]any{"question_id": paperIDs[0], "answer": []string{"A"}})
		noKey("organizer "+p, body)
		if st != 409 {
			t.Errorf("organizer practice answer → %d", st)
		}
	}
	// 5. Everything else the secretary can reach: the attempt itself, exams, pages; the
	// question bank is for admins only.
	for _, p := range []string{fmt.Sprintf("/api/v1/attempts/%d", attempt.ID), "/api/v1/exams", fmt.Sprintf("/api/v1/exams/%d", demoID),
		"/exams", "/exams/practice", "/exams/practice?mistakes=1", "/exams/mistakes", fmt.Sprintf("/exams/attempts/%d", attempt.ID),
		fmt.Sprintf("/exams/attempts/%d/result", attempt.ID)} {
		if st, _ := get(sec, p); st != 200 && st != 303 {
			t.Errorf("GET %s → %d", p, st)
		}
	}
	for _, p := range []string{"/api/v1/questions", fmt.Sprintf("/api/v1/questions/%d", paperIDs[0]), "/api/v1/questions/export.xlsx",
		fmt.Sprintf("/api/v1/exams/%d/results", demoID), fmt.Sprintf("/api/v1/exams/%d/item-stats", demoID),
		"/admin/questions", fmt.Sprintf("/admin/questions/%d/edit", paperIDs[0]), fmt.Sprintf("/admin/exams/%d", demoID)} {
		if st, _ := get(sec, p); st != 403 {
			t.Errorf("secretary GET %s → %d, want 403", p, st)
		}
	}
	for _, p := range []string{fmt.Sprintf("/api/v1/exams/%d/item-stats", demoID), fmt.Sprintf("/admin/exams/%d", demoID)} {
		get(organizer, p)
	}

	// A secretary the exam is not for (township 2) practises freely; the paper's
	// secretary keeps the guard even after moving there, having sat the exam.
	testdb.Exec(t, db, `UPDATE exams SET all_townships = false WHERE id = $1`, demoID)
	testdb.Exec(t, db, `INSERT INTO exam_townships (exam_id, township_id) SELECT $1, township_id FROM users WHERE username = 'secretary'`, demoID)
	if st, body := login(t, srv, "secretary2").JSON("POST", "/api/v1/practice/answer", map[string]any{"question_id": paperIDs[0], "answer": []string{"A"}}); st != 200 || !strings.Contains(string(body), "correct_answer") {
		t.Fatalf("secretary outside the exam's townships: %d %s", st, body)
	}
	if st, _ := sec.JSON("POST", "/api/v1/practice/answer", map[string]any{"question_id": paperIDs[0], "answer": []string{"A"}}); st != 409 {
		t.Fatalf("secretary inside the exam's townships: %d", st)
	}
	var secID int64
	var town2 web.Identity
	testdb.Get(t, db, &secID, `SELECT id FROM users WHERE username = 'secretary'`)
	testdb.Get(t, db, &town2.TownshipID, `SELECT township_id FROM users WHERE username = 'secretary2'`)
	if _, hidden, err := NewStore(db, nil, Deps{}).Guard(context.Background(), secID, nullInt(town2.TownshipID), paperIDs[:1]); err != nil || !hidden[paperIDs[0]] {
		t.Fatalf("a candidate who sat the exam and moved township lost the guard: %v %v", hidden, err)
	}
	testdb.Exec(t, db, `UPDATE exams SET all_townships = true WHERE id = $1`, demoID)

	// Closed, but within the grace: still guarded. After the grace: practice shows keys.
	answerFirst := func() (int, []byte) {
		return sec.JSON("POST", "/api/v1/practice/answer", map[string]any{"question_id": paperIDs[0], "answer": []string{"A"}})
	}
	testdb.Exec(t, db, `UPDATE exams SET closes_at = now() - interval '10 seconds' WHERE id = $1`, demoID)
	if st, _ := answerFirst(); st != 409 {
		t.Fatalf("within the grace after the close: %d", st)
	}
	testdb.Exec(t, db, `UPDATE exams SET closes_at = now() - $2 * interval '1 second' - interval '2 seconds' WHERE id = $1`, demoID, int(Grace.Seconds()))
	var key string
	testdb.Get(t, db, &key, `SELECT answer FROM questions WHERE id = $1`, paperIDs[0])
	st, body = answerFirst()
	var res struct {
		CorrectAnswer []string `json:"correct_answer"`
		Explanation   string   `json:"explanation"`
	}
	webtest.Decode(t, body, &res)
	if st != 200 || strings.Join(res.CorrectAnswer, "") != key || res.Explanation == "" {
		t.Fatalf("practice after the exam: %d %s", st, body)
	}
	if st, body := sec.JSON("GET", "/api/v1/practice?count=5", nil); st != 200 || !strings.Contains(string(body), "question_id") {
		t.Fatalf("practice set after the exam: %d %s", st, body)
	}
	webtest.Decode(t, mustJSON(t, sec, "GET", "/api/v1/mistakes"), &mistakes)
	if mistakes.Withheld != 0 || len(mistakes.Items) < len(paperIDs)-1 {
		t.Fatalf("错题本 after the exam: %d items, %d withheld", len(mistakes.Items), mistakes.Withheld)
	}
	var v attemptJSON
	webtest.Decode(t, mustJSON(t, sec, "GET", fmt.Sprintf("/api/v1/attempts/%d", earlierAttempts[0])), &v)
	if !v.Review || len(v.Items[0].Correct) == 0 {
		t.Fatalf("earlier review after the exam: %+v", v.Items[0])
	}
}
