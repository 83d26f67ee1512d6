package record

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/hours"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

const year = 2026

// county is a small county with one of everything a record shows, the expected numbers
// worked out by hand in the comments of buildCounty.
type county struct {
	A, B                  int64 // townships 甲镇, 乙镇
	Admin, OrgA, OrgB     int64
	A1, A2, A3, B1, Gone  int64 // secretaries; Gone has left (inactive), in 甲镇
	C1, C2, C6            int64 // courses: C1 必修 for all, C2 必修 for 甲镇, C6 elective
	E1, E2                int64 // exams: E1 for all, E2 for 甲镇
	Class                 int64
	T1, T2                int64 // tours: T1 asks for a report, T2 does not
	Manual, Revoked       int64 // A1's manual credit; A2's, revoked
	srv                   *web.Server
	admin, orgA, orgB     *webtest.Client
	a1, a2, a3, b1, guest *webtest.Client
}

func cst(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, web.China)
	if err != nil {
		panic(err)
	}
	return t
}

func id(t testing.TB, db *sqlx.DB, q string, args ...any) int64 {
	t.Helper()
	var v int64
	testdb.Get(t, db, &v, q, args...)
	return v
}

func buildCounty(t *testing.T, db *sqlx.DB) *county {
	t.Helper()
	ctx := context.Background()
	c := &county{}
	c.A, c.B = testdb.Township(t, db, testdb.Unique("甲镇")), testdb.Township(t, db, testdb.Unique("乙镇"))
	ba, bb := testdb.Branch(t, db, c.A, "甲村党支部", "农村"), testdb.Branch(t, db, c.B, "乙社区党支部", "社区")
	c.Admin = testdb.User(t, db, "admin", testdb.Unique("admin"), 0, 0)
	c.OrgA = testdb.User(t, db, "organizer", testdb.Unique("orga"), c.A, 0)
	c.OrgB = testdb.User(t, db, "organizer", testdb.Unique("orgb"), c.B, 0)
	c.A1 = testdb.User(t, db, "secretary", testdb.Unique("a1"), c.A, ba)
	c.A2 = testdb.User(t, db, "secretary", testdb.Unique("a2"), c.A, ba)
	c.A3 = testdb.User(t, db, "secretary", testdb.Unique("a3"), c.A, ba)
	c.B1 = testdb.User(t, db, "secretary", testdb.Unique("b1"), c.B, bb)
	c.Gone = testdb.User(t, db, "secretary", testdb.Unique("gone"), c.A, ba)
	testdb.Exec(t, db, `UPDATE users SET active = false WHERE id = $1`, c.Gone)

	course := func(title string) int64 {
		return id(t, db, `INSERT INTO courses (title, category, credit_hours, published) VALUES ($1,'理论',2,true) RETURNING id`, testdb.Unique(title))
	}
	c.C1, c.C2, c.C6 = course("党章学习"), course("发展党员实务"), course("选修红色家风")
	assign := func(cid int64, scope string, towns []int64) {
		testdb.Exec(t, db, `INSERT INTO course_assignments (course_id, year, scope, township_ids, branch_kinds, due_date)
			VALUES ($1,$2,$3,$4,'{}','2026-06-30')`, cid, year, scope, pq.Array(towns))
	}
	assign(c.C1, "all", []int64{})
	assign(c.C2, "townships", []int64{c.A})
	done := func(uid, cid int64, at string, h float64) {
		testdb.Exec(t, db, `INSERT INTO course_progress (user_id, course_id, completed_at, hours_earned) VALUES ($1,$2,$3,$4)`, uid, cid, cst(at), h)
	}
	// A1: both 必修 done, the elective too: 线上 2 + 3 + 1.5 = 6.5.
	done(c.A1, c.C1, "2026-02-10 09:30", 2)
	done(c.A1, c.C2, "2026-04-01 20:00", 3)
	done(c.A1, c.C6, "2026-05-01 10:00", 1.5)
	// A2: C1 done on New Year's Eve 2025 (China time): 必修 done, but its 学时 are 2025's.
	done(c.A2, c.C1, "2025-12-31 23:30", 2)
	// B1: C1 done: 线上 2.
	done(c.B1, c.C1, "2026-06-15 12:00", 2)
	if _, err := hours.BackfillCourses(ctx, db); err != nil {
		t.Fatal(err)
	}

	exam := func(title, opens string, pass float64, all bool) int64 {
		return id(t, db, `INSERT INTO exams (title, opens_at, closes_at, duration_minutes, pass_score, total_points, all_townships, rules)
			VALUES ($1,$2,$3,60,$4,100,$5,'[]') RETURNING id`, testdb.Unique(title), cst(opens), cst(opens).Add(30*24*time.Hour), pass, all)
	}
	c.E1 = exam("党章知识测试", "2026-03-01 08:00", 60, true)
	c.E2 = exam("发展党员测试", "2026-06-01 08:00", 80, false)
	testdb.Exec(t, db, `INSERT INTO exam_townships (exam_id, township_id) VALUES ($1,$2)`, c.E2, c.A)
	seq := map[[2]int64]int{}
	attempt := func(eid, uid int64, score, pass float64) {
		k := [2]int64{eid, uid}
		seq[k]++
		testdb.Exec(t, db, `INSERT INTO attempts (exam_id, user_id, seq, status, deadline, finished_at, paper, shape, score, max_score, passed)
			VALUES ($1,$2,$3,'finished',now(),now(),'[]','',$4,100,$5)`, eid, uid, seq[k], score, score >= pass)
	}
	// A1: E1 55 then 75 (best 75, passed); E2 85 (passed). A2: E1 40 (failed), E2 not taken.
	attempt(c.E1, c.A1, 55, 60)
	attempt(c.E1, c.A1, 75, 60)
	attempt(c.E2, c.A1, 85, 80)
	attempt(c.E1, c.A2, 40, 60)

	// A class of 甲镇, two sessions of 2 学时, closed in 2026: A1 present and late (结业,
	// 4 学时), A2 present and absent (未结业 at a limit of 0, 2 学时).
	secret := make([]byte, 32)
	rand.Read(secret)
	c.Class = id(t, db, `INSERT INTO classes (title, kind, township_id, absence_num, absence_den, closed_at)
		VALUES ('支部书记实务培训班','实务',$1,0,7,$2) RETURNING id`, c.A, cst("2026-09-02 18:00"))
	s1 := id(t, db, `INSERT INTO class_sessions (class_id, starts_at, ends_at, topic, hours, secret) VALUES ($1,$2,$3,'会议记录',2,$4) RETURNING id`,
		c.Class, cst("2026-09-01 09:00"), cst("2026-09-01 11:00"), secret)
	s2 := id(t, db, `INSERT INTO class_sessions (class_id, starts_at, ends_at, topic, hours, secret) VALUES ($1,$2,$3,'组织生活会',2,$4) RETURNING id`,
		c.Class, cst("2026-09-02 09:00"), cst("2026-09-02 11:00"), secret)
	for _, p := range []struct {
		uid        int64
		st1, st2   string
		done       bool
		hoursGiven float64
	}{{c.A1, "present", "late", true, 4}, {c.A2, "present", "absent", false, 2}} {
		testdb.Exec(t, db, `INSERT INTO class_participants (class_id, user_id, township_id, completed, hours_attended) VALUES ($1,$2,$3,$4,$5)`,
			c.Class, p.uid, c.A, p.done, p.hoursGiven)
		testdb.Exec(t, db, `INSERT INTO class_attendance (session_id, user_id, status, via) VALUES ($1,$2,$3,'roll'),($4,$2,$5,'roll')`,
			s1, p.uid, p.st1, s2, p.st2)
		if _, err := hours.Write(ctx, db, hours.Credit{UserID: p.uid, Year: year, Source: hours.SourceClass, SourceID: c.Class,
			Hours: p.hoursGiven, At: cst("2026-09-02 18:00"), Note: "支部书记实务培训班"}); err != nil {
			t.Fatal(err)
		}
	}

	// Tours: T1 (5 学时, asks for a report): A1 confirmed, report accepted and credited;
	// A2 confirmed, no report yet (未交, nothing credited); A3 only pending. T2 (no report):
	// A3 confirmed, 3 学时 credited; B1 confirmed, 0 学时 tour.
	tour := func(title, starts string, h float64, report bool) int64 {
		return id(t, db, `INSERT INTO tours (title, destination, starts_on, ends_on, total_seats, signup_opens_at, signup_closes_at,
			cancel_deadline, status, year, hours, report_due)
			VALUES ($1,'江西',$2::date,$2::date + 3,30, now() - interval '30 days', now() - interval '1 day', now() - interval '1 day','open',
			        2026, $3, CASE WHEN $4 THEN $2::date + 20 END) RETURNING id`, testdb.Unique(title), starts, h, report)
	}
	c.T1, c.T2 = tour("井冈山红色教育", "2026-05-10", 5, true), tour("西柏坡学习", "2026-08-01", 3, false)
	signup := func(tid, uid, town int64, status string) {
		testdb.Exec(t, db, `INSERT INTO tour_signups (tour_id, user_id, township_id, status) VALUES ($1,$2,$3,$4)`, tid, uid, town, status)
	}
	signup(c.T1, c.A1, c.A, "confirmed")
	signup(c.T1, c.A2, c.A, "confirmed")
	signup(c.T1, c.A3, c.A, "pending")
	signup(c.T2, c.A3, c.A, "confirmed")
	signup(c.T2, c.B1, c.B, "confirmed")
	testdb.Exec(t, db, `INSERT INTO tour_reports (tour_id, user_id, status, body, submitted_at, reviewed_at) VALUES ($1,$2,'accepted','体会',now(),now())`, c.T1, c.A1)
	for _, cr := range []struct {
		tid, uid int64
		h        float64
	}{{c.T1, c.A1, 5}, {c.T2, c.A3, 3}} {
		if _, err := hours.Write(ctx, db, hours.Credit{UserID: cr.uid, Year: year, Source: hours.SourceTour, SourceID: cr.tid,
			Hours: cr.h, At: cst("2026-06-01 10:00"), Note: "考察"}); err != nil {
			t.Fatal(err)
		}
	}

	c.srv = webtest.Server(t, db, web.Config{},
		func(s *web.Server) error { return hours.Mount(s, hours.Deps{}) },
		func(s *web.Server) error { return Mount(s, Deps{}) })
	c.admin, c.orgA, c.orgB = webtest.AsUser(t, c.srv, c.Admin), webtest.AsUser(t, c.srv, c.OrgA), webtest.AsUser(t, c.srv, c.OrgB)
	c.a1, c.a2, c.a3, c.b1 = webtest.AsUser(t, c.srv, c.A1), webtest.AsUser(t, c.srv, c.A2), webtest.AsUser(t, c.srv, c.A3), webtest.AsUser(t, c.srv, c.B1)
	c.guest = webtest.New(t, c.srv.App)

	// Manual credits through the ledger's API: A1 gets 8 学时; A2 gets 6, then revoked.
	credit := func(uid int64, h float64, note string) int64 {
		st, body := c.admin.JSON("POST", "/api/v1/hours", map[string]any{"user_id": uid, "year": year, "hours": h, "note": note})
		if st != 201 {
			t.Fatalf("credit: %d %s", st, body)
		}
		var e struct {
			ID int64 `json:"id"`
		}
		webtest.Decode(t, body, &e)
		return e.ID
	}
	c.Manual = credit(c.A1, 8, "市委党校村书记示范培训班")
	c.Revoked = credit(c.A2, 6, "重复登记的培训")
	if st, body := c.admin.JSON("DELETE", "/api/v1/hours/"+itoa(c.Revoked), map[string]any{"reason": "重复认定"}); st != 200 {
		t.Fatalf("revoke: %d %s", st, body)
	}
	return c
}
