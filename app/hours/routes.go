// Package hours owns the 学时 ledger (migrations/00059_hour_ledger.sql): every 学时 a
// secretary is credited — a completed online course, a class attended to 结班, a confirmed
// study tour, outside training the county credits by hand — is one entry, and every 学时
// figure reads the entries (app/figures Hours). Features write their entries through
// Credit inside their own transactions; like app/figures, this package imports no
// feature. It also serves 我的学时 to secretaries and the ledger to staff.
package hours

import (
	"embed"

	"zhibu/app/web"
)

//go:embed templates/*.html
var templates embed.FS

type handlers struct {
	store *Store
	srv   *web.Server
}

// Deps: the ledger needs nothing from other features.
type Deps struct{}

// Mount adds the ledger's pages and API.
func Mount(s *web.Server, _ Deps) error {
	if err := s.Render.AddPages("hours", templates, "templates/*.html"); err != nil {
		return err
	}
	s.MapErrors(errorTable)
	h := &handlers{store: NewStore(s.DB), srv: s}
	a := s.App
	anyone := web.Auth()
	staff := web.Auth(web.RoleOrganizer, web.RoleAdmin)
	admin := web.Auth(web.RoleAdmin)

	// Pages.
	a.Get("/me/hours", anyone, h.minePage)
	a.Get("/admin/hours", staff, h.peoplePage)
	a.Get("/admin/hours/people/:id", staff, h.personPage)
	a.Get("/admin/hours/new", admin, h.creditPage)
	a.Post("/admin/hours", admin, h.creditForm)
	a.Get("/admin/hours/:id/revoke", admin, h.revokePage)
	a.Post("/admin/hours/:id/revoke", admin, h.revokeForm)

	// API.
	a.Get("/api/v1/me/hours", anyone, h.apiMine)
	a.Get("/api/v1/hours", staff, h.apiPeople)
	a.Post("/api/v1/hours", admin, h.apiCredit)
	a.Delete("/api/v1/hours/:id", admin, h.apiRevoke)
	return nil
}
