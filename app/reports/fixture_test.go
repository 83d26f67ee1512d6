package reports

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/hours"
	"zhibu/app/testdb"

	"zhibu/app/web"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// county is the small county with known progress that every test reads (built once:
// the admin report covers every township of the package database).
type county struct {
	A, B, C                int64 // townships 甲镇, 乙镇, 丙镇 (丙镇 has no secretary)
	Admin, OrgA, OrgB      int64
	A1, A2, A3, B1, B2     int64 // secretaries
	SecA1                  int64 // a secretary login for the 403 checks
	E1, E2, E0             int64 // exams: E1 all townships, E2 甲镇 only, E0 of 2025
	C1, C2, C3, C6         int64
	Phones                 map[int64]string
	InactiveInA, CourseOld int64
}

var (
	fixOnce sync.Once
	fix     county
)

func cstTime(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, web.China)
	if err != nil {
		panic(err)
	}
	return t
}

func mustID(t testing.TB, db *sqlx.DB, q string, args ...any) int64 {
	t.Helper()
	var id int64
	if err := db.Get(&id, q, args...); err != nil {
		t.Fatalf("fixture %q: %v", q, err)
	}
	return id
}

func mustExec(t testing.TB, db *sqlx.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("fixture %q: %v", q, err)
	}
}

// theCounty builds (once) the county described in the comments below; the expected
// numbers in the tests are worked out by hand from them.
func theCounty(t testing.TB) county {
	t.Helper()
	db := testdb.DB(t)
	fixOnce.Do(func() { fix = buildCounty(t, db) })
	if fix.A == 0 {
		t.Fatal("fixture county failed")
	}
	return fix
}

