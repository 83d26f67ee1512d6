package exams

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// fakeGuard is a Deps.StartGuard the test controls: a refusal per user and exam, and
// how often it was asked per exam.
type fakeGuard struct {
	mu      sync.Mutex
	refuse  map[[2]int64]string
	queries map[int64]int
}

func newFakeGuard() *fakeGuard {
	return &fakeGuard{refuse: map[[2]int64]string{}, queries: map[int64]int{}}
}

func (g *fakeGuard) guard(_ context.Context, userID, examID int64) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.queries[examID]++
	return g.refuse[[2]int64{userID, examID}], nil
}

func (g *fakeGuard) set(userID, examID int64, reason string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.refuse[[2]int64{userID, examID}] = reason
}

func (g *fakeGuard) asked(examID int64) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.queries[examID]
}

// classExam is an exam for township 0 of the county, closing in a few minutes (so that it
// is among the three home cards), linked by a class of the users given.
func classExam(t *testing.T, e *env, participants ...int64) int64 {
	t.Helper()
	id := e.exam(t, func(in *ExamInput) { in.TownshipIDs = []int64{e.county.Townships[0]} })
	testdb.Exec(t, e.db, `UPDATE exams SET closes_at = now() + interval '3 minutes' WHERE id = $1`, id)
	var classID int64
	testdb.Get(t, e.db, &classID, `INSERT INTO classes (title, kind, exam_id) VALUES ($1, '理论', $2) RETURNING id`, testdb.Unique("培训班"), id)
	for _, u := range participants {
		testdb.Exec(t, e.db, `INSERT INTO class_participants (class_id, user_id, township_id) SELECT $1, id, township_id FROM users WHERE id = $2`, classID, u)
	}
	return id
}

// examState is the exam's state in the caller's GET /api/v1/exams ("" when not listed).
func examState(t *testing.T, cl *webtest.Client, examID int64) string {
	t.Helper()
	st, body := cl.JSON("GET", "/api/v1/exams", nil)
	if st != 200 {
		t.Fatalf("exams list: %d %s", st, body)
	}
	var out struct {
		Exams []struct {
			ID    int64  `json:"id"`
			State string `json:"state"`
		} `json:"exams"`
	}
	webtest.Decode(t, body, &out)
	for _, x := range out.Exams {
		if x.ID == examID {
			return x.State
		}
	}
	return ""
}

// hasCard tells whether the user's home cards show the exam.
func hasCard(t *testing.T, e *env, userID, examID int64) bool {
	t.Helper()
	var title string
	testdb.Get(t, e.db, &title, `SELECT title FROM exams WHERE id = $1`, examID)
	var me web.Identity
	testdb.Get(t, e.db, &me, `SELECT id AS user_id, username, name, role, COALESCE(township_id, 0) AS township_id,
		COALESCE(branch_id, 0) AS branch_id, false AS must_change_password FROM users WHERE id = $1`, userID)
	cards, err := (&handlers{s: e.srv, st: e.store()}).homeCards(context.Background(), &me)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cards {
		if c.Title == "考试："+title {
			return true
		}
	}
	return false
}

func formStart(t *testing.T, cl *webtest.Client, examID int64) (int, string) {
	t.Helper()
	resp := cl.Form("POST", fmt.Sprintf("/exams/%d/start", examID), nil)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(page)
}

