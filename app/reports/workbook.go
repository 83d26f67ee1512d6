package reports

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"zhibu/app/figures"
	"zhibu/app/web"
	"zhibu/app/workbook"
)

const (
	sheetSummary = "汇总"
	sheetMissing = "未完成名单"
	sheetChart   = "图表数据" // hidden: 汇总's chart data, townships sorted by 完成率
	headerRow    = 2      // row 1 is the title line
	firstDataRow = 3
)

// scopedTitle is r.Title() with its scope in front when it is the whole county (an
// organizer's already names its township): what, scope and year of every sheet title.
func (r *Report) scopedTitle() string {
	if r.County {
		return "全县" + r.Title()
	}
	return r.Title()
}

// rowBuilder describes one row's cells. The stream writer needs the columns' widths
// before the first row, so every streamed sheet describes its rows twice: first only
// measuring their texts (measure != nil), then writing their cells.
type rowBuilder struct {
	st      *workbook.Styles
	measure *widest
	cells   []any
	col     int
}

// add appends a cell of value v, shown as text (for measuring).
func (b *rowBuilder) add(v any, style int, text string) {
	if b.measure != nil {
		b.measure.see(b.col, text)
	} else {
		b.cells = append(b.cells, excelize.Cell{StyleID: style, Value: v})
	}
	b.col++
}

// widest keeps the widest text of each column; workbook.Measure of the headers and this
// one row of texts is then the widths of the whole sheet, without keeping its rows.
type widest struct {
	text  []string
	width []int
}

func (w *widest) see(col int, s string) {
	if d := workbook.DisplayWidth(s); d > w.width[col] {
		w.width[col], w.text[col] = d, s
	}
}

// streamTable writes a title, the headers and n rows described by row to a new sheet,
// with widths from the rows' texts, an autofilter and workbook's print setup.
func streamTable(b *workbook.Book, sheet, title string, headers []string, n int, row func(rb *rowBuilder, i int)) error {
	w := &widest{text: make([]string, len(headers)), width: make([]int, len(headers))}
	rb := &rowBuilder{st: &b.Styles, measure: w}
	for i := 0; i < n; i++ {
		rb.col = 0
		row(rb, i)
	}
	widths := workbook.Measure(headers, [][]string{w.text})
	rb.measure = nil
	t := workbook.Table{Sheet: sheet, Title: title, Headers: headers, Widths: widths, Filter: true}
	return b.Stream(t, n, func(i int) []any {
		rb.cells, rb.col = rb.cells[:0], 0
		row(rb, i)
		return rb.cells
	})
}

// WriteCompletion writes the completion workbook of r to w.
func WriteCompletion(w io.Writer, r *Report) error {
	b, err := CompletionFile(r)
	if err != nil {
		return err
	}
	defer b.Close()
	_, err = b.WriteTo(w)
	return err
}

