package tours

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"zhibu/app/hours"
	"zhibu/app/seats"
	"zhibu/app/web"
)

// Pure rules: everything that decides who gets a seat, who waits, who may do what and
// when. The store calls them while it holds the tour's row lock.

// Tour statuses.
const (
	TourDraft  = "draft"
	TourOpen   = "open"
	TourClosed = "closed"
	TourDone   = "done"
)

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
	if !seats.Active(status) {
		return "您没有可取消的报名"
	}
	if status != seats.StatusWaitlisted && !now.Before(w.CancelDeadline) {
		return "已过取消截止时间（" + w.CancelDeadline.In(web.China).Format("2006-01-02 15:04") + "），如确需退出请联系乡镇组织委员"
	}
	return ""
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

// AttendanceColumn is the roster's 「出勤天数」 cell: the days a confirmed participant
// attended (present or late, roll.Attended) of the tour's days, as "2/3"; blank for
// anyone not confirmed and for a tour without days.
func AttendanceColumn(days, attended int, confirmed bool) string {
	if !confirmed || days == 0 {
		return ""
	}
	return strconv.Itoa(attended) + "/" + strconv.Itoa(days)
}
