package tours

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/inbox"
	"zhibu/app/seats"
	"zhibu/app/testdb"
	"zhibu/app/web"
)

func statusOf(t testing.TB, db *sqlx.DB, tourID, userID int64) string {
	t.Helper()
	var s string
	err := db.Get(&s, `SELECT status FROM tour_signups WHERE tour_id = $1 AND user_id = $2`, tourID, userID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) { // no sign-up: ""
		t.Fatal(err)
	}
	return s
}

func signupID(t testing.TB, db *sqlx.DB, tourID, userID int64) int64 {
	t.Helper()
	var id int64
	if err := db.Get(&id, `SELECT id FROM tour_signups WHERE tour_id = $1 AND user_id = $2`, tourID, userID); err != nil {
		t.Fatal(err)
	}
	return id
}

func wantCode(t testing.TB, err error, status int, code string) {
	t.Helper()
	we := web.AsError(errorTable.Map(seats.Errors.Map(err)))
	if err == nil || we.Status != status || (code != "" && we.Code != code) {
		t.Fatalf("want %d %s, got %v", status, code, err)
	}
}

func TestSignupWaitlistAndPromotion(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	// Township 0 has 1 seat; township 1 has 3 (so there is room elsewhere).
	id := makeTour(t, db, c, tourOpts{quotas: []int{1, 3}})
	s := newStore(db)
	ctx := context.Background()
	secs := c.Secretaries[0]

	st, err := s.Signup(ctx, id, secs[0], "素食")
	if err != nil || st != seats.StatusPending {
		t.Fatalf("first: %s %v", st, err)
	}
	for i := 1; i < 4; i++ {
		if st, err := s.Signup(ctx, id, secs[i], ""); err != nil || st != seats.StatusWaitlisted {
			t.Fatalf("sign-up %d: %s %v", i, st, err)
		}
	}
	_, err = s.Signup(ctx, id, secs[1], "")
	wantCode(t, err, 409, "already_signed_up")

	// The first holder cancels: the earliest waiter (secs[1]) moves up, not secs[2].
	if err := s.Cancel(ctx, id, secs[0]); err != nil {
		t.Fatal(err)
	}
	if statusOf(t, db, id, secs[1]) != seats.StatusPending || statusOf(t, db, id, secs[2]) != seats.StatusWaitlisted {
		t.Fatalf("promotion order: %s %s", statusOf(t, db, id, secs[1]), statusOf(t, db, id, secs[2]))
	}
	// A rejection by the organizer promotes the next (secs[2]).
	org := Actor{UserID: c.Organizers[0], Role: "organizer", Scope: web.Scope{TownshipID: c.Townships[0]}}
	if _, err := s.Decide(ctx, id, signupID(t, db, id, secs[1]), org, false, "名额调整"); err != nil {
		t.Fatal(err)
	}
	if statusOf(t, db, id, secs[2]) != seats.StatusPending || statusOf(t, db, id, secs[3]) != seats.StatusWaitlisted {
		t.Fatal("rejection did not promote the next waiter")
	}
	// The rejected person may not sign up again; the one who cancelled may.
	_, err = s.Signup(ctx, id, secs[1], "")
	wantCode(t, err, 409, "already_rejected")
	if st, err := s.Signup(ctx, id, secs[0], ""); err != nil || st != seats.StatusWaitlisted {
		t.Fatalf("re-sign-up after cancel goes to the back of the queue: %s %v", st, err)
	}
	// Messages tell the promoted person.
	ms := messagesOf(t, db, secs[2])
	if len(ms) != 2 || ms[0].Read || ms[1].Read || !strings.Contains(ms[0].Body, "递补") || !strings.Contains(ms[0].Title, "候补已递补") ||
		ms[0].URL != fmt.Sprintf("/tours/%d", id) {
		t.Fatalf("messages: %+v", ms)
	}
	if ms := messagesOf(t, db, secs[1]); len(ms) == 0 || !strings.Contains(ms[0].Body, "名额调整") || !strings.Contains(ms[0].Title, "未通过审核") {
		t.Fatalf("rejection message carries the reason: %+v", ms)
	}
	// Every change was recorded.
	es, err := s.Events(ctx, id, 100)
	if err != nil || len(es) < 8 {
		t.Fatalf("events: %d", len(es))
	}
	checkInvariants(t, db, id)
}

