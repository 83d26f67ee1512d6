package accounts

import (
	"context"
	"strings"
	"testing"

	"zhibu/app/imports"
)

var parseTowns = map[string]int64{"城关镇": 1, "青山镇": 2}

// parseRoster runs the roster's spec without the database over rows (row i is Excel row
// i+1): the valid rows and every problem.
func parseRoster(rows [][]string, towns map[string]int64) ([]RosterRow, []RowError) {
	sheet := &imports.Sheet{}
	for i, r := range rows {
		if len(r) > 0 {
			sheet.Rows = append(sheet.Rows, imports.Row{Num: i + 1, Cells: r})
		}
	}
	res, err := newRosterSpec(towns, 0, nil).PreviewSheet(context.Background(), sheet)
	if err != nil {
		panic(err) // no database, nothing to fail
	}
	return rosterValues(res), res.Errors
}

// previewRoster reads and checks a file without the database.
func previewRoster(data []byte, towns map[string]int64) (*imports.Result[RosterRow], error) {
	return newRosterSpec(towns, 0, nil).Preview(context.Background(), data)
}

func rosterValues(res *imports.Result[RosterRow]) []RosterRow {
	out := []RosterRow{}
	for _, r := range res.Rows {
		out = append(out, r.Value)
	}
	return out
}

func errorAt(errs []RowError, row int, column string) *RowError {
	for i := range errs {
		if errs[i].Row == row && errs[i].Column == column {
			return &errs[i]
		}
	}
	return nil
}

