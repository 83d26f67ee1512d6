package main

import (
	"fmt"
	"testing"
	"time"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// The wiring of the 结业证书 triggers in mountFeatures (app/features.go): a pass of a
// course's exam completes the course and, through exams' OnPassed, issues the year
// programme's certificate; 结班 issues the class programme's certificates through
// classes' OnClosed — all through the real API.
func TestCertificateTriggers(t *testing.T) {
	db := testdb.DB(t)
	srv := webtest.Server(t, db, web.Config{}, mountFeatures)
	c := testdb.MakeCounty(t, db)
	admin := webtest.AsUser(t, srv, c.Admin)
	secID := c.Secretaries[0][0]
	year := time.Now().In(web.China).Year()

	// A 必修 course of the year for the secretary's township, with one lesson and an exam.
	cat := testdb.Unique("分类")
	testdb.Exec(t, db, `INSERT INTO questions (kind, category, stem, options, answer) VALUES ('judge', $1, $2, '["对","错"]', 'A')`,
		cat, testdb.Unique("判断题"))
	var courseID, lessonID int64
	testdb.Get(t, db, &courseID, `INSERT INTO courses (title, category, credit_hours, published) VALUES ($1, '实务', 2, true) RETURNING id`,
		testdb.Unique("课程"))
	testdb.Get(t, db, &lessonID, `INSERT INTO lessons (course_id, position, title, min_seconds) VALUES ($1, 1, '第一课', 0) RETURNING id`, courseID)
	testdb.Exec(t, db, `INSERT INTO course_assignments (course_id, year, scope, township_ids, due_date) VALUES ($1, $2, 'townships', $3, make_date($2, 12, 31))`,
		courseID, year, fmt.Sprintf("{%d}", c.Townships[0]))
	// Other tests' 必修 courses of the year are done already.
	testdb.Exec(t, db, `INSERT INTO course_progress (user_id, course_id, completed_at)
		SELECT user_id, course_id, now() FROM course_requirements WHERE user_id = $1 AND year = $2 AND course_id <> $3
		ON CONFLICT (user_id, course_id) DO UPDATE SET completed_at = now()`, secID, year, courseID)
	st, body := admin.JSON("POST", "/api/v1/exams", map[string]any{"title": testdb.Unique("课程考试"), "course_id": courseID,
		"opens_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "closes_at": time.Now().Add(time.Hour).Format(time.RFC3339),
		"duration_minutes": 30, "pass_score": 0, "rules": []map[string]any{{"kind": "judge", "category": cat, "count": 1, "points": 1}}})
	if st != 201 {
		t.Fatalf("create exam: %d %s", st, body)
	}
	var exam struct{ ID int64 }
	webtest.Decode(t, body, &exam)
	st, body = admin.JSON("POST", "/api/v1/certificate-programmes", map[string]any{"title": testdb.Unique("年度学习"), "kind": "year",
		"year": year, "exam_id": exam.ID})
	if st != 201 {
		t.Fatalf("create programme: %d %s", st, body)
	}
	var prog struct{ ID int64 }
	webtest.Decode(t, body, &prog)
	count := func(programme, user int64) int {
		var n int
		testdb.Get(t, db, &n, `SELECT count(*) FROM certificates WHERE programme_id = $1 AND user_id = $2`, programme, user)
		return n
	}

	sec := webtest.AsUser(t, srv, secID)
	beat := fmt.Sprintf("/api/v1/lessons/%d/heartbeat", lessonID)
	sec.JSON("POST", beat, map[string]any{"resume": true})
	sec.JSON("POST", beat, map[string]any{"reached_end": true})
	if count(prog.ID, secID) != 0 {
		t.Fatal("certificate before the exam")
	}
	st, body = sec.JSON("POST", fmt.Sprintf("/api/v1/exams/%d/attempts", exam.ID), nil)
	var a struct{ ID int64 }
	webtest.Decode(t, body, &a)
	if st != 201 {
		t.Fatalf("start: %d %s", st, body)
	}
	if st, body = sec.JSON("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", a.ID), nil); st != 200 {
		t.Fatalf("submit: %d %s", st, body)
	}
	if count(prog.ID, secID) != 1 {
		t.Fatal("the pass that completed the last 必修 course issued no certificate")
	}

	// 结班: the participant who attended completes the class and gets its certificate.
	var class, session int64
	testdb.Get(t, db, &class, `INSERT INTO classes (title, kind) VALUES ($1, '实务') RETURNING id`, testdb.Unique("培训班"))
	testdb.Get(t, db, &session, `INSERT INTO class_sessions (class_id, starts_at, ends_at, topic, hours, secret)
		VALUES ($1, now() - interval '3 hours', now() - interval '1 hour', '专题', 3, decode(repeat('ab', 32), 'hex')) RETURNING id`, class)
	came, missed := c.Secretaries[0][1], c.Secretaries[1][0]
	for _, u := range []int64{came, missed} {
		testdb.Exec(t, db, `INSERT INTO class_participants (class_id, user_id, township_id) SELECT $1, id, township_id FROM users WHERE id = $2`, class, u)
	}
	testdb.Exec(t, db, `INSERT INTO class_attendance (session_id, user_id, status, via) VALUES ($1, $2, 'present', 'roll'), ($1, $3, 'absent', 'roll')`,
		session, came, missed)
	st, body = admin.JSON("POST", "/api/v1/certificate-programmes", map[string]any{"title": testdb.Unique("培训班结业"), "kind": "class", "class_id": class})
	if st != 201 {
		t.Fatalf("class programme: %d %s", st, body)
	}
	var cprog struct{ ID int64 }
	webtest.Decode(t, body, &cprog)
	if st, body := admin.JSON("POST", fmt.Sprintf("/api/v1/classes/%d/close", class), nil); st != 200 {
		t.Fatalf("close: %d %s", st, body)
	}
	if count(cprog.ID, came) != 1 || count(cprog.ID, missed) != 0 {
		t.Fatalf("after 结班: came %d, missed %d", count(cprog.ID, came), count(cprog.ID, missed))
	}
	var hours float64
	testdb.Get(t, db, &hours, `SELECT hours::float8 FROM certificates WHERE programme_id = $1 AND user_id = $2`, cprog.ID, came)
	if hours != 3 {
		t.Fatalf("class certificate hours %v, want the 3 credited at 结班", hours)
	}
}
