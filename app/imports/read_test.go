package imports_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zhibu/app/imports"
	"zhibu/app/imports/xlsxtest"
)

func read(t *testing.T, data []byte, opt imports.Options) (*imports.Sheet, error) {
	t.Helper()
	return imports.Read(bytes.NewReader(data), int64(len(data)), opt)
}

func mustRead(t *testing.T, data []byte, opt imports.Options) *imports.Sheet {
	t.Helper()
	s, err := read(t, data, opt)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return s
}

func wantCode(t *testing.T, err error, kind *imports.Error, substr string) *imports.Error {
	t.Helper()
	var e *imports.Error
	if !errors.As(err, &e) || !errors.Is(err, kind) {
		t.Fatalf("got %v, want %s", err, kind.Code)
	}
	if !strings.Contains(e.Message, substr) {
		t.Fatalf("message %q, want it to contain %q", e.Message, substr)
	}
	return e
}

func opts(cols, rows int) imports.Options {
	return imports.Options{Limits: imports.NewLimits(cols, rows)}
}

// book writes an excelize workbook after build fills it.
func book(t *testing.T, build func(f *excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	build(f)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func rowsOfSheet(s *imports.Sheet) map[int][]string {
	out := map[int][]string{}
	for _, r := range s.Rows {
		out[r.Num] = r.Cells
	}
	return out
}

func TestReadTable(t *testing.T) {
	data := book(t, func(f *excelize.File) {
		f.SetSheetRow("Sheet1", "A1", &[]any{"手机号", "", "姓名", "乡镇"}) // out of template order, a blank header
		f.SetSheetRow("Sheet1", "A2", &[]any{13800138000, "", "张三", "城关镇", ""})
		f.SetSheetRow("Sheet1", "C5", &[]any{"李四"}) // rows 3 and 4 missing
		f.SetCellValue("Sheet1", "B7", "")          // an empty cell only: no row
		f.SetCellStyle("Sheet1", "A8", "F8", 1)     // styled empty cells: no row
		f.SetCellValue("Sheet1", "D9", " ")         // whitespace is kept as is
		f.SetCellValue("Sheet1", "A10", true)
		f.SetCellValue("Sheet1", "B10", 3.5)
		f.SetCellValue("Sheet1", "C10", -7)
	})
	s := mustRead(t, data, opts(6, 100))
	want := map[int][]string{
		1:  {"手机号", "", "姓名", "乡镇"},
		2:  {"13800138000", "", "张三", "城关镇"},
		5:  {"", "", "李四"},
		9:  {"", "", "", " "},
		10: {"TRUE", "3.5", "-7"},
	}
	if got := rowsOfSheet(s); !reflect.DeepEqual(got, want) {
		t.Errorf("rows\n got %v\nwant %v", got, want)
	}
	if s.Name != "Sheet1" || len(s.Formulas) != 0 || len(s.Merged) != 0 {
		t.Errorf("sheet %q formulas %v merged %v", s.Name, s.Formulas, s.Merged)
	}
}

// A phone number typed as a number and shown in a scientific format reads as its digits,
// formatted or not; percent and date formats read as shown only when asked.
func TestReadNumbers(t *testing.T) {
	data := book(t, func(f *excelize.File) {
		sci, _ := f.NewStyle(&excelize.Style{NumFmt: 11})
		pct, _ := f.NewStyle(&excelize.Style{NumFmt: 10})
		pct0, _ := f.NewStyle(&excelize.Style{NumFmt: 9})
		day, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
		custom := "yyyy\"年\"m\"月\"d\"日\""
		cn, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &custom})
		money := `#,##0.00 "元"`
		yuan, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &money})
		f.SetSheetRow("Sheet1", "A1", &[]any{13800138000, 0.005, 0.5, 45413, 45413, 1234.5})
		f.SetCellStyle("Sheet1", "A1", "A1", sci)
		f.SetCellStyle("Sheet1", "B1", "B1", pct)
		f.SetCellStyle("Sheet1", "C1", "C1", pct0)
		f.SetCellStyle("Sheet1", "D1", "D1", day)
		f.SetCellStyle("Sheet1", "E1", "E1", cn)
		f.SetCellStyle("Sheet1", "F1", "F1", yuan)
	})
	raw := mustRead(t, data, opts(6, 10))
	if got, want := raw.Rows[0].Cells, []string{"13800138000", "0.005", "0.5", "45413", "45413", "1234.5"}; !reflect.DeepEqual(got, want) {
		t.Errorf("raw %q, want %q", got, want)
	}
	o := opts(6, 10)
	o.Formatted = true
	shown := mustRead(t, data, o)
	if got, want := shown.Rows[0].Cells, []string{"13800138000", "0.50%", "50%", "2024-05-01", "2024-05-01", "1234.5"}; !reflect.DeepEqual(got, want) {
		t.Errorf("formatted %q, want %q", got, want)
	}
}

