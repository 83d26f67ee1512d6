// Package classes owns the 集中培训班: classes the county or a township runs in person, in
// sessions worth 学时; participants; roll call on a phone (one tap for everyone, then the
// exceptions) and self check-in by a QR code that changes every minute; leave requests;
// and 结班, which decides 结业 by the absence limit and credits the 学时 attended to the
// ledger (app/hours).
package classes

import (
	"context"
	"embed"
	"fmt"
	"time"

	"zhibu/app/seats"
	"zhibu/app/web"
)

//go:embed templates/*.html
var templates embed.FS

type handlers struct {
	store *Store
	srv   *web.Server
	deps  Deps
}

// Deps is what the classes need from outside; nothing is required.
type Deps struct {
	// Now is the clock of roll calls, check-ins and leave; nil means time.Now.
	Now func() time.Time
	// ExamChoices lists the exams a class may take as its 结业 exam (exams.Choices, wired
	// in app/features.go); nil: the form asks for the exam's number.
	ExamChoices func(ctx context.Context) ([]ExamChoice, error)
	// Post tells people in their inbox what was decided for them (leave requests,
	// nominations, 结业), in the decision's transaction (inbox.Post); nil: nobody is told.
	Post web.Post
	// OnClosed runs after 结班 committed (certificates.IssueForClass, wired in
	// app/features.go); an error is only logged, the close stands. nil: nothing runs.
	OnClosed func(ctx context.Context, classID int64) error
}

// afterClose runs Deps.OnClosed for the closed class (see there).
func (h *handlers) afterClose(ctx context.Context, classID int64) {
	if h.deps.OnClosed == nil {
		return
	}
	if err := h.deps.OnClosed(ctx, classID); err != nil {
		h.srv.Logger().Warn("classes: after close", "class", classID, "err", err)
	}
}

// ExamChoice is an exam the class form offers.
type ExamChoice struct {
	ID       int64
	Title    string
	ClosesAt time.Time
}

