package tours

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/inbox"
	"zhibu/app/seats"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// Study tours that close the loop: reports after the return, their review, the 学时 of a
// tour that asks for a report credited on acceptance (once), the sharing sessions.

// testClock is a clock tests move (the store's Deps.Now); safe across requests.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// preReading is the course list of the tests (Deps.Courses).
var preReading = []CourseRef{{ID: 1, Title: "二十届三中全会精神", URL: "/courses/1"}}

func reportDeps(clk *testClock) Deps {
	d := testDeps
	d.Now, d.Courses = clk.Now, func(context.Context) ([]CourseRef, error) { return preReading, nil }
	return d
}

// reportTour makes an open tour of h 学时 (3 seats per township) whose report is due a
// week after the return; it returns the tour and its return day.
func reportTour(t testing.TB, db *sqlx.DB, c testdb.County, h float64) (int64, time.Time) {
	t.Helper()
	id := makeTour(t, db, c, tourOpts{hours: h, quotas: []int{3, 3}})
	testdb.Exec(t, db, `UPDATE tours SET report_due = ends_on + 7 WHERE id = $1`, id)
	var ends time.Time
	testdb.Get(t, db, &ends, `SELECT ends_on FROM tours WHERE id = $1`, id)
	return id, ends
}

// afterReturn is noon (China) of the given number of days after the return.
func afterReturn(ends time.Time, days int) time.Time {
	return time.Date(ends.Year(), ends.Month(), ends.Day()+days, 12, 0, 0, 0, web.China)
}

func secretaryOf(c testdb.County, township, k int) *web.Identity {
	return &web.Identity{UserID: c.Secretaries[township][k], Role: web.RoleSecretary, TownshipID: c.Townships[township]}
}

func organizerOf(c testdb.County, township int) *web.Identity {
	return &web.Identity{UserID: c.Organizers[township], Role: web.RoleOrganizer, TownshipID: c.Townships[township]}
}

func reportID(t testing.TB, db *sqlx.DB, tourID, userID int64) int64 {
	t.Helper()
	var id int64
	testdb.Get(t, db, &id, `SELECT id FROM tour_reports WHERE tour_id = $1 AND user_id = $2`, tourID, userID)
	return id
}

// A tour that asks for a report credits nothing on confirmation; a returned report is
// edited and submitted again; acceptance credits the tour's 学时 once, by the reviewer;
// an accepted report can no longer be edited or reviewed.
func TestReportLoopCreditsOnAcceptance(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	clk := &testClock{t: time.Now()}
	s := NewStore(db, reportDeps(clk))
	ctx := context.Background()
	id, ends := reportTour(t, db, c, 4)
	sec := secretaryOf(c, 0, 0)
	org := organizerOf(c, 0)
	confirm(t, s, db, c, id, sec.UserID)
	wantCounting(t, db, "confirmed, report asked", id, sec.UserID, 0, 0)

	// During the tour: not yet.
	if _, err := s.SubmitReport(ctx, sec, id, ReportInput{Body: "体会"}); !errors.Is(err, ErrReportClosed) {
		t.Fatalf("before the return: %v", err)
	}
	clk.Set(afterReturn(ends, 1))
	m, err := s.MyReport(ctx, sec, id)
	if err != nil || !m.CanEdit || m.Report != nil || m.PreReading != nil {
		t.Fatalf("my report before submitting: %+v %v", m, err)
	}
	r, err := s.SubmitReport(ctx, sec, id, ReportInput{Body: "发展思路：发展庭院经济", PDF: []byte("%PDF-1.4 first"), PDFName: "思路.pdf"})
	if err != nil || r.Status != ReportSubmitted || !r.HasPDF() {
		t.Fatalf("submit: %+v %v", r, err)
	}
	// Editable until reviewed; the PDF stays unless replaced or removed.
	if r, err = s.SubmitReport(ctx, sec, id, ReportInput{Body: "发展思路（修改）"}); err != nil || r.Body != "发展思路（修改）" || !r.HasPDF() {
		t.Fatalf("edit: %+v %v", r, err)
	}
	rid := r.ID
	if r, err = s.ReviewReport(ctx, org, id, rid, ReviewInput{Decision: DecisionReturn, Comment: "请结合本村产业"}); err != nil || r.Status != ReportReturned {
		t.Fatalf("return: %+v %v", r, err)
	}
	wantCounting(t, db, "returned", id, sec.UserID, 0, 0)
	if ms := messagesOf(t, db, sec.UserID); len(ms) == 0 || !strings.Contains(ms[0].Body, "请结合本村产业") || ms[0].URL != fmt.Sprintf("/tours/%d/report", id) {
		t.Fatalf("return message: %+v", ms)
	}
	if _, err := s.ReviewReport(ctx, org, id, rid, ReviewInput{Decision: DecisionAccept}); !errors.Is(err, ErrReviewClosed) {
		t.Fatalf("review of a returned report: %v", err)
	}
	if r, err = s.SubmitReport(ctx, sec, id, ReportInput{Body: "发展思路（第二稿）", RemovePDF: true}); err != nil || r.Status != ReportSubmitted || r.HasPDF() || r.ReviewedAt != nil || r.Comment != "请结合本村产业" {
		t.Fatalf("resubmit: %+v %v", r, err)
	}
	if r, err = s.ReviewReport(ctx, org, id, rid, ReviewInput{Decision: DecisionAccept, Comment: "很好"}); err != nil || r.Status != ReportAccepted {
		t.Fatalf("accept: %+v %v", r, err)
	}
	wantCounting(t, db, "accepted", id, sec.UserID, 1, 4)
	rows := ledgerOf(t, db, id, sec.UserID)
	if len(rows) != 1 || !rows[0].CreditedBy.Valid || rows[0].CreditedBy.Int64 != org.UserID {
		t.Fatalf("ledger: %+v", rows)
	}
	if _, err := s.SubmitReport(ctx, sec, id, ReportInput{Body: "再改"}); !errors.Is(err, ErrReportClosed) {
		t.Fatalf("edit after acceptance: %v", err)
	}
	if _, err := s.ReviewReport(ctx, org, id, rid, ReviewInput{Decision: DecisionAccept}); !errors.Is(err, ErrReviewClosed) {
		t.Fatalf("second acceptance: %v", err)
	}
	wantCounting(t, db, "after a second acceptance", id, sec.UserID, 1, 4)
}

