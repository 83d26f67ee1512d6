package seats

import (
	"strings"
	"testing"
)

func TestPlace(t *testing.T) {
	cases := []struct {
		quota, held, total, totalHeld int
		want                          string
	}{
		{3, 0, 10, 0, StatusPending}, {3, 2, 10, 5, StatusPending}, {3, 3, 10, 3, StatusWaitlisted},
		{0, 0, 10, 0, StatusWaitlisted}, {2, 5, 10, 5, StatusWaitlisted},
		{3, 1, 10, 10, StatusWaitlisted}, // the township has quota left but the whole is full
	}
	for _, c := range cases {
		if got := Place(c.quota, c.held, c.total, c.totalHeld); got != c.want {
			t.Errorf("Place(%d,%d,%d,%d) = %s, want %s", c.quota, c.held, c.total, c.totalHeld, got, c.want)
		}
	}
}

func TestPromoteOrder(t *testing.T) {
	waiting := []Waiter{{SignupID: 7, QueueSeq: 30}, {SignupID: 5, QueueSeq: 10}, {SignupID: 9, QueueSeq: 20}}
	got := Promote(Free(3, 1, 100, 1), waiting)
	if len(got) != 2 || got[0].SignupID != 5 || got[1].SignupID != 9 {
		t.Fatalf("two free seats go to the two earliest waiters, got %+v", got)
	}
	if got := Promote(Free(3, 3, 100, 3), waiting); len(got) != 0 {
		t.Fatalf("no free seat promotes nobody, got %+v", got)
	}
	if got := Promote(Free(10, 0, 100, 0), waiting); len(got) != 3 || got[2].SignupID != 7 {
		t.Fatalf("more seats than waiters promotes all in order, got %+v", got)
	}
	if got := Promote(Free(10, 0, 20, 19), waiting); len(got) != 1 || got[0].SignupID != 5 {
		t.Fatalf("the total bounds the quota: one seat left in the whole, got %+v", got)
	}
	if waiting[0].SignupID != 7 {
		t.Fatal("Promote must not reorder the caller's slice")
	}
	if got := Promote(1, nil); got != nil {
		t.Fatal("empty list")
	}
	if Free(2, 5, 10, 5) != 0 {
		t.Fatal("a township over its quota has no free seat")
	}
}

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
