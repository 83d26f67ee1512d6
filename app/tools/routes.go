// Package tools owns the secretaries' job aids (issue 16). The first is the 表决计算器:
// from the numbers of a 支部党员大会 (应到, 实到, 书面意见, 赞成/反对/弃权) it tells whether
// the meeting may vote and whether the decision passed, under the rule of the decision
// (rules.go). The 发展党员 planner (rules_candidates.go, store.go) keeps each user's own
// records of where a person stands in the 25 steps, visible to nobody else. The 会议记录清单
// (rules_meetings.go) is static: each meeting's frequency, procedure, record elements and
// a blank A4 record. The 履职清单 (rules_duty.go, store_duty.go) is the year's calendar of
// a branch kind with the user's own ticks and term start, visible to nobody else.
package tools

import (
	"context"
	"embed"

	"zhibu/app/web"
)

//go:embed templates/*.html
var templates embed.FS

type handlers struct {
	srv  *web.Server
	deps Deps
}

// Deps is what the job aids need from other features, wired in app/features.go.
type Deps struct {
	// Lesson is the page of the course that explains a topic (courses.TopicURL: the demo
	// files' `topic`, e.g. 「发展党员」), "" when there is none; each aid links to it.
	Lesson func(ctx context.Context, topic string) (string, error)
}

// lesson is the lesson link of topic for a page ("" when none or on error: a missing
// link never breaks the aid).
func (h *handlers) lesson(ctx context.Context, topic string) string {
	if h.deps.Lesson == nil {
		return ""
	}
	url, err := h.deps.Lesson(ctx, topic)
	if err != nil {
		return ""
	}
	return url
}

// Mount adds the job aids' pages and API (docs/tools.md).
func Mount(s *web.Server, deps Deps) error {
	if err := s.Render.AddPages("tools", templates, "templates/*.html"); err != nil {
		return err
	}
	s.MapErrors(errorTable)
	h := &handlers{srv: s, deps: deps}
	a := s.App
	anyone := web.Auth()

	// Pages.
	a.Get("/tools/vote", anyone, h.votePage)
	a.Post("/tools/vote", anyone, h.voteForm)
	// 发展党员进度 (pages_candidates.go): the caller's own records only, whatever the role.
	cand := &candHandlers{handlers: h, store: NewStore(s.DB)}
	a.Get("/tools/candidates", anyone, cand.listPage)
	a.Get("/tools/candidates/new", anyone, cand.newPage) // before :id
	a.Post("/tools/candidates", anyone, cand.createForm)
	a.Get("/tools/candidates/:id", anyone, cand.candidatePage)
	a.Post("/tools/candidates/:id", anyone, cand.updateForm)
	a.Get("/tools/candidates/:id/delete", anyone, cand.deletePage)
	a.Post("/tools/candidates/:id/delete", anyone, cand.deleteForm)
	// 会议记录清单 (pages_meetings.go): static checklists and blank record forms.
	a.Get("/tools/meetings", anyone, h.meetingsPage)
	a.Get("/tools/meetings/:kind", anyone, h.meetingPage)
	a.Get("/tools/meetings/:kind/print", anyone, h.meetingPrintPage)
	// 履职清单 (pages_duty.go): the caller's own calendar and ticks, whatever the role.
	duty := &dutyHandlers{handlers: h, store: NewDutyStore(s.DB)}
	a.Get("/tools/duty", anyone, duty.dutyPage)
	a.Post("/tools/duty/ticks", anyone, duty.tickForm)
	a.Post("/tools/duty/term", anyone, duty.termForm)

	// API (docs/tools.md).
	a.Post("/api/v1/tools/vote-check", anyone, h.apiVoteCheck)
	a.Get("/api/v1/tools/candidates", anyone, cand.apiList)
	a.Post("/api/v1/tools/candidates", anyone, cand.apiCreate)
	a.Get("/api/v1/tools/candidates/:id", anyone, cand.apiGet)
	a.Put("/api/v1/tools/candidates/:id", anyone, cand.apiUpdate)
	a.Delete("/api/v1/tools/candidates/:id", anyone, cand.apiDelete)
	a.Get("/api/v1/tools/duty", anyone, duty.apiDuty)
	a.Put("/api/v1/tools/duty/ticks/:key", anyone, duty.apiTick)
	a.Delete("/api/v1/tools/duty/ticks/:key", anyone, duty.apiUntick)
	a.Put("/api/v1/tools/duty/term", anyone, duty.apiTerm)
	return nil
}
