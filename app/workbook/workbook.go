// Package workbook is the one way zhibu writes an .xlsx: the shared styles (宋体, grey
// header with borders), column widths from the widest cell, a frozen header, and a print
// setup a department can use the same afternoon — A4, fit to one page wide, header rows
// repeated on every page, 「第 N 页，共 M 页」 in the footer. Every feature's export and
// template goes through it (reports, tour rosters, import templates, credentials).
package workbook

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/xuri/excelize/v2"

	"zhibu/app/web"
)

// Book is a workbook being written.
type Book struct {
	F      *excelize.File
	Styles Styles
	first  bool // the default sheet has not been used yet
}

// Styles are the style ids every sheet shares.
type Styles struct {
	Title, Note, Header, Text, Wrap, Date, DateTime, Int, Number, Pct int
	// Total* are the bold, tinted cells of a total row; Warn* highlight a row that needs action.
	TotalText, TotalInt, TotalNumber, TotalPct int
	WarnText, WarnInt, WarnNumber, WarnPct     int
	Muted, Red, Done                           int
	// TextCell keeps what was typed as text (phone numbers, ids) in an import template.
	TextCell int
}

// New starts a book with the shared styles.
func New() (*Book, error) {
	f := excelize.NewFile()
	st, err := newStyles(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &Book{F: f, Styles: *st, first: true}, nil
}

// Close releases the book's temporary files.
func (b *Book) Close() error { return b.F.Close() }

// WriteTo writes the finished book.
func (b *Book) WriteTo(w io.Writer) (int64, error) { return b.F.WriteTo(w) }

// Bytes returns the finished book.
func (b *Book) Bytes() ([]byte, error) {
	buf, err := b.F.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Sheet adds a sheet (the first call renames the default one) and returns its name.
func (b *Book) Sheet(name string) (string, error) {
	if b.first {
		b.first = false
		return name, b.F.SetSheetName("Sheet1", name)
	}
	_, err := b.F.NewSheet(name)
	return name, err
}

// Table is one sheet of rows under a header.
type Table struct {
	Sheet   string
	Title   string   // optional first row (bold red); the header then is row 2
	Headers []string // the header row, repeated on every printed page
	// Widths are the columns' Excel widths; nil means measure with Measure.
	Widths    []float64
	Landscape bool // wide tables print landscape; narrow ones portrait
	Filter    bool // add an autofilter over the header and rows
	FreezeCol bool // also freeze the first column (a name column of a wide table)
	// ColStyles are the columns' styles (0 = none), set on the whole column: plain values
	// written there take it, and so does what a person types later into a template
	// (Styles.TextCell keeps phone numbers typed below the example as text).
	ColStyles []int
}

// HeaderRow is the row number of the table's header.
func (t Table) HeaderRow() int {
	if t.Title != "" {
		return 2
	}
	return 1
}

// Stream writes the table with the stream writer: print setup, widths and the frozen
// header first, then nrows rows from row(i). Cells are values or excelize.Cell; strings
// pass through web.CellText so that nothing a person typed runs as a formula.
func (b *Book) Stream(t Table, nrows int, row func(i int) []any) error {
	if _, err := b.Sheet(t.Sheet); err != nil {
		return err
	}
	head := t.HeaderRow()
	last := ColName(len(t.Headers))
	if t.Filter && nrows > 0 {
		// Set on the worksheet before streaming starts; the stream writer keeps it.
		if err := b.F.AutoFilter(t.Sheet, fmt.Sprintf("A%d:%s%d", head, last, head+nrows), nil); err != nil {
			return err
		}
	}
	if err := b.PrintSetup(t.Sheet, head, t.Landscape); err != nil {
		return err
	}
	if t.Title != "" {
		if err := b.PageHeader(t.Sheet, t.Title); err != nil {
			return err
		}
	}
	sw, err := b.F.NewStreamWriter(t.Sheet)
	if err != nil {
		return err
	}
	for i, w := range t.Widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	for i, s := range t.ColStyles {
		if s == 0 {
			continue
		}
		if err := sw.SetColStyle(i+1, i+1, s); err != nil {
			return err
		}
	}
	panes := &excelize.Panes{Freeze: true, YSplit: head, TopLeftCell: fmt.Sprintf("A%d", head+1), ActivePane: "bottomLeft"}
	if t.FreezeCol {
		panes = &excelize.Panes{Freeze: true, YSplit: head, XSplit: 1, TopLeftCell: fmt.Sprintf("B%d", head+1), ActivePane: "bottomRight"}
	}
	if err := sw.SetPanes(panes); err != nil {
		return err
	}
	if t.Title != "" {
		if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: b.Styles.Title, Value: web.CellText(t.Title)}}, excelize.RowOpts{Height: 24}); err != nil {
			return err
		}
		// One merged cell as wide as the table: the title is never cut at a column edge.
		if len(t.Headers) > 1 {
			if err := sw.MergeCell("A1", last+"1"); err != nil {
				return err
			}
		}
	}
	hdr := make([]any, len(t.Headers))
	for i, h := range t.Headers {
		hdr[i] = excelize.Cell{StyleID: b.Styles.Header, Value: web.CellText(h)}
	}
	if err := sw.SetRow(fmt.Sprintf("A%d", head), hdr, excelize.RowOpts{Height: 32}); err != nil {
		return err
	}
	for i := 0; i < nrows; i++ {
		cells := row(i)
		for j, v := range cells {
			cells[j] = safe(v)
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", head+1+i), cells); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// safe passes strings through web.CellText, also inside an excelize.Cell.
func safe(v any) any {
	switch x := v.(type) {
	case string:
		return web.CellText(x)
	case excelize.Cell:
		if s, ok := x.Value.(string); ok {
			x.Value = web.CellText(s)
		}
		return x
	}
	return v
}

// PrintSetup makes a sheet print on A4, fit to one page wide (as many pages tall as it
// needs), with rows 1..headerRow repeated on every page and page numbers in the footer.
func (b *Book) PrintSetup(sheet string, headerRow int, landscape bool) error {
	size, orient, one, zero := 9, "portrait", 1, 0 // 9 is A4
	if landscape {
		orient = "landscape"
	}
	if err := b.F.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &size, Orientation: &orient, FitToWidth: &one, FitToHeight: &zero}); err != nil {
		return err
	}
	fit := true
	if err := b.F.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	margin, edge := 0.5, 0.3
	if err := b.F.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{Left: &margin, Right: &margin, Top: &margin, Bottom: &margin, Header: &edge, Footer: &edge}); err != nil {
		return err
	}
	if err := b.F.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddFooter: "&C第 &P 页，共 &N 页"}); err != nil {
		return err
	}
	if headerRow > 0 {
		return b.F.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: sheet,
			RefersTo: fmt.Sprintf("'%s'!$1:$%d", sheet, headerRow)})
	}
	return nil
}

