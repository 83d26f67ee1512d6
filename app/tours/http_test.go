package tours

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"

	"zhibu/app/inbox"
	"zhibu/app/seats"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
	"zhibu/app/workbook"
	"zhibu/app/workbook/workbooktest"
)

func newServer(t testing.TB, db *sqlx.DB) *web.Server {
	t.Helper()
	return webtest.Server(t, db, web.Config{}, func(s *web.Server) error { return inbox.Mount(s, inbox.Deps{}) },
		func(s *web.Server) error { return Mount(s, testDeps) })
}

type clients struct {
	anon, sec, sec2, other, org, org2, admin *webtest.Client
}

func makeClients(t testing.TB, srv *web.Server, c testdb.County) clients {
	return clients{
		anon:  webtest.New(t, srv.App),
		sec:   webtest.AsUser(t, srv, c.Secretaries[0][0]),
		sec2:  webtest.AsUser(t, srv, c.Secretaries[0][1]),
		other: webtest.AsUser(t, srv, c.Secretaries[1][0]),
		org:   webtest.AsUser(t, srv, c.Organizers[0]),
		org2:  webtest.AsUser(t, srv, c.Organizers[1]),
		admin: webtest.AsUser(t, srv, c.Admin),
	}
}

func expect(t *testing.T, what string, status int, body []byte, want int, code string) {
	t.Helper()
	if status != want {
		t.Fatalf("%s: status %d, want %d: %s", what, status, want, body)
	}
	if code != "" && webtest.ErrorCode(body) != code {
		t.Fatalf("%s: code %q, want %q: %s", what, webtest.ErrorCode(body), code, body)
	}
}

