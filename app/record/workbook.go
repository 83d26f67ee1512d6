package record

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"zhibu/app/figures"
	"zhibu/app/web"
	"zhibu/app/workbook"
)

// The workbooks: one person's 学习档案, and a township's — 汇总 (one row per person)
// then 学习档案, one block per person, each starting on a new printed page. Both sheets
// are written with the stream writer, so a township of any size keeps memory bounded,
// and print on A4 landscape, one page wide, with the title, the repeated header row and
// page numbers (workbook.PrintSetup).
const (
	sheetSummary = "汇总"
	sheetRecords = "学习档案"
)

// recordHeaders are the columns of the 学习档案 sheet.
var recordHeaders = []string{"类别", "项目", "日期", "情况", "学时"}

// recordWidths are its widths: the two text columns wrap at workbook.MaxWidth.
var recordWidths = []float64{12, workbook.MaxWidth, 13, workbook.MaxWidth, 9}

// FileName is the download name of a person's record, e.g. "张三2026年度学习档案.xlsx".
func (r *Record) FileName() string {
	return web.SafeFileName(r.Person.Name+strconv.Itoa(r.Year)+"年度学习档案") + ".xlsx"
}

// TownshipFileName is the download name of a township's records.
func TownshipFileName(t Township, year int) string {
	return web.SafeFileName(t.Name+strconv.Itoa(year)+"年度支部书记学习档案") + ".xlsx"
}