// PageHeader prints the title at the top of every page of the sheet.
func (b *Book) PageHeader(sheet, title string) error {
	opts, err := b.F.GetHeaderFooter(sheet)
	if err != nil {
		return err
	}
	// & starts a header code: a title's own ampersands are doubled to print as themselves.
	opts.OddHeader = "&C&\"宋体,Bold\"&12" + strings.ReplaceAll(title, "&", "&&")
	return b.F.SetHeaderFooter(sheet, opts)
}

// Measure returns widths for headers and rows: each column as wide as its widest cell
// (headers count at most 16, long titles wrap instead), within ColumnWidth's bounds.
func Measure(headers []string, rows [][]string) []float64 {
	w := make([]int, len(headers))
	for i, h := range headers {
		w[i] = min(DisplayWidth(h), 16)
	}
	for _, r := range rows {
		for i, s := range r {
			if i < len(w) {
				w[i] = max(w[i], DisplayWidth(s))
			}
		}
	}
	out := make([]float64, len(w))
	for i, d := range w {
		out[i] = ColumnWidth(d)
	}
	return out
}

// DisplayWidth is the width of text in Excel column units: CJK and other wide
// characters count 2, everything else 1.
func DisplayWidth(s string) int {
	w := 0
	for _, r := range s {
		if isWide(r) {
			w += 2
		} else {
			w++
		}
	}
	return w
}

func isWide(r rune) bool {
	return unicode.Is(unicode.Han, r) ||
		(r >= 0x3000 && r <= 0x303f) || // CJK punctuation
		(r >= 0xff00 && r <= 0xffef) || // full-width forms
		(r >= 0x2e80 && r <= 0x2fdf) || (r >= 0x3040 && r <= 0x30ff) || (r >= 0xac00 && r <= 0xd7af) ||
		r == '√' || r == '×' || r == '✓' || r == '✗' || r == '—' || r == '…'
}

