package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/accounts"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/browsertest"
	"zhibu/app/web/webtest"
)

// The screen audit (issue 12): every page of the app, for every role, at the two phone
// sizes most secretaries have, on a county of 20 townships and 3,000 secretaries with a
// 20,000-question bank. A page fails on horizontal overflow, a visible tap target under
// 44 px (inline text links excepted), a raw error code or Latin word in the visible text,
// or — for a staff page — more than auditMaxHTML bytes of HTML or auditMaxElements
// elements. Screenshots of every page go to browsertest.Dir().
//
// The pages are the app's own GET routes, not a list kept here: a new page is audited
// the day it is mounted, and a route whose :id the audit cannot fill fails until
// auditSample learns it.

const (
	auditMaxHTML     = 100 << 10
	auditMaxElements = 2000
	auditMinTap      = 44
)

// auditLatin are the Latin words a secretary meets in everyday Chinese text; auditPeople
// adds the audited accounts' login names, which are data, not wording.
var auditLatin = map[string]bool{"Excel": true, "KB": true, "MB": true, "PDF": true}

// auditOptionKeys are a question's option letters and answer keys (A, ABD): exam wording
// in China uses them as they are.
var auditOptionKeys = regexp.MustCompile(`^[A-F]{1,6}$`)

// auditSkip are GET routes that are not pages: downloads, the JSON API, assets, probes.
var auditSkip = regexp.MustCompile(`^/(api/|dl/|static/|healthz|readyz|favicon|robots|logout)|\.xlsx$|^/attachments/`)

var auditSizes = []struct{ W, H int }{{360, 740}, {390, 844}}

type auditFinding struct {
	Overflow bool     `json:"overflow"`
	Wide     []string `json:"wide"`
	Small    []string `json:"small"`
	Latin    []string `json:"latin"`
	Elements int      `json:"elements"`
}

// auditJS measures a loaded page in the browser.
const auditJS = `(() => {
  const vw = document.documentElement.clientWidth;
  const out = {overflow: document.documentElement.scrollWidth > vw + 1, wide: [], small: [], latin: [],
    elements: document.getElementsByTagName('*').length};
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  if (out.overflow) {
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > vw + 1) { out.wide.push(name(el)); if (out.wide.length >= 5) break; }
    }
  }
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary')) {
    if (el.type === 'hidden') continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden') continue;
    let r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (el.tagName === 'A' && cs.display === 'inline') continue; // inline text links excepted
    if ((el.type === 'radio' || el.type === 'checkbox') && el.closest('label')) r = el.closest('label').getBoundingClientRect();
    if (r.height < ` + "44" + ` - 0.5) out.small.push(name(el) + ' ' + Math.round(r.height) + 'px「' + (el.innerText || el.value || el.name || '').trim().slice(0, 12) + '」');
  }
  // Raw data a person may need to copy (a link, a login name) is marked data-raw and
  // left out; everything else is wording.
  const raw = [...document.querySelectorAll('[data-raw]')];
  raw.forEach(el => { el.dataset.display = el.style.display; el.style.display = 'none'; });
  const words = document.body.innerText.match(/[A-Za-z][A-Za-z0-9_]*/g) || [];
  raw.forEach(el => { el.style.display = el.dataset.display; });
  out.latin = [...new Set(words)];
  return JSON.stringify(out);
})()`

