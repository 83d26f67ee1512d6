package reports

import (
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"zhibu/app/figures"
	"zhibu/app/web"
)

// DefaultTarget is the completion rate below which a township is highlighted, unless the
// request names another (?target=85).
const DefaultTarget = 0.8

// Course is a required course of the year (a column of every township sheet).
type Course struct {
	ID    int64
	Title string
}

// Exam is an exam of the year (a column of every township sheet).
type Exam struct {
	ID        int64
	Title     string
	PassScore float64
}

// Township is a township in the report's scope.
type Township struct {
	ID   int64
	Name string
}

// CourseCell is one secretary's state for one required course.
type CourseCell struct {
	Applies bool      // the course is required for this secretary
	Done    bool      // completed
	At      time.Time // when, if Done
}

// ExamCell is one secretary's result in one exam: the best finished attempt counts.
type ExamCell struct {
	Applies bool // the secretary is a candidate of the exam
	figures.Sitting
}

// Secretary is one row of a township sheet. Courses and Exams are aligned with the
// report's Courses and Exams.
type Secretary struct {
	UserID     int64
	TownshipID int64
	Branch     string
	BranchKind string
	Name       string
	Phone      string
	Courses    []CourseCell
	Online     float64 // 线上学时 (the ledger)
	Offline    float64 // 线下学时
	Hours      float64 // 学时合计
	Exams      []ExamCell
	Tours      []string // titles of the tours attended this year
}

// MissingCourses lists the titles of required courses not yet completed.
func (s *Secretary) MissingCourses(courses []Course) []string {
	var out []string
	for i, c := range s.Courses {
		if c.Applies && !c.Done {
			out = append(out, courses[i].Title)
		}
	}
	return out
}

// Person is the secretary's year as app/figures counts it.
func (s *Secretary) Person() figures.Person {
	p := figures.Person{Online: s.Online, Offline: s.Offline, Hours: s.Hours, Toured: len(s.Tours) > 0}
	for _, c := range s.Courses {
		if c.Applies {
			p.Require(c.Done)
		}
	}
	for _, e := range s.Exams {
		if e.Applies {
			p.Sit(e.Sitting)
		}
	}
	return p
}

// CompletedRequired: figures.Person.CompletedRequired (必修完成).
func (s *Secretary) CompletedRequired() bool { p := s.Person(); return p.CompletedRequired() }

// TookExam: figures.Person.TookExam (参考).
func (s *Secretary) TookExam() bool { p := s.Person(); return p.TookExam() }

// PassedExams: figures.Person.PassedExams (是否通过).
func (s *Secretary) PassedExams() bool { p := s.Person(); return p.PassedExams() }

// MissingExams describes the exams not passed, e.g. "《党章》未参加", "《党史》未通过（最高58分）".
func (s *Secretary) MissingExams(exams []Exam) []string {
	var out []string
	for i, e := range s.Exams {
		if !e.Applies || e.Passed {
			continue
		}
		if !e.Taken() {
			out = append(out, "《"+exams[i].Title+"》未参加")
		} else {
			out = append(out, "《"+exams[i].Title+"》未通过（最高"+FormatNumber(e.Best)+"分）")
		}
	}
	return out
}

// Summary is one row of 汇总 (a township) or its total row (the county): the figures of
// app/figures, overall and by branch kind (支部类型).
type Summary struct {
	TownshipID int64  `json:"township_id,omitempty"`
	Name       string `json:"name"`
	figures.Year
	Kinds       []figures.KindYear `json:"kinds"`
	Rank        int                `json:"rank,omitempty"` // 排名 (county report only)
	BelowTarget bool               `json:"below_target"`
}

// Percent is the completion rate as a whole percentage for the page's bars.
func (s Summary) Percent() int { return figures.Bar(s.CompletionRate) }

// PassPercent is the pass rate as a whole percentage.
func (s Summary) PassPercent() int { return figures.Bar(s.PassRate) }

type acc struct {
	Summary
	kinds figures.Kinds
}

func (a *acc) add(s *Secretary, targetHours float64) {
	p := s.Person()
	a.Add(&p, targetHours)
	a.kinds.Add(s.BranchKind, &p, targetHours)
}

func (a *acc) finish(target float64) Summary {
	s := a.Summary
	s.Finish()
	s.Kinds = a.kinds.Finish()
	// A township without secretaries has nothing to catch up on.
	s.BelowTarget = s.Expected > 0 && s.CompletionRate < target
	return s
}

