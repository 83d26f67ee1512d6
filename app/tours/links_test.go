package tours

import (
	"fmt"
	"testing"

	"github.com/jmoiron/sqlx"

	"zhibu/app/testdb"
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
		db.MustExec(`INSERT INTO course_assignments (course_id, year, scope, township_ids, due_date)
			VALUES ($1, $2, 'townships', ARRAY[$3::bigint], make_date($2, 12, 31))`, id, year, township)
		ids = append(ids, id)
	}
	return ids
}

// completeRequired marks every course required of the user in the year as completed, as
// the courses feature records it.
func completeRequired(t testing.TB, db *sqlx.DB, user int64, year int) {
	t.Helper()
	db.MustExec(`INSERT INTO course_progress (user_id, course_id, completed_at, hours_earned)
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
	db.Get(&year, `SELECT extract(year FROM starts_on)::int FROM tours WHERE id = $1`, id)
	courses := requireCourses(t, db, year, c.Townships[0], 2)
	path := fmt.Sprintf("/api/v1/tours/%d/signup", id)

	st, body := cl.sec.JSON("POST", path, nil)
	expect(t, "two courses left", st, body, 409, "not_eligible")
	// One of two done is not enough.
	db.MustExec(`INSERT INTO course_progress (user_id, course_id, completed_at) VALUES ($1, $2, now())`, c.Secretaries[0][0], courses[0])
	st, body = cl.sec.JSON("POST", path, nil)
	expect(t, "one course left", st, body, 409, "not_eligible")
	// Started but not finished does not count either.
	db.MustExec(`INSERT INTO course_progress (user_id, course_id) VALUES ($1, $2)`, c.Secretaries[0][0], courses[1])
	st, body = cl.sec.JSON("POST", path, nil)
	expect(t, "course started", st, body, 409, "not_eligible")

	completeRequired(t, db, c.Secretaries[0][0], year)
	st, body = cl.sec.JSON("POST", path, nil)
	expect(t, "all courses done", st, body, 201, "")
	// Another township has nothing required: eligible at once.
	st, body = cl.other.JSON("POST", path, nil)
	expect(t, "nothing required", st, body, 201, "")
	// A draft course's assignment does not count.
	db.MustExec(`INSERT INTO course_progress (user_id, course_id, completed_at) VALUES ($1, $2, now())`, c.Secretaries[0][1], courses[1])
	st, body = cl.sec2.JSON("POST", path, nil)
	expect(t, "one course left", st, body, 409, "not_eligible")
	db.MustExec(`UPDATE courses SET published = false WHERE id = $1`, courses[0])
	st, body = cl.sec2.JSON("POST", path, nil)
	expect(t, "the course left is a draft", st, body, 201, "")
}
