package reports

import (
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zhibu/app/figures"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

func newServer(t *testing.T) *web.Server {
	t.Helper()
	// Deps{}: no ranking, as a county that never switched it on (app/ranking_test.go
	// switches it through the settings).
	srv := webtest.Server(t, testdb.DB(t), web.Config{}, func(s *web.Server) error { return Mount(s, Deps{}) })
	return srv
}

func download(t *testing.T, cl *webtest.Client, path string) (int, string, []byte) {
	t.Helper()
	resp := cl.Do("GET", path, nil, "")
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Disposition"), b
}

func sheetsOf(t *testing.T, data []byte) []string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a workbook: %v (%.200s)", err, data)
	}
	defer f.Close()
	var out []string
	for _, sh := range f.GetSheetList() {
		if visible, _ := f.GetSheetVisible(sh); visible { // not the chart's hidden data
			out = append(out, sh)
		}
	}
	return out
}

func TestCompletionDownloadRolesAndScope(t *testing.T) {
	c := theCounty(t)
	srv := newServer(t)
	admin, orgA, orgB := webtest.AsUser(t, srv, c.Admin), webtest.AsUser(t, srv, c.OrgA), webtest.AsUser(t, srv, c.OrgB)

	// Admin: the whole county, with a Chinese file name.
	st, cd, body := download(t, admin, "/api/v1/reports/completion.xlsx?year=2026")
	if st != 200 {
		t.Fatalf("admin: %d %s", st, body)
	}
	if want := "filename*=UTF-8''" + url.PathEscape("2026年度培训完成情况.xlsx"); !strings.Contains(cd, want) {
		t.Errorf("Content-Disposition %q, want %q", cd, want)
	}
	if got := strings.Join(sheetsOf(t, body), ","); got != "汇总,分类统计,甲镇,乙镇,丙镇,未完成名单,口径说明" {
		t.Errorf("admin sheets: %s", got)
	}
	// Admin narrowed to one township.
	st, cd, body = download(t, admin, "/api/v1/reports/completion.xlsx?year=2026&township="+strconv.FormatInt(c.B, 10))
	if st != 200 || strings.Join(sheetsOf(t, body), ",") != "汇总,分类统计,乙镇,未完成名单,口径说明" {
		t.Errorf("admin township filter: %d %v", st, cd)
	}
	// Organizer: always the own township, even without a filter.
	st, cd, body = download(t, orgA, "/api/v1/reports/completion.xlsx?year=2026")
	if st != 200 || strings.Join(sheetsOf(t, body), ",") != "汇总,分类统计,甲镇,未完成名单,口径说明" {
		t.Errorf("organizer: %d %v", st, sheetsOf(t, body))
	}
	if !strings.Contains(cd, url.PathEscape("2026年度培训完成情况（甲镇）.xlsx")) {
		t.Errorf("organizer file name: %q", cd)
	}
	st, _, body = download(t, orgA, "/api/v1/reports/completion.xlsx?year=2026&township="+strconv.FormatInt(c.A, 10))
	if st != 200 {
		t.Errorf("organizer with own township: %d", st)
	}
	// Another township's id, or one that does not exist: 404 and nothing leaks.
	for _, cl := range []*webtest.Client{orgA} {
		st, _, body = download(t, cl, "/api/v1/reports/completion.xlsx?year=2026&township="+strconv.FormatInt(c.B, 10))
		if st != 404 || webtest.ErrorCode(body) != "not_found" {
			t.Errorf("organizer asking for another township: %d %s", st, body)
		}
	}
	st, _, body = download(t, admin, "/api/v1/reports/completion.xlsx?year=2026&township=999999")
	if st != 404 {
		t.Errorf("missing township: %d %s", st, body)
	}
	// Bad input: clear 4xx, never 500.
	for path, want := range map[string]int{
		"/api/v1/reports/completion.xlsx?year=abc":              422,
		"/api/v1/reports/completion.xlsx?year=1999":             422,
		"/api/v1/reports/completion.xlsx?target=0":              422,
		"/api/v1/reports/completion.xlsx?target=101":            422,
		"/api/v1/reports/completion.xlsx?township=x":            404, // a forged id
		"/api/v1/reports/completion.xlsx?year=2026&township=-3": 404,
		"/api/v1/reports/completion.xlsx?year=2026&township=0":  200, // 0 means no filter
	} {
		if st, _, body := download(t, admin, path); st != want {
			t.Errorf("%s: %d, want %d (%s)", path, st, want, body)
		}
	}
	// A secretary is refused; a stranger must sign in.
	sec := webtest.AsUser(t, srv, c.A1)
	if st, _, _ := download(t, sec, "/api/v1/reports/completion.xlsx?year=2026"); st != 403 {
		t.Errorf("secretary: %d", st)
	}
	_ = orgB
	if st, _, _ := download(t, webtest.New(t, srv.App), "/api/v1/reports/completion.xlsx?year=2026"); st != 401 {
		t.Errorf("anonymous: %d", st)
	}
}

