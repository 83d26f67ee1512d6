package certificates

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/testdb"
	"zhibu/app/web"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// years gives each test its own programme year: a year's 必修 courses apply to every
// secretary of the database, so tests sharing a year would see each other's courses.
var years atomic.Int64

func init() { years.Store(2040) }

// fx is a county with a year programme (its own year) whose exam the tests pass or not.
type fx struct {
	db     *sqlx.DB
	c      testdb.County
	st     *Store
	year   int
	exam   int64
	course int64 // a 必修 course of the year
	prog   int64 // the year programme (exam: exam)
}

func newFx(t *testing.T) fx {
	t.Helper()
	db := testdb.DB(t)
	f := fx{db: db, c: testdb.MakeCounty(t, db), st: NewStore(db, nil), year: int(years.Add(1))}
	testdb.Get(t, db, &f.exam, `INSERT INTO exams (title, opens_at, closes_at, duration_minutes, pass_score, total_points, rules)
		VALUES ($1, now() - interval '1 day', now() + interval '30 days', 30, 6, 10, '[]') RETURNING id`, testdb.Unique("年度考试"))
	testdb.Get(t, db, &f.course, `INSERT INTO courses (title, category, published) VALUES ($1, '理论', true) RETURNING id`, testdb.Unique("必修课"))
	testdb.Exec(t, db, `INSERT INTO course_assignments (course_id, year, scope, due_date) VALUES ($1, $2, 'all', make_date($2, 12, 31))`, f.course, f.year)
	p, err := f.st.CreateProgramme(context.Background(), &web.Identity{UserID: f.c.Admin, Role: web.RoleAdmin},
		ProgrammeInput{Title: testdb.Unique("年度学习"), Kind: KindYear, Year: f.year, ExamID: f.exam})
	if err != nil {
		t.Fatal(err)
	}
	f.prog = p.ID
	return f
}

// qualify makes the secretary meet the year programme: the 必修 course done, the exam passed.
func (f fx) qualify(t *testing.T, user int64) {
	t.Helper()
	f.completeCourse(t, user)
	f.pass(t, user, f.exam, time.Now())
}

func (f fx) completeCourse(t *testing.T, user int64) {
	t.Helper()
	testdb.Exec(t, f.db, `INSERT INTO course_progress (user_id, course_id, completed_at) VALUES ($1, $2, now())
		ON CONFLICT (user_id, course_id) DO UPDATE SET completed_at = now()`, user, f.course)
}

// pass records a finished attempt of exam by user at the time given; passed or not.
func (f fx) attempt(t *testing.T, user, exam int64, at time.Time, passed bool) {
	t.Helper()
	testdb.Exec(t, f.db, `INSERT INTO attempts (exam_id, user_id, seq, status, deadline, finished_at, paper, shape, score, max_score, passed)
		VALUES ($1, $2, (SELECT COALESCE(max(seq), 0) + 1 FROM attempts WHERE exam_id = $1 AND user_id = $2), 'finished', $3, $3, '[]', '', 8, 10, $4)`,
		exam, user, at, passed)
}

func (f fx) pass(t *testing.T, user, exam int64, at time.Time) { f.attempt(t, user, exam, at, true) }

// count is how many certificates of the programme the user has.
func (f fx) count(t *testing.T, prog, user int64) int {
	t.Helper()
	var n int
	testdb.Get(t, f.db, &n, `SELECT count(*) FROM certificates WHERE programme_id = $1 AND user_id = $2`, prog, user)
	return n
}
