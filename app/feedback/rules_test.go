package feedback

import (
	"strings"
	"testing"
	"time"

	"zhibu/app/web"
)

// Who sees the sender's name: the sender, admins always, the township's organizers only
// when it was not sent 对乡镇匿名.
func TestShowSender(t *testing.T) {
	const sender, other = 7, 8
	for _, tc := range []struct {
		role      string
		viewer    int64
		anonymous bool
		want      bool
	}{
		{web.RoleOrganizer, other, false, true},
		{web.RoleOrganizer, other, true, false},
		{web.RoleAdmin, other, false, true},
		{web.RoleAdmin, other, true, true},
		{web.RoleSecretary, sender, true, true}, // the sender sees their own
		{web.RoleOrganizer, sender, true, true}, // an organizer's own, sent anonymously
		{web.RoleSecretary, other, false, true},
		{web.RoleSecretary, other, true, false},
	} {
		if got := ShowSender(tc.role, tc.viewer, sender, tc.anonymous); got != tc.want {
			t.Errorf("ShowSender(%s, viewer %d, anonymous %v) = %v, want %v", tc.role, tc.viewer, tc.anonymous, got, tc.want)
		}
	}
}

func TestCanReply(t *testing.T) {
	for _, tc := range []struct {
		role   string
		viewer int64
		want   bool
	}{
		{web.RoleAdmin, 2, true},
		{web.RoleOrganizer, 2, true},
		{web.RoleSecretary, 2, false},
		{web.RoleAdmin, 1, false}, // never one's own
		{web.RoleOrganizer, 1, false},
	} {
		if got := CanReply(tc.role, tc.viewer, 1); got != tc.want {
			t.Errorf("CanReply(%s, %d) = %v, want %v", tc.role, tc.viewer, got, tc.want)
		}
	}
}

// What a reply does: the statuses staff set, the text 已答复 needs, what is kept and told.
func TestReplyRule(t *testing.T) {
	for _, tc := range []struct {
		name, to, text, before string
		want                   Change
		field                  string // the refused field, "" when allowed
	}{
		{"reply", StatusReplied, "已处理", "", Change{StatusReplied, "已处理", true}, ""},
		{"status omitted with text", "", "已处理", "", Change{StatusReplied, "已处理", true}, ""},
		{"status omitted without text", "", "", "", Change{}, "text"},
		{"replied needs text", StatusReplied, "", "", Change{}, "text"},
		{"replied needs new text even when replied before", StatusReplied, "", "旧答复", Change{}, "text"},
		{"in progress alone", StatusInProgress, "", "", Change{StatusInProgress, "", false}, ""},
		{"interim answer", StatusInProgress, "正在核实", "", Change{StatusInProgress, "正在核实", true}, ""},
		{"reopen keeps the reply", StatusInProgress, "", "旧答复", Change{StatusInProgress, "旧答复", false}, ""},
		{"new reply replaces", StatusReplied, "新答复", "旧答复", Change{StatusReplied, "新答复", true}, ""},
		{"back to received", StatusReceived, "好", "", Change{}, "status"},
		{"unknown status", "closed", "好", "", Change{}, "status"},
	} {
		got, errs := Reply(tc.to, tc.text, tc.before)
		if tc.field != "" {
			if errs[tc.field] == "" {
				t.Errorf("%s: want a refusal of %s, got %+v %v", tc.name, tc.field, got, errs)
			}
			continue
		}
		if errs != nil || got != tc.want {
			t.Errorf("%s: got %+v %v, want %+v", tc.name, got, errs, tc.want)
		}
	}
}

func TestDayStartIsChinaMidnight(t *testing.T) {
	for _, tc := range []struct{ at, want string }{
		{"2026-03-01T15:59:59Z", "2026-03-01T00:00:00+08:00"},
		{"2026-03-01T16:00:00Z", "2026-03-02T00:00:00+08:00"}, // 00:00 the next day in China
		{"2026-03-02T00:30:00+08:00", "2026-03-02T00:00:00+08:00"},
	} {
		at, _ := time.Parse(time.RFC3339, tc.at)
		want, _ := time.Parse(time.RFC3339, tc.want)
		if got := DayStart(at); !got.Equal(want) {
			t.Errorf("DayStart(%s) = %s, want %s", tc.at, got, tc.want)
		}
	}
}

func TestSendInputValidate(t *testing.T) {
	ok := SendInput{Category: "exams", Text: "  考试时间太短  "}
	if errs := ok.Validate(); errs != nil || ok.Kind != KindSuggestion || ok.Text != "考试时间太短" {
		t.Fatalf("valid input: %v %+v", errs, ok)
	}
	for _, tc := range []struct {
		name  string
		in    SendInput
		field string
	}{
		{"empty text", SendInput{Category: "exams", Text: " \n "}, "text"},
		{"too long", SendInput{Category: "exams", Text: strings.Repeat("长", MaxText+1)}, "text"},
		{"NUL", SendInput{Category: "exams", Text: "a\x00b"}, "text"},
		{"control character", SendInput{Category: "exams", Text: "a\x1bb"}, "text"},
		{"bidi override", SendInput{Category: "exams", Text: "a\u202eb"}, "text"},
		{"unknown category", SendInput{Category: "food", Text: "好"}, "category"},
		{"no category", SendInput{Text: "好"}, "category"},
		{"unknown kind", SendInput{Kind: "praise", Category: "exams", Text: "好"}, "kind"},
	} {
		if errs := tc.in.Validate(); errs[tc.field] == "" {
			t.Errorf("%s: want %s refused, got %v", tc.name, tc.field, errs)
		}
	}
	long := SendInput{Category: "other", Text: strings.Repeat("长", MaxText) + "\n第二行"}
	if errs := long.Validate(); errs == nil {
		t.Error("1000 runes plus a line: accepted")
	}
	exact := SendInput{Category: "other", Text: strings.Repeat("长", MaxText-4) + "\n第二行"}
	if errs := exact.Validate(); errs != nil {
		t.Errorf("exactly %d runes with a line break: %v", MaxText, errs)
	}
}
