// Package inbox owns the 站内消息: one inbox for every feature. Features post through
// web.Post (app/web/message.go), wired to Post in app/features.go, in the transaction of
// the change a message tells of; people read them on /messages (linked from 我的 and, while
// something is unread, from a home card) and in GET /api/v1/messages. A message is read
// only when its person says so (查看 or 全部标为已读): showing a page never marks
// anything read, and nothing is forced (国办函〔2026〕12号).
package inbox

import (
	"context"
	"embed"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

//go:embed templates/*.html
var templates embed.FS

type handlers struct {
	store *Store
	srv   *web.Server
}

// Deps is what the inbox needs from other features: nothing yet.
type Deps struct{}

// CardTitles is how many unread titles the home card shows.
const CardTitles = 3

// Mount adds the inbox's page, API, home card and the 我的 page's unread count.
func Mount(s *web.Server, _ Deps) error {
	if err := s.Render.AddPages("inbox", templates, "templates/*.html"); err != nil {
		return err
	}
	s.MapErrors(errorTable)
	h := &handlers{store: NewStore(s.DB), srv: s}
	a := s.App
	anyone := web.Auth()

	// Pages.
	a.Get("/messages", anyone, h.listPage)
	a.Post("/messages/read", anyone, h.readAllForm)
	a.Post("/messages/:id/read", anyone, h.readForm)

	// API (docs/inbox.md).
	a.Get("/api/v1/messages", anyone, h.apiList)
	a.Post("/api/v1/messages/read", anyone, h.apiReadAll)
	a.Post("/api/v1/messages/:id/read", anyone, h.apiRead)

	s.AddHomeCards(h.homeCard)
	// Every page may show the signed-in person's unread count as {{.Inbox.Unread}} (我的,
	// the tours page); it is counted only where a template asks for it.
	s.Render.AddPageData("Inbox", func(c *fiber.Ctx) any {
		if me := web.Me(c); me != nil {
			return &Badge{ctx: c.UserContext(), store: h.store, userID: me.UserID}
		}
		return nil
	})
	return nil
}

// Badge is the signed-in person's unread count for any page's template.
type Badge struct {
	ctx    context.Context
	store  *Store
	userID int64
}

// Unread counts the person's unread messages.
func (b *Badge) Unread() (int, error) { return b.store.Unread(b.ctx, b.userID) }

// homeCard: only while something is unread, its count and the newest unread titles, with
// the way to the inbox. It informs; it never pushes ahead of what there is to do.
func (h *handlers) homeCard(ctx context.Context, me *web.Identity) ([]web.Card, error) {
	ms, n, err := h.store.NewestUnread(ctx, me.UserID, CardTitles)
	if err != nil || n == 0 {
		return nil, err
	}
	card := web.Card{Title: "消息", Big: fmt.Sprintf("%d 条未读", n), Link: "/messages", LinkText: "查看消息", Order: 2}
	for _, m := range ms {
		card.Lines = append(card.Lines, m.Title)
	}
	return []web.Card{card}, nil
}
