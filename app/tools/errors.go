package tools

import (
	"errors"
	"fmt"

	"zhibu/app/web"
)

// errorTable maps the job aids' domain errors; bad input is web.FieldErrors (422). The
// 表决计算器 has no other; the 发展党员 planner's are below.
var errorTable = web.ErrorTable{
	ErrCandidateNotFound: web.NotFound("找不到这条发展党员记录，可能已被删除"),
	ErrTooManyCandidates: web.Conflict("too_many_candidates", fmt.Sprintf("最多保存 %d 人的发展党员进度，请先删除不再需要的记录", MaxCandidates)),
}

// The 发展党员 planner's errors (store.go): someone else's record, or one too many.
var (
	ErrCandidateNotFound = errors.New("candidate record not found")
	ErrTooManyCandidates = errors.New("too many candidate records")
)