func TestScreenAudit(t *testing.T) {
	if testing.Short() {
		t.Skip("the screen audit seeds a county of 3,000 secretaries")
	}
	db, srv := demoServer(t, accounts.DemoSize{Townships: 20, Secretaries: 3000})
	auditBank(t, db)
	base := browsertest.Serve(t, srv)

	ids := auditPeople(t, db)
	sample := auditSamples(t, db, srv, ids)

	var pages []string
	seen := map[string]bool{}
	for _, r := range srv.App.GetRoutes(true) {
		if r.Method != "GET" || auditSkip.MatchString(r.Path) || seen[r.Path] {
			continue
		}
		seen[r.Path] = true
		pages = append(pages, r.Path)
	}
	sort.Strings(pages)

	for _, who := range []string{"secretary", "organizer", "admin"} {
		client := webtest.AsUser(t, srv, ids[who])
		var visit []string
		for _, route := range pages {
			path, ok := sample(who, route)
			if !ok {
				t.Errorf("audit: no sample for route %s — teach auditSamples", route)
				continue
			}
			if path == "" {
				continue
			}
			resp := client.Do("GET", path, nil, "")
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case resp.StatusCode >= 500:
				t.Errorf("%s %s: %d", who, path, resp.StatusCode)
				continue
			case resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html"):
				continue // not this role's page (403/404/redirect) or not a page
			}
			if who != "secretary" && strings.HasPrefix(path, "/admin") && len(body) > auditMaxHTML {
				t.Errorf("%s %s: %d KB of HTML (limit %d KB)", who, path, len(body)>>10, auditMaxHTML>>10)
			}
			visit = append(visit, path)
		}
		for _, size := range auditSizes {
			b := browsertest.New(t)
			if err := chromedp.Do(b, chromedp.EmulateViewport(int64(size.W), int64(size.H), chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
				t.Fatal(err)
			}
			browsertest.SignIn(t, b, srv, base, ids[who])
			for _, path := range visit {
				auditPage(t, b, base, who, path, size.W)
			}
		}
	}
	// Signed out: the login page.
	for _, size := range auditSizes {
		b := browsertest.New(t)
		if err := chromedp.Do(b, chromedp.EmulateViewport(int64(size.W), int64(size.H), chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
			t.Fatal(err)
		}
		auditPage(t, b, base, "guest", "/login", size.W)
	}
}

func auditPage(t *testing.T, b context.Context, base, who, path string, width int) {
	t.Helper()
	if err := chromedp.Do(b, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Errorf("%s %s: %v", who, path, err)
		return
	}
	raw, err := chromedp.Run(b, chromedp.Evaluate[string](auditJS))
	if err != nil {
		t.Errorf("%s %s: %v", who, path, err)
		return
	}
	var f auditFinding
	if err := json.Unmarshal([]byte(raw), &f); err != nil {
		t.Fatal(err)
	}
	at := fmt.Sprintf("%s %s @%dpx", who, path, width)
	if f.Overflow {
		t.Errorf("%s: wider than the screen: %v", at, f.Wide)
	}
	if len(f.Small) > 0 {
		t.Errorf("%s: tap targets under %d px: %v", at, auditMinTap, f.Small)
	}
	var latin []string
	for _, w := range f.Latin {
		if !auditLatin[w] && !auditOptionKeys.MatchString(w) {
			latin = append(latin, w)
		}
	}
	if len(latin) > 0 {
		t.Errorf("%s: Latin words or codes in the visible text: %v", at, latin)
	}
	if who != "secretary" && strings.HasPrefix(path, "/admin") && f.Elements > auditMaxElements {
		t.Errorf("%s: %d elements (limit %d)", at, f.Elements, auditMaxElements)
		return // too tall to photograph
	}
	name := fmt.Sprintf("audit-%d-%s%s", width, who, strings.NewReplacer("/", "-", "?", "-", "=", "-", "&", "-").Replace(path))
	browsertest.Screenshot(t, b, name)
}

// auditBank grows the question bank to 20,000 questions.
func auditBank(t *testing.T, db *sqlx.DB) {
	t.Helper()
	testdb.Exec(t, db, `
		WITH src AS (SELECT row_number() OVER (ORDER BY id) - 1 AS n, * FROM questions WHERE NOT retired),
		     total AS (SELECT count(*) AS c FROM src)
		INSERT INTO questions (kind, category, difficulty, stem, options, answer, points, explanation)
		SELECT q.kind, q.category, q.difficulty, q.stem || '（第 ' || g || ' 题）', q.options, q.answer, q.points, q.explanation
		FROM generate_series(1, 20000 - (SELECT count(*) FROM questions)) g
		JOIN src q ON q.n = g % (SELECT c FROM total)`)
}

// auditPeople picks one account per role — the secretary and the organizer in the same
// township — past their first-login password change.
func auditPeople(t *testing.T, db *sqlx.DB) map[string]int64 {
	t.Helper()
	ids := map[string]int64{}
	var admin, organizer, secretary int64
	testdb.Get(t, db, &admin, `SELECT min(id) FROM users WHERE role = 'admin'`)
	testdb.Get(t, db, &organizer, `SELECT min(id) FROM users WHERE role = 'organizer'`)
	testdb.Get(t, db, &secretary, `SELECT min(id) FROM users WHERE role = 'secretary'
		AND township_id = (SELECT township_id FROM users WHERE id = $1)`, organizer)
	ids["admin"], ids["organizer"], ids["secretary"] = admin, organizer, secretary
	testdb.Exec(t, db, `UPDATE users SET must_change_password = false WHERE id = ANY($1)`, pq.Array([]int64{admin, organizer, secretary}))
	var names []string
	if err := db.Select(&names, `SELECT username FROM users WHERE id = ANY($1)`, pq.Array([]int64{admin, organizer, secretary})); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		auditLatin[n] = true
	}
	return ids
}