func TestTwoLevelApproval(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	id := makeTour(t, db, c, tourOpts{})
	s := newStore(db)
	ctx := context.Background()
	sec := c.Secretaries[0][0]
	if _, err := s.Signup(ctx, id, sec, ""); err != nil {
		t.Fatal(err)
	}
	sid := signupID(t, db, id, sec)
	admin := Actor{UserID: c.Admin, Role: "admin", Scope: web.Scope{All: true}}
	other := Actor{UserID: c.Organizers[1], Role: "organizer", Scope: web.Scope{TownshipID: c.Townships[1]}}
	own := Actor{UserID: c.Organizers[0], Role: "organizer", Scope: web.Scope{TownshipID: c.Townships[0]}}

	_, err := s.Decide(ctx, id, sid, admin, true, "")
	wantCode(t, err, 409, "invalid_transition")
	_, err = s.Decide(ctx, id, sid, other, true, "")
	wantCode(t, err, 403, "forbidden")
	_, err = s.Decide(ctx, id, sid, own, false, "")
	wantCode(t, err, 422, "")
	if st, err := s.Decide(ctx, id, sid, own, true, ""); err != nil || st != seats.StatusApproved {
		t.Fatalf("organizer: %s %v", st, err)
	}
	if st, err := s.Decide(ctx, id, sid, admin, true, ""); err != nil || st != seats.StatusConfirmed {
		t.Fatalf("admin: %s %v", st, err)
	}
	_, err = s.Decide(ctx, id, sid+1000, own, true, "")
	wantCode(t, err, 404, "")
}

func TestSignupWindowAndEligibility(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	s := newStore(db)
	ctx := context.Background()
	sec := c.Secretaries[0][0]

	_, err := s.Signup(ctx, makeTour(t, db, c, tourOpts{status: TourDraft}), sec, "")
	wantCode(t, err, 404, "")
	_, err = s.Signup(ctx, makeTour(t, db, c, tourOpts{status: TourClosed}), sec, "")
	wantCode(t, err, 409, "signup_closed")
	_, err = s.Signup(ctx, makeTour(t, db, c, tourOpts{opensIn: time.Hour, closesIn: 2 * time.Hour}), sec, "")
	wantCode(t, err, 409, "signup_closed")
	_, err = s.Signup(ctx, makeTour(t, db, c, tourOpts{quotas: []int{0, 2}}), sec, "")
	wantCode(t, err, 409, "no_quota")
	_, err = s.Signup(ctx, 999999, sec, "")
	wantCode(t, err, 404, "")
	_, err = s.Signup(ctx, makeTour(t, db, c, tourOpts{}), c.Organizers[0], "")
	wantCode(t, err, 404, "")

	// Past the cancellation deadline a seat holder cannot cancel.
	late := makeTour(t, db, c, tourOpts{cancelIn: -time.Minute})
	if _, err := s.Signup(ctx, late, sec, ""); err != nil {
		t.Fatal(err)
	}
	err = s.Cancel(ctx, late, sec)
	wantCode(t, err, 409, "cancel_deadline_passed")

	// Eligibility: Deps.RequiredCoursesLeft (in tests the SQL function of
	// migrations/00051_course_requirements.sql) decides and the reason says how many required
	// courses of the tour's year; nothing is required in township 0.
	req := makeTour(t, db, c, tourOpts{requireCourses: true})
	if _, err := s.Signup(ctx, req, c.Secretaries[0][1], ""); err != nil {
		t.Fatalf("nothing required in township 0: %v", err)
	}
	var year int
	testdb.Get(t, db, &year, `SELECT year FROM tours WHERE id = $1`, req)
	requireCourses(t, db, year, c.Townships[1], 2)
	behind, done := c.Secretaries[1][0], c.Secretaries[1][1]
	completeRequired(t, db, done, year)
	_, err = s.Signup(ctx, req, behind, "")
	wantCode(t, err, 409, "not_eligible")
	if !strings.Contains(err.Error(), "还有 2 门未完成") {
		t.Fatalf("reason: %v", err)
	}
	if _, err := s.Signup(ctx, req, done, ""); err != nil {
		t.Fatalf("eligible: %v", err)
	}
	// A tour without the requirement ignores it.
	if _, err := s.Signup(ctx, makeTour(t, db, c, tourOpts{}), behind, ""); err != nil {
		t.Fatal(err)
	}
}

