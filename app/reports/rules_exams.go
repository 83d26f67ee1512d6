package reports

import (
	"database/sql"
	"time"
)

// ExamInfo is an exam as the results report needs it.
type ExamInfo struct {
	ID           int64     `db:"id"`
	Title        string    `db:"title"`
	PassScore    float64   `db:"pass_score"`
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
	Attempts   int // finished attempts
	Best       float64
	Passed     bool
	InProgress bool
	LastAt     sql.NullTime
}

// Status is the candidate's state in words.
func (c *Candidate) Status() string {
	switch {
	case c.Passed:
		return "已通过"
	case c.Attempts > 0:
		return "未通过"
	case c.InProgress:
		return "考试中"
	}
	return "未参加"
}

// ExamReport is the results of one exam in a township scope.
type ExamReport struct {
	Exam       ExamInfo
	Generated  time.Time
	Candidates []Candidate
	Summary    []Summary // per township: Expected = 应考, Examinees, Passed, rates, AvgScore
	Total      Summary
}

func (r *ExamReport) summarize() {
	type sums struct {
		s     Summary
		score float64
	}
	var list []*sums
	byID := map[int64]*sums{}
	total := &sums{s: Summary{Name: "合计"}}
	for i := range r.Candidates {
		c := &r.Candidates[i]
		t := byID[c.TownshipID]
		if t == nil {
			t = &sums{s: Summary{TownshipID: c.TownshipID, Name: c.Township}}
			byID[c.TownshipID] = t
			list = append(list, t)
		}
		for _, a := range []*sums{t, total} {
			a.s.Expected++
			if c.Attempts > 0 {
				a.s.Examinees++
				a.score += c.Best
			}
			if c.Passed {
				a.s.Passed++
			}
		}
	}
	fin := func(a *sums) Summary {
		s := a.s
		s.ExamRate = ratio(s.Examinees, s.Expected)
		s.PassRate = ratio(s.Passed, s.Examinees)
		if s.Examinees > 0 {
			s.AvgScore = a.score / float64(s.Examinees)
		}
		return s
	}
	r.Summary = nil
	for _, t := range list {
		r.Summary = append(r.Summary, fin(t))
	}
	r.Total = fin(total)
}

// FileName is the download name, e.g. "考试成绩（2026年第一季度学习测试）.xlsx".
func (r *ExamReport) FileName() string { return "考试成绩（" + r.Exam.Title + "）.xlsx" }
