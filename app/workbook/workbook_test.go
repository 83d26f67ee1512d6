package workbook_test

import (
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zhibu/app/workbook"
	"zhibu/app/workbook/workbooktest"
)

func TestStreamPrintReady(t *testing.T) {
	b, err := workbook.New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	rows := [][]any{
		{"城关镇", "=HYPERLINK(\"http://x\")", 3},
		{"河口镇", excelize.Cell{StyleID: b.Styles.Red, Value: "+1"}, 4.5},
	}
	headers := []string{"乡镇", "姓名", "学时"}
	if err := b.Stream(workbook.Table{Sheet: "汇总", Title: "2026 年度完成情况", Headers: headers,
		Widths: workbook.Measure(headers, [][]string{{"城关镇", "=HYPERLINK", "3"}}), Filter: true},
		len(rows), func(i int) []any { return rows[i] }); err != nil {
		t.Fatal(err)
	}
	if err := b.Stream(workbook.Table{Sheet: "名单", Headers: headers, Portrait: true}, 0, nil); err != nil {
		t.Fatal(err)
	}
	data, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	got := workbooktest.Read(t, data)
	s := got["汇总"]
	if s.Rows[0][0] != "2026 年度完成情况" || s.Rows[1][0] != "乡镇" || s.Rows[2][0] != "城关镇" {
		t.Fatalf("rows = %q", s.Rows)
	}
	if len(s.Formulas) != 0 || s.Rows[2][1] != "'=HYPERLINK(\"http://x\")" || s.Rows[3][1] != "'+1" {
		t.Fatalf("typed text must stay text: formulas %v rows %q", s.Formulas, s.Rows)
	}
	if s.Orientation != "landscape" || s.PaperSize != 9 || !s.FitToPage || s.FitToWidth != 1 {
		t.Fatalf("print setup = %+v", s)
	}
	// The header row repeats on every page; the title is row 1 (merged across the table)
	// on the first page and the page header of the others.
	if s.PrintTitles != "$2:$2" || s.Freeze != "A3" || s.Footer != "第 &P 页，共 &N 页" || s.FirstFooter != s.Footer {
		t.Fatalf("titles %q freeze %q footer %q first footer %q", s.PrintTitles, s.Freeze, s.Footer, s.FirstFooter)
	}
	if !strings.HasSuffix(s.Header, "2026 年度完成情况") || s.FirstHeader != "" || strings.Join(s.Merged, ",") != "A1:C1" {
		t.Fatalf("page header %q, first page header %q, merged %v", s.Header, s.FirstHeader, s.Merged)
	}
	if n := got["名单"]; n.Orientation != "portrait" || n.PrintTitles != "$1:$1" || n.Freeze != "A2" || n.Header != "" {
		t.Fatalf("second sheet = %+v", n)
	}
}

func TestWidths(t *testing.T) {
	if workbook.DisplayWidth("城关a") != 5 {
		t.Fatal("CJK counts 2")
	}
	w := workbook.Measure([]string{"很长很长很长很长很长很长的课程标题"}, [][]string{{"ab"}})
	if w[0] != 18 {
		t.Fatalf("header width capped at 16 (+2) = %v", w)
	}
	if workbook.ColumnWidth(200) != workbook.MaxWidth || workbook.ColumnWidth(0) != 6 {
		t.Fatal("bounds")
	}
}

// A column style covers the table's plain values and the empty rows below them, where a
// person fills in a template; a cell's own style still wins, and the width stays.
func TestColStyles(t *testing.T) {
	b, err := workbook.New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.Stream(workbook.Table{Sheet: "模板", Headers: []string{"姓名", "手机号"}, Widths: []float64{12, 16},
		ColStyles: []int{0, b.Styles.TextCell}}, 1, func(int) []any {
		return []any{"张建国", "13800138000"}
	})
	if err != nil {
		t.Fatal(err)
	}
	data, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	workbooktest.Run(t, data, `
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["模板"]
d = ws.column_dimensions["B"]
print(json.dumps({"col": d.number_format, "width": str(d.width), "header": ws["B1"].number_format,
    "example": ws["B2"].number_format, "name": ws["A2"].number_format}))`, &got)
	want := map[string]string{"col": "@", "width": "16.0", "header": "General", "example": "@", "name": "General"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
}

// A column at MaxWidth wraps: its cells wrap (their own style kept otherwise) and the row
// is as tall as its longest text; a plain value elsewhere is bordered like the table; a
// long title wraps in a taller row.
func TestWideColumnsWrap(t *testing.T) {
	b, err := workbook.New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	long := strings.Repeat("未完成课程、", 20) // 240 wide: 7 lines at width 40
	title := strings.Repeat("很长的标题", 12)
	err = b.Stream(workbook.Table{Sheet: "名单", Title: title, Headers: []string{"序号", "课程"}, Widths: []float64{6, workbook.MaxWidth}},
		2, func(i int) []any {
			if i == 0 {
				return []any{1, excelize.Cell{StyleID: b.Styles.Red, Value: long}}
			}
			return []any{2, "短"}
		})
	if err != nil {
		t.Fatal(err)
	}
	data, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	workbooktest.Run(t, data, `
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["名单"]
print(json.dumps({"wrap": ws["B3"].alignment.wrap_text, "color": ws["B3"].font.color.rgb, "h3": ws.row_dimensions[3].height,
    "h4": ws.row_dimensions[4].height, "h1": ws.row_dimensions[1].height, "border": ws["A3"].border.left.style,
    "twrap": ws["A1"].alignment.wrap_text}))`, &got)
	if got["wrap"] != true || got["color"] != "FFC8102E" || got["border"] != "thin" || got["twrap"] != true {
		t.Errorf("styles: %v", got)
	}
	if h, _ := got["h3"].(float64); h < 7*14 {
		t.Errorf("a 7-line row is %v pt tall: %v", h, got)
	}
	if got["h4"] != nil {
		t.Errorf("a one-line row keeps the default height: %v", got)
	}
	if h, _ := got["h1"].(float64); h < 2*19 {
		t.Errorf("a 2-line title row is %v pt tall", h)
	}
}