// The deadline: after its day nothing new and no edit (409 with the reason); a report the
// reviewer returned may still come back after it.
func TestReportDeadline(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	clk := &testClock{t: time.Now()}
	s := NewStore(db, reportDeps(clk))
	ctx := context.Background()
	id, ends := reportTour(t, db, c, 2)
	late, returned := secretaryOf(c, 0, 0), secretaryOf(c, 0, 1)
	confirm(t, s, db, c, id, late.UserID)
	confirm(t, s, db, c, id, returned.UserID)
	clk.Set(afterReturn(ends, 7)) // the deadline's day
	r, err := s.SubmitReport(ctx, returned, id, ReportInput{Body: "初稿"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReviewReport(ctx, organizerOf(c, 0), id, r.ID, ReviewInput{Decision: DecisionReturn, Comment: "补充数据"}); err != nil {
		t.Fatal(err)
	}
	clk.Set(afterReturn(ends, 8))
	_, err = s.SubmitReport(ctx, late, id, ReportInput{Body: "迟交"})
	if !errors.Is(err, ErrReportClosed) || !strings.Contains(err.Error(), "已过学习报告提交截止日期") {
		t.Fatalf("late: %v", err)
	}
	if r, err = s.SubmitReport(ctx, returned, id, ReportInput{Body: "二稿"}); err != nil || r.Status != ReportSubmitted {
		t.Fatalf("a returned report after the deadline: %+v %v", r, err)
	}
	if _, err := s.SubmitReport(ctx, returned, id, ReportInput{Body: "三稿"}); !errors.Is(err, ErrReportClosed) {
		t.Fatalf("an edit of the resubmitted report after the deadline: %v", err)
	}
}

// Two (here eight) reviews of one report at once: one decides, the others are refused,
// the ledger holds one entry with one credit event.
func TestConcurrentReviewsCreditOnce(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	clk := &testClock{t: time.Now()}
	s := NewStore(db, reportDeps(clk))
	ctx := context.Background()
	id, ends := reportTour(t, db, c, 3)
	sec := secretaryOf(c, 1, 0)
	_, admin := actors(c, 1)
	if st := mustSignup(t, s, id, sec.UserID, ""); st != seats.StatusPending {
		t.Fatal(st)
	}
	sid := signupID(t, db, id, sec.UserID)
	for _, a := range []Actor{{UserID: c.Organizers[1], Role: web.RoleOrganizer, Scope: web.Scope{TownshipID: c.Townships[1]}}, admin} {
		if _, err := s.Decide(ctx, id, sid, a, true, ""); err != nil {
			t.Fatal(err)
		}
	}
	clk.Set(afterReturn(ends, 2))
	r, err := s.SubmitReport(ctx, sec, id, ReportInput{Body: "报告"})
	if err != nil {
		t.Fatal(err)
	}
	reviewers := []*web.Identity{organizerOf(c, 1), {UserID: c.Admin, Role: web.RoleAdmin}}
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			_, errs[i] = s.ReviewReport(ctx, reviewers[i%2], id, r.ID, ReviewInput{Decision: DecisionAccept})
		}(i)
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrReviewClosed):
			t.Fatalf("review: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d reviews succeeded, want 1", ok)
	}
	wantCounting(t, db, "after concurrent reviews", id, sec.UserID, 1, 3)
	var events int
	testdb.Get(t, db, &events, `SELECT count(*) FROM hour_credit_events e JOIN hour_credits h ON h.id = e.credit_id
		WHERE h.source = 'tour' AND h.source_id = $1 AND h.user_id = $2 AND e.action = 'credit'`, id, sec.UserID)
	if events != 1 {
		t.Fatalf("%d credit events, want 1", events)
	}
}