// PersonFile builds one person's 学习档案 workbook.
func PersonFile(r *Record, now time.Time) (*workbook.Book, error) {
	b, err := workbook.New()
	if err != nil {
		return nil, err
	}
	title := r.Title() + "（" + personLine(r) + "，导出时间：" + exported(now) + "）"
	if err := writeRecords(b, title, []*Record{r}); err != nil {
		b.Close()
		return nil, err
	}
	if err := b.F.SetDocProps(&excelize.DocProperties{Title: r.Title(), Creator: "支部书记学习考试平台", Language: "zh-CN"}); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// TownshipFile builds a township's workbook of every record of the year.
func TownshipFile(t Township, year int, recs []*Record, now time.Time) (*workbook.Book, error) {
	b, err := workbook.New()
	if err != nil {
		return nil, err
	}
	what := t.Name + " " + strconv.Itoa(year) + "年度支部书记学习档案"
	err = func() error {
		if err := writeSummary(b, what+"汇总（导出时间："+exported(now)+"）", recs); err != nil {
			return fmt.Errorf("%s: %w", sheetSummary, err)
		}
		if err := writeRecords(b, what+"（共 "+strconv.Itoa(len(recs))+" 人，导出时间："+exported(now)+"）", recs); err != nil {
			return fmt.Errorf("%s: %w", sheetRecords, err)
		}
		return b.F.SetDocProps(&excelize.DocProperties{Title: what, Creator: "支部书记学习考试平台", Language: "zh-CN"})
	}()
	if err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

func exported(now time.Time) string { return now.In(web.China).Format("2006-01-02 15:04") }

func personLine(r *Record) string {
	parts := []string{r.Person.Township}
	if r.Person.Branch != "" {
		parts = append(parts, r.Person.Branch)
	}
	return strings.Join(parts, " ")
}

// summaryHeaders are the columns of 汇总.
var summaryHeaders = []string{"序号", "支部", "姓名", "手机号", figures.HoursOnline.Label, figures.HoursOffline.Label,
	figures.HoursTotal.Label, "年度目标", "是否达标", "必修课程完成", "考试通过", "培训班结业", "考察学习"}

// writeSummary writes 汇总: one row per person with the year's figures of the record.
func writeSummary(b *workbook.Book, title string, recs []*Record) error {
	st := &b.Styles
	row := func(i int) []any {
		r := recs[i]
		done, all := r.RequiredCounts()
		passed, exams := r.PassedCounts()
		cdone, closed := r.ClassesDone()
		reached := "否"
		style := st.Red
		if r.Reached {
			reached, style = "是", st.Text
		}
		return []any{i + 1, r.Person.Branch, r.Person.Name, r.Person.Phone,
			excelize.Cell{StyleID: st.Number, Value: r.Online}, excelize.Cell{StyleID: st.Number, Value: r.Offline},
			excelize.Cell{StyleID: st.Number, Value: r.Total}, excelize.Cell{StyleID: st.Number, Value: r.Target},
			excelize.Cell{StyleID: style, Value: reached},
			ratio(done, all), ratio(passed, exams), ratio(cdone, closed), len(r.Tours)}
	}
	texts := make([][]string, 0, len(recs))
	for i := range recs {
		var t []string
		for _, v := range row(i) {
			t = append(t, cellText(v))
		}
		texts = append(texts, t)
	}
	return b.Stream(workbook.Table{Sheet: sheetSummary, Title: title, Headers: summaryHeaders,
		Widths: workbook.Measure(summaryHeaders, texts), Filter: true}, len(recs), row)
}

// ratio shows "2/3", or "—" when there is nothing to count.
func ratio(n, d int) string {
	if d == 0 {
		return "—"
	}
	return strconv.Itoa(n) + "/" + strconv.Itoa(d)
}

func cellText(v any) string {
	if c, ok := v.(excelize.Cell); ok {
		v = c.Value
	}
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return web.FormatNumber(x) + ".0"
	}
	return fmt.Sprint(v)
}

// line is one item row of a record block.
type line struct {
	kind, item string
	date       time.Time
	state      string
	hours      *float64
	red        bool // the state needs action (未完成, 未通过, 未交…)
}

// lines are a record's item rows, kind by kind.
func lines(r *Record) []line {
	var out []line
	h := func(v float64) *float64 { return &v }
	for _, c := range r.Courses {
		l := line{kind: c.Kind() + "课程", item: c.Title, state: "未完成", red: !c.Completed, hours: h(c.Hours)}
		if c.Completed {
			l.state = "已完成"
			if c.CompletedAt != nil {
				l.date = *c.CompletedAt
			}
		}
		out = append(out, l)
	}
	for _, e := range r.Exams {
		state := e.Result()
		if e.Best != nil {
			state += " · " + e.PassText()
		}
		out = append(out, line{kind: "考试", item: e.Title, date: e.OpensAt, state: state, red: !e.Passed})
	}
	for _, c := range r.Classes {
		l := line{kind: "集中培训班", item: c.Title, state: c.Attendance() + " · " + c.Result(), hours: h(c.Hours),
			red: c.Completed != nil && !*c.Completed}
		if c.ClosedAt != nil {
			l.date = *c.ClosedAt
		}
		out = append(out, l)
	}
	for _, t := range r.Tours {
		out = append(out, line{kind: "考察学习", item: t.Title, date: t.StartsOn, state: t.Dates() + " · 学习报告" + t.ReportLabel,
			hours: h(t.Hours), red: t.Report == ReportMissing || t.Report == ReportReturned})
	}
	for _, c := range r.Credits {
		state := "组织认定"
		if c.CreditedBy != "" {
			state = c.CreditedBy + "认定"
		}
		out = append(out, line{kind: "组织认定", item: c.Note, date: c.CreditedAt, state: state, hours: h(c.Hours)})
	}
	return out
}

// excelDate gives t's China wall-clock date as the naive time Excel stores.
func excelDate(t time.Time) time.Time {
	l := t.In(web.China)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// writeRecords writes the 学习档案 sheet: the title, the header (repeated on every
// printed page), then each record as a block — who, the year's 学时 against the target,
// one row per item, the total — with a page break before every block but the first.
func writeRecords(b *workbook.Book, title string, recs []*Record) error {
	sh, err := b.Sheet(sheetRecords)
	if err != nil {
		return err
	}
	const head = 2
	if err := b.PrintSetup(sh, workbook.Page{Title: title, HeaderRow: head}); err != nil {
		return err
	}
	st := &b.Styles
	wrapText, err := b.Wrapped(st.Text)
	if err != nil {
		return err
	}
	wrapRed, err := b.Wrapped(st.Red)
	if err != nil {
		return err
	}
	wrapTotal, err := b.Wrapped(st.TotalText)
	if err != nil {
		return err
	}
	// An item's row grows with its longest text: every cell of it is top-aligned.
	topDate, err := b.Wrapped(st.Date)
	if err != nil {
		return err
	}
	topNumber, err := b.Wrapped(st.Number)
	if err != nil {
		return err
	}
	sw, err := b.F.NewStreamWriter(sh)
	if err != nil {
		return err
	}
	for i, w := range recordWidths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: head, TopLeftCell: "A3", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	last := workbook.ColName(len(recordHeaders))
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: st.Title, Value: web.CellText(title)}},
		excelize.RowOpts{Height: workbook.TitleHeight(title, recordWidths)}); err != nil {
		return err
	}
	if err := sw.MergeCell("A1", last+"1"); err != nil {
		return err
	}
	hdr := make([]any, len(recordHeaders))
	for i, h := range recordHeaders {
		hdr[i] = excelize.Cell{StyleID: st.Header, Value: h}
	}
	if err := sw.SetRow("A2", hdr, excelize.RowOpts{Height: workbook.HeaderHeight(recordHeaders, recordWidths)}); err != nil {
		return err
	}
	n := head + 1
	// banner writes one text across the whole width.
	banner := func(text string, style int) error {
		ref := "A" + strconv.Itoa(n)
		cells := []any{excelize.Cell{StyleID: style, Value: web.CellText(text)}}
		for range recordHeaders[1:] {
			cells = append(cells, excelize.Cell{StyleID: style})
		}
		total := 0.0
		for _, w := range recordWidths {
			total += w
		}
		if err := sw.SetRow(ref, cells, excelize.RowOpts{Height: workbook.RowHeight(workbook.Lines(text, total))}); err != nil {
			return err
		}
		n++
		return sw.MergeCell(ref, last+strconv.Itoa(n-1))
	}
	for i, r := range recs {
		if i > 0 {
			if err := sw.InsertPageBreak("A" + strconv.Itoa(n)); err != nil {
				return err
			}
		}
		who := r.Person.Name + "　" + personLine(r)
		if r.Person.Phone != "" {
			who += "　" + r.Person.Phone
		}
		if err := banner(who, wrapTotal); err != nil {
			return err
		}
		if err := banner(summaryLine(r), wrapText); err != nil {
			return err
		}
		ls := lines(r)
		if len(ls) == 0 {
			if err := banner("本年度暂无学习记录。", wrapText); err != nil {
				return err
			}
		}
		for _, l := range ls {
			state := wrapText
			if l.red {
				state = wrapRed
			}
			var date any = excelize.Cell{StyleID: wrapText}
			if !l.date.IsZero() {
				date = excelize.Cell{StyleID: topDate, Value: excelDate(l.date)}
			}
			var hrs any = excelize.Cell{StyleID: wrapText}
			if l.hours != nil {
				hrs = excelize.Cell{StyleID: topNumber, Value: *l.hours}
			}
			cells := []any{excelize.Cell{StyleID: wrapText, Value: l.kind}, excelize.Cell{StyleID: wrapText, Value: web.CellText(l.item)},
				date, excelize.Cell{StyleID: state, Value: web.CellText(l.state)}, hrs}
			height := max(workbook.Lines(l.item, recordWidths[1]), workbook.Lines(l.state, recordWidths[3]))
			if err := sw.SetRow("A"+strconv.Itoa(n), cells, excelize.RowOpts{Height: workbook.RowHeight(height)}); err != nil {
				return err
			}
			n++
		}
		total := []any{excelize.Cell{StyleID: st.TotalText, Value: figures.HoursTotal.Label}, excelize.Cell{StyleID: st.TotalText},
			excelize.Cell{StyleID: st.TotalText}, excelize.Cell{StyleID: st.TotalText, Value: "年度目标 " + web.FormatNumber(r.Target) + " 学时"},
			excelize.Cell{StyleID: st.TotalNumber, Value: r.Total}}
		if err := sw.SetRow("A"+strconv.Itoa(n), total); err != nil {
			return err
		}
		n++
	}
	return sw.Flush()
}

// summaryLine is a record's year in one sentence: 学时 against the target, 必修, exams.
func summaryLine(r *Record) string {
	s := figures.HoursTotal.Label + " " + web.FormatNumber(r.Total) + " / 年度目标 " + web.FormatNumber(r.Target) + " 学时（" +
		figures.HoursOnline.Label + " " + web.FormatNumber(r.Online) + "，" + figures.HoursOffline.Label + " " + web.FormatNumber(r.Offline) + "），"
	if r.Reached {
		s += "已达标"
	} else {
		s += "还差 " + web.FormatNumber(r.Left()) + " 学时"
	}
	if done, all := r.RequiredCounts(); all > 0 {
		s += "；必修课程完成 " + ratio(done, all)
	}
	if passed, all := r.PassedCounts(); all > 0 {
		s += "；考试通过 " + ratio(passed, all)
	}
	return s + "。"
}
