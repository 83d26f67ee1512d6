package reminders

import (
	"errors"

	"zhibu/app/web"
)

// The reminders' domain errors. The store returns them; errorTable says what a user sees.
var (
	ErrTargetNotFound   = errors.New("reminder target not found or outside the caller's scope")
	ErrReminderNotFound = errors.New("reminder not found or outside the caller's scope")
	ErrTownshipNotFound = errors.New("township not found")
	ErrBranchNotFound   = errors.New("branch not found or outside the scope")
	ErrOtherTownship    = errors.New("an organizer asked for another township")
	ErrNoRecipients     = errors.New("nobody to remind")
	ErrExamClosed       = errors.New("the exam is closed")
	ErrClassClosed      = errors.New("the class is closed")
	ErrNoInbox          = errors.New("reminders: Deps.Post is not set")
)

var errorTable = web.ErrorTable{
	ErrTargetNotFound:   web.NotFound("找不到要提醒的课程、考试或培训班，或不在您的管理范围内"),
	ErrReminderNotFound: web.NotFound("找不到该提醒记录，或不在您的管理范围内"),
	ErrTownshipNotFound: web.NotFound("找不到该乡镇"),
	ErrBranchNotFound:   web.NotFound("找不到该支部，或不在您的管理范围内"),
	ErrOtherTownship:    web.Forbidden("乡镇组织委员只能提醒本乡镇的支部书记"),
	ErrNoRecipients:     web.Invalid("没有需要提醒的人", map[string]string{"target_id": "没有需要提醒的人"}),
	ErrExamClosed:       web.Conflict("exam_closed", "考试已经结束，不能再提醒"),
	ErrClassClosed:      web.Conflict("class_closed", "培训班已经结班，不能再提醒"),
}
