package tools

import (
	"fmt"
	"strings"
	"time"

	"zhibu/app/web"
)

// The 发展党员 planner's rules: the 25 steps in 5 stages of 《中国共产党发展党员工作细则》
// and the time limits among them. Only the ✅ facts of the project's domain notes (§1.1,
// §1.2) are applied as rules; what differs from place to place (公示天数, how long after
// the application a person may become 积极分子, 预审 time) is shown as LocalRuleNote, never
// applied. The wording follows the course courses/demo/01-fazhan-dangyuan.md.
//
// Every date is a calendar day in China time (web.China); "1个月", "3个月", "一年" are
// calendar months from the day (plusMonths), so 1 month after 01-31 is the last day of
// February.

// DevStage is one of the five stages.
type DevStage struct {
	No   int
	Name string
}

// DevStep is one of the 25 steps: its number, its key in the API's "dates" and its name.
type DevStep struct {
	No    int
	Key   string
	Name  string
	Stage int
}

// DevStages are the five stages, in order.
var DevStages = []DevStage{
	{1, "一、申请入党"},
	{2, "二、入党积极分子的确定和培养教育"},
	{3, "三、发展对象的确定和考察"},
	{4, "四、预备党员的接收"},
	{5, "五、预备党员的教育、考察和转正"},
}

// DevSteps are the 25 steps, in order (DevSteps[i].No == i+1).
var DevSteps = []DevStep{
	{1, "apply", "递交入党申请书", 1},
	{2, "talk", "党组织派人谈话", 1},
	{3, "activist", "推荐和确定入党积极分子", 2},
	{4, "activist_filed", "上级党委备案", 2},
	{5, "contact", "指定培养联系人", 2},
	{6, "cultivate", "培养教育考察", 2},
	{7, "candidate", "确定发展对象", 3},
	{8, "candidate_filed", "报上级党委备案", 3},
	{9, "sponsors", "确定入党介绍人", 3},
	{10, "vetting", "进行政治审查", 3},
	{11, "training", "开展集中培训", 3},
	{12, "committee_review", "支部委员会审查", 4},
	{13, "pre_review", "上级党委预审", 4},
	{14, "application_form", "填写入党志愿书", 4},
	{15, "admit_meeting", "支部大会讨论", 4},
	{16, "party_talk", "上级党委派人谈话", 4},
	{17, "approval", "上级党委审批", 4},
	{18, "approval_filed", "再上一级党委组织部门备案", 4},
	{19, "placed", "编入党支部和党小组", 5},
	{20, "oath", "入党宣誓", 5},
	{21, "probation", "继续教育考察", 5},
	{22, "full_apply", "提出转正申请", 5},
	{23, "full_meeting", "支部大会讨论", 5},
	{24, "full_approval", "上级党委审批", 5},
	{25, "archived", "材料归档", 5},
}

// The step numbers the rules name.
const (
	stepApply        = 1
	stepTalk         = 2
	stepActivist     = 3
	stepCandidate    = 7
	stepVetting      = 10
	stepTraining     = 11
	stepPreReview    = 13
	stepAdmitMeeting = 15
	stepPartyTalk    = 16
	stepApproval     = 17
	stepPlaced       = 19
	stepProbation    = 21
	stepFullApply    = 22
	stepFullMeeting  = 23
	stepFullApproval = 24
	NumDevSteps      = 25
)

// devStepByKey finds a step by its API key (ok false when unknown).
func devStepByKey(key string) (DevStep, bool) {
	for _, s := range DevSteps {
		if s.Key == key {
			return s, true
		}
	}
	return DevStep{}, false
}

// The rules, as the page and the API name them.
const (
	DevRuleTalk         = "党组织收到入党申请书后，应在1个月内派人同申请人谈话（《中国共产党发展党员工作细则》）"
	DevRuleCandidate    = "入党积极分子经过一年以上培养教育和考察，才能列为发展对象（细则第十三条）"
	DevRuleTraining     = "集中培训一般不少于三天（或不少于二十四个学时）（细则第十七条）"
	DevRuleNoTraining   = "除个别特殊情况外，未经培训的，不能发展入党（细则第十七条）"
	DevRuleVetting      = "未经政治审查或者政治审查不合格的，不能发展入党"
	DevRuleApproval     = "对支部上报的接收决议，基层党委应在3个月内审批；特殊情况可以延长，但不得超过6个月"
	DevRuleProbation    = "预备期为一年，从支部大会通过其为预备党员之日算起（党章第七条）"
	DevRuleExtension    = "延长预备期只能延长一次，时间不少于半年，最长不超过一年；延长期满仍不具备党员条件的，取消预备党员资格（细则第三十二条）"
	DevRuleFullApproval = "预备党员转正的审批时限同为3个月（细则第三十三条）"
	DevRuleOrder        = "发展党员工作分五个阶段、25个步骤，按顺序进行，哪一步都不能省"
)

