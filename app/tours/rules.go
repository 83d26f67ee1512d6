package tours

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"zhibu/app/hours"
	"zhibu/app/web"
)

// Pure rules: everything that decides who gets a seat, who waits, who may do what and
// when. The store calls them while it holds the tour's row lock.

// Sign-up statuses.
const (
	StatusPending    = "pending"    // inside the quota, awaiting the township organizer
	StatusApproved   = "approved"   // approved by the township, awaiting the county
	StatusConfirmed  = "confirmed"  // final approval by the county
	StatusWaitlisted = "waitlisted" // beyond the quota, waiting in the township's queue
	StatusRejected   = "rejected"
	StatusCancelled  = "cancelled"
)

// SignupStatuses is the sign-up status vocabulary in the order staff lists show it:
// the seats (confirmed first), the waiting list, then those who left. Staff filters
// offer exactly these.
var SignupStatuses = []string{StatusConfirmed, StatusApproved, StatusPending, StatusWaitlisted, StatusRejected, StatusCancelled}

// KnownStatus tells whether s is a sign-up status.
func KnownStatus(s string) bool {
	for _, k := range SignupStatuses {
		if k == s {
			return true
		}
	}
	return false
}

// Tour statuses.
const (
	TourDraft  = "draft"
	TourOpen   = "open"
	TourClosed = "closed"
	TourDone   = "done"
)

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

// TourStatusName is the Chinese label of a tour status.
func TourStatusName(s string) string {
	switch s {
	case TourDraft:
		return "草稿"
	case TourOpen:
		return "报名中"
	case TourClosed:
		return "报名结束"
	case TourDone:
		return "已结束"
	}
	return s
}

// HoldsSeat tells whether a sign-up in this status takes one of the township's seats.
func HoldsSeat(status string) bool {
	return status == StatusPending || status == StatusApproved || status == StatusConfirmed
}

// Active tells whether a sign-up still counts (holds a seat or waits for one).
func Active(status string) bool { return HoldsSeat(status) || status == StatusWaitlisted }

// Place decides where a new sign-up goes: a seat while the township has quota left,
// else the waiting list.
func Place(quota, held int) string {
	if held < quota {
		return StatusPending
	}
	return StatusWaitlisted
}

// Waiter is one person on a township's waiting list.
type Waiter struct {
	SignupID int64
	QueueSeq int64
}