func TestAPIFlowAndRoles(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := newServer(t, db)
	cl := makeClients(t, srv, c)
	id := makeTour(t, db, c, tourOpts{quotas: []int{1, 2}})
	draft := makeTour(t, db, c, tourOpts{status: TourDraft})
	base := fmt.Sprintf("/api/v1/tours/%d", id)

	// Listing: anonymous 401; secretaries see seats of their township, not drafts.
	st, body := cl.anon.JSON("GET", "/api/v1/tours", nil)
	expect(t, "anon list", st, body, 401, "unauthenticated")
	st, body = cl.sec.JSON("GET", "/api/v1/tours", nil)
	expect(t, "sec list", st, body, 200, "")
	var list struct {
		Tours []TourView `json:"tours"`
	}
	webtest.Decode(t, body, &list)
	for _, v := range list.Tours {
		if v.ID == draft {
			t.Fatal("secretary sees a draft")
		}
	}
	st, body = cl.sec.JSON("GET", fmt.Sprintf("/api/v1/tours/%d", draft), nil)
	expect(t, "sec draft", st, body, 404, "not_found")
	st, body = cl.admin.JSON("GET", fmt.Sprintf("/api/v1/tours/%d", draft), nil)
	expect(t, "admin draft", st, body, 200, "")
	st, body = cl.sec.JSON("GET", "/api/v1/tours/abc", nil)
	expect(t, "forged id", st, body, 404, "")

	// Sign-up: only secretaries; the second of township 0 waits.
	st, body = cl.org.JSON("POST", base+"/signup", nil)
	expect(t, "organizer signup", st, body, 403, "forbidden")
	st, body = cl.sec.JSON("POST", base+"/signup", map[string]string{"note": "素食"})
	expect(t, "sec signup", st, body, 201, "")
	if !strings.Contains(string(body), `"status":"pending"`) {
		t.Fatalf("signup body: %s", body)
	}
	st, body = cl.sec.JSON("POST", base+"/signup", nil)
	expect(t, "twice", st, body, 409, "already_signed_up")
	st, body = cl.sec2.JSON("POST", base+"/signup", nil)
	if st != 201 || !strings.Contains(string(body), `"status":"waitlisted"`) {
		t.Fatalf("waitlist: %d %s", st, body)
	}
	st, body = cl.sec.JSON("POST", fmt.Sprintf("/api/v1/tours/%d/signup", draft), nil)
	expect(t, "draft signup", st, body, 404, "")
	st, body = cl.sec.JSON("POST", base+"/signup", map[string]any{"note": 5})
	expect(t, "wrong type", st, body, 422, "validation_failed")
	st, body = cl.sec.Do("POST", base+"/signup", strings.NewReader("{"), "application/json").StatusCode, nil
	if st != 400 {
		t.Fatalf("malformed JSON: %d, want 400", st)
	}

	// Staff lists: organizer sees own township only, secretaries none.
	st, body = cl.sec.JSON("GET", base+"/signups", nil)
	expect(t, "sec signups", st, body, 403, "")
	st, body = cl.org2.JSON("GET", base+"/signups", nil)
	expect(t, "org2 signups", st, body, 200, "")
	if strings.Contains(string(body), "素食") {
		t.Fatal("organizer of another township sees the sign-up")
	}
	st, body = cl.org.JSON("GET", base+"/signups", nil)
	expect(t, "org signups", st, body, 200, "")
	if !strings.Contains(string(body), "素食") {
		t.Fatalf("organizer misses own township: %s", body)
	}
	sid := signupID(t, db, id, c.Secretaries[0][0])
	approve := fmt.Sprintf("%s/signups/%d/approve", base, sid)
	reject := fmt.Sprintf("%s/signups/%d/reject", base, sid)

	// Approval: secretary 403, other township 403, admin before township 409.
	st, body = cl.sec.JSON("POST", approve, nil)
	expect(t, "sec approve", st, body, 403, "forbidden")
	st, body = cl.org2.JSON("POST", approve, nil)
	expect(t, "org2 approve", st, body, 403, "forbidden")
	st, body = cl.org2.JSON("POST", reject, map[string]string{"reason": "x"})
	expect(t, "org2 reject", st, body, 403, "forbidden")
	st, body = cl.admin.JSON("POST", approve, nil)
	expect(t, "admin first", st, body, 409, "invalid_transition")
	st, body = cl.org.JSON("POST", reject, nil)
	expect(t, "reject without reason", st, body, 422, "validation_failed")
	st, body = cl.org.JSON("POST", approve, nil)
	if st != 200 || !strings.Contains(string(body), `"approved"`) {
		t.Fatalf("org approve: %d %s", st, body)
	}
	st, body = cl.admin.JSON("POST", approve, nil)
	if st != 200 || !strings.Contains(string(body), `"confirmed"`) {
		t.Fatalf("admin approve: %d %s", st, body)
	}

	// Nomination: organizer only own township.
	st, body = cl.org.JSON("POST", base+"/nominations", map[string]any{"user_id": c.Secretaries[1][1]})
	expect(t, "nominate other township", st, body, 403, "forbidden")
	st, body = cl.sec.JSON("POST", base+"/nominations", map[string]any{"user_id": c.Secretaries[0][2]})
	expect(t, "sec nominate", st, body, 403, "")
	st, body = cl.org.JSON("POST", base+"/nominations", map[string]any{})
	expect(t, "nominate nobody", st, body, 422, "")
	st, body = cl.org2.JSON("POST", base+"/nominations", map[string]any{"user_id": c.Secretaries[1][1], "note": "优秀书记"})
	if st != 201 || !strings.Contains(string(body), `"pending"`) {
		t.Fatalf("org2 nominate: %d %s", st, body)
	}

	// Cancel: the confirmed secretary cancels, the waiter is promoted and told.
	st, body = cl.org.JSON("DELETE", base+"/signup", nil)
	expect(t, "org cancel", st, body, 403, "")
	st, body = cl.sec.JSON("DELETE", base+"/signup", nil)
	expect(t, "cancel", st, body, 200, "")
	st, body = cl.sec.JSON("DELETE", base+"/signup", nil)
	expect(t, "cancel again", st, body, 404, "")
	if statusOf(t, db, id, c.Secretaries[0][1]) != seats.StatusPending {
		t.Fatal("waiter not promoted")
	}
	st, body = cl.sec2.JSON("GET", "/api/v1/messages", nil)
	if st != 200 || !strings.Contains(string(body), "递补") || !strings.Contains(string(body), `"unread":2`) ||
		!strings.Contains(string(body), fmt.Sprintf(`"url":"/tours/%d"`, id)) || !strings.Contains(string(body), `"kind":"tour"`) {
		t.Fatalf("messages: %d %s", st, body)
	}
	st, body = cl.sec2.JSON("POST", "/api/v1/messages/read", nil)
	expect(t, "mark read", st, body, 200, "")

	// Reject with reason promotes nobody when nobody waits, tells the person.
	sid2 := signupID(t, db, id, c.Secretaries[0][1])
	st, body = cl.org.JSON("POST", fmt.Sprintf("%s/signups/%d/reject", base, sid2), map[string]string{"reason": "时间冲突"})
	expect(t, "org reject", st, body, 200, "")
	st, body = cl.sec2.JSON("GET", "/api/v1/messages", nil)
	if !strings.Contains(string(body), "时间冲突") {
		t.Fatalf("rejection message: %s", body)
	}

	// Events: admin only.
	st, body = cl.org.JSON("GET", base+"/events", nil)
	expect(t, "org events", st, body, 403, "")
	st, body = cl.admin.JSON("GET", base+"/events", nil)
	if st != 200 || !strings.Contains(string(body), "final_approve") {
		t.Fatalf("events: %d %s", st, body)
	}
}