// LocalRuleNote is how the planner shows a rule the 细则 leaves to each place: never as a
// deadline or a violation.
const LocalRuleNote = "各地规定不同，请按本地要求"

// devLocalNotes are the questions each place answers for itself, by step.
var devLocalNotes = map[int]string{
	stepActivist:    "递交申请书后要满多长时间才能确定为入党积极分子：" + LocalRuleNote,
	stepCandidate:   "是否公示、公示几天：" + LocalRuleNote,
	stepPreReview:   "预审的时限：" + LocalRuleNote,
	stepFullMeeting: "转正前是否公示、公示几天：" + LocalRuleNote,
}

// CandidateTraining is what was recorded of the 集中培训 (0: not filled in).
type CandidateTraining struct {
	Days  int `json:"days"`
	Hours int `json:"hours"`
}

// CandidateExtension is a decision of the 支部大会 to extend the 预备期.
type CandidateExtension struct {
	DecidedOn time.Time
	Months    int
}

// CandidateFacts are one person's recorded dates, checked (CandidateInput.CandidateFacts).
type CandidateFacts struct {
	Dates      [NumDevSteps + 1]time.Time // by step number; zero: not reached (or not recorded)
	Training   CandidateTraining
	Extensions []CandidateExtension
}

// Status of a step.
const (
	StepDone = "done" // a date is recorded
	StepNext = "next" // the first step without a date
	StepTodo = "todo" // not yet
)

// Violation levels: an error breaks a rule; a warning is allowed only in a special case
// (审批 after 3 months but within 6).
const (
	ViolationError   = "error"
	ViolationWarning = "warning"
)

// CandidateViolation is a recorded date (or a missing one, past its deadline) that breaks a rule.
type CandidateViolation struct {
	Step    int    `json:"step"` // 0: the 延长预备期 records
	Level   string `json:"level"`
	Message string `json:"message"`
	Rule    string `json:"rule"`
}

// DevStepView is one step as the planner shows it.
type DevStepView struct {
	No     int    `json:"no"`
	Key    string `json:"key"`
	Name   string `json:"name"`
	Date   string `json:"date,omitempty"`
	Status string `json:"status"`
	Local  string `json:"local,omitempty"` // a LocalRuleNote note
	Broken bool   `json:"broken"`          // a violation names this step
}

// DevStageView is one stage and its steps.
type DevStageView struct {
	No    int           `json:"no"`
	Name  string        `json:"name"`
	Steps []DevStepView `json:"steps"`
}

// DevNextStep is the first step without a date and what the rules say of its date.
type DevNextStep struct {
	No          int    `json:"no"`
	Key         string `json:"key"`
	Name        string `json:"name"`
	Deadline    string `json:"deadline,omitempty"` // the last day the rule allows
	Latest      string `json:"latest,omitempty"`   // the extended limit (审批: 6 months)
	Earliest    string `json:"earliest,omitempty"` // the first day the rule allows
	Overdue     bool   `json:"overdue"`            // today is past Deadline
	Explanation string `json:"explanation"`
	Rule        string `json:"rule,omitempty"`
	Local       string `json:"local,omitempty"`
}

// CandidatePlan is the planner's answer for one person.
type CandidatePlan struct {
	Stages        []DevStageView       `json:"stages"`
	Done          int                  `json:"done"` // steps with a date
	Next          *DevNextStep         `json:"next"` // nil when all 25 steps have dates
	Violations    []CandidateViolation `json:"violations"`
	ProbationEnds string               `json:"probation_ends,omitempty"` // 预备期满 (with the extension)
}

// chinaDay is t as a calendar day: its midnight in China time.
func chinaDay(t time.Time) time.Time {
	t = t.In(web.China)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, web.China)
}

