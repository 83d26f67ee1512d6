package reports

import (
	"fmt"

	"zhibu/app/figures"
	"zhibu/app/workbook"
)

// Figures in the workbooks: 汇总's columns and its 分类 block, labelled from app/figures,
// and the 口径说明 sheet generated from figures.Table.

// cellKind is how a figure's cell is formatted.
type cellKind int

const (
	kindInt cellKind = iota
	kindNumber
	kindPct
)

// yearColumn is one figure of a Year as a column.
type yearColumn struct {
	fig  figures.Figure
	kind cellKind
	val  func(y *figures.Year) any
}

// summaryColumns are the figures of 汇总, after 乡镇.
var summaryColumns = []yearColumn{
	{figures.Expected, kindInt, func(y *figures.Year) any { return y.Expected }},
	{figures.Completed, kindInt, func(y *figures.Year) any { return y.Completed }},
	{figures.CompletionRate, kindPct, func(y *figures.Year) any { return y.CompletionRate }}, // column D: the chart's
	{figures.AvgHours, kindNumber, func(y *figures.Year) any { return y.AvgHours }},
	{figures.HoursMet, kindInt, func(y *figures.Year) any { return y.HoursMet }},
	{figures.HoursMetRate, kindPct, func(y *figures.Year) any { return y.HoursMetRate }},
	{figures.Candidates, kindInt, func(y *figures.Year) any { return y.Candidates }},
	{figures.Examinees, kindInt, func(y *figures.Year) any { return y.Examinees }},
	{figures.ExamRate, kindPct, func(y *figures.Year) any { return y.ExamRate }},
	{figures.Passed, kindInt, func(y *figures.Year) any { return y.Passed }},
	{figures.PassRate, kindPct, func(y *figures.Year) any { return y.PassRate }},
	{figures.ScoreRate, kindPct, func(y *figures.Year) any { return y.ScoreRate }},
	{figures.Tourists, kindInt, func(y *figures.Year) any { return y.Tourists }},
}

// kindColumns are the figures broken down by 支部类型 (the 分类 block and the page's table).
var kindColumns = []yearColumn{summaryColumns[0], summaryColumns[1], summaryColumns[2], summaryColumns[3],
	summaryColumns[8], summaryColumns[10]}

func columnLabels(cols []yearColumn) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.fig.Label
	}
	return out
}

func columnValues(cols []yearColumn, y *figures.Year) []any {
	out := make([]any, len(cols))
	for i, c := range cols {
		out[i] = c.val(y)
	}
	return out
}

// columnStyles picks each column's style among the given integer, number and percent ones.
func columnStyles(cols []yearColumn, integer, number, pct int) []int {
	out := make([]int, len(cols))
	for i, c := range cols {
		out[i] = [...]int{kindInt: integer, kindNumber: number, kindPct: pct}[c.kind]
	}
	return out
}

// kindsTitle heads the 分类 sheet and the page's table.
const kindsTitle = "按支部类型分类"

// sheetKinds is the 分类 sheet: 乡镇 × 支部类型, on its own sheet so that 汇总 prints on
// one page and 分类's header repeats on each of its pages.
const sheetKinds = "分类统计"

// kindRow is one row of the 分类 sheet.
type kindRow struct {
	name  string
	kind  string
	year  *figures.Year
	total bool
}

// writeKinds writes the 分类 sheet: every township's kinds, then the county's in the
// county report, with the figures of kindColumns.
func writeKinds(b *workbook.Book, r *Report) error {
	var rows []kindRow
	add := func(s *Summary, total bool) {
		for i := range s.Kinds {
			rows = append(rows, kindRow{name: s.Name, kind: s.Kinds[i].Kind, year: &s.Kinds[i].Year, total: total})
		}
	}
	for i := range r.Summary {
		add(&r.Summary[i], false)
	}
	if r.County {
		add(&r.Total, true)
	}
	headers := append([]string{"乡镇", "支部类型"}, columnLabels(kindColumns)...)
	return streamTable(b, sheetKinds, r.scopedTitle()+kindsTitle+"（导出时间："+r.exportedAt()+"）", headers, len(rows), func(rb *rowBuilder, i int) {
		k, st := rows[i], rb.st
		text, styles := st.Text, columnStyles(kindColumns, st.Int, st.Number, st.Pct)
		if k.total {
			text, styles = st.TotalText, columnStyles(kindColumns, st.TotalInt, st.TotalNumber, st.TotalPct)
		}
		rb.add(k.name, text, k.name)
		rb.add(k.kind, text, k.kind)
		for j, v := range columnValues(kindColumns, k.year) {
			rb.add(v, styles[j], fmt.Sprint(v))
		}
	})
}

// writeDefinitions writes 口径说明: every figure of the report with its 口径 (the last
// sheet of both workbooks).
func writeDefinitions(b *workbook.Book, of figures.Of, title string) error {
	figs := figures.For(of)
	return streamTable(b, figures.DefSheet, title+" 统计口径说明", []string{"指标", "口径"}, len(figs),
		func(rb *rowBuilder, i int) {
			rb.add(figs[i].Label, rb.st.Text, figs[i].Label)
			rb.add(figs[i].Def, rb.st.Text, figs[i].Def)
		})
}