// A class's 结业 exam is for its participants only: a secretary of the exam's township who
// is not in the class neither lists, sees, starts nor is guarded by it (404 like any
// non-candidate); a participant of another township lists and starts it.
func TestClassExamOnlyForParticipants(t *testing.T) {
	e := newEnv(t)
	outsider := e.county.Secretaries[0][0]    // of the exam's township, not in the class
	participant := e.county.Secretaries[1][0] // of the other township, in the class
	examID := classExam(t, e, participant)
	ctx := context.Background()

	out := webtest.AsUser(t, e.srv, outsider)
	if s := examState(t, out, examID); s != "" {
		t.Fatalf("a non-participant lists the class exam (state %q)", s)
	}
	if st, body := out.JSON("GET", fmt.Sprintf("/api/v1/exams/%d", examID), nil); st != 404 {
		t.Fatalf("a non-participant reads the class exam: %d %s", st, body)
	}
	if _, list := out.Get("/exams"); strings.Contains(list, fmt.Sprintf("/exams/%d/start", examID)) {
		t.Fatal("the exams page invites a non-participant to the class exam")
	}
	if hasCard(t, e, outsider, examID) {
		t.Fatal("a non-participant has a home card of the class exam")
	}
	start(t, out, examID, 404)
	if st, _ := formStart(t, out, examID); st != 404 {
		t.Fatalf("start form of a non-participant: %d, want 404", st)
	}
	var qid int64
	testdb.Get(t, e.db, &qid, `SELECT id FROM questions WHERE category = $1 LIMIT 1`, e.cat)
	st := e.store()
	if _, hidden, err := st.Guard(ctx, outsider, sql.NullInt64{Int64: e.county.Townships[0], Valid: true}, []int64{qid}); err != nil || hidden[qid] {
		t.Fatalf("the class exam guards a non-participant's practice: hidden %v, %v", hidden, err)
	}
	if _, hidden, err := st.Guard(ctx, participant, sql.NullInt64{Int64: e.county.Townships[1], Valid: true}, []int64{qid}); err != nil || !hidden[qid] {
		t.Fatalf("the class exam does not guard a participant's practice: hidden %v, %v", hidden, err)
	}

	ex, err := st.StaffExam(ctx, examID, web.Scope{All: true})
	if err != nil || !ex.ClassExam {
		t.Fatalf("class exam loaded as %+v, %v", ex, err)
	}
	if n, err := st.ScopeSize(ctx, ex); err != nil || n != 1 {
		t.Fatalf("the publish confirmation counts %d secretaries (%v), want the 1 participant", n, err)
	}

	in := webtest.AsUser(t, e.srv, participant)
	if s := examState(t, in, examID); s != "open" {
		t.Fatalf("participant of another township: state %q, want open", s)
	}
	if !hasCard(t, e, participant, examID) {
		t.Fatal("no home card of the class exam for a participant")
	}
	start(t, in, examID, 201)

	// The same exam without the class is for its township again.
	testdb.Exec(t, e.db, `UPDATE classes SET exam_id = NULL WHERE exam_id = $1`, examID)
	if s := examState(t, out, examID); s != "open" {
		t.Fatalf("unlinked exam for the outsider's township: state %q, want open", s)
	}
}

// Over the class's absence limit (the start guard's refusal) a participant is refused a
// new attempt with 409 and the guard's reason through the API and the form, and the list,
// the home card and the result page show the reason instead of inviting the start; under
// it the start is 201; an attempt in progress always resumes. The guard is asked for class
// exams only when listing.
func TestClassExamStartGuard(t *testing.T) {
	g := newFakeGuard()
	e := newEnvWith(t, Deps{StartGuard: g.guard})
	over, under, resumer := e.county.Secretaries[0][0], e.county.Secretaries[0][1], e.county.Secretaries[1][0]
	examID := classExam(t, e, over, under, resumer)
	const reason = "您请假和缺勤已达 4 学时，超过本班总学时 14 的 1/7，不能参加结业考试。"
	g.set(over, examID, reason)

	cl := webtest.AsUser(t, e.srv, over)
	if s := examState(t, cl, examID); s != "refused" {
		t.Fatalf("over the limit: list state %q, want refused", s)
	}
	_, list := cl.Get("/exams")
	if !strings.Contains(list, reason) || strings.Contains(list, fmt.Sprintf(`action="/exams/%d/start"`, examID)) {
		t.Fatalf("exams page over the limit invites the start or hides why:\n%s", list)
	}
	if c := examCard(t, e, over, examID); c.Accent || !strings.Contains(strings.Join(c.Lines, "\n"), reason) {
		t.Fatalf("home card over the limit: %+v", c)
	}
	st, body := cl.JSON("POST", fmt.Sprintf("/api/v1/exams/%d/attempts", examID), nil)
	if st != 409 || webtest.ErrorCode(body) != "start_refused" || !strings.Contains(string(body), reason) {
		t.Fatalf("start over the limit: %d %s", st, body)
	}
	if st, page := formStart(t, cl, examID); st != 409 || !strings.Contains(page, reason) {
		t.Fatalf("start form over the limit: %d %s", st, page)
	}
	var n int
	testdb.Get(t, e.db, &n, `SELECT count(*) FROM attempts WHERE exam_id = $1 AND user_id = $2`, examID, over)
	if n != 0 {
		t.Fatalf("a refused start left %d attempts", n)
	}

	ok := webtest.AsUser(t, e.srv, under)
	if s := examState(t, ok, examID); s != "open" {
		t.Fatalf("under the limit: list state %q, want open", s)
	}
	a := sit(t, ok, examID, false) // 201, then failed: a retake is left
	_, res := ok.Get(fmt.Sprintf("/exams/attempts/%d/result", a.ID))
	if !strings.Contains(res, `id="retake-btn"`) {
		t.Fatalf("result page under the limit offers no retake:\n%s", section(res, "retake"))
	}
	g.set(under, examID, reason) // absent since: the retake is refused with the reason
	_, res = ok.Get(fmt.Sprintf("/exams/attempts/%d/result", a.ID))
	if strings.Contains(res, `id="retake-btn"`) || !strings.Contains(res, reason) {
		t.Fatalf("result page over the limit offers a retake or hides why:\n%s", section(res, "retake"))
	}

	// An attempt in progress resumes whatever the guard says now.
	rc := webtest.AsUser(t, e.srv, resumer)
	first := start(t, rc, examID, 201)
	g.set(resumer, examID, reason)
	asked := g.asked(examID)
	if again := start(t, rc, examID, 200); again.ID != first.ID {
		t.Fatalf("resumed attempt %d, want %d", again.ID, first.ID)
	}
	resp := rc.Form("POST", fmt.Sprintf("/exams/%d/start", examID), nil)
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || loc != fmt.Sprintf("/exams/attempts/%d", first.ID) {
		t.Fatalf("start form with an attempt in progress: %d %s", resp.StatusCode, loc)
	}
	if s := examState(t, rc, examID); s != "resume" {
		t.Fatalf("attempt in progress: list state %q, want resume", s)
	}
	if g.asked(examID) != asked {
		t.Fatal("resuming asked the start guard")
	}

	// Listing asks the guard for class exams only.
	plain := e.exam(t, nil)
	examState(t, cl, plain)
	examCard(t, e, over, examID)
	if n := g.asked(plain); n != 0 {
		t.Fatalf("listing asked the guard %d times for an exam no class links", n)
	}
}

