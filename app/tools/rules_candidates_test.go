package tools

import (
	"strings"
	"testing"
	"time"

	"zhibu/app/web"
)

func day(s string) time.Time {
	t, ok := web.ParseDate(s)
	if !ok {
		panic("bad test date " + s)
	}
	return t
}

// chain is the facts of steps 1..last: the dates given by step number, each missing step
// on the date of the step before it (so the order is right and only the named rule is
// tested).
func chain(last int, given map[int]string) CandidateFacts {
	var f CandidateFacts
	prev := ""
	for no := 1; no <= last; no++ {
		if s, ok := given[no]; ok {
			prev = s
		}
		f.Dates[no] = day(prev)
	}
	return f
}

// violations lists the violations of a plan naming rule.
func violations(p CandidatePlan, rule string) []CandidateViolation {
	var out []CandidateViolation
	for _, v := range p.Violations {
		if v.Rule == rule {
			out = append(out, v)
		}
	}
	return out
}

type want struct {
	rule     string // "" : no violation at all
	level    string
	step     int
	contains string
}

func checkViolations(t *testing.T, p CandidatePlan, w want) {
	t.Helper()
	if w.rule == "" {
		if len(p.Violations) != 0 {
			t.Fatalf("want no violation, got %+v", p.Violations)
		}
		return
	}
	vs := violations(p, w.rule)
	if len(vs) != 1 || len(p.Violations) != 1 {
		t.Fatalf("want one violation of %q, got %+v", w.rule, p.Violations)
	}
	v := vs[0]
	if v.Level != w.level || v.Step != w.step || !strings.Contains(v.Message, w.contains) {
		t.Fatalf("violation %+v, want level %s step %d containing %q", v, w.level, w.step, w.contains)
	}
}

func TestPlusMonths(t *testing.T) {
	for _, tc := range []struct {
		from   string
		months int
		want   string
	}{
		{"2026-01-15", 1, "2026-02-15"},
		{"2026-01-31", 1, "2026-02-28"},
		{"2028-01-31", 1, "2028-02-29"},
		{"2024-02-29", 12, "2025-02-28"},
		{"2026-08-31", 6, "2027-02-28"},
		{"2026-11-30", 3, "2027-02-28"},
		{"2026-03-10", 18, "2027-09-10"},
	} {
		if got := isoDay(plusMonths(day(tc.from), tc.months)); got != tc.want {
			t.Errorf("%s + %d months = %s, want %s", tc.from, tc.months, got, tc.want)
		}
	}
}

// 谈话 within 1 month of the application, recorded or still pending.
func TestPlanTalk(t *testing.T) {
	for _, tc := range []struct {
		name  string
		talk  string // "" : not yet
		today string
		want
		overdue bool
	}{
		{name: "same day", talk: "2026-01-31", today: "2026-06-01"},
		{name: "last allowed day (month end)", talk: "2026-02-28", today: "2026-06-01"},
		{name: "one day late", talk: "2026-03-01", today: "2026-06-01",
			want: want{DevRuleTalk, ViolationError, stepTalk, "最迟应在 2026-02-28"}},
		{name: "pending, due today", today: "2026-02-28"},
		{name: "pending, overdue", today: "2026-03-01", overdue: true,
			want: want{DevRuleTalk, ViolationError, stepTalk, "还没有谈话"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := chain(1, map[int]string{1: "2026-01-31"})
			if tc.talk != "" {
				f.Dates[stepTalk] = day(tc.talk)
			}
			p := PlanCandidate(f, day(tc.today))
			checkViolations(t, p, tc.want)
			if tc.talk == "" {
				if p.Next == nil || p.Next.No != stepTalk || p.Next.Deadline != "2026-02-28" || p.Next.Overdue != tc.overdue || p.Next.Rule != DevRuleTalk {
					t.Fatalf("next: %+v", p.Next)
				}
			}
		})
	}
}

