package exams

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"zhibu/app/web"
)

// Domain errors of the exam feature. Stores return them (wrapped with %w when context
// helps); Mount registers errorTable and the server answers them.
var (
	ErrNotFound        = errors.New("not found")
	ErrNotOpen         = errors.New("exam not open yet")
	ErrClosed          = errors.New("exam closed")
	ErrNoAttempts      = errors.New("no attempts left")
	ErrAlreadyPassed   = errors.New("already passed") // passed, and no retake after a pass (rules_retake.go)
	ErrStartRefused    = errors.New("start refused")  // the start guard (Deps.StartGuard) refuses; carries its reason (startRefused)
	ErrAttemptClosed   = errors.New("attempt closed")
	ErrNoPosition      = errors.New("position not in paper")
	ErrUnknownTownship = errors.New("unknown township")
	ErrUnknownCourse   = errors.New("unknown course")
	ErrBadSearch       = errors.New("bad search filter")
	ErrNoTag           = errors.New("no tag to retire")
	ErrBadTag          = errors.New("bad tag to retire")
	// ErrNoPractice: the category has no active question to practise.
	ErrNoPractice = errors.New("no question to practise")
	// ErrQuestionGone: a practice answer for a question that is unknown or retired.
	ErrQuestionGone = errors.New("question unknown or retired")
	// ErrInOpenExam: the question may be drawn by an exam the user is sitting or may sit
	// now; its key and 解析 wait for the exam to close (guard.go).
	ErrInOpenExam = errors.New("question in an open exam")
	// ErrAllInOpenExam: every question asked for is guarded by an open exam.
	ErrAllInOpenExam = errors.New("every question in an open exam")
)

// errorTable maps the sentinels to what the user sees.
var errorTable = web.ErrorTable{
	ErrNotFound:        web.NotFound(""),
	ErrNotOpen:         web.Conflict("exam_not_open", "考试尚未开始，请在开考时间后再进入"),
	ErrClosed:          web.Conflict("exam_closed", "考试已结束，不能再开始作答"),
	ErrNoAttempts:      web.Conflict("no_attempts_left", "您的考试次数已用完"),
	ErrAlreadyPassed:   web.Conflict("already_passed", "您已通过本场考试，按县里的规定通过后不需补考"),
	ErrStartRefused:    web.Conflict("start_refused", "现在不能参加本场考试"),
	ErrAttemptClosed:   web.Conflict("attempt_closed", "考试时间已到，答卷已自动提交，本次作答未能保存"),
	ErrNoPosition:      web.Err(http.StatusUnprocessableEntity, "position_not_in_paper", "试卷中没有这道题"),
	ErrUnknownTownship: web.Invalid("所选乡镇不存在", map[string]string{"township_ids": "包含不存在的乡镇"}),
	ErrUnknownCourse:   web.Invalid("所选课程不存在", map[string]string{"course_id": "课程不存在"}),
	ErrBadSearch:       web.BadRequest("搜索条件含有无效字符或过长"),
	ErrNoTag:           web.Invalid("请填写要停用的标签", map[string]string{"tag": "不能为空"}),
	ErrBadTag:          web.Invalid("标签"+web.BadTextMessage, map[string]string{"tag": web.BadTextMessage}),
	ErrNoPractice:      web.NotFound("该分类下暂无题目"),
	ErrQuestionGone:    web.NotFound("题目不存在或已停用"),
	ErrInOpenExam:      web.Conflict("question_in_open_exam", "该题属于正在进行的考试范围，考试结束后才能练习"),
	ErrAllInOpenExam:   web.Conflict("question_in_open_exam", "这些题目都属于正在进行的考试范围，考试结束后才能练习"),
}

// refusal is ErrStartRefused with the Chinese reason the start guard gave: the table
// gives status and code, the reason is the message (web.Reason).
type refusal struct{ reason string }

func (r *refusal) Error() string  { return ErrStartRefused.Error() + ": " + r.reason }
func (r *refusal) Unwrap() error  { return ErrStartRefused }
func (r *refusal) Reason() string { return r.reason }

func startRefused(reason string) error { return &refusal{reason: reason} }

// The errors below carry a Chinese detail the table cannot hold; each answers itself
// through errors.As (its As method), which web.AsError consults after the tables.

// AnswerError is a refused answer; Msg is the Chinese reason (422 invalid_answer).
type AnswerError struct{ Msg string }

func (e *AnswerError) Error() string { return e.Msg }

// As answers the error as 422 invalid_answer naming the answer field.
func (e *AnswerError) As(target any) bool {
	return answerAs(target, &web.Error{Status: http.StatusUnprocessableEntity, Code: "invalid_answer", Message: e.Msg,
		Fields: map[string]string{"answer": e.Msg}})
}

func answerErr(msg string) error { return &AnswerError{Msg: msg} }

// BatchAnswerError refuses a batch of answers: Fields names each refused position (the
// key is the position) with its Chinese reason (422 invalid_answer); nothing was saved.
type BatchAnswerError struct{ Fields map[string]string }

func (e *BatchAnswerError) Error() string { return fmt.Sprintf("%d answers refused", len(e.Fields)) }

// As answers the error as 422 invalid_answer naming the positions.
func (e *BatchAnswerError) As(target any) bool {
	return answerAs(target, &web.Error{Status: http.StatusUnprocessableEntity, Code: "invalid_answer",
		Message: fmt.Sprintf("有 %d 题的答案无法保存，本次未保存任何答案", len(e.Fields)), Fields: e.Fields})
}

// DrawError: the bank cannot fill a paper any more (409 bank_short when starting).
type DrawError struct{ Msg string }

func (e *DrawError) Error() string { return e.Msg }

// As answers the error as 409 bank_short.
func (e *DrawError) As(target any) bool {
	return answerAs(target, web.Conflict("bank_short", "题库题目不足，暂时无法组卷："+e.Msg+"，请联系管理员"))
}

// SupplyError: an exam's rules ask for more than the bank holds (422 bank_short, a
// message per short rule).
type SupplyError struct{ Short []Shortage }

func (e *SupplyError) Error() string { return fmt.Sprintf("bank short for %d rules", len(e.Short)) }

// As answers the error as 422 bank_short naming each short rule.
func (e *SupplyError) As(target any) bool {
	fields := map[string]string{}
	msgs := make([]string, 0, len(e.Short))
	for _, s := range e.Short {
		fields[fmt.Sprintf("rules[%d]", s.Rule)] = s.Message
		msgs = append(msgs, s.Message)
	}
	return answerAs(target, &web.Error{Status: http.StatusUnprocessableEntity, Code: "bank_short",
		Message: "题库题目不足：" + strings.Join(msgs, "；"), Fields: fields})
}

// answerAs sets target to we when target is a **web.Error.
func answerAs(target any, we *web.Error) bool {
	p, ok := target.(**web.Error)
	if ok {
		*p = we
	}
	return ok
}
