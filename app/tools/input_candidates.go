package tools

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"zhibu/app/web"
)

// The 发展党员 planner's input: what a secretary records of one person. Bad input (an
// unknown step, a date that is not a date or lies in the future, text too long or holding
// control characters) is refused as 422 naming the field; dates in the wrong order or too
// early are recorded and shown as violations (rules_candidates.go), never refused.

// Limits of the planner.
const (
	MaxCandidates   = 50  // records per secretary (409 beyond)
	MaxNameRunes    = 20  // 称呼/代号
	MaxNoteRunes    = 500 // 备注
	MaxExtensions   = 2   // a second one is recorded to be flagged; more is refused
	MaxTrainingDays = 60
	MaxTrainingHrs  = 500
	MaxExtMonths    = 24
)

// minDevDate is the earliest date the planner accepts (anything before is a typing error).
var minDevDate = time.Date(1950, 1, 1, 0, 0, 0, 0, web.China)

// ExtensionInput is a 延长预备期 as the API sends it.
type ExtensionInput struct {
	DecidedOn string `json:"decided_on"` // the 支部大会 that decided it (YYYY-MM-DD)
	Months    int    `json:"months"`
}

// CandidateInput is the body of POST /api/v1/tools/candidates and PUT …/{id}: a name
// (a 称呼 or 代号, no ID numbers), a note, the dates reached by step key (DevSteps;
// "" or absent: not reached), the 集中培训 and the 延长预备期 decisions.
type CandidateInput struct {
	Name       string            `json:"name"`
	Note       string            `json:"note"`
	Dates      map[string]string `json:"dates"`
	Training   CandidateTraining `json:"training"`
	Extensions []ExtensionInput  `json:"extensions"`
}

// candidateFieldOrder is the order a refusal's headline is chosen in.
func candidateFieldOrder() []string {
	out := []string{"name", "note"}
	for _, s := range DevSteps {
		out = append(out, "dates."+s.Key)
	}
	out = append(out, "dates", "training.days", "training.hours", "extensions")
	for i := 0; i < MaxExtensions; i++ {
		out = append(out, fmt.Sprintf("extensions.%d.decided_on", i), fmt.Sprintf("extensions.%d.months", i))
	}
	return out
}

// candidateHeadline is the message of the first refused field.
func candidateHeadline(fe web.FieldErrors) string {
	for _, f := range candidateFieldOrder() {
		if m, ok := fe[f]; ok {
			return m
		}
	}
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		return fe[keys[0]]
	}
	return "提交的内容有误，请检查后重试"
}

// longDigits tells whether s holds 11 digits in a row: a phone or an ID number.
func longDigits(s string) bool {
	run := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			run++
			if run >= 11 {
				return true
			}
		} else if r != ' ' && r != '-' {
			run = 0
		}
	}
	return false
}

const noIDNumbers = "不要填写身份证号、手机号等个人信息"

// Check validates in against today (China time) and returns the cleaned input (trimmed
// text, dates as YYYY-MM-DD, empty extension rows dropped) and the facts the rules read.
func (in CandidateInput) Check(today time.Time) (CandidateInput, CandidateFacts, error) {
	today = chinaDay(today)
	fe := web.FieldErrors{}
	var f CandidateFacts
	out := CandidateInput{Name: strings.TrimSpace(in.Name), Note: strings.TrimSpace(in.Note), Dates: map[string]string{},
		Training: in.Training, Extensions: []ExtensionInput{}}

	switch n := out.Name; {
	case web.BadText(n, false):
		fe["name"] = "称呼" + web.BadTextMessage
	case n == "":
		fe["name"] = "请填写称呼或代号（如“小李”“申请人A”）"
	case utf8.RuneCountInString(n) > MaxNameRunes:
		fe["name"] = fmt.Sprintf("称呼不能超过 %d 个字", MaxNameRunes)
	case longDigits(n):
		fe["name"] = "称呼里" + noIDNumbers
	}
	switch n := out.Note; {
	case web.BadText(n, true):
		fe["note"] = "备注" + web.BadTextMessage
	case utf8.RuneCountInString(n) > MaxNoteRunes:
		fe["note"] = fmt.Sprintf("备注不能超过 %d 个字", MaxNoteRunes)
	case longDigits(n):
		fe["note"] = "备注里" + noIDNumbers
	}

	day := func(field, s string) (time.Time, bool) {
		if web.BadText(s, false) {
			fe[field] = "日期" + web.BadTextMessage
			return time.Time{}, false
		}
		t, ok := web.ParseDate(s)
		switch {
		case !ok:
			fe[field] = "日期格式应为 2026-03-01"
		case t.Before(minDevDate):
			fe[field] = "日期有误，请检查年份"
		case t.After(today):
			fe[field] = "不能晚于今天：只填已经完成的步骤"
		default:
			return t, true
		}
		return time.Time{}, false
	}

	if len(in.Dates) > NumDevSteps {
		fe["dates"] = fmt.Sprintf("最多 %d 个步骤", NumDevSteps)
	} else {
		for key, v := range in.Dates {
			s, ok := devStepByKey(key)
			if !ok {
				field := "dates"
				if !web.BadText(key, false) && utf8.RuneCountInString(key) <= 40 {
					field = "dates." + key
				}
				fe[field] = "没有这个步骤"
				continue
			}
			if strings.TrimSpace(v) == "" {
				continue
			}
			if t, ok := day("dates."+key, v); ok {
				f.Dates[s.No] = t
				out.Dates[key] = isoDay(t)
			}
		}
	}

	if d := in.Training.Days; d < 0 || d > MaxTrainingDays {
		fe["training.days"] = fmt.Sprintf("培训天数须在 0 到 %d 之间", MaxTrainingDays)
	}
	if h := in.Training.Hours; h < 0 || h > MaxTrainingHrs {
		fe["training.hours"] = fmt.Sprintf("培训学时须在 0 到 %d 之间", MaxTrainingHrs)
	}
	f.Training = in.Training

	if len(in.Extensions) > MaxExtensions {
		fe["extensions"] = "延长预备期只能延长一次，最多记录两次"
	} else {
		for i, e := range in.Extensions {
			on, months := strings.TrimSpace(e.DecidedOn), e.Months
			if on == "" && months == 0 {
				continue // an empty row of the form
			}
			field := fmt.Sprintf("extensions.%d.", i)
			var t time.Time
			ok := true
			if on == "" {
				fe[field+"decided_on"] = "请填写支部大会决定延长预备期的日期"
				ok = false
			} else if t, ok = day(field+"decided_on", on); !ok {
				ok = false
			}
			if months < 1 || months > MaxExtMonths {
				fe[field+"months"] = fmt.Sprintf("延长的月数须在 1 到 %d 之间", MaxExtMonths)
				ok = false
			}
			if ok {
				f.Extensions = append(f.Extensions, CandidateExtension{DecidedOn: t, Months: months})
				out.Extensions = append(out.Extensions, ExtensionInput{DecidedOn: isoDay(t), Months: months})
			}
		}
	}

	if len(fe) > 0 {
		return out, f, web.Invalidf(candidateHeadline(fe), fe)
	}
	return out, f, nil
}