func buildCounty(t testing.TB, db *sqlx.DB) county {
	var c county
	c.Phones = map[int64]string{}
	town := func(name string, sort int) int64 {
		return mustID(t, db, `INSERT INTO townships (name, sort) VALUES ($1,$2) RETURNING id`, name, sort)
	}
	c.A, c.B, c.C = town("甲镇", 1), town("乙镇", 2), town("丙镇", 3)
	branch := func(tid int64, name, kind string) int64 {
		return mustID(t, db, `INSERT INTO branches (township_id, name, kind) VALUES ($1,$2,$3) RETURNING id`, tid, name, kind)
	}
	a1, a2, b1 := branch(c.A, "A1村党支部", "农村"), branch(c.A, "A2社区党支部", "社区"), branch(c.B, "B1机关党支部", "机关")
	user := func(role, name string, tid, bid int64, phone string, active bool) int64 {
		id := mustID(t, db, `INSERT INTO users (username, phone, name, role, township_id, branch_id, password_hash, active)
			VALUES ($1, NULLIF($2,''), $3, $4, NULLIF($5,0::bigint), NULLIF($6,0::bigint), $7, $8) RETURNING id`,
			testdb.Unique("u"), phone, name, role, tid, bid, "x", active)
		c.Phones[id] = phone
		return id
	}
	c.Admin = testdb.User(t, db, "admin", testdb.Unique("admin"), 0, 0)
	c.OrgA = testdb.User(t, db, "organizer", testdb.Unique("orga"), c.A, 0)
	c.OrgB = testdb.User(t, db, "organizer", testdb.Unique("orgb"), c.B, 0)
	c.A1 = user("secretary", "书记A1", c.A, a1, "13800000001", true)
	c.A2 = user("secretary", "书记A2", c.A, a1, "13800000002", true)
	c.A3 = user("secretary", "书记A3", c.A, a2, "13800000003", true)
	c.B1 = user("secretary", "书记B1", c.B, b1, "13800000004", true)
	c.B2 = user("secretary", "书记B2", c.B, b1, "", true) // no phone on file
	c.InactiveInA = user("secretary", "离任书记", c.A, a1, "13800000009", false)
	c.SecA1 = testdb.User(t, db, "secretary", testdb.Unique("seclogin"), c.A, a1)
	// The login secretary above is a real secretary too: deactivate it so the numbers
	// below stay about A1..B2 (it only serves the 403 checks).
	mustExec(t, db, `UPDATE users SET active = false WHERE id = $1`, c.SecA1)

	course := func(title string, published bool) int64 {
		return mustID(t, db, `INSERT INTO courses (title, category, credit_hours, published) VALUES ($1,'理论',2,$2) RETURNING id`, title, published)
	}
	c.C1, c.C2, c.C3 = course("党章学习", true), course("发展党员工作实务", true), course("社区治理专题", true)
	c4 := course("未发布课程", false)
	c.C6 = course("选修：红色家风", true)
	c.CourseOld = course("上年度必修", true)
	assign := func(cid int64, year int, scope string, towns []int64, kinds []string, due string) {
		mustExec(t, db, `INSERT INTO course_assignments (course_id, year, scope, township_ids, branch_kinds, due_date)
			VALUES ($1,$2,$3,$4,$5,$6)`, cid, year, scope, pq.Array(towns), pq.Array(kinds), due)
	}
	assign(c.C1, 2026, "all", []int64{}, []string{}, "2026-03-31")
	assign(c.C2, 2026, "townships", []int64{c.A}, []string{}, "2026-06-30")
	assign(c.C3, 2026, "kinds", []int64{}, []string{"社区"}, "2026-09-30")  // only A3's branch
	assign(c4, 2026, "all", []int64{}, []string{}, "2026-10-31")          // unpublished: ignored
	assign(c.CourseOld, 2025, "all", []int64{}, []string{}, "2025-06-30") // other year: ignored
	done := func(uid, cid int64, at string, hours float64) {
		mustExec(t, db, `INSERT INTO course_progress (user_id, course_id, completed_at, hours_earned) VALUES ($1,$2,$3,$4)`,
			uid, cid, cstTime(at), hours)
	}
	// A1: C1 + C2 → complete; 学时 2+3 = 5.
	done(c.A1, c.C1, "2026-02-10 09:30", 2)
	done(c.A1, c.C2, "2026-04-01 20:00", 3)
	// A2: C1 only → missing C2; 学时 2 + elective 1.5 = 3.5.
	done(c.A2, c.C1, "2026-01-01 00:10", 2)
	done(c.A2, c.C6, "2026-05-01 10:00", 1.5)
	mustExec(t, db, `INSERT INTO course_progress (user_id, course_id) VALUES ($1,$2)`, c.A2, c.C2) // started, not done
	// A3: C1, C2, C3 → complete; C3 finished in 2025 (China time), so 学时 of 2026 = 2+3 = 5.
	done(c.A3, c.C1, "2026-03-01 08:00", 2)
	done(c.A3, c.C2, "2026-03-02 08:00", 3)
	done(c.A3, c.C3, "2025-12-31 23:30", 4)
	// B1: C1 → complete (C2 is 甲镇's, C3 社区's); 学时 2.
	done(c.B1, c.C1, "2026-06-15 12:00", 2)
	// B2: nothing. The inactive secretary's progress must not count.
	done(c.InactiveInA, c.C1, "2026-02-01 08:00", 2)
	// Completions written here go to the 学时 ledger as courses' completion would.
	if _, err := hours.BackfillCourses(context.Background(), db); err != nil {
		t.Fatal(err)
	}

	exam := func(title, opens string, pass float64, all bool) int64 {
		return mustID(t, db, `INSERT INTO exams (title, opens_at, closes_at, duration_minutes, pass_score, total_points, all_townships, rules)
			VALUES ($1,$2,$3,60,$4,100,$5,'[]') RETURNING id`, title, cstTime(opens), cstTime(opens).Add(30*24*time.Hour), pass, all)
	}
	c.E1 = exam("党章知识测试", "2026-03-01 08:00", 60, true)
	c.E2 = exam("发展党员专项测试", "2026-06-01 08:00", 80, false)
	c.E0 = exam("上年度测试", "2025-11-01 08:00", 60, true)
	mustExec(t, db, `INSERT INTO exam_townships (exam_id, township_id) VALUES ($1,$2)`, c.E2, c.A)
	seq := map[[2]int64]int{}
	attempt := func(eid, uid int64, status string, score float64, finished string) {
		k := [2]int64{eid, uid}
		seq[k]++
		var passed any
		var fin any
		var sc any
		if status == "finished" {
			pass := 60.0
			if eid == c.E2 {
				pass = 80
			}
			passed, sc, fin = score >= pass, score, cstTime(finished)
		}
		mustExec(t, db, `INSERT INTO attempts (exam_id, user_id, seq, status, deadline, finished_at, paper, shape, score, max_score, passed)
			VALUES ($1,$2,$3,$4,now() + interval '1 hour',$5,'[]','',$6,100,$7)`, eid, uid, seq[k], status, fin, sc, passed)
	}
	// A1: E1 55 then 75 (best 75, passed, 2 attempts); E2 85 passed → 通过.
	attempt(c.E1, c.A1, "finished", 55, "2026-03-02 10:00")
	attempt(c.E1, c.A1, "finished", 75, "2026-03-05 10:00")
	attempt(c.E2, c.A1, "finished", 85, "2026-06-02 10:00")
	// A2: E1 90 passed; E2 not taken → 参考, not 通过.
	attempt(c.E1, c.A2, "finished", 90, "2026-03-03 11:00")
	// A3: E1 only in progress (not taken); E2 70 failed → 参考, not 通过.
	attempt(c.E1, c.A3, "in_progress", 0, "")
	attempt(c.E2, c.A3, "finished", 70, "2026-06-03 09:00")
	// B1: E1 exactly 60 → passed (E2 is not for 乙镇) → 通过.
	attempt(c.E1, c.B1, "finished", 60, "2026-03-04 15:00")
	// Last year's exam does not count.
	attempt(c.E0, c.B2, "finished", 99, "2025-11-02 15:00")

	tour := func(title, starts string) int64 {
		return mustID(t, db, `INSERT INTO tours (title, destination, starts_on, ends_on, total_seats, signup_opens_at, signup_closes_at, cancel_deadline, status, year)
			VALUES ($1,'江西',$2::date,$2::date + 3,30, now() - interval '30 days', now() - interval '1 day', now() - interval '1 day','open',
			        extract(year FROM $2::date)) RETURNING id`, title, starts)
	}
	t1, t2, t3 := tour("井冈山红色教育", "2026-05-10"), tour("延安学习", "2025-10-01"), tour("西柏坡学习", "2026-08-01")
	signup := func(tid, uid, town int64, status string) {
		mustExec(t, db, `INSERT INTO tour_signups (tour_id, user_id, township_id, status) VALUES ($1,$2,$3,$4)`, tid, uid, town, status)
	}
	signup(t1, c.A1, c.A, "confirmed")
	signup(t3, c.A1, c.A, "confirmed")
	signup(t1, c.A2, c.A, "approved")  // not yet confirmed by the county
	signup(t2, c.A3, c.A, "confirmed") // last year
	signup(t1, c.B2, c.B, "confirmed")
	return c
}
