package classes

import (
	"errors"

	"zhibu/app/web"
)

// The classes' domain errors. A refusal whose reason a rule of rules.go gives carries it
// (refuse); errorTable gives status and code.
var (
	ErrClassNotFound    = errors.New("class not found")
	ErrSessionNotFound  = errors.New("session not found")
	ErrLeaveNotFound    = errors.New("leave request not found")
	ErrNotParticipant   = errors.New("not a participant")
	ErrOtherTownship    = errors.New("participant of another township")
	ErrNotManager       = errors.New("not the class's manager")
	ErrClosed           = errors.New("class closed")
	ErrRollClosed       = errors.New("roll call not open")
	ErrLeaveClosed      = errors.New("leave no longer possible")
	ErrLeaveDecided     = errors.New("leave already decided")
	ErrSessionMarked    = errors.New("session has attendance")
	ErrBadToken         = errors.New("check-in token refused")
	ErrExamTaken        = errors.New("exam linked to another class")
	ErrExamNotFound     = errors.New("exam not found")
	ErrNobodyMatched    = errors.New("no secretary matched")
	ErrOverAbsenceLimit = errors.New("over the absence limit")
	// Seats (store_seats.go).
	ErrSeated            = errors.New("participant holds a confirmed seat")
	ErrNoSeats           = errors.New("class takes no nominations")
	ErrNominationClosed  = errors.New("nominations closed")
	ErrAlreadyIn         = errors.New("already a participant")
	ErrSecretaryNotFound = errors.New("secretary not found")
	ErrNomineeElsewhere  = errors.New("nominee of another township")
	ErrSignupNotFound    = errors.New("sign-up not found")
	ErrSignupElsewhere   = errors.New("sign-up of another township")
	ErrCountyOnly        = errors.New("quotas for county classes only")
)

var errorTable = web.ErrorTable{
	ErrClassNotFound:     web.NotFound("找不到该培训班"),
	ErrSessionNotFound:   web.NotFound("找不到该培训班的这节课"),
	ErrLeaveNotFound:     web.NotFound("找不到该请假申请"),
	ErrNotParticipant:    web.NotFound("这名支部书记不是本培训班的学员"),
	ErrOtherTownship:     web.Forbidden("只能为本乡镇的学员点名、审批请假"),
	ErrNotManager:        web.Forbidden("只有举办培训班的县委组织部或乡镇组织委员可以修改培训班"),
	ErrClosed:            web.Conflict("class_closed", "培训班已结班，不能再修改"),
	ErrRollClosed:        web.Conflict("roll_closed", "现在不能为这节课点名"),
	ErrLeaveClosed:       web.Conflict("leave_closed", "现在不能请假"),
	ErrLeaveDecided:      web.Conflict("leave_decided", "该请假申请已经审批过了"),
	ErrSessionMarked:     web.Conflict("session_marked", "这节课已经点过名，不能删除"),
	ErrBadToken:          web.Err(400, "bad_checkin_token", "签到码无效"),
	ErrExamTaken:         web.Invalid("该考试已是另一个培训班的结业考试", map[string]string{"exam_id": "已被其他培训班使用"}),
	ErrExamNotFound:      web.Invalid("找不到该考试", map[string]string{"exam_id": "找不到该考试"}),
	ErrNobodyMatched:     web.Invalid("没有找到符合条件的支部书记", map[string]string{"people": "没有找到符合条件的支部书记"}),
	ErrOverAbsenceLimit:  web.Conflict("over_absence_limit", "请假和缺勤超过规定，不能参加结业考试"),
	ErrSeated:            web.Conflict("seated", "该学员是按名额推荐、县委终审确认的，请在「名额与推荐」中驳回"),
	ErrNoSeats:           web.Conflict("no_seats", "该培训班不按名额推荐，学员由举办方直接安排"),
	ErrNominationClosed:  web.Conflict("nomination_closed", "培训班已开班，不能再推荐"),
	ErrAlreadyIn:         web.Conflict("already_participant", "这名支部书记已是本培训班的学员"),
	ErrSecretaryNotFound: web.NotFound("找不到该支部书记"),
	ErrNomineeElsewhere:  web.Forbidden("只能推荐本乡镇的支部书记"),
	ErrSignupNotFound:    web.NotFound("找不到该推荐记录"),
	ErrSignupElsewhere:   web.Forbidden("该推荐不属于您管理的乡镇，只能审核本乡镇的推荐"),
	ErrCountyOnly:        web.Conflict("county_only", "只有县级培训班按乡镇分配名额"),
}

// refuse is web.Refuse: kind with the reason a rule of rules.go gave.
func refuse(kind error, reason string) error { return web.Refuse(kind, reason) }