func tourJSON(c testdb.County, q0, q1, total int) map[string]any {
	now := time.Now()
	return map[string]any{"title": "西柏坡考察", "destination": "河北平山", "itinerary": "参观纪念馆",
		"starts_on": now.AddDate(0, 1, 0).Format("2006-01-02"), "ends_on": now.AddDate(0, 1, 2).Format("2006-01-02"),
		"total_seats": total, "signup_opens_at": now.Add(-time.Hour).Format(time.RFC3339),
		"signup_closes_at": now.Add(24 * time.Hour).Format(time.RFC3339), "cancel_deadline": now.Add(48 * time.Hour).Format(time.RFC3339),
		"status": "open", "quotas": map[string]int{fmt.Sprint(c.Townships[0]): q0, fmt.Sprint(c.Townships[1]): q1}}
}

func TestAPICreateUpdate(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := newServer(t, db)
	cl := makeClients(t, srv, c)

	st, body := cl.org.JSON("POST", "/api/v1/tours", tourJSON(c, 1, 1, 2))
	expect(t, "org create", st, body, 403, "")
	st, body = cl.admin.JSON("POST", "/api/v1/tours", tourJSON(c, 3, 2, 4))
	expect(t, "over total", st, body, 422, "validation_failed")
	if !strings.Contains(string(body), `"quotas"`) {
		t.Fatalf("names the field: %s", body)
	}
	bad := tourJSON(c, 1, 1, 2)
	bad["title"], bad["ends_on"] = "", "2000-01-01"
	st, body = cl.admin.JSON("POST", "/api/v1/tours", bad)
	if st != 422 || !strings.Contains(string(body), `"title"`) || !strings.Contains(string(body), `"ends_on"`) {
		t.Fatalf("fields: %d %s", st, body)
	}
	st, body = cl.admin.JSON("POST", "/api/v1/tours", tourJSON(c, 1, 1, 2))
	expect(t, "create", st, body, 201, "")
	var out struct {
		Tour Tour `json:"tour"`
	}
	webtest.Decode(t, body, &out)
	path := fmt.Sprintf("/api/v1/tours/%d", out.Tour.ID)
	st, body = cl.org.JSON("PUT", path, tourJSON(c, 2, 1, 3))
	expect(t, "org update", st, body, 403, "")
	st, body = cl.admin.JSON("PUT", path, tourJSON(c, 2, 1, 3))
	expect(t, "update", st, body, 200, "")
	st, body = cl.admin.JSON("PUT", "/api/v1/tours/99999", tourJSON(c, 2, 1, 3))
	expect(t, "update unknown", st, body, 404, "")
	st, body = cl.org.JSON("GET", path, nil)
	if st != 200 || !strings.Contains(string(body), `"townships"`) || !strings.Contains(string(body), `"quota":2`) {
		t.Fatalf("org get: %d %s", st, body)
	}
}

