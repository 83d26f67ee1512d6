package accounts

import (
	"strings"
	"testing"

	"zhibu/app/imports"
	"zhibu/app/testdb"
	"zhibu/app/web"
)

// The template's example row is skipped by one rule: its 姓名 starts with 「示例：」.
func TestIsExampleRow(t *testing.T) {
	for name, want := range map[string]bool{
		"示例：张三": true,
		"示例:张三": true, // a half-width colon, as an edited copy may have it
		"示例：":   true,
		"示例":    false, // a real person may be called so
		"示例明":   false,
		"王示例":   false,
		"张示例：":  false, // the mark only counts at the start
		"示例张三":  false,
		"张三":    false,
		"":      false,
	} {
		if got := isExampleRow(name); got != want {
			t.Errorf("isExampleRow(%q) = %v, want %v", name, got, want)
		}
	}
}

// The parser skips the example row wherever it is and whatever else it holds (a
// township the county lacks, a bad phone), and checks the others as usual: real people
// whose names merely hold the characters import.
func TestParseRosterSkipsTheExampleRow(t *testing.T) {
	rows := [][]string{
		rosterHead,
		{"城关镇", "红星村党支部", "农村", "示例：张三", "13800138000", "书记"},
		{"城关镇", "红星村党支部", "农村", "示例明", "13900001111", ""},
		{"不存在镇", "", "", " 示例:李四 ", "123", ""},
		{"青山镇", "青山社区党支部", "社区", "王示例", "13900002222", ""},
		{"青山镇", "青山社区党支部", "社区", "示例", "13900003333", ""},
	}
	got, errs := parseRoster(rows, parseTowns)
	if len(errs) != 0 {
		t.Fatalf("errors: %+v", errs)
	}
	var names []string
	for _, r := range got {
		if !r.Example {
			names = append(names, r.Name)
		}
	}
	if strings.Join(names, ",") != "示例明,王示例,示例" {
		t.Errorf("people: %v", names)
	}
	// skipExamples takes them out of what the preview shows and counts.
	res, err := newRosterSpec(parseTowns, 0, nil).PreviewSheet(t.Context(), sheetOf(rows))
	if err != nil {
		t.Fatal(err)
	}
	if skipped := skipExamples(res); len(skipped) != 2 || skipped[0] != 2 || skipped[1] != 4 || len(res.Rows) != 3 || res.Total != 3 || res.Create != 3 {
		t.Errorf("skipped %v, %d rows, total %d, create %d", skipped, len(res.Rows), res.Total, res.Create)
	}
	// A file of the example alone is refused in words: it would import nobody.
	_, errs = parseRoster(rows[:2], parseTowns)
	if len(errs) != 1 || errs[0].Row != 2 || !strings.Contains(errs[0].Message, "没有其他可导入的人员") {
		t.Errorf("example only: %+v", errs)
	}
}

// Through the pages: the preview says the example row was skipped, and the import
// creates the real people only.
func TestRosterPagesSkipTheExampleRow(t *testing.T) {
	f := newOrgFixture(t)
	cl := f.as(t, f.county.Admin)
	branch := testdb.Unique("村党支部")
	phone := uniquePhone()
	data := makeXLSX(t, [][]string{append(rosterHead, colNote),
		{f.towns[0], branch, "农村", "示例：张三", "13800138000", "书记", "示例行，导入时自动跳过"},
		{f.towns[0], branch, "农村", "示例明", phone, "", ""},
	})
	status, page := cl.Upload("/admin/roster/preview", "花名册.xlsx", data, nil)
	if status != 200 || !strings.Contains(string(page), "已跳过示例行（第 2 行）") || !strings.Contains(string(page), "确认导入") {
		t.Fatalf("preview: %d", status)
	}
	if strings.Contains(string(page), "13800138000") {
		t.Error("the preview lists the example row as a person to import")
	}
	p := string(page)
	i := strings.Index(p, `name="stash_id" value="`)
	stash := p[i+len(`name="stash_id" value="`):]
	stash = stash[:strings.IndexByte(stash, '"')]
	resp := cl.Form("POST", "/admin/roster/confirm", map[string][]string{"stash_id": {stash}})
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != web.XLSXType {
		t.Fatalf("confirm: %d", resp.StatusCode)
	}
	var n int
	testdb.Get(t, f.db, &n, `SELECT count(*) FROM users WHERE phone = '13800138000' OR name LIKE '示例：%'`)
	if n != 0 {
		t.Error("the example row became an account")
	}
	testdb.Get(t, f.db, &n, `SELECT count(*) FROM users WHERE phone = $1 AND name = '示例明'`, phone)
	if n != 1 {
		t.Error("the real person was not imported")
	}
	// The template as it came: nothing to import, said on the preview.
	tpl, err := rosterTemplate()
	if err != nil {
		t.Fatal(err)
	}
	status, page = cl.Upload("/admin/roster/preview", "模板.xlsx", tpl, nil)
	if status != 200 || !strings.Contains(string(page), "没有其他可导入的人员") || strings.Contains(string(page), "stash_id") {
		t.Errorf("template as it came: %d", status)
	}
	// The API too: the example is not imported.
	st, r := upload(t, cl, "/api/v1/roster/import", makeXLSX(t, [][]string{rosterHead,
		{f.towns[0], branch, "农村", "示例：张三", "13800138000", ""},
		{f.towns[0], branch, "农村", "王示例", uniquePhone(), ""}}))
	if st != 200 || r.Created != 1 || r.Imported != 1 || r.Rows != 1 {
		t.Errorf("API: %d %+v", st, r)
	}
}

// sheetOf is a read sheet of rows (row numbers from 1; empty rows left out).
func sheetOf(rows [][]string) *imports.Sheet {
	sheet := &imports.Sheet{}
	for i, r := range rows {
		if len(r) > 0 {
			sheet.Rows = append(sheet.Rows, imports.Row{Num: i + 1, Cells: r})
		}
	}
	return sheet
}
