package exams

import (
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"zhibu/app/web"
)

// What the exams tell people in their inbox (站内消息, through Deps.Post, in the
// transaction of the change): an exam opened to them (OpenedMessage, posted by
// PublishExam and SaveExam, store_exams.go postOpened) and the result of a finished attempt
// (ResultMessage, posted by finalizeTx's callers, store_attempts.go). Pure: the store
// gives the facts.

// maxMessageTitle is the inbox's limit of a title (app/inbox/rules.go MaxTitle, checked
// again by migrations/00066_inbox.sql).
const maxMessageTitle = 100

// OpenedRef is the ref (messages.ref) of the message telling a candidate that the exam is
// open to them: the store posts it at most once per person and exam.
func OpenedRef(examID int64) string { return "exam_opened:" + strconv.FormatInt(examID, 10) }

// OpenedMessage tells userID that the exam e is open to them: 「考试：<title>」, its window
// in China time and its time limit, leading to the exams list (a candidate starts an exam
// there: there is no page of one exam for takers).
func OpenedMessage(e *Exam, userID int64) web.Message {
	return web.Message{UserID: userID, Kind: web.MsgExamOpened, Title: messageTitle("考试：", e.Title),
		Body: fmt.Sprintf("%s 至 %s，限时 %d 分钟", chinaTime(e.OpensAt, e.ClosesAt), chinaTime(e.ClosesAt, e.OpensAt), e.DurationMinutes),
		URL:  "/exams", Ref: OpenedRef(e.ID)}
}

// ResultMessage tells the taker of the finished attempt a its result, graded r, leading
// to the attempt's result page. Every review policy shows the score as soon as the attempt
// is finished (rules.go: the policy decides only when the answers and 解析 are shown, see
// ReviewAllowed), so the message always says the score and whether it passed.
func ResultMessage(a *Attempt, r Result) web.Message {
	verdict := "未通过"
	if r.Passed {
		verdict = "已通过"
	}
	return web.Message{UserID: a.UserID, Kind: web.MsgExamResult, Title: messageTitle("考试成绩：", a.ExamTitle),
		Body: fmt.Sprintf("得分 %s 分（满分 %s，%s 分及格），%s", points(r.Score), points(a.MaxScore), points(a.PassScore), verdict),
		URL:  fmt.Sprintf("/exams/attempts/%d/result", a.ID)}
}

// messageTitle is prefix + title, the title cut with 「…」 so that the whole fits the
// inbox's limit.
func messageTitle(prefix, title string) string {
	room := maxMessageTitle - utf8.RuneCountInString(prefix)
	if utf8.RuneCountInString(title) > room {
		title = string([]rune(title)[:room-1]) + "…"
	}
	return prefix + title
}

// chinaTime is the instant t of a window as the candidates read it, in China time:
// 「6月1日 09:00」, with the year (「2026年12月28日 09:00」) when the window's other end
// falls in another year.
func chinaTime(t, other time.Time) string {
	t = t.In(web.China)
	if t.Year() != other.In(web.China).Year() {
		return t.Format("2006年1月2日 15:04")
	}
	return t.Format("1月2日 15:04")
}

// points writes a score as the result page does, without trailing zeros: 37.5, 60, 36.67.
func points(v float64) string { return strconv.FormatFloat(round2(v), 'f', -1, 64) }
