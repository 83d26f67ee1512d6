package tours

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/seats"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// bigCounty is a county seeded with SQL: townships with perTownship secretaries each
// (one branch each), an organizer per township, an admin and one popular tour that every
// secretary signed up for: quota seats per township held (confirmed, approved, pending in
// turn), the rest waiting, every 10th of them rejected and every 17th cancelled.
type bigCounty struct {
	Townships  []int64
	Organizers []int64
	Admin      int64
	Tour       int64
}

func seedBigCounty(t testing.TB, db *sqlx.DB, townships, perTownship, quota int) bigCounty {
	t.Helper()
	tag := testdb.Unique("县")
	var k bigCounty
	names := make([]string, townships)
	for i := range names {
		names[i] = fmt.Sprintf("%s第%02d镇", tag, i)
	}
	if err := db.Select(&k.Townships, `INSERT INTO townships (name) SELECT unnest($1::text[]) RETURNING id`, pq.Array(names)); err != nil {
		t.Fatal(err)
	}
	testdb.Exec(t, db, `INSERT INTO branches (township_id, name, kind) SELECT tw, $3 || tw || '-' || g || '村党支部', '农村'
		FROM unnest($1::bigint[]) tw, generate_series(1, $2) g`, pq.Array(k.Townships), perTownship, tag)
	testdb.Exec(t, db, `INSERT INTO users (username, name, role, township_id, branch_id, password_hash)
		SELECT $1 || b.id, '书记' || b.id, 'secretary', b.township_id, b.id, 'x' FROM branches b WHERE b.township_id = ANY($2)`,
		tag, pq.Array(k.Townships))
	testdb.Exec(t, db, `UPDATE users SET phone = '16' || lpad(id::text, 9, '0') WHERE township_id = ANY($1) AND role = 'secretary'`,
		pq.Array(k.Townships))
	for _, tw := range k.Townships {
		k.Organizers = append(k.Organizers, testdb.User(t, db, "organizer", testdb.Unique("org"), tw, 0))
	}
	k.Admin = testdb.User(t, db, "admin", testdb.Unique("admin"), 0, 0)
	now := time.Now()
	in := TourInput{Title: testdb.Unique("热门考察"), Destination: "江西井冈山", StartsOn: now.AddDate(0, 1, 0).Format("2006-01-02"),
		EndsOn: now.AddDate(0, 1, 3).Format("2006-01-02"), TotalSeats: quota * townships, Status: TourOpen, Quotas: map[int64]int{},
		SignupOpensAt: now.Add(-time.Hour).Format(time.RFC3339), SignupClosesAt: now.Add(48 * time.Hour).Format(time.RFC3339),
		CancelDeadline: now.Add(72 * time.Hour).Format(time.RFC3339)}
	for _, tw := range k.Townships {
		in.Quotas[tw] = quota
	}
	tour, err := newStore(db).CreateTour(t.Context(), in, k.Admin)
	if err != nil {
		t.Fatalf("create tour: %v", err)
	}
	k.Tour = tour.ID
	testdb.Exec(t, db, `INSERT INTO tour_signups (tour_id, user_id, township_id, status, note, reason)
		SELECT $1, id, township_id,
			CASE WHEN rn <= $3 THEN (ARRAY['confirmed','approved','pending'])[rn % 3 + 1]
				WHEN rn % 17 = 0 THEN 'cancelled' WHEN rn % 10 = 0 THEN 'rejected' ELSE 'waitlisted' END,
			CASE WHEN rn % 4 = 0 THEN '素食' ELSE '' END, CASE WHEN rn % 10 = 0 THEN '名额有限' ELSE '' END
		FROM (SELECT id, township_id, row_number() OVER (PARTITION BY township_id ORDER BY id) AS rn
			FROM users WHERE township_id = ANY($2) AND role = 'secretary') u ORDER BY township_id, rn`,
		k.Tour, pq.Array(k.Townships), quota)
	return k
}

var signupRow = regexp.MustCompile(`<tr id="signup-(\d+)"`)

