package reminders

import (
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/inbox"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// The tests post through the real inbox (inbox.Post): the messages, their ref and read
// state are what the reminder's page reads.
var testDeps = Deps{Post: inbox.Post}

// setup builds a county and a server with the reminders and the inbox mounted.
func setup(t *testing.T) (*sqlx.DB, testdb.County, *web.Server) {
	t.Helper()
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := webtest.Server(t, db, web.Config{Logger: quiet}, func(s *web.Server) error {
		return inbox.Mount(s, inbox.Deps{})
	}, func(s *web.Server) error {
		return Mount(s, testDeps)
	})
	return db, c, srv
}

// identity loads a user as the session would.
func identity(t *testing.T, db *sqlx.DB, id int64) *web.Identity {
	t.Helper()
	var me web.Identity
	testdb.Get(t, db, &me, `SELECT id AS user_id, username, name, role, COALESCE(township_id, 0) AS township_id,
		COALESCE(branch_id, 0) AS branch_id, must_change_password FROM users WHERE id = $1`, id)
	return &me
}

// course makes a published course of n lessons, 必修 for everybody this year (China) and
// due on due, and returns it with its lessons.
func course(t *testing.T, db *sqlx.DB, n int, due time.Time) (int64, []int64) {
	t.Helper()
	var id int64
	testdb.Get(t, db, &id, `INSERT INTO courses (title, category, published) VALUES ($1, '理论', true) RETURNING id`, testdb.Unique("必修课"))
	var ls []int64
	for i := 0; i < n; i++ {
		var l int64
		testdb.Get(t, db, &l, `INSERT INTO lessons (course_id, position, title, min_seconds) VALUES ($1, $2, $3, 0) RETURNING id`,
			id, i+1, testdb.Unique("课时"))
		ls = append(ls, l)
	}
	testdb.Exec(t, db, `INSERT INTO course_assignments (course_id, year, scope, due_date) VALUES ($1, $2, 'all', $3)`,
		id, due.In(web.China).Year(), due.In(web.China).Format("2006-01-02"))
	return id, ls
}

// complete marks the course completed for the user (as courses' completion leaves it),
// with its first lesson done.
func complete(t *testing.T, db *sqlx.DB, user, courseID int64, lessons []int64) {
	t.Helper()
	for _, l := range lessons {
		testdb.Exec(t, db, `INSERT INTO lesson_progress (user_id, lesson_id, seconds, reached_end, completed_at) VALUES ($1, $2, 10, true, now())
			ON CONFLICT (user_id, lesson_id) DO UPDATE SET completed_at = now()`, user, l)
	}
	testdb.Exec(t, db, `INSERT INTO course_progress (user_id, course_id, completed_at) VALUES ($1, $2, now())
		ON CONFLICT (user_id, course_id) DO UPDATE SET completed_at = now()`, user, courseID)
}

// exam makes a published exam open from opens to closes, for the townships given (all
// when none).
func exam(t *testing.T, db *sqlx.DB, opens, closes time.Time, townships ...int64) int64 {
	t.Helper()
	var id int64
	testdb.Get(t, db, &id, `INSERT INTO exams (title, opens_at, closes_at, duration_minutes, pass_score, total_points, rules, all_townships)
		VALUES ($1, $2, $3, 30, 6, 10, '[]', $4) RETURNING id`, testdb.Unique("考试"), opens, closes, len(townships) == 0)
	for _, tw := range townships {
		testdb.Exec(t, db, `INSERT INTO exam_townships (exam_id, township_id) VALUES ($1, $2)`, id, tw)
	}
	return id
}

// pass records a finished passed attempt.
func passExam(t *testing.T, db *sqlx.DB, examID, userID int64) {
	t.Helper()
	testdb.Exec(t, db, `INSERT INTO attempts (exam_id, user_id, seq, status, deadline, finished_at, finish_reason, paper, shape,
		score, max_score, passed)
		VALUES ($1, $2, (SELECT count(*) + 1 FROM attempts WHERE exam_id = $1 AND user_id = $2), 'finished', now(), now(),
			'submitted', '[]', '', 8, 10, true)`, examID, userID)
}

// messages counts the user's messages of a kind.
func messages(t *testing.T, db *sqlx.DB, user int64, kind string) int {
	t.Helper()
	var n int
	testdb.Get(t, db, &n, `SELECT count(*) FROM messages WHERE user_id = $1 AND kind = $2`, user, kind)
	return n
}

// at is a time of the given China hour, days from today.
func at(days, hour int) time.Time {
	n := time.Now().In(web.China)
	return time.Date(n.Year(), n.Month(), n.Day()+days, hour, 0, 0, 0, web.China)
}

func fmtInt(n int64) string { return strconv.FormatInt(n, 10) }