// 发展对象 only after a year or more as 积极分子.
func TestPlanCandidateYear(t *testing.T) {
	for _, tc := range []struct {
		name, candidate string
		want
	}{
		{name: "a year to the day (leap day)", candidate: "2025-02-28"},
		{name: "more than a year", candidate: "2025-06-01"},
		{name: "one day short", candidate: "2025-02-27",
			want: want{DevRuleCandidate, ViolationError, stepCandidate, "最早应在 2025-02-28"}},
		{name: "same day as activist", candidate: "2024-02-29",
			want: want{DevRuleCandidate, ViolationError, stepCandidate, "不满一年"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := chain(stepCandidate, map[int]string{1: "2023-10-01", 3: "2024-02-29", stepCandidate: tc.candidate})
			checkViolations(t, PlanCandidate(f, day("2026-01-01")), tc.want)
		})
	}
	// Pending: the earliest day, and a 积极分子 made soon after the application is no
	// violation (the waiting time is local).
	f := chain(6, map[int]string{1: "2024-02-01", 3: "2024-02-29"})
	p := PlanCandidate(f, day("2024-06-01"))
	checkViolations(t, p, want{})
	if p.Next == nil || p.Next.No != stepCandidate || p.Next.Earliest != "2025-02-28" || p.Next.Deadline != "" || p.Next.Overdue {
		t.Fatalf("next: %+v", p.Next)
	}
}

// 集中培训: not less than three days or 24 学时; left out, no admission.
func TestPlanTraining(t *testing.T) {
	for _, tc := range []struct {
		name string
		tr   CandidateTraining
		want
	}{
		{name: "three days", tr: CandidateTraining{Days: 3}},
		{name: "24 hours in two days", tr: CandidateTraining{Days: 2, Hours: 24}},
		{name: "not filled in", tr: CandidateTraining{}},
		{name: "two days", tr: CandidateTraining{Days: 2},
			want: want{DevRuleTraining, ViolationError, stepTraining, "不足三天"}},
		{name: "two days, 23 hours", tr: CandidateTraining{Days: 2, Hours: 23},
			want: want{DevRuleTraining, ViolationError, stepTraining, "2 天、 23 学时"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := chain(stepTraining, map[int]string{1: "2024-01-01", 3: "2024-03-01", stepCandidate: "2025-03-01"})
			f.Training = tc.tr
			checkViolations(t, PlanCandidate(f, day("2026-01-01")), tc.want)
		})
	}
	// Admitted without a training date.
	f := chain(stepAdmitMeeting, map[int]string{1: "2024-01-01", 3: "2024-03-01", stepCandidate: "2025-03-01"})
	f.Dates[stepTraining] = time.Time{}
	p := PlanCandidate(f, day("2025-04-01"))
	if len(violations(p, DevRuleNoTraining)) != 1 || len(violations(p, DevRuleOrder)) != 1 || p.Next.No != stepTraining {
		t.Fatalf("no training: %+v next %+v", p.Violations, p.Next)
	}
}

// 审批 within 3 months of the 支部大会; a special case may take longer, never over 6.
func TestPlanApproval(t *testing.T) {
	base := map[int]string{1: "2024-01-01", 3: "2024-03-01", stepCandidate: "2025-03-01", stepAdmitMeeting: "2025-10-15"}
	for _, tc := range []struct {
		name, approval, today string
		want
		overdue bool
	}{
		{name: "within 3 months", approval: "2026-01-15", today: "2026-06-01"},
		{name: "one day over 3 months", approval: "2026-01-16", today: "2026-06-01",
			want: want{DevRuleApproval, ViolationWarning, stepApproval, "只有特殊情况"}},
		{name: "6 months to the day", approval: "2026-04-15", today: "2026-06-01",
			want: want{DevRuleApproval, ViolationWarning, stepApproval, "超过3个月"}},
		{name: "over the 6-month cap", approval: "2026-04-16", today: "2026-06-01",
			want: want{DevRuleApproval, ViolationError, stepApproval, "超过6个月，最迟应在 2026-04-15"}},
		{name: "pending within 3 months", today: "2026-01-15"},
		{name: "pending past 3 months", today: "2026-01-16", overdue: true,
			want: want{DevRuleApproval, ViolationWarning, stepApproval, "还没有审批"}},
		{name: "pending past 6 months", today: "2026-04-16", overdue: true,
			want: want{DevRuleApproval, ViolationError, stepApproval, "已超过6个月"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := chain(stepAdmitMeeting, base)
			f.Dates[stepPartyTalk] = day("2025-11-01")
			if tc.approval != "" {
				f.Dates[stepApproval] = day(tc.approval)
			}
			p := PlanCandidate(f, day(tc.today))
			checkViolations(t, p, tc.want)
			if tc.approval == "" {
				n := p.Next
				if n == nil || n.No != stepApproval || n.Deadline != "2026-01-15" || n.Latest != "2026-04-15" || n.Overdue != tc.overdue {
					t.Fatalf("next: %+v", n)
				}
			}
		})
	}
	// The 上级党委派人谈话 before the approval already shows the approval's deadline.
	p := PlanCandidate(chain(stepAdmitMeeting, base), day("2025-11-01"))
	if p.Next == nil || p.Next.No != stepPartyTalk || p.Next.Deadline != "2026-01-15" || p.Next.Latest != "2026-04-15" {
		t.Fatalf("party talk next: %+v", p.Next)
	}
}

