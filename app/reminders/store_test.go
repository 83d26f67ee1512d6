package reminders

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/testdb"
	"zhibu/app/web"
)

// about counts the messages the user got from reminders about one item.
func about(t *testing.T, db *sqlx.DB, user int64, kind string, id int64) int {
	t.Helper()
	var n int
	testdb.Get(t, db, &n, `SELECT count(*) FROM messages m JOIN reminders r ON m.ref = 'reminder:' || r.id
		WHERE r.target = $1 AND r.target_id = $2 AND m.user_id = $3`, kind, id, user)
	return n
}

// together runs fn n times at once and returns the errors.
func together(n int, fn func(i int) error) []error {
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}(i)
	}
	close(start)
	wg.Wait()
	return errs
}

// Two staff remind about the same course at the same moment (the organizer and the
// county): every unfinished secretary gets one message, the other send reports them
// skipped; a second round within 7 days sends nothing.
func TestConcurrentManualSendsRemindOnce(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	id, lessons := course(t, db, 2, time.Now().AddDate(0, 0, 10))
	complete(t, db, c.Secretaries[0][3], id, lessons)
	s := NewStore(db, testDeps)
	org, admin := identity(t, db, c.Organizers[0]), identity(t, db, c.Admin)
	in := SendInput{Target: TargetCourse, TargetID: id, Text: "请尽快完成必修课"}
	var mu sync.Mutex
	var results []Result
	errs := together(4, func(i int) error {
		me, x := org, in
		if i%2 == 1 {
			me, x.Filter.Township = admin, c.Townships[0]
		}
		r, err := s.Send(context.Background(), me, x)
		mu.Lock()
		results = append(results, r)
		mu.Unlock()
		return err
	})
	sent, failed := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, ErrNoRecipients):
			failed++
		default:
			t.Fatalf("send %d: %v", i, err)
		}
	}
	for _, r := range results {
		sent += r.Recipients
	}
	if sent != 3 || failed != 3 {
		t.Errorf("sent %d messages with %d sends refused, want 3 messages (3 unfinished) and 3 refused: %+v", sent, failed, results)
	}
	for _, u := range c.Secretaries[0][:3] {
		if n := about(t, db, u, TargetCourse, id); n != 1 {
			t.Errorf("secretary %d got %d reminders, want 1", u, n)
		}
	}
	if n := about(t, db, c.Secretaries[0][3], TargetCourse, id); n != 0 {
		t.Errorf("the secretary who completed the course got %d reminders", n)
	}
	for _, u := range c.Secretaries[1] {
		if n := about(t, db, u, TargetCourse, id); n != 0 {
			t.Errorf("a secretary of the other township got %d reminders", n)
		}
	}
	// The message leads to the first lesson not finished, with the reminder's ref.
	var url string
	testdb.Get(t, db, &url, `SELECT url FROM messages WHERE user_id = $1 AND kind = 'reminder' AND ref LIKE 'reminder:%'`, c.Secretaries[0][0])
	if want := "/lessons/" + itoa(lessons[0]); url != want {
		t.Errorf("url %q, want %q", url, want)
	}
	// Within 7 days: a preview says skipped, a send is refused naming how many.
	p, err := s.Preview(context.Background(), org, SendInput{Target: TargetCourse, TargetID: id})
	if err != nil || p.Send != 0 || p.Skipped != 3 {
		t.Errorf("preview after the send: %+v %v", p, err)
	}
	if _, err := s.Send(context.Background(), org, in); !errors.Is(err, ErrNoRecipients) {
		t.Errorf("second send within 7 days: %v", err)
	}
}

