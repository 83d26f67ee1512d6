// Package notices owns the 通知公告: notices the county publishes to everyone or to
// chosen townships and township organizers publish to their own township, with Markdown
// bodies rendered and sanitized like lessons (web.Markdown), optional PDF attachments,
// drafts and pinning; the readers' list and page, the home card 「新通知」, the staff list
// and forms, and one inbox message per recipient when a notice is published. Who read a
// notice is never recorded (国办函〔2026〕12号, see docs/notices.md).
package notices

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

// Deps is what the notices need from other features, wired in app/features.go.
type Deps struct {
	// Post writes the inbox messages of a published notice in its transaction (the
	// inbox, app/inbox); nil posts nothing.
	Post web.Post
	// MaxAttachment is the largest PDF accepted; 0 means MaxAttachment (tests set less).
	MaxAttachment int64
}

// Mount adds the notices' pages, API and home card to the server.
func Mount(s *web.Server, deps Deps) error {
	if err := s.Render.AddPages("notices", templates, "templates/*.html"); err != nil {
		return err
	}
	s.MapErrors(errorTable)
	h := &handlers{store: NewStore(s.DB, deps), srv: s}
	a := s.App
	anyone := web.Auth()
	staff := web.Auth(web.RoleOrganizer, web.RoleAdmin)

	// Pages.
	a.Get("/notices", anyone, h.listPage)
	a.Get("/notices/:id", anyone, h.noticePage)
	a.Get("/notices/:id/attachments/:aid", anyone, h.download)
	a.Get("/admin/notices", staff, h.adminListPage)
	a.Get("/admin/notices/new", staff, h.newPage)
	a.Post("/admin/notices", staff, h.createForm)
	a.Get("/admin/notices/:id/edit", staff, h.editPage)
	a.Post("/admin/notices/:id", staff, h.updateForm)
	a.Get("/admin/notices/:id/delete", staff, h.deletePage) // asks first
	a.Post("/admin/notices/:id/delete", staff, h.deleteForm)
	a.Post("/admin/notices/:id/attachments", staff, h.uploadForm)
	a.Get("/admin/notices/:id/attachments/:aid/delete", staff, h.deleteAttachmentPage) // asks first
	a.Post("/admin/notices/:id/attachments/:aid/delete", staff, h.deleteAttachmentForm)

	// API (docs/notices.md).
	a.Get("/api/v1/notices", anyone, h.apiList)
	a.Post("/api/v1/notices", staff, h.apiCreate)
	a.Get("/api/v1/notices/:id", anyone, h.apiGet)
	a.Put("/api/v1/notices/:id", staff, h.apiUpdate)
	a.Delete("/api/v1/notices/:id", staff, h.apiDelete)
	a.Post("/api/v1/notices/:id/attachments", staff, h.apiUpload)
	a.Get("/api/v1/notices/:id/attachments/:aid", anyone, h.download)
	a.Delete("/api/v1/notices/:id/attachments/:aid", staff, h.apiDeleteAttachment)

	s.AddHomeCards(h.homeCards)
	return nil
}

// homeCards: secretaries and organizers see 「新通知」 with the newest titles meant for
// them of the last RecentDays days; no card when there is none. It informs only: nothing
// is counted as read, nobody is pressed to open it.
func (h *handlers) homeCards(ctx context.Context, me *web.Identity) ([]web.Card, error) {
	if me.Role == web.RoleAdmin {
		return nil, nil
	}
	list, total, err := h.store.Recent(ctx, me, RecentSince(time.Now()), 3)
	if err != nil || total == 0 {
		return nil, err
	}
	// Titles only, no big count: a count of "new" would read as a to-do list.
	card := web.Card{Title: "新通知", Link: "/notices", LinkText: "查看通知", Order: 45}
	for _, n := range list {
		card.Lines = append(card.Lines, n.PublishedAt.In(web.China).Format("01-02")+"　"+n.Title)
	}
	if total > len(list) {
		card.Lines = append(card.Lines, fmt.Sprintf("近 %d 天共 %d 条通知", RecentDays, total))
	}
	return []web.Card{card}, nil
}
