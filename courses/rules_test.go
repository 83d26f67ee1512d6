package courses

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"zhibu/app/web"
)

func TestCreditBeat(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, web.China)
	capD := 30 * time.Second
	prev := &Beat{LessonID: 7, At: t0}
	cases := []struct {
		name    string
		prev    *Beat
		lesson  int64
		after   time.Duration
		resume  bool
		claimed time.Duration
		want    BeatVerdict
	}{
		{"first beat only starts the clock", nil, 7, 10 * time.Second, false, 0, BeatVerdict{}},
		{"same lesson earns elapsed", prev, 7, 15 * time.Second, false, 0, BeatVerdict{Seconds: 15}},
		{"fraction carried", prev, 7, 1700 * time.Millisecond, false, 0, BeatVerdict{Seconds: 1, Carry: 700 * time.Millisecond}},
		{"capped", prev, 7, 10 * time.Minute, false, 0, BeatVerdict{Seconds: 30}},
		{"other lesson earns nothing", prev, 8, 15 * time.Second, false, 0, BeatVerdict{}},
		{"resume earns nothing", prev, 7, 15 * time.Second, true, 0, BeatVerdict{}},
		{"client measure below elapsed is fine", prev, 7, 15 * time.Second, false, 5 * time.Second, BeatVerdict{Seconds: 15}},
		{"client within slack", prev, 7, 15 * time.Second, false, 19 * time.Second, BeatVerdict{Seconds: 15}},
		{"impossible claim refused", prev, 7, 15 * time.Second, false, 60 * time.Second, BeatVerdict{Impossible: true}},
		{"clock going backwards earns nothing", prev, 7, -5 * time.Second, false, 0, BeatVerdict{}},
	}
	for _, c := range cases {
		got := CreditBeat(c.prev, c.lesson, t0.Add(c.after), c.resume, c.claimed, capD)
		if got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestCompletionRules(t *testing.T) {
	if LessonComplete(false, 999, 10) || LessonComplete(true, 9, 10) || !LessonComplete(true, 10, 10) {
		t.Error("lesson needs both the end and the minimum time")
	}
	if CourseComplete(CourseStatus{Lessons: 0}) {
		t.Error("a course without lessons cannot be complete")
	}
	if CourseComplete(CourseStatus{Lessons: 3, LessonsDone: 2}) || !CourseComplete(CourseStatus{Lessons: 3, LessonsDone: 3}) {
		t.Error("a course completes with all its lessons")
	}
	if CourseComplete(CourseStatus{Lessons: 3, LessonsDone: 3, ExamLinked: true}) {
		t.Error("a course with an exam waits for the pass")
	}
	if !CourseComplete(CourseStatus{Lessons: 3, LessonsDone: 3, ExamLinked: true, ExamPassed: true}) {
		t.Error("lessons and the exam passed complete the course")
	}
	if CourseComplete(CourseStatus{Lessons: 3, LessonsDone: 2, ExamLinked: true, ExamPassed: true}) {
		t.Error("passing the exam does not replace the lessons")
	}
}

func TestCreditHours(t *testing.T) {
	rule := YearRule{Year: 2026, TargetHours: 50, MinutesPerHour: 45}
	cases := []struct {
		declared float64
		minSec   int
		rule     YearRule
		want     float64
	}{
		{4, 0, rule, 4},
		{2.5, 9999, rule, 2.5},
		{0, 90 * 60, rule, 2},                          // 90 min / 45 = 2
		{0, 100 * 60, rule, 2},                         // 2.22 → 2 (half-hour floor)
		{0, 70 * 60, rule, 1.5},                        // 1.55 → 1.5
		{0, 5 * 60, rule, 0.5},                         // at least 0.5
		{0, 0, rule, 0},                                // nothing to study
		{0, 120 * 60, YearRule{MinutesPerHour: 60}, 2}, // another year's conversion
		// At the boundaries, at 45 minutes per 学时: 67.5 minutes are 1.5 学时, one second
		// less is still 1 (flooring, not rounding); one second more is not yet 2.
		{0, 4049, rule, 1},
		{0, 4050, rule, 1.5},
		{0, 4051, rule, 1.5},
		{0, 5399, rule, 1.5},
		{0, 5400, rule, 2},
		{0, 1, rule, 0.5}, // the smallest study time still earns 0.5
	}
	for _, c := range cases {
		if got := CreditHours(c.declared, c.minSec, c.rule); got != c.want {
			t.Errorf("CreditHours(%v,%d,%d) = %v, want %v", c.declared, c.minSec, c.rule.MinutesPerHour, got, c.want)
		}
	}
	if FormatHours(12) != "12" || FormatHours(12.5) != "12.5" || FormatHours(0.25) != "0.25" {
		t.Error("FormatHours", FormatHours(12), FormatHours(12.5), FormatHours(0.25))
	}
}

func TestAssignmentApplies(t *testing.T) {
	if !(AssignmentScope{Scope: "all"}).Applies(1, "农村") {
		t.Error("all")
	}
	tw := AssignmentScope{Scope: "townships", TownshipIDs: []int64{2, 3}}
	if tw.Applies(1, "农村") || !tw.Applies(3, "农村") {
		t.Error("townships")
	}
	k := AssignmentScope{Scope: "kinds", BranchKinds: []string{"社区"}}
	if k.Applies(1, "农村") || !k.Applies(1, "社区") {
		t.Error("kinds")
	}
}

func TestMoveID(t *testing.T) {
	ids := []int64{1, 2, 3}
	if got := MoveID(ids, 2, -1); got[0] != 2 || got[1] != 1 {
		t.Error(got)
	}
	if got := MoveID(ids, 3, 1); got[2] != 3 {
		t.Error(got)
	}
	if !sameSet([]int64{1, 2}, []int64{2, 1}) || sameSet([]int64{1, 2}, []int64{1, 1}) || sameSet([]int64{1}, []int64{1, 2}) {
		t.Error("sameSet")
	}
}

func TestValidation(t *testing.T) {
	in := CourseInput{Title: "  ", Category: "其他", CreditHours: -1}
	f := in.Validate()
	for _, k := range []string{"title", "category", "credit_hours"} {
		if f[k] == "" {
			t.Errorf("course field %s should be refused", k)
		}
	}
	ok := CourseInput{Title: " 三会一课 ", Category: "实务", CreditHours: 2}
	if f := ok.Validate(); f != nil || ok.Title != "三会一课" {
		t.Error(f, ok.Title)
	}
	l := LessonInput{Title: "x", VideoURL: "javascript:alert(1)", MinSeconds: -1}
	f = l.Validate()
	if f["video_url"] == "" || f["min_seconds"] == "" {
		t.Error(f)
	}
	_, f = AssignmentInput{Year: 2026, Scope: "kinds", BranchKinds: []string{"火星"}, DueDate: "2026-13-01"}.Assignment(1)
	if f["branch_kinds"] == "" || f["due_date"] == "" {
		t.Error(f)
	}
	a, f := AssignmentInput{Year: 2026, Scope: "townships", TownshipIDs: []int64{5}, DueDate: "2026-12-31"}.Assignment(1)
	if len(f) > 0 || a.DueDate.Day() != 31 {
		t.Error(f, a)
	}
	if f := (YearRule{Year: 2026, TargetHours: 0, MinutesPerHour: 0}).Validate(); f["target_hours"] == "" || f["minutes_per_hour"] == "" {
		t.Error(f)
	}
}

func TestCheckPDF(t *testing.T) {
	if err := CheckPDF("a.pdf", []byte("%PDF-1.7\n...")); err != nil {
		t.Error(err)
	}
	if err := CheckPDF("a.pdf", []byte("PK\x03\x04 zip")); !errors.Is(err, ErrNotPDF) || errorTable[ErrNotPDF].Status != 422 {
		t.Errorf("non-PDF: %v", err)
	}
	big := append([]byte("%PDF-"), bytes.Repeat([]byte{0}, MaxAttachment)...)
	if err := CheckPDF("a.pdf", big); !errors.Is(err, ErrTooLarge) || errorTable[ErrTooLarge].Status != 413 {
		t.Errorf("oversized: %v", err)
	}
}

// Declaring more 学时 than the year's conversion gives for the lessons' minimum times needs
// a reason; less, the same, or nothing (0: the conversion) needs none.
func TestCreditCheckNeedsReason(t *testing.T) {
	r45 := YearRule{Year: 2026, TargetHours: 50, MinutesPerHour: 45}
	r30 := YearRule{Year: 2026, TargetHours: 50, MinutesPerHour: 30}
	cases := []struct {
		name      string
		declared  float64
		lessons   int
		minSec    int
		rule      YearRule
		converted float64
		needs     bool
	}{
		{"nothing declared: the conversion applies", 0, 3, 45 * 60, r45, 1, false},
		{"declared equals the conversion", 1, 3, 45 * 60, r45, 1, false},
		{"declared less", 0.5, 3, 45 * 60, r45, 1, false},
		{"a hundredth more", 1.01, 3, 45 * 60, r45, 1, true},
		{"below the hundredth is the same", 1.004, 3, 45 * 60, r45, 1, false},
		{"48 minutes are 1 学时, not 2", 2, 4, 48 * 60, r45, 1, true},
		{"one second short of 2 学时", 2, 3, 90*60 - 1, r45, 1.5, true},
		{"exactly 2 学时", 2, 3, 90 * 60, r45, 2, false},
		{"another year's conversion", 2, 4, 60 * 60, r30, 2, false},
		{"the smallest study time gives 0.5", 0.5, 1, 1, r45, 0.5, false},
		{"more than the smallest", 1, 1, 1, r45, 0.5, true},
		{"lessons without a minimum time give 0", 1, 2, 0, r45, 0, true},
		{"no lessons yet: nothing to compare", 2, 0, 0, r45, 0, false},
	}
	for _, c := range cases {
		chk := CheckCredit(c.declared, c.lessons, c.minSec, c.rule)
		if chk.Converted != c.converted || chk.NeedsReason() != c.needs {
			t.Errorf("%s: converted %v needs %v, want %v %v", c.name, chk.Converted, chk.NeedsReason(), c.converted, c.needs)
		}
		// What a course earns is the declared 学时 when there are some, else the conversion.
		if want := c.converted; c.declared > 0 {
			if got := CreditHours(c.declared, c.minSec, c.rule); got != chk.Declared {
				t.Errorf("%s: CreditHours %v, declared %v", c.name, got, chk.Declared)
			}
		} else if got := CreditHours(0, c.minSec, c.rule); got != want {
			t.Errorf("%s: CreditHours %v, converted %v", c.name, got, want)
		}
	}
	msg := CheckCredit(2, 4, 48*60, r45).ReasonMissing()
	if !strings.Contains(msg, "认定 2 学时") || !strings.Contains(msg, "折算的 1 学时") || !strings.Contains(msg, "理由") {
		t.Errorf("message %q", msg)
	}
}

// The demo courses' 学时 agree with their lessons' minimum times under the demo year's
// conversion, or say why not; and the demo year's target is within reach of the demo
// content: every demo course plus a little offline training.
func TestDemoHoursConsistent(t *testing.T) {
	list, err := DemoCourses()
	if err != nil {
		t.Fatal(err)
	}
	rule := DefaultYearRule(2026) // the demo year keeps the default conversion (seedCourses)
	sum := 0.0
	for _, d := range list {
		total := 0
		for _, l := range d.Lessons {
			total += l.MinSeconds
		}
		chk := CheckCredit(d.Course.CreditHours, len(d.Lessons), total, rule)
		if chk.NeedsReason() && d.Course.CreditReason == "" {
			t.Errorf("%s: %s", d.Course.Title, chk.ReasonMissing())
		}
		if chk.Converted < 1 {
			t.Errorf("%s: the lessons' minimum times give only %v 学时", d.Course.Title, chk.Converted)
		}
		sum += CreditHours(d.Course.CreditHours, total, rule)
	}
	if sum > DemoTargetHours || DemoTargetHours > sum+demoOfflineHours {
		t.Errorf("demo courses give %v 学时; the demo target %v should need a little offline (at most %v)", sum, DemoTargetHours, float64(demoOfflineHours))
	}
}

func TestParseDemo(t *testing.T) {
	src := "---\ntitle: 测试课程\ncategory: 实务\ntopic: 三会一课\nhours: 1.5\nsummary: 简介\nrequired: true\nmin_minutes: 0.5\nreason: 含课后练习\n---\n# 第一课\n\n正文一\n\n```\n# not a lesson\n```\n# 第二课\n## 小节\n正文二\n"
	d, err := ParseDemo("x.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if d.Course.Title != "测试课程" || d.Course.CreditHours != 1.5 || d.Course.CreditReason != "含课后练习" || !d.Required || len(d.Lessons) != 2 {
		t.Fatalf("%+v", d)
	}
	if d.Lessons[0].MinSeconds != 30 || !strings.Contains(d.Lessons[0].Body, "# not a lesson") || d.Lessons[1].Title != "第二课" {
		t.Fatalf("%+v", d.Lessons)
	}
	for _, bad := range []string{"no front matter", "---\ntitle: x\n", "---\ntitle: x\ncategory: 理论\n---\n", "---\ntitle: x\ncategory: 哲学\n---\n# a\n"} {
		if _, err := ParseDemo("bad.md", []byte(bad)); err == nil {
			t.Errorf("should refuse %q", bad)
		}
	}
	// The real demo files parse, with at least 3 lessons each.
	list, err := DemoCourses()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) < 5 {
		t.Errorf("want at least 5 demo courses, got %d", len(list))
	}
	for _, d := range list {
		if len(d.Lessons) < 3 {
			t.Errorf("%s has %d lessons", d.Course.Title, len(d.Lessons))
		}
	}
}

