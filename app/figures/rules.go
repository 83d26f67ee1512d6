package figures

import (
	"math"
	"sort"
	"strconv"
)

// DefaultTargetHours is the year's 学时 target when course_years has no row for it.
const DefaultTargetHours = 50.0

// Sitting is one candidate's result in one exam: finished attempts, the best finished
// score, the exam's full marks and whether a finished attempt passed (the best counts).
type Sitting struct {
	Finished int
	Best     float64
	Full     float64
	Passed   bool
}

// Taken: 参考 — at least one finished attempt; an attempt still open does not count.
func (s Sitting) Taken() bool { return s.Finished > 0 }

// Person is one active secretary's year: the 必修 courses that apply to them and how many
// of those are done, 学时, their exams of the year and whether they joined a tour. Build
// it with Require and Sit.
type Person struct {
	Required, Done  int
	Online, Offline float64 // 学时 of the ledger; Hours is their sum
	Hours           float64
	Toured          bool
	exams, taken    int // exams of the year they are a candidate of; of those, taken
	passed          int
	rateSum         float64 // best ÷ full marks over exams taken (with full marks > 0)
	rated           int
}

// Require records one 必修 course of the year that applies to the person.
func (p *Person) Require(done bool) {
	p.Required++
	if done {
		p.Done++
	}
}

// Sit records one exam of the year the person is a candidate of.
func (p *Person) Sit(s Sitting) {
	p.exams++
	if s.Passed {
		p.passed++
	}
	if !s.Taken() {
		return
	}
	p.taken++
	if s.Full > 0 {
		p.rateSum += s.Best / s.Full
		p.rated++
	}
}

// CompletedRequired: every 必修 course that applies is done, and at least one applies —
// nobody completes a year in which no 必修 course applies to them (Completed's 口径).
func (p Person) CompletedRequired() bool { return p.Required > 0 && p.Done >= p.Required }

// Candidate: a candidate of at least one exam of the year (应考).
func (p Person) Candidate() bool { return p.exams > 0 }

// TookExam: took at least one exam of the year they are a candidate of (参考).
func (p Person) TookExam() bool { return p.taken > 0 }

// PassedExams: passed every exam of the year they are a candidate of, and there is one.
func (p Person) PassedExams() bool { return p.exams > 0 && p.passed == p.exams }

// Year is the figures of a year over a set of people (a township, the county, a branch
// kind). Add people, then Finish; the JSON names are the report API's.
type Year struct {
	Expected       int     `json:"expected"`
	Completed      int     `json:"completed"`
	CompletionRate float64 `json:"completion_rate"`
	HoursOnline    float64 `json:"hours_online"`
	HoursOffline   float64 `json:"hours_offline"`
	HoursTotal     float64 `json:"hours_total"`
	AvgHours       float64 `json:"avg_hours"`
	HoursMet       int     `json:"hours_met"`
	HoursMetRate   float64 `json:"hours_met_rate"`
	Candidates     int     `json:"candidates"`
	Examinees      int     `json:"examinees"`
	ExamRate       float64 `json:"exam_rate"`
	Passed         int     `json:"passed"`
	PassRate       float64 `json:"pass_rate"`
	ScoreRate      float64 `json:"score_rate"`
	Tourists       int     `json:"tourists"`
	rateSum        float64
	rated          int
}

// Add counts one active secretary; targetHours is the year's 学时 target.
func (y *Year) Add(p *Person, targetHours float64) {
	y.Expected++
	if p.CompletedRequired() {
		y.Completed++
	}
	y.HoursOnline += p.Online
	y.HoursOffline += p.Offline
	y.HoursTotal += p.Hours
	if MetTarget(p.Hours, targetHours) {
		y.HoursMet++
	}
	if p.Candidate() {
		y.Candidates++
	}
	if p.TookExam() {
		y.Examinees++
	}
	if p.PassedExams() {
		y.Passed++
	}
	y.rateSum += p.rateSum
	y.rated += p.rated
	if p.Toured {
		y.Tourists++
	}
}