func TestReadRichTextAndInline(t *testing.T) {
	data := book(t, func(f *excelize.File) {
		f.SetCellValue("Sheet1", "A1", "题干")
		f.SetCellRichText("Sheet1", "B1", []excelize.RichTextRun{{Text: "党支部"}, {Text: "书记", Font: &excelize.Font{Bold: true}}})
	})
	if got := mustRead(t, data, opts(6, 10)).Rows[0].Cells; !reflect.DeepEqual(got, []string{"题干", "党支部书记"}) {
		t.Errorf("shared rich text: %q", got)
	}
	// Inline strings with runs and a phonetic guide (not part of the text), cells and rows
	// without positions, a namespace prefix, a CDATA section and entities.
	data = xlsxtest.Zip(append(xlsxtest.WorkbookParts(),
		xlsxtest.Text("xl/worksheets/sheet1.xml", `<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>`+
			`<x:row><x:c t="inlineStr"><x:is><x:r><x:t>红星</x:t></x:r><x:r><x:t xml:space="preserve"> 村</x:t></x:r><x:rPh><x:t>こう</x:t></x:rPh></x:is></x:c><x:c t="s"><x:v>1</x:v></x:c><x:c t="str"><x:f>A1</x:f><x:v>x&amp;y</x:v></x:c></x:row>`+
			`<x:row><x:c t="inlineStr"><x:is><x:t><![CDATA[<甲>]]></x:t></x:is></x:c><x:c t="e"><x:v>#N/A</x:v></x:c></x:row>`+
			`</x:sheetData></x:worksheet>`),
		xlsxtest.Text("xl/sharedStrings.xml", `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>零</t></si><si><r><t>一</t></r><r><t>二</t></r><rPh><t>いち</t></rPh></si></sst>`),
	)...)
	s := mustRead(t, data, opts(6, 10))
	want := map[int][]string{1: {"红星 村", "一二", "x&y"}, 2: {"<甲>", "#N/A"}}
	if got := rowsOfSheet(s); !reflect.DeepEqual(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	if fmt.Sprint(s.Formulas) != "[C1]" {
		t.Errorf("formulas %v", s.Formulas)
	}
}

func TestReadFormulasAndMerges(t *testing.T) {
	data := book(t, func(f *excelize.File) {
		f.SetSheetRow("Sheet1", "A1", &[]any{"题型", "题干", "答案"})
		f.SetSheetRow("Sheet1", "A2", &[]any{"单选", "题", "A"})
		f.SetCellFormula("Sheet1", "C2", `CHAR(65)`)
		f.SetCellFormula("Sheet1", "D3", `1+1`) // no cached value: reported, no row
		f.MergeCell("Sheet1", "A1", "B1")
		f.MergeCell("Sheet1", "B2", "B3")
	})
	s := mustRead(t, data, opts(14, 10))
	if fmt.Sprint(s.Formulas) != "[C2 D3]" {
		t.Errorf("formulas %v", s.Formulas)
	}
	if fmt.Sprint(s.Merged) != "[A1:B1 B2:B3]" {
		t.Errorf("merged %v", s.Merged)
	}
	if len(s.Rows) != 2 {
		t.Errorf("rows %v", s.Rows)
	}
}

// The roster template puts its instructions first in some versions: that sheet is skipped
// only when asked and when another sheet follows.
func TestReadSheetChoice(t *testing.T) {
	twoSheets := book(t, func(f *excelize.File) {
		f.SetSheetName("Sheet1", "填写说明")
		f.SetCellValue("填写说明", "A1", "说明")
		f.NewSheet("花名册")
		f.SetCellValue("花名册", "A1", "乡镇")
	})
	o := opts(6, 10)
	if s := mustRead(t, twoSheets, o); s.Name != "填写说明" {
		t.Errorf("without the option: %q", s.Name)
	}
	o.SkipInstructions = true
	if s := mustRead(t, twoSheets, o); s.Name != "花名册" || s.Rows[0].Cells[0] != "乡镇" {
		t.Errorf("with the option: %q %v", s.Name, s.Rows)
	}
	only := book(t, func(f *excelize.File) {
		f.SetSheetName("Sheet1", "说明")
		f.SetCellValue("说明", "A1", "x")
	})
	if s := mustRead(t, only, o); s.Name != "说明" {
		t.Errorf("single instructions sheet: %q", s.Name)
	}
	// Workbook order decides, not the order of the parts in the archive.
	reordered := book(t, func(f *excelize.File) {
		f.SetCellValue("Sheet1", "A1", "first")
		f.NewSheet("Second")
		f.SetCellValue("Second", "A1", "second")
		f.MoveSheet("Second", "Sheet1")
	})
	if s := mustRead(t, reordered, opts(6, 10)); s.Name != "Second" {
		t.Errorf("first sheet in workbook order: %q", s.Name)
	}
}

func TestReadRefusals(t *testing.T) {
	o := opts(6, 10)
	for _, c := range []struct {
		name string
		data []byte
		kind *imports.Error
		msg  string
	}{
		{"empty", nil, imports.ErrNotXLSX, "不是 Excel"},
		{"text", []byte("姓名,手机号\n张三,138"), imports.ErrNotXLSX, "不是 Excel"},
		{"xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0}, make([]byte, 100)...), imports.ErrOldFormat, "另存为 .xlsx"},
		{"broken zip", []byte("PK\x03\x04garbage-garbage-garbage"), imports.ErrUnreadable, "无法读取"},
		{"zip without workbook", xlsxtest.Zip(xlsxtest.Text("a.txt", "x")), imports.ErrUnreadable, "无法读取"},
		{"no sheet", xlsxtest.Zip(xlsxtest.PackageRels, xlsxtest.Text("xl/workbook.xml", `<workbook><sheets/></workbook>`)), imports.ErrNoSheet, "没有工作表"},
		{"broken xml", xlsxtest.Book(func(w io.Writer) { io.WriteString(w, `<sheetData><row></sheetData>`) }, nil), imports.ErrMalformed, "损坏"},
		{"unclosed", xlsxtest.Zip(append(xlsxtest.WorkbookParts(), xlsxtest.Text("xl/worksheets/sheet1.xml", `<worksheet><sheetData>`))...), imports.ErrMalformed, "损坏"},
		{"rows out of order", xlsxtest.Book(xlsxtest.SheetData(func(w io.Writer) {
			io.WriteString(w, `<row r="3"><c r="A3"><v>1</v></c></row><row r="2"><c r="A2"><v>1</v></c></row>`)
		}), nil), imports.ErrMalformed, "第 2 行"},
		{"cells out of order", xlsxtest.Book(xlsxtest.SheetData(func(w io.Writer) {
			io.WriteString(w, `<row r="1"><c r="B1"><v>1</v></c><c r="A1"><v>1</v></c></row>`)
		}), nil), imports.ErrMalformed, "第 1 行"},
		{"bad cell ref", xlsxtest.Book(xlsxtest.SheetData(func(w io.Writer) {
			io.WriteString(w, `<row r="1"><c r="XFE1"><v>1</v></c></row>`)
		}), nil), imports.ErrMalformed, "XFE1"},
		{"row beyond the grid", xlsxtest.Book(xlsxtest.SheetData(func(w io.Writer) {
			io.WriteString(w, `<row r="1048577"/>`)
		}), nil), imports.ErrMalformed, "1048577"},
		{"dimension", xlsxtest.Dimension("A1:ZZZZ1"), imports.ErrDimension, "ZZZZ1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := read(t, c.data, o)
			wantCode(t, err, c.kind, c.msg)
		})
	}
}

// Bounds, each tested right at the limit and one past it.
func TestReadRowLimit(t *testing.T) {
	o := opts(6, 10) // content allowed down to row 13
	at := func(row int, content bool) []byte {
		return xlsxtest.Book(xlsxtest.SheetData(func(w io.Writer) {
			fmt.Fprintf(w, `<row r="1"><c r="A1"><v>1</v></c></row>`)
			if content {
				fmt.Fprintf(w, `<row r="%d"><c r="A%d"><v>1</v></c></row>`, row, row)
			} else {
				fmt.Fprintf(w, `<row r="%d"><c r="A%d" s="1"/></row>`, row, row)
			}
		}), nil)
	}
	if s := mustRead(t, at(13, true), o); len(s.Rows) != 2 || s.Rows[1].Num != 13 {
		t.Errorf("row 13: %v", s.Rows)
	}
	if s := mustRead(t, at(500, false), o); len(s.Rows) != 1 {
		t.Errorf("styled empty row 500: %v", s.Rows)
	}
	_, err := read(t, at(14, true), o)
	wantCode(t, err, imports.ErrTooManyRows, "行数过多：一次最多导入 10 行，请拆分文件")
}

func TestReadColumnLimit(t *testing.T) {
	o := opts(6, 10)
	last := imports.ColumnName(o.MaxCols)
	at := func(col string, content bool) []byte {
		return xlsxtest.Book(xlsxtest.SheetData(func(w io.Writer) {
			if content {
				fmt.Fprintf(w, `<row r="7"><c r="A7"><v>1</v></c><c r="%s7" t="inlineStr"><is><t>x</t></is></c></row>`, col)
			} else {
				fmt.Fprintf(w, `<row r="7"><c r="A7"><v>1</v></c><c r="%s7" s="2"/><c r="XFD7" t="inlineStr"><is><t></t></is></c></row>`, col)
			}
		}), nil)
	}
	if s := mustRead(t, at(last, true), o); len(s.Rows[0].Cells) != o.MaxCols {
		t.Errorf("content in %s: %d cells", last, len(s.Rows[0].Cells))
	}
	if s := mustRead(t, at("XFC", false), o); len(s.Rows[0].Cells) != 1 {
		t.Errorf("empty cells far right: %v", s.Rows[0].Cells)
	}
	next := imports.ColumnName(o.MaxCols + 1)
	_, err := read(t, at(next, true), o)
	e := wantCode(t, err, imports.ErrTooWide, "第 7 行的 "+next+"7 单元格有内容")
	if e.Row != 7 || !e.Content() {
		t.Errorf("error %+v", e)
	}
}

func TestReadOtherLimits(t *testing.T) {
	o := opts(6, 10)
	nested := func(depth int) []byte {
		return xlsxtest.Book(func(w io.Writer) {
			// <worksheet> is level 1
			io.WriteString(w, strings.Repeat("<a>", depth-1)+strings.Repeat("</a>", depth-1))
		}, nil)
	}
	mustRead(t, nested(o.MaxDepth), o)
	_, err := read(t, nested(o.MaxDepth+1), o)
	wantCode(t, err, imports.ErrTooDeep, "嵌套过深")

	mustRead(t, xlsxtest.ManySheets(o.MaxSheets), o)
	_, err = read(t, xlsxtest.ManySheets(o.MaxSheets+1), o)
	wantCode(t, err, imports.ErrTooManySheets, fmt.Sprintf("超过 %d 个", o.MaxSheets))

	small := o
	small.MaxSharedStrings = 1000
	mustRead(t, xlsxtest.SharedStringsCount(1000), small)
	_, err = read(t, xlsxtest.SharedStringsCount(1001), small)
	wantCode(t, err, imports.ErrSharedStrings, "超过 1000 条")

	small = o
	small.MaxTextBytes = 10 * 2000
	mustRead(t, xlsxtest.MuchText(9, 2000), small) // 9 × (2 + 1998 bytes) and digits
	_, err = read(t, xlsxtest.MuchText(11, 2000), small)
	wantCode(t, err, imports.ErrTooMuchText, "文字总量过多")

	small = o
	small.MaxSheetBytes = 100 << 10
	mustRead(t, xlsxtest.ZipBomb(90<<10), small)
	_, err = read(t, xlsxtest.ZipBomb(110<<10), small)
	wantCode(t, err, imports.ErrZipBomb, "工作表过大")

	small = o
	small.MaxTotalBytes = 1 << 20
	_, err = read(t, xlsxtest.ZipBombUnreadEntry(1<<20), small)
	wantCode(t, err, imports.ErrZipBomb, "压缩炸弹")

	small = o
	small.MaxFileBytes = 1000
	_, err = read(t, xlsxtest.Book(xlsxtest.Rows([]string{"a"}), nil), small)
	wantCode(t, err, imports.ErrFileTooLarge, "文件过大")

	small = o
	small.MaxDirectoryBytes = 10 << 10
	mustRead(t, xlsxtest.ManyEntries(50), small)
	_, err = read(t, xlsxtest.ManyEntries(5000), small) // 250 KB of directory
	wantCode(t, err, imports.ErrUnreadable, "文件过多")

	// One cell: Excel's 32,767 characters (4 bytes each at most) and no more.
	cell := func(n int) []byte {
		return xlsxtest.Book(xlsxtest.Rows([]string{strings.Repeat("a", n)}), nil)
	}
	mustRead(t, cell(imports.MaxCellBytes), o)
	_, err = read(t, cell(imports.MaxCellBytes+1), o)
	wantCode(t, err, imports.ErrCellTooLong, "A1 单元格的内容过长")

	small = o
	small.MaxTokenBytes = 64 << 10
	mustRead(t, cell(60<<10), small)
	_, err = read(t, xlsxtest.CommentBomb(100<<10), small)
	wantCode(t, err, imports.ErrMalformed, "超长")
}

// A zip entry whose header understates its size is cut where the header says, by
// archive/zip, before the part limit is needed.
func TestReadLyingHeader(t *testing.T) {
	_, err := read(t, xlsxtest.ZipBombLying(1<<20, 1000), opts(6, 10))
	wantCode(t, err, imports.ErrMalformed, "损坏")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.Close()
	_, err = read(t, buf.Bytes(), opts(6, 10))
	wantCode(t, err, imports.ErrNotXLSX, "不是 Excel") // an empty archive is only its end record
}

func TestColumnName(t *testing.T) {
	for n, want := range map[int]string{1: "A", 26: "Z", 27: "AA", 38: "AL", 702: "ZZ", 703: "AAA", 16384: "XFD"} {
		if got := imports.ColumnName(n); got != want {
			t.Errorf("ColumnName(%d) = %q, want %q", n, got, want)
		}
	}
}

// Rows and cells count only inside <sheetData>: elsewhere they would read twice.
func TestReadIgnoresRowsElsewhere(t *testing.T) {
	data := xlsxtest.Book(func(w io.Writer) {
		io.WriteString(w, `<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>`+
			`<extLst><row><c r="B1"><v>2</v></c></row></extLst>`)
	}, nil)
	s := mustRead(t, data, opts(6, 10))
	if len(s.Rows) != 1 || fmt.Sprint(s.Rows[0].Cells) != "[1]" {
		t.Errorf("rows %v", s.Rows)
	}
}