// Summarize computes one row per township (in the townships' order) and the total over
// all secretaries (not an average of the townships' rates); targetHours is the year's
// 学时 target.
func Summarize(townships []Township, secs []Secretary, target, targetHours float64) ([]Summary, Summary) {
	idx := make(map[int64]int, len(townships))
	accs := make([]acc, len(townships))
	for i, t := range townships {
		idx[t.ID] = i
		accs[i].TownshipID, accs[i].Name = t.ID, t.Name
	}
	total := acc{Summary: Summary{Name: "全县合计"}}
	for i := range secs {
		s := &secs[i]
		if j, ok := idx[s.TownshipID]; ok {
			accs[j].add(s, targetHours)
		}
		total.add(s, targetHours)
	}
	rows := make([]Summary, len(accs))
	for i := range accs {
		rows[i] = accs[i].finish(target)
	}
	return rows, total.finish(target)
}

// Rank orders townships by 必修完成率, then 通过率, then 平均得分率 (all descending); equal townships share a rank and the next rank skips (1, 2, 2, 4).
func Rank(rows []Summary) {
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	key := func(s Summary) [3]float64 { return [3]float64{s.CompletionRate, s.PassRate, s.ScoreRate} }
	less := func(a, b [3]float64) bool {
		for k := 0; k < 3; k++ {
			if a[k] != b[k] {
				return a[k] > b[k]
			}
		}
		return false
	}
	sort.SliceStable(order, func(i, j int) bool { return less(key(rows[order[i]]), key(rows[order[j]])) })
	for pos, i := range order {
		if pos > 0 && key(rows[order[pos-1]]) == key(rows[i]) {
			rows[i].Rank = rows[order[pos-1]].Rank
		} else {
			rows[i].Rank = pos + 1
		}
	}
}

// SheetNames gives each township a valid, unique worksheet name: at most 31 characters,
// none of []:*?/\, not clashing with 汇总, 未完成名单, 口径说明 or each other.
func SheetNames(townships []Township) []string {
	used := map[string]bool{sheetSummary: true, sheetMissing: true, figures.DefSheet: true}
	out := make([]string, len(townships))
	for i, t := range townships {
		base := strings.Map(func(r rune) rune {
			if strings.ContainsRune(`[]:*?/\`, r) || unicode.IsControl(r) {
				return '_'
			}
			return r
		}, strings.TrimSpace(t.Name))
		base = strings.Trim(base, "'")
		if base == "" {
			base = "乡镇" + strconv.FormatInt(t.ID, 10)
		}
		name := truncRunes(base, 31)
		for n := 2; used[name]; n++ {
			suffix := "(" + strconv.Itoa(n) + ")"
			name = truncRunes(base, 31-utf8.RuneCountInString(suffix)) + suffix
		}
		used[name] = true
		out[i] = name
	}
	return out
}

func truncRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// FormatNumber prints a score or hour count without a useless ".0".
func FormatNumber(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// Report is everything the completion page and workbook show for one year and scope.
type Report struct {
	Year        int
	Generated   time.Time
	Target      float64
	TargetHours float64 // the year's 学时 target (figures.TargetHours)
	// County is the whole county (an admin without township filter): 汇总 then ranks the
	// townships, adds the county total row and the chart. A township report shows only
	// its own row, so an organizer never sees other townships.
	County bool
	// Ranked: the county switched 排名 on (app/settings; off by default under
	// 国办函〔2026〕12号). Only a county report ranks its townships.
	Ranked      bool
	Courses     []Course
	Exams       []Exam
	Townships   []Township
	Secretaries []Secretary // grouped by township in Townships' order
	Summary     []Summary
	Total       Summary
}

// Finish computes the summary rows, total and ranks (when Ranks) from the secretaries.
func (r *Report) Finish() {
	r.Summary, r.Total = Summarize(r.Townships, r.Secretaries, r.Target, r.TargetHours)
	if r.Ranks() {
		Rank(r.Summary)
	}
}

// Ranks tells whether the report shows 排名: a county report, with ranking switched on.
func (r *Report) Ranks() bool { return r.County && r.Ranked }

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

// ASCIIName is the file name for clients that cannot read FileName, e.g.
// "zhibu-completion-2026.xlsx" or "zhibu-completion-2026-township-3.xlsx".
func (r *Report) ASCIIName() string {
	n := "zhibu-completion-" + strconv.Itoa(r.Year)
	if !r.County && len(r.Townships) == 1 {
		n += "-township-" + strconv.FormatInt(r.Townships[0].ID, 10)
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
