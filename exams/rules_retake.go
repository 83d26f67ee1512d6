package exams

import (
	"errors"
	"time"
)

// Retake: whether a candidate may start a new attempt of an exam now. It is the one
// definition behind the start API and page (StartAttempt refuses with the error), the
// exams list, the result page (「还可补考 N 次」 and the 补考 button, or why not) and the
// exam home cards (accent only when it allows). Resuming an attempt in progress is not a
// new attempt: callers offer that first, whatever the rule says.

// retakeRule is the rule as a domain error (errors.go): nil when a new attempt may start.
// In order: the window must be open (ErrNotOpen, ErrClosed); a candidate who passed may
// not start again unless the county allows retakes after a pass (ErrAlreadyPassed; the
// setting 「通过后不可补考」, county_settings.retake_after_pass, off by default); and an
// attempt must be left (ErrNoAttempts).
func retakeRule(attemptsUsed, attemptsAllowed int, passed, retakeAfterPass bool, now, opensAt, closesAt time.Time) error {
	switch {
	case now.Before(opensAt):
		return ErrNotOpen
	case !now.Before(closesAt):
		return ErrClosed
	case passed && !retakeAfterPass:
		return ErrAlreadyPassed
	case attemptsUsed >= attemptsAllowed:
		return ErrNoAttempts
	}
	return nil
}

// CanRetake tells whether a new attempt may start now and, when not, the short Chinese
// reason shown to the candidate (考试尚未开始 / 考试已截止 / 已通过，不需补考 / 次数已用完).
func CanRetake(attemptsUsed, attemptsAllowed int, passed, retakeAfterPass bool, now, opensAt, closesAt time.Time) (ok bool, reason string) {
	err := retakeRule(attemptsUsed, attemptsAllowed, passed, retakeAfterPass, now, opensAt, closesAt)
	return err == nil, retakeReason(err)
}

// retakeReason is the short Chinese reason for a refusal of retakeRule ("" for nil).
func retakeReason(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrNotOpen):
		return "考试尚未开始"
	case errors.Is(err, ErrClosed):
		return "考试已截止"
	case errors.Is(err, ErrAlreadyPassed):
		return "已通过，不需补考"
	case errors.Is(err, ErrNoAttempts):
		return "次数已用完"
	}
	return "暂不能考试"
}

// Retake applies CanRetake to an exam as the candidate sees it (its clock included); when
// the rule allows a new attempt but the start guard refuses it (Refusal), the guard's
// reason.
func (e ExamForUser) Retake(retakeAfterPass bool) (ok bool, reason string) {
	ok, reason = CanRetake(e.AttemptsUsed, e.AttemptsAllowed, e.Passed, retakeAfterPass, e.Now, e.OpensAt, e.ClosesAt)
	if ok && e.Refusal != "" {
		return false, e.Refusal
	}
	return ok, reason
}

// StateFor says what the candidate can do now, by the rule: "resume" (an attempt in
// progress), "open" (may start), else why not: "upcoming", "closed", "passed" (passed and
// the county forbids retakes after a pass), "done" (no attempt left) or "refused" (the
// rule allows a new attempt, the start guard does not: Refusal says why).
func (e ExamForUser) StateFor(retakeAfterPass bool) string {
	if e.OpenAttempt.Valid {
		return "resume"
	}
	err := retakeRule(e.AttemptsUsed, e.AttemptsAllowed, e.Passed, retakeAfterPass, e.Now, e.OpensAt, e.ClosesAt)
	switch {
	case err == nil && e.Refusal != "":
		return "refused"
	case err == nil:
		return "open"
	case errors.Is(err, ErrNotOpen):
		return "upcoming"
	case errors.Is(err, ErrClosed):
		return "closed"
	case errors.Is(err, ErrAlreadyPassed):
		return "passed"
	}
	return "done"
}
