package tours

import (
	"fmt"
	"math"
	"strings"
	"time"

	"zhibu/app/web"
)

// TourInput is what an admin enters for a tour (the JSON body of POST and PUT
// /api/v1/tours, and the tour form).
type TourInput struct {
	Title          string `json:"title"`
	Destination    string `json:"destination"`
	Itinerary      string `json:"itinerary"`
	StartsOn       string `json:"starts_on"` // YYYY-MM-DD
	EndsOn         string `json:"ends_on"`
	TotalSeats     int    `json:"total_seats"`
	SignupOpensAt  string `json:"signup_opens_at"` // RFC 3339 or "YYYY-MM-DDTHH:MM" (China time)
	SignupClosesAt string `json:"signup_closes_at"`
	CancelDeadline string `json:"cancel_deadline"`
	// Year is the year whose 必修 courses a tour with RequireCourses asks for; 0 means the
	// year (China time) the sign-up opens (DefaultYear).
	Year int `json:"year"`
	// Hours are the 学时 a confirmed participant is credited (线下), 0–200 in hundredths;
	// 0 (or absent) credits nothing.
	Hours          float64 `json:"hours"`
	RequireCourses bool    `json:"require_courses"`
	// CourseID is the pre-reading course (a published course; 0: none).
	CourseID int64 `json:"course_id"`
	// ReportDue (YYYY-MM-DD, not before the return) asks every confirmed participant for a
	// report (学习报告 / 发展思路) by that day; "" asks for none.
	ReportDue string        `json:"report_due"`
	Status    string        `json:"status"`
	Quotas    map[int64]int `json:"quotas"` // township id → seats
	// formErrors are the fields a form could not even read (a number that is none); they
	// are reported with the checks of the operation.
	formErrors web.FieldErrors
	// hoursTyped is the 学时 as the form sent it, shown again when it was no number.
	hoursTyped string
}

// HoursField is the 学时 as the form shows it: as typed when it was no number, else the
// number (8, 2.5).
func (in TourInput) HoursField() string {
	if in.hoursTyped != "" {
		return in.hoursTyped
	}
	return formatHours(in.Hours)
}

// tourValues are the checked values of a TourInput, as stored.
type tourValues struct {
	startsOn, endsOn, opens, closes, cancel time.Time
	year                                    int
	hours                                   float64
	status                                  string
	reportDue                               *time.Time
}

// normalize trims what people type around names and the status.
func (in *TourInput) normalize() {
	in.Title = strings.TrimSpace(in.Title)
	in.Destination = strings.TrimSpace(in.Destination)
	in.Status = strings.TrimSpace(in.Status)
	in.ReportDue = strings.TrimSpace(in.ReportDue)
}

// Validate checks the fields that do not depend on stored data.
func (in TourInput) Validate() web.FieldErrors {
	_, f := in.values()
	return f
}

// minYear and maxYear bound every date and the year of a tour: a mistyped year (0000,
// 0026) is refused as a field error instead of reaching PostgreSQL, which cannot store
// year 0.
const minYear, maxYear = 2000, 2100

