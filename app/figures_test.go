package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"regexp"
	"strconv"
	"testing"
	"time"

	"zhibu/app/figures"
	"zhibu/app/hours"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
	"zhibu/app/workbook/workbooktest"
)

// One label, one number: every screen and file that shows a figure of app/figures shows
// the same value for the same year and scope — the staff home card (courses), the
// report page, its JSON and the completion workbook (app/reports), the exam oversight
// page and results JSON (exams) and the exam results workbook (app/reports).
func TestEveryOutputShowsTheSameFigures(t *testing.T) {
	db := testdb.DB(t)
	srv := webtest.Server(t, db, web.Config{}, mountFeatures)
	now := time.Now().In(web.China)
	year := now.Year()

	// 甲镇: a1, a2 (农村), a3 (社区); 乙镇: b1, b2 (机关).
	jia, yi := testdb.Township(t, db, testdb.Unique("甲镇")), testdb.Township(t, db, testdb.Unique("乙镇"))
	rural := testdb.Branch(t, db, jia, testdb.Unique("村党支部"), "农村")
	community := testdb.Branch(t, db, jia, testdb.Unique("社区党支部"), "社区")
	office := testdb.Branch(t, db, yi, testdb.Unique("机关党支部"), "机关")
	sec := func(town, branch int64) int64 {
		return testdb.User(t, db, "secretary", testdb.Unique("sec"), town, branch)
	}
	a1, a2, a3, b1, b2 := sec(jia, rural), sec(jia, rural), sec(jia, community), sec(yi, office), sec(yi, office)
	admin := testdb.User(t, db, "admin", testdb.Unique("admin"), 0, 0)
	orgJia := testdb.User(t, db, "organizer", testdb.Unique("org"), jia, 0)

	// 必修: C1 for everybody, C2 for 农村 branches. a1 did both, a2 only C1, a3 C1 (C2 is
	// not theirs), b1 C1, b2 nothing: 3 of 5 people completed (60%), while 5 of 7
	// person-course pairs are done (71%).
	course := func() int64 {
		var id int64
		testdb.Get(t, db, &id, `INSERT INTO courses (title, category, published) VALUES ($1, '理论', true) RETURNING id`, testdb.Unique("课程"))
		return id
	}
	c1, c2 := course(), course()
	testdb.Exec(t, db, `INSERT INTO course_assignments (course_id, year, scope, due_date) VALUES ($1, $2, 'all', make_date($2, 12, 31))`, c1, year)
	testdb.Exec(t, db, `INSERT INTO course_assignments (course_id, year, scope, branch_kinds, due_date)
		VALUES ($1, $2, 'kinds', '{农村}', make_date($2, 12, 31))`, c2, year)
	done := func(uid, cid int64, hours float64) {
		testdb.Exec(t, db, `INSERT INTO course_progress (user_id, course_id, completed_at, hours_earned) VALUES ($1, $2, $3, $4)`,
			uid, cid, now.Add(-time.Minute), hours)
	}
	done(a1, c1, 2)
	done(a1, c2, 3)
	done(a2, c1, 2)
	done(a3, c1, 2)
	done(b1, c1, 2)
	if _, err := hours.BackfillCourses(context.Background(), db); err != nil { // as courses' completion does
		t.Fatal(err)
	}
	testdb.Exec(t, db, `INSERT INTO course_years (year, target_hours) VALUES ($1, 4)
		ON CONFLICT (year) DO UPDATE SET target_hours = 4`, year)

	// E1 (full marks 60) is for 甲镇, E2 (full marks 100) for both townships.
	exam := func(full, pass float64, towns ...int64) int64 {
		var id int64
		opens := time.Date(year, 1, 2, 8, 0, 0, 0, web.China)
		testdb.Get(t, db, &id, `INSERT INTO exams (title, opens_at, closes_at, duration_minutes, pass_score, total_points, all_townships, rules)
			VALUES ($1, $2, $3, 60, $4, $5, false, '[]') RETURNING id`, testdb.Unique("考试"), opens, opens.AddDate(2, 0, 0), pass, full)
		for _, town := range towns {
			testdb.Exec(t, db, `INSERT INTO exam_townships (exam_id, township_id) VALUES ($1, $2)`, id, town)
		}
		return id
	}
	e1, e2 := exam(60, 36, jia), exam(100, 60, jia, yi)
	attempt := func(eid, uid int64, status string, score float64) {
		var finished, sc, passed any
		if status == "finished" {
			finished, sc, passed = now.Add(-time.Hour), score, score >= map[int64]float64{e1: 36, e2: 60}[eid]
		}
		testdb.Exec(t, db, `INSERT INTO attempts (exam_id, user_id, township_id, seq, status, deadline, finished_at, paper, shape, score, max_score, passed)
			SELECT $1, $2, township_id, 1, $3, now() + interval '1 hour', $4, '[]', '', $5, 100, $6 FROM users WHERE id = $2`,
			eid, uid, status, finished, sc, passed)
	}
	attempt(e1, a1, "finished", 10) // 10 of 60
	attempt(e2, a1, "finished", 25) // 25 of 100
	attempt(e2, a2, "finished", 80)
	attempt(e2, a3, "in_progress", 0) // not 参考 yet
	attempt(e2, b1, "finished", 60)

	type figure struct {
		fig  figures.Figure
		want string // "" = only compared across outputs
	}
	// 甲镇 (the organizer's scope): a1, a3 completed → 66.7%; 学时 5+2+2 = 9 → 3.0, a1
	// reaches 4 → 33.3%; candidates a1, a2, a3, examinees a1, a2; nobody passed every exam
	// (a1 failed both, a2 is also a candidate of E1); 平均得分率 (10/60 + 25/100 + 80/100) ÷ 3.
	jiaYear := []figure{
		{figures.Expected, "3"}, {figures.Completed, "2"}, {figures.CompletionRate, "66.7%"}, {figures.AvgHours, "3.0"},
		{figures.HoursMetRate, "33.3%"}, {figures.Candidates, "3"}, {figures.Examinees, "2"}, {figures.ExamRate, "66.7%"},
		{figures.Passed, "0"}, {figures.PassRate, "0.0%"}, {figures.ScoreRate, "40.6%"},
	}
	// E2 in the county: 5 candidates, 3 finished (a3 is still writing), 2 passed.
	e2Figures := []figure{
		{figures.Candidates, "5"}, {figures.Examinees, "3"}, {figures.ExamRate, "60.0%"}, {figures.Passed, "2"},
		{figures.PassRate, "40.0%"}, {figures.TakenPassRate, "66.7%"}, {figures.AvgScore, "55.0"},
	}

	// Each output as label → shown text.
	yearOutputs := func(cl *webtest.Client, county bool) map[string]map[string]string {
		out := map[string]map[string]string{}
		// The home card: only 必修完成率.
		_, home := cl.Get("/")
		title := fmt.Sprintf("%d 年%s", year, figures.CompletionRate.Label)
		if !county {
			title = "本乡镇 " + title
		}
		out["home card"] = map[string]string{figures.CompletionRate.Label: card(t, home, title)}
		// The report page: its cards.
		st, page := cl.Get("/admin/reports")
		if st != 200 {
			t.Fatalf("report page: %d", st)
		}
		out["report page"] = map[string]string{}
		for _, f := range []figures.Figure{figures.Expected, figures.CompletionRate, figures.PassRate, figures.AvgHours} {
			out["report page"][f.Label] = card(t, page, f.Label)
		}
		// The JSON.
		st, body := cl.JSON("GET", "/api/v1/reports/completion", nil)
		if st != 200 {
			t.Fatalf("report JSON: %d %s", st, body)
		}
		var js struct {
			Townships []figures.Year `json:"townships"`
			Total     figures.Year   `json:"total"`
		}
		webtest.Decode(t, body, &js)
		y := js.Total
		if !county {
			y = js.Townships[0]
		}
		out["report JSON"] = yearTexts(y)
		// The workbook's 汇总: the total row, or the township's row.
		resp := cl.Do("GET", "/api/v1/reports/completion.xlsx", nil, "")
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("completion workbook: %d %v", resp.StatusCode, err)
		}
		rows := workbooktest.Read(t, data)["汇总"].Rows
		row := 2
		if county {
			for row = 2; row < len(rows) && (len(rows[row]) == 0 || rows[row][0] != "全县合计"); row++ {
			}
		}
		out["completion workbook"] = sheetTexts(t, rows, row)
		return out
	}
	examOutputs := func(cl *webtest.Client) map[string]map[string]string {
		out := map[string]map[string]string{}
		st, page := cl.Get(fmt.Sprintf("/admin/exams/%d", e2))
		if st != 200 {
			t.Fatalf("exam page: %d", st)
		}
		out["exam page"] = map[string]string{}
		for _, f := range []figures.Figure{figures.ExamRate, figures.PassRate, figures.AvgScore} {
			out["exam page"][f.Label] = card(t, page, f.Label)
		}
		st, body := cl.JSON("GET", fmt.Sprintf("/api/v1/exams/%d/results", e2), nil)
		if st != 200 {
			t.Fatalf("results JSON: %d %s", st, body)
		}
		var js struct {
			Figures figures.Exam `json:"figures"`
		}
		webtest.Decode(t, body, &js)
		f := js.Figures
		out["results JSON"] = map[string]string{
			figures.Candidates.Label: strconv.Itoa(f.Candidates), figures.Examinees.Label: strconv.Itoa(f.Examinees),
			figures.ExamRate.Label: figures.Pct(f.ExamRate), figures.Passed.Label: strconv.Itoa(f.Passed),
			figures.PassRate.Label: figures.Pct(f.PassRate), figures.TakenPassRate.Label: figures.Pct(f.TakenPassRate),
			figures.AvgScore.Label: figures.Num(f.AvgScore),
		}
		resp := cl.Do("GET", fmt.Sprintf("/api/v1/reports/exams/%d.xlsx", e2), nil, "")
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("exam workbook: %d %v", resp.StatusCode, err)
		}
		rows := workbooktest.Read(t, data)["汇总"].Rows
		out["exam workbook"] = sheetTexts(t, rows, len(rows)-1) // 合计
		return out
	}

	// agree checks that every output showing a figure shows the same text, and the wanted
	// one when known.
	agree := func(who string, outputs map[string]map[string]string, figs []figure) {
		t.Helper()
		for _, f := range figs {
			seen, first := "", ""
			for name, texts := range outputs {
				got, ok := texts[f.fig.Label]
				if !ok {
					continue
				}
				if seen == "" {
					seen, first = got, name
				} else if got != seen {
					t.Errorf("%s: %s is %s in the %s but %s in the %s", who, f.fig.Label, seen, first, got, name)
				}
				if f.want != "" && got != f.want {
					t.Errorf("%s: %s is %s in the %s, want %s", who, f.fig.Label, got, name, f.want)
				}
			}
			if seen == "" {
				t.Errorf("%s: no output shows %s", who, f.fig.Label)
			}
		}
	}
	var county []figure
	for _, f := range jiaYear {
		county = append(county, figure{fig: f.fig}) // other tests' people are in the county too
	}
	adminCl, orgCl := webtest.AsUser(t, srv, admin), webtest.AsUser(t, srv, orgJia)
	agree("county", yearOutputs(adminCl, true), county)
	agree("甲镇", yearOutputs(orgCl, false), jiaYear)
	agree("E2", examOutputs(adminCl), e2Figures)
	_ = b2
}