// ColumnWidth is the Excel width for a column whose longest cell has display width w:
// a little padding, at least 6 and at most 60 (longer text is cut visually, not lost).
func ColumnWidth(w int) float64 {
	return min(max(float64(w)+2, 6), 60)
}

// ColName is the letter name of column n (1 = A).
func ColName(n int) string {
	s, _ := excelize.ColumnNumberToName(n)
	return s
}

func newStyles(f *excelize.File) (*Styles, error) {
	border := []excelize.Border{
		{Type: "left", Color: "D9D9D9", Style: 1}, {Type: "right", Color: "D9D9D9", Style: 1},
		{Type: "top", Color: "D9D9D9", Style: 1}, {Type: "bottom", Color: "D9D9D9", Style: 1},
	}
	font := func(bold bool, color string) *excelize.Font {
		return &excelize.Font{Family: "宋体", Size: 11, Bold: bold, Color: color}
	}
	fill := func(color string) excelize.Fill {
		return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}
	}
	numFmt := func(s string) *string { return &s }
	var st Styles
	total, warn := fill("FFF7E0"), fill("FDE8EB")
	defs := []struct {
		dst *int
		s   excelize.Style
	}{
		{&st.Title, excelize.Style{Font: &excelize.Font{Family: "宋体", Size: 14, Bold: true, Color: "C8102E"}}},
		{&st.Note, excelize.Style{Font: &excelize.Font{Family: "宋体", Size: 10, Color: "6B6B6B"}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
		{&st.Header, excelize.Style{Font: font(true, "262626"), Fill: fill("F2F2F2"), Border: border,
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		{&st.Text, excelize.Style{Font: font(false, ""), Border: border}},
		{&st.Wrap, excelize.Style{Font: font(false, ""), Border: border, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
		{&st.Red, excelize.Style{Font: font(false, "C8102E"), Border: border}},
		{&st.Muted, excelize.Style{Font: font(false, "8C8C8C"), Border: border, Alignment: &excelize.Alignment{Horizontal: "center"}}},
		{&st.Done, excelize.Style{Font: font(false, "1A7F37"), Border: border, CustomNumFmt: numFmt(`"完成 "yyyy-mm-dd`)}},
		{&st.Date, excelize.Style{Font: font(false, ""), Border: border, CustomNumFmt: numFmt("yyyy-mm-dd")}},
		{&st.DateTime, excelize.Style{Font: font(false, ""), Border: border, CustomNumFmt: numFmt("yyyy-mm-dd hh:mm")}},
		{&st.Int, excelize.Style{Font: font(false, ""), Border: border, NumFmt: 1}},
		{&st.Number, excelize.Style{Font: font(false, ""), Border: border, CustomNumFmt: numFmt("0.0")}},
		{&st.Pct, excelize.Style{Font: font(false, ""), Border: border, CustomNumFmt: numFmt("0.0%")}},
		{&st.TotalText, excelize.Style{Font: font(true, ""), Fill: total, Border: border}},
		{&st.TotalInt, excelize.Style{Font: font(true, ""), Fill: total, Border: border, NumFmt: 1}},
		{&st.TotalNumber, excelize.Style{Font: font(true, ""), Fill: total, Border: border, CustomNumFmt: numFmt("0.0")}},
		{&st.TotalPct, excelize.Style{Font: font(true, ""), Fill: total, Border: border, CustomNumFmt: numFmt("0.0%")}},
		{&st.WarnText, excelize.Style{Font: font(false, "C8102E"), Fill: warn, Border: border}},
		{&st.WarnInt, excelize.Style{Font: font(false, "C8102E"), Fill: warn, Border: border, NumFmt: 1}},
		{&st.WarnNumber, excelize.Style{Font: font(false, "C8102E"), Fill: warn, Border: border, CustomNumFmt: numFmt("0.0")}},
		{&st.WarnPct, excelize.Style{Font: font(false, "C8102E"), Fill: warn, Border: border, CustomNumFmt: numFmt("0.0%")}},
		{&st.TextCell, excelize.Style{Font: font(false, ""), Border: border, NumFmt: 49}},
	}
	for _, d := range defs {
		id, err := f.NewStyle(&d.s)
		if err != nil {
			return nil, err
		}
		*d.dst = id
	}
	return &st, nil
}
