package classes

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"zhibu/app/inbox"
	"zhibu/app/testdb"
	"zhibu/app/web"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// A three-session county class run end to end through the store.
func TestClassEndToEnd(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	ctx := context.Background()
	day := time.Date(2031, 3, 10, 0, 0, 0, 0, web.China)
	clk := &clock{t: day}
	st := NewStore(db, clk.now).WithPost(inbox.Post)
	admin := &web.Identity{UserID: c.Admin, Role: web.RoleAdmin}
	org := &web.Identity{UserID: c.Organizers[0], Role: web.RoleOrganizer, TownshipID: c.Townships[0]}
	org2 := &web.Identity{UserID: c.Organizers[1], Role: web.RoleOrganizer, TownshipID: c.Townships[1]}

	cl, err := st.Create(ctx, admin, ClassInput{Title: "村党组织书记轮训班", Kind: "实务", Venue: "县委党校"})
	if err != nil || cl.AbsenceNum != 1 || cl.AbsenceDen != 7 || !cl.County() {
		t.Fatalf("create: %+v %v", cl, err)
	}
	var sessions []Session
	for i, topic := range []string{"发展党员工作流程", "三会一课", "党费收缴"} {
		ss, err := st.AddSession(ctx, admin, cl.ID, SessionInput{Date: day.AddDate(0, 0, i).Format("2006-01-02"), Start: "09:00", End: "12:00", Topic: topic, Hours: 3})
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, ss)
	}
	if _, err := st.AddSession(ctx, org, cl.ID, SessionInput{Date: "2031-03-20", Start: "09:00", End: "10:00", Topic: "x", Hours: 1}); !errors.Is(err, ErrNotManager) {
		t.Fatalf("organizer edits a county class: %v", err)
	}
	// Both townships' secretaries take part; each organizer adds the own township.
	if n, err := st.AddParticipants(ctx, org, cl.ID, ParticipantsInput{TownshipID: c.Townships[0]}); err != nil || n != 4 {
		t.Fatalf("organizer adds: %d %v", n, err)
	}
	if _, err := st.AddParticipants(ctx, org, cl.ID, ParticipantsInput{TownshipID: c.Townships[1]}); !errors.Is(err, ErrOtherTownship) {
		t.Fatalf("organizer adds another township: %v", err)
	}
	if n, err := st.AddParticipants(ctx, admin, cl.ID, ParticipantsInput{TownshipID: c.Townships[1]}); err != nil || n != 4 {
		t.Fatalf("admin adds: %d %v", n, err)
	}
	// Everyone added is told once; adding them again tells nobody.
	if _, err := st.AddParticipants(ctx, admin, cl.ID, ParticipantsInput{TownshipID: c.Townships[1]}); err != nil {
		t.Fatal(err)
	}
	var enrolled, people int
	testdb.Get(t, db, &enrolled, `SELECT count(*) FROM messages WHERE kind = 'class' AND title = '「村党组织书记轮训班」已将您列为学员'`)
	testdb.Get(t, db, &people, `SELECT count(DISTINCT user_id) FROM messages WHERE kind = 'class' AND title = '「村党组织书记轮训班」已将您列为学员'`)
	if enrolled != 8 || people != 8 {
		t.Fatalf("enrolment messages: %d to %d people, want 8 to 8", enrolled, people)
	}
	me := c.Secretaries[0][0]

	// Roll call before the session opens is refused.
	if _, err := st.MarkAllPresent(ctx, org, cl.ID, sessions[0].ID); !errors.Is(err, ErrRollClosed) {
		t.Fatalf("roll call the day before: %v", err)
	}
	// Session 1: the organizer marks the own township present with one tap, then one absence.
	clk.set(sessions[0].StartsAt.Add(5 * time.Minute))
	if n, err := st.MarkAllPresent(ctx, org, cl.ID, sessions[0].ID); err != nil || n != 4 {
		t.Fatalf("mark all: %d %v", n, err)
	}
	if _, err := st.SetAttendance(ctx, org, cl.ID, sessions[0].ID, AttendanceInput{Records: []Record{{c.Secretaries[0][1], Absent}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetAttendance(ctx, org, cl.ID, sessions[0].ID, AttendanceInput{Records: []Record{{c.Secretaries[1][0], Absent}}}); !errors.Is(err, ErrOtherTownship) {
		t.Fatalf("organizer marks another township: %v", err)
	}
	if _, err := st.SetAttendance(ctx, org, cl.ID, sessions[0].ID, AttendanceInput{Records: []Record{{c.Admin, Present}}}); !errors.Is(err, ErrNotParticipant) {
		t.Fatalf("marks a non-participant: %v", err)
	}
	// The other township's secretaries check in by QR; a second scan records nothing new.
	url, _, err := st.CheckinURL(ctx, org2, cl.ID, sessions[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	token := url[len("/checkin/"):]
	for _, uid := range c.Secretaries[1] {
		if res, err := st.Checkin(ctx, uid, token); err != nil || !res.Recorded {
			t.Fatalf("check-in: %+v %v", res, err)
		}
	}
	if res, err := st.Checkin(ctx, c.Secretaries[1][0], token); err != nil || res.Recorded {
		t.Fatalf("replayed check-in: %+v %v", res, err)
	}
	if _, err := st.Checkin(ctx, c.Organizers[0], token); !errors.Is(err, ErrNotParticipant) {
		t.Fatalf("check-in by a non-participant: %v", err)
	}
	clk.set(clk.now().Add(TokenTTL))
	if _, err := st.Checkin(ctx, me, token); !errors.Is(err, ErrBadToken) {
		t.Fatalf("expired token: %v", err)
	}

	// Leave for session 2, asked before it starts and approved; leave after the start is refused.
	lid, err := st.AskLeave(ctx, me, cl.ID, sessions[1].ID, LeaveInput{Reason: "村里换届选举"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AskLeave(ctx, c.Secretaries[1][0], cl.ID, sessions[0].ID, LeaveInput{Reason: "晚了"}); !errors.Is(err, ErrLeaveClosed) {
		t.Fatalf("leave after the start: %v", err)
	}
	if err := st.DecideLeave(ctx, org2, cl.ID, lid, true); !errors.Is(err, ErrOtherTownship) {
		t.Fatalf("other township approves: %v", err)
	}
	if err := st.DecideLeave(ctx, org, cl.ID, lid, true); err != nil {
		t.Fatal(err)
	}
	if err := st.DecideLeave(ctx, org, cl.ID, lid, false); !errors.Is(err, ErrLeaveDecided) {
		t.Fatalf("decided twice: %v", err)
	}
	// The decision is told to the person, once, in the decision's transaction.
	classURL := fmt.Sprintf("/classes/%d", cl.ID)
	if ms := messagesOf(t, db, me); len(ms) != 2 || ms[0].Title != "「村党组织书记轮训班」请假已批准" ||
		!strings.Contains(ms[0].Body, "三会一课") || ms[0].URL != classURL {
		t.Fatalf("leave message: %+v", ms)
	}
	// Sessions 2 and 3: the admin marks everyone else present.
	for _, ss := range sessions[1:] {
		clk.set(ss.StartsAt)
		if _, err := st.MarkAllPresent(ctx, admin, cl.ID, ss.ID); err != nil {
			t.Fatal(err)
		}
	}
	mine, err := st.MyClass(ctx, me, cl.ID)
	if err != nil || mine.Mine[1].Status != Leave || mine.Missed != 3 {
		t.Fatalf("my class: %+v %v", mine, err)
	}
	// Leave of 3 of 9 学时 is over 1/7: the 结业 exam would refuse.
	if why := ExamRefusal(mine.Missed, 9, 1, 7); why == "" {
		t.Fatal("over the limit but the exam would start")
	}

	// The home card's query: the class with its next session, none once every session is over.
	clk.set(sessions[1].StartsAt.Add(-time.Hour))
	if up, err := st.UpcomingFor(ctx, me); err != nil || len(up) != 1 || up[0].StartsAt == nil || !up[0].StartsAt.Equal(sessions[1].StartsAt) {
		t.Fatalf("upcoming: %+v %v", up, err)
	}
	clk.set(sessions[2].EndsAt.Add(time.Minute))
	if up, err := st.UpcomingFor(ctx, me); err != nil || len(up) != 1 || up[0].StartsAt != nil {
		t.Fatalf("upcoming after the last session: %+v %v", up, err)
	}

	// 结班, concurrently twice: one decides, the ledger gets one entry per person.
	clk.set(sessions[2].EndsAt.Add(time.Hour))
	var wg sync.WaitGroup
	results := make([]CloseResult, 3)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var err error
			if results[i], err = st.Close(ctx, admin, cl.ID); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	first := 0
	for _, r := range results {
		if !r.Already {
			first++
		}
		if r.Participants != 8 || r.Completed != 6 || r.Hours != 66 {
			t.Errorf("close result %+v", r)
		}
	}
	if first != 1 {
		t.Fatalf("%d closes decided", first)
	}
	// 结班 tells every participant the result once: 结业, or not and why.
	var told, done int
	testdb.Get(t, db, &told, `SELECT count(*) FROM messages WHERE kind = 'class' AND url = $1 AND title LIKE '%结业'`, classURL)
	testdb.Get(t, db, &done, `SELECT count(*) FROM messages WHERE kind = 'class' AND url = $1 AND title = '「村党组织书记轮训班」已结业'`, classURL)
	if told != 8 || done != 6 {
		t.Fatalf("结班 messages: %d, %d 结业", told, done)
	}
	if ms := messagesOf(t, db, me); len(ms) != 3 || ms[0].Title != "「村党组织书记轮训班」未结业" || !strings.Contains(ms[0].Body, "超过") ||
		!strings.Contains(ms[0].Body, "6 学时") {
		t.Fatalf("未结业 message: %+v", ms)
	}
	var entries int
	var sum float64
	testdb.Get(t, db, &entries, `SELECT count(*) FROM hour_credits WHERE source = 'class' AND source_id = $1`, cl.ID)
	testdb.Get(t, db, &sum, `SELECT sum(hours)::float8 FROM hour_credits WHERE source = 'class' AND source_id = $1 AND user_id = $2`, cl.ID, me)
	if entries != 8 || sum != 6 {
		t.Fatalf("ledger: %d entries, %v 学时 for the one on leave", entries, sum)
	}
	if mine, _ = st.MyClass(ctx, me, cl.ID); mine.Completed == nil || *mine.Completed || mine.Result == "" {
		t.Fatalf("result: %+v", mine)
	}
	if _, err := st.MarkAllPresent(ctx, admin, cl.ID, sessions[2].ID); !errors.Is(err, ErrRollClosed) {
		t.Fatalf("roll call after 结班: %v", err)
	}
}

func TestSeedDemoIdempotent(t *testing.T) {
	db := testdb.DB(t)
	testdb.MakeCounty(t, db)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := SeedDemo(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	var classes, sessions, marked, absent int
	testdb.Get(t, db, &classes, `SELECT count(*) FROM classes WHERE title = $1`, demoTitle)
	testdb.Get(t, db, &sessions, `SELECT count(*) FROM class_sessions s JOIN classes c ON c.id = s.class_id WHERE c.title = $1`, demoTitle)
	testdb.Get(t, db, &marked, `SELECT count(*) FROM class_attendance a JOIN class_sessions s ON s.id = a.session_id
		JOIN classes c ON c.id = s.class_id WHERE c.title = $1`, demoTitle)
	testdb.Get(t, db, &absent, `SELECT count(*) FROM class_attendance a JOIN class_sessions s ON s.id = a.session_id
		JOIN classes c ON c.id = s.class_id WHERE c.title = $1 AND a.status = 'absent'`, demoTitle)
	if classes != 1 || sessions != 3 || marked == 0 || absent != 1 {
		t.Fatalf("demo: %d classes, %d sessions, %d marked, %d absent", classes, sessions, marked, absent)
	}
}
