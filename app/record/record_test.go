package record

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
	"zhibu/app/workbook/workbooktest"
)

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

var (
	fixOnce sync.Once
	fix     *county
)

func theCounty(t *testing.T) *county {
	t.Helper()
	db := testdb.DB(t)
	fixOnce.Do(func() { fix = buildCounty(t, db) })
	if fix == nil {
		t.Fatal("fixture county failed")
	}
	return fix
}

type ledgerJSON struct {
	Year    int     `json:"year"`
	Target  float64 `json:"target"`
	Online  float64 `json:"online"`
	Offline float64 `json:"offline"`
	Total   float64 `json:"total"`
	Reached bool    `json:"reached"`
	Entries []struct {
		Source   string  `json:"source"`
		SourceID *int64  `json:"source_id"`
		ID       int64   `json:"id"`
		Hours    float64 `json:"hours"`
	} `json:"entries"`
}

func getJSON(t *testing.T, c *webtest.Client, path string, v any) {
	t.Helper()
	st, body := c.JSON("GET", path, nil)
	if st != 200 {
		t.Fatalf("GET %s: %d %s", path, st, body)
	}
	webtest.Decode(t, body, v)
}

// signature lists a record's items as short comparable lines.
func signature(r *Record) []string {
	var out []string
	for _, c := range r.Courses {
		done := "未完成"
		if c.CompletedAt != nil {
			done = c.CompletedAt.In(web.China).Format("2006-01-02")
		}
		out = append(out, fmt.Sprintf("course %s %s %s %g", short(c.Title), c.Kind(), done, c.Hours))
	}
	for _, e := range r.Exams {
		best, rate := "-", "-"
		if e.Best != nil {
			best = strconv.FormatFloat(*e.Best, 'f', -1, 64)
		}
		if e.ScoreRate != nil {
			rate = strconv.FormatFloat(*e.ScoreRate, 'f', 2, 64)
		}
		out = append(out, fmt.Sprintf("exam %s best %s rate %s tries %d passed %v", short(e.Title), best, rate, e.Attempts, e.Passed))
	}
	for _, c := range r.Classes {
		out = append(out, fmt.Sprintf("class %d/%d %g/%g %s %g", c.Attended, c.Sessions, c.AttendedHours, c.ClassHours, c.Result(), c.Hours))
	}
	for _, t := range r.Tours {
		out = append(out, fmt.Sprintf("tour %s %s %g", short(t.Title), t.ReportLabel, t.Hours))
	}
	for _, c := range r.Credits {
		out = append(out, fmt.Sprintf("credit %s %g", c.Note, c.Hours))
	}
	return out
}

// short drops the unique suffix the fixture gives titles.
func short(s string) string { return strings.TrimRight(s, "0123456789") }

