package reports

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"zhibu/app/figures"
	"zhibu/app/testdb"
	"zhibu/app/web/webtest"
	"zhibu/app/workbook/workbooktest"
)

// Query input out of range, NaN and infinities are a 422 naming the parameter; forged
// township and exam ids are a 404; none of them is ever a 500.
func TestQueryInputRefused(t *testing.T) {
	c := theCounty(t)
	srv := newServer(t)
	admin, orgA := webtest.AsUser(t, srv, c.Admin), webtest.AsUser(t, srv, c.OrgA)
	routes := []string{"/api/v1/reports/completion", "/api/v1/reports/completion.xlsx", "/admin/reports"}
	for _, tc := range []struct{ query, field string }{
		{"target=NaN", "target"}, {"target=nan", "target"}, {"target=Inf", "target"}, {"target=-Inf", "target"},
		{"target=1e400", "target"}, {"target=0", "target"}, {"target=100.5", "target"}, {"target=abc", "target"},
		{"year=NaN", "year"}, {"year=1e3", "year"}, {"year=2147483648", "year"}, {"year=-2026", "year"}, {"year=2101", "year"},
	} {
		for _, r := range routes {
			st, body := admin.JSON("GET", r+"?"+tc.query, nil)
			if st != 422 {
				t.Errorf("%s?%s: %d, want 422: %.200s", r, tc.query, st, body)
				continue
			}
			if !strings.HasSuffix(r, "/admin/reports") {
				var e struct {
					Error struct {
						Fields map[string]string `json:"fields"`
					} `json:"error"`
				}
				json.Unmarshal(body, &e)
				if e.Error.Fields[tc.field] == "" {
					t.Errorf("%s?%s does not name %q: %s", r, tc.query, tc.field, body)
				}
			}
		}
	}
	forged := []string{"-1", "9223372036854775807", "9223372036854775808", "1e3", "abc", "1.5", "%00", "999999"}
	for _, x := range forged {
		for _, r := range routes {
			for _, cl := range []*webtest.Client{admin, orgA} {
				if st, body := cl.JSON("GET", r+"?year=2026&township="+x, nil); st != 404 {
					t.Errorf("%s?township=%s: %d, want 404: %.200s", r, x, st, body)
				}
			}
		}
		if st, body := admin.JSON("GET", "/api/v1/reports/exams/"+x+".xlsx", nil); st != 404 {
			t.Errorf("exam %s: %d, want 404: %.200s", x, st, body)
		}
	}
	for _, r := range routes {
		// 0 is no filter; another township is 404 for an organizer.
		if st, _ := admin.JSON("GET", r+"?year=2026&township=0", nil); st != 200 {
			t.Errorf("%s?township=0: %d", r, st)
		}
		if st, _ := orgA.JSON("GET", r+"?year=2026&township="+strconv.FormatInt(c.B, 10), nil); st != 404 {
			t.Errorf("organizer %s for another township: %d", r, st)
		}
	}
	if st, _ := orgA.JSON("GET", "/api/v1/reports/exams/0.xlsx", nil); st != 404 {
		t.Errorf("exam 0: %d", st)
	}
}

// hostile are names a person could type that a spreadsheet would read as formulas.
var hostile = struct{ name, branch, township, course, exam, phone, tour string }{
	name: `=HYPERLINK("http://x","y")`, branch: "+1", township: "-2", course: "@SUM(A1)", exam: "=1+1",
	phone: "\t=cmd", tour: "\r=tour",
}

// hostileReport is a county of one township whose every text starts like a formula.
func hostileReport() *Report {
	r := &Report{Year: 2026, Generated: exportTime, Target: DefaultTarget, County: true,
		Courses:   []Course{{ID: 1, Title: hostile.course}},
		Exams:     []Exam{{ID: 1, Title: hostile.exam, PassScore: 60}},
		Townships: []Township{{ID: 1, Name: hostile.township}, {ID: 2, Name: "正常镇"}},
		Secretaries: []Secretary{
			{UserID: 1, TownshipID: 1, Branch: hostile.branch, BranchKind: "农村", Name: hostile.name, Phone: hostile.phone,
				Courses: []CourseCell{{Applies: true}}, Exams: []ExamCell{{Applies: true}}, Tours: []string{hostile.tour}},
			{UserID: 2, TownshipID: 2, Branch: "正常支部", BranchKind: "农村", Name: "书记", Phone: "13800000000",
				Courses: []CourseCell{{Applies: true}}, Exams: []ExamCell{{Applies: true, Sitting: figures.Sitting{Finished: 1, Best: 70, Full: 100, Passed: true}}}},
		}}
	r.Finish()
	return r
}