// plusMonths is the same day n calendar months later, or the last day of that month when
// it is shorter (01-31 + 1 month = 02-28/29; 02-29 + 12 months = 02-28).
func plusMonths(d time.Time, n int) time.Time {
	d = chinaDay(d)
	first := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, web.China).AddDate(0, n, 0)
	last := first.AddDate(0, 1, -1).Day()
	day := d.Day()
	if day > last {
		day = last
	}
	return time.Date(first.Year(), first.Month(), day, 0, 0, 0, 0, web.China)
}

func isoDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(web.China).Format(web.DateLayout)
}

func devStepName(no int) string { return DevSteps[no-1].Name }

// devStepLabel is 「第N步「名称」」.
func devStepLabel(no int) string { return fmt.Sprintf("第%d步「%s」", no, devStepName(no)) }

// probationEnd is the day the 预备期 ends: one year after the 支部大会 that admitted the
// person, plus the first extension (a second one is a violation and is not counted).
// Zero when the meeting has no date.
func probationEnd(f CandidateFacts) time.Time {
	m := f.Dates[stepAdmitMeeting]
	if m.IsZero() {
		return time.Time{}
	}
	months := 12
	if len(f.Extensions) > 0 {
		months += f.Extensions[0].Months
	}
	return plusMonths(m, months)
}

