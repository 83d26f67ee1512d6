package settings

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"zhibu/app/web"
)

// MaxIssuerName is the longest issuer name, in characters (migrations/00078_county_name.sql
// checks the same): the certificate's signature and the verification page are laid out
// for it, on a phone and on one A4 page.
const MaxIssuerName = 40

// Input is the settings form (PUT /api/v1/settings): every field is required, so a
// request always says what it wants instead of relying on a default.
type Input struct {
	ShowRanking     *bool `json:"ranking_enabled"`
	RetakeAfterPass *bool `json:"retake_after_pass"`
	// The automatic reminders' switches (app/reminders): optional, a missing one keeps
	// its value.
	RemindCourses *bool `json:"remind_courses"`
	RemindExams   *bool `json:"remind_exams"`
	RemindDays    *int  `json:"remind_days"`
	// LessonMinTime: optional, a missing one keeps its value.
	LessonMinTime *bool `json:"lesson_min_time_enabled"`
	// LessonMinTimeOld is lesson_min_time_enabled under the name it had before it joined
	// the stable surface (docs/settings.md); read when the new name is missing.
	LessonMinTimeOld *bool `json:"lesson_min_time"`
	// IssuerName: the issuing body on certificates (「中共某某县委组织部」); optional, a
	// missing one keeps its value, "" names none (certificates.DefaultIssuer).
	IssuerName *string `json:"issuer_name"`
}

// Validate trims the issuer name and checks that every required field is given,
// remind_days is 1 to 30 and the issuer name is at most MaxIssuerName characters of
// one-line text.
func (in *Input) Validate() web.FieldErrors {
	if in.LessonMinTime == nil {
		in.LessonMinTime = in.LessonMinTimeOld
	}
	errs := web.FieldErrors{}
	if in.ShowRanking == nil {
		errs["ranking_enabled"] = "请选择是否显示乡镇排名"
	}
	if in.RetakeAfterPass == nil {
		errs["retake_after_pass"] = "请选择通过考试后能否补考"
	}
	if in.RemindDays != nil && (*in.RemindDays < 1 || *in.RemindDays > 30) {
		errs["remind_days"] = "提前天数应在 1 到 30 之间"
	}
	if in.IssuerName != nil {
		name := strings.TrimSpace(*in.IssuerName)
		in.IssuerName = &name
		switch {
		case web.BadText(name, false):
			errs["issuer_name"] = "发证单位名称" + web.BadTextMessage
		case utf8.RuneCountInString(name) > MaxIssuerName:
			errs["issuer_name"] = fmt.Sprintf("发证单位名称不能超过 %d 个字（现在 %d 个字）", MaxIssuerName, utf8.RuneCountInString(name))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}
