package main

import (
	"fmt"
	"strings"
	"testing"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// The class form offers the open exams as its 结业 exam (classes.Deps.ExamChoices, wired
// to exams.Choices) and keeps the chosen one when the form comes back with an error.
func TestClassFormPicksAnExam(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := webtest.Server(t, db, web.Config{}, mountFeatures)
	open, closed := testdb.Unique("结业考试"), testdb.Unique("已结束的考试")
	var id int64
	testdb.Get(t, db, &id, `INSERT INTO exams (title, opens_at, closes_at, duration_minutes, pass_score, total_points, rules)
		VALUES ($1, now(), now() + interval '30 days', 30, 6, 10, '[]') RETURNING id`, open)
	testdb.Exec(t, db, `INSERT INTO exams (title, opens_at, closes_at, duration_minutes, pass_score, total_points, rules)
		VALUES ($1, now() - interval '30 days', now() - interval '1 day', 30, 6, 10, '[]')`, closed)
	admin := webtest.AsUser(t, srv, c.Admin)
	st, page := admin.Get("/admin/classes/new")
	if st != 200 || !strings.Contains(page, open) || strings.Contains(page, closed) {
		t.Fatalf("form: %d, offers the open exam %v, the closed one %v", st, strings.Contains(page, open), strings.Contains(page, closed))
	}
	resp := admin.Form("POST", "/admin/classes", map[string][]string{"title": {" "}, "kind": {"实务"}, "exam_id": {fmt.Sprint(id)}})
	body := readAll(t, resp.Body)
	if resp.StatusCode != 422 || !strings.Contains(body, fmt.Sprintf(`value="%d" selected`, id)) {
		t.Errorf("form with an error: %d, keeps the exam: %v", resp.StatusCode, strings.Contains(body, fmt.Sprintf(`value="%d" selected`, id)))
	}
}
