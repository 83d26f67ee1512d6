package tours

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"zhibu/app/hours"
	"zhibu/app/seats"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// A tour's 学时 in the one ledger (app/hours, source 'tour'): written when a sign-up is
// confirmed, withdrawn when it leaves confirmed, rewritten when the tour's 学时 change.

// ledgerRow is a person's ledger entry of a tour, as stored.
type ledgerRow struct {
	ID         int64         `db:"id"`
	Year       int           `db:"year"`
	Hours      float64       `db:"hours"`
	Note       string        `db:"note"`
	CreditedBy sql.NullInt64 `db:"credited_by"`
	Revoked    bool          `db:"revoked"`
	Reason     string        `db:"revoke_reason"`
}

// ledgerOf returns every ledger entry (revoked ones too) of the person for the tour.
func ledgerOf(t testing.TB, db *sqlx.DB, tourID, userID int64) []ledgerRow {
	t.Helper()
	var rows []ledgerRow
	if err := db.Select(&rows, `SELECT id, year, hours::float8 AS hours, note, credited_by, revoked_at IS NOT NULL AS revoked, revoke_reason
		FROM hour_credits WHERE source = 'tour' AND source_id = $1 AND user_id = $2 ORDER BY id`, tourID, userID); err != nil {
		t.Fatal(err)
	}
	return rows
}

// counting returns how many of the person's entries for the tour count, and their 学时.
func counting(t testing.TB, db *sqlx.DB, tourID, userID int64) (n int, sum float64) {
	t.Helper()
	if err := db.QueryRow(`SELECT count(*), COALESCE(sum(hours), 0)::float8 FROM hour_credits
		WHERE source = 'tour' AND source_id = $1 AND user_id = $2 AND revoked_at IS NULL`, tourID, userID).Scan(&n, &sum); err != nil {
		t.Fatal(err)
	}
	return n, sum
}

// wantCounting fails unless exactly the expected entries count (n 0: none).
func wantCounting(t testing.TB, db *sqlx.DB, what string, tourID, userID int64, n int, sum float64) {
	t.Helper()
	if gn, gs := counting(t, db, tourID, userID); gn != n || math.Abs(gs-sum) > 1e-9 {
		t.Fatalf("%s: %d entries counting with %.2f 学时, want %d with %.2f; ledger: %+v", what, gn, gs, n, sum, ledgerOf(t, db, tourID, userID))
	}
}

func actors(c testdb.County, township int) (org, admin Actor) {
	return Actor{UserID: c.Organizers[township], Role: web.RoleOrganizer, Scope: web.Scope{TownshipID: c.Townships[township]}},
		Actor{UserID: c.Admin, Role: web.RoleAdmin, Scope: web.Scope{All: true}}
}

// confirm signs the secretary (of the first township) up and approves twice.
func confirm(t testing.TB, s *Store, db *sqlx.DB, c testdb.County, tourID, userID int64) int64 {
	t.Helper()
	ctx := context.Background()
	if st := mustSignup(t, s, tourID, userID, ""); st != seats.StatusPending {
		t.Fatalf("sign-up: %s", st)
	}
	sid := signupID(t, db, tourID, userID)
	org, admin := actors(c, 0)
	if st, err := s.Decide(ctx, tourID, sid, org, true, ""); err != nil || st != seats.StatusApproved {
		t.Fatalf("organizer: %s %v", st, err)
	}
	if n, _ := counting(t, db, tourID, userID); n != 0 {
		t.Fatal("the township's approval credited 学时")
	}
	if st, err := s.Decide(ctx, tourID, sid, admin, true, ""); err != nil || st != seats.StatusConfirmed {
		t.Fatalf("admin: %s %v", st, err)
	}
	return sid
}

// updateHours saves the tour with other 学时 (and year, 0: unchanged) as an admin would.
func updateHours(t testing.TB, s *Store, db *sqlx.DB, c testdb.County, tourID int64, h float64, year int) {
	t.Helper()
	tour, err := s.Tour(context.Background(), tourID)
	if err != nil {
		t.Fatal(err)
	}
	in := tour.Input()
	in.Hours = h
	if year != 0 {
		in.Year = year
	}
	var quotas []struct {
		TownshipID int64 `db:"township_id"`
		Seats      int   `db:"seats"`
	}
	if err := db.Select(&quotas, `SELECT township_id, seats FROM tour_quotas WHERE tour_id = $1`, tourID); err != nil {
		t.Fatal(err)
	}
	in.Quotas = map[int64]int{}
	for _, q := range quotas {
		in.Quotas[q.TownshipID] = q.Seats
	}
	if _, err := s.UpdateTour(context.Background(), tourID, in, c.Admin); err != nil {
		t.Fatalf("update hours to %v: %v", h, err)
	}
}