// rowIDs are the sign-ups a desk page lists.
func rowIDs(html string) []string {
	var ids []string
	for _, m := range signupRow.FindAllStringSubmatch(html, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// shownTotal is the 共 N 条 above the list.
func shownTotal(t *testing.T, html string) string {
	t.Helper()
	m := regexp.MustCompile(`id="total">[^<]*共 <b>(\d+)</b> 条`).FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no total on the page: %s", html)
	}
	return m[1]
}

// count runs a count query of the seeded data.
func count(t *testing.T, db *sqlx.DB, q string, args ...any) string {
	t.Helper()
	var n int
	testdb.Get(t, db, &n, q, args...)
	return fmt.Sprint(n)
}

// The desk's sign-up list is paged on the server and filtered by search, township and
// status; an organizer's list is their township's whatever the query says; the counts
// on top are those of the filter.
func TestDeskPagingAndFilters(t *testing.T) {
	db := testdb.DB(t)
	k := seedBigCounty(t, db, 3, 130, 40)
	srv := newServer(t, db)
	org := webtest.AsUser(t, srv, k.Organizers[0])
	admin := webtest.AsUser(t, srv, k.Admin)
	desk := fmt.Sprintf("/admin/tours/%d", k.Tour)
	get := func(c *webtest.Client, path string) string {
		t.Helper()
		st, html := c.Get(path)
		if st != 200 {
			t.Fatalf("%s: %d %s", path, st, html)
		}
		return html
	}
	inTownship := func(ids []string, tw int64) bool {
		var n int
		testdb.Get(t, db, &n, `SELECT count(*) FROM tour_signups WHERE id = ANY($1::bigint[]) AND township_id <> $2`, pq.Array(ids), tw)
		return n == 0
	}

	// Page 1 and 2 of the organizer: 50 rows each, different people, own township only,
	// the organizer's to-do (待乡镇审核) first.
	p1, p2 := get(org, desk), get(org, desk+"?page=2")
	r1, r2 := rowIDs(p1), rowIDs(p2)
	if len(r1) != web.PageSize || len(r2) != web.PageSize {
		t.Fatalf("rows per page: %d, %d, want %d", len(r1), len(r2), web.PageSize)
	}
	for _, a := range r1 {
		for _, b := range r2 {
			if a == b {
				t.Fatalf("page 2 repeats sign-up %s of page 1", a)
			}
		}
	}
	if !inTownship(append(r1, r2...), k.Townships[0]) {
		t.Fatal("organizer sees another township's sign-ups")
	}
	own := count(t, db, `SELECT count(*) FROM tour_signups WHERE tour_id = $1 AND township_id = $2 AND status <> 'cancelled'`, k.Tour, k.Townships[0])
	if got := shownTotal(t, p1); got != own {
		t.Fatalf("organizer total %s, want %s", got, own)
	}
	if !strings.Contains(p1, `rel="next"`) || !strings.Contains(p2, `rel="prev"`) {
		t.Fatal("no pager links")
	}
	var first string
	testdb.Get(t, db, &first, `SELECT status FROM tour_signups WHERE id = $1`, r1[0])
	if first != seats.StatusPending {
		t.Fatalf("organizer's list starts with %s, want the pending ones", first)
	}

	// Forging ?township= changes nothing for an organizer.
	forged := get(org, fmt.Sprintf("%s?township=%d", desk, k.Townships[1]))
	if ids := rowIDs(forged); len(ids) == 0 || !inTownship(ids, k.Townships[0]) || shownTotal(t, forged) != own {
		t.Fatalf("forged township: %d rows, total %s", len(ids), shownTotal(t, forged))
	}

	// The admin filters by township and status; the totals and counts match the filter.
	byTw := get(admin, fmt.Sprintf("%s?township=%d", desk, k.Townships[1]))
	if ids := rowIDs(byTw); len(ids) != web.PageSize || !inTownship(ids, k.Townships[1]) {
		t.Fatalf("admin township filter: %d rows", len(ids))
	}
	if got, want := shownTotal(t, byTw), count(t, db, `SELECT count(*) FROM tour_signups WHERE tour_id = $1 AND township_id = $2 AND status <> 'cancelled'`, k.Tour, k.Townships[1]); got != want {
		t.Fatalf("admin township total %s, want %s", got, want)
	}
	wl := get(admin, fmt.Sprintf("%s?township=%d&status=waitlisted", desk, k.Townships[1]))
	want := count(t, db, `SELECT count(*) FROM tour_signups WHERE tour_id = $1 AND township_id = $2 AND status = 'waitlisted'`, k.Tour, k.Townships[1])
	if shownTotal(t, wl) != want || !strings.Contains(wl, "候补中 <b>"+want+"</b>") {
		t.Fatalf("waitlisted total/count %s, want %s", shownTotal(t, wl), want)
	}
	var notWaiting int
	testdb.Get(t, db, &notWaiting, `SELECT count(*) FROM tour_signups WHERE id = ANY($1::bigint[]) AND status <> 'waitlisted'`, pq.Array(rowIDs(wl)))
	if notWaiting > 0 {
		t.Fatalf("status filter lets %d others through", notWaiting)
	}
	all := get(admin, desk)
	if got, want := shownTotal(t, all), count(t, db, `SELECT count(*) FROM tour_signups WHERE tour_id = $1 AND status <> 'cancelled'`, k.Tour); got != want {
		t.Fatalf("admin total %s, want %s", got, want)
	}
	if !strings.Contains(all, `<table class="usage">`) || !strings.Contains(all, fmt.Sprintf(`<option value="%d">`, k.Townships[2])) {
		t.Fatal("admin desk misses the quota use or the township filter")
	}
	if strings.Contains(p1, `name="township"`) {
		t.Fatal("organizer is offered a township filter")
	}

	// Search by name, phone and branch finds the person, and only inside the scope.
	var who struct {
		ID     int64  `db:"id"`
		Name   string `db:"name"`
		Phone  string `db:"phone"`
		Branch string `db:"branch"`
	}
	testdb.Get(t, db, &who, `SELECT s.id, u.name, u.phone, b.name AS branch FROM tour_signups s JOIN users u ON u.id = s.user_id
		JOIN branches b ON b.id = u.branch_id WHERE s.tour_id = $1 AND s.township_id = $2 AND s.status = 'waitlisted' ORDER BY s.id DESC LIMIT 1`,
		k.Tour, k.Townships[0])
	for _, q := range []string{who.Name, who.Phone, who.Branch} {
		html := get(org, desk+"?q="+url.QueryEscape(q))
		if ids := rowIDs(html); len(ids) != 1 || ids[0] != fmt.Sprint(who.ID) || shownTotal(t, html) != "1" {
			t.Fatalf("search %q: rows %v", q, ids)
		}
	}
	if ids := rowIDs(get(webtest.AsUser(t, srv, k.Organizers[1]), desk+"?q="+url.QueryEscape(who.Phone))); len(ids) != 0 {
		t.Fatalf("another township's organizer finds the person: %v", ids)
	}

	// What cannot be read is a 400 in Chinese.
	for _, q := range []string{"?page=0", "?page=abc", "?page=-1", "?status=bogus"} {
		st, html := org.Get(desk + q)
		if st != 400 || !strings.Contains(html, "请") && !strings.Contains(html, "页码") {
			t.Fatalf("%s: %d, want 400 in Chinese: %s", q, st, html)
		}
	}
	if st, html := org.Get(desk + "?page=abc"); !strings.Contains(html, "页码应为") || strings.Contains(html, "bad_request") {
		t.Fatalf("bad page: %d %s", st, html)
	}
	if st, _ := admin.Get(desk + "?township=abc"); st != 400 {
		t.Fatalf("admin bad township: %d", st)
	}

	// The staff tour list is paged too.
	if st, _ := admin.Get("/admin/tours?page=0"); st != 400 {
		t.Fatalf("tours list bad page: %d", st)
	}
}

// elements counts the HTML elements of a page (its start tags).
func elements(html string) int {
	return len(regexp.MustCompile(`<[a-zA-Z]`).FindAllStringIndex(html, -1))
}

// With 3,000 secretaries all signed up for one tour, every desk page stays under 100 KB
// and 2,000 elements, and the nominee search shows 20 people, never a 3,000-option list.
func TestDeskSizeAtCountyScale(t *testing.T) {
	db := testdb.DB(t)
	k := seedBigCounty(t, db, 20, 150, 10)
	testdb.Exec(t, db, `UPDATE tour_signups SET status = 'cancelled' WHERE tour_id = $1 AND township_id = $2`, k.Tour, k.Townships[0])
	srv := newServer(t, db)
	desk := fmt.Sprintf("/admin/tours/%d", k.Tour)
	admin, org := webtest.AsUser(t, srv, k.Admin), webtest.AsUser(t, srv, k.Organizers[0])
	for _, p := range []struct {
		who  *webtest.Client
		path string
	}{
		{admin, desk}, {admin, desk + "?page=3"}, {admin, desk + "?status=waitlisted"}, {org, desk}, {admin, "/admin/tours"},
		{webtest.AsUser(t, srv, k.Organizers[1]), desk},
		{org, desk + "?who=" + url.QueryEscape("书记")}, {admin, desk + "?who=" + url.QueryEscape("书记")},
	} {
		st, html := p.who.Get(p.path)
		n := elements(html)
		t.Logf("%s: %d bytes, %d elements", p.path, len(html), n)
		if st != 200 || len(html) > 100<<10 || n > 2000 {
			t.Fatalf("%s: %d, %d bytes, %d elements (limits 100 KB, 2000)", p.path, st, len(html), n)
		}
		if strings.Contains(p.path, "who=") {
			if got := strings.Count(html, `name="user_id"`); got != seats.NomineeLimit || !strings.Contains(html, "只显示前 20 位") {
				t.Fatalf("nominee search shows %d people", got)
			}
			if strings.Contains(html, "<select id=\"user_id\"") {
				t.Fatal("nominee select is back")
			}
		}
	}
	// The nominee search of an organizer finds only their own township's secretaries.
	_, html := org.Get(desk + "?who=" + url.QueryEscape("书记"))
	var other string
	testdb.Get(t, db, &other, `SELECT name FROM townships WHERE id = $1`, k.Townships[1])
	if strings.Contains(html, other) {
		t.Fatal("organizer's nominee search shows another township")
	}
}

// The store keeps an organizer inside their township even when the filter asks for
// another (the handler drops ?township= for organizers too: two locks, each tested).
func TestSignupPageScope(t *testing.T) {
	db := testdb.DB(t)
	k := seedBigCounty(t, db, 2, 10, 3)
	s := newStore(db)
	own := web.Scope{TownshipID: k.Townships[0]}
	p, err := s.SignupPage(t.Context(), k.Tour, own, SignupFilter{TownshipID: k.Townships[1]}, seats.StatusPending, 0, web.PageSize)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Rows {
		if r.TownshipID != k.Townships[0] {
			t.Fatalf("organizer's page holds township %d", r.TownshipID)
		}
	}
	if len(p.Rows) == 0 || p.Total != len(p.Rows) {
		t.Fatalf("rows %d, total %d", len(p.Rows), p.Total)
	}
}