// Promote returns the waiters that move up when the township holds `held` of `quota`
// seats: the earliest in the queue first, as many as there are free seats.
func Promote(quota, held int, waiting []Waiter) []Waiter {
	free := quota - held
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

// Window is the part of a tour that decides whether sign-ups and cancellations are allowed.
type Window struct {
	Status         string
	OpensAt        time.Time
	ClosesAt       time.Time
	CancelDeadline time.Time
}

// SignupRefusal gives the Chinese reason why nobody can sign up now ("" when allowed).
func SignupRefusal(w Window, now time.Time) string {
	switch {
	case w.Status != TourOpen:
		return "该考察活动当前不接受报名（" + TourStatusName(w.Status) + "）"
	case now.Before(w.OpensAt):
		return "报名尚未开始，开始时间：" + w.OpensAt.In(web.China).Format("2006-01-02 15:04")
	case !now.Before(w.ClosesAt):
		return "报名已截止（截止时间：" + w.ClosesAt.In(web.China).Format("2006-01-02 15:04") + "）"
	}
	return ""
}

// CancelRefusal gives the Chinese reason why a sign-up in status cannot be cancelled now.
func CancelRefusal(w Window, status string, now time.Time) string {
	if !Active(status) {
		return "您没有可取消的报名"
	}
	if status != StatusWaitlisted && !now.Before(w.CancelDeadline) {
		return "已过取消截止时间（" + w.CancelDeadline.In(web.China).Format("2006-01-02 15:04") + "），如确需退出请联系乡镇组织委员"
	}
	return ""
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
// cannot sign up for the tour again (ErrAlreadyRejected) and is told the reason.
func RejectConsequence(status string, waiting int) string {
	const final = "驳回后该报名不能恢复，本人不能再次报名，系统会把驳回理由通知本人"
	switch {
	case status == StatusWaitlisted:
		return "移出后该书记退出候补名单，不能恢复，也不能再次报名，系统会把理由通知本人"
	case !HoldsSeat(status):
		return ""
	case waiting > 0:
		return final + "；名额让给本乡镇候补第 1 位"
	}
	return final + "；名额空出，本乡镇其他书记可以报名"
}

// StatusChangeConsequence says in one Chinese sentence what changing a tour from one
// status to another does, for the confirmation before saving ("" when saving needs no
// question: nothing changes for secretaries). from is "" for a new tour.
func StatusChangeConsequence(from, to string) string {
	if from == to || (from == "" && to == TourDraft) {
		return ""
	}
	switch to {
	case TourOpen:
		if from == "" || from == TourDraft {
			return "发布后全县支部书记都能看到该考察，有名额的乡镇的书记可在报名时间内报名；请先确认时间和名额无误"
		}
		return "重新开放后，支部书记可以在报名时间内继续报名"
	case TourClosed:
		return "报名结束后，支部书记不能再报名；已报名和候补的人员保持不变"
	case TourDone:
		return "标为已结束后，该考察不再接受报名"
	case TourDraft:
		return "改回草稿后，支部书记将看不到该考察，已有的报名保持不变"
	}
	return ""
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
	case "organizer":
		if from == StatusPending {
			return Decision{To: StatusApproved}
		}
		if from == StatusApproved || from == StatusConfirmed {
			return Decision{Refuse: "该报名已审核通过"}
		}
	case "admin":
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
	if role == "organizer" && (from == StatusApproved || from == StatusConfirmed) {
		if from == StatusConfirmed {
			return Decision{Refuse: "县委已终审通过，请联系县委组织部处理"}
		}
		return Decision{To: StatusRejected}
	}
	if role != "organizer" && role != "admin" {
		return Decision{Refuse: "您没有审核权限"}
	}
	return Decision{To: StatusRejected}
}

// MaxSeats bounds a tour's total and every quota: far above any real tour, far below what
// the integer columns of tours and tour_quotas hold.
const MaxSeats = 100000

// quotaField is the form field of a township's quota.
func quotaField(townshipID int64) string { return fmt.Sprintf("quota_%d", townshipID) }

// QuotaProblems checks a tour's seats and quotas; the map is keyed by form field
// ("total_seats", "quota_<township id>") and empty when all is well. held gives the
// seats each township already holds, which a smaller quota must still fit.
func QuotaProblems(total int, quotas map[int64]int, held map[int64]int, names map[int64]string) map[string]string {
	p := map[string]string{}
	if total <= 0 {
		p["total_seats"] = "总名额应大于 0"
	} else if total > MaxSeats {
		p["total_seats"] = fmt.Sprintf("总名额不能超过 %d", MaxSeats)
	}
	sum := 0
	for tid, q := range quotas {
		field := quotaField(tid)
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
			p[quotaField(tid)] = fmt.Sprintf("%s已有 %d 人占用名额，不能取消该乡镇的名额", names[tid], h)
		}
	}
	if total > 0 && total <= MaxSeats && sum > total {
		p["quotas"] = fmt.Sprintf("各乡镇名额合计 %d，超过了总名额 %d", sum, total)
	}
	return p
}

// DefaultYear is the year of a tour that names none: the year (China time) its sign-up
// opens. A tour signed up for in 2026 for a trip in 2027 asks for the 2026 必修 courses:
// 2027 has none assigned yet while people sign up.
func DefaultYear(signupOpensAt time.Time) int { return signupOpensAt.In(web.China).Year() }

// EligibilityRefusal gives the Chinese reason why a secretary with `left` 必修 courses of
// the tour's year not completed may not sign up ("" when none is left).
func EligibilityRefusal(year, left int) string {
	if left <= 0 {
		return ""
	}
	return fmt.Sprintf("报名本次考察需先完成 %d 年度全部必修课程，您还有 %d 门未完成", year, left)
}

// HoursProblem checks a tour's 学时 (what each confirmed participant is credited, 线下):
// "" when it can be stored, else the Chinese message of the field. 0 means no 学时; the
// bound is the ledger's (hours.MaxHours, the CHECK of tours.hours and hour_credits.hours);
// hundredths are the finest the columns keep.
func HoursProblem(h float64) string {
	switch {
	case math.IsNaN(h) || math.IsInf(h, 0):
		return "请填写学时（数字）"
	case h < 0:
		return "学时不能为负数"
	case h > hours.MaxHours:
		return fmt.Sprintf("学时不能超过 %d", hours.MaxHours)
	case math.Abs(h*100-math.Round(h*100)) > 1e-6:
		return "学时最多保留两位小数"
	}
	return ""
}

// RecreditReason says in Chinese why the confirmed participants' ledger entries are
// written again when a tour's 学时 or year change ("" when neither changed).
func RecreditReason(oldHours, newHours float64, oldYear, newYear int) string {
	var parts []string
	if oldHours != newHours {
		parts = append(parts, "考察学时由 "+formatHours(oldHours)+" 改为 "+formatHours(newHours))
	}
	if oldYear != newYear {
		parts = append(parts, fmt.Sprintf("考察年度由 %d 改为 %d", oldYear, newYear))
	}
	return strings.Join(parts, "，")
}

// formatHours writes 学时 as people do: 8, 2.5, 1.25.
func formatHours(h float64) string { return strconv.FormatFloat(h, 'f', -1, 64) }
