package seats

import (
	"errors"

	"zhibu/app/web"
)

// Errors of the mechanism. Refusals carry the Chinese reason a rule of rules.go gave
// (web.Refuse); Errors says what a user sees. Each feature that uses seats registers
// Errors (web.Server.MapErrors) and keeps its own words for its own errors.
var (
	ErrAlreadySignedUp   = errors.New("already signed up")
	ErrAlreadyRejected   = errors.New("already rejected")
	ErrNoQuota           = errors.New("township has no quota")
	ErrMoved             = errors.New("sign-up moved while locking")
	ErrNothingToCancel   = errors.New("no active sign-up to cancel")
	ErrInvalidTransition = errors.New("invalid status transition")
)

// Errors is the mechanism's error table.
var Errors = web.ErrorTable{
	ErrAlreadySignedUp:   web.Conflict("already_signed_up", "已在名单中，不能重复报名"),
	ErrAlreadyRejected:   web.Conflict("already_rejected", "该报名未通过审核，不能再次报名；如有疑问请联系乡镇组织委员"),
	ErrNoQuota:           web.Conflict("no_quota", "没有给该乡镇分配名额"),
	ErrMoved:             web.Conflict("retry", "报名信息刚刚发生变化，请刷新后重试"),
	ErrNothingToCancel:   web.NotFound("没有可取消的报名"),
	ErrInvalidTransition: web.Conflict("invalid_transition", "该报名当前不能进行此操作"),
}
