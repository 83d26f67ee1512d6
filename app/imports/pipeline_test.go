package imports_test

import (
	"context"
	"fmt"
	"testing"

	"zhibu/app/imports"
)

// pair is what the test spec parses a row into.
type pair struct{ Name, Code string }

func testSpec() *imports.Spec[pair] {
	return &imports.Spec[pair]{
		Noun:    "记录",
		Columns: []imports.Column{{Name: "名称", Required: true, Aliases: []string{"名字"}}, {Name: "代码", Required: true}, {Name: "备注"}},
		Parse: func(r imports.Record) (pair, []imports.RowError) {
			var errs []imports.RowError
			if r.Get("代码") == "" {
				errs = append(errs, imports.RowError{Column: "代码", Message: "代码不能为空"})
			}
			if r.Get("名称") == "" {
				errs = append(errs, imports.RowError{Column: "名称", Message: "名称不能为空"})
			}
			return pair{r.Get("名称"), r.Get("代码")}, errs
		},
		Check: func(rows []imports.Item[pair]) []imports.RowError {
			seen := map[string]int{}
			var errs []imports.RowError
			for _, r := range rows {
				if first, dup := seen[r.Value.Code]; dup {
					errs = append(errs, imports.RowError{Row: r.Num, Column: "代码", Message: fmt.Sprintf("与第 %d 行重复", first)})
				}
				seen[r.Value.Code] = r.Num
			}
			return errs
		},
	}
}

func sheet(rows ...[]string) *imports.Sheet {
	s := &imports.Sheet{}
	for i, r := range rows {
		if len(r) > 0 {
			s.Rows = append(s.Rows, imports.Row{Num: i + 1, Cells: r})
		}
	}
	return s
}

// The header is the first row with content, found by name or alias with “*” and
// “（必填）” tolerated; errors are sorted by row, then by the spec's column order; rows
// with any error (also from Check) are left out of Rows.
func TestPipelineParsesAndSorts(t *testing.T) {
	res, err := testSpec().PreviewSheet(context.Background(), sheet(
		nil,
		[]string{"备注", " 代码* ", "名字（必填）"},
		[]string{"", "", ""},
		[]string{"x", "", ""},
		[]string{"", "A1", "甲"},
		[]string{"", "A1", "乙"},
	))
	if err != nil {
		t.Fatal(err)
	}
	want := []imports.RowError{
		{Row: 4, Column: "名称", Message: "名称不能为空"},
		{Row: 4, Column: "代码", Message: "代码不能为空"},
		{Row: 6, Column: "代码", Message: "与第 5 行重复"},
	}
	if fmt.Sprint(res.Errors) != fmt.Sprint(want) {
		t.Errorf("errors %+v\nwant %+v", res.Errors, want)
	}
	if res.Total != 3 || len(res.Rows) != 1 || res.Rows[0].Num != 5 || res.Rows[0].Value != (pair{"甲", "A1"}) || res.Create != 1 {
		t.Errorf("rows %+v total %d create %d", res.Rows, res.Total, res.Create)
	}
}

func TestPipelineFileErrors(t *testing.T) {
	cases := []struct {
		name  string
		sheet *imports.Sheet
		want  string
	}{
		{"empty", sheet(), "[{0  表格是空的：第一个工作表中没有表头和数据，请使用模板填写}]"},
		{"missing column", sheet([]string{"名称", "名称"}, []string{"甲"}),
			"[{1 名称 表头中“名称”列出现了不止一次} {1 代码 缺少必填列“代码”，请使用模板的表头}]"},
		{"header only", sheet([]string{"名称", "代码"}), "[{2  表格中没有记录数据，请在表头下方逐行填写}]"},
	}
	for _, c := range cases {
		res, err := testSpec().PreviewSheet(context.Background(), c.sheet)
		if err != nil || fmt.Sprint(res.Errors) != c.want {
			t.Errorf("%s: %v %v, want %s", c.name, err, res.Errors, c.want)
		}
	}
	rows := [][]string{{"名称", "代码"}}
	for i := 0; i <= imports.MaxRows; i++ {
		rows = append(rows, []string{"甲", fmt.Sprint(i)})
	}
	if res, _ := testSpec().PreviewSheet(context.Background(), sheet(rows...)); len(res.Errors) != 1 || res.Errors[0].Row != 0 {
		t.Errorf("%d rows: %+v", imports.MaxRows+1, res.Errors[:min(3, len(res.Errors))])
	}
}

// Formulas and merged cells are refused where the import reads, ignored elsewhere.
func TestPipelineFormulasAndMerges(t *testing.T) {
	s := sheet([]string{"名称", "代码", "", "无关"}, []string{"甲", "A", "", "x"}, []string{"乙", "B", "", "y"})
	s.Formulas = []imports.Cell{{Row: 2, Col: 2}, {Row: 2, Col: 4}}
	s.Merged = []imports.Range{{From: imports.Cell{Row: 2, Col: 1}, To: imports.Cell{Row: 3, Col: 1}}, {From: imports.Cell{Row: 2, Col: 4}, To: imports.Cell{Row: 3, Col: 4}}}
	res, _ := testSpec().PreviewSheet(context.Background(), s)
	want := "[{2 名称 存在合并单元格（A2:A3），请取消合并后每格单独填写} {2 代码 B2 单元格是公式，不支持公式，请复制后“选择性粘贴为数值”再上传}]"
	if fmt.Sprint(res.Errors) != want {
		t.Errorf("errors %v\nwant %s", res.Errors, want)
	}
}