// PlanCandidate applies the rules to one person's facts on the day today.
func PlanCandidate(f CandidateFacts, today time.Time) CandidatePlan {
	today = chinaDay(today)
	d := func(no int) time.Time { return f.Dates[no] }
	var vs []CandidateViolation
	add := func(step int, level, rule, format string, args ...any) {
		vs = append(vs, CandidateViolation{Step: step, Level: level, Rule: rule, Message: fmt.Sprintf(format, args...)})
	}

	// Order: a date earlier than an earlier step's date; steps left out before a dated one.
	var latest time.Time
	latestStep := 0
	var skipped []int
	for no := 1; no <= NumDevSteps; no++ {
		if d(no).IsZero() {
			skipped = append(skipped, no)
			continue
		}
		if !latest.IsZero() && d(no).Before(latest) {
			add(no, ViolationError, DevRuleOrder, "%s的日期（%s）早于%s（%s）", devStepLabel(no), isoDay(d(no)), devStepLabel(latestStep), isoDay(latest))
		} else {
			latest, latestStep = d(no), no
		}
		if len(skipped) > 0 {
			nums := make([]string, len(skipped))
			for i, s := range skipped {
				nums[i] = fmt.Sprint(s)
			}
			add(skipped[0], ViolationError, DevRuleOrder, "第%s步还没有填日期，后面的%s已经填了", strings.Join(nums, "、"), devStepLabel(no))
			for _, s := range skipped {
				if s == stepVetting {
					add(s, ViolationError, DevRuleVetting, "%s没有日期，不能往下进行", devStepLabel(s))
				}
				if s == stepTraining {
					add(s, ViolationError, DevRuleNoTraining, "%s没有日期，不能往下进行", devStepLabel(s))
				}
			}
			skipped = nil
		}
	}

	// 谈话 within 1 month of the application.
	if a := d(stepApply); !a.IsZero() {
		due := plusMonths(a, 1)
		switch t := d(stepTalk); {
		case !t.IsZero() && t.After(due):
			add(stepTalk, ViolationError, DevRuleTalk, "谈话（%s）距收到入党申请书（%s）超过1个月，最迟应在 %s", isoDay(t), isoDay(a), isoDay(due))
		case t.IsZero() && today.After(due) && laterDated(f, stepTalk) == 0:
			add(stepTalk, ViolationError, DevRuleTalk, "收到入党申请书（%s）已超过1个月，还没有谈话（最迟应在 %s）", isoDay(a), isoDay(due))
		}
	}

	// 发展对象 after at least one year as 积极分子.
	if a := d(stepActivist); !a.IsZero() {
		earliest := plusMonths(a, 12)
		if c := d(stepCandidate); !c.IsZero() && c.Before(earliest) {
			add(stepCandidate, ViolationError, DevRuleCandidate, "确定为入党积极分子是 %s，确定为发展对象（%s）时培养考察不满一年，最早应在 %s", isoDay(a), isoDay(c), isoDay(earliest))
		}
	}

	// 集中培训: at least 3 days or 24 学时.
	if tr := f.Training; !d(stepTraining).IsZero() && (tr.Days > 0 || tr.Hours > 0) && tr.Days < 3 && tr.Hours < 24 {
		add(stepTraining, ViolationError, DevRuleTraining, "集中培训记录为%s，不足三天，也不足二十四个学时", trainingText(tr))
	}

	// 审批 within 3 months of the 支部大会, at most 6.
	if m := d(stepAdmitMeeting); !m.IsZero() {
		due, cap := plusMonths(m, 3), plusMonths(m, 6)
		switch a := d(stepApproval); {
		case !a.IsZero() && a.After(cap):
			add(stepApproval, ViolationError, DevRuleApproval, "支部大会通过是 %s，审批（%s）超过6个月，最迟应在 %s", isoDay(m), isoDay(a), isoDay(cap))
		case !a.IsZero() && a.After(due):
			add(stepApproval, ViolationWarning, DevRuleApproval, "支部大会通过是 %s，审批（%s）超过3个月：只有特殊情况才可以延长，且不得超过6个月（%s）", isoDay(m), isoDay(a), isoDay(cap))
		case a.IsZero() && laterDated(f, stepApproval) > 0:
			// an order problem, reported above
		case a.IsZero() && today.After(cap):
			add(stepApproval, ViolationError, DevRuleApproval, "支部大会通过（%s）已超过6个月，还没有审批（最迟应在 %s）", isoDay(m), isoDay(cap))
		case a.IsZero() && today.After(due):
			add(stepApproval, ViolationWarning, DevRuleApproval, "支部大会通过（%s）已超过3个月，还没有审批：只有特殊情况才可以延长，且不得超过6个月（%s）", isoDay(m), isoDay(cap))
		}
	}

	// 延长预备期: once, half a year to a year.
	for i, e := range f.Extensions {
		if i == 1 {
			add(0, ViolationError, DevRuleExtension, "记录了 %d 次延长预备期，只能延长一次（第二次起不计入预备期）", len(f.Extensions))
		}
		if e.Months < 6 {
			add(0, ViolationError, DevRuleExtension, "延长预备期 %d 个月，少于半年", e.Months)
		} else if e.Months > 12 {
			add(0, ViolationError, DevRuleExtension, "延长预备期 %d 个月，超过一年", e.Months)
		}
		if m := d(stepAdmitMeeting); !m.IsZero() && e.DecidedOn.Before(m) {
			add(0, ViolationError, DevRuleOrder, "延长预备期的决定（%s）早于接收预备党员的支部大会（%s）", isoDay(e.DecidedOn), isoDay(m))
		} else if m.IsZero() {
			add(0, ViolationError, DevRuleOrder, "记录了延长预备期，但%s还没有填日期", devStepLabel(stepAdmitMeeting))
		}
	}

	// 转正 not before the 预备期 ends.
	end := probationEnd(f)
	if !end.IsZero() {
		for _, no := range []int{stepFullApply, stepFullMeeting} {
			if t := d(no); !t.IsZero() && t.Before(end) {
				add(no, ViolationError, DevRuleProbation, "%s（%s）时预备期未满：预备期到 %s 期满", devStepLabel(no), isoDay(t), isoDay(end))
			}
		}
	}

	// 转正审批 within 3 months of the 支部大会.
	if m := d(stepFullMeeting); !m.IsZero() {
		due := plusMonths(m, 3)
		switch a := d(stepFullApproval); {
		case !a.IsZero() && a.After(due):
			add(stepFullApproval, ViolationError, DevRuleFullApproval, "转正审批（%s）距支部大会讨论（%s）超过3个月，最迟应在 %s", isoDay(a), isoDay(m), isoDay(due))
		case a.IsZero() && today.After(due) && laterDated(f, stepFullApproval) == 0:
			add(stepFullApproval, ViolationError, DevRuleFullApproval, "支部大会讨论转正（%s）已超过3个月，还没有审批（最迟应在 %s）", isoDay(m), isoDay(due))
		}
	}

	p := CandidatePlan{Violations: vs, ProbationEnds: isoDay(end)}
	if p.Violations == nil {
		p.Violations = []CandidateViolation{}
	}
	broken := map[int]bool{}
	for _, v := range vs {
		broken[v.Step] = true
	}
	next := 0
	for _, st := range DevStages {
		sv := DevStageView{No: st.No, Name: st.Name}
		for _, s := range DevSteps {
			if s.Stage != st.No {
				continue
			}
			v := DevStepView{No: s.No, Key: s.Key, Name: s.Name, Date: isoDay(d(s.No)), Local: devLocalNotes[s.No], Broken: broken[s.No]}
			switch {
			case !d(s.No).IsZero():
				v.Status = StepDone
				p.Done++
			case next == 0:
				v.Status = StepNext
				next = s.No
			default:
				v.Status = StepTodo
			}
			sv.Steps = append(sv.Steps, v)
		}
		p.Stages = append(p.Stages, sv)
	}
	if next > 0 {
		p.Next = nextDevStep(f, next, end, today)
	}
	return p
}

