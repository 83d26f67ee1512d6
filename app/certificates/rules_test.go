package certificates

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestQualifies(t *testing.T) {
	cases := []struct {
		name    string
		kind    string
		f       Facts
		ok      bool
		missing string
	}{
		{"class completed", KindClass, Facts{Participant: true, Completed: true}, true, ""},
		{"class not completed", KindClass, Facts{Participant: true}, false, "结班后结业"},
		{"class not a participant", KindClass, Facts{Completed: true}, false, "不是本培训班学员"},
		{"year done", KindYear, Facts{CoursesLeft: 0, ExamPassed: true}, true, ""},
		{"year courses left", KindYear, Facts{CoursesLeft: 2, ExamPassed: true}, false, "还有 2 门必修课程未完成"},
		{"year exam not passed", KindYear, Facts{}, false, "考试尚未通过"},
		{"year neither", KindYear, Facts{CoursesLeft: 1}, false, "还有 1 门"},
		{"year ignores class facts", KindYear, Facts{Participant: true, Completed: true, CoursesLeft: 1, ExamPassed: true}, false, "必修"},
		{"class ignores year facts", KindClass, Facts{Participant: true, ExamPassed: true}, false, "结业"},
		{"unknown kind", "tour", Facts{Participant: true, Completed: true, ExamPassed: true}, false, "未知"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ok, missing := Qualifies(tc.kind, tc.f)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v (%v)", ok, tc.ok, missing)
			}
			if ok != (len(missing) == 0) {
				t.Fatalf("ok %v with missing %v", ok, missing)
			}
			if tc.missing != "" && !slices.ContainsFunc(missing, func(m string) bool { return strings.Contains(m, tc.missing) }) {
				t.Fatalf("missing %v, want one with %q", missing, tc.missing)
			}
		})
	}
}

func TestFormatSerial(t *testing.T) {
	for _, tc := range []struct {
		year, n int
		want    string
	}{{2026, 1, "ZB2026-000001"}, {2026, 123, "ZB2026-000123"}, {2027, 999999, "ZB2027-999999"}, {2027, 1234567, "ZB2027-1234567"}} {
		if got := FormatSerial(tc.year, tc.n); got != tc.want {
			t.Fatalf("FormatSerial(%d, %d) = %q, want %q", tc.year, tc.n, got, tc.want)
		}
	}
}

func TestValidCode(t *testing.T) {
	good, err := NewCode()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewCode()
	if !ValidCode(good) || good == other {
		t.Fatalf("NewCode %q (then %q) should be a valid, fresh code", good, other)
	}
	for _, bad := range []string{"", strings.ToUpper(good), good[:31], good + "a", strings.Repeat("a", 31) + "1",
		strings.Repeat("a", 31) + "8", strings.Repeat("a", 30) + "中", "../../../../etc/passwd/aaaaaaaaaa", strings.Repeat("a", 31) + "\x00"} {
		if ValidCode(bad) {
			t.Fatalf("ValidCode(%q) = true", bad)
		}
	}
}

func TestVerifyURLAndLimit(t *testing.T) {
	if got := VerifyURL("https://zhibu.example.gov.cn/", "http://10.0.0.5:8080", "abc"); got != "https://zhibu.example.gov.cn/verify/abc" {
		t.Fatal(got)
	}
	if got := VerifyURL(" ", "http://10.0.0.5:8080", "abc"); got != "http://10.0.0.5:8080/verify/abc" {
		t.Fatal(got)
	}
	if Limited(30, 30) || !Limited(31, 30) {
		t.Fatal("Limited: the limit-th request is allowed, the next refused")
	}
	at := time.Date(2026, 12, 4, 13, 59, 59, 0, time.UTC)
	if !Window(at).Equal(time.Date(2026, 12, 4, 13, 59, 0, 0, time.UTC)) || !Window(at.Add(time.Second)).Equal(time.Date(2026, 12, 4, 14, 0, 0, 0, time.UTC)) {
		t.Fatal("Window: a minute window")
	}
	// 2026-12-31 20:00 UTC is already 2027-01-01 in China.
	if d := DayOf(time.Date(2026, 12, 31, 20, 0, 0, 0, time.UTC)); d.Year() != 2027 || d.Day() != 1 {
		t.Fatalf("DayOf: %v", d)
	}
}
