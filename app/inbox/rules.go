package inbox

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"zhibu/app/web"
)

// Limits of a message; migrations/00066_inbox.sql checks the same.
const (
	MaxTitle = 100  // runes, one line
	MaxBody  = 1000 // runes
	MaxURL   = 300  // bytes
	MaxRef   = 100  // runes
)

// kindNames are the kinds a feature may post (app/web/message.go) and what the inbox
// calls them.
var kindNames = map[string]string{
	web.MsgCourseAssigned: "课程",
	web.MsgDueSoon:        "到期提醒",
	web.MsgExamOpened:     "考试",
	web.MsgExamResult:     "考试成绩",
	web.MsgClass:          "培训班",
	web.MsgTour:           "考察",
	web.MsgReminder:       "催学提醒",
	web.MsgNotice:         "通知公告",
	web.MsgFeedback:       "投诉建议",
}

// KindName is the Chinese name of a kind ("消息" for one the inbox does not know).
func KindName(kind string) string {
	if n, ok := kindNames[kind]; ok {
		return n
	}
	return "消息"
}

// Check tells what is wrong with a message a feature posts ("" when nothing): a person,
// a known kind, a one-line title of 1..MaxTitle characters, a body of at most MaxBody,
// a url that is "" or a path of this site ("/tours/3"), never another site, and a ref
// (the feature's own key, e.g. reminder:12) of at most MaxRef characters on one line. A
// bad message is the posting feature's bug: Post refuses it and stores nothing.
func Check(m web.Message) string {
	switch {
	case m.UserID <= 0:
		return "no person"
	case kindNames[m.Kind] == "":
		return fmt.Sprintf("unknown kind %q", m.Kind)
	case strings.TrimSpace(m.Title) == "":
		return "empty title"
	case utf8.RuneCountInString(m.Title) > MaxTitle:
		return fmt.Sprintf("title longer than %d characters", MaxTitle)
	case web.BadText(m.Title, false):
		return "title is not one line of printable text"
	case utf8.RuneCountInString(m.Body) > MaxBody:
		return fmt.Sprintf("body longer than %d characters", MaxBody)
	case web.BadText(m.Body, true):
		return "body holds control characters or invalid text"
	case !LocalURL(m.URL):
		return fmt.Sprintf("url %q is not a path of this site", m.URL)
	case utf8.RuneCountInString(m.Ref) > MaxRef || web.BadText(m.Ref, false):
		return "ref longer than 100 characters or not one line of printable text"
	}
	return ""
}

// LocalURL tells whether u is "" or a path of this site: it starts with one "/", holds
// no backslash, space or control character and is at most MaxURL bytes. "//evil.example"
// and "/\evil.example" (which browsers read as another site) are not.
func LocalURL(u string) bool {
	if u == "" {
		return true
	}
	if len(u) > MaxURL || u[0] != '/' || strings.HasPrefix(u, "//") || !utf8.ValidString(u) {
		return false
	}
	for _, r := range u {
		if r == '\\' || r <= ' ' || r == 0x7f || web.BadRune(r, false) {
			return false
		}
	}
	return true
}
