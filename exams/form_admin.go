package exams

import (
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// The exam form as typed: every value kept as the text the admin entered, so a form
// refused for one error comes back with everything else as it was (never reset to the
// defaults), and each error is shown beside its field.

// examForm is the exam form's values as text.
type examForm struct {
	Title, Description, OpensAt, ClosesAt string
	Duration, PassScore, Attempts         string
	MultiRule, Review                     string
	Townships                             map[int64]bool
	Rows                                  []ruleRow
	ruleRow2Index                         []int // rule index (ExamInput.Rules) → row index
	shuffleQuestions, shuffleOptions      *bool
	courseID                              *int64
}

// Shown writes a datetime-local value (2026-12-04T13:05) the way pages show times.
func (f examForm) Shown(v string) string { return strings.Replace(v, "T", " ", 1) }

// ruleRow is one draw-rule row of the form.
type ruleRow struct {
	Kind, Category, Tag, Count, Points string
	Error                              string
}

func (r ruleRow) empty() bool {
	return strings.TrimSpace(r.Category+r.Tag+r.Count+r.Points) == ""
}

// formRows is how many rule rows the form shows at least.
const formRows = 5

// newExamForm is the form of a new exam: the usual settings, empty rules.
func newExamForm() examForm {
	return examForm{Duration: "60", PassScore: "60", Attempts: "2", MultiRule: MultiStrict, Review: ReviewAfterClose,
		Townships: map[int64]bool{}, Rows: padRows(nil)}
}

// padRows keeps rows (up to MaxRules) and adds empty ones up to formRows and one spare.
func padRows(rows []ruleRow) []ruleRow {
	n := len(rows)
	for n > 0 && rows[n-1].empty() {
		n--
	}
	rows = rows[:n]
	for len(rows) < formRows || (len(rows) < MaxRules && len(rows) == n && n >= formRows) {
		rows = append(rows, ruleRow{Kind: KindSingle})
	}
	return rows
}

// examFormOf is the form of a stored exam.
func examFormOf(e *Exam) examForm {
	f := examForm{Title: e.Title, Description: e.Description,
		OpensAt: e.OpensAt.In(web.China).Format("2006-01-02T15:04"), ClosesAt: e.ClosesAt.In(web.China).Format("2006-01-02T15:04"),
		Duration: strconv.Itoa(e.DurationMinutes), PassScore: num(e.PassScore), Attempts: strconv.Itoa(e.AttemptsAllowed),
		MultiRule: e.MultiRule, Review: e.ReviewPolicy, Townships: map[int64]bool{}}
	for _, id := range e.TownshipIDs {
		f.Townships[id] = true
	}
	for _, r := range e.Rules {
		f.Rows = append(f.Rows, ruleRow{Kind: r.Kind, Category: r.Category, Tag: r.Tag, Count: strconv.Itoa(r.Count), Points: num(r.Points)})
	}
	f.Rows = padRows(f.Rows)
	sq, so := e.ShuffleQuestions, e.ShuffleOptions
	f.shuffleQuestions, f.shuffleOptions = &sq, &so
	if e.CourseID.Valid {
		id := e.CourseID.Int64
		f.courseID = &id
	}
	return f
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// examFormFrom reads the posted form.
func examFormFrom(c *fiber.Ctx) examForm {
	f := examForm{Title: c.FormValue("title"), Description: c.FormValue("description"), OpensAt: c.FormValue("opens_at"),
		ClosesAt: c.FormValue("closes_at"), Duration: c.FormValue("duration_minutes"), PassScore: c.FormValue("pass_score"),
		Attempts: c.FormValue("attempts_allowed"), MultiRule: c.FormValue("multi_rule"), Review: c.FormValue("review_policy"),
		Townships: map[int64]bool{}}
	for _, v := range c.Request().PostArgs().PeekMulti("township_id") {
		if id, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			f.Townships[id] = true
		}
	}
	for i := 0; i < MaxRules; i++ {
		k := strconv.Itoa(i)
		f.Rows = append(f.Rows, ruleRow{Kind: c.FormValue("kind" + k), Category: strings.TrimSpace(c.FormValue("category" + k)),
			Tag: strings.TrimSpace(c.FormValue("tag" + k)), Count: strings.TrimSpace(c.FormValue("count" + k)),
			Points: strings.TrimSpace(c.FormValue("points" + k))})
	}
	f.Rows = padRows(f.Rows)
	return f
}

// Input is the operation's input; unreadable numbers become values the validation
// refuses (-1, NaN), never a silent 0. Every non-empty row is a rule.
func (f *examForm) Input() ExamInput {
	atoi := func(v string) int {
		v = strings.TrimSpace(v)
		n, err := strconv.Atoi(v)
		if err != nil && v != "" {
			return -1
		}
		return n
	}
	atof := func(v string) float64 {
		v = strings.TrimSpace(v)
		x, err := strconv.ParseFloat(v, 64)
		if err != nil && v != "" {
			return math.NaN()
		}
		return x
	}
	in := ExamInput{Title: f.Title, Description: f.Description, OpensAt: f.OpensAt, ClosesAt: f.ClosesAt,
		DurationMinutes: atoi(f.Duration), PassScore: atof(f.PassScore), AttemptsAllowed: atoi(f.Attempts),
		MultiRule: f.MultiRule, ReviewPolicy: f.Review, ShuffleQuestions: f.shuffleQuestions, ShuffleOptions: f.shuffleOptions,
		CourseID: f.courseID}
	if strings.TrimSpace(f.Attempts) == "" {
		in.AttemptsAllowed = -1 // an emptied field is an error, not the default
	}
	for id := range f.Townships {
		in.TownshipIDs = append(in.TownshipIDs, id)
	}
	f.ruleRow2Index = nil
	for i, r := range f.Rows {
		if r.empty() {
			continue
		}
		count := atoi(r.Count)
		in.Rules = append(in.Rules, Rule{Kind: r.Kind, Category: r.Category, Tag: r.Tag, Count: count, Points: atof(r.Points)})
		f.ruleRow2Index = append(f.ruleRow2Index, i)
	}
	return in
}

// placeErrors puts the errors of "rules[i]" beside their rows and returns the others.
func (f *examForm) placeErrors(fields map[string]string) map[string]string {
	rest := map[string]string{}
	for k, v := range fields {
		var i int
		if n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(k, "rules["), "]")); err == nil && strings.HasPrefix(k, "rules[") {
			i = n
			if i >= 0 && i < len(f.ruleRow2Index) {
				f.Rows[f.ruleRow2Index[i]].Error = v
				continue
			}
		}
		rest[k] = v
	}
	return rest
}
