package main

import (
	"fmt"
	"strings"
	"testing"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// The county's 课时最短学习时间 switch reaches the lesson: on (default), reaching the end at
// once does not complete a lesson with a minimum time; switched off in the settings, it
// does.
func TestLessonMinTimeSetting(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := webtest.Server(t, db, web.Config{Logger: quietLog()}, mountFeatures)
	admin := webtest.AsUser(t, srv, c.Admin)
	sec := webtest.AsUser(t, srv, c.Secretaries[0][0])
	var course, l1, l2 int64
	testdb.Get(t, db, &course, `INSERT INTO courses (title, category, published) VALUES ($1, '理论', true) RETURNING id`, testdb.Unique("课程"))
	testdb.Get(t, db, &l1, `INSERT INTO lessons (course_id, position, title, min_seconds) VALUES ($1, 1, '第一课', 600) RETURNING id`, course)
	testdb.Get(t, db, &l2, `INSERT INTO lessons (course_id, position, title, min_seconds) VALUES ($1, 2, '第二课', 600) RETURNING id`, course)

	st, body := admin.JSON("GET", "/api/v1/settings", nil)
	if st != 200 || !strings.Contains(string(body), `"lesson_min_time_enabled":true`) {
		t.Fatalf("default: %d %s", st, body)
	}
	endNow := func(lesson int64) string {
		st, body := sec.JSON("POST", fmt.Sprintf("/api/v1/lessons/%d/heartbeat", lesson), map[string]any{"reached_end": true, "resume": true})
		if st != 200 {
			t.Fatalf("heartbeat: %d %s", st, body)
		}
		return string(body)
	}
	if b := endNow(l1); !strings.Contains(b, `"lesson_completed":false`) {
		t.Fatalf("guard on, reaching the end at once completed the lesson: %s", b)
	}
	if st, body := admin.JSON("PUT", "/api/v1/settings", map[string]any{"ranking_enabled": false, "retake_after_pass": false,
		"lesson_min_time": "no"}); st != 422 {
		t.Fatalf("a setting of the wrong type: %d %s", st, body)
	}
	if st, body := sec.JSON("PUT", "/api/v1/settings", map[string]any{"ranking_enabled": false, "retake_after_pass": false,
		"lesson_min_time": false}); st != 403 {
		t.Fatalf("a secretary changes the setting: %d %s", st, body)
	}
	if st, body := admin.JSON("PUT", "/api/v1/settings", map[string]any{"ranking_enabled": false, "retake_after_pass": false,
		"lesson_min_time": false}); st != 200 || !strings.Contains(string(body), `"lesson_min_time_enabled":false`) {
		t.Fatalf("switch off: %d %s", st, body)
	}
	if b := endNow(l2); !strings.Contains(b, `"lesson_completed":true`) {
		t.Fatalf("guard off, reaching the end did not complete the lesson: %s", b)
	}
	if st, html := sec.Get(fmt.Sprintf("/lessons/%d", l2)); st != 200 || strings.Contains(html, "还需学习") {
		t.Fatalf("the lesson page still asks for study time: %d", st)
	}
	// The stable name (docs/settings.md: lesson_min_time_enabled) switches it back on; the old name
	// above is still read.
	if st, body := admin.JSON("PUT", "/api/v1/settings", map[string]any{"ranking_enabled": false, "retake_after_pass": false,
		"lesson_min_time_enabled": true}); st != 200 || !strings.Contains(string(body), `"lesson_min_time_enabled":true`) {
		t.Fatalf("switch on by the stable name: %d %s", st, body)
	}
}