// The county's final approval writes one entry: the tour's 学时, the tour's year (not the
// year of today), its title, the admin who confirmed; the ledger counts it as 线下.
// Cancelling withdraws it (it stays, with the reason); confirming again restores the same
// entry; a confirmed sign-up the county rejects is withdrawn too.
func TestConfirmCreditsTourHours(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	s := newStore(db)
	ctx := context.Background()
	id := makeTour(t, db, c, tourOpts{hours: 6.5, year: 2031, quotas: []int{3, 1}})
	tour, err := s.Tour(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if tour.Hours != 6.5 || tour.Year != 2031 {
		t.Fatalf("tour: %v 学时, year %d", tour.Hours, tour.Year)
	}
	sec := c.Secretaries[0][0]
	confirm(t, s, db, c, id, sec)

	rows := ledgerOf(t, db, id, sec)
	if len(rows) != 1 {
		t.Fatalf("entries: %+v", rows)
	}
	if e := rows[0]; e.Year != 2031 || e.Hours != 6.5 || e.Note != tour.Title || e.Revoked || e.CreditedBy.Int64 != c.Admin {
		t.Fatalf("entry: %+v (want 2031, 6.5, %q, by %d)", e, tour.Title, c.Admin)
	}
	sum, err := hours.NewStore(db).Mine(ctx, sec, 2031)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Offline != 6.5 || sum.Online != 0 || sum.Total != 6.5 {
		t.Fatalf("my 学时 of 2031: %+v", sum.Totals)
	}
	entry := rows[0].ID

	// Cancel: the entry stays but no longer counts, and says why.
	if err := s.Cancel(ctx, id, sec); err != nil {
		t.Fatal(err)
	}
	wantCounting(t, db, "after cancel", id, sec, 0, 0)
	if rows := ledgerOf(t, db, id, sec); len(rows) != 1 || !rows[0].Revoked || !strings.Contains(rows[0].Reason, "取消") {
		t.Fatalf("after cancel: %+v", rows)
	}

	// Signing up again and being confirmed again: the same entry counts again.
	confirm(t, s, db, c, id, sec)
	wantCounting(t, db, "re-confirmed", id, sec, 1, 6.5)
	if rows := ledgerOf(t, db, id, sec); len(rows) != 1 || rows[0].ID != entry {
		t.Fatalf("re-confirmed: %+v", rows)
	}

	// The county rejects a confirmed participant: withdrawn with the reason.
	_, admin := actors(c, 0)
	if _, err := s.Decide(ctx, id, signupID(t, db, id, sec), admin, false, "身体原因不宜远行"); err != nil {
		t.Fatal(err)
	}
	wantCounting(t, db, "rejected", id, sec, 0, 0)
	if rows := ledgerOf(t, db, id, sec); len(rows) != 1 || !strings.Contains(rows[0].Reason, "身体原因不宜远行") {
		t.Fatalf("rejected: %+v", rows)
	}

	// Cancelling a sign-up that was never confirmed touches nobody's ledger; another
	// person's entry is untouched by all of this.
	sec2 := c.Secretaries[0][1]
	confirm(t, s, db, c, id, sec2)
	sec3 := c.Secretaries[0][2]
	mustSignup(t, s, id, sec3, "")
	if err := s.Cancel(ctx, id, sec3); err != nil {
		t.Fatal(err)
	}
	wantCounting(t, db, "never confirmed", id, sec3, 0, 0)
	wantCounting(t, db, "the other participant", id, sec2, 1, 6.5)
}

// Confirming the same sign-up twice, or from many requests at once, writes one entry and
// one line of its trail.
func TestConfirmOnceHoweverOften(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	s := newStore(db)
	ctx := context.Background()
	id := makeTour(t, db, c, tourOpts{hours: 4})
	org, admin := actors(c, 0)

	for round, sec := range c.Secretaries[0][:2] {
		mustSignup(t, s, id, sec, "")
		sid := signupID(t, db, id, sec)
		if _, err := s.Decide(ctx, id, sid, org, true, ""); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Decide(ctx, id, sid, admin, true, "")
				if err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				} else if we := web.AsError(errorTable.Map(seats.Errors.Map(err))); we.Status != 409 {
					t.Errorf("round %d: %v", round, err)
				}
			}()
		}
		wg.Wait()
		if ok != 1 {
			t.Fatalf("round %d: %d confirmations succeeded", round, ok)
		}
		// And once more, after the fact: refused, nothing written.
		_, err := s.Decide(ctx, id, sid, admin, true, "")
		wantCode(t, err, 409, "invalid_transition")
		wantCounting(t, db, "confirmed", id, sec, 1, 4)
		var events int
		testdb.Get(t, db, &events, `SELECT count(*) FROM hour_credit_events e JOIN hour_credits hc ON hc.id = e.credit_id
			WHERE hc.source = 'tour' AND hc.source_id = $1 AND hc.user_id = $2 AND e.action = 'credit'`, id, sec)
		if events != 1 {
			t.Fatalf("round %d: %d credit events", round, events)
		}
	}
}

