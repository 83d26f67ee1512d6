package certificates

import (
	"errors"
	"net/http"

	"zhibu/app/web"
)

// The certificates' domain errors; errorTable says what a user sees.
var (
	ErrCertificateNotFound  = errors.New("certificate not found")
	ErrProgrammeNotFound    = errors.New("certificate programme not found")
	ErrAlreadyRevoked       = errors.New("certificate already revoked")
	ErrProgrammeInactive    = errors.New("certificate programme inactive")
	ErrProgrammeInUse       = errors.New("programme rule changed after issuing")
	ErrClassTaken           = errors.New("class has a programme already")
	ErrClassNotFound        = errors.New("class not found")
	ErrExamNotFound         = errors.New("exam not found")
	ErrTooManyVerifications = errors.New("too many verifications")
)

var errorTable = web.ErrorTable{
	ErrCertificateNotFound: web.NotFound("证书不存在"),
	ErrProgrammeNotFound:   web.NotFound("找不到该证书项目"),
	ErrAlreadyRevoked:      web.Conflict("already_revoked", "该证书已撤销"),
	ErrProgrammeInactive:   web.Conflict("programme_inactive", "该证书项目已停用，请先启用再核发"),
	ErrProgrammeInUse: web.Conflict("programme_in_use",
		"该项目已核发证书，不能再修改类型、培训班、年度或考试；如规则有变，请停用本项目后新建"),
	ErrClassTaken:           web.Conflict("class_taken", "该培训班已有证书项目"),
	ErrClassNotFound:        web.Invalid("找不到该培训班", map[string]string{"class_id": "找不到该培训班"}),
	ErrExamNotFound:         web.Invalid("找不到该考试", map[string]string{"exam_id": "找不到该考试"}),
	ErrTooManyVerifications: web.Err(http.StatusTooManyRequests, "too_many_requests", "查询过于频繁，请一分钟后再试"),
}