func TestAPIDeadlines(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := newServer(t, db)
	cl := makeClients(t, srv, c)
	closed := makeTour(t, db, c, tourOpts{status: TourClosed})
	st, body := cl.sec.JSON("POST", fmt.Sprintf("/api/v1/tours/%d/signup", closed), nil)
	expect(t, "closed", st, body, 409, "signup_closed")
	if !strings.Contains(string(body), "不接受报名") {
		t.Fatalf("Chinese reason: %s", body)
	}
	late := makeTour(t, db, c, tourOpts{cancelIn: -time.Minute})
	st, body = cl.sec.JSON("POST", fmt.Sprintf("/api/v1/tours/%d/signup", late), nil)
	expect(t, "late signup", st, body, 201, "")
	st, body = cl.sec.JSON("DELETE", fmt.Sprintf("/api/v1/tours/%d/signup", late), nil)
	expect(t, "late cancel", st, body, 409, "cancel_deadline_passed")
	if !strings.Contains(string(body), "已过取消截止时间") {
		t.Fatalf("Chinese reason: %s", body)
	}
}

func TestRosterXLSX(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := newServer(t, db)
	cl := makeClients(t, srv, c)
	id := makeTour(t, db, c, tourOpts{quotas: []int{1, 1}})
	s := newStore(db)
	ctx := t.Context()
	mustSignup(t, s, id, c.Secretaries[0][0], "素食")
	mustSignup(t, s, id, c.Secretaries[0][1], "")
	org := &web.Identity{UserID: c.Organizers[1], Role: web.RoleOrganizer, TownshipID: c.Townships[1]}
	if _, err := s.Nominate(ctx, org, id, NominationInput{UserID: c.Secretaries[1][0]}); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v1/tours/%d/roster.xlsx", id)

	// read fetches the roster and reads it back with openpyxl.
	read := func(cl *webtest.Client) map[string]workbooktest.Sheet {
		t.Helper()
		resp := cl.Do("GET", path, nil, "")
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("roster: %d", resp.StatusCode)
		}
		if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''"+url.PathEscape("考察名单-")) {
			t.Fatalf("disposition: %s", cd)
		}
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(resp.Body); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		book := workbooktest.Read(t, buf.Bytes())
		// The branch column is as wide as its longest name (workbook.Measure).
		widest := 0
		for _, r := range book["名单"].Rows[2:] {
			widest = max(widest, workbook.DisplayWidth(r[2]))
		}
		if w, err := f.GetColWidth("名单", "C"); err != nil || w < workbook.ColumnWidth(widest) {
			t.Fatalf("branch column width %v %v, want %v", w, err, workbook.ColumnWidth(widest))
		}
		return book
	}
	book := read(cl.admin)
	list, quotas := book["名单"], book["名额"]
	// Both sheets print on A4 landscape one page wide under a title naming the tour, with
	// the header repeated on every page and frozen on screen (roster_print_test.go prints them).
	for name, what := range map[string]string{"名单": " 考察名单（全县）：江西井冈山，", "名额": " 名额使用（全县）：江西井冈山，"} {
		sh := book[name]
		workbooktest.PrintReady(t, name, sh, true, 2)
		if title := sh.Rows[0][0]; !strings.HasPrefix(title, "井冈山考察") || !strings.Contains(title, what) {
			t.Errorf("%s title %q, want the tour, %q", name, title, what)
		}
	}
	rows := list.Rows[1:]
	if len(rows) != 4 || rows[0][3] != "姓名" || rows[1][0] != "1" {
		t.Fatalf("admin roster: %v", rows)
	}
	joined := fmt.Sprint(rows)
	if !strings.Contains(joined, "素食") || !strings.Contains(joined, "候补中") || !strings.Contains(joined, "推荐：") {
		t.Fatalf("roster content: %v", rows)
	}
	// Admins see every township of the (shared) database; township 0 has 1 seat, held by
	// a pending sign-up, and 1 person waiting.
	var name string
	testdb.Get(t, db, &name, `SELECT name FROM townships WHERE id = $1`, c.Townships[0])
	if !strings.Contains(fmt.Sprint(quotas.Rows), "["+name+" 1 1 0 0 1]") || quotas.Rows[1][1] != "名额" {
		t.Fatalf("quota sheet: %v", quotas.Rows)
	}
	var name2 string
	testdb.Get(t, db, &name2, `SELECT name FROM townships WHERE id = $1`, c.Townships[1])
	if rows := read(cl.org2)["名单"].Rows; len(rows) != 3 || !strings.Contains(rows[0][0], "考察名单（"+name2+"）") {
		t.Fatalf("organizer sees only own township: %v", rows)
	}
	st, body := cl.sec.JSON("GET", path, nil)
	expect(t, "sec roster", st, body, 403, "")
	st, body = cl.admin.JSON("GET", "/api/v1/tours/99999/roster.xlsx", nil)
	expect(t, "unknown roster", st, body, 404, "")
}

