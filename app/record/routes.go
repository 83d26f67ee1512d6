// Package record is the 学习档案: a secretary's year on one page — every course completed
// (and every 必修 course that applies), exam, 集中培训班, confirmed study tour and credit
// the county gave by hand, with the 学时 against the year's target — for the secretary
// (/me/record), for staff about anyone of their scope, and as Excel: one person's, or a
// whole township's at year end. It owns no table: it reads the other features' tables
// and every figure from its one definition (app/hours for 学时, app/figures for 必修,
// candidacy, 得分率 and 参加考察), so its numbers are the ledger's and the reports'.
package record

import (
	"embed"
	"time"

	"zhibu/app/web"
)

//go:embed templates/*.html
var templates embed.FS

type handlers struct {
	store *Store
	srv   *web.Server
	now   func() time.Time
}

// Deps: the records need nothing from other features.
type Deps struct{}

// Mount adds the record's pages, downloads and API.
func Mount(s *web.Server, _ Deps) error {
	if err := s.Render.AddPages("record", templates, "templates/*.html"); err != nil {
		return err
	}
	s.MapErrors(errorTable)
	h := &handlers{store: NewStore(s.DB), srv: s, now: time.Now}
	a := s.App
	// The own record is a secretary's; staff are refused by the handler (mine), after
	// s.Download, so that every download route answers WeChat alike.
	anyone := web.Auth()
	staff := web.Auth(web.RoleOrganizer, web.RoleAdmin)

	// Pages and downloads. The .xlsx routes come before the :id page, which would
	// otherwise take "7.xlsx" for its id.
	a.Get("/me/record", anyone, h.minePage)
	a.Get("/me/record.xlsx", anyone, s.Download, h.mineXLSX)
	a.Get("/admin/record/township.xlsx", staff, s.Download, h.townshipXLSX)
	a.Get("/admin/record/people/:id.xlsx", staff, s.Download, h.personXLSX)
	a.Get("/admin/record/people/:id", staff, h.personPage)

	// API.
	a.Get("/api/v1/me/record", anyone, h.apiMine)
	a.Get("/api/v1/users/:id/record", staff, h.apiPerson)
	return nil
}
