package record

import (
	"math"
	"sort"
	"strconv"
	"time"

	"zhibu/app/figures"
	"zhibu/app/hours"
	"zhibu/app/web"
)

// Record is one secretary's 学习档案 of a year (GET /api/v1/me/record): every item of the
// year by kind and the 学时 of the ledger. Every 学时 of an item is the sum of the
// ledger's entries of that source (hour_credits, not revoked, of the year: the same rows
// as hours.Store.Mine), so the items add up to Total, which is /api/v1/me/hours's total.
type Record struct {
	Year   int     `json:"year"`
	Target float64 `json:"target"`
	hours.Totals
	Reached bool     `json:"reached"`
	Person  Person   `json:"person"`
	Courses []Course `json:"courses"`
	Exams   []Exam   `json:"exams"`
	Classes []Class  `json:"classes"`
	Tours   []Tour   `json:"tours"`
	Credits []Credit `json:"credits"`
}

// Person is whose record it is.
type Person struct {
	UserID     int64  `json:"user_id"`
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	TownshipID int64  `json:"township_id"`
	Township   string `json:"township"`
	Branch     string `json:"branch"`
	BranchKind string `json:"branch_kind"`
	Active     bool   `json:"active"`
}

// Course is a course of the year: a 必修 course that applies to the person (done or
// not, as the completion workbook shows it), or any course completed in the year.
type Course struct {
	CourseID    int64      `json:"course_id"`
	Title       string     `json:"title"`
	Required    bool       `json:"required"`
	Completed   bool       `json:"completed"`
	CompletedAt *time.Time `json:"completed_at"`
	Hours       float64    `json:"hours"`
}

// Exam is an exam of the year the person is a candidate of (figures.Sittings): the best
// finished attempt counts; 得分率 is figures' (best ÷ full marks), null when not taken.
type Exam struct {
	ExamID    int64     `json:"exam_id"`
	Title     string    `json:"title"`
	OpensAt   time.Time `json:"opens_at"`
	FullMarks float64   `json:"full_marks"`
	PassScore float64   `json:"pass_score"`
	Attempts  int       `json:"attempts"`
	Best      *float64  `json:"best_score"`
	ScoreRate *float64  `json:"score_rate"`
	Passed    bool      `json:"passed"`
}

// Class is a 集中培训班 of the year the person takes part in: the sessions attended
// (present or late: classes.Attended), 结业 once the class is closed, the 学时 credited.
type Class struct {
	ClassID       int64      `json:"class_id"`
	Title         string     `json:"title"`
	Sessions      int        `json:"sessions"`
	Attended      int        `json:"attended_sessions"`
	ClassHours    float64    `json:"class_hours"`
	AttendedHours float64    `json:"attended_hours"`
	ClosedAt      *time.Time `json:"closed_at"`
	Completed     *bool      `json:"completed"` // 结业; null until 结班
	Hours         float64    `json:"hours"`
}

// Tour is a study tour of the year the county confirmed the person for, with the state of
// the person's tour report.
type Tour struct {
	TourID      int64     `json:"tour_id"`
	Title       string    `json:"title"`
	StartsOn    time.Time `json:"starts_on"`
	EndsOn      time.Time `json:"ends_on"`
	Report      string    `json:"report"` // ReportNone, ReportMissing or the tour_reports status
	ReportLabel string    `json:"report_label"`
	Hours       float64   `json:"hours"`
}

// Credit is outside training the county credited by hand (the ledger's manual entries).
type Credit struct {
	ID         int64     `json:"id"`
	Note       string    `json:"note"`
	Hours      float64   `json:"hours"`
	CreditedAt time.Time `json:"credited_at"`
	CreditedBy string    `json:"credited_by"`
}

// Report states of a tour (tour_reports, migrations/00075_tour_reports.sql).
const (
	ReportNone      = "none"    // the tour asks for no report
	ReportMissing   = "missing" // asked for, no report yet
	ReportSubmitted = "submitted"
	ReportAccepted  = "accepted"
	ReportReturned  = "returned"
)

// ReportState is a tour report's state: its row's status, else whether one is asked for.
func ReportState(status string, asked bool) string {
	switch status {
	case ReportSubmitted, ReportAccepted, ReportReturned:
		return status
	}
	if asked {
		return ReportMissing
	}
	return ReportNone
}

