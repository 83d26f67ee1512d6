package tours

import (
	"bytes"
	"io"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// JSON handlers of the tour reports and sharing sessions (docs/tours.md).

// myReportJSON is GET /api/v1/tours/{id}/report's body.
func myReportJSON(m MyReport) fiber.Map {
	var due any
	if m.Tour.ReportDue != nil {
		due = m.Tour.ReportDueText()
	}
	return fiber.Map{"tour_id": m.Tour.ID, "report_due": due, "asked": m.Tour.ReportAsked(), "can_edit": m.CanEdit,
		"refusal": m.Refusal, "pre_reading": m.PreReading, "report": m.Report}
}

// GET /api/v1/tours/:id/report (a confirmed participant)
func (h *handlers) apiMyReport(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	m, err := h.store.MyReport(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	return c.JSON(myReportJSON(m))
}

// PUT /api/v1/tours/:id/report: JSON {"body","pdf" (base64),"pdf_name","remove_pdf"} or
// multipart (fields body, remove_pdf; file pdf).
func (h *handlers) apiSubmitReport(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in ReportInput
	if strings.HasPrefix(string(c.Request().Header.ContentType()), fiber.MIMEMultipartForm) {
		if in, err = reportFromForm(c); err != nil {
			return err
		}
	} else if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	r, err := h.store.SubmitReport(c.UserContext(), web.Me(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"report": r})
}

// reportFromForm reads a multipart report: body, remove_pdf and the optional file "pdf"
// (read up to one byte over MaxReportPDF, so a larger one is refused as such).
func reportFromForm(c *fiber.Ctx) (ReportInput, error) {
	in := ReportInput{Body: c.FormValue("body"), RemovePDF: c.FormValue("remove_pdf") != ""}
	fh, err := c.FormFile("pdf")
	if err != nil || fh.Size == 0 {
		return in, nil // no file chosen
	}
	if fh.Size > MaxReportPDF {
		return in, ErrPDFTooLarge
	}
	f, err := fh.Open()
	if err != nil {
		return in, web.BadRequest("无法读取上传的文件")
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(f, MaxReportPDF+1)); err != nil {
		return in, web.BadRequest("无法读取上传的文件")
	}
	in.PDF, in.PDFName = buf.Bytes(), fh.Filename
	if len(in.PDF) == 0 {
		in.PDF = nil
	}
	return in, nil
}

// sendPDF answers a report's PDF as a download.
func sendPDF(c *fiber.Ctx, name string, data []byte, ascii string) error {
	web.Attachment(c, web.SafeFileName(name), ascii, "application/pdf")
	return c.Send(data)
}

// GET /api/v1/tours/:id/report/pdf (the participant's own)
func (h *handlers) myReportPDF(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	name, data, err := h.store.ReportPDF(c.UserContext(), web.Me(c), id, 0)
	if err != nil {
		return err
	}
	return sendPDF(c, name, data, "zhibu-tour-"+strconv.FormatInt(id, 10)+"-report.pdf")
}

// GET /api/v1/tours/:id/reports/:rid/pdf (staff)
func (h *handlers) reportPDF(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	rid, err := web.ParamID(c, "rid")
	if err != nil {
		return err
	}
	name, data, err := h.store.ReportPDF(c.UserContext(), web.Me(c), id, rid)
	if err != nil {
		return err
	}
	return sendPDF(c, name, data, "zhibu-tour-"+strconv.FormatInt(id, 10)+"-report-"+strconv.FormatInt(rid, 10)+".pdf")
}

// GET /api/v1/tours/:id/reports (staff): the confirmed participants in scope with their
// report's state, the counts and the sharing sessions.
func (h *handlers) apiReports(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	d, err := h.store.ReportDesk(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

// GET /api/v1/tours/:id/reports/:rid (staff)
func (h *handlers) apiReport(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	rid, err := web.ParamID(c, "rid")
	if err != nil {
		return err
	}
	_, r, err := h.store.StaffReport(c.UserContext(), web.Me(c), id, rid)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"report": r})
}

// POST /api/v1/tours/:id/reports/:rid/review {"decision":"accept"|"return","comment"}
func (h *handlers) apiReview(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	rid, err := web.ParamID(c, "rid")
	if err != nil {
		return err
	}
	var in ReviewInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	r, err := h.store.ReviewReport(c.UserContext(), web.Me(c), id, rid, in)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"report": r})
}

// PUT /api/v1/tours/:id/sharing {"township_id","held_on","note","attendees":[user ids]}
func (h *handlers) apiSharing(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in SharingInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	sh, err := h.store.SaveSharing(c.UserContext(), web.Me(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"sharing": sh})
}