// built returns b when build succeeded and closes it otherwise.
func built(b *workbook.Book, err error) (*workbook.Book, error) {
	if err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// CompletionFile builds the completion workbook: 汇总, 分类统计, one sheet per township,
// 未完成名单 and 口径说明 (all but 汇总 streamed).
func CompletionFile(r *Report) (*workbook.Book, error) {
	b, err := workbook.New()
	if err != nil {
		return nil, err
	}
	return built(b, func() error {
		if err := writeSummary(b, r); err != nil {
			return fmt.Errorf("汇总: %w", err)
		}
		if err := writeKinds(b, r); err != nil {
			return fmt.Errorf("%s: %w", sheetKinds, err)
		}
		names := SheetNames(r.Townships)
		groups := r.bySheet()
		for i, t := range r.Townships {
			if err := writeTownship(b, r, names[i], t, groups[i]); err != nil {
				return fmt.Errorf("%s: %w", names[i], err)
			}
		}
		if err := writeMissing(b, r); err != nil {
			return fmt.Errorf("未完成名单: %w", err)
		}
		if err := writeDefinitions(b, figures.OfYear, r.Title()); err != nil {
			return fmt.Errorf("%s: %w", figures.DefSheet, err)
		}
		return b.F.SetDocProps(&excelize.DocProperties{Title: r.Title(), Creator: "支部书记学习考试平台", Language: "zh-CN"})
	}())
}

// summaryHeaders are the columns of 汇总 (排名 only when the report ranks: Report.Ranks).
func summaryHeaders(ranked bool) []string {
	h := append([]string{"乡镇"}, columnLabels(summaryColumns)...)
	if ranked {
		h = append(h, "排名")
	}
	return h
}

// writeSummary writes 汇总 in normal mode: it has one row per township (a few dozen at
// most) and needs a chart, which the stream writer cannot add.
func writeSummary(b *workbook.Book, r *Report) error {
	sh, err := b.Sheet(sheetSummary)
	if err != nil {
		return err
	}
	f, st := b.F, &b.Styles
	headers := summaryHeaders(r.Ranks())
	last := workbook.ColName(len(headers))
	title := r.scopedTitle() + "汇总（导出时间：" + r.exportedAt() + "）"
	hdr := make([]any, len(headers))
	for i, h := range headers {
		hdr[i] = h
	}
	if err := f.SetSheetRow(sh, "A2", &hdr); err != nil {
		return err
	}
	f.SetCellStyle(sh, "A2", last+"2", st.Header)
	var texts [][]string // what the widths are measured on: the names and 应参训人数
	row := firstDataRow
	put := func(s Summary, total bool) error {
		vals := append([]any{web.CellText(s.Name)}, columnValues(summaryColumns, &s.Year)...)
		if r.Ranks() && !total {
			vals = append(vals, s.Rank)
		} else if r.Ranks() {
			vals = append(vals, "")
		}
		if err := f.SetSheetRow(sh, "A"+strconv.Itoa(row), &vals); err != nil {
			return err
		}
		text, integer, number, pct := st.Text, st.Int, st.Number, st.Pct
		switch {
		case total:
			text, integer, number, pct = st.TotalText, st.TotalInt, st.TotalNumber, st.TotalPct
		case s.BelowTarget:
			text, integer, number, pct = st.WarnText, st.WarnInt, st.WarnNumber, st.WarnPct
		}
		kinds := append(append([]int{text}, columnStyles(summaryColumns, integer, number, pct)...), integer)
		for i := range vals {
			c := workbook.ColName(i+1) + strconv.Itoa(row)
			if err := f.SetCellStyle(sh, c, c, kinds[i]); err != nil {
				return err
			}
		}
		texts = append(texts, []string{s.Name, strconv.Itoa(s.Expected)})
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
	widths := workbook.Measure(headers, texts)
	for i, w := range widths {
		if err := f.SetColWidth(sh, workbook.ColName(i+1), workbook.ColName(i+1), w); err != nil {
			return err
		}
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
		"说明：各项指标的口径见「" + figures.DefSheet + "」工作表；" + figures.CompletionRate.Label + "＝" +
			figures.Completed.Label + "÷" + figures.Expected.Label + "，" + figures.PassRate.Label + "＝" +
			figures.Passed.Label + "÷" + figures.Candidates.Label + "。",
		fmt.Sprintf("红色底色的乡镇%s低于目标 %s。", figures.CompletionRate.Label, FormatNumber(r.Target*100)+"%"),
	}
	if r.Ranks() {
		notes = append(notes, "排名依次按"+figures.CompletionRate.Label+"、"+figures.PassRate.Label+"、"+
			figures.ScoreRate.Label+"从高到低，并列者名次相同。")
	}
	if err := writeNotes(b, sh, note, last, widths, notes); err != nil {
		return err
	}
	if err := b.TitleRow(sh, title, widths); err != nil {
		return err
	}
	if bars, noun := chartBars(r); len(bars) > 0 {
		if err := addChart(b, sh, r, bars, noun, note+len(notes)+1, widths); err != nil {
			return err
		}
	}
	// Last: the autofilter rewrites the sheet properties that hold fit-to-page. 汇总 is
	// the table with its notes on page 1 and the chart on page 2 (分类 has its own sheet).
	// Like every workbook's (docs/reports.md), its header row repeats on every printed page: a
	// county whose townships fill more than a page reads page 2 with its columns named.
	return b.PrintSetup(sh, workbook.Page{Title: title, HeaderRow: 2})
}

// writeNotes writes one note per row from row on, each across the table's columns
// (A..last) and wrapped there, so it prints within the page's width.
func writeNotes(b *workbook.Book, sh string, row int, last string, widths []float64, notes []string) error {
	total := 0.0
	for _, w := range widths {
		total += w
	}
	for i, n := range notes {
		r := strconv.Itoa(row + i)
		if err := b.F.MergeCell(sh, "A"+r, last+r); err != nil {
			return err
		}
		if err := b.F.SetCellStr(sh, "A"+r, n); err != nil {
			return err
		}
		if err := b.F.SetCellStyle(sh, "A"+r, last+r, b.Styles.Note); err != nil {
			return err
		}
		lines := int(float64(workbook.DisplayWidth(n))/total) + 1
		if err := b.F.SetRowHeight(sh, row+i, 14*float64(lines)); err != nil {
			return err
		}
	}
	return nil
}

// chartBar is one bar of 汇总's chart.
type chartBar struct {
	name string
	rate float64
}

// chartBars are what 汇总's chart compares: the townships in the county report, the
// township's branch kinds in an organizer's (one township would be a single bar).
func chartBars(r *Report) ([]chartBar, string) {
	var bars []chartBar
	if r.County {
		for _, s := range r.Summary {
			bars = append(bars, chartBar{s.Name, s.CompletionRate})
		}
		return bars, "乡镇"
	}
	for _, s := range r.Summary {
		for _, k := range s.Kinds {
			bars = append(bars, chartBar{k.Kind, k.CompletionRate})
		}
	}
	return bars, "支部类型"
}

// addChart draws the bars' 完成率 as columns on a page of its own from row at: one
// colour, sorted from the highest, each labelled with its value, the target as a line
// across them, names dark and 10 pt. Excel charts read their data from cells, so the
// sorted figures are on a hidden sheet (sheetChart).
func addChart(b *workbook.Book, sh string, r *Report, sorted []chartBar, noun string, at int, widths []float64) error {
	f := b.F
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].rate > sorted[j].rate })
	data, err := b.Sheet(sheetChart)
	if err != nil {
		return err
	}
	label := figures.CompletionRate.Label
	rows := [][]any{{noun, label, "目标"}}
	for _, s := range sorted {
		rows = append(rows, []any{web.CellText(s.name), s.rate, r.Target})
	}
	for i, row := range rows {
		if err := f.SetSheetRow(data, "A"+strconv.Itoa(i+1), &row); err != nil {
			return err
		}
	}
	if err := f.SetSheetVisible(data, false); err != nil {
		return err
	}
	if err := b.PrintSetup(data, workbook.Page{HeaderRow: 1}); err != nil {
		return err
	}
	n := len(sorted) + 1
	ref := func(col string) string { return fmt.Sprintf("'%s'!$%s$2:$%s$%d", data, col, col, n) }
	// The chart gets a page of its own (from the row after the break), as wide as the
	// table (Excel's pixels are about 7 per width unit plus 5 per column) and not taller
	// than that page.
	if err := f.InsertPageBreak(sh, "A"+strconv.Itoa(at)); err != nil {
		return err
	}
	at++
	px := 0.0
	for _, w := range widths {
		px += w*7 + 5
	}
	width := uint(max(px, 600))
	height := uint(min(max(px*0.5, 360), 560))
	dark := excelize.Font{Color: "333333", Size: 10, Family: "宋体"}
	big := excelize.Font{Color: "333333", Size: 11, Family: "宋体"}
	zero, one, gap := 0.0, 1.0, uint(50)
	no := false
	bars := &excelize.Chart{
		Type: excelize.Col,
		Series: []excelize.ChartSeries{{Name: fmt.Sprintf("'%s'!$B$1", data), Categories: ref("A"), Values: ref("B"),
			Fill:              excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"C8102E"}},
			DataLabel:         excelize.ChartDataLabel{Font: big},
			DataLabelPosition: excelize.ChartDataLabelsPositionOutsideEnd}},
		Title: excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "各" + noun + label + "（从高到低，虚线为目标 " +
			FormatNumber(r.Target*100) + "%）", Font: &excelize.Font{Color: "333333", Size: 14, Bold: true, Family: "宋体"}}}},
		Legend:     excelize.ChartLegend{Position: "bottom"},
		VaryColors: &no,
		XAxis:      excelize.ChartAxis{Font: dark, TickLabelSkip: 1},
		YAxis: excelize.ChartAxis{Minimum: &zero, Maximum: &one, MajorGridLines: true, Font: dark,
			NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}},
		PlotArea:  excelize.ChartPlotArea{ShowVal: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0.0%"}},
		Dimension: excelize.ChartDimension{Width: width, Height: height},
		GapWidth:  &gap,
	}
	target := &excelize.Chart{
		Type: excelize.Line,
		Series: []excelize.ChartSeries{{Name: fmt.Sprintf("'%s'!$C$1", data), Categories: ref("A"), Values: ref("C"),
			Line:   excelize.LineOptions{Width: 2, Dash: excelize.LineDashDash, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"333333"}}},
			Marker: excelize.ChartMarker{Symbol: "none"}}},
		XAxis: excelize.ChartAxis{Font: dark},
		YAxis: excelize.ChartAxis{Minimum: &zero, Maximum: &one, Font: dark, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}},
	}
	return f.AddChart(sh, "A"+strconv.Itoa(at), bars, target)
}

