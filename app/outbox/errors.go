package outbox

import (
	"errors"

	"zhibu/app/web"
)

// The outbox's domain errors; errorTable says what a user sees.
var (
	ErrNotFound     = errors.New("outbox row not found")
	ErrNotRetryable = errors.New("outbox row is neither failed nor skipped")
	ErrBadStatus    = errors.New("unknown outbox status")
	ErrBadQuery     = errors.New("bad outbox search")
)

var errorTable = web.ErrorTable{
	ErrNotFound:     web.NotFound("找不到该条外发记录"),
	ErrNotRetryable: web.Conflict("not_retryable", "只有发送失败或已跳过的记录可以重新发送，该记录已在发送或已发出"),
	ErrBadStatus:    web.BadRequest("状态参数有误，请从列表中选择"),
	ErrBadQuery:     web.BadRequest("搜索内容太长或含有无法识别的字符"),
}
