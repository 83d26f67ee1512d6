package reports

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"zhibu/app/web"
	"zhibu/app/workbook"
)

const (
	sheetSummary = "汇总"
	sheetMissing = "未完成名单"
	headerRow    = 2 // row 1 is the title line
	firstDataRow = 3
	// portraitWidth is about what fits across an A4 page upright (in Excel column
	// units); a wider sheet prints landscape.
	portraitWidth = 95
)

// landscape tells whether columns of these widths print landscape.
func landscape(widths []float64) bool {
	sum := 0.0
	for _, w := range widths {
		sum += w
	}
	return sum > portraitWidth
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
	t := workbook.Table{Sheet: sheet, Title: title, Headers: headers, Widths: widths, Landscape: landscape(widths), Filter: true}
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

// CompletionFile builds the completion workbook: 汇总, one sheet per township (streamed)
// and 未完成名单 (streamed).
func CompletionFile(r *Report) (*workbook.Book, error) {
	b, err := workbook.New()
	if err != nil {
		return nil, err
	}
	return built(b, func() error {
		if err := writeSummary(b, r); err != nil {
			return fmt.Errorf("汇总: %w", err)
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
		return b.F.SetDocProps(&excelize.DocProperties{Title: r.Title(), Creator: "支部书记学习考试平台", Language: "zh-CN"})
	}())
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
func writeSummary(b *workbook.Book, r *Report) error {
	sh, err := b.Sheet(sheetSummary)
	if err != nil {
		return err
	}
	f, st := b.F, &b.Styles
	headers := summaryHeaders(r.County)
	last := workbook.ColName(len(headers))
	title := r.Title() + "汇总（导出时间：" + r.exportedAt() + "）"
	if err := f.SetCellStr(sh, "A1", title); err != nil {
		return err
	}
	f.SetCellStyle(sh, "A1", "A1", st.Title)
	f.SetRowHeight(sh, 1, 24)
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
		vals := []any{web.CellText(s.Name), s.Expected, s.Completed, s.CompletionRate, s.AvgHours, s.Examinees, s.ExamRate,
			s.Passed, s.PassRate, s.AvgScore, s.Tourists}
		if r.County && !total {
			vals = append(vals, s.Rank)
		} else if r.County {
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
		kinds := []int{text, integer, integer, pct, number, integer, pct, integer, pct, number, integer, integer}
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
		"说明：完成率＝必修完成人数÷应参训人数；参考率＝参考人数÷应参训人数；通过率＝通过人数÷参考人数；平均分为各次考试最高成绩的平均；人均学时＝学时合计÷应参训人数。",
		fmt.Sprintf("红色底色的乡镇完成率低于目标 %s。", FormatNumber(r.Target*100)+"%"),
	}
	if r.County {
		notes = append(notes, "排名依次按完成率、通过率、平均分从高到低，并列者名次相同。")
	}
	if err := writeNotes(b, sh, note, last, widths, notes); err != nil {
		return err
	}
	if r.County && len(r.Summary) > 0 {
		if err := addChart(f, sh, lastTownship, note+len(notes)+1, len(r.Summary)); err != nil {
			return err
		}
	}
	// Last: the autofilter rewrites the sheet properties that hold fit-to-page.
	return b.PrintSetup(sh, headerRow, landscape(widths))
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

// addChart draws the townships' 完成率 (rows firstDataRow..lastTownship of column D) as bars.
func addChart(f *excelize.File, sh string, lastTownship, at, townships int) error {
	cats := fmt.Sprintf("'%s'!$A$%d:$A$%d", sh, firstDataRow, lastTownship)
	vals := fmt.Sprintf("'%s'!$D$%d:$D$%d", sh, firstDataRow, lastTownship)
	height := uint(120 + 24*townships)
	gap := uint(60)
	zero, one := 0.0, 1.0
	return f.AddChart(sh, "A"+strconv.Itoa(at), &excelize.Chart{
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
	})
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

var missingHeaders = []string{"序号", "乡镇", "支部", "姓名", "手机号", "未完成必修课程", "未完成课程数", "考试情况", "学时"}

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
	title := r.Title() + "未完成名单（导出时间：" + r.exportedAt() + "）"
	return streamTable(b, sheetMissing, title, missingHeaders, len(rows), func(rb *rowBuilder, i int) {
		missingRow(rb, i+1, &rows[i])
	})
}
