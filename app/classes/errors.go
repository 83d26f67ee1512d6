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
)

var errorTable = web.ErrorTable{
	ErrClassNotFound:    web.NotFound("找不到该培训班"),
	ErrSessionNotFound:  web.NotFound("找不到该培训班的这节课"),
	ErrLeaveNotFound:    web.NotFound("找不到该请假申请"),
	ErrNotParticipant:   web.NotFound("这名支部书记不是本培训班的学员"),
	ErrOtherTownship:    web.Forbidden("只能为本乡镇的学员点名、审批请假"),
	ErrNotManager:       web.Forbidden("只有举办培训班的县委组织部或乡镇组织委员可以修改培训班"),
	ErrClosed:           web.Conflict("class_closed", "培训班已结班，不能再修改"),
	ErrRollClosed:       web.Conflict("roll_closed", "现在不能为这节课点名"),
	ErrLeaveClosed:      web.Conflict("leave_closed", "现在不能请假"),
	ErrLeaveDecided:     web.Conflict("leave_decided", "该请假申请已经审批过了"),
	ErrSessionMarked:    web.Conflict("session_marked", "这节课已经点过名，不能删除"),
	ErrBadToken:         web.Err(400, "bad_checkin_token", "签到码无效"),
	ErrExamTaken:        web.Invalid("该考试已是另一个培训班的结业考试", map[string]string{"exam_id": "已被其他培训班使用"}),
	ErrExamNotFound:     web.Invalid("找不到该考试", map[string]string{"exam_id": "找不到该考试"}),
	ErrNobodyMatched:    web.Invalid("没有找到符合条件的支部书记", map[string]string{"people": "没有找到符合条件的支部书记"}),
	ErrOverAbsenceLimit: web.Conflict("over_absence_limit", "请假和缺勤超过规定，不能参加结业考试"),
}

// refuse is web.Refuse: kind with the reason a rule of rules.go gave.
func refuse(kind error, reason string) error { return web.Refuse(kind, reason) }
