package reports

import (
	"errors"
	"net/http"

	"zhibu/app/web"
)

// The reports' domain errors; errorTable says what a user sees for each.
var (
	ErrBadYear          = errors.New("reports: year out of range")
	ErrBadTarget        = errors.New("reports: target out of range")
	ErrTownshipNotFound = errors.New("reports: township not found or out of scope")
	ErrExamNotFound     = errors.New("reports: exam not found or out of scope")
)

var errorTable = web.ErrorTable{
	ErrBadYear: {Status: http.StatusUnprocessableEntity, Code: "validation_failed",
		Message: "年份应为 2000 至 2100 之间的四位数字", Fields: map[string]string{"year": "年份不正确"}},
	ErrBadTarget: {Status: http.StatusUnprocessableEntity, Code: "validation_failed",
		Message: "完成率目标应为 1 至 100 之间的百分数", Fields: map[string]string{"target": "目标不正确"}},
	ErrTownshipNotFound: web.NotFound("找不到该乡镇，或不在您的管理范围内"),
	ErrExamNotFound:     web.NotFound("找不到该考试，或不在您的管理范围内"),
}
