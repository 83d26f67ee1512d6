package reports

import (
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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
	Applies  bool // the secretary is a candidate of the exam
	Attempts int  // finished attempts
	Best     float64
	Passed   bool
}

// Taken tells whether the secretary finished at least one attempt.
func (e ExamCell) Taken() bool { return e.Attempts > 0 }

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
	Hours      float64
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

// CompletedRequired: every course required of the secretary is done, and there is at
// least one (nobody "completes" a year without required courses).
func (s *Secretary) CompletedRequired() bool {
	return allOf(s.Courses, func(c CourseCell) (bool, bool) { return c.Applies, c.Done })
}

// TookExam: finished at least one attempt of an exam of the year (参考).
func (s *Secretary) TookExam() bool {
	for _, e := range s.Exams {
		if e.Applies && e.Taken() {
			return true
		}
	}
	return false
}

// PassedExams: passed every exam of the year the secretary is a candidate of, and there
// is at least one (是否通过).
func (s *Secretary) PassedExams() bool {
	return allOf(s.Exams, func(e ExamCell) (bool, bool) { return e.Applies, e.Passed })
}

// allOf tells whether every cell that applies is met, and at least one applies.
func allOf[T any](cells []T, check func(T) (applies, met bool)) bool {
	n := 0
	for _, c := range cells {
		if applies, met := check(c); applies {
			if !met {
				return false
			}
			n++
		}
	}
	return n > 0
}

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

// Summary is one row of 汇总 (a township) or its total row (the county).
type Summary struct {
	TownshipID     int64   `json:"township_id,omitempty"`
	Name           string  `json:"name"`
	Expected       int     `json:"expected"`        // 应参训人数
	Completed      int     `json:"completed"`       // 必修完成人数
	CompletionRate float64 `json:"completion_rate"` // 完成率 = Completed / Expected
	AvgHours       float64 `json:"avg_hours"`       // 人均学时 = hours / Expected
	Examinees      int     `json:"examinees"`       // 参考人数
	ExamRate       float64 `json:"exam_rate"`       // 参考率 = Examinees / Expected
	Passed         int     `json:"passed"`          // 通过人数
	PassRate       float64 `json:"pass_rate"`       // 通过率 = Passed / Examinees
	AvgScore       float64 `json:"avg_score"`       // 平均分: mean best score over exams taken
	Tourists       int     `json:"tourists"`        // 参加考察人数
	Rank           int     `json:"rank,omitempty"`  // 排名 (county report only)
	BelowTarget    bool    `json:"below_target"`
}

// Percent is the completion rate as a whole percentage for the page's bars.
func (s Summary) Percent() int { return clampPct(s.CompletionRate) }

// PassPercent is the pass rate as a whole percentage.
func (s Summary) PassPercent() int { return clampPct(s.PassRate) }

func clampPct(r float64) int {
	p := int(r*100 + 0.5)
	if p < 0 {
		return 0
	}
	if p > 100 {
		return 100
	}
	return p
}

type acc struct {
	Summary
	hours      float64
	scoreSum   float64
	scoreCount int
}

func (a *acc) add(s *Secretary) {
	a.Expected++
	if s.CompletedRequired() {
		a.Completed++
	}
	a.hours += s.Hours
	if s.TookExam() {
		a.Examinees++
	}
	if s.PassedExams() {
		a.Passed++
	}
	for _, e := range s.Exams {
		if e.Applies && e.Taken() {
			a.scoreSum += e.Best
			a.scoreCount++
		}
	}
	if len(s.Tours) > 0 {
		a.Tourists++
	}
}

func (a *acc) finish(target float64) Summary {
	s := a.Summary
	s.CompletionRate = ratio(s.Completed, s.Expected)
	s.ExamRate = ratio(s.Examinees, s.Expected)
	s.PassRate = ratio(s.Passed, s.Examinees)
	if s.Expected > 0 {
		s.AvgHours = a.hours / float64(s.Expected)
	}
	if a.scoreCount > 0 {
		s.AvgScore = a.scoreSum / float64(a.scoreCount)
	}
	// A township without secretaries has nothing to catch up on.
	s.BelowTarget = s.Expected > 0 && s.CompletionRate < target
	return s
}

func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// Summarize computes one row per township (in the townships' order) and the total over
// all secretaries (not an average of the townships' rates).
func Summarize(townships []Township, secs []Secretary, target float64) ([]Summary, Summary) {
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
			accs[j].add(s)
		}
		total.add(s)
	}
	rows := make([]Summary, len(accs))
	for i := range accs {
		rows[i] = accs[i].finish(target)
	}
	return rows, total.finish(target)
}

// Rank orders townships by completion rate, then pass rate, then average score (all
// descending); equal townships share a rank and the next rank skips (1, 2, 2, 4).
func Rank(rows []Summary) {
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	key := func(s Summary) [3]float64 { return [3]float64{s.CompletionRate, s.PassRate, s.AvgScore} }
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
// none of []:*?/\, not clashing with 汇总 or 未完成名单 or each other.
func SheetNames(townships []Township) []string {
	used := map[string]bool{sheetSummary: true, sheetMissing: true}
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
