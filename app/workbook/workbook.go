// Package workbook is the one way zhibu writes an .xlsx: the shared styles (宋体, grey
// header, every table cell bordered so the grid prints), column widths from the widest
// cell (wide text columns capped and wrapped, their rows made tall enough), a frozen
// header, and a print setup a department can use the same afternoon — A4 landscape, fit
// to one page wide, the title in a merged row 1 and in the page header of every later
// page, the header row repeated on every page, 「第 N 页，共 M 页」 in the footer. Every
// feature's export and template goes through it (reports, tour rosters, import
// templates, credentials); app/workbook/print_test.go prints it with LibreOffice.
package workbook

import (
	"fmt"
	"io"
	"math"
	"strings"
	"unicode"

	"github.com/xuri/excelize/v2"

	"zhibu/app/web"
)

// Book is a workbook being written.
type Book struct {
	F      *excelize.File
	Styles Styles
	first  bool        // the default sheet has not been used yet
	wrap   map[int]int // style id → the same style wrapping its text (Wrapped)
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
	return &Book{F: f, Styles: *st, first: true, wrap: map[int]int{}}, nil
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
	Sheet string
	// Title is the optional first row (what, scope, year, export time), merged across the
	// table and wrapped so it is never cut; the header then is row 2. It is also the page
	// header of every printed page after the first.
	Title   string
	Headers []string // the header row, repeated on every printed page
	// Widths are the columns' Excel widths (Measure); a column at MaxWidth wraps its text.
	Widths    []float64
	Portrait  bool // print upright; only for a sheet that truly needs it (landscape is the default)
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
// pass through web.CellText so that nothing a person typed runs as a formula. A plain
// value in a column without a style is bordered (Styles.Text); in a column at MaxWidth
// every cell wraps and its row is as tall as its longest text needs.
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
	if err := b.PrintSetup(t.Sheet, Page{Title: t.Title, HeaderRow: head, Portrait: t.Portrait}); err != nil {
		return err
	}
	wraps := make([]bool, len(t.Headers))
	for i := range wraps {
		wraps[i] = i < len(t.Widths) && t.Widths[i] >= MaxWidth
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
		height := TitleHeight(t.Title, t.Widths)
		if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: b.Styles.Title, Value: web.CellText(t.Title)}}, excelize.RowOpts{Height: height}); err != nil {
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
	if err := sw.SetRow(fmt.Sprintf("A%d", head), hdr, excelize.RowOpts{Height: HeaderHeight(t.Headers, t.Widths)}); err != nil {
		return err
	}
	for i := 0; i < nrows; i++ {
		cells := row(i)
		lines := 1
		for j, v := range cells {
			var col int
			if j < len(t.ColStyles) {
				col = t.ColStyles[j]
			}
			wrap := j < len(wraps) && wraps[j]
			if v, err = b.cell(safe(v), col, wrap); err != nil {
				return err
			}
			cells[j] = v
			if wrap {
				lines = max(lines, Lines(cellText(v), t.Widths[j]))
			}
		}
		var opts []excelize.RowOpts
		if lines > 1 {
			opts = append(opts, excelize.RowOpts{Height: RowHeight(lines)})
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", head+1+i), cells, opts...); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// cell gives a value its print style: a plain value in a column without a style is
// bordered like the rest of the table, and a cell of a wrapping column wraps.
func (b *Book) cell(v any, colStyle int, wrap bool) (any, error) {
	c, isCell := v.(excelize.Cell)
	switch {
	case isCell:
	case v == nil && colStyle == 0:
		c = excelize.Cell{StyleID: b.Styles.Text}
	case colStyle != 0:
		if !wrap {
			return v, nil // the column's style applies
		}
		c = excelize.Cell{StyleID: colStyle, Value: v}
	default:
		switch v.(type) {
		case string, int, int64, float64, bool:
			c = excelize.Cell{StyleID: b.Styles.Text, Value: v}
		default:
			return v, nil // a time keeps the stream writer's date format
		}
	}
	if wrap {
		id, err := b.Wrapped(c.StyleID)
		if err != nil {
			return nil, err
		}
		c.StyleID = id
	}
	return c, nil
}

// Wrapped returns a style like id that wraps its text at the column's edge, top-aligned.
func (b *Book) Wrapped(id int) (int, error) {
	if w, ok := b.wrap[id]; ok {
		return w, nil
	}
	st, err := b.F.GetStyle(id)
	if err != nil {
		return 0, err
	}
	if st.Alignment == nil {
		st.Alignment = &excelize.Alignment{}
	}
	st.Alignment.WrapText, st.Alignment.Vertical = true, "top"
	w, err := b.F.NewStyle(st)
	if err != nil {
		return 0, err
	}
	b.wrap[id] = w
	return w, nil
}

// cellText is the text a cell shows, for its row's height.
func cellText(v any) string {
	if c, ok := v.(excelize.Cell); ok {
		v = c.Value
	}
	if s, ok := v.(string); ok {
		return s
	}
	return ""
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

// Page is how a sheet prints.
type Page struct {
	// Title is the sheet's title, which row 1 shows on the first page; it is the page
	// header of every later page.
	Title     string
	HeaderRow int  // the header row, repeated at the top of every page (0: none)
	Portrait  bool // upright pages; landscape is the default
	OnePage   bool // also one page tall: a short sheet (a summary with its chart) shrinks to fit
}

// Footer is the page number every printed page carries.
const Footer = "&C第 &P 页，共 &N 页"

// PrintSetup makes a sheet print on A4, landscape unless asked otherwise, fit to one page
// wide (as many pages tall as it needs, or one), with the header row repeated on every
// page, the title in the page header of every page after the first and page numbers in
// the footer. An autofilter set later rewrites the sheet properties that hold
// fit-to-page: call it after AutoFilter (Stream does).
func (b *Book) PrintSetup(sheet string, p Page) error {
	size, orient, one, tall := 9, "landscape", 1, 0 // 9 is A4; 0 pages tall is as many as needed
	if p.Portrait {
		orient = "portrait"
	}
	if p.OnePage {
		tall = 1
	}
	if err := b.F.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &size, Orientation: &orient, FitToWidth: &one, FitToHeight: &tall}); err != nil {
		return err
	}
	fit := true
	if err := b.F.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	// Inches: room above for the page header and below for the page number.
	side, top, bottom, edge := 0.4, 0.7, 0.6, 0.3
	if err := b.F.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{Left: &side, Right: &side, Top: &top, Bottom: &bottom, Header: &edge, Footer: &edge}); err != nil {
		return err
	}
	hf := &excelize.HeaderFooterOptions{OddFooter: Footer}
	if p.Title != "" {
		// The first page shows the title in row 1; later pages in the page header. & starts
		// a header code: a title's own ampersands are doubled to print as themselves, and
		// the font (after the size) ends in a quote, so a title's leading digits are not
		// read as part of the size.
		hf.DifferentFirst, hf.FirstFooter = true, Footer
		hf.OddHeader = "&C&12&\"宋体,Bold\"" + strings.ReplaceAll(p.Title, "&", "&&")
	}
	if err := b.F.SetHeaderFooter(sheet, hf); err != nil {
		return err
	}
	if p.HeaderRow > 0 {
		return b.F.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: sheet,
			RefersTo: fmt.Sprintf("'%s'!$%d:$%d", strings.ReplaceAll(sheet, "'", "''"), p.HeaderRow, p.HeaderRow)})
	}
	return nil
}

