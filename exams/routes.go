// Package exams owns the question bank and its import, exams and their draw rules,
// attempts (draw, freeze, timed saves, grading, the sweeper), practice, 错题本 and the
// oversight views. It has the shape of docs/conventions.md: the route table here, domain
// errors in errors.go, pure rules in rules.go, draw.go, grade.go and guard.go, all SQL in
// store*.go, JSON handlers in api*.go, pages and forms in pages*.go.
package exams

import (
	"context"
	"embed"
	"fmt"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

//go:embed templates/*.html
var templates embed.FS

// Deps is what the exam feature needs from the rest of the app (wired in app/features.go).
type Deps struct {
	// OnPassed, when set, runs after an attempt is finalized as passed, on submit as well
	// as by the sweeper, with the exam's course (exams.course_id; 0 when none): the pass
	// may be the last thing a course or a 结业证书 waited for. It runs after the commit, so
	// the pass is visible to it; an error is only logged (a course is re-checked again at
	// the learner's next study heartbeat, a certificate when 我的证书 is opened).
	OnPassed func(ctx context.Context, userID, examID, courseID int64) error
	// SweepEvery is how often RunSweeper finalizes abandoned attempts (10 s when zero).
	SweepEvery time.Duration
	// RetakeAfterPass tells whether a candidate who passed may still use the attempts left
	// (the county setting 「通过后不可补考」, off by default); nil means false. The retake
	// rule (rules_retake.go) reads it.
	RetakeAfterPass func(ctx context.Context) (bool, error)
	// StartGuard, when set, is asked before a new attempt is created (StartAttempt; resuming
	// an attempt in progress never asks it): a non-empty Chinese reason refuses the start
	// with 409 start_refused and that reason. app/features.go wires the 集中培训班's absence
	// limit (classes.ExamRefusalFor) for their 结业 exams. The exams list and home cards
	// show the reason instead of inviting the start; they ask it only for class exams
	// (Exam.ClassExam), the only exams it refuses, so that other exams cost no query.
	StartGuard func(ctx context.Context, userID, examID int64) (string, error)
	// Post, when set, tells people in their inbox (站内消息), in the transaction of the
	// change: each candidate once that an exam is open to them (kind exam_opened, when it
	// is published or a published exam's scope grows) and the taker the result of each
	// finished attempt (kind exam_result, on submit and when the deadline closes it).
	// app/features.go wires the inbox's post; nil: nobody is told. A failing Post fails
	// the operation (nothing is committed), so no message is lost silently.
	Post web.Post
}

// handlers hold what every handler needs.
type handlers struct {
	s  *web.Server
	st *Store
}

// Mount adds the exam pages, API and home cards to the server. Every route states its
// roles; handlers narrow to the caller's township.
func Mount(s *web.Server, deps Deps) error {
	if err := s.Render.AddPages("exams", templates, "templates/*.html"); err != nil {
		return err
	}
	s.MapErrors(errorTable)
	h := &handlers{s: s, st: NewStore(s.DB, s.Logger(), deps)}
	a := s.App
	any := web.Auth()
	takers := web.Auth(web.RoleSecretary, web.RoleOrganizer)
	staff := web.Auth(web.RoleAdmin, web.RoleOrganizer)
	admin := web.Auth(web.RoleAdmin)

	// Exams and attempts (docs/exams.md).
	a.Get("/api/v1/exams", any, h.apiExams)
	a.Post("/api/v1/exams", admin, h.apiCreateExam)
	a.Get("/api/v1/exams/:id", any, h.apiExam)
	a.Put("/api/v1/exams/:id", admin, h.apiUpdateExam)
	a.Post("/api/v1/exams/:id/publish", admin, h.apiPublishExam)
	a.Post("/api/v1/exams/:id/attempts", takers, h.apiStart)
	a.Get("/api/v1/exams/:id/results", staff, h.apiResults)
	a.Get("/api/v1/exams/:id/item-stats", staff, h.apiItemStats)
	a.Get("/api/v1/attempts/:id", any, h.apiAttempt)
	a.Put("/api/v1/attempts/:id/answers/:position", takers, h.apiSave)
	a.Put("/api/v1/attempts/:id/answers", takers, h.apiSaveBatch)
	a.Post("/api/v1/attempts/:id/submit", takers, h.apiSubmit)
	a.Get("/api/v1/practice", any, h.apiPractice)
	a.Post("/api/v1/practice/answer", any, h.apiPracticeAnswer)
	a.Get("/api/v1/mistakes", any, h.apiMistakes)

	// Question bank (county level).
	a.Get("/api/v1/questions/template.xlsx", admin, s.Download, h.apiTemplate)
	a.Get("/api/v1/questions/export.xlsx", admin, s.Download, h.apiExport)
	a.Get("/api/v1/questions/categories", any, h.apiCategories)
	a.Post("/api/v1/questions/import", admin, h.apiImport)
	a.Post("/api/v1/questions/retire", admin, h.apiRetireTag)
	a.Get("/api/v1/questions", admin, h.apiQuestions)
	a.Post("/api/v1/questions", admin, h.apiCreateQuestion)
	a.Get("/api/v1/questions/:id", admin, h.apiQuestion)
	a.Put("/api/v1/questions/:id", admin, h.apiUpdateQuestion)
	a.Post("/api/v1/questions/:id/retire", admin, h.apiRetireQuestion)

	// Pages.
	a.Get("/exams", any, h.pageExams)
	a.Post("/exams/:id/start", takers, h.pageStart)
	a.Get("/exams/attempts/:id", any, h.pageTake)
	a.Get("/exams/attempts/:id/result", any, h.pageResult)
	a.Get("/exams/practice", any, h.pagePractice)
	a.Get("/exams/mistakes", any, h.pageMistakes)
	a.Get("/admin/exams", staff, h.pageAdminExams)
	a.Get("/admin/exams/new", admin, h.pageExamForm)
	a.Post("/admin/exams/new", admin, h.pageExamCreate)
	a.Get("/admin/exams/:id", staff, h.pageAdminExam)
	a.Get("/admin/exams/:id/edit", admin, h.pageExamEdit)
	a.Post("/admin/exams/:id/edit", admin, h.pageExamUpdate)
	a.Get("/admin/exams/:id/publish", admin, h.pagePublishConfirm)
	a.Post("/admin/exams/:id/publish", admin, h.pagePublish)
	a.Get("/admin/questions", admin, h.pageQuestions)
	a.Post("/admin/questions/import", admin, h.pageImportPreview)
	a.Post("/admin/questions/import/confirm", admin, h.pageImportConfirm)
	a.Get("/admin/questions/new", admin, h.pageQuestionForm)
	a.Post("/admin/questions/new", admin, h.pageQuestionSave)
	a.Get("/admin/questions/:id/edit", admin, h.pageQuestionForm)
	a.Post("/admin/questions/:id", admin, h.pageQuestionSave)
	a.Post("/admin/questions/:id/retire", admin, h.pageRetire)

	s.AddHomeCards(h.homeCards)
	return nil
}

// RunSweeper finalizes abandoned attempts in the background until ctx ends (safe on
// several instances).
func RunSweeper(ctx context.Context, db *sqlx.DB, log *slog.Logger, deps Deps) {
	every := deps.SweepEvery
	if every <= 0 {
		every = 10 * time.Second
	}
	NewStore(db, log, deps).RunSweeper(ctx, every)
}

// homeCards: for candidates, each open exam with its close date and attempts left.
func (h *handlers) homeCards(ctx context.Context, me *web.Identity) ([]web.Card, error) {
	var cards []web.Card
	if me.Role != web.RoleSecretary {
		staff, err := h.staffCard(ctx, me)
		if err != nil {
			return nil, err
		}
		cards = append(cards, staff...)
	}
	if me.Role == web.RoleAdmin {
		return cards, nil
	}
	list, err := h.st.ExamsForUser(ctx, me.UserID, web.ScopeOf(me).Township(), true)
	if err != nil {
		return nil, err
	}
	retake, err := h.retakeSetting(ctx, list)
	if err != nil {
		return nil, err
	}
	for i, e := range list {
		if i == 3 {
			break
		}
		// Accent (and so the suggested next step) only when the retake rule lets the
		// candidate start or resume now; Due orders it by its close.
		state := e.StateFor(retake)
		c := web.Card{Title: "考试：" + e.Title, Order: 30 + i, Accent: state == "open" || state == "resume", Due: e.ClosesAt,
			Lines: []string{"截止时间：" + e.ClosesAt.In(web.China).Format("1月2日 15:04"),
				fmt.Sprintf("限时 %d 分钟 · 满分 %g 分 · %g 分及格", e.DurationMinutes, e.TotalPoints, e.PassScore)}}
		switch state {
		case "resume":
			c.Big, c.Link, c.LinkText = "作答中", fmt.Sprintf("/exams/attempts/%d", e.OpenAttempt.Int64), "继续作答"
		case "open":
			c.Big = fmt.Sprintf("剩 %d 次机会", e.AttemptsLeft())
			c.Link, c.LinkText = "/exams", "去考试"
		case "refused": // the start guard's reason instead of an invitation
			c.Big, c.Link, c.LinkText = "不能参加", "/exams", "查看考试"
			c.Lines = append(c.Lines, e.Refusal)
		default:
			_, c.Big = e.Retake(retake)
			c.Link, c.LinkText = "/exams", "查看成绩"
		}
		if e.BestScore.Valid {
			pass := "未及格"
			if e.Passed {
				pass = "已及格"
			}
			c.Lines = append(c.Lines, fmt.Sprintf("最好成绩 %g 分（%s）", e.BestScore.Float64, pass))
		}
		cards = append(cards, c)
	}
	return cards, nil
}

// staffCard: for admins and organizers, the exams open now with how many of their
// candidates in scope have taken each, so the next step (remind those who have not) is
// one tap away.
func (h *handlers) staffCard(ctx context.Context, me *web.Identity) ([]web.Card, error) {
	rows, err := h.st.OpenExamTurnout(ctx, web.ScopeOf(me), 3)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	c := web.Card{Title: "进行中的考试", Order: 29, Link: "/admin/exams", LinkText: "查看参考情况"}
	for i, r := range rows {
		if i == 0 {
			c.Big = fmt.Sprintf("%d/%d 人已参考", r.Taken, r.Candidates)
			c.Bar = true
			if r.Candidates > 0 {
				c.Percent = min(100, r.Taken*100/r.Candidates)
			}
			c.Link = fmt.Sprintf("/admin/exams/%d", r.ID)
		}
		c.Lines = append(c.Lines, fmt.Sprintf("%s：%d/%d 人已参考，%s 截止", r.Title, r.Taken, r.Candidates, r.ClosesAt.In(web.China).Format("1月2日 15:04")))
	}
	// The soonest close with people who have not taken it: remind them (app/reminders).
	if r := rows[0]; r.Behind(time.Now()) {
		c.Accent, c.Due = true, r.ClosesAt
		c.Lines = append(c.Lines, fmt.Sprintf("「%s」还有 %d 人未参考", r.Title, r.Candidates-r.Taken))
		c.Link, c.LinkText = fmt.Sprintf("/admin/reminders/new?target=exam&target_id=%d", r.ID), "提醒未参考的人"
	}
	return []web.Card{c}, nil
}
