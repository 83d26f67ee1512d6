package tours

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"zhibu/app/web"
)

// The report window: nothing asked, before the return's day, the deadline's last day in
// China time, an accepted report, and a returned one that may always come back.
func TestSubmitRefusal(t *testing.T) {
	date := func(s string) time.Time {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	china := func(s string) time.Time {
		d, err := time.ParseInLocation("2006-01-02 15:04", s, web.China)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	due := date("2026-06-20")
	ends := date("2026-06-10")
	for _, c := range []struct {
		name   string
		due    *time.Time
		status string
		now    time.Time
		want   string // "" allowed, else a part of the reason
	}{
		{"no report asked", nil, "", china("2026-06-12 10:00"), "不需要"},
		{"during the tour", &due, "", china("2026-06-09 23:59"), "考察结束（2026-06-10）后"},
		{"the return's day", &due, "", china("2026-06-10 00:00"), ""},
		{"between", &due, "", china("2026-06-15 12:00"), ""},
		{"edit before review", &due, ReportSubmitted, china("2026-06-15 12:00"), ""},
		{"the deadline's last minute (China)", &due, "", china("2026-06-20 23:59"), ""},
		{"the day after the deadline (China), still the 20th in UTC", &due, "", china("2026-06-21 00:05"), "已过学习报告提交截止日期（2026-06-20）"},
		{"an edit after the deadline", &due, ReportSubmitted, china("2026-06-22 09:00"), "已过"},
		{"a returned report after the deadline", &due, ReportReturned, china("2026-07-30 09:00"), ""},
		{"an accepted report", &due, ReportAccepted, china("2026-06-15 12:00"), "已审核通过"},
	} {
		got := SubmitRefusal(ReportWindow{Due: c.due, EndsOn: ends, Status: c.status}, c.now)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestReviewRefusalAndCredit(t *testing.T) {
	for status, ok := range map[string]bool{ReportSubmitted: true, ReportAccepted: false, ReportReturned: false, "": false} {
		if got := ReviewRefusal(status); (got == "") != ok {
			t.Errorf("ReviewRefusal(%q) = %q, want allowed %v", status, got, ok)
		}
	}
	for _, c := range []struct{ asked, accepted, want bool }{
		{false, false, true}, {false, true, true}, {true, false, false}, {true, true, true},
	} {
		if got := Credited(c.asked, c.accepted); got != c.want {
			t.Errorf("Credited(%v, %v) = %v", c.asked, c.accepted, got)
		}
	}
	for _, c := range []struct {
		asked, confirmed bool
		status, want     string
	}{
		{true, true, "", "未交"}, {true, true, ReportReturned, "未交"}, {true, true, ReportSubmitted, "已交"},
		{true, true, ReportAccepted, "已通过"}, {true, false, ReportSubmitted, ""}, {false, true, "", ""},
	} {
		if got := ReportColumn(c.asked, c.confirmed, c.status); got != c.want {
			t.Errorf("ReportColumn(%v, %v, %q) = %q, want %q", c.asked, c.confirmed, c.status, got, c.want)
		}
	}
	ends := time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC)
	if ReportDueProblem(ends.AddDate(0, 0, -1), ends) == "" || ReportDueProblem(ends, ends) != "" {
		t.Error("ReportDueProblem: the deadline may be the return's day, not before")
	}
}

// Only a PDF (by its header, whatever its name) within MaxReportPDF; a returned report
// needs a comment; a decision is accept or return.
func TestReportInputs(t *testing.T) {
	if err := CheckPDF([]byte("%PDF-1.7\n...")); err != nil {
		t.Errorf("a PDF: %v", err)
	}
	if err := CheckPDF([]byte("PK\x03\x04 a zip named .pdf")); !errors.Is(err, ErrNotPDF) {
		t.Errorf("a zip: %v", err)
	}
	big := append([]byte("%PDF-"), bytes.Repeat([]byte{'x'}, MaxReportPDF)...)
	if err := CheckPDF(big); !errors.Is(err, ErrPDFTooLarge) {
		t.Errorf("too large: %v", err)
	}
	fields := func(err error) web.FieldErrors {
		var ie *web.InputError
		if !errors.As(err, &ie) {
			t.Fatalf("not field errors: %v", err)
		}
		return ie.Fields
	}
	in := ReportInput{Body: "  \n "}
	if f := fields(in.check()); f["body"] == "" {
		t.Errorf("empty body: %v", f)
	}
	in = ReportInput{Body: strings.Repeat("字", MaxReportBody+1)}
	if f := fields(in.check()); f["body"] == "" {
		t.Errorf("long body: %v", f)
	}
	in = ReportInput{Body: "发展思路", PDF: []byte("%PDF-1.4")}
	if err := in.check(); err != nil || in.PDFName != "学习报告.pdf" {
		t.Errorf("unnamed PDF: %v %q", err, in.PDFName)
	}
	// The largest PDF with the longest text (3 bytes a character) and the multipart
	// framing fits the report's upload limit: the upload is never a 413; and the limit's
	// paths are exactly the report's.
	if MaxReportPDF+3*MaxReportBody+8<<10 > ReportUploadLimit {
		t.Errorf("a %d-byte PDF and a %d-character report do not fit the %d-byte upload limit", MaxReportPDF, MaxReportBody, ReportUploadLimit)
	}
	for path, want := range map[string]bool{"/tours/3/report": true, "/api/v1/tours/3/report": true,
		"/tours/3/report/pdf": false, "/tours/3": false, "/api/v1/tours/3/reports/4/review": false, "/x/tours/3/report": false} {
		if reportUploadPath.MatchString(path) != want {
			t.Errorf("upload path %s: %v, want %v", path, !want, want)
		}
	}
	r := ReviewInput{Decision: DecisionReturn, Comment: " "}
	if f := fields(r.check()); f["comment"] == "" {
		t.Errorf("return without comment: %v", f)
	}
	r = ReviewInput{Decision: "approve"}
	if f := fields(r.check()); f["decision"] == "" {
		t.Errorf("unknown decision: %v", f)
	}
	r = ReviewInput{Decision: DecisionAccept}
	if err := r.check(); err != nil {
		t.Errorf("accept without comment: %v", err)
	}
}