func TestUpdateTourQuotas(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	id := makeTour(t, db, c, tourOpts{quotas: []int{1, 1}, total: 4})
	s := newStore(db)
	ctx := context.Background()
	for _, u := range c.Secretaries[0][:3] {
		if _, err := s.Signup(ctx, id, u, ""); err != nil {
			t.Fatal(err)
		}
	}
	tour, err := s.Tour(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	in := TourInput{Title: tour.Title, Destination: tour.Destination, StartsOn: tour.StartsOn.Format("2006-01-02"),
		EndsOn: tour.EndsOn.Format("2006-01-02"), TotalSeats: 4, Status: TourOpen,
		SignupOpensAt: tour.SignupOpensAt.Format(time.RFC3339), SignupClosesAt: tour.SignupClosesAt.Format(time.RFC3339),
		CancelDeadline: tour.CancelDeadline.Format(time.RFC3339)}
	in.Quotas = map[int64]int{c.Townships[0]: 3, c.Townships[1]: 2}
	_, err = s.UpdateTour(ctx, id, in, c.Admin)
	wantCode(t, err, 422, "")
	if fields, _ := err.(web.FieldErrors); !strings.Contains(fields["quotas"], "超过了总名额") {
		t.Fatalf("fields: %v", err)
	}
	in.Quotas = map[int64]int{c.Townships[1]: 1}
	_, err = s.UpdateTour(ctx, id, in, c.Admin)
	wantCode(t, err, 422, "")
	// Growing township 0 to 3 seats promotes both waiters at once.
	in.Quotas = map[int64]int{c.Townships[0]: 3, c.Townships[1]: 1}
	if _, err := s.UpdateTour(ctx, id, in, c.Admin); err != nil {
		t.Fatal(err)
	}
	for _, u := range c.Secretaries[0][:3] {
		if st := statusOf(t, db, id, u); st != seats.StatusPending {
			t.Fatalf("after quota increase %d is %s", u, st)
		}
	}
	checkInvariants(t, db, id)
}

// TestConcurrentRush fires many simultaneous sign-ups, cancellations, approvals and
// rejections at a tour with small quotas, several rounds, and checks every invariant.
func TestConcurrentRush(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	// 40 more secretaries per township.
	for i := 0; i < 2; i++ {
		for k := 0; k < 40; k++ {
			c.Secretaries[i] = append(c.Secretaries[i], testdb.User(t, db, "secretary", testdb.Unique("rush"), c.Townships[i], c.Branches[i][k%2]))
		}
	}
	s := newStore(db)
	ctx := context.Background()
	for round := 0; round < 3; round++ {
		id := makeTour(t, db, c, tourOpts{quotas: []int{3, 2}, total: 7})
		tour, err := s.Tour(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		actors := []Actor{
			{UserID: c.Organizers[0], Role: "organizer", Scope: web.Scope{TownshipID: c.Townships[0]}},
			{UserID: c.Organizers[1], Role: "organizer", Scope: web.Scope{TownshipID: c.Townships[1]}},
			{UserID: c.Admin, Role: "admin", Scope: web.Scope{All: true}},
		}
		var all []int64
		all = append(all, c.Secretaries[0]...)
		all = append(all, c.Secretaries[1]...)
		var wg sync.WaitGroup
		var mu sync.Mutex
		unexpected := []error{}
		note := func(err error) {
			if err != nil && web.AsError(errorTable.Map(seats.Errors.Map(err))).Status >= 500 {
				mu.Lock()
				unexpected = append(unexpected, err)
				mu.Unlock()
			}
		}
		for i, u := range all {
			wg.Add(1)
			go func(i int, u int64) {
				defer wg.Done()
				r := rand.New(rand.NewSource(int64(round*1000 + i)))
				_, err := s.Signup(ctx, id, u, "")
				note(err)
				if r.Intn(3) == 0 {
					note(s.Cancel(ctx, id, u))
				}
			}(i, u)
		}
		// The admin changes quotas meanwhile (growing promotes, shrinking below the held
		// seats is refused).
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := TourInput{Title: tour.Title, Destination: tour.Destination, StartsOn: tour.StartsOn.Format("2006-01-02"),
				EndsOn: tour.EndsOn.Format("2006-01-02"), TotalSeats: 7, Status: TourOpen,
				SignupOpensAt: tour.SignupOpensAt.Format(time.RFC3339), SignupClosesAt: tour.SignupClosesAt.Format(time.RFC3339),
				CancelDeadline: tour.CancelDeadline.Format(time.RFC3339)}
			for k := 0; k < 10; k++ {
				in.Quotas = map[int64]int{c.Townships[0]: 3 + k%2, c.Townships[1]: 3 - k%2}
				_, err := s.UpdateTour(ctx, id, in, c.Admin)
				note(err)
			}
		}()
		// Approvers work the queue while sign-ups arrive.
		for w := 0; w < 6; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				r := rand.New(rand.NewSource(int64(round*100 + w)))
				for k := 0; k < 30; k++ {
					var ids []int64
					if err := db.Select(&ids, `SELECT id FROM tour_signups WHERE tour_id = $1 AND status IN ('pending','approved','waitlisted')`, id); err != nil {
						mu.Lock()
						unexpected = append(unexpected, err)
						mu.Unlock()
						return
					}
					if len(ids) == 0 {
						continue
					}
					sid := ids[r.Intn(len(ids))]
					a := actors[r.Intn(len(actors))]
					_, err := s.Decide(ctx, id, sid, a, r.Intn(4) != 0, "并发测试")
					note(err)
				}
			}(w)
		}
		wg.Wait()
		if len(unexpected) > 0 {
			t.Fatalf("round %d: unexpected errors: %v", round, unexpected[:min(3, len(unexpected))])
		}
		checkInvariants(t, db, id)
		// The waiting order is the sign-up order: every waiter queued after every
		// promoted-or-seated person of the same township that was ever waitlisted.
		var bad int
		testdb.Get(t, db, &bad, `SELECT count(*) FROM tour_signups w JOIN tour_signups p ON p.tour_id = w.tour_id AND p.township_id = w.township_id
			JOIN tour_events e ON e.signup_id = p.id AND e.action = 'promote'
			WHERE w.tour_id = $1 AND w.status = 'waitlisted' AND w.queue_seq < p.queue_seq
			AND e.at > (SELECT max(at) FROM tour_events x WHERE x.signup_id = w.id AND x.to_status = 'waitlisted')`, id)
		if bad > 0 {
			t.Fatalf("round %d: %d promotions jumped the queue", round, bad)
		}
		var n int
		testdb.Get(t, db, &n, `SELECT count(*) FROM tour_signups WHERE tour_id = $1`, id)
		t.Logf("round %d: %d sign-ups, %s", round, n, summary(t, db, id))
	}
}