// ReportLabel is a report state in Chinese.
func ReportLabel(state string) string {
	switch state {
	case ReportMissing:
		return "未交"
	case ReportSubmitted:
		return "已交待审"
	case ReportAccepted:
		return "已通过"
	case ReportReturned:
		return "已退回"
	}
	return "无需提交"
}

// ScoreRate is the 得分率 of one sitting as app/figures defines it (figures.ScoreRate:
// best ÷ full marks over the exams taken), computed by figures itself on a year of one
// person and one exam; ok is false when the exam was not taken or has no full marks.
func ScoreRate(s figures.Sitting) (float64, bool) {
	if !s.Taken() || s.Full <= 0 {
		return 0, false
	}
	var p figures.Person
	p.Sit(s)
	var y figures.Year
	y.Add(&p, 0)
	y.Finish()
	return y.ScoreRate, true
}

// Entry is a ledger entry of the year that counts (not revoked).
type Entry struct {
	ID         int64
	UserID     int64
	Source     hours.Source
	SourceID   int64
	Online     bool
	Hours      float64
	CreditedAt time.Time
	CreditedBy string
	Note       string
}

// Attach books the ledger's entries onto the record's items: each entry's 学时 go to the
// item of its source (the course, class or tour; a manual entry is a credit of its own),
// and an entry whose item the record does not list yet adds it, named by the entry's note,
// so that the items always add up to the ledger's total. It computes the totals with
// the ledger's own arithmetic (hours.Totals) and 学时达标 with hours.Reached.
func Attach(r *Record, entries []Entry) {
	r.Totals = hours.Totals{}
	for _, e := range entries {
		r.Add(e.Online, e.Hours)
		switch e.Source {
		case hours.SourceCourse:
			i := indexOf(len(r.Courses), func(i int) bool { return r.Courses[i].CourseID == e.SourceID })
			if i < 0 {
				at := e.CreditedAt
				r.Courses = append(r.Courses, Course{CourseID: e.SourceID, Title: e.Note, Completed: true, CompletedAt: &at})
				i = len(r.Courses) - 1
			}
			r.Courses[i].Hours = round2(r.Courses[i].Hours + e.Hours)
		case hours.SourceClass:
			i := indexOf(len(r.Classes), func(i int) bool { return r.Classes[i].ClassID == e.SourceID })
			if i < 0 {
				r.Classes = append(r.Classes, Class{ClassID: e.SourceID, Title: e.Note})
				i = len(r.Classes) - 1
			}
			r.Classes[i].Hours = round2(r.Classes[i].Hours + e.Hours)
		case hours.SourceTour:
			i := indexOf(len(r.Tours), func(i int) bool { return r.Tours[i].TourID == e.SourceID })
			if i < 0 {
				r.Tours = append(r.Tours, Tour{TourID: e.SourceID, Title: e.Note, Report: ReportNone, ReportLabel: ReportLabel(ReportNone)})
				i = len(r.Tours) - 1
			}
			r.Tours[i].Hours = round2(r.Tours[i].Hours + e.Hours)
		default:
			r.Credits = append(r.Credits, Credit{ID: e.ID, Note: e.Note, Hours: e.Hours, CreditedAt: e.CreditedAt, CreditedBy: e.CreditedBy})
		}
	}
	r.Reached = hours.Reached(r.Total, r.Target)
}

// ItemHours adds up the 学时 of every item: always Total (Attach).
func (r *Record) ItemHours() float64 {
	var t float64
	for _, c := range r.Courses {
		t += c.Hours
	}
	for _, c := range r.Classes {
		t += c.Hours
	}
	for _, c := range r.Tours {
		t += c.Hours
	}
	for _, c := range r.Credits {
		t += c.Hours
	}
	return round2(t)
}

