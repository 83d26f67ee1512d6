package main

import (
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
	"zhibu/app/workbook/workbooktest"
)

// An exam's results page (exams: GET /api/v1/exams/:id/results) and its results workbook
// (reports: GET /api/v1/reports/exams/:id.xlsx) list exactly the same people — the
// exam's candidates by the view exam_candidates (migrations/00052_exam_candidates.sql) —
// for the county and for an organizer, and nobody of a township the exam is not for.
func TestExamResultsPageAndWorkbookListTheSamePeople(t *testing.T) {
	db := testdb.DB(t)
	srv := webtest.Server(t, db, web.Config{}, mountFeatures)
	// 甲 and 乙 take the exam, 丙 does not.
	towns := map[string]int64{}
	branches := map[string]int64{}
	for _, n := range []string{"甲", "乙", "丙"} {
		towns[n] = testdb.Township(t, db, testdb.Unique(n+"镇"))
		branches[n] = testdb.Branch(t, db, towns[n], testdb.Unique(n+"村党支部"), "农村")
	}
	admin := testdb.User(t, db, "admin", testdb.Unique("admin"), 0, 0)
	orgA := testdb.User(t, db, "organizer", testdb.Unique("org"), towns["甲"], 0)
	var examID int64
	opens := time.Now().Add(-48 * time.Hour)
	testdb.Get(t, db, &examID, `INSERT INTO exams (title, opens_at, closes_at, duration_minutes, pass_score, total_points, all_townships, rules)
		VALUES ($1, $2, $3, 60, 60, 100, false, '[]') RETURNING id`, testdb.Unique("考试"), opens, opens.Add(30*24*time.Hour))
	testdb.Exec(t, db, `INSERT INTO exam_townships (exam_id, township_id) VALUES ($1, $2), ($1, $3)`, examID, towns["甲"], towns["乙"])

	names := map[int64]string{}
	secretary := func(town, label string, active bool) int64 {
		id := testdb.User(t, db, "secretary", testdb.Unique("sec"), towns[town], branches[town])
		names[id] = label
		testdb.Exec(t, db, `UPDATE users SET name = $2, active = $3 WHERE id = $1`, id, label, active)
		return id
	}
	attempt := func(uid int64, status string, score float64) {
		var finished any
		if status == "finished" {
			finished = time.Now().Add(-time.Hour)
		}
		testdb.Exec(t, db, `INSERT INTO attempts (exam_id, user_id, township_id, seq, status, deadline, finished_at, paper, shape, score, max_score, passed)
			SELECT $1, $2, township_id, 1, $3, now() + interval '1 hour', $4, '[]', '', $5::numeric, 100, $5::numeric >= 60 FROM users WHERE id = $2`,
			examID, uid, status, finished, score)
	}
	secretary("甲", "甲未考", true)
	attempt(secretary("甲", "甲已考", true), "finished", 80)
	attempt(secretary("甲", "甲离任已考", false), "finished", 50) // sat it, then left: still a candidate
	secretary("甲", "甲离任未考", false)                          // left before sitting it: not a candidate
	attempt(secretary("乙", "乙考试中", true), "in_progress", 0)
	secretary("丙", "丙书记", true) // the exam is not for 丙

	page := func(cl *webtest.Client) []string {
		t.Helper()
		st, body := cl.JSON("GET", fmt.Sprintf("/api/v1/exams/%d/results", examID), nil)
		if st != 200 {
			t.Fatalf("results page: %d %s", st, body)
		}
		var out struct {
			Results []struct {
				Name string `json:"name"`
			} `json:"results"`
		}
		webtest.Decode(t, body, &out)
		var got []string
		for _, r := range out.Results {
			got = append(got, r.Name)
		}
		slices.Sort(got)
		return got
	}
	book := func(cl *webtest.Client) []string {
		t.Helper()
		resp := cl.Do("GET", fmt.Sprintf("/api/v1/reports/exams/%d.xlsx", examID), nil, "")
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("results workbook: %d %v %.200s", resp.StatusCode, err, data)
		}
		rows := workbooktest.Read(t, data)["成绩"].Rows
		if len(rows) < 2 || len(rows[1]) < 4 || rows[1][3] != "姓名" {
			t.Fatalf("成绩 sheet: %q", rows)
		}
		var got []string
		for _, r := range rows[2:] {
			got = append(got, r[3])
		}
		slices.Sort(got)
		return got
	}
	for _, c := range []struct {
		who  string
		user int64
		want []string
	}{
		{"admin", admin, []string{"乙考试中", "甲已考", "甲未考", "甲离任已考"}},
		{"organizer of 甲", orgA, []string{"甲已考", "甲未考", "甲离任已考"}},
	} {
		cl := webtest.AsUser(t, srv, c.user)
		slices.Sort(c.want)
		p, b := page(cl), book(cl)
		if !slices.Equal(p, b) {
			t.Errorf("%s: the results page lists %q, the workbook %q", c.who, p, b)
		}
		if !slices.Equal(p, c.want) {
			t.Errorf("%s: the results page lists %q, want %q", c.who, p, c.want)
		}
		if !slices.Equal(b, c.want) {
			t.Errorf("%s: the workbook lists %q, want %q", c.who, b, c.want)
		}
	}
}
