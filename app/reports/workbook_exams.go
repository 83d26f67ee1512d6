package reports

import (
	"strconv"

	"zhibu/app/figures"
	"zhibu/app/web"
	"zhibu/app/workbook"
)

var (
	examSummaryHeaders = []string{"乡镇", figures.Candidates.Label, figures.Examinees.Label, figures.ExamRate.Label,
		figures.Passed.Label, figures.PassRate.Label, figures.TakenPassRate.Label, figures.AvgScore.Label}
	examResultHeaders = []string{"序号", "乡镇", "支部", "姓名", "手机号", "考试次数", "最高分", "是否通过", "状态", "最后交卷时间"}
)

const sheetResults = "成绩"

// ExamFile builds the exam results workbook: 汇总 by township, 成绩 and 口径说明, all
// streamed.
func ExamFile(r *ExamReport) (*workbook.Book, error) {
	b, err := workbook.New()
	if err != nil {
		return nil, err
	}
	at := r.Generated.In(web.China).Format("2006-01-02 15:04")
	sums := append(append([]ExamSummary{}, r.Summary...), r.Total)
	title := r.Exam.Title + " 成绩汇总（及格 " + FormatNumber(r.Exam.PassScore) + " 分，导出时间：" + at + "）"
	err = streamTable(b, sheetSummary, title, examSummaryHeaders, len(sums), func(rb *rowBuilder, i int) {
		examSummaryRow(rb, sums[i], i == len(sums)-1)
	})
	if err == nil {
		title = r.Exam.Title + " 成绩明细（导出时间：" + at + "）"
		err = streamTable(b, sheetResults, title, examResultHeaders, len(r.Candidates), func(rb *rowBuilder, i int) {
			examResultRow(rb, i+1, &r.Candidates[i])
		})
	}
	if err == nil {
		err = writeDefinitions(b, figures.OfExam, r.Exam.Title)
	}
	return built(b, err)
}

// examSummaryRow describes a township's row of 汇总, or the total row (合计).
func examSummaryRow(b *rowBuilder, s ExamSummary, total bool) {
	st := b.st
	text, integer, number, pct := st.Text, st.Int, st.Number, st.Pct
	if total {
		text, integer, number, pct = st.TotalText, st.TotalInt, st.TotalNumber, st.TotalPct
	}
	b.add(s.Name, text, s.Name)
	// Only the name is measured: the numbers are narrower than their headers.
	for _, c := range []struct {
		v     any
		style int
	}{{s.Candidates, integer}, {s.Examinees, integer}, {s.ExamRate, pct}, {s.Passed, integer}, {s.PassRate, pct},
		{s.TakenPassRate, pct}, {s.AvgScore, number}} {
		b.add(c.v, c.style, "")
	}
}

// examResultRow describes one candidate's row of 成绩.
func examResultRow(b *rowBuilder, n int, c *Candidate) {
	st, add := b.st, b.add
	b.person(n, c.Township, c.Branch, c.Name, c.Phone)
	add(c.Finished, st.Int, strconv.Itoa(c.Finished))
	if c.Taken() {
		add(c.Best, st.Number, FormatNumber(c.Best)+".0")
	} else {
		add("", st.Text, "")
	}
	passed := "否"
	if c.Passed {
		passed = "是"
	}
	add(passed, st.Text, passed)
	status := c.Status()
	if c.Passed {
		add(status, st.Text, status)
	} else {
		add(status, st.Red, status)
	}
	if c.LastAt.Valid {
		add(excelDate(c.LastAt.Time), st.DateTime, "2006-01-02 15:04")
	} else {
		add("", st.Text, "")
	}
}