func TestPages(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := newServer(t, db)
	cl := makeClients(t, srv, c)
	id := makeTour(t, db, c, tourOpts{quotas: []int{1, 1}})
	testdb.Exec(t, db, `UPDATE tours SET itinerary = $2 WHERE id = $1`, id, "## 第一天\n\n<script>alert(1)</script>\n\n**重温誓词** <img src=x onerror=alert(1)>")
	page := fmt.Sprintf("/tours/%d", id)
	admin := fmt.Sprintf("/admin/tours/%d", id)

	for _, p := range []string{"/tours", page, "/admin/tours", admin, "/admin/tours/new"} {
		if st, _ := cl.anon.Get(p); st != 302 && st != 303 {
			t.Fatalf("anon %s: %d", p, st)
		}
	}
	st, html := cl.sec.Get("/tours")
	if st != 200 || !strings.Contains(html, "本乡镇名额") {
		t.Fatalf("/tours: %d", st)
	}
	st, html = cl.sec.Get(page)
	if st != 200 || !strings.Contains(html, "<strong>重温誓词</strong>") || strings.Contains(html, "<script>alert") || strings.Contains(html, "onerror") || !strings.Contains(html, "我要报名") {
		t.Fatalf("tour page: %d %s", st, html)
	}
	for _, p := range []string{"/admin/tours", admin, "/admin/tours/new", admin + "/edit"} {
		if st, _ := cl.sec.Get(p); st != 403 {
			t.Fatalf("secretary %s: %d", p, st)
		}
	}
	if st, _ := cl.org.Get("/admin/tours/new"); st != 403 {
		t.Fatal("organizer creates tours")
	}
	if st, _ := cl.org.Get(admin + "/edit"); st != 403 {
		t.Fatal("organizer edits tours")
	}

	// Secretary signs up through the form, then the organizer approves through the form.
	resp := cl.sec.Form("POST", page+"/signup", url.Values{"note": {"素食"}})
	if resp.StatusCode != 303 {
		t.Fatalf("signup form: %d", resp.StatusCode)
	}
	sid := signupID(t, db, id, c.Secretaries[0][0])
	if resp := cl.org.Form("POST", fmt.Sprintf("%s/signups/%d/approve", admin, sid), nil); resp.StatusCode != 303 {
		t.Fatalf("approve form: %d", resp.StatusCode)
	}
	if resp := cl.org2.Form("POST", fmt.Sprintf("%s/signups/%d/reject", admin, sid), url.Values{"reason": {"x"}}); resp.StatusCode != 403 {
		t.Fatalf("other township reject form: %d", resp.StatusCode)
	}
	if resp := cl.sec.Form("POST", fmt.Sprintf("%s/signups/%d/approve", admin, sid), nil); resp.StatusCode != 403 {
		t.Fatalf("secretary approve form: %d", resp.StatusCode)
	}
	st, html = cl.admin.Get(admin)
	if st != 200 || !strings.Contains(html, "终审通过") || !strings.Contains(html, "操作记录") {
		t.Fatalf("admin tour page: %d", st)
	}
	if resp := cl.admin.Form("POST", fmt.Sprintf("%s/signups/%d/approve", admin, sid), nil); resp.StatusCode != 303 {
		t.Fatalf("final approve form: %d", resp.StatusCode)
	}
	if statusOf(t, db, id, c.Secretaries[0][0]) != seats.StatusConfirmed {
		t.Fatal("not confirmed")
	}
	st, html = cl.org.Get(admin)
	if st != 200 || !strings.Contains(html, "推荐支部书记") {
		t.Fatalf("organizer tour page: %d", st)
	}
	if st, _ := cl.org2.Get(fmt.Sprintf("/admin/tours/%d", 99999)); st != 404 {
		t.Fatal("unknown tour page")
	}
	// Nominate form: own township ok, other township 403.
	if resp := cl.org.Form("POST", admin+"/nominate", url.Values{"user_id": {fmt.Sprint(c.Secretaries[0][1])}}); resp.StatusCode != 303 {
		t.Fatalf("nominate form: %d", resp.StatusCode)
	}
	if resp := cl.org.Form("POST", admin+"/nominate", url.Values{"user_id": {fmt.Sprint(c.Secretaries[1][1])}}); resp.StatusCode != 403 {
		t.Fatalf("nominate other township: %d", resp.StatusCode)
	}
	// Cancel form.
	if resp := cl.sec2.Form("POST", page+"/cancel", nil); resp.StatusCode != 303 {
		t.Fatalf("cancel form: %d", resp.StatusCode)
	}

	// Create through the form: a quota sum over the total re-renders with 422.
	f := url.Values{"title": {"延安考察"}, "destination": {"陕西延安"}, "starts_on": {"2026-12-01"}, "ends_on": {"2026-12-03"},
		"signup_opens_at": {"2026-11-01T08:00"}, "signup_closes_at": {"2026-11-20T18:00"}, "cancel_deadline": {"2026-11-25T18:00"},
		"status": {"open"}, "total_seats": {"3"}, fmt.Sprintf("quota_%d", c.Townships[0]): {"2"}, fmt.Sprintf("quota_%d", c.Townships[1]): {"2"}}
	resp = cl.admin.Form("POST", "/admin/tours", f)
	if resp.StatusCode != 422 {
		t.Fatalf("over total form: %d", resp.StatusCode)
	}
	f.Set("total_seats", "4")
	f.Set("confirmed", "1") // publishing asks first (TestPublishAsksFirst)
	if resp := cl.admin.Form("POST", "/admin/tours", f); resp.StatusCode != 303 {
		t.Fatalf("create form: %d", resp.StatusCode)
	}
	if resp := cl.org.Form("POST", "/admin/tours", f); resp.StatusCode != 403 {
		t.Fatalf("organizer create form: %d", resp.StatusCode)
	}
	var newID int64
	testdb.Get(t, db, &newID, `SELECT id FROM tours WHERE title = '延安考察'`)
	f.Set("title", "延安革命传统考察")
	if resp := cl.admin.Form("POST", fmt.Sprintf("/admin/tours/%d", newID), f); resp.StatusCode != 303 {
		t.Fatalf("update form: %d", resp.StatusCode)
	}
	if st, html := cl.admin.Get(fmt.Sprintf("/admin/tours/%d/edit", newID)); st != 200 || !strings.Contains(html, "延安革命传统考察") || !strings.Contains(html, "2026-11-20T18:00") {
		t.Fatalf("edit page: %d", st)
	}
}