func TestFormatUnits(t *testing.T) {
	durations := []struct {
		sec  int
		want string
	}{{-3, "0 秒"}, {0, "0 秒"}, {30, "30 秒"}, {59, "59 秒"}, {60, "1 分钟"}, {200, "3 分 20 秒"}, {300, "5 分钟"}, {3601, "60 分 1 秒"}}
	for _, c := range durations {
		if got := FormatDuration(c.sec); got != c.want {
			t.Errorf("FormatDuration(%d) = %q, want %q", c.sec, got, c.want)
		}
	}
	minutes := []struct {
		sec  int
		want string
	}{{0, "0 分钟"}, {-5, "0 分钟"}, {2, "0.1 分钟"}, {30, "0.5 分钟"}, {60, "1 分钟"}, {90, "1.5 分钟"},
		{300, "5 分钟"}, {301, "5.1 分钟"}, {306, "5.1 分钟"}, {307, "5.2 分钟"}, {36000, "600 分钟"}}
	for _, c := range minutes {
		if got := FormatMinutes(c.sec); got != c.want {
			t.Errorf("FormatMinutes(%d) = %q, want %q", c.sec, got, c.want)
		}
	}
	sizes := []struct {
		bytes int64
		want  string
	}{{0, "0 KB"}, {1, "1 KB"}, {511, "1 KB"}, {1024, "1 KB"}, {350 * 1024, "350 KB"}, {1023 * 1024, "1023 KB"},
		{1024*1024 - 1, "1 MB"}, {1024 * 1024, "1 MB"}, {1258291, "1.2 MB"}, {50 * 1024 * 1024, "50 MB"}, {52428799, "50 MB"}}
	for _, c := range sizes {
		if got := FormatSize(c.bytes); got != c.want {
			t.Errorf("FormatSize(%d) = %q, want %q", c.bytes, got, c.want)
		}
	}
	if got := (Lesson{MinSeconds: 300}).MinText(); got != "5 分钟" {
		t.Errorf("Lesson.MinText = %q", got)
	}
	if got := (Attachment{Size: 350 * 1024}).SizeText(); got != "350 KB" {
		t.Errorf("Attachment.SizeText = %q", got)
	}
}

