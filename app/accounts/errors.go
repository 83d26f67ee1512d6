package accounts

import (
	"errors"
	"net/http"
	"time"

	"zhibu/app/web"
)

// The domain errors of accounts. Operations (store*.go) return them; Mount registers
// errorTable, so handlers return them as they are.
var (
	ErrBadLogin                 = errors.New("accounts: wrong login or password")
	ErrOrganizerOnlySecretaries = errors.New("accounts: organizers manage their township's secretaries only")
	ErrTownshipOutOfScope       = errors.New("accounts: township unknown or out of scope")
	ErrTownshipNotFound         = errors.New("accounts: township not found")
	ErrBranchNotFound           = errors.New("accounts: branch unknown or out of scope")
	ErrUserNotFound             = errors.New("accounts: user unknown or out of scope")
	ErrNoAccount                = errors.New("accounts: the signed-in account is gone")
	ErrTownshipRequired         = errors.New("accounts: a branch needs a township")
	ErrOrganizerNeedsTownship   = errors.New("accounts: an organizer needs a township")
	ErrSecretaryNeedsBranch     = errors.New("accounts: a secretary needs a branch")
	ErrChangeSelf               = errors.New("accounts: cannot deactivate oneself or change one's own role")
	ErrResetSelf                = errors.New("accounts: cannot reset one's own password")
	ErrWrongCurrentPassword     = errors.New("accounts: wrong current password")
	ErrPasswordMismatch         = errors.New("accounts: new password and confirmation differ")
	ErrPasswordUnchanged        = errors.New("accounts: new password equals the current one")
	ErrTownshipExists           = errors.New("accounts: a township of that name exists")
	ErrBranchExists             = errors.New("accounts: the township has a branch of that name")
	ErrPhoneTaken               = errors.New("accounts: phone number taken")
	ErrUsernameTaken            = errors.New("accounts: username taken")
	ErrThrottled                = errors.New("accounts: too many login attempts")
)

// errorTable is what the user sees for each domain error.
var errorTable = web.ErrorTable{
	ErrBadLogin:                 web.Err(http.StatusUnauthorized, "invalid_credentials", "账号或密码不正确"),
	ErrOrganizerOnlySecretaries: web.Forbidden("乡镇组织委员只能管理本乡镇的支部书记"),
	ErrTownshipOutOfScope:       web.NotFound("找不到该乡镇，或不在您的管理范围内"),
	ErrTownshipNotFound:         web.NotFound("找不到该乡镇"),
	ErrBranchNotFound:           web.NotFound("找不到该支部，或不在您的管理范围内"),
	ErrUserNotFound:             web.NotFound("找不到该人员，或不在您的管理范围内"),
	ErrNoAccount:                web.NotFound(""),
	ErrTownshipRequired:         web.Invalid("请选择支部所在的乡镇", map[string]string{"township_id": "请选择乡镇"}),
	ErrOrganizerNeedsTownship:   web.Invalid("组织委员须选择所在乡镇", map[string]string{"township_id": "请选择乡镇"}),
	ErrSecretaryNeedsBranch:     web.Invalid("支部书记须选择所在支部", map[string]string{"branch_id": "请选择支部"}),
	ErrChangeSelf:               web.Invalid("不能停用自己的账号或修改自己的角色", map[string]string{"active": "不能修改自己"}),
	ErrResetSelf:                web.Invalid("请在“我的 → 修改密码”中修改自己的密码", nil),
	ErrWrongCurrentPassword:     web.Invalid("当前密码不正确", map[string]string{"current_password": "当前密码不正确"}),
	ErrPasswordMismatch:         web.Invalid("两次输入的新密码不一致", map[string]string{"confirm_password": "两次输入不一致"}),
	ErrPasswordUnchanged:        web.Invalid("新密码不能与当前密码相同", map[string]string{"new_password": "不能与当前密码相同"}),
	// Their messages name what was typed (taken) or the wait (throttled): web.Reason.
	ErrTownshipExists: web.Conflict("township_exists", "已有同名乡镇"),
	ErrBranchExists:   web.Conflict("branch_exists", "本乡镇已有同名支部"),
	ErrPhoneTaken:     {Status: http.StatusConflict, Code: "phone_taken", Message: "手机号已被其他账号使用", Fields: map[string]string{"phone": "已被其他账号使用"}},
	ErrUsernameTaken:  {Status: http.StatusConflict, Code: "username_taken", Message: "用户名已被其他账号使用", Fields: map[string]string{"username": "已被其他账号使用"}},
	ErrThrottled:      web.Err(http.StatusTooManyRequests, "too_many_attempts", "登录尝试次数过多，请稍后再试"),
}

// reasoned is a domain error of the table whose message names what the user typed.
type reasoned struct {
	err    error
	reason string
}

func (e *reasoned) Error() string  { return e.err.Error() + ": " + e.reason }
func (e *reasoned) Unwrap() error  { return e.err }
func (e *reasoned) Reason() string { return e.reason }

// Throttled is a login refused before its password was checked (rules_throttle.go); Wait
// is how long until it may be tried again (the message and the Retry-After header).
type Throttled struct{ Wait time.Duration }

func (e *Throttled) Error() string  { return ErrThrottled.Error() + " for " + e.Wait.String() }
func (e *Throttled) Unwrap() error  { return ErrThrottled }
func (e *Throttled) Reason() string { return throttledMessage(e.Wait) }

// invalid is input that fails checks, with the headline the form pages show.
func invalid(msg string, fields map[string]string) error { return web.Invalidf(msg, fields) }
