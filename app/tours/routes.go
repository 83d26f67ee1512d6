// Package tours owns the study tours (赴外参观学习): tours with per-township quotas,
// sign-ups and nominations, two-level approval, waiting lists that promote themselves,
// the roster export and the pages for secretaries and staff. What happens to a sign-up
// is told to its person in the inbox (站内消息, through Deps.Post).
package tours

import (
	"context"
	"embed"
	"fmt"
	"time"

	"zhibu/app/roll"
	"zhibu/app/seats"
	"zhibu/app/web"
)

//go:embed templates/*.html
var templates embed.FS

type handlers struct {
	store *Store
	srv   *web.Server
}

// Deps is what the tours need from other features, wired in app/features.go.
type Deps struct {
	// RequiredCoursesLeft counts a secretary's 必修 courses of a year not completed yet;
	// a tour with require_courses asks it for the tour's year. Required.
	RequiredCoursesLeft CoursesLeft
	// Post writes the messages that tell people what happened to their sign-ups, in the
	// transaction of the change (inbox.Post). Required.
	Post web.Post
	// Now is the clock of sign-up windows and deadlines; nil means time.Now.
	Now func() time.Time
	// Courses lists the published courses a tour may link as pre-reading (the courses
	// feature owns them; app/features.go wires it). nil: no pre-reading can be picked.
	Courses CourseList
}

// Mount adds the tours pages, API and home cards to the server.
func Mount(s *web.Server, deps Deps) error {
	if deps.RequiredCoursesLeft == nil {
		return ErrNoCourseRule
	}
	if deps.Post == nil {
		return ErrNoInbox
	}
	if err := seats.Mount(s); err != nil {
		return err
	}
	if err := s.Render.AddPages("tours", templates, "templates/*.html"); err != nil {
		return err
	}
	s.AllowSecretaryUpload(reportUploadPath, ReportUploadLimit) // a report's PDF
	s.MapErrors(errorTable)
	s.MapErrors(dayErrorTable)
	roll.Mount(s)
	h := &handlers{store: NewStore(s.DB, deps), srv: s}
	a := s.App
	anyone := web.Auth()
	secretary := web.Auth(web.RoleSecretary)
	staff := web.Auth(web.RoleOrganizer, web.RoleAdmin)
	admin := web.Auth(web.RoleAdmin)

	// Pages.
	a.Get("/tours", anyone, h.listPage)
	a.Get("/tours/:id", anyone, h.tourPage)
	a.Post("/tours/:id/signup", secretary, h.signupForm)
	a.Get("/tours/:id/cancel", secretary, h.cancelPage)
	a.Post("/tours/:id/cancel", secretary, h.cancelForm)
	a.Get("/admin/tours", staff, h.adminListPage)
	a.Get("/admin/tours/new", admin, h.newPage)
	a.Post("/admin/tours", admin, h.createForm)
	a.Get("/admin/tours/:id", staff, h.adminTourPage)
	a.Get("/admin/tours/:id/edit", admin, h.editPage)
	a.Post("/admin/tours/:id", admin, h.updateForm)
	a.Post("/admin/tours/:id/nominate", staff, h.nominateForm)
	a.Post("/admin/tours/:id/signups/:sid/approve", staff, h.approveForm)
	a.Get("/admin/tours/:id/signups/:sid/reject", staff, h.rejectPage)
	a.Post("/admin/tours/:id/signups/:sid/reject", staff, h.rejectForm)
	// Days and their roll call (pages_days.go; app/roll).
	a.Get("/admin/tours/:id/days", staff, h.daysPage)
	a.Post("/admin/tours/:id/days", admin, h.addDayForm)
	a.Get("/admin/tours/:id/days/:did", staff, h.dayRollPage)
	a.Get("/admin/tours/:id/days/:did/delete", admin, h.deleteDayPage)
	a.Post("/admin/tours/:id/days/:did/delete", admin, h.deleteDayForm)
	a.Post("/admin/tours/:id/days/:did/all-present", staff, h.dayAllPresentForm)
	a.Post("/admin/tours/:id/days/:did/mark", staff, h.dayMarkForm)
	// Reports and sharing sessions (pages_reports.go).
	a.Get("/tours/:id/report", secretary, h.reportPage)
	a.Post("/tours/:id/report", secretary, h.reportForm)
	a.Get("/admin/tours/:id/reports", staff, h.reportsPage)
	a.Get("/admin/tours/:id/reports/:rid", staff, h.reportReviewPage)
	a.Post("/admin/tours/:id/reports/:rid/review", staff, h.reviewForm)
	a.Post("/admin/tours/:id/sharing", staff, h.sharingForm)

	// API (docs/tours.md).
	a.Get("/api/v1/tours", anyone, h.apiList)
	a.Post("/api/v1/tours", admin, h.apiCreate)
	a.Get("/api/v1/tours/:id", anyone, h.apiGet)
	a.Put("/api/v1/tours/:id", admin, h.apiUpdate)
	a.Post("/api/v1/tours/:id/signup", secretary, h.apiSignup)
	a.Delete("/api/v1/tours/:id/signup", secretary, h.apiCancel)
	a.Get("/api/v1/tours/:id/signups", staff, h.apiSignups)
	a.Post("/api/v1/tours/:id/nominations", staff, h.apiNominate)
	a.Post("/api/v1/tours/:id/signups/:sid/approve", staff, h.apiApprove)
	a.Post("/api/v1/tours/:id/signups/:sid/reject", staff, h.apiReject)
	a.Get("/api/v1/tours/:id/events", admin, h.apiEvents)
	a.Get("/api/v1/tours/:id/roster.xlsx", staff, s.Download, h.roster)
	a.Get("/api/v1/tours/:id/days", staff, h.apiDays)
	a.Post("/api/v1/tours/:id/days", admin, h.apiAddDay)
	a.Delete("/api/v1/tours/:id/days/:did", admin, h.apiDeleteDay)
	a.Get("/api/v1/tours/:id/days/:did/attendance", staff, h.apiDayRoll)
	a.Put("/api/v1/tours/:id/days/:did/attendance", staff, h.apiDayAttendance)
	a.Get("/api/v1/tours/:id/report", secretary, h.apiMyReport)
	a.Put("/api/v1/tours/:id/report", secretary, h.apiSubmitReport)
	a.Get("/api/v1/tours/:id/report/pdf", secretary, s.Download, h.myReportPDF)
	a.Get("/api/v1/tours/:id/reports", staff, h.apiReports)
	a.Get("/api/v1/tours/:id/reports/:rid", staff, h.apiReport)
	a.Get("/api/v1/tours/:id/reports/:rid/pdf", staff, s.Download, h.reportPDF)
	a.Post("/api/v1/tours/:id/reports/:rid/review", staff, h.apiReview)
	a.Put("/api/v1/tours/:id/sharing", staff, h.apiSharing)

	s.AddHomeCards(h.homeCards)
	return nil
}

