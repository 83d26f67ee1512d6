package reports

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"zhibu/app/web"
)

const (
	sheetSummary = "汇总"
	sheetMissing = "未完成名单"
	headerRow    = 2 // row 1 is the title line
	firstDataRow = 3
)

// Report is everything the completion page and workbook show for one year and scope.
type Report struct {
	Year      int
	Generated time.Time
	Target    float64
	// County is the whole county (an admin without township filter): 汇总 then ranks the
	// townships, adds the county total row and the chart. A township report shows only
	// its own row, so an organizer never sees other townships.
	County      bool
	Courses     []Course
	Exams       []Exam
	Townships   []Township
	Secretaries []Secretary // grouped by township in Townships' order
	Summary     []Summary
	Total       Summary
}

// Finish computes the summary rows, total and ranks from the secretaries.
func (r *Report) Finish() {
	r.Summary, r.Total = Summarize(r.Townships, r.Secretaries, r.Target)
	if r.County {
		Rank(r.Summary)
	}
}

// Title is the report's title, e.g. "2026年度支部书记培训完成情况".
func (r *Report) Title() string {
	t := strconv.Itoa(r.Year) + "年度支部书记培训完成情况"
	if !r.County && len(r.Townships) == 1 {
		t += "（" + r.Townships[0].Name + "）"
	}
	return t
}

// FileName is the download name, e.g. "2026年度培训完成情况.xlsx".
func (r *Report) FileName() string {
	n := strconv.Itoa(r.Year) + "年度培训完成情况"
	if !r.County && len(r.Townships) == 1 {
		n += "（" + r.Townships[0].Name + "）"
	}
	return n + ".xlsx"
}

func (r *Report) exportedAt() string {
	return r.Generated.In(web.China).Format("2006-01-02 15:04")
}

// bySheet splits the secretaries into their townships' groups.
func (r *Report) bySheet() [][]Secretary {
	idx := make(map[int64]int, len(r.Townships))
	for i, t := range r.Townships {
		idx[t.ID] = i
	}
	out := make([][]Secretary, len(r.Townships))
	start := 0
	for i := 1; i <= len(r.Secretaries); i++ {
		if i == len(r.Secretaries) || r.Secretaries[i].TownshipID != r.Secretaries[start].TownshipID {
			if j, ok := idx[r.Secretaries[start].TownshipID]; ok {
				out[j] = append(out[j], r.Secretaries[start:i]...)
			}
			start = i
		}
	}
	return out
}

// styles are created once per file; each kind has a plain and a highlighted variant.
type styles struct {
	title, note, header, text, red, muted, date, datetime, integer, number, pct, totalText, totalInt, totalNumber, totalPct int
	hlText, hlInt, hlNumber, hlPct                                                                                          int
}