func TestParseRosterGood(t *testing.T) {
	rows := [][]string{
		{"备注", " 手机号 ", "姓名", "乡镇", "支部名称", "支部类型", "职务"},
		{"x", "138 0013 8000", " 张建国 ", "城关镇", "红星村党支部", "农村党支部", "书记"},
		{"", "１３９-００００-１１１１", "李秀英", "青山镇", "青山社区党支部", "社区", ""},
		{},
		{"", "+86 137 0000 2222", "王志强", "青山镇", "县一中党支部", "学校/事业单位", "副书记"},
		{"", "", "", "", "", "", ""},
	}
	got, errs := parseRoster(rows, parseTowns)
	if len(errs) != 0 {
		t.Fatalf("errors: %+v", errs)
	}
	want := []RosterRow{
		{Row: 2, Township: "城关镇", TownshipID: 1, Branch: "红星村党支部", Kind: "农村", Name: "张建国", Phone: "13800138000", Title: "书记"},
		{Row: 3, Township: "青山镇", TownshipID: 2, Branch: "青山社区党支部", Kind: "社区", Name: "李秀英", Phone: "13900001111", Title: "书记"},
		{Row: 5, Township: "青山镇", TownshipID: 2, Branch: "县一中党支部", Kind: "事业单位", Name: "王志强", Phone: "13700002222", Title: "副书记"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rows: %+v", len(got), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestParseRosterErrors(t *testing.T) {
	head := []string{"乡镇", "支部名称", "支部类型", "姓名", "手机号"}
	rows := [][]string{head,
		{"城关镇", "红星村党支部", "农村", "张三", "1380013800"},  // 2: 10 digits
		{"城关镇", "红星村党支部", "农村", "李四", "23800138000"}, // 3: not starting with 1
		{"城关镇", "红星村党支部", "农村", "王五", "13800138001"}, // 4: ok
		{"城关镇", "前进村党支部", "农村", "赵六", "13800138001"}, // 5: duplicate of 4
		{"白云镇", "白云村党支部", "农村", "钱七", "13800138002"}, // 6: unknown township
		{"城关镇", "红星村党支部", "火星", "孙八", "13800138003"}, // 7: bad kind
		{"城关镇", "红星村党支部", "农村", "", "13800138004"},   // 8: empty name
		{"城关镇", "红星村党支部", "社区", "周九", "13800138005"}, // 9: kind differs from row 2
		{"城关镇", "", "农村", "吴十", "138abc38006"},       // 10: empty branch, bad phone
	}
	got, errs := parseRoster(rows, parseTowns)
	if len(got) != 1 || got[0].Row != 4 {
		t.Errorf("valid rows = %+v, want only row 4", got)
	}
	checks := []struct {
		row    int
		column string
		substr string
	}{
		{2, colPhone, "11 位"}, {3, colPhone, "1 开头"}, {5, colPhone, "与第 4 行重复"},
		{6, colTownship, "没有乡镇“白云镇”"}, {7, colKind, "无法识别"}, {8, colName, "不能为空"},
		{9, colKind, "不一致"}, {10, colBranch, "不能为空"}, {10, colPhone, "不正确"},
	}
	for _, c := range checks {
		e := errorAt(errs, c.row, c.column)
		if e == nil || !strings.Contains(e.Message, c.substr) {
			t.Errorf("row %d %s: got %+v, want message containing %q", c.row, c.column, e, c.substr)
		}
	}
	if len(errs) != len(checks) {
		t.Errorf("got %d errors, want %d: %+v", len(errs), len(checks), errs)
	}
	for i := 1; i < len(errs); i++ {
		if errs[i].Row < errs[i-1].Row {
			t.Errorf("errors not sorted by row: %+v", errs)
		}
	}
}

func TestParseRosterFileLevel(t *testing.T) {
	_, errs := parseRoster([][]string{{"乡镇", "姓名", "职务"}, {"城关镇", "张三", "书记"}}, parseTowns)
	var missing []string
	for _, e := range errs {
		missing = append(missing, e.Column)
		if e.Row != 1 || !strings.Contains(e.Message, "缺少必填列") {
			t.Errorf("unexpected error %+v", e)
		}
	}
	if strings.Join(missing, ",") != "支部名称,支部类型,手机号" {
		t.Errorf("missing columns = %v", missing)
	}

	for _, rows := range [][][]string{nil, {}, {{}, {"", " "}}} {
		if _, errs := parseRoster(rows, parseTowns); len(errs) != 1 || !strings.Contains(errs[0].Message, "空") {
			t.Errorf("empty sheet %v: %+v", rows, errs)
		}
	}
	if _, errs := parseRoster([][]string{{"乡镇", "支部名称", "支部类型", "姓名", "手机号"}, {}}, parseTowns); len(errs) != 1 || !strings.Contains(errs[0].Message, "没有人员数据") {
		t.Errorf("header only: %+v", errs)
	}

	big := [][]string{{"乡镇", "支部名称", "支部类型", "姓名", "手机号"}}
	for i := 0; i <= imports.MaxRows; i++ {
		big = append(big, []string{"城关镇", "支部", "农村", "某", "13800000000"})
	}
	if got, errs := parseRoster(big, parseTowns); len(got) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Message, "最多导入") {
		t.Errorf("oversized: %d rows, %+v", len(got), errs)
	}
}

func TestNormalizers(t *testing.T) {
	phones := map[string]string{
		"13800138000": "13800138000", " 138-0013-8000 ": "13800138000", "１３８００１３８０００": "13800138000",
		"+86 13800138000": "13800138000", "(138)00138000": "13800138000", "138 0013 800": "", "23800138000": "",
		"1380013800a": "", "": "", "+8613800138000+": "", "138001380000": "",
	}
	for in, want := range phones {
		if got := normalizePhone(in); got != want {
			t.Errorf("normalizePhone(%q) = %q, want %q", in, got, want)
		}
	}
	kinds := map[string]string{
		"农村": "农村", "村": "农村", "农村党支部": "农村", " 社区党支部 ": "社区", "学校/事业单位": "事业单位",
		"学校／事业单位": "事业单位", "学校": "学校", "非公企业党支部": "企业", "联合党支部": "联合",
		"产业党组织": "产业", "合作社": "产业", "其它": "其他", "火星": "", "": "", "党支部": "",
	}
	for in, want := range kinds {
		if got := normalizeKind(in); got != want {
			t.Errorf("normalizeKind(%q) = %q, want %q", in, got, want)
		}
	}
	for _, k := range BranchKinds {
		if normalizeKind(k) != k {
			t.Errorf("stored kind %q does not map to itself", k)
		}
	}
}

// FuzzParseRoster: whatever the cells, parsing never panics, every valid row satisfies the
// stored rules, and every error names a row and a Chinese message.
func FuzzParseRoster(f *testing.F) {
	f.Add("乡镇,支部名称,支部类型,姓名,手机号,职务\n城关镇,红星村党支部,农村,张建国,13800138000,书记")
	f.Add("姓名,手机号,乡镇,支部名称,支部类型\n李四,１３９００００１１１１,青山镇,社区党支部,社区党支部\n李四,13900001111,青山镇,社区党支部,社区")
	f.Add("乡镇,姓名\n城关镇,王五")
	f.Add("")
	f.Fuzz(func(t *testing.T, csv string) {
		var rows [][]string
		for _, line := range strings.Split(csv, "\n") {
			rows = append(rows, strings.Split(line, ","))
		}
		got, errs := parseRoster(rows, parseTowns)
		seen := map[string]bool{}
		for _, r := range got {
			if len(r.Phone) != 11 || r.Phone[0] != '1' || normalizePhone(r.Phone) != r.Phone {
				t.Errorf("bad phone accepted: %+v", r)
			}
			if seen[r.Phone] {
				t.Errorf("duplicate phone accepted: %+v", r)
			}
			seen[r.Phone] = true
			if r.Name == "" || r.Branch == "" || r.TownshipID == 0 || normalizeKind(r.Kind) != r.Kind || r.Kind == "" {
				t.Errorf("invalid row accepted: %+v", r)
			}
			if r.Row < 2 || r.Row > len(rows) {
				t.Errorf("row number %d out of range", r.Row)
			}
		}
		for _, e := range errs {
			if e.Message == "" || e.Row < 0 || e.Row > len(rows)+1 {
				t.Errorf("bad error %+v", e)
			}
		}
	})
}
