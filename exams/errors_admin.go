package exams

import (
	"net/http"
	"strings"

	"zhibu/app/web"
)

// StartedError: a change of an exam that someone already started touches what must stay
// as it was for everyone who sits it (LockedChanges); 409 exam_started naming it.
type StartedError struct{ Locked []string }

func (e *StartedError) Error() string { return "exam started: " + strings.Join(e.Locked, ",") }

// As answers the error as 409 exam_started.
func (e *StartedError) As(target any) bool {
	msg := "已有考生开始作答，不能再修改" + strings.Join(e.Locked, "、") + "。此时只能修改" + SafeAfterStart + "。"
	return answerAs(target, &web.Error{Status: http.StatusConflict, Code: "exam_started", Message: msg})
}
