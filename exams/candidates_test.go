package exams

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"zhibu/app/testdb"
	"zhibu/app/web"
)

// candidateCounty is a county of three townships with secretaries active and not, with
// and without attempts, an organizer and an admin, exams for all or some townships, and
// 结业 exams of 集中培训班 (for the class's participants only, whatever the townships say).
type candidateCounty struct {
	towns                     [3]int64
	users                     map[string]int64
	all, t1, t12, t3, t1Moved int64
	// classT1: for township 1, linked by a class of s2, s1-off and o1 that s3 sat without
	// being in it; classAll: for all townships, linked by a class nobody is in;
	// classDraft: a draft linked by a class of s1.
	classT1, classAll, classDraft int64
}

func makeCandidateCounty(t *testing.T, e *env) candidateCounty {
	t.Helper()
	c := candidateCounty{users: map[string]int64{}}
	var branches [3]int64
	for i := range c.towns {
		c.towns[i] = testdb.Township(t, e.db, testdb.Unique("候选镇"))
		branches[i] = testdb.Branch(t, e.db, c.towns[i], testdb.Unique("候选支部"), "农村")
	}
	user := func(name, role string, town int, active bool) {
		id := testdb.User(t, e.db, role, testdb.Unique(name), c.towns[town], branches[town])
		if !active {
			testdb.Exec(t, e.db, `UPDATE users SET active = false WHERE id = $1`, id)
		}
		c.users[name] = id
	}
	user("s1", "secretary", 0, true)
	user("s1-off", "secretary", 0, false)     // inactive, no attempt
	user("s1-off-sat", "secretary", 0, false) // inactive, sat t1
	user("s2", "secretary", 1, true)
	user("s2-moved", "secretary", 1, true) // sat t1Moved while in township 1, now in 2
	user("s3", "secretary", 2, true)
	user("o1", "organizer", 0, true)
	c.users["admin"] = testdb.User(t, e.db, "admin", testdb.Unique("admin"), 0, 0)

	// The exams draw from a category of their own, so that they guard nothing of the
	// other tests (guard.go).
	rules := fmt.Sprintf(`[{"kind":"single","category":%q,"count":1,"points":1}]`, testdb.Unique("候选分类"))
	exam := func(towns ...int64) int64 {
		var id int64
		testdb.Get(t, e.db, &id, `INSERT INTO exams (title, opens_at, closes_at, duration_minutes, pass_score, total_points, rules, all_townships)
			VALUES ($1, now() - interval '1 hour', now() + interval '1 hour', 30, 0, 1, $2, $3) RETURNING id`,
			testdb.Unique("候选考试"), rules, len(towns) == 0)
		for _, town := range towns {
			testdb.Exec(t, e.db, `INSERT INTO exam_townships (exam_id, township_id) VALUES ($1, $2)`, id, town)
		}
		return id
	}
	c.all = exam()
	c.t1 = exam(c.towns[0])
	c.t12 = exam(c.towns[0], c.towns[1])
	c.t3 = exam(c.towns[2])
	c.t1Moved = exam(c.towns[0])
	sat := func(examID int64, user string, town int64) {
		testdb.Exec(t, e.db, `INSERT INTO attempts (exam_id, user_id, township_id, seq, deadline, paper, shape, max_score, status, score, passed)
			VALUES ($1, $2, $3, 1, now(), '[]', '', 1, 'finished', 1, true)`, examID, c.users[user], town)
	}
	sat(c.t1, "s1", c.towns[0])
	sat(c.t1, "s1-off-sat", c.towns[0])
	sat(c.t1Moved, "s2-moved", c.towns[0])
	sat(c.all, "s3", c.towns[2])

	c.classT1, c.classAll, c.classDraft = exam(c.towns[0]), exam(), exam()
	testdb.Exec(t, e.db, `UPDATE exams SET published_at = NULL WHERE id = $1`, c.classDraft)
	class := func(examID int64, users ...string) {
		var id int64
		testdb.Get(t, e.db, &id, `INSERT INTO classes (title, kind, exam_id) VALUES ($1, '理论', $2) RETURNING id`, testdb.Unique("候选班"), examID)
		for _, u := range users {
			testdb.Exec(t, e.db, `INSERT INTO class_participants (class_id, user_id, township_id) SELECT $1, id, township_id FROM users WHERE id = $2`, id, c.users[u])
		}
	}
	class(c.classT1, "s2", "s1-off", "o1")
	class(c.classAll)
	class(c.classDraft, "s1")
	sat(c.classT1, "s3", c.towns[2])
	return c
}