// newBook starts a workbook whose first sheet is 汇总, with the shared styles.
func newBook() (*excelize.File, *styles, error) {
	f := excelize.NewFile()
	st, err := newStyles(f)
	if err == nil {
		err = f.SetSheetName("Sheet1", sheetSummary)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, st, nil
}

func newStyles(f *excelize.File) (*styles, error) {
	border := []excelize.Border{
		{Type: "left", Color: "D9D9D9", Style: 1}, {Type: "right", Color: "D9D9D9", Style: 1},
		{Type: "top", Color: "D9D9D9", Style: 1}, {Type: "bottom", Color: "D9D9D9", Style: 1},
	}
	font := func(bold bool, color string) *excelize.Font {
		return &excelize.Font{Family: "宋体", Size: 11, Bold: bold, Color: color}
	}
	fill := func(color string) excelize.Fill {
		if color == "" {
			return excelize.Fill{}
		}
		return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}
	}
	numFmt := func(s string) *string { return &s }
	var st styles
	defs := []struct {
		dst *int
		s   excelize.Style
	}{
		{&st.title, excelize.Style{Font: &excelize.Font{Family: "宋体", Size: 14, Bold: true, Color: "C8102E"}}},
		{&st.note, excelize.Style{Font: &excelize.Font{Family: "宋体", Size: 10, Color: "6B6B6B"}}},
		{&st.header, excelize.Style{Font: font(true, "262626"), Fill: fill("F2F2F2"), Border: border,
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		{&st.text, excelize.Style{Font: font(false, ""), Border: border}},
		{&st.red, excelize.Style{Font: font(false, "C8102E"), Border: border}},
		{&st.muted, excelize.Style{Font: font(false, "8C8C8C"), Border: border, Alignment: &excelize.Alignment{Horizontal: "center"}}},
		{&st.date, excelize.Style{Font: font(false, "1A7F37"), Border: border, CustomNumFmt: numFmt(`"完成 "yyyy-mm-dd`)}},
		{&st.datetime, excelize.Style{Font: font(false, ""), Border: border, CustomNumFmt: numFmt("yyyy-mm-dd hh:mm")}},
		{&st.integer, excelize.Style{Font: font(false, ""), Border: border, NumFmt: 1}},
		{&st.number, excelize.Style{Font: font(false, ""), Border: border, CustomNumFmt: numFmt("0.0")}},
		{&st.pct, excelize.Style{Font: font(false, ""), Border: border, CustomNumFmt: numFmt("0.0%")}},
		{&st.totalText, excelize.Style{Font: font(true, ""), Fill: fill("FFF7E0"), Border: border}},
		{&st.totalInt, excelize.Style{Font: font(true, ""), Fill: fill("FFF7E0"), Border: border, NumFmt: 1}},
		{&st.totalNumber, excelize.Style{Font: font(true, ""), Fill: fill("FFF7E0"), Border: border, CustomNumFmt: numFmt("0.0")}},
		{&st.totalPct, excelize.Style{Font: font(true, ""), Fill: fill("FFF7E0"), Border: border, CustomNumFmt: numFmt("0.0%")}},
		{&st.hlText, excelize.Style{Font: font(false, "C8102E"), Fill: fill("FDE8EB"), Border: border}},
		{&st.hlInt, excelize.Style{Font: font(false, "C8102E"), Fill: fill("FDE8EB"), Border: border, NumFmt: 1}},
		{&st.hlNumber, excelize.Style{Font: font(false, "C8102E"), Fill: fill("FDE8EB"), Border: border, CustomNumFmt: numFmt("0.0")}},
		{&st.hlPct, excelize.Style{Font: font(false, "C8102E"), Fill: fill("FDE8EB"), Border: border, CustomNumFmt: numFmt("0.0%")}},
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

// widths tracks the widest cell of each column of a sheet.
type widths []int

func (w widths) see(col int, s string) {
	if d := DisplayWidth(s); d > w[col] {
		w[col] = d
	}
}

// seeHeader counts a header at most 16 wide: long course titles wrap instead.
func (w widths) seeHeader(col int, s string) {
	d := DisplayWidth(s)
	if d > 16 {
		d = 16
	}
	if d > w[col] {
		w[col] = d
	}
}

func applyWidths(set func(col int, width float64) error, w widths) error {
	for i, d := range w {
		if err := set(i+1, ColumnWidth(d)); err != nil {
			return err
		}
	}
	return nil
}

func colName(n int) string {
	s, _ := excelize.ColumnNumberToName(n)
	return s
}

// WriteCompletion writes the completion workbook of r to w.
func WriteCompletion(w io.Writer, r *Report) error {
	f, err := CompletionFile(r)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteTo(w)
	return err
}

// CompletionFile builds the completion workbook: 汇总, one sheet per township (streamed)
// and 未完成名单 (streamed).
func CompletionFile(r *Report) (*excelize.File, error) {
	f, st, err := newBook()
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
		}
	}()
	if err := writeSummary(f, st, r); err != nil {
		return nil, fmt.Errorf("汇总: %w", err)
	}
	names := SheetNames(r.Townships)
	groups := r.bySheet()
	for i := range r.Townships {
		if _, err := f.NewSheet(names[i]); err != nil {
			return nil, err
		}
		if err := writeTownship(f, st, r, names[i], r.Townships[i], groups[i]); err != nil {
			return nil, fmt.Errorf("%s: %w", names[i], err)
		}
	}
	if _, err := f.NewSheet(sheetMissing); err != nil {
		return nil, err
	}
	if err := writeMissing(f, st, r); err != nil {
		return nil, fmt.Errorf("未完成名单: %w", err)
	}
	f.SetDocProps(&excelize.DocProperties{Title: r.Title(), Creator: "支部书记学习考试平台", Language: "zh-CN"})
	ok = true
	return f, nil
}

// summaryHeaders are the columns of 汇总 (排名 only in the county report).
func summaryHeaders(county bool) []string {
	h := []string{"乡镇", "应参训人数", "必修完成人数", "完成率", "人均学时", "参考人数", "参考率", "通过人数", "通过率", "平均分", "参加考察人数"}
	if county {
		h = append(h, "排名")
	}
	return h
}

// writeSummary writes 汇总 in normal mode: it has one row per township (a few dozen at
// most) and needs a chart, which the stream writer cannot add.
func writeSummary(f *excelize.File, st *styles, r *Report) error {
	sh := sheetSummary
	headers := summaryHeaders(r.County)
	last := colName(len(headers))
	w := make(widths, len(headers))
	title := r.Title() + "汇总（导出时间：" + r.exportedAt() + "）"
	if err := f.SetCellStr(sh, "A1", title); err != nil {
		return err
	}
	f.SetCellStyle(sh, "A1", "A1", st.title)
	f.SetRowHeight(sh, 1, 24)
	hdr := make([]any, len(headers))
	for i, h := range headers {
		hdr[i] = h
		w.seeHeader(i, h)
	}
	if err := f.SetSheetRow(sh, "A2", &hdr); err != nil {
		return err
	}
	f.SetCellStyle(sh, "A2", last+"2", st.header)
	row := firstDataRow
	put := func(s Summary, total bool) error {
		vals := []any{web.CellText(s.Name), s.Expected, s.Completed, s.CompletionRate, s.AvgHours, s.Examinees, s.ExamRate,
			s.Passed, s.PassRate, s.AvgScore, s.Tourists}
		if r.County && !total {
			vals = append(vals, s.Rank)
		} else if r.County {
			vals = append(vals, "")
		}
		ref := "A" + strconv.Itoa(row)
		if err := f.SetSheetRow(sh, ref, &vals); err != nil {
			return err
		}
		text, integer, number, pct := st.text, st.integer, st.number, st.pct
		switch {
		case total:
			text, integer, number, pct = st.totalText, st.totalInt, st.totalNumber, st.totalPct
		case s.BelowTarget:
			text, integer, number, pct = st.hlText, st.hlInt, st.hlNumber, st.hlPct
		}
		kinds := []int{text, integer, integer, pct, number, integer, pct, integer, pct, number, integer, integer}
		for i := range vals {
			c := colName(i+1) + strconv.Itoa(row)
			if err := f.SetCellStyle(sh, c, c, kinds[i]); err != nil {
				return err
			}
		}
		w.see(0, s.Name)
		w.see(1, strconv.Itoa(s.Expected))
		row++
		return nil
	}
	for _, s := range r.Summary {
		if err := put(s, false); err != nil {
			return err
		}
	}
	lastTownship := row - 1
	if r.County {
		if err := put(r.Total, true); err != nil {
			return err
		}
	}
	if err := applyWidths(func(col int, width float64) error {
		return f.SetColWidth(sh, colName(col), colName(col), width)
	}, w); err != nil {
		return err
	}
	if err := f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: headerRow, XSplit: 1, TopLeftCell: "B3", ActivePane: "bottomRight"}); err != nil {
		return err
	}
	if lastTownship >= firstDataRow {
		// The filter stops above the total row, so sorting townships never moves it.
		if err := f.AutoFilter(sh, "A2:"+last+strconv.Itoa(lastTownship), nil); err != nil {
			return err
		}
	}
	note := row + 1
	notes := []string{
		"说明：完成率＝必修完成人数÷应参训人数；参考率＝参考人数÷应参训人数；通过率＝通过人数÷参考人数；平均分为各次考试最高成绩的平均；人均学时＝学时合计÷应参训人数。",
		fmt.Sprintf("红色底色的乡镇完成率低于目标 %s。", FormatNumber(r.Target*100)+"%"),
	}
	if r.County {
		notes = append(notes, "排名依次按完成率、通过率、平均分从高到低，并列者名次相同。")
	}
	for i, n := range notes {
		c := "A" + strconv.Itoa(note+i)
		f.SetCellStr(sh, c, n)
		f.SetCellStyle(sh, c, c, st.note)
	}
	if r.County && len(r.Summary) > 0 {
		cats := fmt.Sprintf("'%s'!$A$%d:$A$%d", sh, firstDataRow, lastTownship)
		vals := fmt.Sprintf("'%s'!$D$%d:$D$%d", sh, firstDataRow, lastTownship)
		height := uint(120 + 24*len(r.Summary))
		gap := uint(60)
		zero, one := 0.0, 1.0
		if err := f.AddChart(sh, "A"+strconv.Itoa(note+len(notes)+1), &excelize.Chart{
			Type:   excelize.Bar,
			Series: []excelize.ChartSeries{{Name: fmt.Sprintf("'%s'!$D$2", sh), Categories: cats, Values: vals}},
			Title:  excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "各乡镇必修课程完成率"}}},
			Legend: excelize.ChartLegend{Position: "none"},
			XAxis:  excelize.ChartAxis{ReverseOrder: true},
			YAxis: excelize.ChartAxis{Minimum: &zero, Maximum: &one, MajorGridLines: true,
				NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}},
			PlotArea:  excelize.ChartPlotArea{ShowVal: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0.0%"}},
			Dimension: excelize.ChartDimension{Width: 720, Height: height},
			GapWidth:  &gap,
		}); err != nil {
			return err
		}
	}
	return nil
}

