package reports

import (
	"database/sql"
	"strconv"
	"time"

	"zhibu/app/figures"
)

// ExamInfo is an exam as the results report needs it.
type ExamInfo struct {
	ID           int64     `db:"id"`
	Title        string    `db:"title"`
	PassScore    float64   `db:"pass_score"`
	TotalPoints  float64   `db:"total_points"`
	AllTownships bool      `db:"all_townships"`
	OpensAt      time.Time `db:"opens_at"`
	ClosesAt     time.Time `db:"closes_at"`
}

// Candidate is one row of an exam's results: every candidate in scope, taken or not.
type Candidate struct {
	TownshipID int64
	Township   string
	Branch     string
	Name       string
	Phone      string
	figures.Sitting
	InProgress bool
	LastAt     sql.NullTime
}

// Status is the candidate's state in words.
func (c *Candidate) Status() string {
	switch {
	case c.Passed:
		return "已通过"
	case c.Taken():
		return "未通过"
	case c.InProgress:
		return "考试中"
	}
	return "未参加"
}

// ExamSummary is a township's row of an exam's 汇总, or its total row (合计).
type ExamSummary struct {
	TownshipID int64
	Name       string
	figures.Exam
}

// ExamReport is the results of one exam in a township scope.
type ExamReport struct {
	Exam       ExamInfo
	Generated  time.Time
	Candidates []Candidate
	Summary    []ExamSummary // per township
	Total      ExamSummary
}

func (r *ExamReport) summarize() {
	var list []*ExamSummary
	byID := map[int64]*ExamSummary{}
	total := &ExamSummary{Name: "合计"}
	for i := range r.Candidates {
		c := &r.Candidates[i]
		t := byID[c.TownshipID]
		if t == nil {
			t = &ExamSummary{TownshipID: c.TownshipID, Name: c.Township}
			byID[c.TownshipID] = t
			list = append(list, t)
		}
		t.Add(c.Sitting)
		total.Add(c.Sitting)
	}
	r.Summary = nil
	for _, t := range list {
		t.Finish()
		r.Summary = append(r.Summary, *t)
	}
	total.Finish()
	r.Total = *total
}

// FileName is the download name, e.g. "考试成绩（2026年第一季度学习测试）.xlsx".
func (r *ExamReport) FileName() string { return "考试成绩（" + r.Exam.Title + "）.xlsx" }

// ASCIIName is the file name for clients that cannot read FileName, e.g. "zhibu-exam-12-results.xlsx".
func (r *ExamReport) ASCIIName() string {
	return "zhibu-exam-" + strconv.FormatInt(r.Exam.ID, 10) + "-results.xlsx"
}
