package record

import (
	"errors"
	"net/http"

	"zhibu/app/web"
)

// The records' domain errors; errorTable says what a user sees.
var (
	ErrPersonNotFound   = errors.New("record: secretary not found or out of scope")
	ErrTownshipNotFound = errors.New("record: township not found or out of scope")
	ErrTownshipRequired = errors.New("record: no township chosen")
	ErrBadYear          = errors.New("record: year out of range")
	ErrBadTownship      = errors.New("record: malformed township")
	ErrNotSecretary     = errors.New("record: the own record is a secretary's")
)

var errorTable = web.ErrorTable{
	ErrPersonNotFound:   web.NotFound("找不到这名支部书记，或不在您的管理范围内"),
	ErrTownshipNotFound: web.NotFound("找不到该乡镇，或不在您的管理范围内"),
	ErrNotSecretary:     web.Forbidden("学习档案是支部书记本人的；查看他人的学习档案，请从学时台账进入"),
	ErrTownshipRequired: {Status: http.StatusUnprocessableEntity, Code: "validation_failed",
		Message: "请先选择要下载学习档案的乡镇", Fields: map[string]string{"township": "请选择乡镇"}},
	ErrBadYear: {Status: http.StatusUnprocessableEntity, Code: "validation_failed",
		Message: "年度应为 2000 至 2100 之间的四位数字", Fields: map[string]string{"year": "年度不正确"}},
	ErrBadTownship: {Status: http.StatusUnprocessableEntity, Code: "validation_failed",
		Message: "乡镇参数应为数字", Fields: map[string]string{"township": "乡镇不正确"}},
}
