// Package reports builds the completion report of a year — the numbers on the /admin/reports
// page and the Excel workbook departments use for 督查 — from one query path, plus the
// per-exam results workbook. Workbooks are written with excelize's StreamWriter.
package reports

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lib/pq"
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

// Assignment makes a course 必修 for a year: for everybody, for some townships or for
// some branch kinds (columns of course_assignments).
type Assignment struct {
	CourseID  int64          `db:"course_id"`
	Scope     string         `db:"scope"`
	Townships pq.Int64Array  `db:"township_ids"`
	Kinds     pq.StringArray `db:"branch_kinds"`
}

// Applies tells whether the assignment concerns a secretary of the township and branch kind.
func (a Assignment) Applies(townshipID int64, kind string) bool {
	switch a.Scope {
	case "all":
		return true
	case "townships":
		return slices.Contains(a.Townships, townshipID)
	case "kinds":
		return slices.Contains(a.Kinds, kind)
	}
	return false
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
	n := 0
	for _, c := range s.Courses {
		if c.Applies {
			if !c.Done {
				return false
			}
			n++
		}
	}
	return n > 0
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
	n := 0
	for _, e := range s.Exams {
		if e.Applies {
			if !e.Passed {
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

// DisplayWidth is the width of text in Excel column units: CJK and other wide
// characters count 2, everything else 1.
func DisplayWidth(s string) int {
	w := 0
	for _, r := range s {
		if isWide(r) {
			w += 2
		} else {
			w++
		}
	}
	return w
}

func isWide(r rune) bool {
	return unicode.Is(unicode.Han, r) ||
		(r >= 0x3000 && r <= 0x303f) || // CJK punctuation
		(r >= 0xff00 && r <= 0xffef) || // full-width forms
		(r >= 0x2e80 && r <= 0x2fdf) || (r >= 0x3040 && r <= 0x30ff) || (r >= 0xac00 && r <= 0xd7af) ||
		r == '√' || r == '×' || r == '✓' || r == '✗' || r == '—' || r == '…'
}

// ColumnWidth is the Excel width for a column whose longest cell has display width w:
// a little padding, at least 6 and at most 60 (longer text is cut visually, not lost).
func ColumnWidth(w int) float64 {
	width := float64(w) + 2
	if width < 6 {
		width = 6
	}
	if width > 60 {
		width = 60
	}
	return width
}

// FormatNumber prints a score or hour count without a useless ".0".
func FormatNumber(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