// The archive equals the ledger (/api/v1/me/hours) for each person: the same target and
// totals, every entry that counts booked on its item, the items adding up to the total;
// and the items are those worked out by hand. Staff see the very same record.
func TestRecordEqualsLedger(t *testing.T) {
	c := theCounty(t)
	for _, tc := range []struct {
		name   string
		client *webtest.Client
		id     int64
		total  float64
		items  []string
	}{
		{"A1 has everything", c.a1, c.A1, 23.5, []string{
			"course 党章学习 必修 2026-02-10 2", "course 发展党员实务 必修 2026-04-01 3", "course 选修红色家风 选修 2026-05-01 1.5",
			"exam 党章知识测试 best 75 rate 0.75 tries 2 passed true", "exam 发展党员测试 best 85 rate 0.85 tries 1 passed true",
			"class 2/2 4/4 已结业 4", "tour 井冈山红色教育 已通过 5", "credit 市委党校村书记示范培训班 8"}},
		{"A2 failed, absent, report missing, credit revoked", c.a2, c.A2, 2, []string{
			"course 党章学习 必修 2025-12-31 0", "course 发展党员实务 必修 未完成 0",
			"exam 党章知识测试 best 40 rate 0.40 tries 1 passed false", "exam 发展党员测试 best - rate - tries 0 passed false",
			"class 1/2 2/4 未结业 2", "tour 井冈山红色教育 未交 0"}},
		{"A3 only a tour without report", c.a3, c.A3, 3, []string{
			"course 党章学习 必修 未完成 0", "course 发展党员实务 必修 未完成 0",
			"exam 党章知识测试 best - rate - tries 0 passed false", "exam 发展党员测试 best - rate - tries 0 passed false",
			"tour 西柏坡学习 无需提交 3"}},
		{"B1 of the other township", c.b1, c.B1, 2, []string{
			"course 党章学习 必修 2026-06-15 2", "exam 党章知识测试 best - rate - tries 0 passed false", "tour 西柏坡学习 无需提交 0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r Record
			var l ledgerJSON
			getJSON(t, tc.client, "/api/v1/me/record?year=2026", &r)
			getJSON(t, tc.client, "/api/v1/me/hours?year=2026", &l)
			if r.Year != l.Year || r.Target != l.Target || r.Total != l.Total || r.Online != l.Online || r.Offline != l.Offline || r.Reached != l.Reached {
				t.Errorf("record %d %g %g+%g=%g %v; ledger %d %g %g+%g=%g %v", r.Year, r.Target, r.Online, r.Offline, r.Total, r.Reached,
					l.Year, l.Target, l.Online, l.Offline, l.Total, l.Reached)
			}
			if r.Total != tc.total || r.ItemHours() != r.Total {
				t.Errorf("total %g, items add up to %g; want %g", r.Total, r.ItemHours(), tc.total)
			}
			// Every entry that counts is on its item.
			booked := map[string]float64{}
			for _, e := range l.Entries {
				k := e.Source + " " + itoa(e.ID)
				if e.SourceID != nil {
					k = e.Source + " " + itoa(*e.SourceID)
				}
				booked[k] += e.Hours
			}
			onItems := map[string]float64{}
			for _, x := range r.Courses {
				if x.Hours != 0 {
					onItems["course "+itoa(x.CourseID)] += x.Hours
				}
			}
			for _, x := range r.Classes {
				if x.Hours != 0 {
					onItems["class "+itoa(x.ClassID)] += x.Hours
				}
			}
			for _, x := range r.Tours {
				if x.Hours != 0 {
					onItems["tour "+itoa(x.TourID)] += x.Hours
				}
			}
			for _, x := range r.Credits {
				onItems["manual "+itoa(x.ID)] += x.Hours
			}
			if fmt.Sprint(booked) != fmt.Sprint(onItems) {
				t.Errorf("ledger entries %v, record items %v", booked, onItems)
			}
			if got := signature(&r); strings.Join(got, "\n") != strings.Join(tc.items, "\n") {
				t.Errorf("items:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.items, "\n"))
			}
			// Staff read the same record.
			staff := c.admin
			if tc.id != c.B1 {
				staff = c.orgA
			}
			_, mine := tc.client.JSON("GET", "/api/v1/me/record?year=2026", nil)
			_, theirs := staff.JSON("GET", "/api/v1/users/"+itoa(tc.id)+"/record?year=2026", nil)
			if !bytes.Equal(mine, theirs) {
				t.Errorf("staff see another record:\n%s\n%s", mine, theirs)
			}
		})
	}
}

// Every route for every role: the secretary only the own record, an organizer the own
// township (another township's person is not found), the admin everyone, nobody
// signed out; bad input is a clear 4xx.
func TestHTTPRolesAndScope(t *testing.T) {
	c := theCounty(t)
	a1, b1, orgA := itoa(c.A1), itoa(c.B1), itoa(c.OrgA)
	person := func(id string) []string {
		return []string{"/api/v1/users/" + id + "/record?year=2026", "/admin/record/people/" + id + "?year=2026", "/admin/record/people/" + id + ".xlsx?year=2026"}
	}
	mine := []string{"/api/v1/me/record?year=2026", "/me/record?year=2026", "/me/record.xlsx?year=2026"}
	township := func(q string) string { return "/admin/record/township.xlsx?year=2026" + q }
	type want struct {
		who    *webtest.Client
		name   string
		paths  []string
		status int
	}
	var cases []want
	for _, who := range []struct {
		c    *webtest.Client
		name string
	}{{c.a1, "secretary"}, {c.orgA, "organizer"}, {c.admin, "admin"}} {
		st := 403
		if who.name == "secretary" {
			st = 200
		}
		cases = append(cases, want{who.c, who.name, mine, st})
	}
	cases = append(cases,
		want{c.a1, "secretary", append(person(a1), township("")), 403},
		want{c.orgA, "organizer", append(person(a1), township(""), township("&township="+itoa(c.A))), 200},
		want{c.orgA, "organizer", append(person(b1), township("&township="+itoa(c.B))), 404},
		want{c.orgB, "organizer", person(a1), 404},
		want{c.admin, "admin", append(append(person(a1), person(b1)...), township("&township="+itoa(c.A)), township("&township="+itoa(c.B))), 200},
		want{c.admin, "admin", append(append(person(orgA), person("999999999")...), person("abc")[1], township("&township=999999999"), township("&township=-3")), 404},
		want{c.admin, "admin", []string{township(""), township("&township=abc"), "/api/v1/users/" + a1 + "/record?year=1999",
			"/admin/record/people/" + a1 + "?year=abc"}, 422},
		want{c.a1, "secretary", []string{"/api/v1/me/record?year=abc", "/me/record?year=3000", "/me/record.xlsx?year=20260"}, 422},
	)
	for _, w := range cases {
		for _, p := range w.paths {
			resp := w.who.Do("GET", p, nil, "")
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != w.status {
				t.Errorf("%s GET %s: %d, want %d (%.200s)", w.name, p, resp.StatusCode, w.status, body)
				continue
			}
			if w.status == 200 && strings.Contains(p, ".xlsx") {
				if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") || !bytes.HasPrefix(body, []byte("PK")) {
					t.Errorf("%s GET %s: %s, not a workbook", w.name, p, ct)
				}
				if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''") {
					t.Errorf("%s GET %s: Content-Disposition %q", w.name, p, cd)
				}
			}
			if w.status >= 400 && strings.HasPrefix(p, "/api/") && webtest.ErrorCode(body) == "" {
				t.Errorf("%s GET %s: no error code in %s", w.name, p, body)
			}
		}
	}
	// Signed out: the API answers 401, pages and downloads send to the login page.
	for _, p := range append(append(mine, person(a1)...), township("")) {
		resp := c.guest.Do("GET", p, nil, "")
		resp.Body.Close()
		ok := resp.StatusCode == 401
		if !strings.HasPrefix(p, "/api/") {
			ok = resp.StatusCode/100 == 3 && strings.HasPrefix(resp.Header.Get("Location"), "/login")
		}
		if !ok {
			t.Errorf("guest GET %s: %d %s", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	// The page shows the total against the target, each kind, and the actions.
	st, page := c.a1.Get("/me/record?year=2026")
	for _, want := range []string{`id="record-sum">23.5<`, "/ 50 学时", "距年度目标还差 <b>26.5</b> 学时", "党章学习", "最高 75 分 · 得分率 75.0%",
		"出勤 2/2 次（4/4 学时）", "已结业", "已通过", "市委党校村书记示范培训班", "data-print", `href="/me/record.xlsx?year=2026"`} {
		if st != 200 || !strings.Contains(page, want) {
			t.Errorf("/me/record: %d, missing %q", st, want)
		}
	}
	st, page = c.orgA.Get("/admin/record/people/" + itoa(c.A2) + "?year=2026")
	for _, want := range []string{"距年度目标还差 <b>48</b> 学时", "未交", "未结业", "未完成", `.xlsx?year=2026"`, "/admin/hours/people/" + itoa(c.A2)} {
		if st != 200 || !strings.Contains(page, want) {
			t.Errorf("staff page: %d, missing %q", st, want)
		}
	}
	if st, page := c.orgA.Get("/admin/record/people/" + itoa(c.Gone) + "?year=2026"); st != 200 || !strings.Contains(page, "已停用") {
		t.Errorf("a secretary who left keeps the archive: %d", st)
	}
}

func download(t *testing.T, c *webtest.Client, path string) []byte {
	t.Helper()
	resp := c.Do("GET", path, nil, "")
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body
}

// rowsBreaks reads the sheets' manual page breaks with openpyxl.
const rowBreaks = `
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
print(json.dumps({ws.title: [b.id for b in ws.row_breaks.brk] for ws in wb.worksheets}))
`

// The township workbook, read back with openpyxl: 汇总 has each active secretary's year
// with the record's numbers; 学习档案 has one block per person, each on its own printed
// page; both print on A4 with the header repeated and page numbers.
func TestTownshipWorkbook(t *testing.T) {
	c := theCounty(t)
	data := download(t, c.orgA, "/admin/record/township.xlsx?year=2026")
	book := workbooktest.Read(t, data)
	sum, recs := book[sheetSummary], book[sheetRecords]
	workbooktest.PrintReady(t, sheetSummary, sum, true, 2)
	workbooktest.PrintReady(t, sheetRecords, recs, true, 2)
	if got := strings.Join(sum.Rows[1], "|"); got != strings.Join(summaryHeaders, "|") {
		t.Errorf("汇总 header %s", got)
	}
	var names []string
	for _, id := range []int64{c.A1, c.A2, c.A3} {
		var r Record
		getJSON(t, c.orgA, "/api/v1/users/"+itoa(id)+"/record?year=2026", &r)
		names = append(names, r.Person.Name)
		found := false
		for _, row := range sum.Rows[2:] {
			if len(row) > 8 && row[2] == r.Person.Name {
				found = true
				want := []string{numText(r.Online), numText(r.Offline), numText(r.Total), numText(r.Target)}
				if got := row[4:8]; strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("汇总 %s: 学时 %v, record %v", r.Person.Name, got, want)
				}
			}
		}
		if !found {
			t.Errorf("汇总 has no row of %s", r.Person.Name)
		}
		// The block's total row carries the record's total.
		inBlock, total := false, ""
		for _, row := range recs.Rows {
			if len(row) > 0 && strings.HasPrefix(row[0], r.Person.Name+"　") {
				inBlock = true
			}
			if inBlock && len(row) > 4 && row[0] == "学时合计" {
				total = row[4]
				break
			}
		}
		if total != numText(r.Total) {
			t.Errorf("学习档案 %s: total %q, record %g", r.Person.Name, total, r.Total)
		}
	}
	if len(sum.Rows) != 2+3 {
		t.Errorf("汇总 has %d rows, want the title, the header and 3 active secretaries", len(sum.Rows))
	}
	var breaks map[string][]int
	workbooktest.Run(t, data, rowBreaks, &breaks)
	if len(breaks[sheetRecords]) != 2 {
		t.Errorf("page breaks %v: want one before each block but the first", breaks)
	}
	for _, r := range recs.Rows {
		for _, v := range r {
			if strings.Contains(v, "乙社区") {
				t.Errorf("another township's person in the workbook: %v", r)
			}
		}
	}
	// Printed: every person's block on pages of their own.
	printed := workbooktest.Print(t, data)
	seen := map[string]int{}
	for i, p := range printed.Pages {
		if strings.Contains(p, "学习档案汇总") {
			continue
		}
		var on []string
		for _, n := range names {
			if strings.Contains(p, n+" ") {
				on = append(on, n)
				seen[n]++
			}
		}
		if len(on) != 1 {
			t.Errorf("printed page %d has %v, want one person's block:\n%s", i+1, on, p)
		}
	}
	for _, n := range names {
		if seen[n] == 0 {
			t.Errorf("no printed page has %s's block", n)
		}
	}
	// The admin picks the township; the organizer's own township is the same file.
	adminData := download(t, c.admin, "/admin/record/township.xlsx?year=2026&township="+itoa(c.A))
	if a, o := workbooktest.Read(t, adminData)[sheetSummary].Rows[2:], sum.Rows[2:]; fmt.Sprint(a) != fmt.Sprint(o) {
		t.Errorf("admin's and organizer's workbooks differ")
	}
}

func numText(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// One person's workbook has the same lines as the page.
func TestPersonWorkbook(t *testing.T) {
	c := theCounty(t)
	data := download(t, c.a1, "/me/record.xlsx?year=2026")
	book := workbooktest.Read(t, data)
	if len(book) != 1 {
		t.Errorf("sheets %v", keys(book))
	}
	s := book[sheetRecords]
	workbooktest.PrintReady(t, sheetRecords, s, true, 2)
	var text []string
	for _, r := range s.Rows {
		text = append(text, strings.Join(r, "|"))
	}
	all := strings.Join(text, "\n")
	for _, want := range []string{"必修课程|党章学习", "2026-02-10", "考试|党章知识测试", "最高 75 分 · 得分率 75.0% · 通过",
		"集中培训班|支部书记实务培训班", "出勤 2/2 次（4/4 学时） · 已结业", "学习报告已通过", "组织认定|市委党校村书记示范培训班",
		"学时合计|||年度目标 50 学时|23.5"} {
		if !strings.Contains(all, want) {
			t.Errorf("workbook lacks %q:\n%s", want, all)
		}
	}
	workbooktest.KeepsText(t, "record", data)
}

func keys(m map[string]workbooktest.Sheet) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
