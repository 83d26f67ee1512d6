package tours

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/inbox"
	"zhibu/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// testDeps are the tours' dependencies in tests: the courses' rule through its SQL
// function (migrations/00051_course_requirements.sql), as app/features.go wires the Go one,
// and the inbox.
var testDeps = Deps{RequiredCoursesLeft: func(ctx context.Context, q sqlx.QueryerContext, userID int64, year int) (int, error) {
	var n int
	err := sqlx.GetContext(ctx, q, &n, `SELECT zhibu_required_courses_left($1, $2)`, userID, year)
	return n, err
}, Post: inbox.Post}

// tourMessage is a message the tours posted to a person's inbox.
type tourMessage struct {
	Title string `db:"title"`
	Body  string `db:"body"`
	URL   string `db:"url"`
	Read  bool   `db:"read"`
}

// messagesOf returns the person's tour messages in the inbox, newest first.
func messagesOf(t testing.TB, db *sqlx.DB, userID int64) []tourMessage {
	t.Helper()
	var ms []tourMessage
	if err := db.Select(&ms, `SELECT title, body, url, read_at IS NOT NULL AS read FROM messages
		WHERE user_id = $1 AND kind = 'tour' ORDER BY created_at DESC, id DESC`, userID); err != nil {
		t.Fatal(err)
	}
	return ms
}

func newStore(db *sqlx.DB) *Store { return NewStore(db, testDeps) }

// mustSignup signs the secretary up and fails the test when that fails.
func mustSignup(t testing.TB, s *Store, tourID, userID int64, note string) string {
	t.Helper()
	st, err := s.Signup(context.Background(), tourID, userID, note)
	if err != nil {
		t.Fatalf("sign-up of %d: %v", userID, err)
	}
	return st
}

// tourOpts shape a test tour; zero values give an open tour with 2 seats per township.
type tourOpts struct {
	status         string
	quotas         []int // per county township
	total          int
	opensIn        time.Duration
	closesIn       time.Duration
	cancelIn       time.Duration
	requireCourses bool
	startsOn       time.Time // zero: a month from now
	year           int       // 0: the default (the year the sign-up opens)
	hours          float64   // the 学时 a confirmed participant is credited
}

func makeTour(t testing.TB, db *sqlx.DB, c testdb.County, o tourOpts) int64 {
	t.Helper()
	if o.status == "" {
		o.status = TourOpen
	}
	if o.quotas == nil {
		o.quotas = []int{2, 2}
	}
	if o.total == 0 {
		for _, q := range o.quotas {
			o.total += q
		}
	}
	if o.opensIn == 0 {
		o.opensIn = -time.Hour
	}
	if o.closesIn == 0 {
		o.closesIn = 48 * time.Hour
	}
	if o.cancelIn == 0 {
		o.cancelIn = 72 * time.Hour
	}
	now := time.Now()
	if o.startsOn.IsZero() {
		o.startsOn = now.AddDate(0, 1, 0)
	}
	in := TourInput{Title: testdb.Unique("井冈山考察"), Destination: "江西井冈山", Itinerary: "## 第一天\n\n集中学习",
		StartsOn: o.startsOn.Format("2006-01-02"), EndsOn: o.startsOn.AddDate(0, 0, 3).Format("2006-01-02"),
		TotalSeats: o.total, Status: o.status, RequireCourses: o.requireCourses, Year: o.year, Hours: o.hours, Quotas: map[int64]int{},
		SignupOpensAt: now.Add(o.opensIn).Format(time.RFC3339), SignupClosesAt: now.Add(o.closesIn).Format(time.RFC3339),
		CancelDeadline: now.Add(o.cancelIn).Format(time.RFC3339)}
	for i, q := range o.quotas {
		if q > 0 {
			in.Quotas[c.Townships[i]] = q
		}
	}
	tour, err := newStore(db).CreateTour(context.Background(), in, c.Admin)
	if err != nil {
		t.Fatalf("create tour: %v", err)
	}
	return tour.ID
}

// checkInvariants verifies, from the database alone, that no township holds more seats
// than its quota, the tour no more than its total, and nobody appears twice.
func checkInvariants(t testing.TB, db *sqlx.DB, tourID int64) {
	t.Helper()
	var over []string
	err := db.Select(&over, `
		SELECT tw.name || ': ' || count(s.id) || '>' || q.seats FROM tour_quotas q
		JOIN townships tw ON tw.id = q.township_id
		LEFT JOIN tour_signups s ON s.tour_id = q.tour_id AND s.township_id = q.township_id AND s.status IN ('pending','approved','confirmed')
		WHERE q.tour_id = $1 GROUP BY tw.name, q.seats HAVING count(s.id) > q.seats`, tourID)
	if err != nil {
		t.Fatal(err)
	}
	if len(over) > 0 {
		t.Fatalf("township over quota: %v", over)
	}
	var held, total, dups, orphans int
	testdb.Get(t, db, &held, `SELECT count(*) FROM tour_signups WHERE tour_id = $1 AND status IN ('pending','approved','confirmed')`, tourID)
	testdb.Get(t, db, &total, `SELECT total_seats FROM tours WHERE id = $1`, tourID)
	if held > total {
		t.Fatalf("held %d > total %d", held, total)
	}
	testdb.Get(t, db, &dups, `SELECT count(*) FROM (SELECT user_id FROM tour_signups WHERE tour_id = $1 GROUP BY user_id HAVING count(*) > 1) d`, tourID)
	if dups > 0 {
		t.Fatalf("%d people hold two places", dups)
	}
	// Nobody waits while their township has a free seat.
	testdb.Get(t, db, &orphans, `
		SELECT count(*) FROM tour_quotas q WHERE q.tour_id = $1
		AND (SELECT count(*) FROM tour_signups s WHERE s.tour_id = q.tour_id AND s.township_id = q.township_id AND s.status IN ('pending','approved','confirmed')) < q.seats
		AND EXISTS (SELECT 1 FROM tour_signups s WHERE s.tour_id = q.tour_id AND s.township_id = q.township_id AND s.status = 'waitlisted')`, tourID)
	if orphans > 0 {
		t.Fatalf("%d townships have free seats while people wait", orphans)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