// card returns the big text of the card titled title on a page.
func card(t *testing.T, page, title string) string {
	t.Helper()
	m := regexp.MustCompile(`<h2>` + regexp.QuoteMeta(title) + `</h2>\s*<p class="big">([^<]*)</p>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no card %q on the page", title)
	}
	return html.UnescapeString(m[1])
}

// yearTexts shows a Year's figures as the pages do.
func yearTexts(y figures.Year) map[string]string {
	n := strconv.Itoa
	return map[string]string{
		figures.Expected.Label: n(y.Expected), figures.Completed.Label: n(y.Completed),
		figures.CompletionRate.Label: figures.Pct(y.CompletionRate), figures.AvgHours.Label: figures.Num(y.AvgHours),
		figures.HoursMetRate.Label: figures.Pct(y.HoursMetRate), figures.Candidates.Label: n(y.Candidates),
		figures.Examinees.Label: n(y.Examinees), figures.ExamRate.Label: figures.Pct(y.ExamRate),
		figures.Passed.Label: n(y.Passed), figures.PassRate.Label: figures.Pct(y.PassRate),
		figures.ScoreRate.Label: figures.Pct(y.ScoreRate),
	}
}

// sheetTexts reads row r of a 汇总 sheet (header in row 2) as label → text, formatted as
// the pages show it: rates as percentages, means with one decimal.
func sheetTexts(t *testing.T, rows [][]string, r int) map[string]string {
	t.Helper()
	if len(rows) < 3 || r >= len(rows) {
		t.Fatalf("汇总 has no row %d: %q", r, rows)
	}
	kind := map[string]string{}
	for _, f := range figures.Table {
		switch f {
		case figures.CompletionRate, figures.HoursMetRate, figures.ExamRate, figures.PassRate, figures.TakenPassRate, figures.ScoreRate:
			kind[f.Label] = "pct"
		case figures.AvgHours, figures.AvgScore:
			kind[f.Label] = "num"
		default:
			kind[f.Label] = "int"
		}
	}
	out := map[string]string{}
	for i, h := range rows[1] {
		k, ok := kind[h]
		if !ok || i >= len(rows[r]) {
			continue
		}
		v, err := strconv.ParseFloat(rows[r][i], 64)
		if err != nil {
			t.Fatalf("汇总 %s: %q is not a number", h, rows[r][i])
		}
		switch k {
		case "pct":
			out[h] = figures.Pct(v)
		case "num":
			out[h] = figures.Num(v)
		default:
			out[h] = strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return out
}