// townshipHeaders are the columns of a township sheet.
func townshipHeaders(r *Report) []string {
	h := []string{"序号", "支部", "支部类型", "姓名", "手机号"}
	for _, c := range r.Courses {
		h = append(h, c.Title)
	}
	h = append(h, "学时")
	for _, e := range r.Exams {
		h = append(h, e.Title+"（最高分）")
	}
	return append(h, "是否通过", "参加考察")
}

// excelDate gives t's China wall-clock time as the naive time Excel stores.
func excelDate(t time.Time) time.Time {
	l := t.In(web.China)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
}

func passedText(s *Secretary) string {
	applies := false
	for _, e := range s.Exams {
		applies = applies || e.Applies
	}
	if !applies {
		return "—"
	}
	if s.PassedExams() {
		return "是"
	}
	return "否"
}

// rowBuilder collects one row's cells, or in the measuring pass (w != nil) only the
// widths of their texts, so both passes share one description of the row.
type rowBuilder struct {
	w     widths
	cells []any
	col   int
}

func (b *rowBuilder) add(v any, style int, text string) {
	if b.w != nil {
		b.w.see(b.col, text)
	} else {
		b.cells = append(b.cells, excelize.Cell{StyleID: style, Value: textCell(v)})
	}
	b.col++
}

