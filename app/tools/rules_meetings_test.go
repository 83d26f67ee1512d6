package tools

import (
	"strings"
	"testing"
)

// The record elements of the domain facts (§2 「会议记录要素」): the only elements shown
// as required; anything else must be marked Practice (常见做法).
var factElements = map[string]bool{
	"会议时间": true, "会议地点": true, "主持人": true, "记录人": true,
	"应到人数": true, "实到人数": true, "缺席人数及缺席原因": true, "列席人员": true,
	"议题": true, "发言要点（包括不同意见）": true, "决议内容": true, "表决方式和结果（赞成、反对、弃权）": true,
	// 发展党员的大会还须记录党员总数和参会的预备党员名单.
	"党员总数": true, "参会的预备党员名单": true,
}

func TestMeetingsData(t *testing.T) {
	want := []string{MeetingCongress, MeetingCommittee, MeetingGroup, MeetingLecture, MeetingReview, MeetingThemeDay}
	if len(Meetings) != len(want) {
		t.Fatalf("%d meetings, want %d", len(Meetings), len(want))
	}
	topics := map[string]bool{"三会一课": true, "组织生活会": true}
	for i, m := range Meetings {
		if m.Key != want[i] {
			t.Errorf("meeting %d: key %q, want %q", i, m.Key, want[i])
		}
		if got, ok := MeetingByKey(m.Key); !ok || got.Name != m.Name {
			t.Errorf("%s: MeetingByKey", m.Key)
		}
		if m.Name == "" || m.Frequency == "" || m.Attendees == "" || len(m.Steps) == 0 || !topics[m.Topic] || m.Lesson == "" {
			t.Errorf("%s: incomplete: %+v", m.Key, m)
		}
		if len(m.Sources) == 0 {
			t.Errorf("%s: no source", m.Key)
		}
		for _, s := range m.Sources {
			if !strings.HasPrefix(s.Doc, "《") || !strings.HasPrefix(s.Article, "第") || s.Point == "" {
				t.Errorf("%s: source without document and article: %+v", m.Key, s)
			}
		}
		// Every kind's record holds every element of the facts' common list.
		have := map[string]bool{}
		for _, e := range m.Elements {
			if have[e.Label] {
				t.Errorf("%s: element %q twice", m.Key, e.Label)
			}
			have[e.Label] = true
			if e.Lines < 1 {
				t.Errorf("%s: %q has no blank line", m.Key, e.Label)
			}
			// Never an invented element shown as a rule.
			if !e.Practice && !factElements[e.Label] {
				t.Errorf("%s: element %q is not among the facts' record elements but is not marked 常见做法", m.Key, e.Label)
			}
			if e.Practice && factElements[e.Label] {
				t.Errorf("%s: element %q is a fact but marked 常见做法", m.Key, e.Label)
			}
		}
		for _, e := range recordElements(true) {
			if !have[e.Label] {
				t.Errorf("%s: missing the record element %q", m.Key, e.Label)
			}
		}
	}
	if _, ok := MeetingByKey("dydh2"); ok {
		t.Error("an unknown key is a meeting")
	}
}

// The decisions a kind's facts name: only 党员大会 and 支委会 decide as a rule; the others
// record 决议 and 表决 「如有」. The 发展党员 elements belong to the 党员大会 only.
func TestMeetingsRules(t *testing.T) {
	cases := []struct {
		key        string
		freq       string // a substring of the frequency
		local      bool
		decides    bool
		candidates bool
		article    string
	}{
		{MeetingCongress, "一般每季度召开1次", false, true, true, "第十一条"},
		{MeetingCommittee, "一般每月召开1次", false, true, false, "第十二条"},
		{MeetingGroup, "一般每月召开1次", false, false, false, "第十三条"},
		{MeetingLecture, meetingLocalRule, true, false, false, "第十六条"},
		{MeetingReview, "第四季度", false, false, false, "第十七条"},
		{MeetingThemeDay, "每月相对固定1天", false, false, false, "第十六条"},
	}
	for _, tc := range cases {
		m, _ := MeetingByKey(tc.key)
		if !strings.Contains(m.Frequency, tc.freq) || m.FrequencyIsLocal() != tc.local {
			t.Errorf("%s: frequency %q", tc.key, m.Frequency)
		}
		if m.Sources[0].Article != tc.article || m.Sources[0].Doc != "《中国共产党支部工作条例（试行）》" {
			t.Errorf("%s: source %+v, want %s", tc.key, m.Sources[0], tc.article)
		}
		var candidates bool
		for _, e := range m.Elements {
			if e.Label == "决议内容" && e.IfAny == tc.decides {
				t.Errorf("%s: 决议内容 IfAny=%v", tc.key, e.IfAny)
			}
			if e.Label == "党员总数" {
				candidates = e.When == "讨论发展党员时"
			}
		}
		if candidates != tc.candidates {
			t.Errorf("%s: 党员总数 element: %v, want %v", tc.key, candidates, tc.candidates)
		}
	}
}
