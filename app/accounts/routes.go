// Package accounts owns users, roles, the county's org tree (townships and branches),
// login and passwords, and the roster import.
package accounts

import (
	"context"
	"embed"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

//go:embed templates/*.html
var templates embed.FS

// Mount adds the accounts pages and API to the server.
func Mount(s *web.Server) error {
	if err := s.Render.AddPages("accounts", templates, "templates/*.html"); err != nil {
		return err
	}
	h := &handlers{db: s.DB, srv: s}
	a := s.App
	admin, staff := web.Auth(web.RoleAdmin), web.Auth(web.RoleAdmin, web.RoleOrganizer)
	_, _ = admin, staff

	s.AddHomeCards(h.orgCards)

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

	mountOrg(s, h)
	return nil
}

// RunSweeper removes expired sessions, old login counters and stale uploads every hour.
func RunSweeper(ctx context.Context, db *sqlx.DB, sessions *web.Sessions, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := sessions.Sweep(ctx); err != nil && ctx.Err() == nil {
			log.Warn("sweep sessions", "err", err)
		}
		if err := sweepThrottle(ctx, db); err != nil && ctx.Err() == nil {
			log.Warn("sweep login counters", "err", err)
		}
		if err := web.SweepStash(ctx, db); err != nil && ctx.Err() == nil {
			log.Warn("sweep upload previews", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