// toursCards drops the inbox's card (newServer mounts the inbox too).
func toursCards(cards []web.Card) []web.Card {
	var out []web.Card
	for _, c := range cards {
		if c.Link != "/messages" {
			out = append(out, c)
		}
	}
	return out
}

func TestHomeCards(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := newServer(t, db)
	id := makeTour(t, db, c, tourOpts{})
	s := newStore(db)
	mustSignup(t, s, id, c.Secretaries[0][0], "")
	me := &web.Identity{UserID: c.Secretaries[0][0], Role: web.RoleSecretary, TownshipID: c.Townships[0]}
	all, err := srv.HomeCards(t.Context(), me)
	cards := toursCards(all)
	if err != nil || len(cards) != 1 || !strings.Contains(fmt.Sprint(cards[0].Lines), "待乡镇审核") {
		t.Fatalf("secretary card: %+v %v", cards, err)
	}
	// The sign-up's message is counted by the inbox's card, not the tours'.
	if len(all) != 2 || strings.Contains(fmt.Sprint(cards[0].Lines), "未读") {
		t.Fatalf("cards with the inbox: %+v", all)
	}
	org := &web.Identity{UserID: c.Organizers[0], Role: web.RoleOrganizer, TownshipID: c.Townships[0]}
	if all, err = srv.HomeCards(t.Context(), org); err != nil || len(toursCards(all)) != 1 || toursCards(all)[0].Big != "1 人" || !toursCards(all)[0].Accent {
		t.Fatalf("organizer card: %+v", all)
	}
	// The organizer's to-do is due when the tour's sign-up closes, and says so.
	var closes time.Time
	testdb.Get(t, db, &closes, `SELECT signup_closes_at FROM tours WHERE id = $1`, id)
	if oc := toursCards(all)[0]; !oc.Due.Equal(closes) || !strings.Contains(fmt.Sprint(oc.Lines), closes.In(web.China).Format("1月2日 15:04")+"（报名截止）前审核") {
		t.Fatalf("organizer card due %v, lines %v; want due %v", oc.Due, oc.Lines, closes)
	}
	org2 := &web.Identity{UserID: c.Organizers[1], Role: web.RoleOrganizer, TownshipID: c.Townships[1]}
	if all, err = srv.HomeCards(t.Context(), org2); err != nil || len(toursCards(all)) != 1 || toursCards(all)[0].Big != "0 人" || !toursCards(all)[0].Due.IsZero() {
		t.Fatalf("other organizer card: %+v", all)
	}
}