// textCell passes every string of a row through web.CellText: names, branches, course
// and exam titles come from people, and one that starts like a formula (=, +, -, @) must
// stay text in any spreadsheet. Numbers and dates are left alone.
func textCell(v any) any {
	if s, ok := v.(string); ok {
		return web.CellText(s)
	}
	return v
}

// townshipRow renders one secretary as the sheet's cells, or with w only measures them.
func townshipRow(st *styles, n int, s *Secretary, w widths, cells []any) []any {
	b := &rowBuilder{w: w, cells: cells[:0]}
	add := b.add
	add(n, st.integer, strconv.Itoa(n))
	add(s.Branch, st.text, s.Branch)
	add(s.BranchKind, st.text, s.BranchKind)
	add(s.Name, st.text, s.Name)
	add(s.Phone, st.text, s.Phone)
	for _, c := range s.Courses {
		switch {
		case !c.Applies:
			add("—", st.muted, "—")
		case c.Done:
			add(excelDate(c.At), st.date, "完成 2006-01-02")
		default:
			add("未完成", st.red, "未完成")
		}
	}
	add(s.Hours, st.number, FormatNumber(s.Hours)+".0")
	for _, e := range s.Exams {
		switch {
		case !e.Applies:
			add("—", st.muted, "—")
		case e.Taken() && e.Passed:
			add(e.Best, st.number, FormatNumber(e.Best)+".0")
		case e.Taken():
			add(e.Best, st.hlNumber, FormatNumber(e.Best)+".0")
		default:
			add("未参加", st.red, "未参加")
		}
	}
	p := passedText(s)
	if p == "否" {
		add(p, st.red, p)
	} else {
		add(p, st.text, p)
	}
	tours := strings.Join(s.Tours, "、")
	add(tours, st.text, tours)
	return b.cells
}

