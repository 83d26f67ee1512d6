package settings

import "zhibu/app/web"

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
	LessonMinTime *bool `json:"lesson_min_time"`
}

// Validate checks that every required field is given and remind_days is 1 to 30.
func (in Input) Validate() web.FieldErrors {
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
	if len(errs) > 0 {
		return errs
	}
	return nil
}
