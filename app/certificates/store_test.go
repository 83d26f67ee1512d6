package certificates

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"zhibu/app/testdb"
	"zhibu/app/web"
)

var admin = func(f fx) *web.Identity { return &web.Identity{UserID: f.c.Admin, Role: web.RoleAdmin} }

// 20 concurrent triggers for the same person and programme issue exactly one certificate:
// one row, one serial, and the year's counter moved by one (no gap, no duplicate).
func TestIssueOnceUnderConcurrentTriggers(t *testing.T) {
	f := newFx(t)
	ctx := context.Background()
	sec := f.c.Secretaries[0][0]
	f.qualify(t, sec)
	year := DayOf(time.Now()).Year()
	var before int
	testdb.Get(t, f.db, &before, `SELECT COALESCE((SELECT last FROM certificate_serials WHERE year = $1), 0)`, year)

	var wg sync.WaitGroup
	var mu sync.Mutex
	issued := 0
	errs := []error{}
	start := make(chan struct{})
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			var n int
			var err error
			switch i % 3 { // the three automatic triggers end in the same operation
			case 0:
				n, err = f.st.Issue(ctx, f.prog, []int64{sec})
			case 1:
				n, err = f.st.IssueForUser(ctx, sec)
			default:
				n, err = f.st.Issue(ctx, f.prog, nil)
			}
			mu.Lock()
			defer mu.Unlock()
			issued += n
			if err != nil {
				errs = append(errs, err)
			}
		}(i)
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent issue: %v", errs)
	}
	if issued != 1 || f.count(t, f.prog, sec) != 1 {
		t.Fatalf("issued %d, rows %d; want exactly one", issued, f.count(t, f.prog, sec))
	}
	var serial string
	var after int
	testdb.Get(t, f.db, &serial, `SELECT serial FROM certificates WHERE programme_id = $1 AND user_id = $2`, f.prog, sec)
	testdb.Get(t, f.db, &after, `SELECT last FROM certificate_serials WHERE year = $1`, year)
	if want := FormatSerial(year, before+1); serial != want || after != before+1 {
		t.Fatalf("serial %s (counter %d → %d), want %s", serial, before, after, want)
	}
	// Later triggers change nothing.
	if n, err := f.st.IssueForUser(ctx, sec); err != nil || n != 0 || f.count(t, f.prog, sec) != 1 {
		t.Fatalf("again: %d %v", n, err)
	}
	var again string
	testdb.Get(t, f.db, &again, `SELECT serial FROM certificates WHERE programme_id = $1 AND user_id = $2`, f.prog, sec)
	if again != serial {
		t.Fatalf("serial changed: %s → %s", serial, again)
	}
}

