// Package seats is the one mechanism by which people get a place in something with
// per-township quotas: a study tour (app/tours) or a 集中培训班 filled by nomination
// (app/classes). A township's secretaries take its seats in the order they sign up or are
// nominated; beyond the quota they join the township's waiting list; the township
// organizer approves (first level), the county confirms (final); a cancellation or a
// rejection promotes the township's next waiter. Each feature keeps its own tables of the
// same shape (Tables) and calls this package for every decision and every change.
//
// This file holds the pure rules; store.go changes the tables, list.go reads them.
package seats

import (
	"fmt"
	"sort"

	"zhibu/app/web"
)

// Sign-up statuses.
const (
	StatusPending    = "pending"    // inside the quota, awaiting the township organizer
	StatusApproved   = "approved"   // approved by the township, awaiting the county
	StatusConfirmed  = "confirmed"  // final approval by the county
	StatusWaitlisted = "waitlisted" // beyond the quota, waiting in the township's queue
	StatusRejected   = "rejected"
	StatusCancelled  = "cancelled"
)

// Statuses is the sign-up status vocabulary in the order staff lists show it: the seats
// (confirmed first), the waiting list, then those who left. Staff filters offer exactly
// these.
var Statuses = []string{StatusConfirmed, StatusApproved, StatusPending, StatusWaitlisted, StatusRejected, StatusCancelled}

// statusOrder is Statuses as SQL (list.go orders by it).
const statusOrder = `ARRAY['confirmed','approved','pending','waitlisted','rejected','cancelled']`

// heldSQL is HoldsSeat as SQL.
const heldSQL = `('pending','approved','confirmed')`

// KnownStatus tells whether s is a sign-up status.
func KnownStatus(s string) bool {
	for _, k := range Statuses {
		if k == s {
			return true
		}
	}
	return false
}

// StatusName is the Chinese label of a sign-up status.
func StatusName(s string) string {
	switch s {
	case StatusPending:
		return "待乡镇审核"
	case StatusApproved:
		return "待县委终审"
	case StatusConfirmed:
		return "已确认参加"
	case StatusWaitlisted:
		return "候补中"
	case StatusRejected:
		return "未通过"
	case StatusCancelled:
		return "已取消"
	}
	return s
}

// HoldsSeat tells whether a sign-up in this status takes one of the township's seats.
func HoldsSeat(status string) bool {
	return status == StatusPending || status == StatusApproved || status == StatusConfirmed
}

// Active tells whether a sign-up still counts (holds a seat or waits for one).
func Active(status string) bool { return HoldsSeat(status) || status == StatusWaitlisted }

// Place decides where a new sign-up goes: a seat while the township has quota left and
// the whole (total seats) has room, else the waiting list.
func Place(quota, held, total, totalHeld int) string {
	if held < quota && totalHeld < total {
		return StatusPending
	}
	return StatusWaitlisted
}

// Waiter is one person on a township's waiting list.
type Waiter struct {
	SignupID int64
	QueueSeq int64
}

// Free is how many of a township's waiters may move up: the seats of its quota it does not
// hold, never more than the whole has left (quotas add up to at most the total, but stay
// safe should they ever not).
func Free(quota, held, total, totalHeld int) int {
	free := min(quota-held, total-totalHeld)
	return max(free, 0)
}

// Promote returns the waiters that move into `free` seats: the earliest in the queue
// first, as many as there are free seats.
func Promote(free int, waiting []Waiter) []Waiter {
	if free <= 0 || len(waiting) == 0 {
		return nil
	}
	w := append([]Waiter(nil), waiting...)
	sort.SliceStable(w, func(i, j int) bool { return w[i].QueueSeq < w[j].QueueSeq })
	if free < len(w) {
		w = w[:free]
	}
	return w
}

// CancelConsequence says in one Chinese sentence what cancelling a sign-up in status does,
// for the confirmation page. waiting is the number of people on the waiting list of the
// sign-up's township: a freed seat goes to the first of them (promote), and whoever signs
// up again joins at the back. "" when there is nothing to cancel.
func CancelConsequence(status string, waiting int) string {
	switch {
	case status == StatusWaitlisted:
		return "取消后您将退出候补"
	case !HoldsSeat(status):
		return ""
	case waiting > 0:
		return "取消后，您的名额将让给候补第 1 位（不能恢复）；如再报名，只能排在候补队尾"
	}
	return "取消后名额空出，其他人可以报名；如再报名需重新审批"
}