// streamSheet writes a title, a header and rows to a sheet with the stream writer:
// widths and the frozen header first, then the rows, and the filter over them.
func streamSheet(f *excelize.File, st *styles, sheet, title string, headers []string, w widths, nrows int,
	row func(i int) []any) error {
	last := colName(len(headers))
	if nrows > 0 {
		// Set on the worksheet before streaming starts; the stream writer keeps it.
		if err := f.AutoFilter(sheet, fmt.Sprintf("A%d:%s%d", headerRow, last, headerRow+nrows), nil); err != nil {
			return err
		}
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for i := range w {
		if err := sw.SetColWidth(i+1, i+1, ColumnWidth(w[i])); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: headerRow, TopLeftCell: "A3", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	// Titles start with a township or exam name and headers hold course and exam titles.
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: st.title, Value: web.CellText(title)}}, excelize.RowOpts{Height: 24}); err != nil {
		return err
	}
	hdr := make([]any, len(headers))
	for i, h := range headers {
		hdr[i] = excelize.Cell{StyleID: st.header, Value: web.CellText(h)}
	}
	if err := sw.SetRow("A2", hdr, excelize.RowOpts{Height: 32}); err != nil {
		return err
	}
	for i := 0; i < nrows; i++ {
		ref, _ := excelize.CoordinatesToCellName(1, firstDataRow+i)
		if err := sw.SetRow(ref, row(i)); err != nil {
			return err
		}
	}
	return sw.Flush()
}

func writeTownship(f *excelize.File, st *styles, r *Report, sheet string, t Township, secs []Secretary) error {
	headers := townshipHeaders(r)
	w := make(widths, len(headers))
	for i, h := range headers {
		w.seeHeader(i, h)
	}
	// A first pass measures the widths, which must precede the rows in the file.
	var buf []any
	for i := range secs {
		buf = townshipRow(st, i+1, &secs[i], w, buf)
	}
	title := t.Name + " " + strconv.Itoa(r.Year) + "年度支部书记培训情况（导出时间：" + r.exportedAt() + "）"
	return streamSheet(f, st, sheet, title, headers, w, len(secs), func(i int) []any {
		buf = townshipRow(st, i+1, &secs[i], nil, buf)
		return buf
	})
}

var missingHeaders = []string{"序号", "乡镇", "支部", "姓名", "手机号", "未完成必修课程", "未完成课程数", "考试情况", "学时"}

// MissingRow is one line of 未完成名单.
type MissingRow struct {
	Township string
	Sec      *Secretary
	Courses  []string
	Exams    []string
}

// MissingRows lists everyone who has not finished the required courses or has not
// passed the year's exams, with what is missing, in township order.
func (r *Report) MissingRows() []MissingRow {
	names := make(map[int64]string, len(r.Townships))
	for _, t := range r.Townships {
		names[t.ID] = t.Name
	}
	var out []MissingRow
	for i := range r.Secretaries {
		s := &r.Secretaries[i]
		mc, me := s.MissingCourses(r.Courses), s.MissingExams(r.Exams)
		if len(mc) == 0 && len(me) == 0 {
			continue
		}
		out = append(out, MissingRow{Township: names[s.TownshipID], Sec: s, Courses: mc, Exams: me})
	}
	return out
}

func missingRow(st *styles, n int, m *MissingRow, w widths, cells []any) []any {
	b := &rowBuilder{w: w, cells: cells[:0]}
	add := b.add
	courses, exams := strings.Join(m.Courses, "、"), strings.Join(m.Exams, "；")
	add(n, st.integer, strconv.Itoa(n))
	add(m.Township, st.text, m.Township)
	add(m.Sec.Branch, st.text, m.Sec.Branch)
	add(m.Sec.Name, st.text, m.Sec.Name)
	add(m.Sec.Phone, st.text, m.Sec.Phone)
	add(courses, st.red, courses)
	add(len(m.Courses), st.integer, strconv.Itoa(len(m.Courses)))
	add(exams, st.red, exams)
	add(m.Sec.Hours, st.number, FormatNumber(m.Sec.Hours)+".0")
	return b.cells
}

func writeMissing(f *excelize.File, st *styles, r *Report) error {
	rows := r.MissingRows()
	w := make(widths, len(missingHeaders))
	for i, h := range missingHeaders {
		w.seeHeader(i, h)
	}
	var buf []any
	for i := range rows {
		buf = missingRow(st, i+1, &rows[i], w, buf)
	}
	title := r.Title() + "未完成名单（导出时间：" + r.exportedAt() + "）"
	return streamSheet(f, st, sheetMissing, title, missingHeaders, w, len(rows), func(i int) []any {
		buf = missingRow(st, i+1, &rows[i], nil, buf)
		return buf
	})
}
