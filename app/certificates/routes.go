// Package certificates owns the 结业证书 (issue 15): the county defines programmes that
// earn a certificate (a class's 结业, or a year's programme: the year's 必修 courses done
// and an exam passed); a secretary who meets one gets exactly one certificate — serial
// number, 学时, date — printable on A4 with a QR code of its public verification page,
// which shows only the name, the programme, the date and whether it is valid. Admins
// revoke certificates with a reason. Certificates are issued by triggers (an exam passed,
// 结班, the secretary opening 我的证书) and by the admin's 「立即核发」, all through one
// set-based operation (Store.Issue).
package certificates

import (
	"context"
	"embed"
	"fmt"
	"strings"
	"time"

	"zhibu/app/web"
)

//go:embed templates/*.html
var templates embed.FS

type handlers struct {
	store *Store
	srv   *web.Server
	deps  Deps
}

// Deps is what the certificates need from outside; nothing is required.
type Deps struct {
	// PublicURL is the site's public address (ZHIBU_PUBLIC_URL) the QR code and the short
	// link point at; "" uses the request's own address.
	PublicURL string
	// VerifyLimit is how many verifications a client address may ask per minute; 0 is
	// VerifyLimit.
	VerifyLimit int
	// Now is the clock of issuing and of the rate limit's windows; nil is time.Now.
	Now func() time.Time
	// IssuerName is the issuing body the certificate is signed with and the verification
	// page names (the county setting, app/settings); nil, or "", is DefaultIssuer.
	IssuerName func(context.Context) (string, error)
}

// DefaultIssuer is the issuing body while the county has not named its own.
const DefaultIssuer = "县委组织部"

// Mount adds the certificates' pages, API and home cards (docs/certificates.md).
func Mount(s *web.Server, deps Deps) error {
	if err := s.Render.AddPages("certificates", templates, "templates/*.html"); err != nil {
		return err
	}
	if deps.VerifyLimit <= 0 {
		deps.VerifyLimit = VerifyLimit
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.IssuerName == nil {
		deps.IssuerName = func(context.Context) (string, error) { return DefaultIssuer, nil }
	}
	s.MapErrors(errorTable)
	h := &handlers{store: NewStore(s.DB, deps.Now), srv: s, deps: deps}
	a := s.App
	anyone := web.Auth()
	admin := web.Auth(web.RoleAdmin)

	// Pages: the public verification (no session), the owner's certificates.
	a.Get("/verify/:code", h.verifyPage)
	a.Get("/me/certificates", anyone, h.minePage)
	a.Get("/me/certificates/:id", anyone, h.certificatePage)
	// Pages: the county's administration.
	a.Get("/admin/certificates", admin, h.adminPage)
	a.Get("/admin/certificates/programmes/new", admin, h.newProgrammePage)
	a.Post("/admin/certificates/programmes", admin, h.createProgrammeForm)
	a.Get("/admin/certificates/programmes/:id/edit", admin, h.editProgrammePage)
	a.Post("/admin/certificates/programmes/:id", admin, h.updateProgrammeForm)
	a.Get("/admin/certificates/programmes/:id/issue", admin, h.issuePage)
	a.Post("/admin/certificates/programmes/:id/issue", admin, h.issueForm)
	a.Get("/admin/certificates/:id", admin, h.adminCertificatePage)
	a.Get("/admin/certificates/:id/revoke", admin, h.revokePage)
	a.Post("/admin/certificates/:id/revoke", admin, h.revokeForm)

	// API (docs/certificates.md).
	a.Get("/api/v1/verify/:code", h.apiVerify)
	a.Get("/api/v1/me/certificates", anyone, h.apiMine)
	a.Get("/api/v1/certificates", admin, h.apiList)
	a.Post("/api/v1/certificates/:id/revoke", admin, h.apiRevoke)
	a.Get("/api/v1/certificate-programmes", admin, h.apiProgrammes)
	a.Post("/api/v1/certificate-programmes", admin, h.apiCreateProgramme)
	a.Put("/api/v1/certificate-programmes/:id", admin, h.apiUpdateProgramme)
	a.Post("/api/v1/certificate-programmes/:id/issue", admin, h.apiIssue)

	s.AddHomeCards(h.homeCards)
	return nil
}

// issuer is the issuing body to name now: the county's, or DefaultIssuer.
func (h *handlers) issuer(ctx context.Context) (string, error) {
	name, err := h.deps.IssuerName(ctx)
	if err != nil {
		return "", err
	}
	if name = strings.TrimSpace(name); name == "" {
		name = DefaultIssuer
	}
	return name, nil
}

// homeCards: the admin's card to the certificates (their only way in besides the URL);
// secretaries reach theirs from 我的.
func (h *handlers) homeCards(ctx context.Context, me *web.Identity) ([]web.Card, error) {
	if me.Role != web.RoleAdmin {
		return nil, nil
	}
	list, err := h.store.Programmes(ctx)
	if err != nil {
		return nil, err
	}
	active, issued := 0, 0
	for _, p := range list {
		if p.Active {
			active++
		}
		issued += p.Issued - p.Revoked
	}
	return []web.Card{{Title: "结业证书", Big: fmt.Sprintf("%d 张有效", issued), Link: "/admin/certificates",
		LinkText: "管理证书", Order: 80, Lines: []string{fmt.Sprintf("%d 个证书项目在用", active)}}}, nil
}