// RejectConsequence says in one Chinese sentence what rejecting a sign-up in status does,
// for the confirmation page. waiting is the number of people on the waiting list of the
// sign-up's township: a freed seat goes to the first of them (promote). A rejected person
// cannot be signed up again (ErrAlreadyRejected); notified tells whether the feature tells
// them the reason.
func RejectConsequence(status string, waiting int, notified bool) string {
	final := "驳回后该报名不能恢复，本人不能再次报名"
	gone := "移出后该书记退出候补名单，不能恢复，也不能再次报名"
	if notified {
		final += "，系统会把驳回理由通知本人"
		gone += "，系统会把理由通知本人"
	}
	switch {
	case status == StatusWaitlisted:
		return gone
	case !HoldsSeat(status):
		return ""
	case waiting > 0:
		return final + "；名额让给本乡镇候补第 1 位"
	}
	return final + "；名额空出，本乡镇其他书记可以报名"
}

// Decision is what an approve or reject does to a sign-up.
type Decision struct {
	To     string // the new status
	Refuse string // Chinese reason when the action is not allowed
}

// ToDo is the sign-up status awaiting a staff role's decision: the organizer's first
// approval, the admin's final one.
func ToDo(role string) string {
	if role == web.RoleAdmin {
		return StatusApproved
	}
	return StatusPending
}

// Approve decides the organizer's (first level) or the admin's (final) approval.
func Approve(role, from string) Decision {
	switch role {
	case web.RoleOrganizer:
		if from == StatusPending {
			return Decision{To: StatusApproved}
		}
		if from == StatusApproved || from == StatusConfirmed {
			return Decision{Refuse: "该报名已审核通过"}
		}
	case web.RoleAdmin:
		if from == StatusApproved {
			return Decision{To: StatusConfirmed}
		}
		if from == StatusPending {
			return Decision{Refuse: "该报名尚待乡镇组织委员审核，审核通过后才能终审"}
		}
		if from == StatusConfirmed {
			return Decision{Refuse: "该报名已终审通过"}
		}
	default:
		return Decision{Refuse: "您没有审核权限"}
	}
	if from == StatusWaitlisted {
		return Decision{Refuse: "候补人员不能直接审核，有名额空出时会按顺序自动递补"}
	}
	return Decision{Refuse: "该报名已" + StatusName(from) + "，不能审核"}
}

// Reject decides a rejection: organizers reject before the county decided; the admin
// may reject at any active stage.
func Reject(role, from string) Decision {
	if !Active(from) {
		return Decision{Refuse: "该报名已" + StatusName(from) + "，不能驳回"}
	}
	if role == web.RoleOrganizer && from == StatusConfirmed {
		return Decision{Refuse: "县委已终审通过，请联系县委组织部处理"}
	}
	if role != web.RoleOrganizer && role != web.RoleAdmin {
		return Decision{Refuse: "您没有审核权限"}
	}
	return Decision{To: StatusRejected}
}

// MaxSeats bounds a total and every quota: far above any real tour or class, far below
// what the integer columns hold.
const MaxSeats = 100000

// QuotaField is the form field of a township's quota.
func QuotaField(townshipID int64) string { return fmt.Sprintf("quota_%d", townshipID) }

// QuotaProblems checks a total of seats and the townships' quotas; the map is keyed by
// form field ("total_seats", "quota_<township id>", "quotas") and empty when all is well.
// held gives the seats each township already holds, which a smaller quota must still fit.
func QuotaProblems(total int, quotas map[int64]int, held map[int64]int, names map[int64]string) map[string]string {
	p := map[string]string{}
	if total <= 0 {
		p["total_seats"] = "总名额应大于 0"
	} else if total > MaxSeats {
		p["total_seats"] = fmt.Sprintf("总名额不能超过 %d", MaxSeats)
	}
	sum := 0
	for tid, q := range quotas {
		field := QuotaField(tid)
		if q < 0 {
			p[field] = "名额不能为负数"
			continue
		}
		if q > MaxSeats {
			p[field] = fmt.Sprintf("名额不能超过 %d", MaxSeats)
			continue
		}
		if h := held[tid]; q < h {
			p[field] = fmt.Sprintf("%s已有 %d 人占用名额，名额不能少于 %d", names[tid], h, h)
		}
		sum += q
	}
	for tid, h := range held {
		if _, ok := quotas[tid]; !ok && h > 0 {
			p[QuotaField(tid)] = fmt.Sprintf("%s已有 %d 人占用名额，不能取消该乡镇的名额", names[tid], h)
		}
	}
	if total > 0 && total <= MaxSeats && sum > total {
		p["quotas"] = fmt.Sprintf("各乡镇名额合计 %d，超过了总名额 %d", sum, total)
	}
	return p
}
