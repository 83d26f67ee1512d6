package tours

import (
	"math"
	"strings"
	"testing"
	"time"

	"zhibu/app/seats"
	"zhibu/app/web"
)

func TestSignupRefusal(t *testing.T) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, web.China)
	w := Window{Status: TourOpen, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(time.Hour), CancelDeadline: now.Add(2 * time.Hour)}
	if r := SignupRefusal(w, now); r != "" {
		t.Fatalf("open window refused: %s", r)
	}
	if r := SignupRefusal(w, now.Add(-2*time.Hour)); !strings.Contains(r, "尚未开始") {
		t.Fatalf("before window: %q", r)
	}
	if r := SignupRefusal(w, now.Add(time.Hour)); !strings.Contains(r, "已截止") {
		t.Fatalf("at close: %q", r)
	}
	w.Status = TourClosed
	if r := SignupRefusal(w, now); !strings.Contains(r, "不接受报名") {
		t.Fatalf("closed tour: %q", r)
	}
}

func TestCancelRefusal(t *testing.T) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, web.China)
	w := Window{Status: TourOpen, CancelDeadline: now}
	if r := CancelRefusal(w, seats.StatusConfirmed, now.Add(-time.Minute)); r != "" {
		t.Fatalf("before deadline refused: %s", r)
	}
	if r := CancelRefusal(w, seats.StatusApproved, now); !strings.Contains(r, "取消截止") {
		t.Fatalf("at deadline: %q", r)
	}
	if r := CancelRefusal(w, seats.StatusWaitlisted, now.Add(time.Hour)); r != "" {
		t.Fatalf("a waiter may always leave the list: %q", r)
	}
	if r := CancelRefusal(w, seats.StatusCancelled, now.Add(-time.Hour)); r == "" {
		t.Fatal("nothing to cancel")
	}
}

// The confirmation page says what a cancellation really does: a held seat goes to the
// first waiter when somebody waits, else it is free for anybody.

func TestHoursProblem(t *testing.T) {
	for _, tc := range []struct {
		h  float64
		ok bool
	}{
		{0, true}, {0.5, true}, {1.25, true}, {8, true}, {199.99, true}, {200, true},
		{-0.01, false}, {-1, false}, {200.01, false}, {1e9, false}, {1.255, false}, {0.001, false},
		{math.NaN(), false}, {math.Inf(1), false}, {math.Inf(-1), false},
	} {
		if got := HoursProblem(tc.h); (got == "") != tc.ok {
			t.Errorf("HoursProblem(%v) = %q, want ok=%v", tc.h, got, tc.ok)
		}
	}
}

func TestRecreditReason(t *testing.T) {
	for _, tc := range []struct {
		oh, nh float64
		oy, ny int
		want   string
	}{
		{4, 4, 2026, 2026, ""},
		{4, 6, 2026, 2026, "考察学时由 4 改为 6"},
		{2.5, 0, 2026, 2026, "考察学时由 2.5 改为 0"},
		{4, 4, 2026, 2027, "考察年度由 2026 改为 2027"},
		{0, 1.25, 2026, 2027, "考察学时由 0 改为 1.25，考察年度由 2026 改为 2027"},
	} {
		if got := RecreditReason(tc.oh, tc.nh, tc.oy, tc.ny); got != tc.want {
			t.Errorf("RecreditReason(%v, %v, %d, %d) = %q, want %q", tc.oh, tc.nh, tc.oy, tc.ny, got, tc.want)
		}
	}
}