func summary(t testing.TB, db *sqlx.DB, id int64) string {
	var rows []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := db.Select(&rows, `SELECT status, count(*) AS n FROM tour_signups WHERE tour_id = $1 GROUP BY status ORDER BY status`, id); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(rows)
}

func TestSeedDemo(t *testing.T) {
	db := testdb.DB(t)
	testdb.MakeCounty(t, db)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := SeedDemo(ctx, db, inbox.Post); err != nil {
			t.Fatal(err)
		}
	}
	var tours, open, done, confirmed int
	testdb.Get(t, db, &tours, `SELECT count(*) FROM tours WHERE title = ANY(ARRAY[$1,$2,$3])`, demoTours[0].title, demoTours[1].title, demoTours[2].title)
	testdb.Get(t, db, &open, `SELECT count(*) FROM tours WHERE title = $1 AND status = 'open'`, demoTours[0].title)
	testdb.Get(t, db, &done, `SELECT id FROM tours WHERE title = $1 AND status = 'done'`, demoTours[2].title)
	testdb.Get(t, db, &confirmed, `SELECT count(*) FROM tour_signups WHERE tour_id = $1 AND status = 'confirmed'`, done)
	if tours != 3 || open != 1 || done == 0 || confirmed == 0 {
		t.Fatalf("demo: %d tours, %d open, done tour %d with %d participants", tours, open, done, confirmed)
	}
	var openID int64
	testdb.Get(t, db, &openID, `SELECT id FROM tours WHERE title = $1`, demoTours[0].title)
	checkInvariants(t, db, openID)
	checkInvariants(t, db, int64(done))
}