// Sort puts each kind in the order the page and the workbook list it: by date, then id.
func (r *Record) Sort() {
	sort.SliceStable(r.Courses, func(i, j int) bool {
		a, b := r.Courses[i], r.Courses[j]
		if a.Required != b.Required {
			return a.Required
		}
		if (a.CompletedAt == nil) != (b.CompletedAt == nil) {
			return a.CompletedAt != nil
		}
		if a.CompletedAt != nil && !a.CompletedAt.Equal(*b.CompletedAt) {
			return a.CompletedAt.Before(*b.CompletedAt)
		}
		return a.CourseID < b.CourseID
	})
	sort.SliceStable(r.Exams, func(i, j int) bool {
		if !r.Exams[i].OpensAt.Equal(r.Exams[j].OpensAt) {
			return r.Exams[i].OpensAt.Before(r.Exams[j].OpensAt)
		}
		return r.Exams[i].ExamID < r.Exams[j].ExamID
	})
	sort.SliceStable(r.Tours, func(i, j int) bool {
		if !r.Tours[i].StartsOn.Equal(r.Tours[j].StartsOn) {
			return r.Tours[i].StartsOn.Before(r.Tours[j].StartsOn)
		}
		return r.Tours[i].TourID < r.Tours[j].TourID
	})
	sort.SliceStable(r.Credits, func(i, j int) bool {
		if !r.Credits[i].CreditedAt.Equal(r.Credits[j].CreditedAt) {
			return r.Credits[i].CreditedAt.Before(r.Credits[j].CreditedAt)
		}
		return r.Credits[i].ID < r.Credits[j].ID
	})
}

// Percent is how far the total is toward the target (0–100), for the progress bar.
func (r *Record) Percent() int {
	if r.Target <= 0 || r.Reached {
		return 100
	}
	return min(int(r.Total*100/r.Target), 100)
}

// Left is what is missing to the target.
func (r *Record) Left() float64 { return max(round2(r.Target-r.Total), 0) }

// RequiredCounts are the 必修 courses that apply and how many of them are done.
func (r *Record) RequiredCounts() (done, all int) {
	for _, c := range r.Courses {
		if c.Required {
			all++
			if c.Completed {
				done++
			}
		}
	}
	return
}

// PassedCounts are the exams the person is a candidate of and how many were passed.
func (r *Record) PassedCounts() (passed, all int) {
	for _, e := range r.Exams {
		all++
		if e.Passed {
			passed++
		}
	}
	return
}

// ClassesDone are the classes closed (结班) and how many the person completed (结业).
func (r *Record) ClassesDone() (done, closed int) {
	for _, c := range r.Classes {
		if c.Completed != nil {
			closed++
			if *c.Completed {
				done++
			}
		}
	}
	return
}

// Empty tells whether the year has nothing at all.
func (r *Record) Empty() bool {
	return len(r.Courses)+len(r.Exams)+len(r.Classes)+len(r.Tours)+len(r.Credits) == 0
}

// Title is the record's title, e.g. "张三 2026年度学习档案".
func (r *Record) Title() string {
	return r.Person.Name + " " + strconv.Itoa(r.Year) + "年度学习档案"
}

// Kind is 必修 or 选修.
func (c Course) Kind() string {
	if c.Required {
		return "必修"
	}
	return "选修"
}

// Result describes an exam's line: 未参加, or the best score and 得分率.
func (e Exam) Result() string {
	if e.Best == nil {
		return "未参加"
	}
	s := "最高 " + web.FormatNumber(*e.Best) + " 分"
	if e.ScoreRate != nil {
		s += " · 得分率 " + figures.Pct(*e.ScoreRate)
	}
	return s
}

// PassText is 通过, 未通过 or 未参加.
func (e Exam) PassText() string {
	switch {
	case e.Passed:
		return "通过"
	case e.Best == nil:
		return "未参加"
	}
	return "未通过"
}

// Attendance describes a class's attendance, e.g. "出勤 3/4 次（6/8 学时）".
func (c Class) Attendance() string {
	if c.Sessions == 0 {
		return "暂无课程安排"
	}
	return "出勤 " + strconv.Itoa(c.Attended) + "/" + strconv.Itoa(c.Sessions) + " 次（" +
		web.FormatNumber(c.AttendedHours) + "/" + web.FormatNumber(c.ClassHours) + " 学时）"
}

// Result is 已结业, 未结业 or 未结班.
func (c Class) Result() string {
	switch {
	case c.Completed == nil:
		return "未结班"
	case *c.Completed:
		return "已结业"
	}
	return "未结业"
}

// Dates are the tour's dates, e.g. "2026-05-10 至 2026-05-13".
func (t Tour) Dates() string {
	if t.StartsOn.IsZero() {
		return ""
	}
	return t.StartsOn.Format("2006-01-02") + " 至 " + t.EndsOn.Format("2006-01-02")
}

func indexOf(n int, match func(int) bool) int {
	for i := 0; i < n; i++ {
		if match(i) {
			return i
		}
	}
	return -1
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
