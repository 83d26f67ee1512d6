package tours

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"zhibu/app/web"
)

// MaxReportPDF bounds a report's PDF. A secretary's request body is bound by
// web.SignedInBodyLimit (1 MB) everywhere but on the report's paths, where Mount allows a
// multipart upload of ReportUploadLimit (room for the PDF, the text (MaxReportBody) and
// the framing); a JSON body (base64) stays within 1 MB.
const MaxReportPDF = 10 << 20

// MaxReportPDFText is MaxReportPDF as people read it.
const MaxReportPDFText = "10 MB"

// ReportUploadLimit is the largest multipart body a secretary may send with a report.
const ReportUploadLimit = MaxReportPDF + 3*MaxReportBody + 64<<10

// reportUploadPath is the report's page and API path (web.AllowSecretaryUpload).
var reportUploadPath = regexp.MustCompile(`^(/api/v1)?/tours/[0-9]{1,18}/report$`)

// MaxReportBody bounds a report's text (characters).
const MaxReportBody = 20000

// MaxComment bounds a reviewer's comment and a sharing session's note (characters).
const MaxComment = 500

// ReportInput is a participant's report (PUT /api/v1/tours/{id}/report, the report form).
type ReportInput struct {
	Body string `json:"body"`
	// PDF is an optional PDF of the report (base64 in JSON); it replaces the one stored.
	PDF     []byte `json:"pdf"`
	PDFName string `json:"pdf_name"`
	// RemovePDF drops the stored PDF (ignored when a new one comes).
	RemovePDF bool `json:"remove_pdf"`
}

// check trims the input and refuses what cannot be stored: the text as field errors
// (422), a file that is no PDF (ErrNotPDF) or too large (ErrPDFTooLarge).
func (in *ReportInput) check() error {
	in.Body = strings.TrimSpace(in.Body)
	in.PDFName = strings.TrimSpace(in.PDFName)
	f := web.FieldErrors{}
	switch n := utf8.RuneCountInString(in.Body); {
	case web.BadText(in.Body, true):
		f["body"] = web.BadTextMessage
	case n == 0:
		f["body"] = "请填写学习报告（发展思路）"
	case n > MaxReportBody:
		f["body"] = fmt.Sprintf("报告不能超过 %d 字（现在 %d 字）", MaxReportBody, n)
	}
	if len(in.PDF) > 0 {
		if err := CheckPDF(in.PDF); err != nil {
			return err
		}
		if in.PDFName == "" {
			in.PDFName = "学习报告.pdf"
		}
		switch {
		case web.BadText(in.PDFName, false):
			f["pdf"] = "文件名" + web.BadTextMessage
		case utf8.RuneCountInString(in.PDFName) > 100:
			f["pdf"] = "文件名不能超过 100 字"
		}
	}
	if len(f) > 0 {
		return web.Invalidf("请检查标红的项目", f)
	}
	return nil
}

// CheckPDF refuses a file that is not a PDF (it must start with the PDF header "%PDF-",
// whatever its name says) or is larger than MaxReportPDF.
func CheckPDF(data []byte) error {
	if len(data) > MaxReportPDF {
		return ErrPDFTooLarge
	}
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		return ErrNotPDF
	}
	return nil
}

// ReviewInput is a review of a report (POST /api/v1/tours/{id}/reports/{rid}/review).
type ReviewInput struct {
	Decision string `json:"decision"` // "accept" or "return"
	Comment  string `json:"comment"`  // required when returning
}

// check trims the input; field errors are 422.
func (in *ReviewInput) check() error {
	in.Decision = strings.TrimSpace(in.Decision)
	in.Comment = strings.TrimSpace(in.Comment)
	f := web.FieldErrors{}
	if in.Decision != DecisionAccept && in.Decision != DecisionReturn {
		f["decision"] = "请选择“通过”或“退回”"
	}
	switch n := utf8.RuneCountInString(in.Comment); {
	case web.BadText(in.Comment, true):
		f["comment"] = web.BadTextMessage
	case n > MaxComment:
		f["comment"] = fmt.Sprintf("意见不能超过 %d 字", MaxComment)
	case n == 0 && in.Decision == DecisionReturn:
		f["comment"] = "退回时请写明修改意见"
	}
	if len(f) > 0 {
		return web.Invalidf("请检查标红的项目", f)
	}
	return nil
}

// SharingInput records a township's sharing session after the return (PUT
// /api/v1/tours/{id}/sharing, the sharing form): organizers record their own township's
// (TownshipID 0 or their own), admins name the township.
type SharingInput struct {
	TownshipID int64   `json:"township_id"`
	HeldOn     string  `json:"held_on"` // YYYY-MM-DD
	Note       string  `json:"note"`
	Attendees  []int64 `json:"attendees"` // user ids of the township's people who attended
}

// check trims the input and reads the date; field errors are 422. endsOn is the tour's
// return: a sharing session is held after it.
func (in *SharingInput) check(endsOn time.Time) (time.Time, error) {
	in.Note = strings.TrimSpace(in.Note)
	f := web.FieldErrors{}
	held, ok := web.ParseDate(in.HeldOn)
	switch {
	case !ok:
		f["held_on"] = "请填写分享会日期（YYYY-MM-DD）"
	case held.Year() < minYear || held.Year() > maxYear:
		f["held_on"] = fmt.Sprintf("日期应在 %d 年至 %d 年之间", minYear, maxYear)
	case day(held).Before(day(endsOn)):
		f["held_on"] = "分享会日期不能早于考察返回日期"
	}
	switch {
	case web.BadText(in.Note, true):
		f["note"] = web.BadTextMessage
	case utf8.RuneCountInString(in.Note) > MaxComment:
		f["note"] = fmt.Sprintf("备注不能超过 %d 字", MaxComment)
	}
	if len(in.Attendees) == 0 {
		f["attendees"] = "请选择参加分享会的人员"
	} else if len(in.Attendees) > 1000 {
		f["attendees"] = "人数过多"
	}
	if len(f) > 0 {
		return held, web.Invalidf("请检查标红的项目", f)
	}
	return held, nil
}
