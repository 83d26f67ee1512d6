package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zhibu/app/accounts"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/browsertest"
	"zhibu/app/web/webtest"
	"zhibu/app/workbook/workbooktest"
)

// A three-session class end to end on phones (390×844): the organizer takes roll call,
// a secretary checks in by opening the QR code's link, asks for leave for the next
// session, the organizer approves, the admin closes the class, and the secretary's home
// card, 我的学时, the staff 学时台账 the reports page links to, and the completion workbook
// all show the same new total.
func TestPhoneClassEndToEnd(t *testing.T) {
	db, srv := demoServer(t, accounts.DemoSize{Townships: 2, Secretaries: 12})
	base := browsertest.Serve(t, srv)
	var admin, org, sec, other int64
	testdb.Get(t, db, &admin, `SELECT id FROM users WHERE username = 'admin'`)
	testdb.Get(t, db, &org, `SELECT id FROM users WHERE username = 'organizer'`)
	testdb.Get(t, db, &sec, `SELECT id FROM users WHERE username = 'secretary'`)
	testdb.Get(t, db, &other, `SELECT min(id) FROM users WHERE role = 'secretary' AND id <> $1
		AND township_id = (SELECT township_id FROM users WHERE id = $1)`, sec)
	testdb.Exec(t, db, `UPDATE users SET must_change_password = false`)
	year := time.Now().In(web.China).Year()
	totalOf := func() float64 {
		var h float64
		testdb.Get(t, db, &h, `SELECT COALESCE(sum(hours), 0)::float8 FROM hour_credits WHERE user_id = $1 AND year = $2 AND revoked_at IS NULL`, sec, year)
		return h
	}
	before := totalOf()

	// The admin sets up a class: one session running now, one tomorrow, one the day after.
	api := webtest.AsUser(t, srv, admin)
	st, body := api.JSON("POST", "/api/v1/classes", map[string]any{"title": "支部书记“三会一课”实务培训班", "kind": "实务", "venue": "县委党校"})
	if st != 201 {
		t.Fatalf("create class: %d %s", st, body)
	}
	var cl struct {
		ID int64 `json:"id"`
	}
	webtest.Decode(t, body, &cl)
	now := time.Now().In(web.China)
	var sessions []int64
	for i, start := range []time.Time{now.Add(-10 * time.Minute), now.Add(24 * time.Hour), now.Add(48 * time.Hour)} {
		// A session stays within its day: near midnight (China time) it starts at 00:00 or
		// ends at 23:59, and the first one still runs now.
		if start.Day() != now.Day() && i == 0 {
			start = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, web.China)
		}
		end := start.Add(2 * time.Hour)
		if end.Day() != start.Day() {
			end = time.Date(start.Year(), start.Month(), start.Day(), 23, 59, 0, 0, web.China)
		}
		st, body := api.JSON("POST", fmt.Sprintf("/api/v1/classes/%d/sessions", cl.ID), map[string]any{
			"date": start.Format("2006-01-02"), "start": start.Format("15:04"), "end": end.Format("15:04"),
			"topic": []string{"会议记录怎么写", "组织生活会流程", "主题党日设计"}[i], "hours": 2})
		if st != 201 {
			t.Fatalf("session %d: %d %s", i, st, body)
		}
		var s struct {
			ID int64 `json:"id"`
		}
		webtest.Decode(t, body, &s)
		sessions = append(sessions, s.ID)
	}
	var town int64
	testdb.Get(t, db, &town, `SELECT township_id FROM users WHERE id = $1`, sec)
	if st, body := api.JSON("POST", fmt.Sprintf("/api/v1/classes/%d/participants", cl.ID), map[string]any{"township_id": town}); st != 200 {
		t.Fatalf("participants: %d %s", st, body)
	}
	// Sessions 2 and 3 must be over before 结班 counts them: move them into the past later.

	// The organizer takes roll call on the phone: one participant is absent.
	ob := browsertest.New(t)
	browsertest.SignIn(t, ob, srv, base, org)
	roll := fmt.Sprintf("%s/admin/classes/%d/sessions/%d", base, cl.ID, sessions[0])
	// Home says there is a roll call to take today, and leads to one.
	if err := chromedp.Do(ob, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`.card a[href*="/sessions/"]`))); err != nil {
		t.Fatalf("organizer's home without today's roll call: %v", err)
	}
	if title, _ := chromedp.Run(ob, chromedp.Text(chromedp.CSS(`.card h2`))); !strings.HasPrefix(title, "今日点名") {
		t.Errorf("organizer's first card is %q, want 今日点名", title)
	}
	browsertest.Screenshot(t, ob, "class-home-organizer")
	if err := chromedp.Do(ob, chromedp.Navigate(roll), chromedp.WaitVisible(chromedp.CSS("#all-present"))); err != nil {
		t.Fatal(err)
	}
	absent := fmt.Sprintf(`#u%d button[value="absent"]`, other)
	if err := chromedp.Do(ob, chromedp.Click(chromedp.CSS(absent)), chromedp.WaitVisible(chromedp.CSS(absent+`[aria-pressed="true"]`))); err != nil {
		t.Fatalf("mark absent: %v", err)
	}
	browsertest.Screenshot(t, ob, "class-roll")
	// …and shows the QR code; its link is what a camera app opens.
	if err := chromedp.Do(ob, chromedp.Navigate(roll+"/qr"), chromedp.WaitVisible(chromedp.CSS("img.qr"))); err != nil {
		t.Fatal(err)
	}
	link, err := chromedp.Run(ob, chromedp.Text(chromedp.CSS(".qr-link")))
	if err != nil || !strings.Contains(link, "/checkin/") {
		t.Fatalf("QR link %q: %v", link, err)
	}
	browsertest.Screenshot(t, ob, "class-qr")

	// The secretary opens the link and checks in.
	sb := browsertest.New(t)
	browsertest.SignIn(t, sb, srv, base, sec)
	path := link[strings.Index(link, "/checkin/"):]
	if err := chromedp.Do(sb, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS("#checkin-confirm")),
		chromedp.Click(chromedp.CSS("#checkin-confirm")), chromedp.WaitVisible(chromedp.CSS("#checkin-done"))); err != nil {
		t.Fatal(err)
	}
	if text, _ := chromedp.Run(sb, chromedp.Text(chromedp.CSS("#checkin"))); !strings.Contains(text, "签到成功") {
		t.Fatalf("check-in page: %s", text)
	}
	browsertest.Screenshot(t, sb, "class-checkin")
	// …asks for leave for tomorrow's session.
	if err := chromedp.Do(sb, chromedp.Navigate(fmt.Sprintf("%s/classes/%d", base, cl.ID)),
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#s%d summary", sessions[1]))),
		chromedp.SendKeys(chromedp.CSS(fmt.Sprintf("#reason-%d", sessions[1])), "村里召开党员大会"),
		chromedp.Submit(chromedp.CSS(fmt.Sprintf("#reason-%d", sessions[1]))),
		chromedp.WaitVisible(chromedp.CSS(".flash"))); err != nil {
		t.Fatalf("leave: %v", err)
	}
	browsertest.Screenshot(t, sb, "class-leave-asked")

	// The organizer approves it.
	if err := chromedp.Do(ob, chromedp.Navigate(fmt.Sprintf("%s/admin/classes/%d", base, cl.ID)),
		chromedp.WaitVisible(chromedp.CSS("#leaves")), chromedp.Click(chromedp.CSS(`#leaves + ul button.btn-primary`)),
		chromedp.WaitVisible(chromedp.CSS(".flash"))); err != nil {
		t.Fatalf("approve: %v", err)
	}
	browsertest.Screenshot(t, ob, "class-admin")

	// The last session is taken by roll call (everyone present) once it has started; the
	// sessions are moved into the past as time would.
	testdb.Exec(t, db, `UPDATE class_sessions SET starts_at = starts_at - interval '3 days', ends_at = ends_at - interval '3 days' WHERE class_id = $1 AND id <> $2`, cl.ID, sessions[0])
	if st, body := api.JSON("PUT", fmt.Sprintf("/api/v1/classes/%d/sessions/%d/attendance", cl.ID, sessions[2]),
		map[string]any{"records": []map[string]any{{"user_id": sec, "status": "present"}}}); st != 200 {
		t.Fatalf("roll call: %d %s", st, body)
	}

	// The admin closes the class on the phone.
	ab := browsertest.New(t)
	browsertest.SignIn(t, ab, srv, base, admin)
	if err := chromedp.Do(ab, chromedp.Navigate(fmt.Sprintf("%s/admin/classes/%d/close", base, cl.ID)),
		chromedp.WaitVisible(chromedp.CSS(".confirm button")), chromedp.Click(chromedp.CSS(".confirm button")),
		chromedp.WaitVisible(chromedp.CSS(".flash"))); err != nil {
		t.Fatalf("close: %v", err)
	}
	after := totalOf()
	if after != before+4 { // sessions 1 and 3 attended, 2 学时 each; the leave earns nothing
		t.Fatalf("ledger total %v → %v, want +4", before, after)
	}
	want := web.FormatNumber(after)

	// The secretary's home card and 我的学时 show the new total.
	if err := chromedp.Do(sb, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(".cards"))); err != nil {
		t.Fatal(err)
	}
	home, _ := chromedp.Run(sb, chromedp.Text(chromedp.CSS(".cards")))
	if !regexp.MustCompile(`(^|\D)` + regexp.QuoteMeta(want) + ` / `).MatchString(home) {
		t.Errorf("home card does not show %s 学时:\n%s", want, home)
	}
	browsertest.Screenshot(t, sb, "class-home-after")
	if err := chromedp.Do(sb, chromedp.Navigate(base+"/me/hours"), chromedp.WaitVisible(chromedp.CSS("#hours-sum"))); err != nil {
		t.Fatal(err)
	}
	if got, _ := chromedp.Run(sb, chromedp.Text(chromedp.CSS("#hours-sum"))); got != want {
		t.Errorf("我的学时 shows %q, want %q", got, want)
	}
	browsertest.Screenshot(t, sb, "class-my-hours")
	// The result on the class page: 未结业 (the leave is 2 of 6 学时, over 1/7).
	if err := chromedp.Do(sb, chromedp.Navigate(fmt.Sprintf("%s/classes/%d", base, cl.ID)), chromedp.WaitVisible(chromedp.CSS("#my-result"))); err != nil {
		t.Fatal(err)
	}
	if got, _ := chromedp.Run(sb, chromedp.Text(chromedp.CSS("#my-result"))); !strings.Contains(got, "未结业") || !strings.Contains(got, "4") {
		t.Errorf("class result: %s", got)
	}

	// The reports page leads to the staff ledger, which shows the same total.
	var name string
	testdb.Get(t, db, &name, `SELECT name FROM users WHERE id = $1`, sec)
	if err := chromedp.Do(ab, chromedp.Navigate(fmt.Sprintf("%s/admin/reports?year=%d", base, year)),
		chromedp.Click(chromedp.CSS(`a[href^="/admin/hours"]`)), chromedp.WaitVisible(chromedp.CSS("#hours-counts")),
		chromedp.SendKeys(chromedp.CSS("#f-q"), name), chromedp.Submit(chromedp.CSS("#f-q")),
		chromedp.WaitVisible(chromedp.CSS("table.rows a.person"))); err != nil {
		t.Fatalf("ledger from reports: %v", err)
	}
	// The search reloads the page: wait for its result, not the list before it.
	browsertest.Until(t, ab, "the ledger search for "+name, fmt.Sprintf(`(() => { const r = document.querySelectorAll('table.rows tbody tr');
		return location.search.includes('q=') && document.readyState === 'complete' &&
			r.length === 1 && r[0].textContent.includes(%q) })()`, name), 15*time.Second)
	row, _ := chromedp.Run(ab, chromedp.Text(chromedp.CSS("table.rows tbody tr")))
	if !strings.Contains(row, name) || !strings.Contains(row, want) {
		t.Errorf("ledger row %q does not show %s", row, want)
	}
	browsertest.Screenshot(t, ab, "class-ledger")

	// The completion workbook's township sheet shows it as 学时合计.
	resp := api.Do("GET", fmt.Sprintf("/api/v1/reports/completion.xlsx?year=%d", year), nil, "")
	data := []byte(readAll(t, resp.Body))
	found := false
	for _, sh := range workbooktest.Read(t, data) {
		if len(sh.Rows) < 2 {
			continue
		}
		col := -1
		for i, h := range sh.Rows[1] {
			if h == "学时合计" {
				col = i
			}
		}
		for _, r := range sh.Rows[2:] {
			if col >= 0 && col < len(r) && strings.Contains(strings.Join(r, "|"), "|"+name+"|") {
				found = true
				if r[col] != want {
					t.Errorf("workbook 学时合计 %q, want %q", r[col], want)
				}
			}
		}
	}
	if !found {
		t.Error("the secretary is in no sheet of the completion workbook with a 学时合计 column")
	}
}
