package tours

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"zhibu/app/seats"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
	"zhibu/app/workbook/workbooktest"
)

// fieldsOf returns error.fields of an API error body.
func fieldsOf(t *testing.T, body []byte) map[string]string {
	t.Helper()
	var e struct {
		Error struct {
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body: %v: %s", err, body)
	}
	return e.Error.Fields
}

// expectField checks a 422 validation_failed that names the field.
func expectField(t *testing.T, what string, status int, body []byte, field string) {
	t.Helper()
	expect(t, what, status, body, 422, "validation_failed")
	if fieldsOf(t, body)[field] == "" {
		t.Fatalf("%s: fields do not name %q: %s", what, field, body)
	}
}

// Text PostgreSQL refuses (NUL, invalid UTF-8) or that displays as something else (control
// and bidi characters) is a 422 naming the field, on every text input of the tours, never
// a 500; line breaks stay allowed in free text.
func TestControlCharactersRefused(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := newServer(t, db)
	cl := makeClients(t, srv, c)
	id := makeTour(t, db, c, tourOpts{quotas: []int{3, 3}})
	base := fmt.Sprintf("/api/v1/tours/%d", id)

	for _, bad := range []string{"素食\x00", "素\u202e食", "a\x1bb", "\ufeff素食"} {
		st, body := cl.sec.JSON("POST", base+"/signup", map[string]string{"note": bad})
		expectField(t, fmt.Sprintf("signup note %q", bad), st, body, "note")
		st, body = cl.org.JSON("POST", base+"/nominations", map[string]any{"user_id": c.Secretaries[0][2], "note": bad})
		expectField(t, fmt.Sprintf("nomination note %q", bad), st, body, "note")
	}
	if statusOf(t, db, id, c.Secretaries[0][0]) != "" || statusOf(t, db, id, c.Secretaries[0][2]) != "" {
		t.Fatal("a refused sign-up was saved")
	}
	// The form path refuses invalid UTF-8 and NUL with 422 as well.
	for _, bad := range []string{"素\xff食", "素\x00食"} {
		if resp := cl.sec.Form("POST", fmt.Sprintf("/tours/%d/signup", id), url.Values{"note": {bad}}); resp.StatusCode != 422 {
			t.Fatalf("signup form note %q: %d", bad, resp.StatusCode)
		}
	}
	// A multi-line note is fine.
	st, body := cl.sec.JSON("POST", base+"/signup", map[string]string{"note": "素食\n不吃辣\t谢谢"})
	expect(t, "multi-line note", st, body, 201, "")

	// Rejection reasons.
	sid := signupID(t, db, id, c.Secretaries[0][0])
	reject := fmt.Sprintf("%s/signups/%d/reject", base, sid)
	st, body = cl.org.JSON("POST", reject, map[string]string{"reason": "时间\x00冲突"})
	expectField(t, "reject reason NUL", st, body, "reason")
	st, body = cl.org.JSON("POST", reject, map[string]string{"reason": "\u202e突冲间时"})
	expectField(t, "reject reason bidi", st, body, "reason")
	if resp := cl.org.Form("POST", fmt.Sprintf("/admin/tours/%d/signups/%d/reject", id, sid), url.Values{"reason": {"时间\xff冲突"}}); resp.StatusCode != 422 {
		t.Fatalf("reject form invalid UTF-8: %d", resp.StatusCode)
	}
	if statusOf(t, db, id, c.Secretaries[0][0]) != seats.StatusPending {
		t.Fatal("a refused rejection changed the sign-up")
	}

	// Tour title, destination, itinerary and status, through the API (create and update).
	for field, bad := range map[string]string{"title": "西柏坡\x00考察", "destination": "河北\u202d平山", "itinerary": "第一天\x00",
		"status": "open\x00"} {
		in := tourJSON(c, 1, 1, 2)
		in[field] = bad
		st, body := cl.admin.JSON("POST", "/api/v1/tours", in)
		expectField(t, "create "+field, st, body, field)
		st, body = cl.admin.JSON("PUT", base, in)
		expectField(t, "update "+field, st, body, field)
	}
	in := tourJSON(c, 1, 1, 2)
	in["itinerary"] = "## 第一天\r\n\n\t参观纪念馆"
	st, body = cl.admin.JSON("POST", "/api/v1/tours", in)
	expect(t, "multi-line itinerary", st, body, 201, "")

	// And through the form, where invalid UTF-8 can arrive.
	f := url.Values{"title": {"延安\xff考察"}, "destination": {"陕西延安"}, "starts_on": {"2026-12-01"}, "ends_on": {"2026-12-03"},
		"signup_opens_at": {"2026-11-01T08:00"}, "signup_closes_at": {"2026-11-20T18:00"}, "cancel_deadline": {"2026-11-25T18:00"},
		"status": {"open"}, "total_seats": {"2"}}
	if resp := cl.admin.Form("POST", "/admin/tours", f); resp.StatusCode != 422 {
		t.Fatalf("create form invalid UTF-8 title: %d", resp.StatusCode)
	}
	f.Set("title", "延安考察")
	f.Set("itinerary", "第一天\x00")
	if resp := cl.admin.Form("POST", "/admin/tours", f); resp.StatusCode != 422 {
		t.Fatalf("create form NUL itinerary: %d", resp.StatusCode)
	}
}

// Seats, quotas and dates out of range are a 422 naming the field, never a 500 from an
// integer or date PostgreSQL cannot store.
func TestNumbersOutOfRange(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := newServer(t, db)
	cl := makeClients(t, srv, c)
	id := makeTour(t, db, c, tourOpts{})
	path := fmt.Sprintf("/api/v1/tours/%d", id)
	q0 := fmt.Sprintf("quota_%d", c.Townships[0])

	cases := []struct {
		name, field string
		change      func(in map[string]any)
	}{
		{"total 2^31", "total_seats", func(in map[string]any) { in["total_seats"] = 1 << 31 }},
		{"total 2^53", "total_seats", func(in map[string]any) { in["total_seats"] = int64(1) << 53 }},
		{"total above max", "total_seats", func(in map[string]any) { in["total_seats"] = seats.MaxSeats + 1 }},
		{"total zero", "total_seats", func(in map[string]any) { in["total_seats"] = 0 }},
		{"total negative", "total_seats", func(in map[string]any) { in["total_seats"] = -1 }},
		{"quota 2^31", q0, func(in map[string]any) {
			in["total_seats"] = seats.MaxSeats
			in["quotas"] = map[string]int64{fmt.Sprint(c.Townships[0]): 1 << 31}
		}},
		{"quota negative", q0, func(in map[string]any) { in["quotas"] = map[string]int64{fmt.Sprint(c.Townships[0]): -5} }},
		{"year 0", "starts_on", func(in map[string]any) { in["starts_on"] = "0000-01-01" }},
		{"year 1999", "ends_on", func(in map[string]any) { in["ends_on"] = "1999-12-31" }},
		{"year 9999", "signup_opens_at", func(in map[string]any) { in["signup_opens_at"] = "9999-01-01T08:00" }},
		{"year 0 time", "cancel_deadline", func(in map[string]any) { in["cancel_deadline"] = "0000-01-01T00:00:00Z" }},
	}
	for _, tc := range cases {
		in := tourJSON(c, 1, 1, 2)
		tc.change(in)
		st, body := cl.admin.JSON("POST", "/api/v1/tours", in)
		expectField(t, "create "+tc.name, st, body, tc.field)
		st, body = cl.admin.JSON("PUT", path, in)
		expectField(t, "update "+tc.name, st, body, tc.field)
	}

	// The form: total_seats and quotas of 2^31 re-render the form with 422.
	f := url.Values{"title": {"延安考察"}, "destination": {"陕西延安"}, "starts_on": {"2026-12-01"}, "ends_on": {"2026-12-03"},
		"signup_opens_at": {"2026-11-01T08:00"}, "signup_closes_at": {"2026-11-20T18:00"}, "cancel_deadline": {"2026-11-25T18:00"},
		"status": {"open"}, "total_seats": {"2147483648"}}
	for _, p := range []string{"/admin/tours", fmt.Sprintf("/admin/tours/%d", id)} {
		resp := cl.admin.Form("POST", p, f)
		if resp.StatusCode != 422 {
			t.Fatalf("form %s total 2^31: %d", p, resp.StatusCode)
		}
		f2 := url.Values{}
		for k, v := range f {
			f2[k] = v
		}
		f2.Set("total_seats", "5")
		f2.Set(q0, "2147483648")
		if resp := cl.admin.Form("POST", p, f2); resp.StatusCode != 422 {
			t.Fatalf("form %s quota 2^31: %d", p, resp.StatusCode)
		}
	}
	var n int
	testdb.Get(t, db, &n, `SELECT count(*) FROM tours WHERE title = '延安考察'`)
	if n != 0 {
		t.Fatal("a refused tour was saved")
	}
}

// What happens to a sign-up lands in the person's inbox (kind tour, the tour's page as
// url); the tours pages link to it with the unread count and never mark anything read.
func TestMessagesGoToTheInbox(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := newServer(t, db)
	cl := makeClients(t, srv, c)
	id := makeTour(t, db, c, tourOpts{})
	s := newStore(db)
	if _, err := s.Signup(t.Context(), id, c.Secretaries[0][0], ""); err != nil {
		t.Fatal(err)
	}
	sid := signupID(t, db, id, c.Secretaries[0][0])
	if _, err := s.Decide(t.Context(), id, sid, Actor{UserID: c.Organizers[0], Role: "organizer", Scope: web.Scope{TownshipID: c.Townships[0]}}, true, ""); err != nil {
		t.Fatal(err)
	}
	me := c.Secretaries[0][0]
	unread := func() int {
		t.Helper()
		n := 0
		for _, m := range messagesOf(t, db, me) {
			if !m.Read {
				n++
			}
		}
		return n
	}
	ms := messagesOf(t, db, me)
	if len(ms) != 2 || !strings.Contains(ms[0].Title, "报名已通过乡镇审核") || !strings.Contains(ms[0].Body, "等待县委组织部终审") ||
		!strings.Contains(ms[1].Title, "报名已提交") || ms[0].URL != fmt.Sprintf("/tours/%d", id) || ms[1].URL != ms[0].URL {
		t.Fatalf("messages: %+v", ms)
	}
	for i := 0; i < 2; i++ {
		st, html := cl.sec.Get("/tours")
		if st != 200 || !strings.Contains(html, `href="/messages"`) || !strings.Contains(html, "2 条未读") || unread() != 2 {
			t.Fatalf("/tours visit %d: %d, %d unread, the inbox link not shown or messages marked read", i+1, st, unread())
		}
	}
	if st, _ := cl.sec.Get(fmt.Sprintf("/tours/%d", id)); st != 200 || unread() != 2 {
		t.Fatalf("opening the tour page marked messages read")
	}
	// The old message routes are gone: the inbox replaces them.
	for _, p := range []string{"/api/v1/tours/messages", "/tours/messages/read"} {
		if st, _ := cl.sec.JSON("POST", p, nil); st != 404 && st != 405 {
			t.Fatalf("%s still answers %d", p, st)
		}
	}
	if st, _ := cl.sec.JSON("GET", "/api/v1/tours/messages", nil); st != 404 {
		t.Fatalf("GET /api/v1/tours/messages answers %d", st)
	}
	// Read in the inbox: the tours page no longer shows the link.
	if st, body := cl.sec.JSON("POST", "/api/v1/messages/read", nil); st != 200 || unread() != 0 {
		t.Fatalf("mark all read: %d %s", st, body)
	}
	if _, html := cl.sec.Get("/tours"); strings.Contains(html, "条未读") {
		t.Fatal("read messages still counted on /tours")
	}
}

// Forged ids in route parameters and query strings answer 404 (or 403 for a role that may
// not call the route at all), never 500.
func TestForgedIDs(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := newServer(t, db)
	cl := makeClients(t, srv, c)
	id := makeTour(t, db, c, tourOpts{})
	draft := makeTour(t, db, c, tourOpts{status: TourDraft})
	s := newStore(db)
	mustSignup(t, s, id, c.Secretaries[1][0], "")
	otherSignup := signupID(t, db, id, c.Secretaries[1][0])
	ids := []string{"0", "-1", "9223372036854775807", "9223372036854775808", "1e3", "abc", "%00", "1.5"}
	for _, x := range ids {
		for _, r := range []struct {
			who          *webtest.Client
			method, path string
			body         any
		}{
			{cl.sec, "GET", "/api/v1/tours/" + x, nil},
			{cl.admin, "PUT", "/api/v1/tours/" + x, tourJSON(c, 1, 1, 2)},
			{cl.sec, "POST", "/api/v1/tours/" + x + "/signup", nil},
			{cl.sec, "DELETE", "/api/v1/tours/" + x + "/signup", nil},
			{cl.org, "GET", "/api/v1/tours/" + x + "/signups", nil},
			{cl.org, "POST", "/api/v1/tours/" + x + "/nominations", map[string]any{"user_id": c.Secretaries[0][1]}},
			{cl.org, "POST", "/api/v1/tours/" + x + "/signups/1/approve", nil},
			{cl.org, "POST", fmt.Sprintf("/api/v1/tours/%d/signups/%s/approve", id, x), nil},
			{cl.org, "POST", fmt.Sprintf("/api/v1/tours/%d/signups/%s/reject", id, x), map[string]string{"reason": "x"}},
			{cl.admin, "GET", "/api/v1/tours/" + x + "/events", nil},
			{cl.org, "GET", "/api/v1/tours/" + x + "/roster.xlsx", nil},
			{cl.sec, "GET", "/tours/" + x, nil},
			{cl.org, "GET", "/admin/tours/" + x, nil},
			{cl.admin, "GET", "/admin/tours/" + x + "/edit", nil},
		} {
			st, body := r.who.JSON(r.method, r.path, r.body)
			if st != 404 {
				t.Errorf("%s %s: %d, want 404: %.200s", r.method, r.path, st, body)
			}
		}
		// Nominating a forged user id.
		var uid any = x
		if n, err := json.Number(x).Int64(); err == nil {
			uid = n
		}
		st, body := cl.org.JSON("POST", fmt.Sprintf("/api/v1/tours/%d/nominations", id), map[string]any{"user_id": uid})
		if st >= 500 || st == 201 || st == 200 {
			t.Errorf("nominate user %s: %d %s", x, st, body)
		}
		resp := cl.org.Form("POST", fmt.Sprintf("/admin/tours/%d/nominate", id), url.Values{"user_id": {x}})
		if resp.StatusCode >= 500 || resp.StatusCode == 303 {
			t.Errorf("nominate form user %s: %d", x, resp.StatusCode)
		}
	}
	// Other townships' data and drafts: 403 or 404.
	for _, r := range []struct {
		who          *webtest.Client
		method, path string
		want         int
	}{
		{cl.org, "POST", fmt.Sprintf("/api/v1/tours/%d/signups/%d/approve", id, otherSignup), 403},
		{cl.org, "POST", fmt.Sprintf("/api/v1/tours/%d/signups/%d/approve", draft, otherSignup), 404},
		{cl.sec, "GET", fmt.Sprintf("/api/v1/tours/%d", draft), 404},
		{cl.org, "GET", fmt.Sprintf("/api/v1/tours/%d/roster.xlsx", draft), 404},
		{cl.sec, "GET", fmt.Sprintf("/api/v1/tours/%d/roster.xlsx", id), 403},
	} {
		if st, body := r.who.JSON(r.method, r.path, nil); st != r.want {
			t.Errorf("%s %s: %d, want %d: %.200s", r.method, r.path, st, r.want, body)
		}
	}
}

// Every text a person typed reaches the roster as text: a value that a spreadsheet would
// read as a formula starts with an apostrophe, and no cell is a formula.
func TestRosterCellsAreText(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := newServer(t, db)
	cl := makeClients(t, srv, c)
	id := makeTour(t, db, c, tourOpts{quotas: []int{2, 2}})
	hostile := map[string]string{
		"name": `=HYPERLINK("http://x","y")`, "branch": "+1", "township": "-2", "note": "@SUM(A1)", "reason": "=1+1",
	}
	testdb.Exec(t, db, `UPDATE users SET name = $2 WHERE id = $1`, c.Secretaries[0][0], hostile["name"])
	testdb.Exec(t, db, `UPDATE branches SET name = $2 WHERE id = (SELECT branch_id FROM users WHERE id = $1)`, c.Secretaries[0][0], hostile["branch"])
	testdb.Exec(t, db, `UPDATE townships SET name = $2 WHERE id = $1`, c.Townships[0], hostile["township"])
	s := newStore(db)
	if _, err := s.Signup(t.Context(), id, c.Secretaries[0][0], hostile["note"]); err != nil {
		t.Fatal(err)
	}
	mustSignup(t, s, id, c.Secretaries[0][1], "")
	// The store trims notes; a tab-led note can still reach the roster from older data.
	testdb.Exec(t, db, `UPDATE tour_signups SET note = $3 WHERE tour_id = $1 AND user_id = $2`, id, c.Secretaries[0][1], "\t=cmd")
	sid := signupID(t, db, id, c.Secretaries[0][1])
	if _, err := s.Decide(t.Context(), id, sid, Actor{UserID: c.Admin, Role: "admin", Scope: web.Scope{All: true}}, false, hostile["reason"]); err != nil {
		t.Fatal(err)
	}

	resp := cl.admin.Do("GET", fmt.Sprintf("/api/v1/tours/%d/roster.xlsx", id), nil, "")
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("roster: %d", resp.StatusCode)
	}
	want := []string{"\t=cmd"}
	for _, v := range hostile {
		want = append(want, v)
	}
	workbooktest.KeepsText(t, "roster", buf.Bytes(), want...)
}