// Mount adds the classes' pages, API and home cards.
func Mount(s *web.Server, deps Deps) error {
	if err := seats.Mount(s); err != nil {
		return err
	}
	if err := s.Render.AddPages("classes", templates, "templates/*.html"); err != nil {
		return err
	}
	s.MapErrors(errorTable)
	h := &handlers{store: NewStore(s.DB, deps.Now).WithPost(deps.Post), srv: s, deps: deps}
	a := s.App
	anyone := web.Auth()
	secretary := web.Auth(web.RoleSecretary)
	staff := web.Auth(web.RoleOrganizer, web.RoleAdmin)
	admin := web.Auth(web.RoleAdmin)

	// Pages: participants.
	a.Get("/classes", anyone, h.minePage)
	a.Get("/classes/:id", anyone, h.myClassPage)
	a.Post("/classes/:id/sessions/:sid/leave", secretary, h.leaveForm)
	a.Get("/checkin/:token", anyone, h.checkinPage)
	a.Post("/checkin/:token", anyone, h.checkinForm)
	// Pages: staff.
	a.Get("/admin/classes", staff, h.adminListPage)
	a.Get("/admin/classes/new", staff, h.newPage)
	a.Post("/admin/classes", staff, h.createForm)
	a.Get("/admin/classes/:id", staff, h.adminClassPage)
	a.Get("/admin/classes/:id/edit", staff, h.editPage)
	a.Post("/admin/classes/:id", staff, h.updateForm)
	a.Post("/admin/classes/:id/sessions", staff, h.addSessionForm)
	a.Post("/admin/classes/:id/sessions/:sid/delete", staff, h.deleteSessionForm)
	a.Post("/admin/classes/:id/participants", staff, h.addParticipantsForm)
	a.Post("/admin/classes/:id/participants/import", staff, h.listPreviewForm)
	a.Post("/admin/classes/:id/participants/import/confirm", staff, h.listConfirmForm)
	a.Get("/admin/classes/:id/participants/:uid/remove", staff, h.removeParticipantPage)
	a.Post("/admin/classes/:id/participants/:uid/remove", staff, h.removeParticipantForm)
	a.Get("/admin/classes/:id/sessions/:sid", staff, h.rollPage)
	a.Post("/admin/classes/:id/sessions/:sid/all-present", staff, h.allPresentForm)
	a.Post("/admin/classes/:id/sessions/:sid/mark", staff, h.markForm)
	a.Get("/admin/classes/:id/sessions/:sid/qr", staff, h.qrPage)
	a.Post("/admin/classes/:id/leaves/:lid", staff, h.decideLeaveForm)
	a.Get("/admin/classes/:id/quotas", admin, h.quotasPage)
	a.Post("/admin/classes/:id/quotas", admin, h.quotasForm)
	a.Get("/admin/classes/:id/seats", staff, h.seatsPage)
	a.Post("/admin/classes/:id/seats/nominate", staff, h.nominateForm)
	a.Post("/admin/classes/:id/seats/signups/:sid/approve", staff, h.approveSeatForm)
	a.Get("/admin/classes/:id/seats/signups/:sid/reject", staff, h.rejectSeatPage)
	a.Post("/admin/classes/:id/seats/signups/:sid/reject", staff, h.rejectSeatForm)
	a.Get("/admin/classes/:id/close", staff, h.closePage)
	a.Post("/admin/classes/:id/close", staff, h.closeForm)

	// API.
	a.Get("/api/v1/classes", anyone, h.apiList)
	a.Post("/api/v1/classes", staff, h.apiCreate)
	a.Get("/api/v1/classes/:id", anyone, h.apiClass)
	a.Put("/api/v1/classes/:id", staff, h.apiUpdate)
	a.Post("/api/v1/classes/:id/sessions", staff, h.apiAddSession)
	a.Delete("/api/v1/classes/:id/sessions/:sid", staff, h.apiDeleteSession)
	a.Get("/api/v1/classes/:id/participants", staff, h.apiParticipants)
	a.Post("/api/v1/classes/:id/participants", staff, h.apiAddParticipants)
	a.Get("/api/v1/classes/:id/participants/template.xlsx", staff, s.Download, h.apiListTemplate)
	a.Post("/api/v1/classes/:id/participants/import", staff, h.apiListImport)
	a.Delete("/api/v1/classes/:id/participants/:uid", staff, h.apiRemoveParticipant)
	a.Put("/api/v1/classes/:id/sessions/:sid/attendance", staff, h.apiAttendance)
	a.Post("/api/v1/classes/:id/sessions/:sid/checkin-token", staff, h.apiCheckinToken)
	a.Post("/api/v1/checkin/:token", anyone, h.apiCheckin)
	a.Post("/api/v1/classes/:id/sessions/:sid/leave", secretary, h.apiLeave)
	a.Get("/api/v1/classes/:id/leaves", staff, h.apiLeaves)
	a.Post("/api/v1/classes/:id/leaves/:lid/decide", staff, h.apiDecideLeave)
	a.Put("/api/v1/classes/:id/quotas", admin, h.apiQuotas)
	a.Get("/api/v1/classes/:id/signups", staff, h.apiSignups)
	a.Post("/api/v1/classes/:id/nominations", staff, h.apiNominate)
	a.Post("/api/v1/classes/:id/signups/:sid/approve", staff, h.apiDecideSeat(true))
	a.Post("/api/v1/classes/:id/signups/:sid/reject", staff, h.apiDecideSeat(false))
	a.Post("/api/v1/classes/:id/close", staff, h.apiClose)
	a.Get("/api/v1/classes/:id/attendance.xlsx", staff, s.Download, h.apiAttendanceXLSX)

	s.AddHomeCards(h.homeCards)
	return nil
}

