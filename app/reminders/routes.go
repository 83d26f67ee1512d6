// Package reminders owns 催学 and the automatic 即将截止 reminders. An organizer (own
// township) or the county reminds the people who have not finished a 必修 course, passed
// an exam or finished a class; everyone is told through the inbox (web.Post, in the
// transaction of the reminder's rows, ref reminder:<id>), and the sender sees per person
// whether the message was delivered and read and whether they finished since. A
// background pass (Run, job.go) sends 即将截止 for 必修 courses and exams closing soon,
// outside the quiet hours, as the county switches it (app/settings). One reminder per
// person and item within 7 days, manual or automatic alike (rules.go, reminder_log).
// docs/reminders.md has the routes.
package reminders

import (
	"context"
	"embed"
	"time"

	"zhibu/app/web"
)

//go:embed templates/*.html
var templates embed.FS

// Deps is what the reminders need from other features, wired in app/features.go.
type Deps struct {
	// Post writes the reminders' inbox messages in their transaction (the inbox). Required.
	Post web.Post
	// Switches reads the county's settings of the automatic reminders (app/settings);
	// nil means DefaultSwitches.
	Switches func(ctx context.Context) (Switches, error)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Interval is how often Run passes; 0 means DefaultInterval.
	Interval time.Duration
}

type handlers struct {
	store *Store
	srv   *web.Server
}

// Mount adds the reminders' pages and API.
func Mount(s *web.Server, deps Deps) error {
	if deps.Post == nil {
		return ErrNoInbox
	}
	if err := s.Render.AddPages("reminders", templates, "templates/*.html"); err != nil {
		return err
	}
	s.MapErrors(errorTable)
	h := &handlers{store: NewStore(s.DB, deps), srv: s}
	a := s.App
	staff := web.Auth(web.RoleOrganizer, web.RoleAdmin)

	// Pages.
	a.Get("/admin/reminders", staff, h.listPage)
	a.Get("/admin/reminders/new", staff, h.newPage)
	a.Post("/admin/reminders", staff, h.sendForm)
	a.Get("/admin/reminders/:id", staff, h.reminderPage)

	// API (docs/reminders.md).
	a.Get("/api/v1/reminders", staff, h.apiList)
	a.Post("/api/v1/reminders", staff, h.apiSend)
	a.Get("/api/v1/reminders/:id", staff, h.apiGet)
	return nil
}