// homeCards: secretaries see the 学习报告 they should submit, what they signed up for (and
// its status), the tours they can still sign up for with the nearest deadline; organizers
// the sign-ups and reports awaiting them; admins those awaiting final approval and review.
// What happened to a sign-up is in the inbox.
func (h *handlers) homeCards(ctx context.Context, me *web.Identity) ([]web.Card, error) {
	vs, err := h.store.Tours(ctx, me, 0)
	if err != nil {
		return nil, err
	}
	if me.Role == web.RoleSecretary {
		todo, err := h.store.ReportsToWrite(ctx, me.UserID)
		if err != nil {
			return nil, err
		}
		return append(ReportCards(todo), secretaryCard(vs)), nil
	}
	return h.staffCards(ctx, me, vs)
}

// staffCards: today's tour day to take roll call at (DayCard), and the card of what waits
// for the viewer: sign-ups to approve (due at the nearest sign-up deadline) and reports to
// review.
func (h *handlers) staffCards(ctx context.Context, me *web.Identity, vs []TourView) ([]web.Card, error) {
	card := web.Card{Title: "考察学习", Link: "/admin/tours", LinkText: "去审核", Order: 40}
	waiting := 0
	for _, v := range vs {
		if v.Status != TourDraft && v.Status != TourDone && v.Pending > 0 {
			waiting += v.Pending
			// Due at the nearest sign-up deadline among the tours with people waiting:
			// the roster should be settled by then, and the people waiting hear nothing
			// until it is (web.OrderCards puts it before a later exam or course).
			if card.Due.IsZero() || v.SignupClosesAt.Before(card.Due) {
				card.Due = v.SignupClosesAt
			}
		}
	}
	what := "待乡镇审核的报名"
	if me.Role == web.RoleAdmin {
		what = "待县委终审的报名"
	}
	card.Big = fmt.Sprintf("%d 人", waiting)
	card.Lines = append(card.Lines, what)
	if waiting > 0 {
		card.Lines = append(card.Lines, "请在 "+card.Due.In(web.China).Format("1月2日 15:04")+"（报名截止）前审核")
	}
	// Reports waiting for review: the participants' 学时 wait on them.
	reports, tours, tourID, err := h.store.ReportsToReview(ctx, me)
	if err != nil {
		return nil, err
	}
	switch {
	case reports > 0 && waiting == 0: // the reports are the card's one to-do
		card.Big, card.Lines = fmt.Sprintf("%d 份", reports), []string{"学习报告待审阅（通过后才记学时）"}
		card.Link, card.LinkText = "/admin/tours", "去审阅"
		if tours == 1 {
			card.Link = fmt.Sprintf("/admin/tours/%d/reports", tourID)
		}
	case reports > 0:
		card.Lines = append(card.Lines, fmt.Sprintf("学习报告 %d 份待审阅（通过后才记学时）", reports))
	}
	card.Accent = waiting > 0 || reports > 0
	today, err := h.store.TodayDay(ctx, me)
	if err != nil {
		return nil, err
	}
	return append(DayCard(today), card), nil
}

