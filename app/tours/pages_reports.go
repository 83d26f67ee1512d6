package tours

import (
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// Page and form handlers of the tour reports and sharing sessions: each calls the same
// store operation as its JSON twin in api_reports.go.

// reportPage: a participant's report (GET /tours/:id/report): the pre-reading, the
// deadline, the status with the reviewer's comment, and the form while it may be edited.
func (h *handlers) reportPage(c *fiber.Ctx) error { return h.reportFormPage(c, nil, nil) }

// reportFormPage renders the report page; typed is the text as sent (nil: the stored
// report's) and failed the error of a refused submission, shown above the form.
func (h *handlers) reportFormPage(c *fiber.Ctx, typed *string, failed *web.Error) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	m, err := h.store.MyReport(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	body := ""
	if m.Report != nil {
		body = m.Report.Body
	}
	if typed != nil {
		body = *typed
	}
	data := fiber.Map{"Title": "学习报告", "M": m, "T": m.Tour, "Body": body, "MaxPDF": MaxReportPDFText,
		"MaxBody": MaxReportBody, "Errors": map[string]string{}}
	if failed != nil {
		c.Status(failed.Status)
		data["Failed"] = failed.Message
		if failed.Fields != nil {
			data["Errors"] = failed.Fields
		}
	}
	return h.srv.Render.Page(c, "tours/report", data)
}

// reportForm submits the report (POST /tours/:id/report, multipart): refused input (422)
// or a closed window (409) shows the page again with the text as typed and why.
func (h *handlers) reportForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	in, err := reportFromForm(c)
	if err == nil {
		_, err = h.store.SubmitReport(c.UserContext(), web.Me(c), id, in)
	}
	if err != nil {
		we := h.srv.AsError(err)
		if we.Status != fiber.StatusUnprocessableEntity && we.Status != fiber.StatusConflict {
			return err
		}
		typed := in.Body
		return h.reportFormPage(c, &typed, we)
	}
	return web.RedirectOK(c, fmt.Sprintf("/tours/%d/report", id), "学习报告已提交，等待乡镇组织委员审核")
}

// reportsPage: the reports desk of a tour (GET /admin/tours/:id/reports): every
// confirmed participant in scope with 报告已交 / 未交 / 已通过, links to review, and the
// sharing sessions with the form to record the own township's.
func (h *handlers) reportsPage(c *fiber.Ctx) error { return h.reportsDeskPage(c, nil, nil) }

// reportsDeskPage renders the desk; typed is a sharing form as sent and failed its error.
func (h *handlers) reportsDeskPage(c *fiber.Ctx, typed *SharingInput, failed *web.Error) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	me := web.Me(c)
	d, err := h.store.ReportDesk(c.UserContext(), me, id)
	if err != nil {
		return err
	}
	data := fiber.Map{"Title": "学习报告 · " + d.Tour.Title, "D": d, "T": d.Tour, "Errors": map[string]string{}}
	if me.Role == web.RoleOrganizer {
		people, err := h.store.SharingCandidates(c.UserContext(), id, me.TownshipID)
		if err != nil {
			return err
		}
		form := SharingInput{}
		if len(d.Sharing) > 0 {
			sh := d.Sharing[0]
			form.HeldOn, form.Note = sh.HeldOn.Format(web.DateLayout), sh.Note
			for _, a := range sh.Attendees {
				form.Attendees = append(form.Attendees, a.UserID)
			}
		}
		if typed != nil {
			form = *typed
		}
		picked := map[int64]bool{}
		for _, uid := range form.Attendees {
			picked[uid] = true
		}
		others, othersPicked := 0, false
		for _, p := range people {
			if !p.Participant {
				others++
				othersPicked = othersPicked || picked[p.UserID]
			}
		}
		data["People"], data["Form"], data["Picked"] = people, form, picked
		data["Others"], data["OthersPicked"] = others, othersPicked
	}
	if failed != nil {
		c.Status(failed.Status)
		data["Failed"] = failed.Message
		if failed.Fields != nil {
			data["Errors"] = failed.Fields
		}
	}
	return h.srv.Render.Page(c, "tours/reports", data)
}

// reportReviewPage shows one report with the review form (GET /admin/tours/:id/reports/:rid).
func (h *handlers) reportReviewPage(c *fiber.Ctx) error { return h.reviewPage(c, ReviewInput{}, nil) }

func (h *handlers) reviewPage(c *fiber.Ctx, in ReviewInput, failed *web.Error) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	rid, err := web.ParamID(c, "rid")
	if err != nil {
		return err
	}
	v, r, err := h.store.StaffReport(c.UserContext(), web.Me(c), id, rid)
	if err != nil {
		return err
	}
	data := fiber.Map{"Title": r.Name + " 的学习报告", "T": v, "R": r, "In": in, "CanReview": ReviewRefusal(r.Status) == "",
		"Errors": map[string]string{}}
	if failed != nil {
		c.Status(failed.Status)
		data["Failed"] = failed.Message
		if failed.Fields != nil {
			data["Errors"] = failed.Fields
		}
	}
	return h.srv.Render.Page(c, "tours/report_review", data)
}

// reviewForm accepts or returns a report (POST /admin/tours/:id/reports/:rid/review):
// refused input (422) or a report reviewed meanwhile (409) shows the page again with why.
func (h *handlers) reviewForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	rid, err := web.ParamID(c, "rid")
	if err != nil {
		return err
	}
	in := ReviewInput{Decision: c.FormValue("decision"), Comment: c.FormValue("comment")}
	r, err := h.store.ReviewReport(c.UserContext(), web.Me(c), id, rid, in)
	if err != nil {
		we := h.srv.AsError(err)
		if we.Status != fiber.StatusUnprocessableEntity && we.Status != fiber.StatusConflict {
			return err
		}
		return h.reviewPage(c, in, we)
	}
	msg := "已通过，已记入学时并通知本人"
	if r.Status == ReportReturned {
		msg = "已退回，已通知本人修改后重新提交"
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/tours/%d/reports", id), msg)
}

// sharingForm records the organizer's township's sharing session (POST
// /admin/tours/:id/sharing): held_on, note, attendee (one per person ticked).
func (h *handlers) sharingForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	in := SharingInput{HeldOn: c.FormValue("held_on"), Note: c.FormValue("note")}
	if tid := c.FormValue("township_id"); tid != "" {
		in.TownshipID, _ = strconv.ParseInt(tid, 10, 64)
	}
	for _, v := range c.Request().PostArgs().PeekMulti("attendee") {
		if uid, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			in.Attendees = append(in.Attendees, uid)
		}
	}
	if _, err := h.store.SaveSharing(c.UserContext(), web.Me(c), id, in); err != nil {
		we := h.srv.AsError(err)
		if we.Status != fiber.StatusUnprocessableEntity {
			return err
		}
		return h.reportsDeskPage(c, &in, we)
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/tours/%d/reports", id), "分享会已记录")
}
