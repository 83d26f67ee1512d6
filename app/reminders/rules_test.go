package reminders

import (
	"strings"
	"testing"
	"time"

	"zhibu/app/web"
)

func TestLimited(t *testing.T) {
	now := time.Date(2026, 5, 10, 10, 0, 0, 0, web.China)
	ago := func(d time.Duration) *time.Time { x := now.Add(-d); return &x }
	for _, tc := range []struct {
		name string
		last *time.Time
		want bool
	}{
		{"never reminded", nil, false},
		{"an hour ago", ago(time.Hour), true},
		{"6 days 23 hours ago", ago(MinGap - time.Hour), true},
		{"a second short of 7 days", ago(MinGap - time.Second), true},
		{"exactly 7 days ago", ago(MinGap), false},
		{"8 days ago", ago(8 * 24 * time.Hour), false},
	} {
		if got := Limited(tc.last, now); got != tc.want {
			t.Errorf("%s: Limited = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestQuiet(t *testing.T) {
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 5, 10, 21, 59, 59, 0, web.China), false},
		{time.Date(2026, 5, 10, 22, 0, 0, 0, web.China), true},
		{time.Date(2026, 5, 10, 23, 30, 0, 0, web.China), true},
		{time.Date(2026, 5, 11, 0, 0, 0, 0, web.China), true},
		{time.Date(2026, 5, 11, 6, 59, 59, 0, web.China), true},
		{time.Date(2026, 5, 11, 7, 0, 0, 0, web.China), false},
		{time.Date(2026, 5, 11, 12, 0, 0, 0, web.China), false},
		// UTC 15:00 is 23:00 in China: quiet, whatever the server's zone.
		{time.Date(2026, 5, 11, 15, 0, 0, 0, time.UTC), true},
		{time.Date(2026, 5, 11, 1, 0, 0, 0, time.UTC), false},
	} {
		if got := Quiet(tc.at); got != tc.want {
			t.Errorf("Quiet(%s) = %v, want %v", tc.at, got, tc.want)
		}
	}
}

func TestCourseDueSoon(t *testing.T) {
	now := time.Date(2026, 5, 10, 23, 30, 0, 0, web.China) // 15:30 UTC: still May 10 in China
	date := func(d int) time.Time { return time.Date(2026, 5, d, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		due  time.Time
		days int
		want bool
	}{
		{date(9), 3, false}, // overdue
		{date(10), 3, true}, // due today
		{date(13), 3, true}, // 3 days ahead
		{date(14), 3, false},
		{date(14), 4, true},
		{date(24), 14, true},
		{date(25), 14, false},
	} {
		if got := CourseDueSoon(tc.due, now, tc.days); got != tc.want {
			t.Errorf("due %s within %d days of %s: %v, want %v", tc.due.Format("01-02"), tc.days, now, got, tc.want)
		}
	}
}

func TestExamClosingSoon(t *testing.T) {
	now := time.Date(2026, 5, 10, 10, 0, 0, 0, web.China)
	h := time.Hour
	for _, tc := range []struct {
		name          string
		opens, closes time.Time
		want          bool
	}{
		{"open, closes in 2 days", now.Add(-h), now.Add(48 * h), true},
		{"open, closes in exactly 3 days", now.Add(-h), now.Add(72 * h), true},
		{"open, closes in 3 days and a minute", now.Add(-h), now.Add(72*h + time.Minute), false},
		{"not open yet", now.Add(h), now.Add(24 * h), false},
		{"closed", now.Add(-48 * h), now.Add(-h), false},
		{"closes now", now.Add(-48 * h), now, false},
	} {
		if got := ExamClosingSoon(tc.opens, tc.closes, now, 3); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		name, in, want, why string
	}{
		{"empty", "", "", "请填写提醒内容"},
		{"blanks", "  \n ", "", "请填写提醒内容"},
		{"one character", "学", "学", ""},
		{"200 characters", strings.Repeat("学", 200), strings.Repeat("学", 200), ""},
		{"201 characters", strings.Repeat("学", 201), "", "不能超过 200 字"},
		{"trimmed", "  请尽快学习  ", "请尽快学习", ""},
		{"two lines", "请尽快学习\n谢谢", "请尽快学习\n谢谢", ""},
		{"NUL", "请\x00学习", "", web.BadTextMessage},
		{"bidi override", "请\u202e学习", "", web.BadTextMessage},
	} {
		got, why := CheckText(tc.in)
		if got != tc.want || (tc.why == "") != (why == "") || !strings.Contains(why, tc.why) {
			t.Errorf("%s: (%q, %q), want (%q, …%q…)", tc.name, got, why, tc.want, tc.why)
		}
	}
}

func TestTitlesFitTheInbox(t *testing.T) {
	long := strings.Repeat("长", 150)
	for _, kind := range []string{TargetCourse, TargetExam, TargetClass} {
		for _, auto := range []bool{false, true} {
			if kind == TargetClass && auto {
				continue
			}
			title := Title(kind, long, auto)
			if n := len([]rune(title)); n > maxTitle {
				t.Errorf("%s auto=%v: %d characters", kind, auto, n)
			}
			if auto && !strings.HasPrefix(title, "即将截止：") {
				t.Errorf("automatic title %q", title)
			}
		}
		due := time.Date(2026, 5, 10, 0, 0, 0, 0, time.UTC)
		if txt, why := CheckText(DefaultText(kind, long, due)); why != "" || txt == "" {
			t.Errorf("%s: the default text is refused: %s", kind, why)
		}
		if kind != TargetClass {
			if _, why := CheckText(AutoText(kind, long, due)); why != "" {
				t.Errorf("%s: the automatic text is refused: %s", kind, why)
			}
		}
	}
	if got := Title(TargetCourse, "党章学习", false); got != "请尽快完成：党章学习" {
		t.Errorf("course title %q", got)
	}
}
