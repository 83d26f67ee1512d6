package exams

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"zhibu/app/testdb"
	"zhibu/app/web/webtest"
)

// Deps.OnPassed fires once per passed attempt, with the exam's course (0 for none), on
// submit and from the sweeper, and never for failed attempts.
func TestOnPassedHook(t *testing.T) {
	type call struct{ user, exam, course int64 }
	var mu sync.Mutex
	var calls []call
	var e *env
	e = newEnvWith(t, Deps{OnPassed: func(ctx context.Context, userID, examID, courseID int64) error {
		mu.Lock()
		defer mu.Unlock()
		var passed bool // the pass is committed before the hook runs
		if err := e.db.Get(&passed, `SELECT EXISTS (SELECT 1 FROM attempts WHERE exam_id = $1 AND user_id = $2 AND passed)`, examID, userID); err != nil {
			t.Errorf("read pass: %v", err)
		}
		if !passed {
			t.Errorf("hook ran before the pass was visible")
		}
		calls = append(calls, call{userID, examID, courseID})
		return nil
	}})
	var courseID int64
	testdb.Get(t, e.db, &courseID, `INSERT INTO courses (title, category) VALUES ($1, '实务') RETURNING id`, testdb.Unique("课程"))
	took := func() []call {
		mu.Lock()
		defer mu.Unlock()
		out := calls
		calls = nil
		return out
	}

	linked := e.exam(t, func(in *ExamInput) { in.CourseID = &courseID; in.PassScore = 0 })
	hard := e.exam(t, func(in *ExamInput) { in.CourseID = &courseID })
	plain := e.exam(t, func(in *ExamInput) { in.PassScore = 0 })
	s := e.county.Secretaries[0]
	submit := func(user, exam int64) {
		cl := webtest.AsUser(t, e.srv, user)
		a := start(t, cl, exam, 201)
		if st, body := cl.JSON("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", a.ID), nil); st != 200 {
			t.Fatalf("submit: %d %s", st, body)
		}
	}

	submit(s[0], linked)
	if c := took(); len(c) != 1 || c[0] != (call{s[0], linked, courseID}) {
		t.Fatalf("submit of a passed course exam: %v", c)
	}
	submit(s[1], hard) // no answers: fails
	if c := took(); len(c) != 0 {
		t.Fatalf("a failed attempt called the hook: %v", c)
	}
	submit(s[1], plain)
	if c := took(); len(c) != 1 || c[0] != (call{s[1], plain, 0}) {
		t.Fatalf("a passed exam without a course: %v", c)
	}

	// The sweeper finalizes an abandoned attempt that passes.
	cl := webtest.AsUser(t, e.srv, s[2])
	a := start(t, cl, linked, 201)
	testdb.Exec(t, e.db, `UPDATE attempts SET deadline = now() - interval '1 minute' WHERE id = $1`, a.ID)
	if n, err := e.store().SweepExpired(context.Background()); err != nil || n < 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if c := took(); len(c) != 1 || c[0] != (call{s[2], linked, courseID}) {
		t.Fatalf("sweeper: %v", c)
	}
}
