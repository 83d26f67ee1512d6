// Package tools owns the secretaries' job aids (issue 16). The first is the 表决计算器:
// from the numbers of a 支部党员大会 (应到, 实到, 书面意见, 赞成/反对/弃权) it tells whether
// the meeting may vote and whether the decision passed, under the rule of the decision
// (rules.go). It keeps nothing: no tables, no store.
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

	// API (docs/tools.md).
	a.Post("/api/v1/tools/vote-check", anyone, h.apiVoteCheck)
	return nil
}
