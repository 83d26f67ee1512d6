package certificates

import (
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"

	"github.com/gofiber/fiber/v2"
	"rsc.io/qr"

	"zhibu/app/web"
)

// GET /verify/:code — public, no session: the name, the programme, the date and whether
// the certificate is valid (已撤销 with the reason); an unknown or forged code is a 404
// page 「证书不存在」, too many requests a 429 page.
func (h *handlers) verifyPage(c *fiber.Ctx) error {
	if err := h.throttle(c); err != nil {
		return err
	}
	v, err := h.store.Verify(c.UserContext(), c.Params("code"))
	found := true
	if errors.Is(err, ErrCertificateNotFound) {
		found = false
		c.Status(fiber.StatusNotFound)
	} else if err != nil {
		return err
	}
	if v.Issuer, err = h.issuer(c.UserContext()); err != nil {
		return err
	}
	c.Set("X-Robots-Tag", "noindex")
	return h.srv.Render.Page(c, "certificates/verify", fiber.Map{"Title": "证书查验", "V": v, "Found": found})
}

// GET /me/certificates — the caller's certificates (issuing those now due first) and the
// programmes still to earn with what is missing.
func (h *handlers) minePage(c *fiber.Ctx) error {
	list, err := h.mine(c)
	if err != nil {
		return err
	}
	var pending []Pending
	if web.Me(c).Role == web.RoleSecretary {
		if pending, err = h.store.Pending(c.UserContext(), web.Me(c).UserID); err != nil {
			return err
		}
	}
	return h.srv.Render.Page(c, "certificates/mine", fiber.Map{"Title": "我的证书", "List": list, "Pending": pending})
}

// GET /me/certificates/:id — the printable A4 certificate (the owner's only; another's is 404).
func (h *handlers) certificatePage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	cert, err := h.store.Certificate(c.UserContext(), web.Me(c).UserID, id)
	if err != nil {
		return err
	}
	return h.renderCertificate(c, cert, "/me/certificates")
}

// renderCertificate renders the A4 certificate with the QR code of its verification URL.
func (h *handlers) renderCertificate(c *fiber.Ctx, cert Certificate, back string) error {
	link := VerifyURL(h.deps.PublicURL, c.BaseURL(), cert.Code)
	code, err := qr.Encode(link, qr.M)
	if err != nil {
		return err
	}
	code.Scale = 6
	issuer, err := h.issuer(c.UserContext())
	if err != nil {
		return err
	}
	// A data: URL is safe here: the PNG is ours, never user input.
	img := template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(code.PNG()))
	return h.srv.Render.Page(c, "certificates/certificate", fiber.Map{"Title": "结业证书", "C": cert,
		"QR": img, "Link": link, "Back": back, "Issuer": issuer})
}

// GET /admin/certificates?q=&programme=&page= — the programmes and the issued certificates.
func (h *handlers) adminPage(c *fiber.Ctx) error {
	f, err := filterOf(c)
	if err != nil {
		return err
	}
	progs, err := h.store.Programmes(c.UserContext())
	if err != nil {
		return err
	}
	list, total, err := h.store.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "certificates/admin", fiber.Map{"Title": "结业证书", "Programmes": progs, "List": list,
		"Total": total, "F": f, "Pager": web.NewPager(c, f.Page, total, web.PageSize)})
}

// GET /admin/certificates/programmes/new
func (h *handlers) newProgrammePage(c *fiber.Ctx) error {
	return h.programmeForm(c, 0, ProgrammeInput{Kind: KindYear, Year: DayOf(h.deps.Now()).Year()}, 0, nil)
}

// GET /admin/certificates/programmes/:id/edit
func (h *handlers) editProgrammePage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	p, err := h.store.Programme(c.UserContext(), id)
	if err != nil {
		return err
	}
	active := p.Active
	in := ProgrammeInput{Title: p.Title, Kind: p.Kind, ClassID: val(p.ClassID), Year: valInt(p.Year), ExamID: val(p.ExamID), Active: &active}
	return h.programmeForm(c, id, in, p.Issued, nil)
}

func (h *handlers) programmeForm(c *fiber.Ctx, id int64, in ProgrammeInput, issued int, failed *web.Error) error {
	classes, exams, err := h.store.Choices(c.UserContext())
	if err != nil {
		return err
	}
	title := "新建证书项目"
	if id != 0 {
		title = "修改证书项目"
	}
	d := fiber.Map{"Title": title, "ID": id, "In": in, "Active": in.IsActive(), "Issued": issued, "Classes": classes, "Exams": exams}
	if failed != nil {
		c.Status(failed.Status)
		d["Error"], d["Errors"] = failed.Message, failed.Fields
	}
	return h.srv.Render.Page(c, "certificates/programme_form", d)
}