// 预备期: one year from the 支部大会; 转正 not before it ends; an extension once, ½–1 year.
func TestPlanProbationAndExtension(t *testing.T) {
	base := map[int]string{1: "2023-01-01", 3: "2023-03-01", stepCandidate: "2024-03-01", stepAdmitMeeting: "2025-03-10", stepApproval: "2025-04-01"}
	ext := func(on string, months int) CandidateExtension {
		return CandidateExtension{DecidedOn: day(on), Months: months}
	}
	for _, tc := range []struct {
		name       string
		exts       []CandidateExtension
		fullApply  string // "" : the 转正申请 is the next step
		ends       string
		earliest   string
		violations []want
	}{
		{name: "applies the day the year ends", fullApply: "2026-03-10", ends: "2026-03-10"},
		{name: "applies a day early", fullApply: "2026-03-09", ends: "2026-03-10",
			violations: []want{{DevRuleProbation, ViolationError, stepFullApply, "预备期到 2026-03-10 期满"}}},
		{name: "pending", ends: "2026-03-10", earliest: "2026-03-10"},
		{name: "extended half a year", exts: []CandidateExtension{ext("2026-03-12", 6)}, ends: "2026-09-10", earliest: "2026-09-10"},
		{name: "extended a year", exts: []CandidateExtension{ext("2026-03-12", 12)}, fullApply: "2027-03-10", ends: "2027-03-10"},
		{name: "applies before the extension ends", exts: []CandidateExtension{ext("2026-03-12", 6)}, fullApply: "2026-09-09", ends: "2026-09-10",
			violations: []want{{DevRuleProbation, ViolationError, stepFullApply, "2026-09-10"}}},
		{name: "extended less than half a year", exts: []CandidateExtension{ext("2026-03-12", 5)}, ends: "2026-08-10", earliest: "2026-08-10",
			violations: []want{{DevRuleExtension, ViolationError, 0, "少于半年"}}},
		{name: "extended more than a year", exts: []CandidateExtension{ext("2026-03-12", 13)}, ends: "2027-04-10", earliest: "2027-04-10",
			violations: []want{{DevRuleExtension, ViolationError, 0, "超过一年"}}},
		{name: "extended twice", exts: []CandidateExtension{ext("2026-03-12", 6), ext("2026-09-12", 6)}, ends: "2026-09-10", earliest: "2026-09-10",
			violations: []want{{DevRuleExtension, ViolationError, 0, "只能延长一次"}}},
		{name: "extension decided before admission", exts: []CandidateExtension{ext("2025-03-01", 6)}, ends: "2026-09-10", earliest: "2026-09-10",
			violations: []want{{DevRuleOrder, ViolationError, 0, "早于接收预备党员的支部大会"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := chain(stepProbation, base)
			f.Extensions = tc.exts
			if tc.fullApply != "" {
				f.Dates[stepFullApply] = day(tc.fullApply)
			}
			p := PlanCandidate(f, day("2027-06-01"))
			if p.ProbationEnds != tc.ends {
				t.Fatalf("probation ends %s, want %s", p.ProbationEnds, tc.ends)
			}
			if len(p.Violations) != len(tc.violations) {
				t.Fatalf("violations %+v, want %+v", p.Violations, tc.violations)
			}
			for i, w := range tc.violations {
				v := p.Violations[i]
				if v.Rule != w.rule || v.Level != w.level || v.Step != w.step || !strings.Contains(v.Message, w.contains) {
					t.Fatalf("violation %+v, want %+v", v, w)
				}
			}
			if tc.fullApply == "" {
				if p.Next == nil || p.Next.No != stepFullApply || p.Next.Earliest != tc.earliest || p.Next.Rule != DevRuleProbation {
					t.Fatalf("next: %+v", p.Next)
				}
			}
		})
	}
}

// 转正 审批 within 3 months of the 支部大会 that discussed it.
func TestPlanFullApproval(t *testing.T) {
	base := map[int]string{1: "2023-01-01", 3: "2023-03-01", stepCandidate: "2024-03-01", stepAdmitMeeting: "2025-03-10",
		stepFullApply: "2026-03-10", stepFullMeeting: "2026-03-20"}
	for _, tc := range []struct {
		name, approval, today string
		want
	}{
		{name: "within 3 months", approval: "2026-06-20", today: "2026-12-01"},
		{name: "late", approval: "2026-06-21", today: "2026-12-01",
			want: want{DevRuleFullApproval, ViolationError, stepFullApproval, "最迟应在 2026-06-20"}},
		{name: "pending in time", today: "2026-06-20"},
		{name: "pending and late", today: "2026-06-21",
			want: want{DevRuleFullApproval, ViolationError, stepFullApproval, "还没有审批"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := chain(stepFullMeeting, base)
			if tc.approval != "" {
				f.Dates[stepFullApproval] = day(tc.approval)
			}
			p := PlanCandidate(f, day(tc.today))
			checkViolations(t, p, tc.want)
			if tc.approval == "" && (p.Next == nil || p.Next.No != stepFullApproval || p.Next.Deadline != "2026-06-20") {
				t.Fatalf("next: %+v", p.Next)
			}
		})
	}
}

// The 25 steps in 5 stages: done, the one next, the rest not yet; order problems and
// steps left out are violations; local rules are notes, never violations.
func TestPlanStepsAndOrder(t *testing.T) {
	if len(DevSteps) != 25 || len(DevStages) != 5 {
		t.Fatalf("%d steps, %d stages", len(DevSteps), len(DevStages))
	}
	perStage := map[int]int{}
	for i, s := range DevSteps {
		if s.No != i+1 {
			t.Fatalf("step %d numbered %d", i+1, s.No)
		}
		perStage[s.Stage]++
	}
	if perStage[1] != 2 || perStage[2] != 4 || perStage[3] != 5 || perStage[4] != 7 || perStage[5] != 7 {
		t.Fatalf("steps per stage: %v", perStage)
	}

	// Nothing recorded: step 1 is next, nothing is broken.
	p := PlanCandidate(CandidateFacts{}, day("2026-01-01"))
	if p.Done != 0 || p.Next == nil || p.Next.No != 1 || p.Stages[0].Steps[0].Status != StepNext || p.Stages[4].Steps[6].Status != StepTodo || len(p.Violations) != 0 {
		t.Fatalf("empty plan: %+v", p)
	}

	// All 25, in order: no next step.
	all := chain(NumDevSteps, map[int]string{1: "2022-01-01", 3: "2022-03-01", stepCandidate: "2023-03-01", stepAdmitMeeting: "2024-01-10",
		stepFullApply: "2025-01-10"})
	p = PlanCandidate(all, day("2026-01-01"))
	if p.Done != 25 || p.Next != nil || len(p.Violations) != 0 {
		t.Fatalf("complete plan: done %d next %+v violations %+v", p.Done, p.Next, p.Violations)
	}

	// A date earlier than the step before it.
	f := chain(6, map[int]string{1: "2026-01-05"})
	f.Dates[5] = day("2026-01-04")
	p = PlanCandidate(f, day("2026-02-01"))
	checkViolations(t, p, want{DevRuleOrder, ViolationError, 5, "第5步「指定培养联系人」的日期（2026-01-04）早于第4步「上级党委备案」（2026-01-05）"})
	if p.Next.No != stepCandidate || p.Done != 6 {
		t.Fatalf("next %+v done %d", p.Next, p.Done)
	}

	// Steps left out before a dated one: one violation naming them, the first is next.
	f = chain(6, map[int]string{1: "2026-01-05"})
	f.Dates[4], f.Dates[5] = time.Time{}, time.Time{}
	p = PlanCandidate(f, day("2026-02-01"))
	checkViolations(t, p, want{DevRuleOrder, ViolationError, 4, "第4、5步还没有填日期，后面的第6步「培养教育考察」已经填了"})
	if p.Next.No != 4 || p.Stages[1].Steps[1].Status != StepNext || !p.Stages[1].Steps[1].Broken || p.Stages[1].Steps[2].Status != StepTodo {
		t.Fatalf("next %+v stage 2 %+v", p.Next, p.Stages[1].Steps)
	}

	// Local rules: shown on their steps as notes, never as rules or deadlines.
	p = PlanCandidate(chain(2, map[int]string{1: "2026-01-05"}), day("2026-01-06"))
	if p.Next.No != stepActivist || !strings.Contains(p.Next.Local, LocalRuleNote) || p.Next.Earliest != "" || p.Next.Deadline != "" {
		t.Fatalf("activist next: %+v", p.Next)
	}
	notes := 0
	for _, st := range p.Stages {
		for _, s := range st.Steps {
			if s.Local != "" {
				notes++
				if !strings.HasSuffix(s.Local, "各地规定不同，请按本地要求") {
					t.Fatalf("local note of step %d: %q", s.No, s.Local)
				}
			}
		}
	}
	if notes != 4 {
		t.Fatalf("%d local notes", notes)
	}
}

// Input: dates are days up to today; bad input is refused by field; order is not checked.
func TestCandidateInputCheck(t *testing.T) {
	today := day("2026-12-04")
	ok := CandidateInput{Name: " 小李 ", Dates: map[string]string{"apply": "2026-01-05", "talk": "2025-12-01", "activist": ""},
		Extensions: []ExtensionInput{{}, {DecidedOn: "2026-03-01", Months: 6}}}
	clean, f, err := ok.Check(today)
	if err != nil || clean.Name != "小李" || len(clean.Dates) != 2 || len(clean.Extensions) != 1 || f.Dates[stepTalk] != day("2025-12-01") || len(f.Extensions) != 1 {
		t.Fatalf("good input: %v %+v %+v", err, clean, f)
	}
	for _, tc := range []struct {
		name  string
		in    CandidateInput
		field string
	}{
		{"no name", CandidateInput{Name: "  "}, "name"},
		{"long name", CandidateInput{Name: strings.Repeat("李", 21)}, "name"},
		{"ID number as name", CandidateInput{Name: "11010519491231002X"}, "name"},
		{"phone in note", CandidateInput{Name: "小李", Note: "电话 138 0013 8000"}, "note"},
		{"NUL in name", CandidateInput{Name: "小\x00李"}, "name"},
		{"NUL in note", CandidateInput{Name: "小李", Note: "a\x00"}, "note"},
		{"long note", CandidateInput{Name: "小李", Note: strings.Repeat("字", 501)}, "note"},
		{"future date", CandidateInput{Name: "小李", Dates: map[string]string{"apply": "2026-12-05"}}, "dates.apply"},
		{"not a date", CandidateInput{Name: "小李", Dates: map[string]string{"apply": "2026/01/05"}}, "dates.apply"},
		{"impossible date", CandidateInput{Name: "小李", Dates: map[string]string{"apply": "2026-02-30"}}, "dates.apply"},
		{"ancient date", CandidateInput{Name: "小李", Dates: map[string]string{"apply": "1900-01-01"}}, "dates.apply"},
		{"NUL in date", CandidateInput{Name: "小李", Dates: map[string]string{"apply": "2026-01-05\x00"}}, "dates.apply"},
		{"unknown step", CandidateInput{Name: "小李", Dates: map[string]string{"coup": "2026-01-05"}}, "dates.coup"},
		{"NUL in step key", CandidateInput{Name: "小李", Dates: map[string]string{"a\x00": "2026-01-05"}}, "dates"},
		{"negative training", CandidateInput{Name: "小李", Training: CandidateTraining{Days: -1}}, "training.days"},
		{"huge training", CandidateInput{Name: "小李", Training: CandidateTraining{Hours: 501}}, "training.hours"},
		{"three extensions", CandidateInput{Name: "小李", Extensions: make([]ExtensionInput, 3)}, "extensions"},
		{"extension without date", CandidateInput{Name: "小李", Extensions: []ExtensionInput{{Months: 6}}}, "extensions.0.decided_on"},
		{"extension without months", CandidateInput{Name: "小李", Extensions: []ExtensionInput{{DecidedOn: "2026-01-01"}}}, "extensions.0.months"},
		{"extension in the future", CandidateInput{Name: "小李", Extensions: []ExtensionInput{{DecidedOn: "2027-01-01", Months: 6}}}, "extensions.0.decided_on"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := tc.in.Check(today)
			we := web.AsError(err)
			if err == nil || we.Status != 422 || we.Fields[tc.field] == "" {
				t.Fatalf("err %v fields %v, want 422 naming %s", err, we.Fields, tc.field)
			}
		})
	}
}