// A tour of 0 学时 writes nothing at any step.
func TestZeroHourTourWritesNothing(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	s := newStore(db)
	id := makeTour(t, db, c, tourOpts{})
	sec := c.Secretaries[0][0]
	confirm(t, s, db, c, id, sec)
	if rows := ledgerOf(t, db, id, sec); len(rows) != 0 {
		t.Fatalf("0 学时 wrote %+v", rows)
	}
	if err := s.Cancel(context.Background(), id, sec); err != nil {
		t.Fatal(err)
	}
	if rows := ledgerOf(t, db, id, sec); len(rows) != 0 {
		t.Fatalf("0 学时 after cancel: %+v", rows)
	}
}

// Changing a tour's 学时 or year after people were confirmed moves their entries along:
// the new 学时, 0 (nothing counts), back from 0, another year. An entry the county
// revoked by hand stays revoked; people not confirmed get nothing.
func TestChangingTourHoursMovesEntries(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	s := newStore(db)
	ctx := context.Background()
	id := makeTour(t, db, c, tourOpts{hours: 4, year: 2030, quotas: []int{4, 1}})
	a, b, waiting := c.Secretaries[0][0], c.Secretaries[0][1], c.Secretaries[0][2]
	confirm(t, s, db, c, id, a)
	confirm(t, s, db, c, id, b)
	mustSignup(t, s, id, waiting, "") // pending: no 学时 whatever the tour's
	entryB := ledgerOf(t, db, id, b)[0].ID

	// The county revokes b's entry by hand.
	me := &web.Identity{UserID: c.Admin, Role: web.RoleAdmin}
	if _, err := hours.NewStore(db).Revoke(ctx, me, entryB, hours.RevokeInput{Reason: "重复记录"}); err != nil {
		t.Fatal(err)
	}

	updateHours(t, s, db, c, id, 6, 0)
	wantCounting(t, db, "4 → 6", id, a, 1, 6)
	wantCounting(t, db, "revoked by hand, 4 → 6", id, b, 0, 0)
	wantCounting(t, db, "pending, 4 → 6", id, waiting, 0, 0)
	if rows := ledgerOf(t, db, id, a); len(rows) != 1 || rows[0].Year != 2030 {
		t.Fatalf("4 → 6: %+v", rows)
	}

	updateHours(t, s, db, c, id, 0, 0)
	wantCounting(t, db, "6 → 0", id, a, 0, 0)
	if rows := ledgerOf(t, db, id, a); len(rows) != 1 || !strings.Contains(rows[0].Reason, "考察学时由 6 改为 0") {
		t.Fatalf("6 → 0: %+v", rows)
	}

	updateHours(t, s, db, c, id, 2.5, 2031)
	wantCounting(t, db, "0 → 2.5", id, a, 1, 2.5)
	wantCounting(t, db, "revoked by hand, 0 → 2.5", id, b, 0, 0)
	if rows := ledgerOf(t, db, id, a); len(rows) != 1 || rows[0].Year != 2031 {
		t.Fatalf("0 → 2.5 in 2031: %+v", rows)
	}

	// The year alone: the entry moves to the new year with the same 学时.
	updateHours(t, s, db, c, id, 2.5, 2032)
	wantCounting(t, db, "2031 → 2032", id, a, 1, 2.5)
	if rows := ledgerOf(t, db, id, a); len(rows) != 1 || rows[0].Year != 2032 {
		t.Fatalf("2031 → 2032: %+v", rows)
	}

	// Saving without changing 学时 or year writes nothing to the trail.
	var before, after int
	testdb.Get(t, db, &before, `SELECT count(*) FROM hour_credit_events`)
	updateHours(t, s, db, c, id, 2.5, 0)
	testdb.Get(t, db, &after, `SELECT count(*) FROM hour_credit_events`)
	if after != before {
		t.Fatalf("an unchanged save wrote %d ledger events", after-before)
	}
}