// The year programme asks exactly the other features' facts: the 必修 courses done
// (zhibu_required_courses_left), the programme's exam passed; inactive people and staff
// get none; the certificate carries the year's 学时 and the snapshot of name and branch.
func TestYearProgrammeQualification(t *testing.T) {
	f := newFx(t)
	ctx := context.Background()
	sec := f.c.Secretaries[0][1]
	issue := func() int {
		t.Helper()
		n, err := f.st.Issue(ctx, f.prog, []int64{sec})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if issue() != 0 {
		t.Fatal("issued with nothing done")
	}
	pend, err := f.st.Pending(ctx, sec)
	if err != nil || len(pend) == 0 || !strings.Contains(strings.Join(pend[0].Missing, "|"), "1 门必修课程") {
		t.Fatalf("pending: %+v %v", pend, err)
	}
	f.completeCourse(t, sec)
	f.attempt(t, sec, f.exam, time.Now(), false) // failed
	var other int64
	testdb.Get(t, f.db, &other, `INSERT INTO exams (title, opens_at, closes_at, duration_minutes, pass_score, total_points, rules)
		VALUES ($1, now(), now() + interval '1 day', 30, 6, 10, '[]') RETURNING id`, testdb.Unique("别的考试"))
	f.pass(t, sec, other, time.Now()) // another exam passed does not count
	if issue() != 0 {
		t.Fatal("issued without the programme's exam passed")
	}
	testdb.Exec(t, f.db, `INSERT INTO hour_credits (user_id, year, source, hours) VALUES ($1, $2, 'manual', 3.5), ($1, $2, 'manual', 2)`, sec, f.year)
	testdb.Exec(t, f.db, `INSERT INTO hour_credits (user_id, year, source, hours, revoked_at) VALUES ($1, $2, 'manual', 9, now())`, sec, f.year)
	testdb.Exec(t, f.db, `INSERT INTO hour_credits (user_id, year, source, hours) VALUES ($1, $2, 'manual', 7)`, sec, f.year+1)
	f.pass(t, sec, f.exam, time.Now())
	if issue() != 1 {
		t.Fatal("not issued when qualified")
	}
	list, err := f.st.Mine(ctx, sec)
	if err != nil || len(list) != 1 {
		t.Fatalf("mine: %+v %v", list, err)
	}
	c := list[0]
	var name, branch, township string
	testdb.Get(t, f.db, &name, `SELECT name FROM users WHERE id = $1`, sec)
	testdb.Get(t, f.db, &branch, `SELECT name FROM branches WHERE id = $1`, f.c.Branches[0][0])
	testdb.Get(t, f.db, &township, `SELECT name FROM townships WHERE id = $1`, f.c.Townships[0])
	if c.Hours != 5.5 || c.Name != name || c.Branch != branch || c.Township != township || !ValidCode(c.Code) ||
		c.IssuedOn != DayOf(time.Now()).Format(time.DateOnly) || !c.Valid() {
		t.Fatalf("certificate: %+v", c)
	}
	// The snapshot stays when the person is renamed.
	testdb.Exec(t, f.db, `UPDATE users SET name = name || '改' WHERE id = $1`, sec)
	if again, _ := f.st.Mine(ctx, sec); again[0].Name != name {
		t.Fatalf("snapshot changed: %s", again[0].Name)
	}

	// An inactive secretary and an organizer who qualify get nothing; everyone else
	// qualified does, set-based.
	off, org := f.c.Secretaries[1][0], f.c.Organizers[0]
	f.qualify(t, off)
	f.pass(t, org, f.exam, time.Now())
	testdb.Exec(t, f.db, `UPDATE users SET active = false WHERE id = $1`, off)
	ok := f.c.Secretaries[1][1]
	f.qualify(t, ok)
	n, err := f.st.Issue(ctx, f.prog, nil)
	if err != nil || n != 1 || f.count(t, f.prog, ok) != 1 || f.count(t, f.prog, off) != 0 || f.count(t, f.prog, org) != 0 {
		t.Fatalf("issue all: %d %v", n, err)
	}
	// A switched-off programme issues nothing.
	p, _ := f.st.Programme(ctx, f.prog)
	no := false
	if _, err := f.st.UpdateProgramme(ctx, f.prog, ProgrammeInput{Title: p.Title, Kind: KindYear, Year: f.year, ExamID: f.exam, Active: &no}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Issue(ctx, f.prog, nil); !errors.Is(err, ErrProgrammeInactive) {
		t.Fatalf("inactive: %v", err)
	}
	// Its rule no longer changes once issued.
	if _, err := f.st.UpdateProgramme(ctx, f.prog, ProgrammeInput{Title: p.Title, Kind: KindYear, Year: f.year + 1}); !errors.Is(err, ErrProgrammeInUse) {
		t.Fatalf("rule change after issue: %v", err)
	}
}

// Without an exam named, any exam passed and finished in the programme's year (China
// time) counts; one passed the year before does not.
func TestYearProgrammeAnyExamThatYear(t *testing.T) {
	f := newFx(t)
	ctx := context.Background()
	p, err := f.st.CreateProgramme(ctx, admin(f), ProgrammeInput{Title: testdb.Unique("任一考试"), Kind: KindYear, Year: f.year})
	if err != nil {
		t.Fatal(err)
	}
	early, late := f.c.Secretaries[0][0], f.c.Secretaries[0][1]
	f.completeCourse(t, early)
	f.completeCourse(t, late)
	// 23:30 on 31 Dec of the year before in China is still that year.
	f.pass(t, early, f.exam, time.Date(f.year-1, 12, 31, 23, 30, 0, 0, web.China))
	f.pass(t, late, f.exam, time.Date(f.year, 1, 1, 0, 30, 0, 0, web.China))
	if n, err := f.st.Issue(ctx, p.ID, nil); err != nil || n != 1 || f.count(t, p.ID, late) != 1 || f.count(t, p.ID, early) != 0 {
		t.Fatalf("issue: %d %v", n, err)
	}
}

// A class programme issues to the participants 结班 decided 结业 for, with the class's
// 学时 from the ledger; IssueForClass is the trigger after 结班.
func TestClassProgramme(t *testing.T) {
	f := newFx(t)
	ctx := context.Background()
	var class int64
	testdb.Get(t, f.db, &class, `INSERT INTO classes (title, kind) VALUES ($1, '实务') RETURNING id`, testdb.Unique("培训班"))
	done, failed, open := f.c.Secretaries[0][0], f.c.Secretaries[0][1], f.c.Secretaries[1][0]
	for _, u := range []int64{done, failed, open} {
		testdb.Exec(t, f.db, `INSERT INTO class_participants (class_id, user_id, township_id) SELECT $1, id, township_id FROM users WHERE id = $2`, class, u)
	}
	p, err := f.st.CreateProgramme(ctx, admin(f), ProgrammeInput{Title: testdb.Unique("培训班结业"), Kind: KindClass, ClassID: class})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.CreateProgramme(ctx, admin(f), ProgrammeInput{Title: "再来一个", Kind: KindClass, ClassID: class}); !errors.Is(err, ErrClassTaken) {
		t.Fatalf("second programme of the class: %v", err)
	}
	if n, err := f.st.IssueForClass(ctx, class); err != nil || n != 0 {
		t.Fatalf("before 结班: %d %v", n, err)
	}
	testdb.Exec(t, f.db, `UPDATE class_participants SET completed = (user_id = $2), hours_attended = 6 WHERE class_id = $1 AND user_id IN ($2, $3)`, class, done, failed)
	testdb.Exec(t, f.db, `INSERT INTO hour_credits (user_id, year, source, source_id, hours) VALUES ($1, $2, 'class', $3, 6), ($1, $2, 'manual', NULL, 4)`,
		done, f.year, class)
	if n, err := f.st.IssueForClass(ctx, class); err != nil || n != 1 {
		t.Fatalf("after 结班: %d %v", n, err)
	}
	if f.count(t, p.ID, done) != 1 || f.count(t, p.ID, failed) != 0 || f.count(t, p.ID, open) != 0 {
		t.Fatal("only the participant who completed gets one")
	}
	list, _ := f.st.Mine(ctx, done)
	if len(list) != 1 || list[0].Hours != 6 {
		t.Fatalf("class hours: %+v", list)
	}
	// A participant not closed yet sees what is missing; a non-participant is not offered the class.
	offered := func(user int64) []string {
		pend, err := f.st.Pending(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range pend {
			if x.Programme.ID == p.ID {
				return x.Missing
			}
		}
		return nil
	}
	if m := offered(open); len(m) != 1 || !strings.Contains(m[0], "结班后结业") {
		t.Fatalf("participant's pending: %v", m)
	}
	if m := offered(f.c.Secretaries[1][1]); m != nil {
		t.Fatalf("class programme offered to a non-participant: %v", m)
	}
}

// Revoking shows on the verification; revoking again is a conflict; a reason is required.
func TestRevokeShowsOnVerification(t *testing.T) {
	f := newFx(t)
	ctx := context.Background()
	sec := f.c.Secretaries[1][1]
	f.qualify(t, sec)
	if _, err := f.st.IssueForUser(ctx, sec); err != nil {
		t.Fatal(err)
	}
	list, _ := f.st.Mine(ctx, sec)
	c := list[0]
	v, err := f.st.Verify(ctx, c.Code)
	if err != nil || !v.Valid || v.Name != c.Name || v.Programme != c.Programme || v.IssuedOn != c.IssuedOn || v.RevokedReason != "" {
		t.Fatalf("verify: %+v %v", v, err)
	}
	for _, bad := range []string{"", "   ", "a\x00b", strings.Repeat("字", MaxReason+1)} {
		var fe web.FieldErrors
		if _, err := f.st.Revoke(ctx, admin(f), c.ID, RevokeInput{Reason: bad}); !errors.As(err, &fe) || fe["reason"] == "" {
			t.Fatalf("reason %q: %v", bad, err)
		}
	}
	if _, err := f.st.Revoke(ctx, admin(f), c.ID+1000000, RevokeInput{Reason: "材料不实"}); !errors.Is(err, ErrCertificateNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	r, err := f.st.Revoke(ctx, admin(f), c.ID, RevokeInput{Reason: " 考试作弊，成绩无效 "})
	if err != nil || r.Valid() || r.RevokeReason != "考试作弊，成绩无效" {
		t.Fatalf("revoke: %+v %v", r, err)
	}
	if _, err := f.st.Revoke(ctx, admin(f), c.ID, RevokeInput{Reason: "再撤一次"}); !errors.Is(err, ErrAlreadyRevoked) {
		t.Fatalf("again: %v", err)
	}
	v, err = f.st.Verify(ctx, c.Code)
	if err != nil || v.Valid || v.RevokedReason != "考试作弊，成绩无效" {
		t.Fatalf("verify revoked: %+v %v", v, err)
	}
	// A revoked certificate is never issued again by a trigger.
	if n, err := f.st.IssueForUser(ctx, sec); err != nil || n != 0 {
		t.Fatalf("reissued: %d %v", n, err)
	}
	forged, _ := NewCode()
	for _, code := range []string{forged, "x", strings.ToUpper(c.Code), c.Code + "a"} {
		if _, err := f.st.Verify(ctx, code); !errors.Is(err, ErrCertificateNotFound) {
			t.Fatalf("verify %q: %v", code, err)
		}
	}
}

// The rate limit's counter counts every one of parallel hits exactly once.
func TestHitCountsParallel(t *testing.T) {
	f := newFx(t)
	ctx := context.Background()
	win := Window(time.Now())
	ip := testdb.Unique("198.51.100.")
	var wg sync.WaitGroup
	seen := make([]int, 40)
	for i := range seen {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			n, err := f.st.Hit(ctx, ip, win)
			if err != nil {
				t.Error(err)
			}
			seen[i] = n
		}(i)
	}
	wg.Wait()
	got := map[int]bool{}
	for _, n := range seen {
		got[n] = true
	}
	if len(got) != 40 || !got[1] || !got[40] {
		t.Fatalf("hits: %v", seen)
	}
	if n, _ := f.st.Hit(ctx, ip, win.Add(time.Minute)); n != 1 {
		t.Fatalf("next window: %d", n)
	}
}