// The JSON summary and the page show the numbers of the workbook (one query path).
func TestSummaryJSONAndPage(t *testing.T) {
	c := theCounty(t)
	srv := newServer(t)
	admin := webtest.AsUser(t, srv, c.Admin)
	st, body := admin.JSON("GET", "/api/v1/reports/completion?year=2026", nil)
	if st != 200 {
		t.Fatalf("%d %s", st, body)
	}
	var out struct {
		Townships []Summary `json:"townships"`
		Total     Summary   `json:"total"`
		Missing   int       `json:"missing"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Townships) != 3 || out.Townships[0].Name != "甲镇" || out.Townships[0].Completed != 2 || out.Townships[0].Rank != 0 ||
		out.Total.Expected != 5 || out.Total.Passed != 2 || figures.Pct(out.Total.ScoreRate) != "76.0%" || out.Missing != 3 {
		t.Errorf("summary JSON: %s", body)
	}
	orgB := webtest.AsUser(t, srv, c.OrgB)
	_, body = orgB.JSON("GET", "/api/v1/reports/completion?year=2026", nil)
	if strings.Contains(string(body), "甲镇") || strings.Contains(string(body), `"total":`) {
		t.Errorf("organizer JSON leaks the county: %s", body)
	}

	st, html := admin.Get("/admin/reports?year=2026")
	if st != 200 {
		t.Fatalf("page: %d %s", st, html)
	}
	for _, want := range []string{"2026年度支部书记培训完成情况", "甲镇", "乙镇", "丙镇", "66.7%", "必修完成 2/3 人", "60.0%",
		"/api/v1/reports/completion.xlsx?year=2026", "/api/v1/reports/exams/" + strconv.FormatInt(c.E1, 10) + ".xlsx", "低于目标",
		"井冈山红色教育", "西柏坡学习", "/roster.xlsx"} {
		if !strings.Contains(html, want) {
			t.Errorf("admin page lacks %q", want)
		}
	}
	if strings.Contains(html, "延安学习") {
		t.Errorf("a tour of 2025 is listed under 2026")
	}
	st, html = orgB.Get("/admin/reports?year=2026")
	if st != 200 || strings.Contains(html, "甲镇") || !strings.Contains(html, "书记B2") || !strings.Contains(html, "未完成名单（1 人）") {
		t.Errorf("organizer page: %d", st)
	}
	if strings.Contains(html, "/api/v1/reports/exams/"+strconv.FormatInt(c.E2, 10)+".xlsx") {
		t.Errorf("organizer of 乙镇 sees 甲镇's exam")
	}
	if st, _ := orgB.Get("/admin/reports?township=" + strconv.FormatInt(c.A, 10)); st != 404 {
		t.Errorf("organizer page for another township: %d", st)
	}
	if st, _ := webtest.AsUser(t, srv, c.B1).Get("/admin/reports"); st != 403 {
		t.Errorf("secretary page: %d", st)
	}
}

func TestExamResultsWorkbook(t *testing.T) {
	c := theCounty(t)
	srv := newServer(t)
	admin := webtest.AsUser(t, srv, c.Admin)
	st, cd, body := download(t, admin, "/api/v1/reports/exams/"+strconv.FormatInt(c.E1, 10)+".xlsx")
	if st != 200 || !strings.Contains(cd, url.PathEscape("考试成绩（党章知识测试）.xlsx")) {
		t.Fatalf("admin: %d %q %.200s", st, cd, body)
	}
	g, sheets := readExcelize(t, body)
	if strings.Join(sheets, ",") != "汇总,成绩,口径说明" {
		t.Fatalf("sheets %v", sheets)
	}
	compareGrid(t, "excelize", "汇总", g["汇总"], "党章知识测试 成绩汇总（及格 60 分", grid{
		examSummaryHeaders,
		// 甲镇: A1 75 ✓, A2 90 ✓, A3 in progress → 3 candidates, 2 sat, both passed: 通过率
		// 2 ÷ 3 candidates, 参考通过率 2 ÷ 2 examinees, mean 82.5.
		{"甲镇", "3", "2", "0.666667", "2", "0.666667", "1", "82.5"},
		{"乙镇", "2", "1", "0.5", "1", "0.5", "1", "60"},
		{"合计", "5", "3", "0.6", "3", "0.6", "1", "75"},
	})
	compareGrid(t, "excelize", "成绩", g["成绩"], "党章知识测试 成绩明细", grid{
		examResultHeaders,
		{"1", "甲镇", "A1村党支部", "书记A1", "13800000001", "2", "75", "是", "已通过", "D:2026-03-05"},
		{"2", "甲镇", "A1村党支部", "书记A2", "13800000002", "1", "90", "是", "已通过", "D:2026-03-03"},
		{"3", "甲镇", "A2社区党支部", "书记A3", "13800000003", "0", "", "否", "考试中"},
		{"4", "乙镇", "B1机关党支部", "书记B1", "13800000004", "1", "60", "是", "已通过", "D:2026-03-04"},
		{"5", "乙镇", "B1机关党支部", "书记B2", "", "0", "", "否", "未参加"},
	})
	// E2 is for 甲镇 only: its organizer gets it, 乙镇's gets 404, a secretary 403.
	e2 := "/api/v1/reports/exams/" + strconv.FormatInt(c.E2, 10) + ".xlsx"
	st, _, body = download(t, webtest.AsUser(t, srv, c.OrgA), e2)
	if st != 200 {
		t.Fatalf("organizer A: %d", st)
	}
	pg, _, _ := readOpenpyxl(t, body)
	compareGrid(t, "openpyxl", "成绩", pg["成绩"], "发展党员专项测试 成绩明细", grid{
		examResultHeaders,
		{"1", "甲镇", "A1村党支部", "书记A1", "13800000001", "1", "85", "是", "已通过", "D:2026-06-02"},
		{"2", "甲镇", "A1村党支部", "书记A2", "13800000002", "0", "", "否", "未参加"},
		{"3", "甲镇", "A2社区党支部", "书记A3", "13800000003", "1", "70", "否", "未通过", "D:2026-06-03"},
	})
	if st, _, _ := download(t, webtest.AsUser(t, srv, c.OrgB), e2); st != 404 {
		t.Errorf("organizer B for 甲镇's exam: %d", st)
	}
	if st, _, _ := download(t, webtest.AsUser(t, srv, c.A1), e2); st != 403 {
		t.Errorf("secretary: %d", st)
	}
	for _, p := range []string{"/api/v1/reports/exams/999999.xlsx", "/api/v1/reports/exams/abc.xlsx", "/api/v1/reports/exams/-1.xlsx"} {
		if st, _, _ := download(t, admin, p); st != 404 {
			t.Errorf("%s: %d", p, st)
		}
	}
}
