package main

import (
	"fmt"
	"testing"
	"time"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// The wiring of mountFeatures: a learner who finished a course's lessons completes the
// course (with its 学时) the moment they pass its linked exam, all through the real API.
func TestPassedCourseExamCompletesCourse(t *testing.T) {
	db := testdb.DB(t)
	srv := webtest.Server(t, db, web.Config{}, mountFeatures)
	c := testdb.MakeCounty(t, db)
	cat := testdb.Unique("分类")
	testdb.Exec(t, db, `INSERT INTO questions (kind, category, stem, options, answer) VALUES ('judge', $1, $2, '["对","错"]', 'A')`,
		cat, testdb.Unique("判断题"))
	var courseID, lessonID int64
	testdb.Get(t, db, &courseID, `INSERT INTO courses (title, category, credit_hours, published) VALUES ($1, '实务', 2.5, true) RETURNING id`,
		testdb.Unique("课程"))
	testdb.Get(t, db, &lessonID, `INSERT INTO lessons (course_id, position, title, min_seconds) VALUES ($1, 1, '第一课', 0) RETURNING id`, courseID)

	admin := webtest.AsUser(t, srv, c.Admin)
	st, body := admin.JSON("POST", "/api/v1/exams", map[string]any{"title": testdb.Unique("课程考试"), "course_id": courseID,
		"opens_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "closes_at": time.Now().Add(time.Hour).Format(time.RFC3339),
		"duration_minutes": 30, "pass_score": 0, "rules": []map[string]any{{"kind": "judge", "category": cat, "count": 1, "points": 1}}})
	if st != 201 {
		t.Fatalf("create exam: %d %s", st, body)
	}
	var exam struct{ ID int64 }
	webtest.Decode(t, body, &exam)

	sec := webtest.AsUser(t, srv, c.Secretaries[0][0])
	beat := fmt.Sprintf("/api/v1/lessons/%d/heartbeat", lessonID)
	sec.JSON("POST", beat, map[string]any{"resume": true})
	st, body = sec.JSON("POST", beat, map[string]any{"reached_end": true})
	var r struct {
		LessonCompleted bool `json:"lesson_completed"`
		CourseCompleted bool `json:"course_completed"`
	}
	webtest.Decode(t, body, &r)
	if st != 200 || !r.LessonCompleted || r.CourseCompleted {
		t.Fatalf("lessons done, exam not passed: %d %s", st, body)
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
	var hours float64
	var done *time.Time
	row := db.QueryRow(`SELECT completed_at, hours_earned FROM course_progress WHERE user_id = $1 AND course_id = $2`,
		c.Secretaries[0][0], courseID)
	if err := row.Scan(&done, &hours); err != nil || done == nil || hours != 2.5 {
		t.Fatalf("after the pass: completed %v, hours %v, %v", done, hours, err)
	}
}
