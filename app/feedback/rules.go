package feedback

import (
	"time"

	"zhibu/app/web"
)

// The rules of 投诉建议: pure functions, no database, tested by table (rules_test.go).

// Limits.
const (
	MaxText    = 1000 // runes of a complaint, a suggestion or a reply
	DailyLimit = 10   // pieces of feedback one person may send per calendar day in China
)

// Option is one value of a fixed list with its Chinese name.
type Option struct {
	Value, Label string
}

// Kinds: what the sender wants.
const (
	KindComplaint  = "complaint"
	KindSuggestion = "suggestion"
	KindQuestion   = "question"
)

// Kinds lists the kinds in the order the form offers them.
var Kinds = []Option{{KindComplaint, "投诉"}, {KindSuggestion, "建议"}, {KindQuestion, "咨询"}}

// Categories: what the feedback is about.
var Categories = []Option{
	{"learning", "学习内容"}, {"exams", "考试"}, {"training", "考察与培训"}, {"system", "系统使用"}, {"other", "其他"},
}

// Statuses. Feedback is 已收到 when sent; staff move it to 处理中 or 已答复.
const (
	StatusReceived   = "received"
	StatusInProgress = "in_progress"
	StatusReplied    = "replied"
)

// Statuses lists the statuses in their order.
var Statuses = []Option{{StatusReceived, "已收到"}, {StatusInProgress, "处理中"}, {StatusReplied, "已答复"}}

// ReplyStatuses are the statuses staff may set.
var ReplyStatuses = Statuses[1:]

func label(list []Option, v string) string {
	for _, o := range list {
		if o.Value == v {
			return o.Label
		}
	}
	return ""
}

func known(list []Option, v string) bool { return label(list, v) != "" }

// KindName, CategoryName and StatusName give the Chinese names ("" for an unknown value).
func KindName(v string) string     { return label(Kinds, v) }
func CategoryName(v string) string { return label(Categories, v) }
func StatusName(v string) string   { return label(Statuses, v) }

// ShowSender is the anonymity rule: who sees the sender's name. The sender always sees
// their own; admins (县委组织部) always see who sent it, even when it was sent 对乡镇匿名;
// anyone else (the township's organizers) sees the name only when it was not.
func ShowSender(viewerRole string, viewerID, senderID int64, anonymous bool) bool {
	switch {
	case viewerID == senderID:
		return true
	case viewerRole == web.RoleAdmin:
		return true
	}
	return !anonymous
}

// CanReply tells whether a staff member may answer the feedback: never their own.
func CanReply(viewerRole string, viewerID, senderID int64) bool {
	return (viewerRole == web.RoleAdmin || viewerRole == web.RoleOrganizer) && viewerID != senderID
}

// Change is what a reply does to a piece of feedback.
type Change struct {
	Status string // the new status
	Reply  string // the reply to keep (the new text, else the one before)
	Notify bool   // the sender gets a message: a reply was written
}

// Reply decides what staff answering feedback with text (trimmed, maybe empty), the
// requested status to ("" means 已答复 when there is text) and the reply before
// ("" for none) does, whatever the status was. The
// statuses staff set are 处理中 and 已答复; 已答复 needs a reply text; a 处理中 with text
// is an interim answer; 处理中 without text keeps an earlier reply (reopening a replied
// item). A text is told to the sender; a status change alone is not. A refusal names the
// field (web.FieldErrors).
func Reply(to, text, before string) (Change, web.FieldErrors) {
	if to == "" {
		if text == "" {
			return Change{}, web.FieldErrors{"text": "请填写答复内容"}
		}
		to = StatusReplied
	}
	if !known(ReplyStatuses, to) {
		return Change{}, web.FieldErrors{"status": "状态只能设为“处理中”或“已答复”"}
	}
	if to == StatusReplied && text == "" {
		return Change{}, web.FieldErrors{"text": "设为“已答复”需要填写答复内容"}
	}
	c := Change{Status: to, Reply: before, Notify: text != ""}
	if text != "" {
		c.Reply = text
	}
	return c, nil
}

// DayStart is the beginning of t's calendar day in China, from which the daily limit
// counts.
func DayStart(t time.Time) time.Time {
	y, m, d := t.In(web.China).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, web.China)
}
