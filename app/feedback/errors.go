package feedback

import (
	"errors"
	"fmt"
	"net/http"

	"zhibu/app/web"
)

// The feedback's domain errors; errorTable says what a user sees.
var (
	ErrNotFound   = errors.New("feedback not found")
	ErrDailyLimit = errors.New("daily feedback limit reached")
	ErrOwnReply   = errors.New("reply to own feedback")
	ErrNoSender   = errors.New("sender not found or inactive")
)

var errorTable = web.ErrorTable{
	ErrNotFound: web.NotFound("找不到该投诉建议，或不在您的管理范围内"),
	ErrDailyLimit: web.Err(http.StatusTooManyRequests, "feedback_limit",
		fmt.Sprintf("每人每天最多提交 %d 条投诉建议，今天的已用完，请明天再提交；急事请直接联系县委组织部", DailyLimit)),
	ErrOwnReply: web.Forbidden("不能答复自己提交的投诉建议，请由其他工作人员答复"),
	ErrNoSender: web.Forbidden("您的账号已停用，不能提交投诉建议"),
}