// After signing up the secretary's card says what they have and its status, never
// 「0 个可报名」, and is neither accented nor due; with tours open to them it counts
// those, is accented and due at the nearest sign-up deadline among them.
func TestHomeCardAfterSignup(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := newServer(t, db)
	s := newStore(db)
	// Only this county's townships have quotas, so other tests' tours do not count.
	id := makeTour(t, db, c, tourOpts{})
	var title string
	testdb.Get(t, db, &title, `SELECT title FROM tours WHERE id = $1`, id)
	makeTour(t, db, c, tourOpts{status: TourClosed})
	makeTour(t, db, c, tourOpts{opensIn: time.Hour})
	mustSignup(t, s, id, c.Secretaries[0][0], "")
	me := &web.Identity{UserID: c.Secretaries[0][0], Role: web.RoleSecretary, TownshipID: c.Townships[0]}
	card := func() web.Card {
		t.Helper()
		all, err := srv.HomeCards(t.Context(), me)
		cards := toursCards(all)
		if err != nil || len(cards) != 1 {
			t.Fatalf("cards: %+v %v", all, err)
		}
		return cards[0]
	}
	got := card()
	text := got.Big + fmt.Sprint(got.Lines)
	if strings.Contains(text, "0 个可报名") || !strings.Contains(text, "已报名「"+title+"」，状态：待乡镇审核") || got.Big != "待乡镇审核" {
		t.Fatalf("card after signing up: %+v", got)
	}
	if got.Accent || !got.Due.IsZero() || got.Link != fmt.Sprintf("/tours/%d", id) {
		t.Fatalf("nothing to do now, the card must not be accented or due: %+v", got)
	}

	// Two tours open to the secretary: counted, accented, due at the nearer deadline.
	near := makeTour(t, db, c, tourOpts{closesIn: 10 * time.Hour})
	far := makeTour(t, db, c, tourOpts{closesIn: 30 * time.Hour})
	var closes, farCloses time.Time
	testdb.Get(t, db, &farCloses, `SELECT signup_closes_at FROM tours WHERE id = $1`, far)
	testdb.Get(t, db, &closes, `SELECT signup_closes_at FROM tours WHERE id = $1`, near)
	got = card()
	if got.Big != "2 个可报名" || !got.Accent || !got.Due.Equal(closes) || !strings.Contains(fmt.Sprint(got.Lines), "已报名「"+title+"」") {
		t.Fatalf("card with open tours: %+v, want due %v", got, closes)
	}
	// Signed up for the nearer one: due at the other's deadline; for both: nothing to do.
	mustSignup(t, s, near, c.Secretaries[0][0], "")
	if got = card(); !got.Accent || got.Big != "1 个可报名" || !got.Due.Equal(farCloses) {
		t.Fatalf("card with one open tour left: %+v", got)
	}
	mustSignup(t, s, far, c.Secretaries[0][0], "")
	if got = card(); got.Accent || !got.Due.IsZero() || got.Big != "已报名 3 个" || strings.Contains(got.Big+fmt.Sprint(got.Lines), "可报名") {
		t.Fatalf("card with nothing open: %+v", got)
	}
}