// auditSamples fills the :id of every page route with a real row the role may see, and
// gives every list its county-size content: half the county signed up for one tour, and
// the secretary with a finished exam attempt. sample returns ok=false for a route it
// does not know, and "" for a route the role has no page on.
func auditSamples(t *testing.T, db *sqlx.DB, srv *web.Server, ids map[string]int64) func(who, route string) (string, bool) {
	t.Helper()
	one := func(q string, args ...any) string {
		var id int64
		testdb.Get(t, db, &id, q, args...)
		return strconv.FormatInt(id, 10)
	}
	course := one(`SELECT min(course_id) FROM lessons`)
	lesson := one(`SELECT min(id) FROM lessons WHERE course_id = $1`, course)
	attachment := one(`SELECT COALESCE(min(id), 0) FROM lesson_attachments`)
	assignment := one(`SELECT COALESCE(min(id), 0) FROM course_assignments`)
	question := one(`SELECT min(id) FROM questions`)
	tour := one(`SELECT min(id) FROM tours`)
	// A tour's day with its roll call taken (the demo's past tour, app/tours/store_days.go).
	dayTour := one(`SELECT COALESCE(min(d.tour_id), 0) FROM tour_days d JOIN tour_attendance a ON a.day_id = d.id`)
	tourDay := one(`SELECT COALESCE(min(id), 0) FROM tour_days WHERE tour_id = $1`, dayTour)
	entry := one(`SELECT COALESCE(min(id), 0) FROM hour_credits`)
	user := strconv.FormatInt(ids["secretary"], 10)
	testdb.Exec(t, db, `
		INSERT INTO tour_signups (tour_id, user_id, township_id, status)
		SELECT $1, id, township_id, 'pending' FROM users
		WHERE role = 'secretary' AND (id = $2 OR id % 2 = 0)
		ON CONFLICT (tour_id, user_id) DO NOTHING`, tour, ids["secretary"])

	// The secretary takes an open exam and hands it in unanswered.
	var exam string
	var attempt struct {
		ID int64 `json:"id"`
	}
	sec := webtest.AsUser(t, srv, ids["secretary"])
	var open []int64
	if err := db.Select(&open, `SELECT id FROM exams WHERE opens_at <= now() AND closes_at > now() ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	for _, id := range open {
		st, body := sec.JSON("POST", fmt.Sprintf("/api/v1/exams/%d/attempts", id), nil)
		if st != 200 && st != 201 {
			continue
		}
		webtest.Decode(t, body, &attempt)
		if st, body := sec.JSON("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", attempt.ID), map[string]any{}); st != 200 {
			t.Fatalf("submit: %d %s", st, body)
		}
		exam = strconv.FormatInt(id, 10)
		break
	}
	if exam == "" {
		t.Fatal("audit: the demo county has no exam the secretary can take")
	}
	class := one(`SELECT min(id) FROM classes`)
	session := one(`SELECT min(id) FROM class_sessions WHERE class_id = $1`, class)
	signup := one(`SELECT min(id) FROM tour_signups WHERE tour_id = $1 AND user_id = $2`, tour, ids["secretary"])
	seatClass := one(`SELECT min(id) FROM classes WHERE total_seats IS NOT NULL`)
	classSignup := one(`SELECT min(id) FROM class_signups WHERE class_id = $1`, seatClass)
	feedback := one(`SELECT COALESCE(min(id), 0) FROM feedback WHERE township_id = (SELECT township_id FROM users WHERE id = $1)`, ids["organizer"])
	// The organizer's township's notice: the secretary reads it, the organizer and the admin edit it.
	notice := one(`SELECT COALESCE(min(id), 0) FROM notices WHERE owner_township_id = (SELECT township_id FROM users WHERE id = $1)`, ids["organizer"])
	noticeFile := one(`SELECT COALESCE(min(id), 0) FROM notice_attachments WHERE notice_id = $1`, notice)
	// The organizer reminds the township about a 必修 course (app/reminders); its page lists them.
	var remindCourse int64
	testdb.Get(t, db, &remindCourse, `SELECT COALESCE(min(rq.course_id), 0) FROM course_requirements rq
		JOIN users u ON u.id = rq.user_id AND u.active
		LEFT JOIN course_progress cp ON cp.user_id = rq.user_id AND cp.course_id = rq.course_id
		WHERE cp.completed_at IS NULL AND u.township_id = (SELECT township_id FROM users WHERE id = $1)`, ids["organizer"])
	if st, body := webtest.AsUser(t, srv, ids["organizer"]).JSON("POST", "/api/v1/reminders",
		map[string]any{"target": "course", "target_id": remindCourse, "text": "请于本周内完成必修课程"}); st != 201 {
		t.Fatalf("audit reminder: %d %s", st, body)
	}
	reminder := one(`SELECT COALESCE(min(id), 0) FROM reminders`)
	// A failed outbound message (app/outbox): its list and its retry confirmation show a row.
	testdb.Exec(t, db, `INSERT INTO outbox (user_id, kind, text, status, attempts, last_error)
		VALUES ($1, 'reminder', '请于本周内完成必修课程', 'failed', 8, '接收方返回 503')`, ids["secretary"])
	outboxRow := one(`SELECT min(id) FROM outbox WHERE status = 'failed'`)
	// A 结业证书 of the secretary (app/certificates) of the demo's year programme: the owner's
	// printable page, the admin's page and its revocation, the public verification.
	const certCode = "auditauditauditauditauditauditau"
	testdb.Exec(t, db, `INSERT INTO certificates (programme_id, user_id, serial, code, name, branch, township, hours, issued_on)
		SELECT p.id, u.id, 'ZB' || extract(year FROM current_date)::int || '-900001', $2, u.name, COALESCE(b.name, ''), COALESCE(tw.name, ''), 12.5, current_date
		FROM certificate_programmes p CROSS JOIN users u LEFT JOIN branches b ON b.id = u.branch_id LEFT JOIN townships tw ON tw.id = u.township_id
		WHERE u.id = $1 ORDER BY p.id LIMIT 1 ON CONFLICT DO NOTHING`, ids["secretary"], certCode)
	certificate := one(`SELECT COALESCE(min(id), 0) FROM certificates WHERE user_id = $1`, ids["secretary"])
	certProgramme := one(`SELECT COALESCE(min(id), 0) FROM certificate_programmes`)
	// A submitted report of the secretary (app/tours/store_reports.go) on the demo's past
	// tour, which asks for one until next week: the participant's report page, the desk,
	// the review page.
	reportTour := one(`SELECT COALESCE(min(id), 0) FROM tours WHERE status = 'done'`)
	testdb.Exec(t, db, `UPDATE tours SET report_due = current_date + 7 WHERE id = $1`, reportTour)
	testdb.Exec(t, db, `INSERT INTO tour_signups (tour_id, user_id, township_id, status)
		SELECT $1, id, township_id, 'confirmed' FROM users WHERE id = $2
		ON CONFLICT (tour_id, user_id) DO UPDATE SET status = 'confirmed'`, reportTour, ids["secretary"])
	testdb.Exec(t, db, `INSERT INTO tour_reports (tour_id, user_id, status, body, submitted_at)
		VALUES ($1, $2, 'submitted', $3, now()) ON CONFLICT (tour_id, user_id) DO NOTHING`, reportTour, ids["secretary"],
		"一、学习体会\n西柏坡“两个务必”。\n二、发展思路\n结合本村实际，发展红色研学和庭院经济，村集体领办合作社。")
	tourReport := one(`SELECT COALESCE(min(id), 0) FROM tour_reports WHERE tour_id = $1`, reportTour)
	// Each route family names the rows that fill its parameters.
	idOf := []struct {
		prefix string
		params map[string]string
		has    []string // the route holds one of these (nil: any route of the prefix)
	}{
		{"/exams/attempts/", map[string]string{":id": strconv.FormatInt(attempt.ID, 10)}, nil},
		{"/admin/courses/", map[string]string{":id": course}, nil}, {"/courses/", map[string]string{":id": course}, nil},
		{"/admin/lessons/", map[string]string{":id": lesson}, nil}, {"/lessons/", map[string]string{":id": lesson}, nil},
		{"/admin/attachments/", map[string]string{":id": attachment}, nil}, {"/admin/assignments/", map[string]string{":id": assignment}, nil},
		{"/admin/users/", map[string]string{":id": user}, nil},
		{"/admin/hours/people/", map[string]string{":id": user}, nil}, {"/admin/hours/", map[string]string{":id": entry}, nil},
		{"/admin/record/people/", map[string]string{":id": user}, nil},
		{"/admin/exams/", map[string]string{":id": exam}, nil}, {"/exams/", map[string]string{":id": exam}, nil},
		{"/admin/questions/", map[string]string{":id": question}, nil},
		{"/admin/tours/", map[string]string{":id": dayTour, ":did": tourDay}, []string{"/days"}},
		{"/admin/tours/", map[string]string{":id": reportTour, ":rid": tourReport}, []string{"/reports"}},
		{"/tours/", map[string]string{":id": reportTour}, []string{"/report"}},
		{"/admin/tours/", map[string]string{":id": tour, ":sid": signup}, nil}, {"/tours/", map[string]string{":id": tour}, nil},
		{"/admin/classes/", map[string]string{":id": seatClass, ":sid": classSignup}, []string{"/seats", "/quotas"}},
		{"/admin/classes/", map[string]string{":id": class, ":sid": session, ":uid": user}, nil},
		{"/classes/", map[string]string{":id": class}, nil},
		{"/checkin/", map[string]string{":token": session + ".1.x"}, nil},
		{"/admin/feedback/", map[string]string{":id": feedback}, nil},
		{"/admin/notices/", map[string]string{":id": notice, ":aid": noticeFile}, nil},
		{"/notices/", map[string]string{":id": notice, ":aid": noticeFile}, nil},
		{"/admin/reminders/", map[string]string{":id": reminder}, nil},
		{"/admin/outbox/", map[string]string{":id": outboxRow}, nil},
		{"/tools/candidates/", map[string]string{":id": "0"}, nil}, // the planner's rows are private, the demo has none
		{"/me/certificates/", map[string]string{":id": certificate}, nil},
		{"/admin/certificates/programmes/", map[string]string{":id": certProgramme}, nil},
		{"/admin/certificates/", map[string]string{":id": certificate}, nil},
		{"/verify/", map[string]string{":code": certCode}, nil},
		{"/tools/meetings/", map[string]string{":kind": "dydh"}, nil},
	}
	return func(who, route string) (string, bool) {
		if !strings.Contains(route, ":") {
			return route, true
		}
		for _, p := range idOf {
			if !strings.HasPrefix(route, p.prefix+":") {
				continue
			}
			if p.has != nil && !slices.ContainsFunc(p.has, func(h string) bool { return strings.Contains(route, h) }) {
				continue
			}
			path := route
			for param, v := range p.params {
				if strings.Contains(path, param) && v == "0" {
					return "", true // no such row in the demo county
				}
				path = strings.ReplaceAll(path, param, v)
			}
			return path, !strings.Contains(path, ":")
		}
		return "", false
	}
}