// Finish computes the rates from the counts.
func (y *Year) Finish() {
	y.CompletionRate = Rate(y.Completed, y.Expected)
	y.AvgHours = Mean(y.HoursTotal, y.Expected)
	y.HoursMetRate = Rate(y.HoursMet, y.Expected)
	y.ExamRate = Rate(y.Examinees, y.Candidates)
	y.PassRate = Rate(y.Passed, y.Candidates)
	y.ScoreRate = Mean(y.rateSum, y.rated)
}

// Exam is the figures of one exam over a set of candidates. Add every candidate, then
// Finish; the JSON names are the results API's.
type Exam struct {
	Candidates    int     `json:"candidates"`
	Examinees     int     `json:"examinees"`
	ExamRate      float64 `json:"exam_rate"`
	Passed        int     `json:"passed"`
	PassRate      float64 `json:"pass_rate"`
	TakenPassRate float64 `json:"taken_pass_rate"`
	AvgScore      float64 `json:"avg_score"`
	scoreSum      float64
}

// Add counts one candidate.
func (e *Exam) Add(s Sitting) {
	e.Candidates++
	if s.Taken() {
		e.Examinees++
		e.scoreSum += s.Best
		if s.Passed {
			e.Passed++
		}
	}
}

// Finish computes the rates and the mean from the counts.
func (e *Exam) Finish() {
	e.ExamRate = Rate(e.Examinees, e.Candidates)
	e.PassRate = Rate(e.Passed, e.Candidates)
	e.TakenPassRate = Rate(e.Passed, e.Examinees)
	e.AvgScore = Mean(e.scoreSum, e.Examinees)
}

// MetTarget is the one rule of 学时达标: a year's 学时 reach the target, compared in
// hundredths of an hour so that 0.1 + 0.2 学时 meet a target of 0.3.
func MetTarget(hours, target float64) bool {
	return math.Round(hours*100) >= math.Round(target*100)
}

// Rate is n ÷ d, and 0 when d is 0 (nobody to count).
func Rate(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// Mean is sum ÷ n, and 0 when n is 0.
func Mean(sum float64, n int) float64 {
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// Pct shows a rate the way every screen does: one decimal, e.g. "29.2%".
func Pct(r float64) string { return strconv.FormatFloat(r*100, 'f', 1, 64) + "%" }

// Num shows a mean (学时, 分) with one decimal, e.g. "12.5".
func Num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// Bar is a rate as a whole percentage from 0 to 100, for progress bars.
func Bar(r float64) int { return int(math.Max(0, math.Min(100, math.Floor(r*100+0.5)))) }

// BranchKinds are the branch kinds in the order reports list them (the kinds of
// migrations/00001_foundation.sql).
var BranchKinds = []string{"机关", "社区", "农村", "企业", "学校", "事业单位", "联合", "产业", "其他"}

// KindYear is a Year of the people of one branch kind (支部类型).
type KindYear struct {
	Kind string `json:"kind"`
	Year
}

// Kinds breaks a Year down by branch kind.
type Kinds struct {
	idx  map[string]int
	rows []KindYear
}

// Add counts one secretary of a branch of the given kind.
func (k *Kinds) Add(kind string, p *Person, targetHours float64) {
	if k.idx == nil {
		k.idx = map[string]int{}
	}
	i, ok := k.idx[kind]
	if !ok {
		i = len(k.rows)
		k.idx[kind] = i
		k.rows = append(k.rows, KindYear{Kind: kind})
	}
	k.rows[i].Add(p, targetHours)
}

// Finish returns the kinds that have people, in BranchKinds' order (others after, by name).
func (k *Kinds) Finish() []KindYear {
	order := make(map[string]int, len(BranchKinds))
	for i, b := range BranchKinds {
		order[b] = i
	}
	pos := func(kind string) int {
		if i, ok := order[kind]; ok {
			return i
		}
		return len(BranchKinds)
	}
	out := append([]KindYear(nil), k.rows...)
	sort.SliceStable(out, func(i, j int) bool {
		if pi, pj := pos(out[i].Kind), pos(out[j].Kind); pi != pj {
			return pi < pj
		}
		return out[i].Kind < out[j].Kind
	})
	for i := range out {
		out[i].Finish()
	}
	return out
}