// The staff card turns into 催学 for the first 必修 course whose last day is today or within
// RemindDays (China dates) with people still not done.
func TestPushFor(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d } // a DATE as read: UTC midnight
	now := time.Date(2026, 12, 10, 23, 0, 0, 0, web.China)
	for _, tc := range []struct {
		name  string
		stats []RequiredStat
		want  int64 // course id, 0: none
	}{
		{"due today, people behind", []RequiredStat{{CourseID: 1, DueDate: day("2026-12-10"), Required: 5, Done: 4}}, 1},
		{"past its last day", []RequiredStat{{CourseID: 1, DueDate: day("2026-12-09"), Required: 5, Done: 4}}, 0},
		{"everyone done: the next one", []RequiredStat{{CourseID: 1, DueDate: day("2026-12-12"), Required: 5, Done: 5},
			{CourseID: 2, DueDate: day("2026-12-20"), Required: 5, Done: 0}}, 2},
		{"within 14 days", []RequiredStat{{CourseID: 3, DueDate: day("2026-12-24"), Required: 5, Done: 0}}, 3},
		{"15 days away", []RequiredStat{{CourseID: 3, DueDate: day("2026-12-25"), Required: 5, Done: 0}}, 0},
		{"nothing", nil, 0},
	} {
		got := PushFor(tc.stats, now)
		if (got == nil && tc.want != 0) || (got != nil && got.CourseID != tc.want) {
			t.Errorf("%s: %+v, want course %d", tc.name, got, tc.want)
		}
	}
}
