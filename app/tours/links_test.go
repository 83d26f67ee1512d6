package tours

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/seats"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// requireCourses makes n published courses 必修 in the year for one township (tests of
// this package share a database: a county-wide assignment would reach other tests).
func requireCourses(t testing.TB, db *sqlx.DB, year int, township int64, n int) []int64 {
	t.Helper()
	var ids []int64
	for i := 0; i < n; i++ {
		var id int64
		if err := db.Get(&id, `INSERT INTO courses (title, category, published) VALUES ($1, '实务', true) RETURNING id`,
			testdb.Unique("必修课")); err != nil {
			t.Fatal(err)
		}
		testdb.Exec(t, db, `INSERT INTO course_assignments (course_id, year, scope, township_ids, due_date)
			VALUES ($1, $2, 'townships', ARRAY[$3::bigint], make_date($2, 12, 31))`, id, year, township)
		ids = append(ids, id)
	}
	return ids
}

// completeRequired marks every course required of the user in the year as completed, as
// the courses feature records it.
func completeRequired(t testing.TB, db *sqlx.DB, user int64, year int) {
	t.Helper()
	testdb.Exec(t, db, `INSERT INTO course_progress (user_id, course_id, completed_at, hours_earned)
		SELECT $1, a.course_id, now(), 1 FROM course_assignments a JOIN users u ON u.id = $1
		WHERE a.year = $2 AND (a.scope = 'all' OR u.township_id = ANY(a.township_ids))
		ON CONFLICT (user_id, course_id) DO UPDATE SET completed_at = now()`, user, year)
}

// A secretary with an unfinished required course cannot sign up for a tour that
// requires the year's courses (409 not_eligible); once they are complete, sign-up works.
func TestSignupNeedsRequiredCourses(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := newServer(t, db)
	cl := makeClients(t, srv, c)
	id := makeTour(t, db, c, tourOpts{requireCourses: true})
	var year int
	testdb.Get(t, db, &year, `SELECT year FROM tours WHERE id = $1`, id)
	courses := requireCourses(t, db, year, c.Townships[0], 2)
	path := fmt.Sprintf("/api/v1/tours/%d/signup", id)

	st, body := cl.sec.JSON("POST", path, nil)
	expect(t, "two courses left", st, body, 409, "not_eligible")
	// The message is the rule's reason, naming the year and the count (errors.go, refusal).
	if want := fmt.Sprintf("完成 %d 年度全部必修课程，您还有 2 门未完成", year); !strings.Contains(string(body), want) {
		t.Fatalf("message does not say %q: %s", want, body)
	}
	// One of two done is not enough.
	testdb.Exec(t, db, `INSERT INTO course_progress (user_id, course_id, completed_at) VALUES ($1, $2, now())`, c.Secretaries[0][0], courses[0])
	st, body = cl.sec.JSON("POST", path, nil)
	expect(t, "one course left", st, body, 409, "not_eligible")
	// Started but not finished does not count either.
	testdb.Exec(t, db, `INSERT INTO course_progress (user_id, course_id) VALUES ($1, $2)`, c.Secretaries[0][0], courses[1])
	st, body = cl.sec.JSON("POST", path, nil)
	expect(t, "course started", st, body, 409, "not_eligible")

	completeRequired(t, db, c.Secretaries[0][0], year)
	st, body = cl.sec.JSON("POST", path, nil)
	expect(t, "all courses done", st, body, 201, "")
	// Another township has nothing required: eligible at once.
	st, body = cl.other.JSON("POST", path, nil)
	expect(t, "nothing required", st, body, 201, "")
	// A draft course's assignment does not count.
	testdb.Exec(t, db, `INSERT INTO course_progress (user_id, course_id, completed_at) VALUES ($1, $2, now())`, c.Secretaries[0][1], courses[1])
	st, body = cl.sec2.JSON("POST", path, nil)
	expect(t, "one course left", st, body, 409, "not_eligible")
	testdb.Exec(t, db, `UPDATE courses SET published = false WHERE id = $1`, courses[0])
	st, body = cl.sec2.JSON("POST", path, nil)
	expect(t, "the course left is a draft", st, body, 201, "")
}

// A tour asks for the 必修 courses of the year it names: by default the year (China time)
// its sign-up opens, so signing up this year for a trip next year asks for this year's
// courses, although next year has none assigned yet; an explicit year is honored.
func TestEligibilityYearIsTheTourYear(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	s := newStore(db)
	ctx := t.Context()
	year := time.Now().Add(-time.Hour).In(web.China).Year() // the year makeTour's sign-up opens
	trip := time.Date(year+1, 3, 1, 0, 0, 0, 0, web.China)
	requireCourses(t, db, year, c.Townships[1], 5)
	sec := c.Secretaries[1][0]

	byDefault := makeTour(t, db, c, tourOpts{requireCourses: true, startsOn: trip})
	if tour, err := s.Tour(ctx, byDefault); err != nil || tour.Year != year {
		t.Fatalf("default year: %d %v, want %d", tour.Year, err, year)
	}
	_, err := s.Signup(ctx, byDefault, sec, "")
	wantCode(t, err, 409, "not_eligible")
	if want := fmt.Sprintf("完成 %d 年度全部必修课程，您还有 5 门未完成", year); !strings.Contains(err.Error(), want) {
		t.Fatalf("reason %v, want %q", err, want)
	}

	named := makeTour(t, db, c, tourOpts{requireCourses: true, startsOn: trip, year: year + 1})
	if st, err := s.Signup(ctx, named, sec, ""); err != nil || st != seats.StatusPending {
		t.Fatalf("nothing required in %d: %s %v", year+1, st, err)
	}

	// The API takes and shows the year; one out of range names the field.
	srv := newServer(t, db)
	admin := webtest.AsUser(t, srv, c.Admin)
	in := tourJSON(c, 1, 1, 2)
	st, body := admin.JSON("POST", "/api/v1/tours", in)
	expect(t, "create without year", st, body, 201, "")
	if want := fmt.Sprintf(`"year":%d`, DefaultYear(time.Now().Add(-time.Hour))); !strings.Contains(string(body), want) {
		t.Fatalf("default year not %s: %s", want, body)
	}
	in["year"] = year + 1
	st, body = admin.JSON("POST", "/api/v1/tours", in)
	expect(t, "create with year", st, body, 201, "")
	if want := fmt.Sprintf(`"year":%d`, year+1); !strings.Contains(string(body), want) {
		t.Fatalf("year not %s: %s", want, body)
	}
	in["year"] = 1999
	st, body = admin.JSON("POST", "/api/v1/tours", in)
	expectField(t, "year 1999", st, body, "year")
}

// Mount refuses to run without the courses' rule: eligibility would otherwise be skipped.
func TestMountNeedsCoursesRule(t *testing.T) {
	srv, err := web.New(testdb.DB(t), web.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Mount(srv, Deps{}); !errors.Is(err, ErrNoCourseRule) {
		t.Fatalf("Mount without RequiredCoursesLeft: %v", err)
	}
	// Nor without the inbox: nobody would be told what happened to their sign-up.
	if err := Mount(srv, Deps{RequiredCoursesLeft: testDeps.RequiredCoursesLeft}); !errors.Is(err, ErrNoInbox) {
		t.Fatalf("Mount without Post: %v", err)
	}
}