// laterDated is the first step after no that has a date (0: none): a missing date
// followed by later ones is an order problem, not one of an overdue deadline.
func laterDated(f CandidateFacts, no int) int {
	for k := no + 1; k <= NumDevSteps; k++ {
		if !f.Dates[k].IsZero() {
			return k
		}
	}
	return 0
}

func trainingText(tr CandidateTraining) string {
	var parts []string
	if tr.Days > 0 {
		parts = append(parts, fmt.Sprintf(" %d 天", tr.Days))
	}
	if tr.Hours > 0 {
		parts = append(parts, fmt.Sprintf(" %d 学时", tr.Hours))
	}
	return strings.Join(parts, "、")
}

// nextDevStep is what the rules say of the date of step no, the first without a date.
func nextDevStep(f CandidateFacts, no int, end, today time.Time) *DevNextStep {
	s := DevSteps[no-1]
	n := &DevNextStep{No: no, Key: s.Key, Name: s.Name, Local: devLocalNotes[no]}
	d := func(k int) time.Time { return f.Dates[k] }
	deadline := func(t time.Time) {
		n.Deadline = isoDay(t)
		n.Overdue = today.After(t)
	}
	switch {
	case no == stepTalk && !d(stepApply).IsZero():
		due := plusMonths(d(stepApply), 1)
		deadline(due)
		n.Rule = DevRuleTalk
		n.Explanation = fmt.Sprintf("收到入党申请书是 %s，应在 %s 前派人谈话。", isoDay(d(stepApply)), isoDay(due))
	case no == stepActivist:
		n.Explanation = "人选通过党员推荐、群团组织推优等方式产生，由支部委员会研究决定，并报上级党委备案。"
	case no == stepCandidate && !d(stepActivist).IsZero():
		earliest := plusMonths(d(stepActivist), 12)
		n.Earliest = isoDay(earliest)
		n.Rule = DevRuleCandidate
		n.Explanation = fmt.Sprintf("确定为入党积极分子是 %s，培养考察满一年，最早 %s 可以列为发展对象。", isoDay(d(stepActivist)), isoDay(earliest))
	case no == stepTraining:
		n.Rule = DevRuleTraining
		n.Explanation = "由基层党委或县级党委组织部门组织，一般不少于三天（或不少于二十四个学时）；未经培训的，不能发展入党。"
	case (no == stepPartyTalk || no == stepApproval) && !d(stepAdmitMeeting).IsZero():
		due := plusMonths(d(stepAdmitMeeting), 3)
		deadline(due)
		n.Latest = isoDay(plusMonths(d(stepAdmitMeeting), 6))
		n.Rule = DevRuleApproval
		n.Explanation = fmt.Sprintf("支部大会通过是 %s，上级党委应在 %s 前审批（特殊情况最迟 %s）；审批前指派党委委员或组织员谈话。", isoDay(d(stepAdmitMeeting)), n.Deadline, n.Latest)
	case no >= stepPlaced && no <= stepProbation && !end.IsZero():
		n.Rule = DevRuleProbation
		n.Explanation = fmt.Sprintf("预备期到 %s 期满。", isoDay(end))
	case (no == stepFullApply || no == stepFullMeeting) && !end.IsZero():
		n.Earliest = isoDay(end)
		n.Rule = DevRuleProbation
		n.Explanation = fmt.Sprintf("预备期到 %s 期满，期满后由本人提交书面转正申请，再经支部大会讨论表决。需要继续考察的可以延长预备期，只能延长一次，不少于半年、最长不超过一年。", isoDay(end))
	case no == stepFullApproval && !d(stepFullMeeting).IsZero():
		due := plusMonths(d(stepFullMeeting), 3)
		deadline(due)
		n.Rule = DevRuleFullApproval
		n.Explanation = fmt.Sprintf("支部大会讨论转正是 %s，上级党委应在 %s 前审批。", isoDay(d(stepFullMeeting)), isoDay(due))
	}
	if n.Explanation == "" {
		n.Explanation = "这一步细则没有规定时限。"
	}
	if n.Overdue {
		n.Explanation = "已超过期限！" + n.Explanation
	}
	return n
}