// TitleRow writes title into row 1 of a sheet written in normal mode (Stream does the
// same for its tables): merged across the columns of widths, wrapped, as tall as it needs.
func (b *Book) TitleRow(sheet, title string, widths []float64) error {
	last := ColName(max(len(widths), 1))
	if len(widths) > 1 {
		if err := b.F.MergeCell(sheet, "A1", last+"1"); err != nil {
			return err
		}
	}
	if err := b.F.SetCellStr(sheet, "A1", web.CellText(title)); err != nil {
		return err
	}
	if err := b.F.SetCellStyle(sheet, "A1", last+"1", b.Styles.Title); err != nil {
		return err
	}
	return b.F.SetRowHeight(sheet, 1, TitleHeight(title, widths))
}

// Line heights in points: the 11 pt body text and the 14 pt title.
const (
	lineHeight  = 14.5
	titleHeight = 19.0
)

// Lines is how many lines text takes wrapped in a column of width w.
func Lines(text string, w float64) int {
	per := max(w-1.5, 1)
	n := 0
	for _, l := range strings.Split(text, "\n") {
		n += max(1, int(math.Ceil(float64(DisplayWidth(l))/per)))
	}
	return n
}

// RowHeight is the height of a row of body text lines tall.
func RowHeight(lines int) float64 { return float64(lines)*lineHeight + 3 }

// HeaderHeight is the height of a header row: its longest header wrapped in its column.
func HeaderHeight(headers []string, widths []float64) float64 {
	lines := 1
	for i, h := range headers {
		if i < len(widths) {
			lines = max(lines, Lines(h, widths[i]-1)) // bold is a little wider
		}
	}
	return max(RowHeight(lines)+4, 20)
}

// TitleHeight is the height of the title row: the 14 pt title (about 14/11 as wide as
// body text) wrapped across the table's widths.
func TitleHeight(title string, widths []float64) float64 {
	total := 0.0
	for _, w := range widths {
		total += w
	}
	if total == 0 {
		total = 60
	}
	lines := int(math.Ceil(float64(DisplayWidth(title)) * 14 / 11 / max(total-2, 1)))
	return float64(max(lines, 1))*titleHeight + 6
}

// Measure returns widths for headers and rows: each column as wide as its widest cell
// (headers count at most 16, long titles wrap instead), within ColumnWidth's bounds; a
// column at MaxWidth wraps its text (Stream).
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

// MaxWidth is the widest a measured column gets: a longer text wraps onto more lines
// rather than widening the table, which would shrink every printed page.
const MaxWidth = 40.0

// ColumnWidth is the Excel width for a column whose longest cell has display width w:
// a little padding, at least 6 and at most MaxWidth.
func ColumnWidth(w int) float64 {
	return min(max(float64(w)+2, 6), MaxWidth)
}

// ColName is the letter name of column n (1 = A).
func ColName(n int) string {
	s, _ := excelize.ColumnNumberToName(n)
	return s
}

func newStyles(f *excelize.File) (*Styles, error) {
	// Mid grey: light on screen, still visible on a printed page.
	border := []excelize.Border{
		{Type: "left", Color: "A6A6A6", Style: 1}, {Type: "right", Color: "A6A6A6", Style: 1},
		{Type: "top", Color: "A6A6A6", Style: 1}, {Type: "bottom", Color: "A6A6A6", Style: 1},
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
		{&st.Title, excelize.Style{Font: &excelize.Font{Family: "宋体", Size: 14, Bold: true, Color: "C8102E"},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
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
