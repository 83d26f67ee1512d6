package tours

import (
	"math"
	"strings"
	"testing"
	"time"

	"zhibu/app/web"
)

func TestPlace(t *testing.T) {
	cases := []struct {
		quota, held int
		want        string
	}{{3, 0, StatusPending}, {3, 2, StatusPending}, {3, 3, StatusWaitlisted}, {0, 0, StatusWaitlisted}, {2, 5, StatusWaitlisted}}
	for _, c := range cases {
		if got := Place(c.quota, c.held); got != c.want {
			t.Errorf("Place(%d,%d) = %s, want %s", c.quota, c.held, got, c.want)
		}
	}
}

func TestPromoteOrder(t *testing.T) {
	waiting := []Waiter{{SignupID: 7, QueueSeq: 30}, {SignupID: 5, QueueSeq: 10}, {SignupID: 9, QueueSeq: 20}}
	got := Promote(3, 1, waiting)
	if len(got) != 2 || got[0].SignupID != 5 || got[1].SignupID != 9 {
		t.Fatalf("two free seats go to the two earliest waiters, got %+v", got)
	}
	if got := Promote(3, 3, waiting); len(got) != 0 {
		t.Fatalf("no free seat promotes nobody, got %+v", got)
	}
	if got := Promote(10, 0, waiting); len(got) != 3 || got[2].SignupID != 7 {
		t.Fatalf("more seats than waiters promotes all in order, got %+v", got)
	}
	if waiting[0].SignupID != 7 {
		t.Fatal("Promote must not reorder the caller's slice")
	}
	if got := Promote(1, 0, nil); got != nil {
		t.Fatal("empty list")
	}
}

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
	if r := CancelRefusal(w, StatusConfirmed, now.Add(-time.Minute)); r != "" {
		t.Fatalf("before deadline refused: %s", r)
	}
	if r := CancelRefusal(w, StatusApproved, now); !strings.Contains(r, "取消截止") {
		t.Fatalf("at deadline: %q", r)
	}
	if r := CancelRefusal(w, StatusWaitlisted, now.Add(time.Hour)); r != "" {
		t.Fatalf("a waiter may always leave the list: %q", r)
	}
	if r := CancelRefusal(w, StatusCancelled, now.Add(-time.Hour)); r == "" {
		t.Fatal("nothing to cancel")
	}
}

// The confirmation page says what a cancellation really does: a held seat goes to the
// first waiter when somebody waits, else it is free for anybody.
func TestCancelConsequence(t *testing.T) {
	cases := []struct {
		status  string
		waiting int
		want    string
	}{
		{StatusPending, 2, "让给候补第 1 位"}, {StatusApproved, 1, "让给候补第 1 位"}, {StatusConfirmed, 1, "只能排在候补队尾"},
		{StatusConfirmed, 0, "名额空出，其他人可以报名"}, {StatusPending, 0, "如再报名需重新审批"},
		{StatusWaitlisted, 3, "退出候补"}, {StatusWaitlisted, 0, "退出候补"},
		{StatusCancelled, 1, ""}, {StatusRejected, 0, ""}, {"", 0, ""},
	}
	for _, c := range cases {
		got := CancelConsequence(c.status, c.waiting)
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("CancelConsequence(%q, %d) = %q, want it to say %q", c.status, c.waiting, got, c.want)
		}
	}
	if got := CancelConsequence(StatusConfirmed, 0); strings.Contains(got, "候补") {
		t.Errorf("nobody waits, yet: %q", got)
	}
}

func TestApproveReject(t *testing.T) {
	cases := []struct {
		role, from string
		approve    bool
		to         string // "" = refused
	}{
		{"organizer", StatusPending, true, StatusApproved},
		{"organizer", StatusApproved, true, ""},
		{"organizer", StatusWaitlisted, true, ""},
		{"admin", StatusPending, true, ""},
		{"admin", StatusApproved, true, StatusConfirmed},
		{"admin", StatusConfirmed, true, ""},
		{"secretary", StatusPending, true, ""},
		{"organizer", StatusPending, false, StatusRejected},
		{"organizer", StatusWaitlisted, false, StatusRejected},
		{"organizer", StatusApproved, false, StatusRejected},
		{"organizer", StatusConfirmed, false, ""},
		{"admin", StatusConfirmed, false, StatusRejected},
		{"admin", StatusCancelled, false, ""},
		{"secretary", StatusPending, false, ""},
	}
	for _, c := range cases {
		var d Decision
		if c.approve {
			d = Approve(c.role, c.from)
		} else {
			d = Reject(c.role, c.from)
		}
		if d.To != c.to || (c.to == "") != (d.Refuse != "") {
			t.Errorf("%s approve=%v from %s: got %+v, want to=%q", c.role, c.approve, c.from, d, c.to)
		}
	}
}

func TestQuotaProblems(t *testing.T) {
	names := map[int64]string{1: "甲镇", 2: "乙镇"}
	if p := QuotaProblems(10, map[int64]int{1: 5, 2: 5}, nil, names); len(p) != 0 {
		t.Fatalf("exact sum is fine: %v", p)
	}
	p := QuotaProblems(10, map[int64]int{1: 6, 2: 5}, nil, names)
	if !strings.Contains(p["quotas"], "超过了总名额") {
		t.Fatalf("sum over total: %v", p)
	}
	p = QuotaProblems(10, map[int64]int{1: 1}, map[int64]int{1: 3, 2: 1}, names)
	if p["quota_1"] == "" || p["quota_2"] == "" {
		t.Fatalf("quota below held seats and removed quota with holders: %v", p)
	}
	if p := QuotaProblems(0, nil, nil, names); p["total_seats"] == "" {
		t.Fatalf("zero total: %v", p)
	}
	if p := QuotaProblems(5, map[int64]int{1: -1}, nil, names); p["quota_1"] == "" {
		t.Fatalf("negative: %v", p)
	}
}

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