func hostileExam() *ExamReport {
	r := &ExamReport{Exam: ExamInfo{ID: 1, Title: hostile.exam, PassScore: 60}, Generated: exportTime,
		Candidates: []Candidate{{TownshipID: 1, Township: hostile.township, Branch: hostile.branch, Name: hostile.name,
			Phone: hostile.phone, Sitting: figures.Sitting{Finished: 1, Best: 50, Full: 100}}}}
	r.summarize()
	return r
}

// Every user-supplied string reaches the completion and exam workbooks as text: a value
// a spreadsheet would read as a formula starts with an apostrophe, and no cell is a formula.
func TestWorkbooksKeepFormulasAsText(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCompletion(&buf, hostileReport()); err != nil {
		t.Fatal(err)
	}
	workbooktest.KeepsText(t, "completion", buf.Bytes(), hostile.name, hostile.branch, hostile.township, hostile.course,
		hostile.exam+"（最高分）", hostile.phone, hostile.tour, hostile.township+" 2026年度")

	eb := examBytes(t, hostileExam())
	workbooktest.KeepsText(t, "exam results", eb, hostile.name, hostile.branch, hostile.township, hostile.phone,
		hostile.exam+" 成绩汇总", hostile.exam+" 成绩明细")
}

// The same through the download routes, with the names stored in PostgreSQL.
func TestDownloadsKeepFormulasAsText(t *testing.T) {
	c := theCounty(t)
	srv := newServer(t)
	db := srv.DB
	// A township of its own, so the shared county's numbers stay as the other tests expect.
	var tid, bid, uid, eid int64
	testdb.Get(t, db, &tid, `INSERT INTO townships (name, sort) VALUES ($1, 99) RETURNING id`, hostile.township)
	testdb.Get(t, db, &bid, `INSERT INTO branches (township_id, name, kind) VALUES ($1, $2, '农村') RETURNING id`, tid, hostile.branch)
	testdb.Get(t, db, &uid, `INSERT INTO users (username, phone, name, role, township_id, branch_id, password_hash)
		VALUES ('hostile-sec', '13812345678', $1, 'secretary', $2, $3, 'x') RETURNING id`, hostile.name, tid, bid)
	testdb.Get(t, db, &eid, `INSERT INTO exams (title, opens_at, closes_at, duration_minutes, pass_score, total_points, all_townships, rules)
		VALUES ($1, $2, $3, 60, 60, 100, false, '[]') RETURNING id`, hostile.exam, cstTime("2031-03-01 08:00"), cstTime("2031-04-01 08:00"))
	testdb.Exec(t, db, `INSERT INTO exam_townships (exam_id, township_id) VALUES ($1, $2)`, eid, tid)
	t.Cleanup(func() {
		testdb.Exec(t, db, `DELETE FROM exam_townships WHERE exam_id = $1`, eid)
		testdb.Exec(t, db, `DELETE FROM exams WHERE id = $1`, eid)
		testdb.Exec(t, db, `DELETE FROM users WHERE id = $1`, uid)
		testdb.Exec(t, db, `DELETE FROM branches WHERE id = $1`, bid)
		testdb.Exec(t, db, `DELETE FROM townships WHERE id = $1`, tid)
	})
	admin := webtest.AsUser(t, srv, c.Admin)
	st, _, body := download(t, admin, "/api/v1/reports/completion.xlsx?year=2031&township="+strconv.FormatInt(tid, 10))
	if st != 200 {
		t.Fatalf("completion: %d %.200s", st, body)
	}
	workbooktest.KeepsText(t, "completion download", body, hostile.name, hostile.branch, hostile.township)
	st, _, body = download(t, admin, "/api/v1/reports/exams/"+strconv.FormatInt(eid, 10)+".xlsx")
	if st != 200 {
		t.Fatalf("exam: %d %.200s", st, body)
	}
	workbooktest.KeepsText(t, "exam download", body, hostile.name, hostile.branch, hostile.township, hostile.exam+" 成绩汇总")
}
