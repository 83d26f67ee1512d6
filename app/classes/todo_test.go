package classes

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"zhibu/app/inbox"
	"zhibu/app/testdb"
	"zhibu/app/web"
)

// A staff member's to-do in the open classes: sign-ups awaiting their level of approval
// and leave requests of the people they manage, each organizer only the own township's.
func TestStaffToDo(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	ctx := context.Background()
	day := time.Date(2032, 5, 10, 0, 0, 0, 0, web.China)
	clk := &clock{t: day.Add(-48 * time.Hour)}
	st := NewStore(db, clk.now).WithPost(inbox.Post)
	admin := &web.Identity{UserID: c.Admin, Role: web.RoleAdmin}
	org := &web.Identity{UserID: c.Organizers[0], Role: web.RoleOrganizer, TownshipID: c.Townships[0]}
	org2 := &web.Identity{UserID: c.Organizers[1], Role: web.RoleOrganizer, TownshipID: c.Townships[1]}
	todo := func(me *web.Identity) ToDo {
		t.Helper()
		td, err := st.StaffToDo(ctx, me)
		if err != nil {
			t.Fatal(err)
		}
		return td
	}
	// Admins see every county's classes: compare against what was there before.
	base := todo(admin)

	cl := seatClass(t, st, admin, day, 3, map[int64]int{c.Townships[0]: 2, c.Townships[1]: 1})
	if td := todo(org); td.Leaves+td.Signups != 0 || StaffCard(td, web.RoleOrganizer) != nil {
		t.Fatalf("nothing waits yet: %+v", td)
	}
	if _, err := st.Nominate(ctx, org, cl.ID, c.Secretaries[0][0], ""); err != nil {
		t.Fatal(err)
	}
	first := time.Date(2032, 5, 10, 9, 0, 0, 0, web.China) // seatClass's first session
	if td := todo(org); td.Signups != 1 || td.Leaves != 0 || td.Classes != 1 || td.Class != cl.ID || td.SignupDue == nil || !td.SignupDue.Equal(first) {
		t.Fatalf("organizer after a nomination: %+v", td)
	}
	if td := todo(org2); td.Signups != 0 {
		t.Fatalf("the other township's organizer sees %+v", td)
	}
	if td := todo(admin); td.Signups != base.Signups {
		t.Fatalf("admin before the township approved: %+v (was %+v)", td, base)
	}
	if _, err := st.DecideSignup(ctx, org, cl.ID, signupID(t, db, cl.ID, c.Secretaries[0][0]), true, ""); err != nil {
		t.Fatal(err)
	}
	if td := todo(org); td.Signups != 0 {
		t.Fatalf("organizer after approving: %+v", td)
	}
	if td := todo(admin); td.Signups != base.Signups+1 {
		t.Fatalf("admin after the township approved: %+v (was %+v)", td, base)
	}

	// Township 1's people in a second class; one asks leave for its second session.
	cl2, err := st.Create(ctx, admin, ClassInput{Title: "党务工作培训班", Kind: "实务", Venue: "县委党校"})
	if err != nil {
		t.Fatal(err)
	}
	var sessions []Session
	for i := 0; i < 2; i++ {
		ss, err := st.AddSession(ctx, admin, cl2.ID, SessionInput{Date: day.AddDate(0, 0, i).Format("2006-01-02"), Start: "14:00", End: "17:00", Topic: "发展党员", Hours: 3})
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, ss)
	}
	if _, err := st.AddParticipants(ctx, org2, cl2.ID, ParticipantsInput{TownshipID: c.Townships[1]}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AskLeave(ctx, c.Secretaries[1][0], cl2.ID, sessions[1].ID, LeaveInput{Reason: "村里召开党员大会"}); err != nil {
		t.Fatal(err)
	}
	td := todo(org2)
	if td.Leaves != 1 || td.LeaveDue == nil || !td.LeaveDue.Equal(sessions[1].StartsAt) || td.Classes != 1 || td.Class != cl2.ID {
		t.Fatalf("organizer 2 with a leave request: %+v", td)
	}
	if o := todo(org); o.Leaves != 0 {
		t.Fatalf("organizer 1 sees township 2's leave: %+v", o)
	}
	cards := StaffCard(td, web.RoleOrganizer)
	if len(cards) != 1 || !cards[0].Accent || !cards[0].Due.Equal(sessions[1].StartsAt) || cards[0].Link != fmt.Sprintf("/admin/classes/%d", cl2.ID) ||
		!strings.Contains(strings.Join(cards[0].Lines, "|"), "请假申请 1 条待审批") {
		t.Fatalf("organizer 2's card: %+v", cards)
	}
}

