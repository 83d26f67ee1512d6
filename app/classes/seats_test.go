package classes

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/inbox"
	"zhibu/app/seats"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// seatClass makes a county class with two sessions starting at day 09:00 and quotas set.
func seatClass(t *testing.T, st *Store, admin *web.Identity, day time.Time, total int, quotas map[int64]int) Class {
	t.Helper()
	ctx := context.Background()
	cl, err := st.Create(ctx, admin, ClassInput{Title: "村党组织书记示范培训班", Kind: "实务", Venue: "县委党校"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := st.AddSession(ctx, admin, cl.ID, SessionInput{Date: day.AddDate(0, 0, i).Format("2006-01-02"), Start: "09:00", End: "12:00", Topic: "三会一课", Hours: 3}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SetQuotas(ctx, admin, cl.ID, QuotaInput{TotalSeats: total, Quotas: quotas}); err != nil {
		t.Fatal(err)
	}
	return cl
}

func signupStatus(t *testing.T, db sqlx.Queryer, classID, userID int64) string {
	t.Helper()
	var s string
	testdb.Get(t, db, &s, `SELECT COALESCE((SELECT status FROM class_signups WHERE class_id = $1 AND user_id = $2), '')`, classID, userID)
	return s
}

func isParticipant(t *testing.T, db sqlx.Queryer, classID, userID int64) bool {
	t.Helper()
	var in bool
	testdb.Get(t, db, &in, `SELECT EXISTS (SELECT 1 FROM class_participants WHERE class_id = $1 AND user_id = $2)`, classID, userID)
	return in
}

func signupID(t *testing.T, db sqlx.Queryer, classID, userID int64) int64 {
	t.Helper()
	var id int64
	testdb.Get(t, db, &id, `SELECT id FROM class_signups WHERE class_id = $1 AND user_id = $2`, classID, userID)
	return id
}

// A class filled by quotas through app/seats: nominations inside the township's quota,
// the waiting list, two-level approval making participants, promotion on rejection, and
// the class's own rules around it.
func TestClassSeats(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	ctx := context.Background()
	day := time.Date(2031, 4, 10, 0, 0, 0, 0, web.China)
	clk := &clock{t: day.Add(-48 * time.Hour)}
	st := NewStore(db, clk.now).WithPost(inbox.Post)
	admin := &web.Identity{UserID: c.Admin, Role: web.RoleAdmin}
	org := &web.Identity{UserID: c.Organizers[0], Role: web.RoleOrganizer, TownshipID: c.Townships[0]}
	org2 := &web.Identity{UserID: c.Organizers[1], Role: web.RoleOrganizer, TownshipID: c.Townships[1]}
	t0, t1 := c.Townships[0], c.Townships[1]
	s0, s1 := c.Secretaries[0], c.Secretaries[1]

	// Quotas: the county's, checked, county classes only.
	cl := seatClass(t, st, admin, day, 3, map[int64]int{t0: 2, t1: 1})
	var we *web.InputError
	if err := st.SetQuotas(ctx, admin, cl.ID, QuotaInput{TotalSeats: 2, Quotas: map[int64]int{t0: 2, t1: 1}}); !errors.As(err, &we) || we.Fields["quotas"] == "" {
		t.Fatalf("quotas over the total: %v", err)
	}
	if err := st.SetQuotas(ctx, admin, cl.ID, QuotaInput{TotalSeats: 3, Quotas: map[int64]int{t0: -1}}); !errors.As(err, &we) || we.Fields[seats.QuotaField(t0)] == "" {
		t.Fatalf("negative quota: %v", err)
	}
	if err := st.SetQuotas(ctx, admin, cl.ID, QuotaInput{TotalSeats: 3, Quotas: map[int64]int{987654: 1}}); !errors.As(err, &we) || we.Fields["quota_987654"] == "" {
		t.Fatalf("unknown township: %v", err)
	}
	if err := st.SetQuotas(ctx, org, cl.ID, QuotaInput{TotalSeats: 3, Quotas: map[int64]int{t0: 3}}); !errors.Is(err, ErrNotManager) {
		t.Fatalf("organizer sets quotas: %v", err)
	}
	own, err := st.Create(ctx, org, ClassInput{Title: "镇培训班", Kind: "理论"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetQuotas(ctx, admin, own.ID, QuotaInput{TotalSeats: 3, Quotas: map[int64]int{t0: 3}}); !errors.Is(err, ErrCountyOnly) {
		t.Fatalf("quotas on a township's class: %v", err)
	}
	if _, err := st.Nominate(ctx, org, own.ID, s0[0], ""); !errors.Is(err, ErrNominationClosed) {
		t.Fatalf("nominating to a class without quotas: %v", err)
	}

	// Nominations: two seats in township 0, then its waiting list.
	for i, want := range []string{seats.StatusPending, seats.StatusPending, seats.StatusWaitlisted} {
		got, err := st.Nominate(ctx, org, cl.ID, s0[i], "")
		if err != nil || got != want {
			t.Fatalf("nomination %d: %s %v, want %s", i, got, err, want)
		}
	}
	if _, err := st.Nominate(ctx, org, cl.ID, s0[0], ""); !errors.Is(err, seats.ErrAlreadySignedUp) {
		t.Fatalf("nominated twice: %v", err)
	}
	if _, err := st.Nominate(ctx, org, cl.ID, s1[0], ""); !errors.Is(err, ErrNomineeElsewhere) {
		t.Fatalf("organizer nominates another township's secretary: %v", err)
	}
	if _, err := st.Nominate(ctx, org, cl.ID, c.Organizers[1], ""); !errors.Is(err, ErrSecretaryNotFound) {
		t.Fatalf("nominating an organizer: %v", err)
	}
	// Someone assigned directly is not nominated again.
	testdb.Exec(t, db, `INSERT INTO class_participants (class_id, user_id, township_id) VALUES ($1, $2, $3)`, cl.ID, s1[3], t1)
	if _, err := st.Nominate(ctx, org2, cl.ID, s1[3], ""); !errors.Is(err, ErrAlreadyIn) {
		t.Fatalf("nominating a participant: %v", err)
	}

	// Two-level approval: the township first, then the county; confirmed = participant.
	first := signupID(t, db, cl.ID, s0[0])
	if _, err := st.DecideSignup(ctx, admin, cl.ID, first, true, ""); !errors.Is(err, seats.ErrInvalidTransition) {
		t.Fatalf("county approves before the township: %v", err)
	}
	if _, err := st.DecideSignup(ctx, org2, cl.ID, first, true, ""); !errors.Is(err, ErrSignupElsewhere) {
		t.Fatalf("another township's organizer approves: %v", err)
	}
	if got, err := st.DecideSignup(ctx, org, cl.ID, first, true, ""); err != nil || got != seats.StatusApproved {
		t.Fatalf("township approves: %s %v", got, err)
	}
	if isParticipant(t, db, cl.ID, s0[0]) {
		t.Fatal("a participant before the county confirmed")
	}
	if got, err := st.DecideSignup(ctx, admin, cl.ID, first, true, ""); err != nil || got != seats.StatusConfirmed {
		t.Fatalf("county confirms: %s %v", got, err)
	}
	if !isParticipant(t, db, cl.ID, s0[0]) {
		t.Fatal("the confirmed nominee is not a participant")
	}
	// Only the county's final decision is told to the nominee.
	if ms := messagesOf(t, db, s0[0]); len(ms) != 1 || !strings.Contains(ms[0].Title, "推荐已通过终审") || ms[0].URL != fmt.Sprintf("/classes/%d", cl.ID) {
		t.Fatalf("confirmation message: %+v", ms)
	}
	if err := st.RemoveParticipant(ctx, admin, cl.ID, s0[0]); !errors.Is(err, ErrSeated) {
		t.Fatalf("removing a confirmed nominee around the seats: %v", err)
	}

	// A rejection needs a reason and moves the first waiter up.
	second := signupID(t, db, cl.ID, s0[1])
	if _, err := st.DecideSignup(ctx, org, cl.ID, second, false, " "); !errors.As(err, &we) || we.Fields["reason"] == "" {
		t.Fatalf("rejection without a reason: %v", err)
	}
	if _, err := st.DecideSignup(ctx, org, cl.ID, second, false, "本人当月外出务工"); err != nil {
		t.Fatal(err)
	}
	if ms := messagesOf(t, db, s0[1]); len(ms) != 1 || !strings.Contains(ms[0].Title, "推荐未通过审核") || !strings.Contains(ms[0].Body, "本人当月外出务工") ||
		ms[0].URL != "/classes" {
		t.Fatalf("rejection message: %+v", ms)
	}
	if got := signupStatus(t, db, cl.ID, s0[2]); got != seats.StatusPending {
		t.Fatalf("the waiter was not promoted: %s", got)
	}
	if ms := messagesOf(t, db, s0[2]); len(ms) != 1 || !strings.Contains(ms[0].Title, "候补已递补为正式名额") || !strings.Contains(ms[0].Body, cl.Title) {
		t.Fatalf("the promoted waiter was not told: %+v", ms)
	}
	if _, err := st.Nominate(ctx, org, cl.ID, s0[1], ""); !errors.Is(err, seats.ErrAlreadyRejected) {
		t.Fatalf("a rejected person nominated again: %v", err)
	}
	p, err := st.RejectPlan(ctx, admin, cl.ID, first)
	if err != nil || !strings.Contains(p.Consequence, "移出培训班") || !strings.Contains(p.Consequence, "通知本人") {
		t.Fatalf("reject plan of a confirmed nominee: %+v %v", p.Consequence, err)
	}
	// The county rejects a confirmed one: out of the class, seat free.
	if _, err := st.DecideSignup(ctx, admin, cl.ID, first, false, "与其他培训冲突"); err != nil {
		t.Fatal(err)
	}
	if isParticipant(t, db, cl.ID, s0[0]) {
		t.Fatal("a rejected nominee is still a participant")
	}
	if got, err := st.Nominate(ctx, org, cl.ID, s0[3], ""); err != nil || got != seats.StatusPending {
		t.Fatalf("the freed seat: %s %v", got, err)
	}

	// A smaller quota than the seats held is refused; the desk reads the same figures.
	if err := st.SetQuotas(ctx, admin, cl.ID, QuotaInput{TotalSeats: 3, Quotas: map[int64]int{t0: 1, t1: 1}}); !errors.As(err, &we) || we.Fields[seats.QuotaField(t0)] == "" {
		t.Fatalf("quota below the held seats: %v", err)
	}
	d, err := st.Desk(ctx, org, cl.ID, seats.Query{}, 0, 50)
	if err != nil || len(d.Usage) != 1 || d.Usage[0].Held() != 2 || d.Page.Counts[seats.StatusRejected] != 2 {
		t.Fatalf("organizer's desk: %+v %v", d.Usage, err)
	}
	if _, err := st.Desk(ctx, &web.Identity{UserID: s0[0], Role: web.RoleSecretary, TownshipID: t0}, cl.ID, seats.Query{}, 0, 50); err == nil {
		t.Fatal("a secretary reads the desk")
	}

	// Once the class has begun nobody is nominated; after 结班 nothing is decided.
	clk.set(day.Add(9*time.Hour + time.Minute))
	if _, err := st.Nominate(ctx, org2, cl.ID, s1[0], ""); !errors.Is(err, ErrNominationClosed) {
		t.Fatalf("nominating after the class began: %v", err)
	}
	clk.set(day.AddDate(0, 0, 3))
	if _, err := st.Close(ctx, admin, cl.ID); err != nil {
		t.Fatal(err)
	}
	pending := signupID(t, db, cl.ID, s0[2])
	if _, err := st.DecideSignup(ctx, org, cl.ID, pending, true, ""); !errors.Is(err, ErrClosed) {
		t.Fatalf("deciding after 结班: %v", err)
	}
}

// Parallel nominations never give a township more seats than its quota, nor the class
// more than its total.
func TestClassSeatsConcurrent(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	ctx := context.Background()
	day := time.Date(2031, 6, 1, 0, 0, 0, 0, web.China)
	st := NewStore(db, func() time.Time { return day.Add(-24 * time.Hour) })
	admin := &web.Identity{UserID: c.Admin, Role: web.RoleAdmin}
	var people []int64
	for i := 0; i < 2; i++ {
		for k := 0; k < 10; k++ {
			c.Secretaries[i] = append(c.Secretaries[i], testdb.User(t, db, "secretary", testdb.Unique("seat"), c.Townships[i], c.Branches[i][0]))
		}
		people = append(people, c.Secretaries[i]...)
	}
	cl := seatClass(t, st, admin, day, 4, map[int64]int{c.Townships[0]: 3, c.Townships[1]: 1})
	var wg sync.WaitGroup
	errs := make(chan error, len(people))
	for _, u := range people {
		wg.Add(1)
		go func(u int64) {
			defer wg.Done()
			if _, err := st.Nominate(ctx, admin, cl.ID, u, ""); err != nil {
				errs <- err
			}
		}(u)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("parallel nomination: %v", err)
	}
	var held []struct {
		TownshipID int64 `db:"township_id"`
		N          int   `db:"n"`
		Waiting    int   `db:"waiting"`
	}
	selectOrFail(t, db, &held, `SELECT township_id, count(*) FILTER (WHERE status = 'pending') AS n,
		count(*) FILTER (WHERE status = 'waitlisted') AS waiting FROM class_signups WHERE class_id = $1 GROUP BY township_id`, cl.ID)
	want := map[int64]int{c.Townships[0]: 3, c.Townships[1]: 1}
	for _, h := range held {
		if h.N != want[h.TownshipID] || h.N+h.Waiting != 14 {
			t.Errorf("township %d: %d seats, %d waiting; want %d seats of 14", h.TownshipID, h.N, h.Waiting, want[h.TownshipID])
		}
	}
}

// The seats routes × roles: pages and API.
func TestClassSeatsHTTP(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	day := time.Date(2031, 7, 1, 0, 0, 0, 0, web.China)
	clk := &clock{t: day.Add(-72 * time.Hour)}
	srv := webtest.Server(t, db, web.Config{}, func(s *web.Server) error { return Mount(s, Deps{Now: clk.now}) })
	sec := webtest.AsUser(t, srv, c.Secretaries[0][0])
	org := webtest.AsUser(t, srv, c.Organizers[0])
	org2 := webtest.AsUser(t, srv, c.Organizers[1])
	admin := webtest.AsUser(t, srv, c.Admin)
	st := NewStore(db, clk.now)
	adminID := &web.Identity{UserID: c.Admin, Role: web.RoleAdmin}
	cl, err := st.Create(context.Background(), adminID, ClassInput{Title: "示范培训班", Kind: "实务"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddSession(context.Background(), adminID, cl.ID, SessionInput{Date: day.Format("2006-01-02"), Start: "09:00", End: "12:00", Topic: "发展党员", Hours: 3}); err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("/api/v1/classes/%d", cl.ID)
	page := fmt.Sprintf("/admin/classes/%d", cl.ID)
	t0, t1 := c.Townships[0], c.Townships[1]

	// Quotas: the county's only; bad input names the field.
	quotas := map[string]any{"total_seats": 3, "quotas": map[string]int{fmt.Sprint(t0): 2, fmt.Sprint(t1): 1}}
	st2, body := org.JSON("PUT", base+"/quotas", quotas)
	status(t, "organizer sets quotas", st2, body, 403)
	for name, bad := range map[string]any{
		"huge":   map[string]any{"total_seats": 1e12, "quotas": map[string]int{}},
		"type":   map[string]any{"total_seats": "三十", "quotas": map[string]int{}},
		"over":   map[string]any{"total_seats": 1, "quotas": map[string]int{fmt.Sprint(t0): 2}},
		"forged": map[string]any{"total_seats": 3, "quotas": map[string]int{"99999999": 1}},
	} {
		st2, body := admin.JSON("PUT", base+"/quotas", bad)
		if st2 != 422 && st2 != 400 {
			t.Errorf("quotas %s: %d %s", name, st2, body)
		}
	}
	st2, body = admin.JSON("PUT", base+"/quotas", quotas)
	status(t, "admin sets quotas", st2, body, 200)

	// Nominate and decide by API, scoped.
	st2, body = sec.JSON("POST", base+"/nominations", map[string]any{"user_id": c.Secretaries[0][1]})
	status(t, "secretary nominates", st2, body, 403)
	st2, body = org.JSON("POST", base+"/nominations", map[string]any{"user_id": c.Secretaries[1][0]})
	status(t, "organizer nominates elsewhere", st2, body, 403)
	st2, body = org.JSON("POST", base+"/nominations", map[string]any{"user_id": "x"})
	if st2 != 400 && st2 != 422 {
		t.Errorf("nominee of the wrong type: %d %s", st2, body)
	}
	st2, body = org.JSON("POST", base+"/nominations", map[string]any{"user_id": c.Secretaries[0][1], "note": "支部工作突出"})
	status(t, "organizer nominates", st2, body, 201)
	if !strings.Contains(string(body), `"pending"`) {
		t.Errorf("nomination: %s", body)
	}
	sid := signupID(t, db, cl.ID, c.Secretaries[0][1])
	st2, body = org2.JSON("POST", fmt.Sprintf("%s/signups/%d/approve", base, sid), nil)
	status(t, "another township approves", st2, body, 403)
	st2, body = org.JSON("POST", fmt.Sprintf("%s/signups/%d/approve", base, sid), nil)
	status(t, "township approves", st2, body, 200)
	st2, body = org.JSON("POST", fmt.Sprintf("%s/signups/%d/approve", base, sid), nil)
	status(t, "township approves twice", st2, body, 409)
	st2, body = admin.JSON("POST", fmt.Sprintf("%s/signups/%d/approve", base, sid), nil)
	status(t, "county confirms", st2, body, 200)
	st2, body = admin.JSON("POST", fmt.Sprintf("%s/signups/%d/reject", base, 987654321), map[string]any{"reason": "x"})
	status(t, "forged sign-up", st2, body, 404)
	st2, body = admin.JSON("POST", fmt.Sprintf("%s/signups/%d/reject", base, sid), map[string]any{"reason": "a\x00"})
	status(t, "NUL reason", st2, body, 422)
	st2, body = sec.JSON("GET", base+"/signups", nil)
	status(t, "secretary reads sign-ups", st2, body, 403)
	st2, body = org2.JSON("GET", base+"/signups", nil)
	status(t, "other organizer reads sign-ups", st2, body, 200)
	if strings.Contains(string(body), `"user_id"`) {
		t.Errorf("another township's nominations leak: %s", body)
	}
	st2, body = admin.JSON("GET", base+"/signups?status=confirmed", nil)
	status(t, "admin reads sign-ups", st2, body, 200)
	if !strings.Contains(string(body), `"confirmed"`) {
		t.Errorf("admin's list: %s", body)
	}

	// Pages.
	for _, p := range []struct {
		who  *webtest.Client
		path string
		want int
		has  string
	}{
		{admin, page, 200, "名额与推荐"}, {admin, page + "/seats", 200, "推荐名单"}, {org, page + "/seats", 200, "推荐支部书记"},
		{org, page + "/seats?who=" + url.QueryEscape("sec"), 200, "推荐"}, {admin, page + "/quotas", 200, "保存名额"},
		{org, page + "/quotas", 403, ""}, {sec, page + "/seats", 403, ""}, {admin, page + "/seats?status=nope", 400, ""},
		{admin, fmt.Sprintf("%s/seats/signups/%d/reject", page, sid), 200, "移出培训班"},
		{org, fmt.Sprintf("%s/seats/signups/%d/reject", page, sid), 409, ""},
	} {
		got, html := p.who.Get(p.path)
		if got != p.want || !strings.Contains(html, p.has) {
			t.Errorf("GET %s: %d, want %d with %q", p.path, got, p.want, p.has)
		}
	}
	// The quota form keeps what was typed and names the field.
	resp := admin.Form("POST", page+"/quotas", url.Values{"total_seats": {"2"}, seats.QuotaField(t0): {"5"}})
	if resp.StatusCode != 422 {
		t.Errorf("quota form over the total: %d", resp.StatusCode)
	}
	// A rejection without a reason comes back to the confirmation.
	resp = admin.Form("POST", fmt.Sprintf("%s/seats/signups/%d/reject", page, sid), url.Values{"reason": {""}})
	if resp.StatusCode != 422 {
		t.Errorf("rejection without a reason: %d", resp.StatusCode)
	}
	resp = admin.Form("POST", fmt.Sprintf("%s/seats/signups/%d/reject", page, sid), url.Values{"reason": {"时间冲突"}})
	if resp.StatusCode != 303 {
		t.Errorf("rejection: %d", resp.StatusCode)
	}
	if isParticipant(t, db, cl.ID, c.Secretaries[0][1]) {
		t.Error("rejected by page, still a participant")
	}
}

func selectOrFail(t *testing.T, db *sqlx.DB, dest any, query string, args ...any) {
	t.Helper()
	if err := db.Select(dest, query, args...); err != nil {
		t.Fatal(err)
	}
}
