package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/database"
	"zhibu/app/hours"
	"zhibu/app/record"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
	"zhibu/app/workbook/workbooktest"
)

// The 学习档案 (app/record) agrees with the ledger and the completion workbook
// (app/reports) for the same person: for people with courses done or not, exams passed,
// failed and not taken, a class closed by 结班 (classes.Decide on real attendance), a
// confirmed tour with and without its report, a manual credit and a revoked one, the
// record's total and items equal /api/v1/me/hours and the person's row of the completion
// workbook, and the township's record workbook shows the same 学时.
func TestRecordAgreesWithLedgerAndWorkbook(t *testing.T) {
	ctx := context.Background()
	db, err := database.Open(ctx, testdb.Fresh(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := database.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := webtest.Server(t, db, web.Config{Logger: quiet}, mountFeatures)
	year := time.Now().In(web.China).Year()
	day := func(month, d, h int) time.Time { return time.Date(year, time.Month(month), d, h, 0, 0, 0, web.China) }
	one := func(q string, args ...any) int64 {
		var id int64
		testdb.Get(t, db, &id, q, args...)
		return id
	}

	town := testdb.Township(t, db, "甲镇")
	branch := testdb.Branch(t, db, town, "甲村党支部", "农村")
	admin := testdb.User(t, db, "admin", "agree-admin", 0, 0)
	person := func(name string) int64 {
		id := testdb.User(t, db, "secretary", testdb.Unique("agree"), town, branch)
		testdb.Exec(t, db, `UPDATE users SET name = $2 WHERE id = $1`, id, name)
		return id
	}
	full, partly, idle := person("全勤书记"), person("缺课书记"), person("未学书记")
	testdb.Exec(t, db, `UPDATE users SET must_change_password = false`)

	// Courses: C1 必修 for all, C2 必修 for 甲镇, C3 an elective.
	course := func(title string) int64 {
		return one(`INSERT INTO courses (title, category, credit_hours, published) VALUES ($1,'理论',2,true) RETURNING id`, title)
	}
	c1, c2, c3 := course("党章学习"), course("发展党员实务"), course("红色家风")
	testdb.Exec(t, db, `INSERT INTO course_assignments (course_id, year, scope, township_ids, branch_kinds, due_date)
		VALUES ($1,$3,'all','{}','{}',make_date($3, 6, 30)), ($2,$3,'townships',ARRAY[$4::bigint],'{}',make_date($3, 9, 30))`, c1, c2, year, town)
	done := func(uid, cid int64, at time.Time, h float64) {
		testdb.Exec(t, db, `INSERT INTO course_progress (user_id, course_id, completed_at, hours_earned) VALUES ($1,$2,$3,$4)`, uid, cid, at, h)
	}
	done(full, c1, day(2, 10, 9), 2)
	done(full, c2, day(4, 1, 20), 3)
	done(full, c3, day(5, 1, 10), 1.5)
	done(partly, c1, day(3, 3, 8), 2)
	if _, err := hours.BackfillCourses(ctx, db); err != nil {
		t.Fatal(err)
	}

	// Exams: full passes E1 at the second try; partly fails it; nobody takes E2.
	exam := func(title string, opens time.Time) int64 {
		return one(`INSERT INTO exams (title, opens_at, closes_at, duration_minutes, pass_score, total_points, all_townships, rules)
			VALUES ($1,$2,$3,60,60,100,true,'[]') RETURNING id`, title, opens, opens.Add(20*24*time.Hour))
	}
	e1, _ := exam("党章知识测试", day(3, 1, 8)), exam("发展党员测试", day(6, 1, 8))
	for i, a := range []struct {
		uid   int64
		score float64
	}{{full, 55}, {full, 80}, {partly, 40}} {
		testdb.Exec(t, db, `INSERT INTO attempts (exam_id, user_id, seq, status, deadline, finished_at, paper, shape, score, max_score, passed)
			VALUES ($1,$2,$3,'finished',now(),now(),'[]','',$4,100,$5)`, e1, a.uid, i+1, a.score, a.score >= 60)
	}

	// A class of three 2-学时 sessions, all over: full present, late, present; partly
	// present, absent, leave. The admin closes it (结班): classes decide 结业 and credit.
	secret := make([]byte, 32)
	rand.Read(secret)
	class := one(`INSERT INTO classes (title, kind, township_id) VALUES ('三会一课实务培训班','实务',$1) RETURNING id`, town)
	var sessions []int64
	for i := 0; i < 3; i++ {
		start := time.Now().Add(time.Duration(-72+24*i) * time.Hour)
		sessions = append(sessions, one(`INSERT INTO class_sessions (class_id, starts_at, ends_at, topic, hours, secret)
			VALUES ($1,$2,$3,$4,2,$5) RETURNING id`, class, start, start.Add(2*time.Hour), fmt.Sprintf("第%d讲", i+1), secret))
	}
	for uid, marks := range map[int64][]string{full: {"present", "late", "present"}, partly: {"present", "absent", "leave"}} {
		testdb.Exec(t, db, `INSERT INTO class_participants (class_id, user_id, township_id) VALUES ($1,$2,$3)`, class, uid, town)
		for i, m := range marks {
			testdb.Exec(t, db, `INSERT INTO class_attendance (session_id, user_id, status, via) VALUES ($1,$2,$3,'roll')`, sessions[i], uid, m)
		}
	}
	adm := webtest.AsUser(t, srv, admin)
	if st, body := adm.JSON("POST", fmt.Sprintf("/api/v1/classes/%d/close", class), nil); st != 200 {
		t.Fatalf("结班: %d %s", st, body)
	}

	// A tour asking for a report (4 学时, credited when accepted): full's report accepted,
	// partly's not handed in. A tour without report (3 学时): idle confirmed.
	tour := func(title string, starts time.Time, h float64, report bool) int64 {
		return one(`INSERT INTO tours (title, destination, starts_on, ends_on, total_seats, signup_opens_at, signup_closes_at,
			cancel_deadline, status, year, hours, report_due)
			VALUES ($1,'江西',$2::date,$2::date + 3,30, now() - interval '30 days', now() - interval '20 days', now() - interval '20 days','open',
			        $3, $4, CASE WHEN $5 THEN $2::date + 20 END) RETURNING id`, title, starts.Format("2006-01-02"), year, h, report)
	}
	t1, t2 := tour("井冈山红色教育", day(5, 10, 0), 4, true), tour("西柏坡学习", day(8, 1, 0), 3, false)
	for _, s := range []struct{ tid, uid int64 }{{t1, full}, {t1, partly}, {t2, idle}} {
		testdb.Exec(t, db, `INSERT INTO tour_signups (tour_id, user_id, township_id, status) VALUES ($1,$2,$3,'confirmed')`, s.tid, s.uid, town)
	}
	testdb.Exec(t, db, `INSERT INTO tour_reports (tour_id, user_id, status, body, submitted_at) VALUES ($1,$2,'accepted','体会',now())`, t1, full)
	for _, cr := range []struct {
		tid, uid int64
		h        float64
		title    string
	}{{t1, full, 4, "井冈山红色教育"}, {t2, idle, 3, "西柏坡学习"}} {
		if _, err := hours.Write(ctx, db, hours.Credit{UserID: cr.uid, Year: year, Source: hours.SourceTour, SourceID: cr.tid,
			Hours: cr.h, At: time.Now(), Note: cr.title}); err != nil {
			t.Fatal(err)
		}
	}

	// Manual credits: full gets 6; partly gets 5, revoked.
	credit := func(uid int64, h float64) int64 {
		st, body := adm.JSON("POST", "/api/v1/hours", map[string]any{"user_id": uid, "year": year, "hours": h, "note": "市委党校培训"})
		if st != 201 {
			t.Fatalf("credit: %d %s", st, body)
		}
		var e struct {
			ID int64 `json:"id"`
		}
		webtest.Decode(t, body, &e)
		return e.ID
	}
	credit(full, 6)
	if st, body := adm.JSON("DELETE", fmt.Sprintf("/api/v1/hours/%d", credit(partly, 5)), map[string]any{"reason": "重复"}); st != 200 {
		t.Fatalf("revoke: %d %s", st, body)
	}

	// The completion workbook of the township and the township's records, read back.
	q := fmt.Sprintf("?year=%d&township=%d", year, town)
	completion := workbooktest.Read(t, agreeDownload(t, adm, "/api/v1/reports/completion.xlsx"+q))["甲镇"]
	records := workbooktest.Read(t, agreeDownload(t, adm, "/admin/record/township.xlsx"+q))["汇总"]
	head := completion.Rows[1]
	col := func(h string) int {
		for i, v := range head {
			if v == h {
				return i
			}
		}
		t.Fatalf("completion workbook: no column %q in %v", h, head)
		return -1
	}
	rowOf := func(rows [][]string, nameCol int, name string) []string {
		for _, r := range rows {
			if len(r) > nameCol && r[nameCol] == name {
				return append(r, make([]string, len(head))...)
			}
		}
		t.Fatalf("no row of %s", name)
		return nil
	}

	for _, tc := range []struct {
		name  string
		id    int64
		total float64
	}{{"全勤书记", full, 2 + 3 + 1.5 + 6 + 4 + 6}, {"缺课书记", partly, 2 + 2}, {"未学书记", idle, 3}} {
		t.Run(tc.name, func(t *testing.T) {
			sec := webtest.AsUser(t, srv, tc.id)
			var r record.Record
			var l struct {
				Target, Online, Offline, Total float64
				Reached                        bool
			}
			agreeJSON(t, sec, fmt.Sprintf("/api/v1/me/record?year=%d", year), &r)
			agreeJSON(t, sec, fmt.Sprintf("/api/v1/me/hours?year=%d", year), &l)
			if r.Total != tc.total || r.Total != l.Total || r.Online != l.Online || r.Offline != l.Offline ||
				r.Target != l.Target || r.Reached != l.Reached || r.ItemHours() != r.Total {
				t.Errorf("record %+v (items %g), ledger %+v, want total %g", r.Totals, r.ItemHours(), l, tc.total)
			}
			// The class: the attendance the record counts is what 结班 decided and credited.
			var closed []struct {
				Completed bool    `db:"completed"`
				Hours     float64 `db:"hours"`
			}
			if err := sqlx.Select(db, &closed, `SELECT completed, hours_attended::float8 AS hours FROM class_participants
				WHERE class_id = $1 AND user_id = $2`, class, tc.id); err != nil {
				t.Fatal(err)
			}
			if len(closed) != len(r.Classes) {
				t.Fatalf("classes %+v, participation %+v", r.Classes, closed)
			}
			for i, c := range r.Classes {
				if c.Completed == nil || *c.Completed != closed[i].Completed || c.AttendedHours != closed[i].Hours || c.Hours != closed[i].Hours {
					t.Errorf("class %+v; 结班 decided %+v", c, closed[i])
				}
			}
			// The person's row of the completion workbook.
			row := rowOf(completion.Rows[2:], col("姓名"), tc.name)
			num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
			for h, want := range map[string]string{"线上学时": num(r.Online), "线下学时": num(r.Offline), "学时合计": num(r.Total)} {
				if got := row[col(h)]; got != want {
					t.Errorf("workbook %s %q, record %q", h, got, want)
				}
			}
			for _, c := range r.Courses {
				if !c.Required {
					continue
				}
				got, want := row[col(c.Title)], "未完成"
				if c.CompletedAt != nil {
					want = c.CompletedAt.In(web.China).Format("2006-01-02")
				}
				if !strings.HasPrefix(got, want) {
					t.Errorf("workbook %s %q, record %q", c.Title, got, want)
				}
			}
			passedAll := len(r.Exams) > 0
			for _, e := range r.Exams {
				got, want := row[col(e.Title+"（最高分）")], "未参加"
				if e.Best != nil {
					want = num(*e.Best)
				}
				if got != want {
					t.Errorf("workbook %s %q, record %q", e.Title, got, want)
				}
				passedAll = passedAll && e.Passed
			}
			if got, want := row[col("是否通过")], map[bool]string{true: "是", false: "否"}[passedAll]; got != want {
				t.Errorf("workbook 是否通过 %q, record %q", got, want)
			}
			var tours []string
			for _, x := range r.Tours {
				tours = append(tours, x.Title)
			}
			if got := row[col("参加考察")]; got != strings.Join(tours, "、") {
				t.Errorf("workbook 参加考察 %q, record %v", got, tours)
			}
			// The township's record workbook: the same 学时.
			rec := rowOf(records.Rows[2:], 2, tc.name)
			if got := rec[4:7]; strings.Join(got, " ") != strings.Join([]string{num(r.Online), num(r.Offline), num(r.Total)}, " ") {
				t.Errorf("record workbook 学时 %v, record %g %g %g", got, r.Online, r.Offline, r.Total)
			}
		})
	}
}

func agreeJSON(t *testing.T, c *webtest.Client, path string, v any) {
	t.Helper()
	st, body := c.JSON("GET", path, nil)
	if st != 200 {
		t.Fatalf("GET %s: %d %s", path, st, body)
	}
	webtest.Decode(t, body, v)
}

func agreeDownload(t *testing.T, c *webtest.Client, path string) []byte {
	t.Helper()
	resp := c.Do("GET", path, nil, "")
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body
}
