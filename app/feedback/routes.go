// Package feedback owns 投诉建议, the complaints and suggestions channel 国办函〔2026〕12号
// asks every government app for: every signed-in person sends a complaint, a suggestion
// or a question about their township (optionally 对乡镇匿名: hidden from the township's
// organizers, never from the county), at most DailyLimit a day; staff in scope (admins
// all, organizers their township) set its status and reply; the reply reaches the sender
// in the inbox (Deps.Post) and on /feedback.
package feedback

import (
	"context"
	"embed"
	"fmt"
	"time"

	"zhibu/app/web"
)

//go:embed templates/*.html
var templates embed.FS

type handlers struct {
	store *Store
	srv   *web.Server
}

// Deps is what 投诉建议 needs from other features, wired in app/features.go.
type Deps struct {
	// Post writes the sender's inbox message of a reply in the reply's transaction
	// (app/web/message.go); nil posts nothing (the reply still shows on /feedback).
	Post web.Post
	// Now is the clock of the daily limit; nil means time.Now.
	Now func() time.Time
}

// Mount adds the feedback pages, API and the staff's home card.
func Mount(s *web.Server, deps Deps) error {
	if err := s.Render.AddPages("feedback", templates, "templates/*.html"); err != nil {
		return err
	}
	s.MapErrors(errorTable)
	h := &handlers{store: NewStore(s.DB, deps), srv: s}
	a := s.App
	anyone := web.Auth()
	staff := web.Auth(web.RoleOrganizer, web.RoleAdmin)

	// Pages.
	a.Get("/feedback", anyone, h.minePage)
	a.Post("/feedback", anyone, h.sendForm)
	a.Get("/admin/feedback", staff, h.adminListPage)
	a.Get("/admin/feedback/:id", staff, h.adminItemPage)
	a.Post("/admin/feedback/:id/reply", staff, h.replyForm)

	// API (docs/feedback.md).
	a.Get("/api/v1/feedback", anyone, h.apiList)
	a.Post("/api/v1/feedback", anyone, h.apiSend)
	a.Get("/api/v1/feedback/:id", anyone, h.apiGet)
	a.Post("/api/v1/feedback/:id/reply", staff, h.apiReply)

	s.AddHomeCards(h.homeCards)
	return nil
}

// homeCards: staff see the feedback of their scope waiting for an answer, when there is
// some; nobody else gets a card (senders find theirs under 我的 → 投诉建议).
func (h *handlers) homeCards(ctx context.Context, me *web.Identity) ([]web.Card, error) {
	if me.Role == web.RoleSecretary {
		return nil, nil
	}
	received, inProgress, err := h.store.Waiting(ctx, me)
	if err != nil || received+inProgress == 0 {
		return nil, err
	}
	card := web.Card{Title: "投诉建议", Big: fmt.Sprintf("%d 条待答复", received+inProgress),
		Link: "/admin/feedback", LinkText: "去处理", Order: 90}
	if received > 0 {
		card.Lines = append(card.Lines, fmt.Sprintf("新收到 %d 条", received))
		card.Link = "/admin/feedback?status=" + StatusReceived
	}
	if inProgress > 0 {
		card.Lines = append(card.Lines, fmt.Sprintf("处理中 %d 条", inProgress))
	}
	return []web.Card{card}, nil
}
