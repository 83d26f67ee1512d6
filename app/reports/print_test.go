package reports

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"zhibu/app/database"
	"zhibu/app/hours"
	"zhibu/app/testdb"
	"zhibu/app/workbook/workbooktest"
)

// printTownships are the 20 townships of the print county; 城关镇 (the first) has 50
// secretaries, every other township 3.
var printTownships = []string{"城关镇", "河口镇", "黄花岭乡", "石门镇", "东城街道", "西城街道", "南湖乡", "北山镇",
	"青龙镇", "白马乡", "新华街道", "长岭镇", "双河镇", "柳树乡", "高桥镇", "大坪乡", "红星镇", "杨家湾乡", "龙潭镇", "三岔河镇"}

// printCounty fills a fresh database (the package one holds the small county other tests
// count on) with a county as a department prints it: 20 townships, 50 secretaries in
// 城关镇, 6 required courses with real-length titles, 2 exams and a tour.
func printCounty(t *testing.T) *sqlx.DB {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, testdb.Fresh(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := database.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	for i, name := range printTownships {
		testdb.Exec(t, db, `INSERT INTO townships (name, sort) VALUES ($1, $2)`, name, i+1)
	}
	for _, q := range []string{
		`INSERT INTO branches (township_id, name, kind)
		 SELECT t.id, t.name || (ARRAY['红星村','向阳社区','第一小学','农业农村局机关'])[1 + g % 4] || g || '党支部', (ARRAY['农村','社区','学校','机关'])[1 + g % 4]
		 FROM townships t, generate_series(1, CASE WHEN t.sort = 1 THEN 50 ELSE 3 END) g`,
		`INSERT INTO users (username, phone, name, role, township_id, branch_id, password_hash)
		 SELECT 'p' || b.id, '139' || lpad(b.id::text, 8, '0'), (ARRAY['张建国','李秀英','王志强','欧阳春华'])[1 + b.id % 4], 'secretary', b.township_id, b.id, 'x'
		 FROM branches b`,
		`INSERT INTO courses (title, category, credit_hours, published)
		 SELECT (ARRAY['学习贯彻党的二十大精神','发展党员工作实务','基层党组织标准化规范化建设','党支部工作条例解读','乡村振兴与集体经济','党风廉政建设警示教育'])[g], '理论', 2, true
		 FROM generate_series(1, 6) g`,
		`INSERT INTO course_assignments (course_id, year, scope, due_date) SELECT id, 2026, 'all', '2026-10-31' FROM courses`,
		`INSERT INTO course_progress (user_id, course_id, completed_at, hours_earned)
		 SELECT u.id, c.id, '2026-03-01 08:00+08'::timestamptz + (u.id % 200) * interval '1 day', 2
		 FROM users u CROSS JOIN courses c WHERE u.role = 'secretary' AND (c.id % 6 <> 0 OR u.id % (2 + u.township_id % 5) <> 0)`,
		`INSERT INTO exams (title, opens_at, closes_at, duration_minutes, pass_score, total_points, rules)
		 SELECT (ARRAY['党章党规知识测试','发展党员工作专项测试'])[g], ('2026-0' || (3 * g) || '-01 08:00+08')::timestamptz,
		        ('2026-0' || (3 * g + 1) || '-01 08:00+08')::timestamptz, 60, 60, 100, '[]'
		 FROM generate_series(1, 2) g`,
		`INSERT INTO attempts (exam_id, user_id, seq, status, deadline, finished_at, paper, shape, score, max_score, passed)
		 SELECT e.id, u.id, 1, 'finished', now(), now(), '[]', '', 40 + (u.id * 7) % 61, 100, 40 + (u.id * 7) % 61 >= 60
		 FROM users u CROSS JOIN exams e WHERE u.role = 'secretary' AND u.id % 5 <> 0`,
		`INSERT INTO tours (title, destination, starts_on, ends_on, total_seats, signup_opens_at, signup_closes_at, cancel_deadline, year)
		 VALUES ('井冈山红色教育', '江西井冈山', '2026-05-10', '2026-05-14', 200, '2026-03-01', '2026-04-01', '2026-04-15', 2026)`,
		`INSERT INTO tour_signups (tour_id, user_id, township_id, status)
		 SELECT t.id, u.id, u.township_id, 'confirmed' FROM tours t, users u WHERE u.role = 'secretary' AND u.id % 6 = 0`,
	} {
		testdb.Exec(t, db, q)
	}
	if _, err := hours.BackfillCourses(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db
}

// The county's workbooks as LibreOffice prints them (one soffice run): every page
// carries its sheet's title and page number, every page of a table its header row; a
// township of 50 secretaries prints on at most 2 pages, the 汇总 table of 20 townships
// whole on its first page, the chart on a page of its own.
func TestWorkbooksPrint(t *testing.T) {
	db := printCounty(t)
	s := NewStore(db)
	ctx := context.Background()
	county, err := s.Load(ctx, Query{Year: 2026, Target: DefaultTarget}, exportTime)
	if err != nil {
		t.Fatal(err)
	}
	var first, e1 int64
	testdb.Get(t, db, &first, `SELECT id FROM townships WHERE sort = 1`)
	testdb.Get(t, db, &e1, `SELECT min(id) FROM exams`)
	town, err := s.Load(ctx, Query{Year: 2026, Township: sql.NullInt64{Int64: first, Valid: true}, Target: DefaultTarget}, exportTime)
	if err != nil {
		t.Fatal(err)
	}
	exam, err := s.LoadExam(ctx, e1, sql.NullInt64{}, exportTime)
	if err != nil {
		t.Fatal(err)
	}
	countyData := workbookBytes(t, county)
	books := workbooktest.PrintAll(t, countyData, workbookBytes(t, town), examBytes(t, exam))
	at := "（导出时间：2026-11-25 14:05）"

	// sheet checks the pages of one sheet: each has the title, and header (when not "").
	sheet := func(book workbooktest.Printed, name, title, header string, maxPages int) []string {
		t.Helper()
		pages := book.Having(title)
		if len(pages) == 0 || len(pages) > maxPages {
			t.Errorf("%s printed on %d pages, want 1..%d", name, len(pages), maxPages)
		}
		for i, p := range pages {
			if header != "" && !strings.Contains(p, header) {
				t.Errorf("%s page %d has no header row (%s):\n%s", name, i+1, header, p)
			}
		}
		return pages
	}
	c := books[0]
	pages := sheet(c, "城关镇", "城关镇 2026年度支部书记培训情况"+at, "手机号", 2)
	if all := strings.Join(pages, ""); strings.Count(all, "城关镇") < 50 {
		t.Errorf("城关镇's 50 secretaries are not all printed")
	}
	// 汇总: the title on every page; the table (header, 20 townships, total) whole on the
	// first; the chart on a page of its own: two pages. 分类统计 has its header on each page.
	pages = sheet(c, "汇总", "全县2026年度支部书记培训完成情况汇总"+at, "", 2)
	sheet(c, "分类统计", "全县2026年度支部书记培训完成情况按支部类型分类"+at, "支部类型", 4)
	for _, name := range append([]string{"必修完成人数", "全县合计"}, printTownships...) {
		if len(pages) > 0 && !strings.Contains(pages[0], name) {
			t.Errorf("汇总's first page lacks %s:\n%s", name, pages[0])
		}
	}
	if n := c.Having("各乡镇必修完成率"); len(n) != 1 {
		t.Errorf("the chart is on %d pages, want 1:\n%s", len(n), strings.Join(n, "\n--- page ---\n"))
	}
	sheet(c, "河口镇", "河口镇 2026年度支部书记培训情况"+at, "手机号", 1)
	sheet(c, "未完成名单", "全县2026年度支部书记培训完成情况未完成名单"+at, "未完成必修课程", 10)
	sheet(books[1], "城关镇 (organizer)", "城关镇 2026年度支部书记培训情况"+at, "手机号", 2)
	// The organizer's 汇总: the table on page 1, its chart of branch kinds on page 2.
	org := sheet(books[1], "汇总 (organizer)", "2026年度支部书记培训完成情况（城关镇）汇总"+at, "", 2)
	if len(org) != 2 || !strings.Contains(org[0], "必修完成人数") || !strings.Contains(org[1], "各支部类型必修完成率") {
		t.Errorf("organizer 汇总 pages:\n%s", strings.Join(org, "\n--- page ---\n"))
	}
	sheet(books[2], "成绩", "党章党规知识测试 成绩明细", "最后交卷时间", 10)
	for k, b := range books {
		for i, p := range b.Pages {
			if !strings.Contains(p, fmt.Sprintf("第 %d 页，共 %d 页", i+1, len(b.Pages))) {
				t.Errorf("book %d page %d has no page number:\n%s", k+1, i+1, p)
			}
		}
	}

	// The chart, as its XML says: one series of columns in one colour with its values,
	// township names and axis text dark and 10 pt, the target a line; its data sorted.
	var got struct {
		Charts int       `json:"charts"`
		Rates  []float64 `json:"rates"`
		Names  []string  `json:"names"`
		Hidden string    `json:"hidden"`
		XML    string    `json:"xml"`
	}
	workbooktest.Run(t, countyData, `
import json, sys, zipfile, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
data = wb["`+sheetChart+`"]
rows = list(data.iter_rows(min_row=2, values_only=True))
xml = [zipfile.ZipFile(sys.argv[1]).read(n).decode() for n in zipfile.ZipFile(sys.argv[1]).namelist() if n.startswith("xl/charts/chart")]
print(json.dumps({"charts": len(wb["汇总"]._charts), "rates": [r[1] for r in rows], "names": [r[0] for r in rows],
    "hidden": data.sheet_state, "xml": "".join(xml)}, ensure_ascii=False))`, &got)
	if got.Charts != 1 || got.Hidden != "hidden" || len(got.Rates) != 20 {
		t.Fatalf("charts %d, data sheet %s with %d rows", got.Charts, got.Hidden, len(got.Rates))
	}
	for i := 1; i < len(got.Rates); i++ {
		if got.Rates[i] > got.Rates[i-1] {
			t.Errorf("chart data not sorted from the highest: %v %v", got.Names, got.Rates)
			break
		}
	}
	x := got.XML
	i, j := strings.Index(x, "<barChart>"), strings.Index(x, "</barChart>")
	if i < 0 || j < i {
		t.Fatalf("no column chart:\n%s", x)
	}
	bar := x[i:j]
	for what, want := range map[string]bool{
		"one series of columns":    strings.Count(bar, "<ser>") == 1 && strings.Contains(bar, `<barDir val="col">`),
		"one colour":               strings.Contains(bar, `<varyColors val="0">`) && strings.Contains(bar, `<a:srgbClr val="C8102E">`),
		"values on the bars":       strings.Contains(bar, `<showVal val="1">`),
		"target as a line":         strings.Contains(x, "<lineChart>") && strings.Contains(x, "$C$2:$C$21"),
		"dark 10 pt axis text":     strings.Count(x, `sz="1000"`) >= 2 && strings.Count(x, `<a:srgbClr val="333333">`) >= 2,
		"categories from the data": strings.Contains(bar, sheetChart) && strings.Contains(bar, "!$A$2:$A$21"),
	} {
		if !want {
			t.Errorf("chart: not %s:\n%s", what, x)
		}
	}
}
