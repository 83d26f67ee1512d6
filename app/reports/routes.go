// Package reports builds the completion report of a year — the numbers on the /admin/reports
// page and the Excel workbook departments use for 督查 — from one query path, plus the
// per-exam results workbook. Workbooks are written with app/workbook.
package reports

import (
	"context"
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
	deps  Deps
}

// Deps is what the reports need from other features, wired in app/features.go.
type Deps struct {
	// Ranking tells whether the county shows the townships' 排名 (app/settings, off by
	// default under 国办函〔2026〕12号); nil means never.
	Ranking func(ctx context.Context) (bool, error)
}

// Mount adds the report page, the summary JSON and the workbook downloads. Only admins
// (the county) and organizers (their own township) may see reports.
func Mount(s *web.Server, deps Deps) error {
	if err := s.Render.AddPages("reports", templates, "templates/*.html"); err != nil {
		return err
	}
	s.MapErrors(errorTable)
	h := &handlers{store: NewStore(s.DB), srv: s, now: time.Now, deps: deps}
	staff := web.Auth(web.RoleAdmin, web.RoleOrganizer)
	a := s.App
	a.Get("/admin/reports", staff, h.page)
	a.Get("/api/v1/reports/completion", staff, h.apiCompletion)
	a.Get("/api/v1/reports/completion.xlsx", staff, s.Download, h.completionXLSX)
	a.Get("/api/v1/reports/exams/:id.xlsx", staff, s.Download, h.examXLSX)
	return nil
}
