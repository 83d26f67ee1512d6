package tours

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/browsertest"
)

// BenchmarkSignupRush: 3,000 distinct secretaries across 20 townships sign up for a
// 100-seat tour at once, 200 at a time, over real HTTP. Prints duration, sign-ups/s and
// errors, then checks every invariant.
func BenchmarkSignupRush(b *testing.B) {
	const townships, secretaries, seats, concurrency = 20, 3000, 100, 200
	db := testdb.DB(b)
	ctx := context.Background()
	tag := testdb.Unique("rush")
	names := make([]string, townships)
	for i := range names {
		names[i] = fmt.Sprintf("%s镇%02d", tag, i)
	}
	var tids []int64
	if err := db.Select(&tids, `INSERT INTO townships (name) SELECT unnest($1::text[]) RETURNING id`, pq.Array(names)); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO branches (township_id, name, kind) SELECT t, '支部' || g, '农村'
		FROM unnest($1::bigint[]) t, generate_series(1, $2) g`, pq.Array(tids), secretaries/townships); err != nil {
		b.Fatal(err)
	}
	var users []int64
	if err := db.Select(&users, `INSERT INTO users (username, name, role, township_id, branch_id, password_hash)
		SELECT $1 || b.id, '书记' || b.id, 'secretary', b.township_id, b.id, 'x'
		FROM branches b WHERE b.township_id = ANY($2) RETURNING id`, tag, pq.Array(tids)); err != nil {
		b.Fatal(err)
	}
	var admin int64
	testdb.Get(b, db, &admin, `INSERT INTO users (username, name, role, password_hash) VALUES ($1, '管理员', 'admin', 'x') RETURNING id`, tag+"admin")
	srv, err := web.New(db, web.Config{Logger: discardLogger()})
	if err != nil {
		b.Fatal(err)
	}
	if err := Mount(srv, testDeps); err != nil {
		b.Fatal(err)
	}
	srv.NotFoundLast()
	base := browsertest.Serve(b, srv)
	type cred struct{ token, csrf string }
	creds := make([]cred, len(users))
	for i, u := range users {
		tok, csrf, err := srv.Sessions.Create(ctx, u, "127.0.0.1", "bench")
		if err != nil {
			b.Fatal(err)
		}
		creds[i] = cred{tok, csrf}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: concurrency, MaxIdleConnsPerHost: concurrency}, Timeout: time.Minute}
	s := newStore(db)

	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		in := TourInput{Title: fmt.Sprintf("%s考察%d", tag, n), Destination: "江西井冈山", TotalSeats: seats, Status: TourOpen,
			StartsOn: "2027-05-01", EndsOn: "2027-05-04", SignupOpensAt: time.Now().Add(-time.Hour).Format(time.RFC3339),
			SignupClosesAt: time.Now().Add(time.Hour).Format(time.RFC3339), CancelDeadline: time.Now().Add(2 * time.Hour).Format(time.RFC3339),
			Quotas: map[int64]int{}}
		for _, t := range tids {
			in.Quotas[t] = seats / townships
		}
		tour, err := s.CreateTour(ctx, in, admin)
		if err != nil {
			b.Fatal(err)
		}
		id := tour.ID
		b.StartTimer()
		var errs, pending, waitlisted atomic.Int64
		jobs := make(chan cred)
		var wg sync.WaitGroup
		start := time.Now()
		for w := 0; w < concurrency; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for c := range jobs {
					req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/tours/%d/signup", base, id), nil)
					req.Header.Set("X-CSRF-Token", c.csrf)
					req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: c.token})
					resp, err := client.Do(req)
					if err != nil {
						errs.Add(1)
						continue
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					switch {
					case resp.StatusCode != 201:
						errs.Add(1)
					case string(body[:min(len(body), 19)]) == `{"status":"pending"`:
						pending.Add(1)
					default:
						waitlisted.Add(1)
					}
				}
			}()
		}
		for _, c := range creds {
			jobs <- c
		}
		close(jobs)
		wg.Wait()
		d := time.Since(start)
		b.StopTimer()
		rate := float64(len(creds)) / d.Seconds()
		b.ReportMetric(rate, "signups/s")
		b.ReportMetric(float64(errs.Load()), "errors")
		fmt.Printf("tours rush: %d secretaries, %d townships, %d seats, %d concurrent: %v, %.0f sign-ups/s, %d errors, %d pending, %d waitlisted\n",
			len(creds), townships, seats, concurrency, d.Round(time.Millisecond), rate, errs.Load(), pending.Load(), waitlisted.Load())
		checkInvariants(b, db, id)
		if pending.Load() != seats || errs.Load() != 0 {
			b.Fatalf("want %d seats given and no errors, got %d and %d", seats, pending.Load(), errs.Load())
		}
		b.StartTimer()
	}
}