// 学时 on the API and the form: stored, read back, shown on the tour page; negative,
// absurd, too fine or no number → 422 naming "hours", nothing saved.
func TestTourHoursInput(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := newServer(t, db)
	cl := makeClients(t, srv, c)

	in := tourJSON(c, 1, 1, 2)
	in["hours"] = 12.5
	st, body := cl.admin.JSON("POST", "/api/v1/tours", in)
	expect(t, "create with hours", st, body, 201, "")
	var out struct {
		Tour Tour `json:"tour"`
	}
	webtest.Decode(t, body, &out)
	if out.Tour.Hours != 12.5 {
		t.Fatalf("hours: %s", body)
	}
	path := fmt.Sprintf("/api/v1/tours/%d", out.Tour.ID)
	st, body = cl.sec.JSON("GET", path, nil)
	if st != 200 || !strings.Contains(string(body), `"hours":12.5`) {
		t.Fatalf("get: %d %s", st, body)
	}
	st, page := cl.sec.Get(fmt.Sprintf("/tours/%d", out.Tour.ID))
	if st != 200 || !strings.Contains(page, "12.5 学时") {
		t.Fatalf("tour page: %d", st)
	}

	for _, bad := range []any{-1, -0.01, 200.01, 1e9, 1.255, "8"} {
		in := tourJSON(c, 1, 1, 2)
		in["hours"] = bad
		st, body := cl.admin.JSON("POST", "/api/v1/tours", in)
		expectField(t, fmt.Sprintf("create hours %v", bad), st, body, "hours")
		st, body = cl.admin.JSON("PUT", path, in)
		expectField(t, fmt.Sprintf("update hours %v", bad), st, body, "hours")
	}
	for _, good := range []float64{0, 200} {
		in := tourJSON(c, 1, 1, 2)
		in["hours"] = good
		st, body := cl.admin.JSON("PUT", path, in)
		expect(t, fmt.Sprintf("hours %v", good), st, body, 200, "")
	}
	st, page = cl.sec.Get(fmt.Sprintf("/tours/%d", out.Tour.ID))
	if st != 200 || !strings.Contains(page, "200 学时") {
		t.Fatalf("tour page after update: %d", st)
	}

	// The form: the field with its hint; a bad value comes back with 422 and its message.
	st, page = cl.admin.Get("/admin/tours/new")
	if st != 200 || !strings.Contains(page, `name="hours"`) || !strings.Contains(page, "确认参加的人按此记入线下学时；0 表示不记学时") {
		t.Fatalf("form: %d", st)
	}
	f := url.Values{"title": {"延安学时考察"}, "destination": {"陕西延安"}, "starts_on": {"2026-12-01"}, "ends_on": {"2026-12-03"},
		"signup_opens_at": {"2026-11-01T08:00"}, "signup_closes_at": {"2026-11-20T18:00"}, "cancel_deadline": {"2026-11-25T18:00"},
		"status": {"draft"}, "total_seats": {"5"}}
	for _, bad := range []string{"-2", "201", "abc", "NaN", "Inf"} {
		f.Set("hours", bad)
		resp := cl.admin.Form("POST", "/admin/tours", f)
		if resp.StatusCode != 422 {
			t.Fatalf("form hours %q: %d", bad, resp.StatusCode)
		}
	}
	var n int
	testdb.Get(t, db, &n, `SELECT count(*) FROM tours WHERE title = '延安学时考察'`)
	if n != 0 {
		t.Fatal("a refused tour was saved")
	}
	f.Set("hours", "3.5")
	if resp := cl.admin.Form("POST", "/admin/tours", f); resp.StatusCode != 303 && resp.StatusCode != 302 {
		t.Fatalf("form hours 3.5: %d", resp.StatusCode)
	}
	var h float64
	testdb.Get(t, db, &h, `SELECT hours::float8 FROM tours WHERE title = '延安学时考察'`)
	if h != 3.5 {
		t.Fatalf("form saved %v 学时", h)
	}
}
