package tours

import (
	"time"

	"zhibu/app/web"
)

// Pure rules of the tour reports (学习报告 / 发展思路): who may submit or edit when, what a
// review may do, when the tour's 学时 are credited. The store calls them holding the
// tour's row lock (FOR SHARE) and the report's row.

// Report statuses (tour_reports.status).
const (
	ReportSubmitted = "submitted"
	ReportAccepted  = "accepted"
	ReportReturned  = "returned"
)

// Review decisions (POST /api/v1/tours/{id}/reports/{rid}/review).
const (
	DecisionAccept = "accept"
	DecisionReturn = "return"
)

// ReportStatusName is the Chinese label of a report status ("" : not submitted).
func ReportStatusName(s string) string {
	switch s {
	case ReportSubmitted:
		return "已交，待审核"
	case ReportAccepted:
		return "已通过"
	case ReportReturned:
		return "已退回，待重交"
	}
	return "未交"
}

// ReportColumn is the roster's 「报告」 cell of a confirmed participant: 已交, 未交 or
// 已通过 (a returned report is 未交 until it is submitted again); "" for anyone not
// confirmed or a tour that asks for no report.
func ReportColumn(asked, confirmed bool, status string) string {
	if !asked || !confirmed {
		return ""
	}
	switch status {
	case ReportSubmitted:
		return "已交"
	case ReportAccepted:
		return "已通过"
	}
	return "未交"
}

// Credited tells whether a confirmed participant's 学时 of a tour count: a tour that
// asks for no report credits on confirmation; one that asks for a report only once the
// report is accepted.
func Credited(reportAsked, accepted bool) bool { return !reportAsked || accepted }

// ReportDueProblem checks a tour's report deadline against its return (ends_on): the
// report is written after the return, so the deadline cannot be before it.
func ReportDueProblem(due, endsOn time.Time) string {
	if !endsOn.IsZero() && due.Before(endsOn) {
		return "报告截止日期不能早于返回日期"
	}
	return ""
}

// ReportChangeReason says in Chinese why the participants' ledger entries follow a
// change of whether the tour asks for a report ("" when it did not change).
func ReportChangeReason(askedBefore, askedNow bool) string {
	switch {
	case !askedBefore && askedNow:
		return "考察改为需提交学习报告，报告通过后记学时"
	case askedBefore && !askedNow:
		return "考察不再要求提交学习报告"
	}
	return ""
}

// ReportWindow is what decides whether a participant may submit or edit a report now.
type ReportWindow struct {
	Due    *time.Time // the last day (a date); nil: no report asked
	EndsOn time.Time  // the return (a date)
	Status string     // the report's status now ("": none yet)
}

// chinaDay is now's calendar day in China, as a date like the tour's dates (UTC midnight).
func chinaDay(now time.Time) time.Time {
	y, m, d := now.In(web.China).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// day is a stored date's calendar day (whatever zone it was read in).
func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// SubmitRefusal gives the Chinese reason why a confirmed participant may not submit or
// edit the report now ("" when allowed): no report asked; before the return's day; a
// report already accepted; after the deadline's day — except a returned report, which
// may always be submitted again (the reviewer asked for it).
func SubmitRefusal(w ReportWindow, now time.Time) string {
	today := chinaDay(now)
	switch {
	case w.Due == nil:
		return "本次考察不需要提交学习报告"
	case w.Status == ReportAccepted:
		return "学习报告已审核通过，不能再修改"
	case w.Status == ReportReturned:
		return ""
	case today.Before(day(w.EndsOn)):
		return "考察结束（" + day(w.EndsOn).Format(web.DateLayout) + "）后才能提交学习报告"
	case today.After(day(*w.Due)):
		return "已过学习报告提交截止日期（" + day(*w.Due).Format(web.DateLayout) + "），如需补交请联系乡镇组织委员"
	}
	return ""
}

// ReviewRefusal gives the Chinese reason why a report in status cannot be reviewed (""
// when it can): only a submitted report waits for a review.
func ReviewRefusal(status string) string {
	switch status {
	case ReportSubmitted:
		return ""
	case ReportAccepted:
		return "该学习报告已审核通过"
	case ReportReturned:
		return "该学习报告已退回，等待本人修改后重新提交"
	}
	return "该学习报告无法审核"
}
