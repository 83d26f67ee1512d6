package reminders

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"zhibu/app/web"
)

// The rules of reminding, pure: the 7-day limit, quiet hours, the due-soon window, the
// text limits and the words of the messages. The store applies them; the SQL guard of
// the 7-day limit (reminder_log, migrations/00070_reminders.sql) is the same MinGap.

// MinGap is the 7-day limit: one reminder per person and item (course, exam or class),
// manual or automatic alike, within it. A person reminded less than MinGap ago is skipped
// and reported, not an error.
const MinGap = 7 * 24 * time.Hour

// Limited tells whether a person last reminded about an item at last (nil: never) may not
// be reminded about it again at now.
func Limited(last *time.Time, now time.Time) bool {
	return last != nil && now.Sub(*last) < MinGap
}

// Quiet hours (China time): automatic reminders never go out from QuietFrom:00 to
// QuietUntil:00.
const (
	QuietFrom  = 22
	QuietUntil = 7
)

// Quiet tells whether now is inside the quiet hours.
func Quiet(now time.Time) bool {
	h := now.In(web.China).Hour()
	return h >= QuietFrom || h < QuietUntil
}

// DefaultDays is how many days before a required course's due date or an exam's close
// the automatic 即将截止 goes out, unless the county set another (county_settings.remind_days).
const DefaultDays = 3

// MaxDays bounds the county's setting and the due_within_days filter.
const (
	MaxDays       = 30
	MaxFilterDays = 366
)

// civilDays is the number of calendar days from a to b (dates as in China).
func civilDays(a, b time.Time) int {
	da := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

// CourseDueSoon tells whether a required course due on due (a date; its own calendar day
// is the due date) is due within days days of now: from days days before the due date up
// to the due date itself. An overdue course is not "due soon".
func CourseDueSoon(due, now time.Time, days int) bool {
	left := civilDays(now.In(web.China), due)
	return left >= 0 && left <= days
}

// ExamClosingSoon tells whether an exam open from opens to closes is open at now and
// closes within days days.
func ExamClosingSoon(opens, closes, now time.Time, days int) bool {
	return !now.Before(opens) && now.Before(closes) && closes.Sub(now) <= time.Duration(days)*24*time.Hour
}

// DueCutoff is the last due date the filter due_within_days keeps (0: no filter).
func DueCutoff(now time.Time, days int) string {
	if days <= 0 {
		return ""
	}
	return now.In(web.China).AddDate(0, 0, days).Format("2006-01-02")
}

// MaxText is the longest reminder text, in characters.
const MaxText = 200

// CheckText is the reminder's text, trimmed, or the field error: empty, over MaxText
// characters, or holding what cannot be stored.
func CheckText(text string) (string, string) {
	t := strings.TrimSpace(text)
	switch {
	case t == "":
		return "", "请填写提醒内容"
	case utf8.RuneCountInString(t) > MaxText:
		return "", fmt.Sprintf("提醒内容不能超过 %d 字（现在 %d 字）", MaxText, utf8.RuneCountInString(t))
	case web.BadText(t, true):
		return "", web.BadTextMessage
	}
	return t, ""
}

// Clip shortens s to at most n characters, ending with "…" when cut.
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// Target kinds.
const (
	TargetCourse = "course"
	TargetExam   = "exam"
	TargetClass  = "class"
	// TargetTourReport is a study tour's report (学习报告, app/tours): target_id is the tour.
	TargetTourReport = "tour_report"
)

// TargetName is what people read for a target kind.
func TargetName(kind string) string {
	switch kind {
	case TargetCourse:
		return "必修课程"
	case TargetExam:
		return "考试"
	case TargetClass:
		return "培训班"
	case TargetTourReport:
		return "考察学习报告"
	}
	return ""
}

// maxTitle is the inbox's title limit (app/inbox MaxTitle).
const maxTitle = 100

// Title is the inbox title of a reminder about the item titled title.
func Title(kind, title string, auto bool) string {
	prefix := map[string]string{TargetCourse: "请尽快完成：", TargetExam: "请按时参加考试：", TargetClass: "请按时参加培训：",
		TargetTourReport: "请提交考察学习报告："}[kind]
	if auto {
		prefix = "即将截止："
	}
	return prefix + Clip(title, maxTitle-utf8.RuneCountInString(prefix))
}

// DefaultText is the text the send form starts with; due is the course's due date or the
// exam's close (zero: none).
func DefaultText(kind, title string, due time.Time) string {
	t := Clip(title, 60)
	switch kind {
	case TargetCourse:
		if due.IsZero() {
			return "必修课《" + t + "》您还没有学完，请尽快完成。"
		}
		return "必修课《" + t + "》的截止日期是 " + due.Format("2006-01-02") + "，您还没有学完，请尽快完成。"
	case TargetExam:
		return "考试「" + t + "」将于 " + due.In(web.China).Format("01-02 15:04") + " 结束，您还没有通过，请抓紧时间参加。"
	case TargetClass:
		return "培训班「" + t + "」还有课程需要参加，请按时到场，有事请提前请假。"
	case TargetTourReport:
		if due.IsZero() {
			return "考察「" + t + "」的学习报告（发展思路）您还没有提交，请尽快提交。"
		}
		return "考察「" + t + "」的学习报告（发展思路）截止日期是 " + due.Format("2006-01-02") + "，您还没有提交，请尽快提交。"
	}
	return ""
}

// AutoText is the text of an automatic 即将截止 reminder.
func AutoText(kind, title string, due time.Time) string {
	t := Clip(title, 60)
	if kind == TargetExam {
		return "考试「" + t + "」将于 " + due.In(web.China).Format("01-02 15:04") + " 结束，您还没有通过，请在结束前参加。"
	}
	return "必修课《" + t + "》将于 " + due.Format("2006-01-02") + " 截止，您还没有学完，请在截止前完成。"
}

// SkipReason is why a person was skipped: reminded at last, within MinGap.
func SkipReason(last time.Time) string {
	return "7 天内已提醒过（" + last.In(web.China).Format("01-02 15:04") + "）"
}

// Ref is the inbox key of a reminder's messages (messages.ref).
func Ref(id int64) string { return fmt.Sprintf("reminder:%d", id) }

var zeroTime time.Time