// staffSees tells whether the exam is in the scope's staff list (AdminExams, the
// operation of GET /admin/exams, read whole: the package's tests share the database) and
// on its home card's turnout (OpenExamTurnout).
func staffSees(t *testing.T, e *env, scope web.Scope, examID int64) (listed, turnout bool) {
	t.Helper()
	ctx := context.Background()
	rows, total, err := e.store().AdminExams(ctx, scope, 0, 1_000_000)
	if err != nil || len(rows) != total {
		t.Fatalf("staff list: %d rows of %d, %v", len(rows), total, err)
	}
	for _, r := range rows {
		listed = listed || r.ID == examID
	}
	open, err := e.store().OpenExamTurnout(ctx, scope, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range open {
		turnout = turnout || r.ID == examID
	}
	return listed, turnout
}

// What staff see of a class's 结业 exam follows its candidates (the view exam_candidates),
// not the exam's townships: the exam is set for township A and linked by a class whose
// participants are of township B. B's organizer lists it, oversees it (their participants
// only) and downloads its results; A's organizer gets 404 and does not list it, until the
// class has a participant of A, and still sees it while that one's attempt stands after
// they left the class. The admin sees it throughout. At every step an organizer sees the
// exam exactly when the view has a candidate of their township.
func TestClassExamStaffVisibility(t *testing.T) {
	e := newEnv(t)
	townA, townB := e.county.Townships[0], e.county.Townships[1]
	inB, otherB, inA := e.county.Secretaries[1][0], e.county.Secretaries[1][1], e.county.Secretaries[0][0]
	examID := classExam(t, e, inB) // exam_townships = {A}
	var ex Exam
	testdb.Get(t, e.db, &ex, `SELECT `+examCols+` FROM exams e WHERE e.id = $1`, examID)
	if ex.AllTownships || len(ex.TownshipIDs) != 1 || ex.TownshipIDs[0] != townA || !ex.ClassExam {
		t.Fatalf("fixture: exam for %v (all %v), class exam %v; want {A}, linked", ex.TownshipIDs, ex.AllTownships, ex.ClassExam)
	}
	name := func(u int64) string {
		var n string
		testdb.Get(t, e.db, &n, `SELECT name FROM users WHERE id = $1`, u)
		return n
	}
	page := fmt.Sprintf("/admin/exams/%d", examID)
	results := fmt.Sprintf("/api/v1/exams/%d/results", examID)
	orgA := webtest.AsUser(t, e.srv, e.county.Organizers[0])
	orgB := webtest.AsUser(t, e.srv, e.county.Organizers[1])
	admin := webtest.AsUser(t, e.srv, e.county.Admin)
	scopeA, scopeB := web.Scope{TownshipID: townA}, web.Scope{TownshipID: townB}

	// The rule agrees with the view for both townships.
	agrees := func(step string) {
		t.Helper()
		for _, town := range []int64{townA, townB} {
			var inView bool
			testdb.Get(t, e.db, &inView, `SELECT EXISTS (SELECT 1 FROM exam_candidates WHERE exam_id = $1 AND township_id = $2)`, examID, town)
			_, err := e.store().StaffExam(context.Background(), examID, web.Scope{TownshipID: town})
			if seen := err == nil; seen != inView {
				t.Fatalf("%s: township %d sees the exam %v (%v), the view has a candidate of it %v", step, town, seen, err, inView)
			}
		}
	}
	agrees("participant of B")

	// B's organizer: listed, on the home card, oversight 200 with the participant only.
	if listed, card := staffSees(t, e, scopeB, examID); !listed || !card {
		t.Fatalf("organizer of the participant's township: listed %v, home card %v", listed, card)
	}
	st, body := orgB.Get(page)
	if st != 200 || !strings.Contains(body, name(inB)) || !strings.Contains(body, fmt.Sprintf(`data-user="%d"`, inB)) {
		t.Fatalf("organizer of the participant's township on the oversight page: %d\n%s", st, body)
	}
	if strings.Contains(body, fmt.Sprintf(`data-user="%d"`, otherB)) {
		t.Fatal("the oversight roster shows a secretary of the township who is not in the class")
	}
	var res struct {
		Candidates int `json:"candidates"`
		Results    []struct {
			UserID int64 `json:"user_id"`
		} `json:"results"`
	}
	st, raw := orgB.JSON("GET", results, nil)
	if st != 200 {
		t.Fatalf("results for the organizer of the participant's township: %d %s", st, raw)
	}
	webtest.Decode(t, raw, &res)
	if res.Candidates != 1 || len(res.Results) != 1 || res.Results[0].UserID != inB {
		t.Fatalf("results for the organizer of the participant's township: %s", raw)
	}

	// A's organizer: the exam's township, but nobody of A can take it.
	if listed, card := staffSees(t, e, scopeA, examID); listed || card {
		t.Fatalf("organizer of the exam's township without participants: listed %v, home card %v", listed, card)
	}
	if st, _ := orgA.Get(page); st != 404 {
		t.Fatalf("organizer of the exam's township without participants on the oversight page: %d, want 404", st)
	}
	if st, raw := orgA.JSON("GET", results, nil); st != 404 {
		t.Fatalf("results for the organizer of the exam's township without participants: %d %s", st, raw)
	}

	// The admin sees it.
	if listed, card := staffSees(t, e, web.Scope{All: true}, examID); !listed || !card {
		t.Fatalf("admin: listed %v, home card %v", listed, card)
	}
	if st, body := admin.Get(page); st != 200 || !strings.Contains(body, name(inB)) {
		t.Fatalf("admin on the oversight page: %d", st)
	}

	// A participant of A: A's organizer sees the exam with their participant only, and B's
	// roster does not show them.
	var classID int64
	testdb.Get(t, e.db, &classID, `SELECT id FROM classes WHERE exam_id = $1`, examID)
	testdb.Exec(t, e.db, `INSERT INTO class_participants (class_id, user_id, township_id) VALUES ($1, $2, $3)`, classID, inA, townA)
	agrees("participants of A and B")
	st, body = orgA.Get(page)
	if st != 200 || !strings.Contains(body, fmt.Sprintf(`data-user="%d"`, inA)) || strings.Contains(body, fmt.Sprintf(`data-user="%d"`, inB)) {
		t.Fatalf("organizer of A with a participant of A: %d\n%s", st, body)
	}
	if _, body := orgB.Get(page); strings.Contains(body, fmt.Sprintf(`data-user="%d"`, inA)) {
		t.Fatal("B's roster shows A's participant")
	}

	// A's participant starts, then leaves the class: their attempt keeps them a candidate,
	// and the exam visible to A.
	start(t, webtest.AsUser(t, e.srv, inA), examID, 201)
	testdb.Exec(t, e.db, `DELETE FROM class_participants WHERE class_id = $1 AND user_id = $2`, classID, inA)
	agrees("an attempt of A, no participant of A")
	if listed, _ := staffSees(t, e, scopeA, examID); !listed {
		t.Fatal("an attempt of A's secretary does not keep the exam on A's list")
	}
	if st, body := orgA.Get(page); st != 200 || !strings.Contains(body, fmt.Sprintf(`data-user="%d"`, inA)) {
		t.Fatalf("organizer of A with an attempt of A: %d", st)
	}

	// B's participant deactivated without an attempt: nobody of B can take it any more.
	testdb.Exec(t, e.db, `UPDATE users SET active = false WHERE id = $1`, inB)
	agrees("inactive participant of B")
	if st, _ := orgB.Get(page); st != 404 {
		t.Fatalf("organizer of B whose only participant is inactive: %d, want 404", st)
	}
}
