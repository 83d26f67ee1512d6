package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"rsc.io/qr"

	"zhibu/app/accounts"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/browsertest"
	"zhibu/app/web/webtest"
)

// The year on one page, on phones (390×844): a confirmed participant of a study tour
// submits the 学习报告 after the return, the township organizer accepts it, the tour's 学时
// appear in the secretary's 学习档案, and the 结业证书's QR code carries the verification
// URL, which opens the public verification page without signing in.
func TestPhoneTourReportRecordAndCertificate(t *testing.T) {
	db, srv := demoServer(t, accounts.DemoSize{Townships: 2, Secretaries: 12})
	base := browsertest.Serve(t, srv)
	var admin, org, sec, town, tour int64
	testdb.Get(t, db, &admin, `SELECT id FROM users WHERE username = 'admin'`)
	testdb.Get(t, db, &org, `SELECT id FROM users WHERE username = 'organizer'`)
	testdb.Get(t, db, &sec, `SELECT id FROM users WHERE username = 'secretary'`)
	testdb.Get(t, db, &town, `SELECT township_id FROM users WHERE id = $1`, sec)
	testdb.Exec(t, db, `UPDATE users SET must_change_password = false`)
	// The demo tour that asks for a 发展思路: it ended yesterday, the report is due in a
	// week, it is worth 4 学时, and the secretary was confirmed on it.
	testdb.Get(t, db, &tour, `SELECT min(id) FROM tours WHERE report_due IS NOT NULL`)
	if tour == 0 {
		t.Fatal("the demo has no tour asking for a report")
	}
	today := time.Now().In(web.China)
	testdb.Exec(t, db, `UPDATE tours SET starts_on = $2::date - 4, ends_on = $2::date - 1, report_due = $2::date + 7, hours = 4,
		status = 'done' WHERE id = $1`, tour, today.Format(time.DateOnly))
	testdb.Exec(t, db, `INSERT INTO tour_signups (tour_id, user_id, township_id, status) VALUES ($1, $2, $3, 'confirmed')
		ON CONFLICT (tour_id, user_id) DO UPDATE SET status = 'confirmed'`, tour, sec, town)
	year := today.Year()
	var before float64
	testdb.Get(t, db, &before, `SELECT COALESCE(sum(hours), 0)::float8 FROM hour_credits WHERE user_id = $1 AND year = $2 AND revoked_at IS NULL`, sec, year)

	if st, page := webtest.AsUser(t, srv, sec).Get(fmt.Sprintf("/tours/%d/report", tour)); st != 200 || !strings.Contains(page, `id="body"`) {
		t.Fatalf("report page: %d %s", st, page)
	}
	// The secretary writes the report on the phone.
	sb := browsertest.New(t)
	browsertest.SignIn(t, sb, srv, base, sec)
	must := func(ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	text := func(ctx context.Context, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	// Back home, a card asks for the report (ordered by its deadline among the others) and
	// leads to the form.
	reportLink := fmt.Sprintf(`.card a[href="/tours/%d/report"]`, tour)
	must(sb, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(reportLink)))
	if ok, _ := chromedp.Run(sb, chromedp.Evaluate[bool](fmt.Sprintf(`[...document.querySelectorAll('.card')].some(c =>
		c.querySelector('h2').textContent.startsWith('学习报告') && c.querySelector('a[href="/tours/%d/report"]'))`, tour))); !ok {
		t.Errorf("no 学习报告 card leads to the form")
	}
	if _, err := chromedp.Run(sb, chromedp.Evaluate[bool](`(document.querySelector('`+reportLink+`').scrollIntoView({block: 'center'}), true)`)); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, sb, "journey-home-report")
	must(sb, chromedp.Click(chromedp.CSS(reportLink)), chromedp.WaitVisible(chromedp.ID("#body")))
	must(sb, chromedp.SendKeys(chromedp.ID("#body"), "发展思路：学习余村经验，发展林下经济和乡村旅游，明年办起村集体合作社。"))
	browsertest.Screenshot(t, sb, "journey-report-write")
	must(sb, chromedp.Click(chromedp.CSS(`#my-report form button[type=submit]`)))
	var rid int64
	for deadline := time.Now().Add(15 * time.Second); rid == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the report never arrived")
		}
		testdb.Get(t, db, &rid, `SELECT COALESCE(max(id), 0) FROM tour_reports WHERE tour_id = $1 AND user_id = $2 AND status = 'submitted'`, tour, sec)
	}
	must(sb, chromedp.WaitVisible(chromedp.ID("#my-report")))
	browsertest.Screenshot(t, sb, "journey-report-submitted")

	// The organizer opens the township's reports and accepts it.
	ob := browsertest.New(t)
	browsertest.SignIn(t, ob, srv, base, org)
	must(ob, chromedp.Navigate(fmt.Sprintf("%s/admin/tours/%d/reports", base, tour)),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`a[href="/admin/tours/%d/reports/%d"]`, tour, rid))))
	browsertest.Screenshot(t, ob, "journey-reports-desk")
	must(ob, chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/admin/tours/%d/reports/%d"]`, tour, rid))),
		chromedp.WaitVisible(chromedp.CSS(`#review button[value=accept]`)))
	if body := text(ob, "#report"); !strings.Contains(body, "林下经济") {
		t.Fatalf("the organizer does not see the report: %q", body)
	}
	must(ob, chromedp.Click(chromedp.CSS(`#review button[value=accept]`)), chromedp.WaitNotPresent(chromedp.CSS(`#review button[value=accept]`)))
	browsertest.Screenshot(t, ob, "journey-report-accepted")
	var status string
	testdb.Get(t, db, &status, `SELECT status FROM tour_reports WHERE id = $1`, rid)
	if status != "accepted" {
		t.Fatalf("report status after accepting: %q", status)
	}

	// The 学时 are in the secretary's 学习档案: the total and the tour's line.
	must(sb, chromedp.Navigate(fmt.Sprintf("%s/me/record?year=%d", base, year)), chromedp.WaitVisible(chromedp.ID("#record-sum")))
	browsertest.Screenshot(t, sb, "journey-record")
	if got, want := text(sb, "#record-sum"), web.FormatNumber(before+4); got != want {
		t.Fatalf("学习档案 total %q, want %q (%.1f + 4)", got, want, before)
	}
	if tours := text(sb, "#record-tours"); !strings.Contains(tours, "已通过") || !strings.Contains(tours, "4") {
		t.Fatalf("the tour's line in the 学习档案: %q", tours)
	}

	// A 结业证书: the county's programme for a class the secretary completed (结业).
	var class int64
	testdb.Get(t, db, &class, `SELECT min(id) FROM classes`)
	testdb.Exec(t, db, `INSERT INTO class_participants (class_id, user_id, township_id, completed) VALUES ($1, $2, $3, true)
		ON CONFLICT (class_id, user_id) DO UPDATE SET completed = true`, class, sec, town)
	if st, body := webtest.AsUser(t, srv, admin).JSON("POST", "/api/v1/certificate-programmes",
		map[string]any{"title": "支部书记实务培训班结业", "kind": "class", "class_id": class}); st != 201 {
		t.Fatalf("programme: %d %s", st, body)
	}
	// Opening 我的证书 issues what is earned.
	must(sb, chromedp.Navigate(base+"/me/certificates"), chromedp.WaitVisible(chromedp.CSS(`#my-certificates a[href^="/me/certificates/"]`)))
	must(sb, chromedp.Click(chromedp.CSS(`#my-certificates a[href^="/me/certificates/"]`)), chromedp.WaitVisible(chromedp.ID("#certificate")))
	browsertest.Screenshot(t, sb, "journey-certificate")
	link := strings.TrimSpace(strings.TrimPrefix(text(sb, ".cert-link"), "查验："))
	if !strings.HasPrefix(link, base+"/verify/") {
		t.Fatalf("verification link %q", link)
	}
	// The QR code on the page is exactly the code of that link.
	src, err := chromedp.Run(sb, chromedp.Evaluate[string](`document.querySelector('.cert-qr img').getAttribute('src')`))
	if err != nil {
		t.Fatal(err)
	}
	code, err := qr.Encode(link, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	code.Scale = 6
	if want := "data:image/png;base64," + base64.StdEncoding.EncodeToString(code.PNG()); src != want {
		t.Fatalf("the QR code does not carry the verification link %q", link)
	}
	// Anyone who scans it — not signed in — sees a valid certificate, and no phone number.
	anon := browsertest.New(t)
	must(anon, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("#verify-state")))
	browsertest.Screenshot(t, anon, "journey-verify")
	if state := text(anon, "#verify-state"); !strings.Contains(state, "有效") {
		t.Fatalf("verification page says %q", state)
	}
	var phone string
	testdb.Get(t, db, &phone, `SELECT COALESCE(phone, '') FROM users WHERE id = $1`, sec)
	if page := text(anon, "#verify"); phone != "" && strings.Contains(page, phone) {
		t.Fatal("the verification page shows the phone number")
	}
}
