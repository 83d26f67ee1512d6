package web

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// Message is one message of a person's inbox (站内消息) that a feature posts: what
// happened, where to go. The inbox (app/inbox) stores and shows them; features post
// through a Post function wired into their Deps in app/features.go, so no feature imports
// another.
type Message struct {
	UserID int64
	Kind   string // one of the Msg* kinds
	Title  string // one line, e.g. 「村党组织书记集中轮训班」推荐已通过终审
	Body   string // plain text, may be ""
	URL    string // the page it is about, e.g. /tours/3; "" for none
	// Ref is a feature's own key for the message, e.g. reminder:12, to find it again
	// (messages.ref); optional, "" for none.
	Ref string
}

// Message kinds.
const (
	MsgCourseAssigned = "course_assigned" // a required course was assigned
	MsgDueSoon        = "due_soon"        // a required course or an exam closes soon (automatic)
	MsgExamOpened     = "exam_opened"
	MsgExamResult     = "exam_result"
	MsgClass          = "class"    // class enrolment, leave decision, 结业
	MsgTour           = "tour"     // tour sign-up status
	MsgReminder       = "reminder" // 催学 from an organizer or the county
	MsgNotice         = "notice"   // 通知公告
	MsgFeedback       = "feedback" // a reply to the person's 投诉建议
)

// Post writes messages in the caller's transaction (q), so a message exists exactly when
// the change it tells of was committed.
type Post func(ctx context.Context, q sqlx.ExtContext, msgs ...Message) error