// DayCard is the card of today's tour day with people still unmarked: how many, leading
// to its roll call (none: no card). A day's roll call is open all day (roll.DayRefusal).
func DayCard(d *DayToDo) []web.Card {
	if d == nil {
		return nil
	}
	c := web.Card{Title: "今日点名：" + d.Tour, Big: fmt.Sprintf("%d 人未点名", d.People-d.Marked), Accent: true, Order: 20,
		Link: fmt.Sprintf("/admin/tours/%d/days/%d", d.TourID, d.ID), LinkText: "去点名"}
	if day, err := time.ParseInLocation(web.DateLayout, d.Day.Day, web.China); err == nil {
		c.Due = day // today: before anything due later
	}
	if d.Title != "" {
		c.Lines = append(c.Lines, "今天："+d.Title)
	}
	c.Lines = append(c.Lines, fmt.Sprintf("应到 %d 人，已点名 %d 人", d.People, d.Marked))
	return []web.Card{c}
}

// ReportCards are a participant's cards of the 学习报告 to submit (Store.ReportsToWrite):
// due on the deadline's last day, saying what is at stake (the tour's 学时 are credited
// on acceptance), leading to the report form.
func ReportCards(todo []ReportToDo) []web.Card {
	var cards []web.Card
	for _, r := range todo {
		c := web.Card{Title: "学习报告：" + r.Title, Big: "待提交", Link: fmt.Sprintf("/tours/%d/report", r.TourID),
			LinkText: "写学习报告", Accent: true, Order: 35,
			Due: time.Date(r.Due.Year(), r.Due.Month(), r.Due.Day(), 23, 59, 59, 0, web.China)}
		if r.Status == ReportReturned {
			c.Big, c.LinkText = "已退回", "修改后重新提交"
		}
		c.Lines = []string{"请在 " + r.Due.Format("1月2日") + " 前提交"}
		if r.Hours > 0 {
			c.Lines = append(c.Lines, fmt.Sprintf("审核通过后记 %g 学时", r.Hours))
		}
		cards = append(cards, c)
	}
	return cards
}

// secretaryCard is a secretary's tour card: a count of open tours only when there are
// some (accented, due at the nearest sign-up deadline among them), and what the person
// has signed up for with its status.
func secretaryCard(vs []TourView) web.Card {
	card := web.Card{Title: "考察学习", Link: "/tours", LinkText: "查看考察活动", Order: 40}
	open := 0
	var mine []TourView
	for _, v := range vs {
		if v.CanSignup {
			open++
			if card.Due.IsZero() || v.SignupClosesAt.Before(card.Due) {
				card.Due = v.SignupClosesAt
			}
		}
		if v.MyStatus != "" && v.MyStatus != seats.StatusCancelled && v.Status != TourDone {
			mine = append(mine, v)
		}
	}
	for _, v := range mine {
		card.Lines = append(card.Lines, fmt.Sprintf("已报名「%s」，状态：%s", v.Title, seats.StatusName(v.MyStatus)))
	}
	switch {
	case open > 0:
		card.Big = fmt.Sprintf("%d 个可报名", open)
		card.Lines = append(card.Lines, "最近的报名截止："+card.Due.In(web.China).Format("01-02 15:04"))
		card.Accent, card.LinkText = true, "去报名"
	case len(mine) == 1:
		card.Big = seats.StatusName(mine[0].MyStatus)
		card.Link, card.LinkText = fmt.Sprintf("/tours/%d", mine[0].ID), "查看我的报名"
	case len(mine) > 1:
		card.Big = fmt.Sprintf("已报名 %d 个", len(mine))
	default:
		card.Lines = append(card.Lines, "目前没有可报名的考察活动")
	}
	return card
}