// The card: counts, where it leads, what it says per role.
func TestStaffCard(t *testing.T) {
	due := time.Date(2032, 5, 11, 14, 0, 0, 0, web.China)
	for _, tc := range []struct {
		td        ToDo
		role      string
		link, big string
		lines     string
		due       bool
	}{
		{ToDo{Signups: 2, Classes: 1, Class: 7}, web.RoleOrganizer, "/admin/classes/7/seats", "2 项", "培训班报名 2 人待乡镇审核", false},
		{ToDo{Signups: 2, SignupDue: &due, Classes: 1, Class: 7}, web.RoleOrganizer, "/admin/classes/7/seats", "2 项",
			"培训班报名 2 人待乡镇审核|最早 5月11日 14:00 开课，请在开课前审核", true},
		{ToDo{Signups: 2, Classes: 1, Class: 7}, web.RoleAdmin, "/admin/classes/7/seats", "2 项", "培训班报名 2 人待县委终审", false},
		{ToDo{Leaves: 1, LeaveDue: &due, Signups: 1, Classes: 1, Class: 7}, web.RoleOrganizer, "/admin/classes/7", "2 项",
			"请假申请 1 条待审批|最早一条是 5月11日 14:00 的课|培训班报名 1 人待乡镇审核", true},
		{ToDo{Leaves: 3, LeaveDue: &due, Classes: 2, Class: 7}, web.RoleAdmin, "/admin/classes", "3 项", "请假申请 3 条待审批|最早一条是 5月11日 14:00 的课", true},
	} {
		cards := StaffCard(tc.td, tc.role)
		if len(cards) != 1 {
			t.Fatalf("%+v: %d cards", tc.td, len(cards))
		}
		cd := cards[0]
		if cd.Link != tc.link || cd.Big != tc.big || strings.Join(cd.Lines, "|") != tc.lines || cd.Due.IsZero() == tc.due || !cd.Accent {
			t.Errorf("%+v %s: %+v", tc.td, tc.role, cd)
		}
	}
}

// Today's roll call on the staff home: the first session of the day with people of the
// viewer's scope still unmarked; marking them all makes it go.
func TestTodayRoll(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	ctx := context.Background()
	day := time.Date(2033, 6, 1, 0, 0, 0, 0, web.China)
	clk := &clock{t: day.Add(8 * time.Hour)}
	st := NewStore(db, clk.now)
	admin := &web.Identity{UserID: c.Admin, Role: web.RoleAdmin}
	org := &web.Identity{UserID: c.Organizers[0], Role: web.RoleOrganizer, TownshipID: c.Townships[0]}
	org2 := &web.Identity{UserID: c.Organizers[1], Role: web.RoleOrganizer, TownshipID: c.Townships[1]}
	cl, err := st.Create(ctx, admin, ClassInput{Title: "支部书记轮训班", Kind: "实务", Venue: "县委党校"})
	if err != nil {
		t.Fatal(err)
	}
	var sessions []Session
	for _, when := range []struct{ date, start, end string }{{"2033-06-01", "09:00", "11:00"}, {"2033-06-01", "14:00", "16:00"}, {"2033-06-02", "09:00", "11:00"}} {
		ss, err := st.AddSession(ctx, admin, cl.ID, SessionInput{Date: when.date, Start: when.start, End: when.end, Topic: "三会一课" + when.start, Hours: 2})
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, ss)
	}
	roll := func(me *web.Identity) *RollToDo {
		t.Helper()
		r, err := st.TodayRoll(ctx, me)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := roll(org); r != nil {
		t.Fatalf("nobody on the roll yet: %+v", r)
	}
	for _, o := range []*web.Identity{org, org2} {
		if _, err := st.AddParticipants(ctx, o, cl.ID, ParticipantsInput{TownshipID: o.TownshipID}); err != nil {
			t.Fatal(err)
		}
	}
	r := roll(org)
	if r == nil || r.SessionID != sessions[0].ID || r.Unmarked != len(c.Secretaries[0]) || r.Sessions != 2 {
		t.Fatalf("organizer's roll this morning: %+v", r)
	}
	if a := roll(admin); a == nil || a.Unmarked != len(c.Secretaries[0])+len(c.Secretaries[1]) {
		t.Fatalf("admin's roll: %+v", a)
	}
	cards := RollCard(r, clk.now())
	if len(cards) != 1 || cards[0].Link != fmt.Sprintf("/admin/classes/%d/sessions/%d", cl.ID, sessions[0].ID) || !cards[0].Due.Equal(sessions[0].StartsAt) ||
		strings.Join(cards[0].Lines, "|") != "09:00 开课 · 支部书记轮训班|08:30 起可点名，学员也可扫码签到|今天还有 1 节课待点名" {
		t.Fatalf("card at 08:00: %+v", cards)
	}
	if cards := RollCard(r, sessions[0].StartsAt.Add(-RollOpens)); strings.Join(cards[0].Lines, "|") != "09:00 开课 · 支部书记轮训班|今天还有 1 节课待点名" {
		t.Fatalf("card once the roll call is open: %+v", cards)
	}
	// The organizer marks the own township this morning: next comes the afternoon; the
	// other township's roll is untouched.
	clk.set(sessions[0].StartsAt)
	if _, err := st.MarkAllPresent(ctx, org, cl.ID, sessions[0].ID); err != nil {
		t.Fatal(err)
	}
	if r := roll(org); r == nil || r.SessionID != sessions[1].ID || r.Sessions != 1 {
		t.Fatalf("after the morning's roll: %+v", r)
	}
	if r := roll(org2); r == nil || r.SessionID != sessions[0].ID || r.Unmarked != len(c.Secretaries[1]) {
		t.Fatalf("the other township's roll: %+v", r)
	}
	// Tomorrow's session is not today's to-do.
	clk.set(sessions[1].StartsAt)
	if _, err := st.MarkAllPresent(ctx, org, cl.ID, sessions[1].ID); err != nil {
		t.Fatal(err)
	}
	if r := roll(org); r != nil {
		t.Fatalf("today done, tomorrow's session listed: %+v", r)
	}
}