// The view exam_candidates and its Go mirror IsCandidate agree on every exam and user of
// the county, and both give the expected candidates.
func TestCandidatesViewMatchesIsCandidate(t *testing.T) {
	e := newEnv(t)
	c := makeCandidateCounty(t, e)
	ctx := context.Background()
	st := e.store()
	exams := []int64{c.all, c.t1, c.t12, c.t3, c.t1Moved, c.classT1, c.classAll, c.classDraft}
	var ids []int64
	for _, id := range c.users {
		ids = append(ids, id)
	}
	var rows []struct {
		ExamID int64 `db:"exam_id"`
		UserID int64 `db:"user_id"`
	}
	if err := e.db.Select(&rows, `SELECT exam_id, user_id FROM exam_candidates WHERE exam_id = ANY($1) AND user_id = ANY($2)`,
		pqArray(exams), pqArray(ids)); err != nil {
		t.Fatal(err)
	}
	inView := map[[2]int64]bool{}
	for _, r := range rows {
		inView[[2]int64{r.ExamID, r.UserID}] = true
	}
	got := map[int64][]string{} // exam → names of candidates (Go)
	for _, examID := range exams {
		ex, err := st.StaffExam(ctx, examID, web.Scope{All: true}) // drafts too
		if err != nil {
			t.Fatal(err)
		}
		for name, userID := range c.users {
			var u struct {
				Role       string `db:"role"`
				Active     bool   `db:"active"`
				TownshipID int64  `db:"township_id"`
				HasAttempt bool   `db:"has_attempt"`
				InClass    bool   `db:"in_class"`
			}
			testdb.Get(t, e.db, &u, `SELECT role, active, COALESCE(township_id, 0) AS township_id,
				EXISTS (SELECT 1 FROM attempts WHERE exam_id = $1 AND user_id = u.id) AS has_attempt,
				EXISTS (SELECT 1 FROM classes c JOIN class_participants p ON p.class_id = c.id
					WHERE c.exam_id = $1 AND p.user_id = u.id) AS in_class
				FROM users u WHERE id = $2`, examID, userID)
			goSays := IsCandidate(ex, CandidateFacts(u))
			if goSays != inView[[2]int64{examID, userID}] {
				t.Errorf("exam %d, %s: IsCandidate %v, exam_candidates %v", examID, name, goSays, !goSays)
			}
			if goSays {
				got[examID] = append(got[examID], name)
			}
		}
		slices.Sort(got[examID])
	}
	want := map[int64][]string{
		c.all:     {"s1", "s2", "s2-moved", "s3"},
		c.t1:      {"s1", "s1-off-sat"},
		c.t12:     {"s1", "s2", "s2-moved"},
		c.t3:      {"s3"},
		c.t1Moved: {"s1", "s2-moved"},
		// s1 is of the exam's township but not in the class; s2 is in it though of another
		// township; s1-off is inactive, o1 no secretary; s3 sat it.
		c.classT1:    {"s2", "s3"},
		c.classAll:   nil,
		c.classDraft: nil,
	}
	for examID, names := range want {
		if !slices.Equal(got[examID], names) {
			t.Errorf("exam %d candidates %v, want %v", examID, got[examID], names)
		}
	}
}

// The results and the staff home card count the exam's candidates only: a secretary of a
// township the exam is not for is neither listed nor counted.
func TestResultsScopedToExamTownships(t *testing.T) {
	e := newEnv(t)
	c := makeCandidateCounty(t, e)
	ctx := context.Background()
	st := e.store()
	rows, err := st.ExamResults(ctx, c.t1, web.Scope{All: true})
	if err != nil {
		t.Fatal(err)
	}
	var listed []int64
	for _, r := range rows {
		listed = append(listed, r.UserID)
	}
	slices.Sort(listed)
	want := []int64{c.users["s1"], c.users["s1-off-sat"]}
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Fatalf("results of an exam for township 1 list users %v, want %v (s1, s1-off-sat)", listed, want)
	}
	if f := ResultFigures(rows, 100); f.Examinees != 2 || f.Passed != 2 {
		t.Fatalf("taken %d passed %d, want 2 and 2", f.Examinees, f.Passed)
	}

	turnout := func(scope web.Scope, examID int64) Turnout {
		t.Helper()
		list, err := st.OpenExamTurnout(ctx, scope, 10000)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range list {
			if r.ID == examID {
				return r
			}
		}
		t.Fatalf("exam %d not in the turnout of %+v", examID, scope)
		return Turnout{}
	}
	if r := turnout(web.Scope{All: true}, c.t1); r.Candidates != 2 || r.Taken != 2 {
		t.Fatalf("county card for the township-1 exam: %d/%d, want 2/2", r.Taken, r.Candidates)
	}
	if r := turnout(web.Scope{All: true}, c.t12); r.Candidates != 3 || r.Taken != 0 {
		t.Fatalf("county card for the township-1+2 exam: %d/%d, want 0/3", r.Taken, r.Candidates)
	}
	if r := turnout(web.Scope{TownshipID: c.towns[1]}, c.all); r.Candidates != 2 || r.Taken != 0 {
		t.Fatalf("township-2 card for the all-township exam: %d/%d, want 0/2", r.Taken, r.Candidates)
	}
}