// Asking for a report after people were confirmed withdraws their 学时 until their
// report is accepted; no longer asking credits every confirmed participant again.
func TestReportDueChangeMovesCredit(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	clk := &testClock{t: time.Now()}
	s := NewStore(db, reportDeps(clk))
	ctx := context.Background()
	id := makeTour(t, db, c, tourOpts{hours: 5, quotas: []int{3, 3}})
	a, b := secretaryOf(c, 0, 0), secretaryOf(c, 0, 1)
	confirm(t, s, db, c, id, a.UserID)
	confirm(t, s, db, c, id, b.UserID)
	wantCounting(t, db, "no report asked", id, a.UserID, 1, 5)

	setDue := func(due string) {
		t.Helper()
		tour, err := s.Tour(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		in := tour.Input()
		in.ReportDue = due
		in.Quotas = map[int64]int{c.Townships[0]: 3, c.Townships[1]: 3}
		if _, err := s.UpdateTour(ctx, id, in, c.Admin); err != nil {
			t.Fatalf("report due %q: %v", due, err)
		}
	}
	tour, _ := s.Tour(ctx, id)
	setDue(tour.EndsOn.AddDate(0, 0, 10).Format(web.DateLayout))
	wantCounting(t, db, "report asked later", id, a.UserID, 0, 0)
	if rows := ledgerOf(t, db, id, a.UserID); len(rows) != 1 || !strings.Contains(rows[0].Reason, "学习报告") {
		t.Fatalf("withdrawn entry: %+v", rows)
	}
	clk.Set(afterReturn(tour.EndsOn, 1))
	r, err := s.SubmitReport(ctx, a, id, ReportInput{Body: "报告"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReviewReport(ctx, organizerOf(c, 0), id, r.ID, ReviewInput{Decision: DecisionAccept}); err != nil {
		t.Fatal(err)
	}
	wantCounting(t, db, "accepted", id, a.UserID, 1, 5)
	wantCounting(t, db, "not submitted", id, b.UserID, 0, 0)
	setDue("")
	wantCounting(t, db, "no longer asked: a", id, a.UserID, 1, 5)
	wantCounting(t, db, "no longer asked: b", id, b.UserID, 1, 5)
	if len(ledgerOf(t, db, id, a.UserID)) != 1 {
		t.Fatal("a second entry was written")
	}
}

// multipartReport is a multipart body with body text and an optional file "pdf".
func multipartReport(t testing.TB, body, name string, pdf []byte, extra map[string]string) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.WriteField("body", body); err != nil {
		t.Fatal(err)
	}
	for k, v := range extra {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if pdf != nil {
		fw, err := w.CreateFormFile("pdf", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(pdf)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, w.FormDataContentType()
}

func send(cl *webtest.Client, method, path string, body io.Reader, ct string) (int, []byte) {
	resp := cl.Do(method, path, body, ct)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// Every report route × role, with the bad input the issue names: not confirmed 403,
// after the deadline 409 with the reason, another township's report 403, not a PDF 422.
func TestReportHTTP(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	clk := &testClock{t: time.Now()}
	srv := webtest.Server(t, db, web.Config{}, func(s *web.Server) error { return inbox.Mount(s, inbox.Deps{}) },
		func(s *web.Server) error { return Mount(s, reportDeps(clk)) })
	cl := makeClients(t, srv, c)
	s := NewStore(db, reportDeps(clk))
	id, ends := reportTour(t, db, c, 2)
	testdb.Exec(t, db, `UPDATE tours SET course_id = NULL WHERE id = $1`, id)
	draft := makeTour(t, db, c, tourOpts{status: TourDraft})
	confirm(t, s, db, c, id, c.Secretaries[0][0]) // cl.sec
	mustSignup(t, s, id, c.Secretaries[0][1], "") // cl.sec2: pending
	other := c.Secretaries[1][0]                  // cl.other, township 1
	_, admin := actors(c, 1)
	if _, err := s.Decide(context.Background(), id, signupIDOf(t, s, db, c, id, other), admin, true, ""); err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("/api/v1/tours/%d", id)
	clk.Set(afterReturn(ends, 1))

	// GET/PUT /report: the participant only.
	for _, x := range []struct {
		who  *webtest.Client
		want int
	}{{cl.anon, 401}, {cl.org, 403}, {cl.admin, 403}, {cl.sec2, 403}} {
		st, body := x.who.JSON("GET", base+"/report", nil)
		expect(t, "GET report", st, body, x.want, "")
		if x.who == cl.anon {
			continue // no session: its unsafe requests fail the CSRF check (403) first
		}
		st, body = x.who.JSON("PUT", base+"/report", map[string]any{"body": "报告"})
		expect(t, "PUT report", st, body, x.want, "")
	}
	st, body := cl.sec.JSON("GET", fmt.Sprintf("/api/v1/tours/%d/report", draft), nil)
	expect(t, "draft report", st, body, 404, "not_found")
	st, body = cl.sec.JSON("GET", base+"/report", nil)
	expect(t, "GET own report", st, body, 200, "")
	var mine struct {
		Asked   bool    `json:"asked"`
		CanEdit bool    `json:"can_edit"`
		Due     string  `json:"report_due"`
		Report  *Report `json:"report"`
	}
	webtest.Decode(t, body, &mine)
	if !mine.Asked || !mine.CanEdit || mine.Report != nil || mine.Due != ends.AddDate(0, 0, 7).Format(web.DateLayout) {
		t.Fatalf("own report: %s", body)
	}

	// Bad input: not a PDF (JSON base64 and multipart), an empty text.
	st, body = cl.sec.JSON("PUT", base+"/report", map[string]any{"body": "报告", "pdf": []byte("GIF89a not a pdf"), "pdf_name": "a.pdf"})
	expectField(t, "JSON not a PDF", st, body, "pdf")
	buf, ct := multipartReport(t, "报告", "report.pdf", []byte("\x89PNG\r\n"), nil)
	st, body = send(cl.sec, "PUT", base+"/report", buf, ct)
	expectField(t, "multipart not a PDF", st, body, "pdf")
	st, body = cl.sec.JSON("PUT", base+"/report", map[string]any{"body": " "})
	expectField(t, "empty report", st, body, "body")
	st, body = cl.sec.JSON("PUT", base+"/report", map[string]any{"body": 5})
	expect(t, "mistyped body", st, body, 422, "")

	// A PDF by multipart; the participant downloads it back.
	pdf := []byte("%PDF-1.4\n% 考察报告\n%%EOF")
	buf, ct = multipartReport(t, "发展思路：乡村旅游", "思路.pdf", pdf, nil)
	st, body = send(cl.sec, "PUT", base+"/report", buf, ct)
	expect(t, "PUT with PDF", st, body, 200, "")
	resp := cl.sec.Do("GET", base+"/report/pdf", nil, "")
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, pdf) || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("own PDF: %d %q", resp.StatusCode, got)
	}
	rid := reportID(t, db, id, c.Secretaries[0][0])
	// cl.other (township 1) submits too.
	st, body = cl.other.JSON("PUT", base+"/report", map[string]any{"body": "报告二"})
	expect(t, "other PUT", st, body, 200, "")
	otherRid := reportID(t, db, id, other)

	// The staff list: an organizer sees their township only; secretaries 403.
	st, body = cl.sec.JSON("GET", base+"/reports", nil)
	expect(t, "sec reports", st, body, 403, "")
	st, body = cl.org.JSON("GET", base+"/reports", nil)
	expect(t, "org reports", st, body, 200, "")
	var desk ReportDesk
	webtest.Decode(t, body, &desk)
	if desk.Counts.Participants != 1 || desk.Counts.Submitted != 1 || len(desk.Rows) != 1 || desk.Rows[0].UserID != c.Secretaries[0][0] {
		t.Fatalf("org desk: %s", body)
	}
	st, body = cl.admin.JSON("GET", base+"/reports", nil)
	webtest.Decode(t, body, &desk)
	if st != 200 || desk.Counts.Participants != 2 || desk.Counts.Submitted != 2 {
		t.Fatalf("admin desk: %d %s", st, body)
	}
	st, body = cl.org.JSON("GET", fmt.Sprintf("%s/reports/%d", base, rid), nil)
	expect(t, "org report", st, body, 200, "")
	st, body = cl.org.JSON("GET", fmt.Sprintf("%s/reports/%d", base, otherRid), nil)
	expect(t, "org other township's report", st, body, 403, "forbidden")
	resp = cl.org.Do("GET", fmt.Sprintf("%s/reports/%d/pdf", base, rid), nil, "")
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("org PDF: %d", resp.StatusCode)
	}
	st, body = cl.org.JSON("GET", fmt.Sprintf("%s/reports/%d/pdf", base, otherRid), nil)
	expect(t, "org other township's PDF", st, body, 403, "")

	// Review: another township's 403, secretaries 403, bad input 422, unknown 404.
	review := func(cl *webtest.Client, rid int64, in any) (int, []byte) {
		return cl.JSON("POST", fmt.Sprintf("%s/reports/%d/review", base, rid), in)
	}
	st, body = review(cl.org2, rid, map[string]string{"decision": "accept"})
	expect(t, "org2 review", st, body, 403, "forbidden")
	st, body = review(cl.sec, rid, map[string]string{"decision": "accept"})
	expect(t, "sec review", st, body, 403, "")
	st, body = review(cl.org, rid, map[string]string{"decision": "ok"})
	expectField(t, "bad decision", st, body, "decision")
	st, body = review(cl.org, rid, map[string]string{"decision": "return"})
	expectField(t, "return without comment", st, body, "comment")
	st, body = review(cl.org, 999999, map[string]string{"decision": "accept"})
	expect(t, "unknown report", st, body, 404, "not_found")
	st, body = cl.org.JSON("POST", fmt.Sprintf("/api/v1/tours/%d/reports/%d/review", draft, rid), map[string]string{"decision": "accept"})
	expect(t, "report of another (draft) tour", st, body, 404, "not_found")
	st, body = review(cl.org, rid, map[string]string{"decision": "accept", "comment": "好"})
	expect(t, "accept", st, body, 200, "")
	wantCounting(t, db, "accepted over HTTP", id, c.Secretaries[0][0], 1, 2)
	st, body = review(cl.admin, rid, map[string]string{"decision": "return", "comment": "再改"})
	expect(t, "review again", st, body, 409, "report_reviewed")
	st, body = cl.sec.JSON("PUT", base+"/report", map[string]any{"body": "改"})
	expect(t, "edit accepted", st, body, 409, "report_closed")

	// After the deadline: 409 with the reason.
	clk.Set(afterReturn(ends, 9))
	confirmLate := c.Secretaries[1][1]
	if _, err := db.Exec(`INSERT INTO tour_signups (tour_id, user_id, township_id, status) VALUES ($1, $2, $3, 'confirmed')`, id, confirmLate, c.Townships[1]); err != nil {
		t.Fatal(err)
	}
	late := webtest.AsUser(t, srv, confirmLate)
	st, body = late.JSON("PUT", base+"/report", map[string]any{"body": "迟交的报告"})
	expect(t, "late", st, body, 409, "report_closed")
	if !strings.Contains(string(body), "已过学习报告提交截止日期") {
		t.Fatalf("late reason: %s", body)
	}

	// Sharing: own township's people only; another township 403; secretaries 403.
	day := afterReturn(ends, 3).Format(web.DateLayout)
	st, body = cl.org.JSON("PUT", base+"/sharing", map[string]any{"held_on": day, "attendees": []int64{c.Secretaries[1][0]}})
	expectField(t, "attendee of another township", st, body, "attendees")
	st, body = cl.org.JSON("PUT", base+"/sharing", map[string]any{"held_on": ends.AddDate(0, 0, -1).Format(web.DateLayout), "attendees": []int64{c.Secretaries[0][0]}})
	expectField(t, "before the return", st, body, "held_on")
	st, body = cl.org2.JSON("PUT", base+"/sharing", map[string]any{"township_id": c.Townships[0], "held_on": day, "attendees": []int64{c.Secretaries[0][0]}})
	expect(t, "org2 for township 0", st, body, 403, "")
	st, body = cl.sec.JSON("PUT", base+"/sharing", map[string]any{"held_on": day, "attendees": []int64{c.Secretaries[0][0]}})
	expect(t, "sec sharing", st, body, 403, "")
	st, body = cl.admin.JSON("PUT", base+"/sharing", map[string]any{"held_on": day, "attendees": []int64{c.Secretaries[0][0]}})
	expectField(t, "admin without township", st, body, "township_id")
	st, body = cl.org.JSON("PUT", base+"/sharing", map[string]any{"held_on": day, "note": "交流发展思路",
		"attendees": []int64{c.Secretaries[0][0], c.Secretaries[0][2], c.Secretaries[0][2]}})
	expect(t, "org sharing", st, body, 200, "")
	var sh struct{ Sharing Sharing }
	webtest.Decode(t, body, &sh)
	if len(sh.Sharing.Attendees) != 2 || sh.Sharing.HeldOn.Format(web.DateLayout) != day {
		t.Fatalf("sharing: %s", body)
	}

	// Pages: the participant's tour page and report page, the organizer's desk and review page.
	if st, html := cl.sec.Get(fmt.Sprintf("/tours/%d", id)); st != 200 || !strings.Contains(html, "查看学习报告") || !strings.Contains(html, "已通过") {
		t.Fatalf("tour page: %d", st)
	}
	if st, html := cl.sec.Get(fmt.Sprintf("/tours/%d/report", id)); st != 200 || !strings.Contains(html, "已审核通过，不能再修改") {
		t.Fatalf("report page: %d %s", st, html)
	}
	if st, _ := cl.sec2.Get(fmt.Sprintf("/tours/%d/report", id)); st != 403 {
		t.Fatalf("report page of a pending sign-up: %d", st)
	}
	if st, html := cl.org.Get(fmt.Sprintf("/admin/tours/%d/reports", id)); st != 200 || !strings.Contains(html, "已通过") || !strings.Contains(html, "交流发展思路") {
		t.Fatalf("desk: %d", st)
	}
	if st, _ := cl.org.Get(fmt.Sprintf("/admin/tours/%d/reports/%d", id, otherRid)); st != 403 {
		t.Fatalf("review page of another township: %d", st)
	}
	if st, html := cl.org2.Get(fmt.Sprintf("/admin/tours/%d/reports/%d", id, otherRid)); st != 200 || !strings.Contains(html, "退回修改") {
		t.Fatalf("review page: %d", st)
	}
	// The review form returns with a comment; a missing one shows the form again (422).
	resp = cl.org2.Form("POST", fmt.Sprintf("/admin/tours/%d/reports/%d/review", id, otherRid), url.Values{"decision": {"return"}})
	resp.Body.Close()
	if resp.StatusCode != 422 {
		t.Fatalf("return form without comment: %d", resp.StatusCode)
	}
	resp = cl.org2.Form("POST", fmt.Sprintf("/admin/tours/%d/reports/%d/review", id, otherRid), url.Values{"decision": {"return"}, "comment": {"请补充"}})
	resp.Body.Close()
	if resp.StatusCode != 303 {
		t.Fatalf("return form: %d", resp.StatusCode)
	}
	var status string
	testdb.Get(t, db, &status, `SELECT status FROM tour_reports WHERE id = $1`, otherRid)
	if status != ReportReturned {
		t.Fatalf("after the return form: %s", status)
	}
	// The participant's form (multipart), after the deadline for a returned report: a file
	// that is no PDF shows the form again (422) with the text as typed; then it saves.
	page := fmt.Sprintf("/tours/%d/report", id)
	if st, html := cl.other.Get(page); st != 200 || !strings.Contains(html, "请补充") || !strings.Contains(html, "保存并重新提交") {
		t.Fatalf("returned report page: %d", st)
	}
	buf, ct = multipartReport(t, "按意见修改的发展思路", "x.pdf", []byte("not a pdf"), nil)
	if st, html := send(cl.other, "POST", page, buf, ct); st != 422 || !strings.Contains(string(html), "按意见修改的发展思路") || !strings.Contains(string(html), "请上传 PDF 文件") {
		t.Fatalf("form with a non-PDF: %d", st)
	}
	buf, ct = multipartReport(t, "按意见修改的发展思路", "x.pdf", pdf, nil)
	if st, _ := send(cl.other, "POST", page, buf, ct); st != 303 {
		t.Fatalf("form: %d", st)
	}
	testdb.Get(t, db, &status, `SELECT status FROM tour_reports WHERE id = $1`, otherRid)
	if status != ReportSubmitted {
		t.Fatalf("after the form: %s", status)
	}
}

// signupIDOf signs the secretary up and approves at the township; it returns the sign-up.
func signupIDOf(t testing.TB, s *Store, db *sqlx.DB, c testdb.County, tourID, userID int64) int64 {
	t.Helper()
	mustSignup(t, s, tourID, userID, "")
	sid := signupID(t, db, tourID, userID)
	org := Actor{UserID: c.Organizers[1], Role: web.RoleOrganizer, Scope: web.Scope{TownshipID: c.Townships[1]}}
	if _, err := s.Decide(context.Background(), tourID, sid, org, true, ""); err != nil {
		t.Fatal(err)
	}
	return sid
}

// The roster export's 「报告」 column and the form's report deadline and pre-reading.
func TestRosterReportColumnAndForm(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	clk := &testClock{t: time.Now()}
	s := NewStore(db, reportDeps(clk))
	ctx := context.Background()
	id, ends := reportTour(t, db, c, 1)
	a, b := secretaryOf(c, 0, 0), secretaryOf(c, 0, 1)
	confirm(t, s, db, c, id, a.UserID)
	confirm(t, s, db, c, id, b.UserID)
	mustSignup(t, s, id, c.Secretaries[0][2], "")
	clk.Set(afterReturn(ends, 1))
	if _, err := s.SubmitReport(ctx, a, id, ReportInput{Body: "报告"}); err != nil {
		t.Fatal(err)
	}
	r, err := s.Roster(ctx, &web.Identity{UserID: c.Admin, Role: web.RoleAdmin}, id)
	if err != nil {
		t.Fatal(err)
	}
	cells := map[int64]string{}
	for _, sg := range r.Signups {
		cells[sg.UserID] = ReportColumn(r.Tour.ReportAsked(), sg.Status == seats.StatusConfirmed, r.Reports[sg.UserID])
	}
	if cells[a.UserID] != "已交" || cells[b.UserID] != "未交" || cells[c.Secretaries[0][2]] != "" {
		t.Fatalf("report cells: %v", cells)
	}
	data, err := RosterWorkbook(r, "全县", clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("PK")) {
		t.Fatal("no workbook")
	}

	// The form: a deadline before the return is a field error; an unknown course too.
	tour, _ := s.Tour(ctx, id)
	in := tour.Input()
	in.Quotas = map[int64]int{c.Townships[0]: 3, c.Townships[1]: 3}
	in.ReportDue = ends.AddDate(0, 0, -1).Format(web.DateLayout)
	in.CourseID = 42
	_, err = s.UpdateTour(ctx, id, in, c.Admin)
	var ie *web.InputError
	var fe web.FieldErrors
	if errors.As(err, &ie) {
		fe = ie.Fields
	} else if !errors.As(err, &fe) {
		t.Fatalf("bad deadline and course: %v", err)
	}
	if fe["report_due"] == "" || fe["course_id"] == "" {
		t.Fatalf("fields: %v", fe)
	}
	in.ReportDue, in.CourseID = ends.Format(web.DateLayout), preReading[0].ID
	testdb.Exec(t, db, `INSERT INTO courses (id, title, category) VALUES ($1, $2, '理论') ON CONFLICT DO NOTHING`, preReading[0].ID, testdb.Unique("课程"))
	if tour, err = s.UpdateTour(ctx, id, in, c.Admin); err != nil || tour.CourseID == nil || *tour.CourseID != preReading[0].ID || tour.ReportDueText() != ends.Format(web.DateLayout) {
		t.Fatalf("saved: %+v %v", tour, err)
	}
	m, err := s.MyReport(ctx, a, id)
	if err != nil || m.PreReading == nil || m.PreReading.URL != "/courses/1" {
		t.Fatalf("pre-reading: %+v %v", m.PreReading, err)
	}
}

// The staff's to-do of reports: submitted ones wait for the organizer of their township
// and for the admin; a reviewed one waits for nobody. The home card says so and leads to
// the tour's reports desk.
func TestReportsToReview(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	clk := &testClock{t: time.Now()}
	s := NewStore(db, reportDeps(clk))
	ctx := context.Background()
	id, ends := reportTour(t, db, c, 3)
	sec := secretaryOf(c, 0, 0)
	confirm(t, s, db, c, id, sec.UserID)
	adminID := &web.Identity{UserID: c.Admin, Role: web.RoleAdmin}
	before, _, _, err := s.ReportsToReview(ctx, adminID) // other tests' reports count for the admin
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(afterReturn(ends, 2))
	r, err := s.SubmitReport(ctx, sec, id, ReportInput{Body: "报告"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		who  *web.Identity
		want int
	}{{organizerOf(c, 0), 1}, {organizerOf(c, 1), 0}, {adminID, before + 1}} {
		n, tours, tour, err := s.ReportsToReview(ctx, tc.who)
		if err != nil || n != tc.want || (tc.who.Role == web.RoleOrganizer && n > 0 && (tours != 1 || tour != id)) {
			t.Errorf("%s %d: %d reports in %d tours (%d), %v; want %d", tc.who.Role, tc.who.TownshipID, n, tours, tour, err, tc.want)
		}
	}
	srv := newServer(t, db)
	all, err := srv.HomeCards(ctx, organizerOf(c, 0))
	cards := toursCards(all)
	if err != nil || len(cards) != 1 || !cards[0].Accent || cards[0].Link != fmt.Sprintf("/admin/tours/%d/reports", id) ||
		cards[0].Big != "1 份" || strings.Join(cards[0].Lines, "|") != "学习报告待审阅（通过后才记学时）" {
		t.Fatalf("organizer's card: %+v %v", cards, err)
	}
	if _, err := s.ReviewReport(ctx, organizerOf(c, 0), id, r.ID, ReviewInput{Decision: DecisionAccept}); err != nil {
		t.Fatal(err)
	}
	if n, _, _, err := s.ReportsToReview(ctx, organizerOf(c, 0)); err != nil || n != 0 {
		t.Fatalf("after the review: %d %v", n, err)
	}
}

// A participant's to-do: the report to write from the return to the deadline's last day,
// again when it comes back returned, never once submitted or past the deadline; the home
// card leads to the form and is due on the deadline's last day.
func TestReportsToWrite(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	clk := &testClock{t: time.Now()}
	s := NewStore(db, reportDeps(clk))
	ctx := context.Background()
	id, ends := reportTour(t, db, c, 3)
	sec, other := secretaryOf(c, 0, 0), secretaryOf(c, 0, 1)
	confirm(t, s, db, c, id, sec.UserID)
	confirm(t, s, db, c, id, other.UserID)
	todo := func(who *web.Identity) []ReportToDo {
		t.Helper()
		r, err := s.ReportsToWrite(ctx, who.UserID)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	clk.Set(afterReturn(ends, -1))
	if r := todo(sec); len(r) != 0 {
		t.Fatalf("before the return: %+v", r)
	}
	clk.Set(afterReturn(ends, 2))
	r := todo(sec)
	if len(r) != 1 || r[0].TourID != id || r[0].Status != "" {
		t.Fatalf("after the return: %+v", r)
	}
	cards := ReportCards(r)
	due := r[0].Due
	if len(cards) != 1 || cards[0].Link != fmt.Sprintf("/tours/%d/report", id) || cards[0].Big != "待提交" || !cards[0].Accent ||
		!cards[0].Due.Equal(time.Date(due.Year(), due.Month(), due.Day(), 23, 59, 59, 0, web.China)) ||
		strings.Join(cards[0].Lines, "|") != "请在 "+due.Format("1月2日")+" 前提交|审核通过后记 3 学时" {
		t.Fatalf("card: %+v", cards)
	}
	rep, err := s.SubmitReport(ctx, sec, id, ReportInput{Body: "报告"})
	if err != nil {
		t.Fatal(err)
	}
	if r := todo(sec); len(r) != 0 {
		t.Fatalf("after submitting: %+v", r)
	}
	if _, err := s.ReviewReport(ctx, organizerOf(c, 0), id, rep.ID, ReviewInput{Decision: DecisionReturn, Comment: "请补充本村打算"}); err != nil {
		t.Fatal(err)
	}
	clk.Set(afterReturn(ends, 30)) // past the deadline: a returned report may still be sent again
	if r := todo(sec); len(r) != 1 || r[0].Status != ReportReturned || ReportCards(r)[0].Big != "已退回" {
		t.Fatalf("returned, past the deadline: %+v", r)
	}
	if r := todo(other); len(r) != 0 {
		t.Fatalf("never submitted, past the deadline: %+v", r)
	}
}
