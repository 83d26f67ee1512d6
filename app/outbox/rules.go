package outbox

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"zhibu/app/web"
)

// OutboundKinds are the message kinds that also go out by SMS or WeChat when a sender is
// configured: what a person must act on or would want to know away from the platform
// (催学, a deadline close by, a 通知公告, a class's or tour's decision, the reply to their
// 投诉建议). Course assignments and exam openings and results stay in the inbox only: they
// come in bulk and are seen on the home page anyway.
var OutboundKinds = []string{web.MsgReminder, web.MsgDueSoon, web.MsgNotice, web.MsgClass, web.MsgTour, web.MsgFeedback}

// Outbound tells whether a message of kind goes out.
func Outbound(kind string) bool { return slices.Contains(OutboundKinds, kind) }

// The statuses of an outbox row.
const (
	StatusPending = "pending" // waiting to be sent (or held by a worker's lease)
	StatusSent    = "sent"
	StatusFailed  = "failed"  // given up: the limit of attempts, or a permanent refusal
	StatusSkipped = "skipped" // not sendable: the person has no phone number, or is disabled
)

// Statuses are the statuses in the order the admin page shows them.
var Statuses = []string{StatusFailed, StatusSkipped, StatusPending, StatusSent}

// StatusName is a status in Chinese.
func StatusName(s string) string {
	switch s {
	case StatusPending:
		return "待发送"
	case StatusSent:
		return "已发送"
	case StatusFailed:
		return "发送失败"
	case StatusSkipped:
		return "已跳过"
	}
	return s
}

// KindName is a message kind in Chinese.
func KindName(kind string) string {
	switch kind {
	case web.MsgReminder:
		return "催学提醒"
	case web.MsgDueSoon:
		return "即将截止"
	case web.MsgNotice:
		return "通知公告"
	case web.MsgClass:
		return "培训班"
	case web.MsgTour:
		return "考察学习"
	case web.MsgFeedback:
		return "投诉建议回复"
	}
	return "消息"
}

// The reasons a row is skipped, kept as its last_error.
const (
	ReasonNoPhone  = "没有手机号"
	ReasonInactive = "账号已停用"
)

// MaxText bounds the text sent (runes): three SMS segments.
const MaxText = 300

// MaxError bounds a kept error (runes).
const MaxError = 500

// Text is what is sent for a message: its title, its body and, when base (the public
// URL, e.g. https://zhibu.example.gov.cn) is set and the message has a page, the
// absolute link, one per line, at most MaxText runes. The link is kept whole; title and
// body are cut with "…" to make room. Characters that cannot be stored are dropped.
func Text(m web.Message, base string) (text, link string) {
	link = Link(base, m.URL)
	head := clean(m.Title)
	if body := clean(m.Body); body != "" {
		head += "\n" + body
	}
	room := MaxText
	inText := link != "" && strings.HasPrefix(link, "http") && utf8.RuneCountInString(link) <= MaxText/2
	if inText {
		room -= utf8.RuneCountInString(link) + 1
	}
	head = cut(head, room)
	if inText {
		if head == "" {
			return link, link
		}
		return head + "\n" + link, link
	}
	return head, link
}

// Link is the absolute link of a message's page: base + path. Without a base it is the
// path itself; a message without a page has none.
func Link(base, path string) string {
	path = clean(path)
	if path == "" || !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || strings.ContainsAny(path, " \n") {
		return ""
	}
	if base == "" {
		return path
	}
	return strings.TrimRight(base, "/") + path
}

// clean trims s, turns invalid UTF-8 and control characters (but line breaks) into
// nothing, and collapses runs of blank lines: what is sent is plain text a phone shows.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\r':
		case r == '\n':
			b.WriteRune(r)
		case r == '\t':
			b.WriteRune(' ')
		case unicode.IsControl(r) || r == utf8.RuneError || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Cs, r):
		default:
			b.WriteRune(r)
		}
	}
	lines := strings.Split(b.String(), "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// cut bounds s to n runes, ending with "…" when cut.
func cut(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// MaxAttempts is how many times a row is tried before it is failed.
const MaxAttempts = 8

// MaxBackoff caps the wait between two attempts.
const MaxBackoff = time.Hour

// Backoff is the wait after the n-th failed attempt (n ≥ 1): 1, 2, 4, 8… minutes, at
// most MaxBackoff.
func Backoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	if n > 7 {
		return MaxBackoff
	}
	return min(time.Minute<<(n-1), MaxBackoff)
}

// Retryable tells whether an HTTP answer is worth trying again: server errors, 408 and
// 429 are; any other 4xx is the receiver refusing the delivery for good.
func Retryable(status int) bool {
	return status < 400 || status >= 500 || status == 408 || status == 429
}

// errorText bounds an error kept on a row.
func errorText(s string) string {
	s = strings.ReplaceAll(clean(s), "\n", " ")
	if s == "" {
		s = "未知错误"
	}
	return cut(s, MaxError)
}