// homeCards: a participant's classes that are not over — the next session first; staff
// get the classes with leave requests waiting.
func (h *handlers) homeCards(ctx context.Context, me *web.Identity) ([]web.Card, error) {
	if me.Role != web.RoleSecretary {
		return h.staffCard(ctx, me)
	}
	list, err := h.store.UpcomingFor(ctx, me.UserID)
	if err != nil {
		return nil, err
	}
	var cards []web.Card
	for _, u := range list {
		card := web.Card{Title: "培训班：" + u.Title, Link: fmt.Sprintf("/classes/%d", u.ClassID), LinkText: "查看课程安排", Order: 25}
		if u.StartsAt == nil {
			card.Lines = []string{"课程已全部结束，等待结班"}
		} else {
			card.Lines = append(card.Lines, "下一节："+u.StartsAt.In(web.China).Format("1月2日 15:04")+" "+u.Topic)
			if u.Venue != "" {
				card.Lines = append(card.Lines, "地点："+u.Venue)
			}
			card.Due, card.Accent = *u.StartsAt, true
		}
		cards = append(cards, card)
	}
	return cards, nil
}

// staffCard: an organizer's or admin's to-do in the open classes (StaffCard) and today's
// roll call (RollCard).
func (h *handlers) staffCard(ctx context.Context, me *web.Identity) ([]web.Card, error) {
	td, err := h.store.StaffToDo(ctx, me)
	if err != nil {
		return nil, err
	}
	r, err := h.store.TodayRoll(ctx, me)
	if err != nil {
		return nil, err
	}
	return append(RollCard(r, h.store.now()), StaffCard(td, me.Role)...), nil
}

// RollCard is the card of today's first session with people still unmarked: due at its
// start, leading to its roll call, saying how many are left and, before its roll call
// opens (RollRefusal), when it does (none: no card).
func RollCard(r *RollToDo, now time.Time) []web.Card {
	if r == nil {
		return nil
	}
	c := web.Card{Title: "今日点名：" + r.Topic, Big: fmt.Sprintf("%d 人未点名", r.Unmarked), Accent: true, Order: 20,
		Link: fmt.Sprintf("/admin/classes/%d/sessions/%d", r.ClassID, r.SessionID), LinkText: "去点名", Due: r.StartsAt,
		Lines: []string{r.StartsAt.In(web.China).Format("15:04") + " 开课 · " + r.Class}}
	if RollRefusal(now, r.StartsAt, false) != "" {
		c.Lines = append(c.Lines, r.StartsAt.Add(-RollOpens).In(web.China).Format("15:04")+" 起可点名，学员也可扫码签到")
	}
	if r.Sessions > 1 {
		c.Lines = append(c.Lines, fmt.Sprintf("今天还有 %d 节课待点名", r.Sessions-1))
	}
	return []web.Card{c}
}

// StaffCard is the home card of a staff member's to-do in the open classes: leave
// requests to decide (due at the earliest session they are for — a leave decided after
// its session helps nobody) and sign-ups awaiting their approval (due when their class
// begins), linked to the one class when only one has any; no card when nothing waits.
func StaffCard(td ToDo, role string) []web.Card {
	if td.Leaves+td.Signups == 0 {
		return nil
	}
	card := web.Card{Title: "培训班待办", Big: fmt.Sprintf("%d 项", td.Leaves+td.Signups), Link: "/admin/classes",
		LinkText: "去处理", Accent: true, Order: 25}
	if td.Classes == 1 {
		card.Link = fmt.Sprintf("/admin/classes/%d", td.Class)
		if td.Leaves == 0 {
			card.Link += "/seats"
		}
	}
	if td.Leaves > 0 {
		card.Lines = append(card.Lines, fmt.Sprintf("请假申请 %d 条待审批", td.Leaves))
		if td.LeaveDue != nil {
			card.Due = *td.LeaveDue
			card.Lines = append(card.Lines, "最早一条是 "+td.LeaveDue.In(web.China).Format("1月2日 15:04")+" 的课")
		}
	}
	if td.Signups > 0 {
		what := "培训班报名 %d 人待乡镇审核"
		if role == web.RoleAdmin {
			what = "培训班报名 %d 人待县委终审"
		}
		card.Lines = append(card.Lines, fmt.Sprintf(what, td.Signups))
		if td.SignupDue != nil {
			card.Lines = append(card.Lines, "最早 "+td.SignupDue.In(web.China).Format("1月2日 15:04")+" 开课，请在开课前审核")
			if card.Due.IsZero() || td.SignupDue.Before(card.Due) {
				card.Due = *td.SignupDue
			}
		}
	}
	return []web.Card{card}
}
