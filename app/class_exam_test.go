package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"zhibu/app/classes"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
	"zhibu/app/workbook/workbooktest"
)

// The wiring of mountFeatures for a class's 结业 exam (exams.Deps.StartGuard =
// classes.ExamRefusalFor): the exam is for the class's participants only, whatever its
// townships say — a secretary of its township outside the class gets 404, a participant
// of another township may start it — and a participant whose leave and absence are over
// the class's limit is refused a new attempt with 409 and the class's reason (API and
// form), while one exactly at the limit starts and an attempt in progress resumes. The
// results page and the reports' results workbook (the view exam_candidates) list the
// participants only.
func TestClassExamThroughTheWiring(t *testing.T) {
	db := testdb.DB(t)
	srv := webtest.Server(t, db, web.Config{}, mountFeatures)
	towns, branches := map[string]int64{}, map[string]int64{}
	for _, n := range []string{"甲", "乙"} {
		towns[n] = testdb.Township(t, db, testdb.Unique(n+"镇"))
		branches[n] = testdb.Branch(t, db, towns[n], testdb.Unique(n+"村党支部"), "农村")
	}
	admin := testdb.User(t, db, "admin", testdb.Unique("admin"), 0, 0)
	secretary := func(town, name string) int64 {
		id := testdb.User(t, db, "secretary", testdb.Unique("sec"), towns[town], branches[town])
		testdb.Exec(t, db, `UPDATE users SET name = $2 WHERE id = $1`, id, name)
		return id
	}
	outsider := secretary("甲", "甲班外")  // of the exam's township, not in the class
	atLimit := secretary("甲", "甲学员")   // missed 1 of 7 学时: exactly the limit
	overLimit := secretary("乙", "乙超限") // missed 6 of 7 学时
	resumer := secretary("乙", "乙作答中")  // started, then missed 6 of 7 学时

	// The exam is for township 甲 only; the class links it. An exam of no rules draws an
	// empty paper: enough to start one.
	var examID, classID int64
	testdb.Get(t, db, &examID, `INSERT INTO exams (title, opens_at, closes_at, duration_minutes, pass_score, total_points, all_townships, rules)
		VALUES ($1, now() - interval '1 hour', now() + interval '1 day', 60, 0, 0, false, '[]') RETURNING id`, testdb.Unique("结业考试"))
	testdb.Exec(t, db, `INSERT INTO exam_townships (exam_id, township_id) VALUES ($1, $2)`, examID, towns["甲"])
	testdb.Get(t, db, &classID, `INSERT INTO classes (title, kind, exam_id) VALUES ($1, '理论', $2) RETURNING id`, testdb.Unique("培训班"), examID)
	for _, u := range []int64{atLimit, overLimit, resumer} {
		testdb.Exec(t, db, `INSERT INTO class_participants (class_id, user_id, township_id) SELECT $1, id, township_id FROM users WHERE id = $2`, classID, u)
	}
	session := func(daysAgo int, hours float64) int64 {
		var id int64
		starts := time.Now().Add(-time.Duration(daysAgo) * 24 * time.Hour)
		testdb.Get(t, db, &id, `INSERT INTO class_sessions (class_id, starts_at, ends_at, topic, hours, secret)
			VALUES ($1, $2, $3, $4, $5, decode(repeat('00', 32), 'hex')) RETURNING id`, classID, starts, starts.Add(2*time.Hour), testdb.Unique("专题"), hours)
		return id
	}
	long, short := session(3, 6), session(2, 1)
	mark := func(sessionID, userID int64, status string) {
		testdb.Exec(t, db, `INSERT INTO class_attendance (session_id, user_id, status, via) VALUES ($1, $2, $3, 'roll')
			ON CONFLICT (session_id, user_id) DO UPDATE SET status = EXCLUDED.status`, sessionID, userID, status)
	}
	mark(long, atLimit, "present")
	mark(short, atLimit, "leave")
	mark(long, overLimit, "absent")
	mark(short, overLimit, "present")
	mark(long, resumer, "present")
	mark(short, resumer, "present")
	reason := classes.ExamRefusal(6, 7, 1, 7)

	startAPI := func(userID int64) (int, []byte) {
		return webtest.AsUser(t, srv, userID).JSON("POST", fmt.Sprintf("/api/v1/exams/%d/attempts", examID), nil)
	}
	listed := func(userID int64) string {
		t.Helper()
		st, body := webtest.AsUser(t, srv, userID).JSON("GET", "/api/v1/exams", nil)
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

	if s := listed(outsider); s != "" {
		t.Fatalf("a secretary outside the class lists its exam (state %q)", s)
	}
	if st, body := startAPI(outsider); st != 404 {
		t.Fatalf("start by a secretary outside the class: %d %s", st, body)
	}

	// The one in progress started before the absence: it resumes after it.
	st, body := startAPI(resumer)
	if st != 201 {
		t.Fatalf("start under the limit: %d %s", st, body)
	}
	var first struct{ ID int64 }
	webtest.Decode(t, body, &first)
	mark(long, resumer, "absent")
	if st, body := startAPI(resumer); st != 200 || !strings.Contains(string(body), fmt.Sprintf(`"id":%d`, first.ID)) {
		t.Fatalf("resume after going over the limit: %d %s", st, body)
	}

	if s := listed(overLimit); s != "refused" {
		t.Fatalf("over the limit: list state %q, want refused", s)
	}
	over := webtest.AsUser(t, srv, overLimit)
	if _, page := over.Get("/exams"); !strings.Contains(page, reason) || strings.Contains(page, fmt.Sprintf(`action="/exams/%d/start"`, examID)) {
		t.Fatalf("exams page over the limit invites the start or hides why:\n%s", page)
	}
	if st, body := startAPI(overLimit); st != 409 || webtest.ErrorCode(body) != "start_refused" || !strings.Contains(string(body), reason) {
		t.Fatalf("start over the limit: %d %s (want 409 with %q)", st, body, reason)
	}
	resp := over.Form("POST", fmt.Sprintf("/exams/%d/start", examID), nil)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 409 || !strings.Contains(string(page), reason) {
		t.Fatalf("start form over the limit: %d %s", resp.StatusCode, page)
	}

	if s := listed(atLimit); s != "open" {
		t.Fatalf("exactly at the limit: list state %q, want open", s)
	}
	if st, body := startAPI(atLimit); st != 201 {
		t.Fatalf("start exactly at the limit: %d %s", st, body)
	}

	// Who the exam is for, as its results and the results workbook count it.
	want := []string{"乙作答中", "乙超限", "甲学员"}
	cl := webtest.AsUser(t, srv, admin)
	st, body = cl.JSON("GET", fmt.Sprintf("/api/v1/exams/%d/results", examID), nil)
	if st != 200 {
		t.Fatalf("results: %d %s", st, body)
	}
	var res struct {
		Results []struct {
			Name string `json:"name"`
		} `json:"results"`
	}
	webtest.Decode(t, body, &res)
	var got []string
	for _, r := range res.Results {
		got = append(got, r.Name)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("results list %v, want the participants %v", got, want)
	}
	resp = cl.Do("GET", fmt.Sprintf("/api/v1/reports/exams/%d.xlsx", examID), nil, "")
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("results workbook: %d %v %.200s", resp.StatusCode, err, data)
	}
	rows := workbooktest.Read(t, data)["成绩"].Rows
	got = nil
	for _, r := range rows[2:] {
		got = append(got, r[3])
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("results workbook lists %v, want the participants %v", got, want)
	}
}