// hoursHeaders are a secretary's 学时 in a township sheet: the ledger's split and its sum.
var hoursHeaders = []string{figures.HoursOnline.Label, figures.HoursOffline.Label, figures.HoursTotal.Label}

// townshipHeaders are the columns of a township sheet.
func townshipHeaders(r *Report) []string {
	h := []string{"序号", "支部", "支部类型", "姓名", "手机号"}
	for _, c := range r.Courses {
		h = append(h, c.Title)
	}
	h = append(h, hoursHeaders...)
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

// townshipRow describes one secretary's row of a township sheet.
func townshipRow(b *rowBuilder, n int, s *Secretary) {
	st, add := b.st, b.add
	add(n, st.Int, strconv.Itoa(n))
	add(s.Branch, st.Text, s.Branch)
	add(s.BranchKind, st.Text, s.BranchKind)
	add(s.Name, st.Text, s.Name)
	add(s.Phone, st.Text, s.Phone)
	for _, c := range s.Courses {
		switch {
		case !c.Applies:
			add("—", st.Muted, "—")
		case c.Done:
			add(excelDate(c.At), st.Done, "完成 2006-01-02")
		default:
			add("未完成", st.Red, "未完成")
		}
	}
	add(s.Online, st.Number, FormatNumber(s.Online)+".0")
	add(s.Offline, st.Number, FormatNumber(s.Offline)+".0")
	add(s.Hours, st.Number, FormatNumber(s.Hours)+".0")
	for _, e := range s.Exams {
		switch {
		case !e.Applies:
			add("—", st.Muted, "—")
		case e.Taken() && e.Passed:
			add(e.Best, st.Number, FormatNumber(e.Best)+".0")
		case e.Taken():
			add(e.Best, st.WarnNumber, FormatNumber(e.Best)+".0")
		default:
			add("未参加", st.Red, "未参加")
		}
	}
	p := passedText(s)
	if p == "否" {
		add(p, st.Red, p)
	} else {
		add(p, st.Text, p)
	}
	tours := strings.Join(s.Tours, "、")
	add(tours, st.Text, tours)
}

func writeTownship(b *workbook.Book, r *Report, sheet string, t Township, secs []Secretary) error {
	title := t.Name + " " + strconv.Itoa(r.Year) + "年度支部书记培训情况（导出时间：" + r.exportedAt() + "）"
	return streamTable(b, sheet, title, townshipHeaders(r), len(secs), func(rb *rowBuilder, i int) {
		townshipRow(rb, i+1, &secs[i])
	})
}

var missingHeaders = []string{"序号", "乡镇", "支部", "姓名", "手机号", "未完成必修课程", "未完成课程数", "考试情况", figures.HoursTotal.Label}

// person describes the first columns of a list of people: 序号, 乡镇, 支部, 姓名, 手机号.
func (b *rowBuilder) person(n int, township, branch, name, phone string) {
	b.add(n, b.st.Int, strconv.Itoa(n))
	for _, s := range []string{township, branch, name, phone} {
		b.add(s, b.st.Text, s)
	}
}

func missingRow(b *rowBuilder, n int, m *MissingRow) {
	st, add := b.st, b.add
	courses, exams := strings.Join(m.Courses, "、"), strings.Join(m.Exams, "；")
	b.person(n, m.Township, m.Sec.Branch, m.Sec.Name, m.Sec.Phone)
	add(courses, st.Red, courses)
	add(len(m.Courses), st.Int, strconv.Itoa(len(m.Courses)))
	add(exams, st.Red, exams)
	add(m.Sec.Hours, st.Number, FormatNumber(m.Sec.Hours)+".0")
}

func writeMissing(b *workbook.Book, r *Report) error {
	rows := r.MissingRows()
	title := r.scopedTitle() + "未完成名单（导出时间：" + r.exportedAt() + "）"
	return streamTable(b, sheetMissing, title, missingHeaders, len(rows), func(rb *rowBuilder, i int) {
		missingRow(rb, i+1, &rows[i])
	})
}