// values checks the input and returns what is to be stored.
func (in TourInput) values() (tourValues, web.FieldErrors) {
	v := tourValues{status: in.Status, year: in.Year}
	f := web.FieldErrors{}
	if in.Title == "" {
		f["title"] = "请填写考察名称"
	} else if len([]rune(in.Title)) > 100 {
		f["title"] = "名称不能超过 100 字"
	}
	if in.Destination == "" {
		f["destination"] = "请填写考察地点"
	} else if len([]rune(in.Destination)) > 100 {
		f["destination"] = "考察地点不能超过 100 字"
	}
	if len(in.Itinerary) > 50000 {
		f["itinerary"] = "行程安排过长"
	}
	// Text PostgreSQL cannot store (NUL, invalid UTF-8) or that would display as something
	// else (control and bidi characters) is refused by field, never passed on.
	for _, t := range []struct {
		field, value string
		multiline    bool
	}{{"title", in.Title, false}, {"destination", in.Destination, false}, {"itinerary", in.Itinerary, true},
		{"status", in.Status, false}} {
		if web.BadText(t.value, t.multiline) {
			f[t.field] = web.BadTextMessage
		}
	}
	when := func(field, s string, parse func(string) (time.Time, bool), missing string) time.Time {
		t, ok := parse(s)
		switch {
		case !ok:
			f[field] = missing
		case t.In(web.China).Year() < minYear || t.In(web.China).Year() > maxYear:
			f[field] = fmt.Sprintf("日期应在 %d 年至 %d 年之间", minYear, maxYear)
			return time.Time{}
		}
		return t
	}
	v.startsOn = when("starts_on", in.StartsOn, web.ParseDate, "请填写出发日期")
	v.endsOn = when("ends_on", in.EndsOn, web.ParseDate, "请填写返回日期")
	if f["ends_on"] == "" && !v.startsOn.IsZero() && v.endsOn.Before(v.startsOn) {
		f["ends_on"] = "返回日期不能早于出发日期"
	}
	v.opens = when("signup_opens_at", in.SignupOpensAt, web.ParseDateTime, "请填写报名开始时间")
	v.closes = when("signup_closes_at", in.SignupClosesAt, web.ParseDateTime, "请填写报名截止时间")
	if f["signup_closes_at"] == "" && !v.opens.IsZero() && !v.closes.After(v.opens) {
		f["signup_closes_at"] = "报名截止时间应晚于开始时间"
	}
	v.cancel = when("cancel_deadline", in.CancelDeadline, web.ParseDateTime, "请填写取消报名截止时间")
	if strings.TrimSpace(in.ReportDue) != "" {
		due := when("report_due", in.ReportDue, web.ParseDate, "报告截止日期格式应为 YYYY-MM-DD")
		if why := ReportDueProblem(due, v.endsOn); f["report_due"] == "" && why != "" {
			f["report_due"] = why
		}
		if f["report_due"] == "" {
			v.reportDue = &due
		}
	}
	if in.CourseID < 0 {
		f["course_id"] = "请选择课程"
	}
	switch {
	case in.Year == 0 && !v.opens.IsZero():
		v.year = DefaultYear(v.opens)
	case in.Year == 0:
	case in.Year < minYear || in.Year > maxYear:
		f["year"] = fmt.Sprintf("年度应在 %d 年至 %d 年之间", minYear, maxYear)
	}
	if why := HoursProblem(in.Hours); why != "" {
		f["hours"] = why
	} else {
		v.hours = math.Round(in.Hours*100) / 100
	}
	switch {
	case f["status"] != "":
	case in.Status == TourDraft, in.Status == TourOpen, in.Status == TourClosed, in.Status == TourDone:
	case in.Status == "":
		v.status = TourDraft
	default:
		f["status"] = "状态不正确"
	}
	return v, f
}

// NominationInput is an organizer's nomination of a secretary.
type NominationInput struct {
	UserID int64  `json:"user_id"`
	Note   string `json:"note"`
}

// noteBody is the optional JSON body of a sign-up, a nomination or a rejection.
type noteBody struct {
	Note   string `json:"note"`
	UserID int64  `json:"user_id"`
	Reason string `json:"reason"`
}

// cleanNote trims a sign-up or nomination note and refuses one that is too long or holds
// text PostgreSQL cannot store (a NUL) or that displays as something else.
func cleanNote(s string) (string, error) {
	s = strings.TrimSpace(s)
	if web.BadText(s, true) {
		return "", ErrNoteBadText
	}
	if len([]rune(s)) > 200 {
		return "", ErrNoteTooLong
	}
	return s, nil
}

// cleanReason trims a rejection reason and refuses a missing (when rejecting), too long or
// unstorable one.
func cleanReason(s string, approve bool) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case !approve && s == "":
		return "", ErrReasonMissing
	case len([]rune(s)) > 500:
		return "", ErrReasonTooLong
	case web.BadText(s, true):
		return "", ErrReasonBadText
	}
	return s, nil
}

// Input is the tour as its edit form shows it (times in China time).
func (t Tour) Input() TourInput {
	local := func(v time.Time) string { return v.In(web.China).Format("2006-01-02T15:04") }
	return TourInput{Title: t.Title, Destination: t.Destination, Itinerary: t.Itinerary,
		StartsOn: t.StartsOn.Format(web.DateLayout), EndsOn: t.EndsOn.Format(web.DateLayout),
		SignupOpensAt: local(t.SignupOpensAt), SignupClosesAt: local(t.SignupClosesAt),
		CancelDeadline: local(t.CancelDeadline), TotalSeats: t.TotalSeats, Year: t.Year, Hours: t.Hours, RequireCourses: t.RequireCourses, Status: t.Status, CourseID: t.courseID(), ReportDue: t.ReportDueText()}
}