// POST /admin/certificates/programmes (form: title, kind, class_id, year, exam_id, active)
func (h *handlers) createProgrammeForm(c *fiber.Ctx) error {
	in, fe := programmeInputFromForm(c)
	if len(fe) > 0 {
		return h.programmeForm(c, 0, in, 0, h.srv.AsError(web.Invalidf(firstMessage(fe), fe)))
	}
	p, err := h.store.CreateProgramme(c.UserContext(), web.Me(c), in)
	if err != nil {
		return h.refused(c, err, func(we *web.Error) error { return h.programmeForm(c, 0, in, 0, we) })
	}
	return web.RedirectOK(c, "/admin/certificates", "已新建证书项目「"+p.Title+"」")
}

// POST /admin/certificates/programmes/:id
func (h *handlers) updateProgrammeForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	in, fe := programmeInputFromForm(c)
	if len(fe) > 0 {
		return h.programmeForm(c, id, in, 0, h.srv.AsError(web.Invalidf(firstMessage(fe), fe)))
	}
	p, err := h.store.UpdateProgramme(c.UserContext(), id, in)
	if err != nil {
		return h.refused(c, err, func(we *web.Error) error {
			old, _ := h.store.Programme(c.UserContext(), id)
			return h.programmeForm(c, id, in, old.Issued, we)
		})
	}
	return web.RedirectOK(c, "/admin/certificates", "已保存证书项目「"+p.Title+"」")
}

// refused re-renders a form with the refusal's message; not found and unexpected errors
// go to the error page.
func (h *handlers) refused(c *fiber.Ctx, err error, render func(*web.Error) error) error {
	we := h.srv.AsError(err)
	if we.Status >= 500 || we.Status == fiber.StatusNotFound {
		return err
	}
	return render(we)
}

// GET /admin/certificates/programmes/:id/issue — what 「立即核发」 does.
func (h *handlers) issuePage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	p, err := h.store.Programme(c.UserContext(), id)
	if err != nil {
		return err
	}
	if !p.Active {
		return ErrProgrammeInactive
	}
	return h.srv.RenderConfirm(c, web.Confirm{Question: "确定为「" + p.Title + "」立即核发证书吗？",
		Consequences: []string{"条件：" + p.Rule() + "。",
			"所有符合条件、还没有本项目证书的支部书记每人核发一张，已核发的不会重复。证书核发后只能撤销，不能删除。"},
		Action: fmt.Sprintf("/admin/certificates/programmes/%d/issue", id), Yes: "立即核发", Back: "/admin/certificates"})
}

// POST /admin/certificates/programmes/:id/issue
func (h *handlers) issueForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	n, err := h.store.Issue(c.UserContext(), id, nil)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("已核发 %d 张证书", n)
	if n == 0 {
		msg = "没有新的符合条件的人员，未核发证书"
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/certificates?programme=%d", id), msg)
}

// GET /admin/certificates/:id — one certificate as its owner sees it, with the admin's actions.
func (h *handlers) adminCertificatePage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	cert, err := h.store.Certificate(c.UserContext(), 0, id)
	if err != nil {
		return err
	}
	return h.renderCertificate(c, cert, "/admin/certificates")
}

// GET /admin/certificates/:id/revoke — the revocation form (a reason is required).
func (h *handlers) revokePage(c *fiber.Ctx) error {
	return h.revokeFormPage(c, RevokeInput{}, nil)
}

func (h *handlers) revokeFormPage(c *fiber.Ctx, in RevokeInput, failed *web.Error) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	cert, err := h.store.Certificate(c.UserContext(), 0, id)
	if err != nil {
		return err
	}
	if !cert.Valid() {
		return web.RedirectOK(c, fmt.Sprintf("/admin/certificates/%d", id), "该证书已撤销")
	}
	d := fiber.Map{"Title": "撤销证书", "C": cert, "In": in, "Max": MaxReason}
	if failed != nil {
		c.Status(failed.Status)
		d["Error"], d["Errors"] = failed.Message, failed.Fields
	}
	return h.srv.Render.Page(c, "certificates/revoke", d)
}

// POST /admin/certificates/:id/revoke (form: reason)
func (h *handlers) revokeForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	in := RevokeInput{Reason: c.FormValue("reason")}
	cert, err := h.store.Revoke(c.UserContext(), web.Me(c), id, in)
	if err != nil {
		return h.refused(c, err, func(we *web.Error) error { return h.revokeFormPage(c, in, we) })
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/certificates/%d", id), "已撤销「"+cert.Name+"」的证书")
}
