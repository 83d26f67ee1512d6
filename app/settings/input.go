package settings

import "zhibu/app/web"

// Input is the settings form (PUT /api/v1/settings): every field is required, so a
// request always says what it wants instead of relying on a default.
type Input struct {
	ShowRanking     *bool `json:"ranking_enabled"`
	RetakeAfterPass *bool `json:"retake_after_pass"`
}

// Validate checks that every field is given.
func (in Input) Validate() web.FieldErrors {
	errs := web.FieldErrors{}
	if in.ShowRanking == nil {
		errs["ranking_enabled"] = "请选择是否显示乡镇排名"
	}
	if in.RetakeAfterPass == nil {
		errs["retake_after_pass"] = "请选择通过考试后能否补考"
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}