// Two passes at once (with the pass's lock, and without it, the 7-day claim alone) send
// each person one 即将截止 per item; a third pass sends nothing new.
func TestConcurrentPassesRemindOnce(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	now := at(0, 10)
	id, lessons := course(t, db, 1, now.AddDate(0, 0, 2))
	complete(t, db, c.Secretaries[1][0], id, lessons)
	ex := exam(t, db, now.Add(-time.Hour), now.Add(30*time.Hour))
	passExam(t, db, ex, c.Secretaries[1][1])
	far := exam(t, db, now.Add(-time.Hour), now.Add(5*24*time.Hour)) // closes after the window

	for _, locked := range []bool{true, false} {
		errs := together(3, func(int) error {
			var err error
			if locked {
				_, err = Pass(context.Background(), db, testDeps, now)
			} else {
				_, err = pass(context.Background(), db, testDeps, now)
			}
			return err
		})
		for _, err := range errs {
			if err != nil {
				t.Fatalf("pass (locked %v): %v", locked, err)
			}
		}
		for ti := range c.Secretaries {
			for _, u := range c.Secretaries[ti] {
				wantCourse, wantExam := 1, 1
				if u == c.Secretaries[1][0] {
					wantCourse = 0
				}
				if u == c.Secretaries[1][1] {
					wantExam = 0
				}
				if n := about(t, db, u, TargetCourse, id); n != wantCourse {
					t.Errorf("locked %v: secretary %d: %d course reminders, want %d", locked, u, n, wantCourse)
				}
				if n := about(t, db, u, TargetExam, ex); n != wantExam {
					t.Errorf("locked %v: secretary %d: %d exam reminders, want %d", locked, u, n, wantExam)
				}
				if n := about(t, db, u, TargetExam, far); n != 0 {
					t.Errorf("an exam closing in 5 days was reminded")
				}
			}
		}
	}
	var kinds []string
	if err := db.Select(&kinds, `SELECT DISTINCT m.kind FROM messages m JOIN reminders r ON m.ref = 'reminder:' || r.id WHERE r.auto`); err != nil {
		t.Fatal(err)
	}
	if len(kinds) != 1 || kinds[0] != web.MsgDueSoon {
		t.Errorf("automatic reminders' kinds: %v", kinds)
	}
	// A week later the course is overdue and the exam closed: nothing.
	res, err := Pass(context.Background(), db, testDeps, now.Add(8*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n := about(t, db, c.Secretaries[0][0], TargetCourse, id) + about(t, db, c.Secretaries[0][0], TargetExam, ex); n != 2 {
		t.Errorf("after a week: %d reminders (%+v)", n, res)
	}
}

// The 7-day limit holds across manual and automatic reminders.
func TestManualThenAutomatic(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	now := time.Now()
	if Quiet(now) {
		now = at(0, 12) // the manual send uses the real clock; the pass must not be in quiet hours
	}
	id, _ := course(t, db, 1, now.AddDate(0, 0, 1))
	s := NewStore(db, testDeps)
	if _, err := s.Send(context.Background(), identity(t, db, c.Organizers[0]), SendInput{Target: TargetCourse, TargetID: id, Text: "请学习"}); err != nil {
		t.Fatal(err)
	}
	if _, err := Pass(context.Background(), db, testDeps, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	for _, u := range c.Secretaries[0] {
		if n := about(t, db, u, TargetCourse, id); n != 1 {
			t.Errorf("secretary %d reminded manually: %d reminders after the pass, want 1", u, n)
		}
	}
	if Quiet(time.Now().Add(time.Minute)) {
		return // the pass did not run: nothing more to see
	}
	for _, u := range c.Secretaries[1] {
		if n := about(t, db, u, TargetCourse, id); n != 1 {
			t.Errorf("secretary %d of the other township: %d reminders, want 1 (automatic)", u, n)
		}
	}
}

// Quiet hours send nothing; a kind the county switched off sends nothing.
func TestQuietHoursAndSwitches(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	night := at(0, 23)
	id, _ := course(t, db, 1, night.AddDate(0, 0, 1))
	ex := exam(t, db, night.Add(-5*time.Hour), night.Add(10*time.Hour))
	for _, h := range []int{22, 23} {
		res, err := Pass(context.Background(), db, testDeps, at(0, h))
		if err != nil || res.Ran || res.Sent != 0 {
			t.Errorf("pass at %d:00: %+v %v", h, res, err)
		}
	}
	res, err := Pass(context.Background(), db, testDeps, at(1, 6))
	if err != nil || res.Ran {
		t.Errorf("pass at 06:00: %+v %v", res, err)
	}
	u := c.Secretaries[0][0]
	if n := about(t, db, u, TargetCourse, id) + about(t, db, u, TargetExam, ex); n != 0 {
		t.Fatalf("quiet hours sent %d reminders", n)
	}
	// Courses switched off: only the exam.
	off := testDeps
	off.Switches = func(context.Context) (Switches, error) { return Switches{Courses: false, Exams: true, Days: 3}, nil }
	if _, err := Pass(context.Background(), db, off, at(0, 21)); err != nil {
		t.Fatal(err)
	}
	if n := about(t, db, u, TargetCourse, id); n != 0 {
		t.Errorf("switched-off course reminders sent %d", n)
	}
	if n := about(t, db, u, TargetExam, ex); n != 1 {
		t.Errorf("exam reminders: %d, want 1", n)
	}
	// Exams switched off too: nothing more, and the course still nothing.
	none := testDeps
	none.Switches = func(context.Context) (Switches, error) { return Switches{Days: 3}, nil }
	if res, err := Pass(context.Background(), db, none, at(0, 21).Add(time.Minute)); err != nil || res.Sent != 0 {
		t.Errorf("all switched off: %+v %v", res, err)
	}
	if n := about(t, db, u, TargetCourse, id); n != 0 {
		t.Errorf("switched-off course reminders sent %d", n)
	}
}

func itoa(n int64) string { return fmtInt(n) }

// Without any lock (neither the pass's nor the item's), concurrent senders that all
// planned before anybody wrote still remind each person once: the claim of reminder_log
// decides alone.
func TestClaimAloneRemindsOnce(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	id, _ := course(t, db, 1, time.Now().AddDate(0, 0, 5))
	s := NewStore(db, testDeps)
	admin := identity(t, db, c.Admin)
	in := SendInput{Target: TargetCourse, TargetID: id, Text: "请学习"}
	planned := make(chan struct{})
	var ready sync.WaitGroup
	ready.Add(4)
	go func() { ready.Wait(); close(planned) }()
	errs := together(4, func(int) error {
		return inTx(context.Background(), db, func(tx *sqlx.Tx) error {
			now := time.Now()
			p, err := s.plan(context.Background(), tx, admin, in, now)
			ready.Done()
			if err != nil {
				return err
			}
			<-planned // everybody planned: nobody saw the others' claims
			_, err = s.write(context.Background(), tx, p, writeSpec{sender: admin.UserID, text: in.Text, kind: web.MsgReminder, title: "请学习"}, now)
			if errors.Is(err, ErrNoRecipients) {
				return nil
			}
			return err
		})
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for ti := range c.Secretaries {
		for _, u := range c.Secretaries[ti] {
			if n := about(t, db, u, TargetCourse, id); n != 1 {
				t.Errorf("secretary %d: %d reminders, want 1", u, n)
			}
		}
	}
}

// A class: its participants in scope not 结业, or only those with an absence.
func TestClassRecipients(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	var class, session int64
	testdb.Get(t, db, &class, `INSERT INTO classes (title, kind) VALUES ($1, '实务') RETURNING id`, testdb.Unique("培训班"))
	testdb.Get(t, db, &session, `INSERT INTO class_sessions (class_id, starts_at, ends_at, topic, hours, secret)
		VALUES ($1, now() - interval '3 hours', now() - interval '1 hour', '会议记录', 2, decode(repeat('ab', 32), 'hex')) RETURNING id`, class)
	for ti := range c.Secretaries {
		for _, u := range c.Secretaries[ti] {
			testdb.Exec(t, db, `INSERT INTO class_participants (class_id, user_id, township_id) SELECT $1, id, township_id FROM users WHERE id = $2`, class, u)
		}
	}
	testdb.Exec(t, db, `INSERT INTO class_attendance (session_id, user_id, status, via) VALUES ($1, $2, 'absent', 'roll')`, session, c.Secretaries[0][1])
	s := NewStore(db, testDeps)
	org := identity(t, db, c.Organizers[0])
	for _, tc := range []struct {
		absent bool
		want   int
	}{{false, 4}, {true, 1}} {
		p, err := s.Preview(context.Background(), org, SendInput{Target: TargetClass, TargetID: class, Filter: Filter{AbsentOnly: tc.absent}})
		if err != nil || p.Send != tc.want {
			t.Errorf("absent only %v: %+v %v, want %d", tc.absent, p, err, tc.want)
		}
	}
	r, err := s.Send(context.Background(), org, SendInput{Target: TargetClass, TargetID: class, Filter: Filter{AbsentOnly: true}, Text: "请按时参加"})
	if err != nil || r.Recipients != 1 {
		t.Fatalf("send: %+v %v", r, err)
	}
	var url string
	testdb.Get(t, db, &url, `SELECT url FROM messages WHERE ref = $1`, Ref(r.ID))
	if url != "/classes/"+itoa(class) {
		t.Errorf("url %q", url)
	}
	// Another township's class is not the organizer's.
	var other int64
	testdb.Get(t, db, &other, `INSERT INTO classes (title, kind, township_id) VALUES ($1, '实务', $2) RETURNING id`, testdb.Unique("培训班"), c.Townships[1])
	if _, err := s.Preview(context.Background(), org, SendInput{Target: TargetClass, TargetID: other}); !errors.Is(err, ErrTargetNotFound) {
		t.Errorf("another township's class: %v", err)
	}
}
