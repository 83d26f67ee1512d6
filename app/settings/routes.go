// Package settings holds the county's settings: one row of county_settings
// (migrations/00055_county_settings.sql), shown and changed by admins on /admin/settings
// and through /api/v1/settings. Its switches: ranking_enabled (column show_ranking): whether the
// townships' 排名 appears on the reports page and in the completion workbook. Under
// 国办函〔2026〕12号 a platform must not push 积分排名 by default, so it starts off.
// issuer_name (migrations/00078_county_name.sql) is the issuing body the certificates and
// their verification page name (Store.IssuerName; empty: certificates.DefaultIssuer).
// Other features read a setting through a function of their Deps (app/features.go).
package settings

import (
	"context"
	"embed"

	"zhibu/app/web"
)

//go:embed templates/*.html
var templates embed.FS

type handlers struct {
	store *Store
	srv   *web.Server
}

// Deps is what the settings need from other features: nothing yet.
type Deps struct{}

// Mount adds the settings page, its form, the API and the admins' home card. Only admins
// (the county) see or change settings.
func Mount(s *web.Server, deps Deps) error {
	if err := s.Render.AddPages("settings", templates, "templates/*.html"); err != nil {
		return err
	}
	s.MapErrors(errorTable)
	h := &handlers{store: NewStore(s.DB), srv: s}
	admin := web.Auth(web.RoleAdmin)
	a := s.App
	a.Get("/admin/settings", admin, h.page)
	a.Post("/admin/settings", admin, h.updateForm)
	a.Get("/api/v1/settings", admin, h.apiGet)
	a.Put("/api/v1/settings", admin, h.apiUpdate)
	s.AddHomeCards(h.homeCards)
	return nil
}

// homeCards: admins see whether ranking is on, with the way to the switch.
func (h *handlers) homeCards(ctx context.Context, me *web.Identity) ([]web.Card, error) {
	if me.Role != web.RoleAdmin {
		return nil, nil
	}
	st, err := h.store.Get(ctx)
	if err != nil {
		return nil, err
	}
	return []web.Card{{Title: "县级设置", Big: rankingText(st.ShowRanking), Lines: []string{"乡镇排名默认不显示"},
		Link: "/admin/settings", LinkText: "修改设置", Order: 95}}, nil
}

func rankingText(on bool) string {
	if on {
		return "排名：已开启"
	}
	return "排名：未开启"
}
