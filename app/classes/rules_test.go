package classes

import (
	"strings"
	"testing"
	"time"
)

func TestAbsenceLimitOneSeventh(t *testing.T) {
	for _, c := range []struct {
		missed, total float64
		want          bool
	}{
		{1, 7, true},      // exactly 1/7
		{1.01, 7, false},  // just over
		{3.5, 24.5, true}, // 1/7 of 24.5
		{3.51, 24.5, false},
		{0, 0, true},
		{4, 24, false}, // 4×7 = 28 > 24
	} {
		if got := WithinAbsenceLimit(c.missed, c.total, 1, 7); got != c.want {
			t.Errorf("WithinAbsenceLimit(%v, %v) = %v, want %v", c.missed, c.total, got, c.want)
		}
	}
	if !WithinAbsenceLimit(2, 8, 1, 4) || WithinAbsenceLimit(2.01, 8, 1, 4) {
		t.Error("a class's own limit of 1/4 is not used")
	}
	if WithinAbsenceLimit(0.01, 8, 0, 7) {
		t.Error("a limit of 0 lets absence through")
	}
}

func TestDecide(t *testing.T) {
	// Seven 1-学时 sessions: one leave is exactly 1/7 → 结业 with 6 学时.
	marks := []SessionMark{{1, Present}, {1, Late}, {1, Leave}, {1, Present}, {1, Present}, {1, Present}, {1, Present}}
	o := Decide(marks, 1, 7)
	if !o.Completed || o.Attended != 6 || o.Missed != 1 || o.Reason != "" {
		t.Errorf("one leave in seven: %+v", o)
	}
	// A session never marked counts as missed: two missed of seven → 未结业, hours still credited.
	marks[6].Status = ""
	o = Decide(marks, 1, 7)
	if o.Completed || o.Attended != 5 || o.Missed != 2 || !strings.Contains(o.Reason, "超过总学时 7 的 1/7") {
		t.Errorf("two missed: %+v", o)
	}
	if o := Decide(nil, 1, 7); o.Completed {
		t.Error("a class without sessions completes")
	}
}

func TestTokens(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	other := []byte("fedcba9876543210fedcba9876543210")
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	tok := SignToken(secret, 42, now.Add(TokenTTL))
	if sid, _, ok := ParseToken(tok); !ok || sid != 42 {
		t.Fatalf("parse %q: %d %v", tok, sid, ok)
	}
	if why := TokenRefusal(secret, tok, now.Add(time.Minute)); why != "" {
		t.Errorf("fresh token refused: %s", why)
	}
	if why := TokenRefusal(secret, tok, now.Add(TokenTTL)); !strings.Contains(why, "过期") {
		t.Errorf("expired token: %q", why)
	}
	if why := TokenRefusal(other, tok, now); !strings.Contains(why, "无效") {
		t.Errorf("token checked with another session's secret: %q", why)
	}
	// Moving the token to another session or stretching its expiry breaks the MAC.
	parts := strings.Split(tok, ".")
	for _, forged := range []string{"43." + parts[1] + "." + parts[2], parts[0] + ".9999999999." + parts[2], "", "a.b.c", strings.Repeat("1", 200)} {
		if why := TokenRefusal(secret, forged, now); why == "" {
			t.Errorf("forged token %q accepted", forged)
		}
	}
	// A token signed far into the future (a stolen secret would be needed) is refused too.
	if why := TokenRefusal(secret, SignToken(secret, 42, now.Add(time.Hour)), now); why == "" {
		t.Error("a token valid for an hour is accepted")
	}
}

func TestRollAndLeaveWindows(t *testing.T) {
	start := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	if RollRefusal(start.Add(-31*time.Minute), start, false) == "" {
		t.Error("roll call 31 minutes early")
	}
	if RollRefusal(start.Add(-30*time.Minute), start, false) != "" || RollRefusal(start.Add(48*time.Hour), start, false) != "" {
		t.Error("roll call refused in its window")
	}
	if RollRefusal(start, start, true) == "" {
		t.Error("roll call after 结班")
	}
	if LeaveRefusal(start.Add(-time.Second), start, false) != "" || LeaveRefusal(start, start, false) == "" {
		t.Error("leave window")
	}
}

func TestExamRefusal(t *testing.T) {
	if ExamRefusal(1, 7, 1, 7) != "" || !strings.Contains(ExamRefusal(2, 7, 1, 7), "不能参加结业考试") {
		t.Error("exam refusal at the limit")
	}
}
