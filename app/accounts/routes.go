// Package accounts owns users, roles, the county's org tree (townships and branches),
// login and passwords, and the roster import.
package accounts

import (
	"context"
	"embed"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/imports"
	"zhibu/app/web"
)

//go:embed templates/*.html
var templates embed.FS

// handlers are the pages and API of accounts: api*.go, pages*.go and the roster import's
// roster_handlers.go.
type handlers struct {
	db    *sqlx.DB // the roster import's queries (roster_store.go)
	srv   *web.Server
	store *Store
}

// Mount adds the accounts pages and API to the server. Admins manage the county;
// organizers only their own township's branches and secretaries.
func Mount(s *web.Server) error {
	if err := s.Render.AddPages("accounts", templates, "templates/*.html"); err != nil {
		return err
	}
	s.MapErrors(errorTable)
	h := &handlers{db: s.DB, srv: s, store: NewStore(s.DB, s.Sessions, s.Logger())}
	a := s.App
	admin, staff := web.Auth(web.RoleAdmin), web.Auth(web.RoleAdmin, web.RoleOrganizer)

	s.AddHomeCards(h.orgCards)

	// Session and own account.
	a.Get("/", h.home)
	a.Get("/login", h.loginPage)
	a.Post("/login", h.loginSubmit)
	a.Post("/logout", h.logout)
	a.Get("/password", web.AuthPending(), h.passwordPage)
	a.Post("/password", web.AuthPending(), h.passwordSubmit)
	a.Get("/me", web.Auth(), h.mePage)

	a.Post("/api/v1/session", h.apiLogin)
	a.Delete("/api/v1/session", h.apiLogout)
	a.Get("/api/v1/me", web.AuthPending(), h.apiMe)
	a.Put("/api/v1/me/password", web.AuthPending(), h.apiChangePassword)

	// Org tree, users and the roster import.
	a.Get("/api/v1/townships", staff, h.apiTownships)
	a.Post("/api/v1/townships", admin, h.apiCreateTownship)
	a.Get("/api/v1/branches", staff, h.apiBranches)
	a.Post("/api/v1/branches", staff, h.apiCreateBranch)
	a.Put("/api/v1/branches/:id", staff, h.apiUpdateBranch)
	a.Get("/api/v1/users", staff, h.apiUsers)
	a.Post("/api/v1/users", staff, h.apiCreateUser)
	a.Put("/api/v1/users/:id", staff, h.apiUpdateUser)
	a.Post("/api/v1/users/:id/reset-password", staff, h.apiResetPassword)
	a.Get("/api/v1/roster/template.xlsx", staff, s.Download, h.rosterTemplate)
	a.Post("/api/v1/roster/import", staff, h.apiRosterImport)

	a.Get("/admin/org", staff, h.orgPage)
	a.Post("/admin/org/townships", admin, h.orgCreateTownship)
	a.Post("/admin/org/branches", staff, h.orgCreateBranch)
	a.Post("/admin/org/branches/:id", staff, h.orgUpdateBranch)
	a.Get("/admin/users", staff, h.usersPage)
	a.Get("/admin/users/new", staff, h.userNewPage)
	a.Post("/admin/users/new", staff, h.userCreateSubmit)
	a.Get("/admin/users/:id", staff, h.userEditPage)
	a.Post("/admin/users/:id", staff, h.userEditSubmit)
	a.Get("/admin/users/:id/deactivate", staff, h.userDeactivateConfirm)
	a.Post("/admin/users/:id/active", staff, h.userActiveSubmit)
	a.Get("/admin/users/:id/reset-password", staff, h.userResetConfirm)
	a.Post("/admin/users/:id/reset-password", staff, h.userResetSubmit)
	a.Get("/admin/roster", staff, h.rosterPage)
	a.Post("/admin/roster/preview", staff, h.rosterPreview)
	a.Post("/admin/roster/confirm", staff, h.rosterConfirm)
	return nil
}

// RunSweeper removes expired sessions, old login counters and stale uploads every hour.
func RunSweeper(ctx context.Context, db *sqlx.DB, sessions *web.Sessions, log *slog.Logger) {
	store := NewStore(db, sessions, log)
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := sessions.Sweep(ctx); err != nil && ctx.Err() == nil {
			log.Warn("sweep sessions", "err", err)
		}
		if err := store.sweepThrottle(ctx); err != nil && ctx.Err() == nil {
			log.Warn("sweep login counters", "err", err)
		}
		if err := imports.SweepStash(ctx, db); err != nil && ctx.Err() == nil {
			log.Warn("sweep upload previews", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
