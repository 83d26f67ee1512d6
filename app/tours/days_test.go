package tours

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/inbox"
	"zhibu/app/roll"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
	"zhibu/app/workbook/workbooktest"
)

// seat gives the secretary a sign-up of the status on the tour, as the seats would have.
func seat(t testing.TB, db *sqlx.DB, tourID, userID int64, status string) {
	t.Helper()
	testdb.Exec(t, db, `INSERT INTO tour_signups (tour_id, user_id, township_id, status)
		SELECT $1, id, township_id, $3 FROM users WHERE id = $2`, tourID, userID, status)
}

// dayFromToday is the date n days from today in China.
func dayFromToday(n int) string {
	return time.Now().In(web.China).AddDate(0, 0, n).Format(web.DateLayout)
}

// addDay adds a day as the admin and returns its id.
func addDay(t testing.TB, admin *webtest.Client, tourID int64, day string) int64 {
	t.Helper()
	st, body := admin.JSON("POST", fmt.Sprintf("/api/v1/tours/%d/days", tourID), map[string]any{"day": day, "title": "现场教学"})
	if st != 201 {
		t.Fatalf("add day %s: %d %s", day, st, body)
	}
	var d Day
	webtest.Decode(t, body, &d)
	if d.Day != day || d.ID == 0 {
		t.Fatalf("added day: %+v", d)
	}
	return d.ID
}

// markOf is the person's mark at the day ("" when none).
func markOf(t testing.TB, db *sqlx.DB, dayID, userID int64) string {
	t.Helper()
	var st string
	testdb.Get(t, db, &st, `SELECT COALESCE((SELECT status FROM tour_attendance WHERE day_id = $1 AND user_id = $2), '')`, dayID, userID)
	return st
}

func records(pairs ...any) map[string]any {
	var rs []map[string]any
	for i := 0; i+1 < len(pairs); i += 2 {
		rs = append(rs, map[string]any{"user_id": pairs[i], "status": pairs[i+1]})
	}
	return map[string]any{"records": rs}
}

func TestDaysRoutesAndRoles(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := newServer(t, db)
	cl := makeClients(t, srv, c)
	start := time.Now().In(web.China).AddDate(0, 0, -1) // yesterday .. the day after tomorrow
	id := makeTour(t, db, c, tourOpts{startsOn: start})
	other := makeTour(t, db, c, tourOpts{startsOn: start})
	draft := makeTour(t, db, c, tourOpts{startsOn: start, status: TourDraft})
	own, own2, pending := c.Secretaries[0][0], c.Secretaries[0][1], c.Secretaries[0][2]
	far := c.Secretaries[1][0]
	for _, p := range []int64{own, own2, far} {
		seat(t, db, id, p, "confirmed")
	}
	seat(t, db, id, pending, "approved")
	seat(t, db, draft, own, "confirmed")
	base := fmt.Sprintf("/api/v1/tours/%d/days", id)

	// Days: the county adds them within the tour's dates, each date once.
	yesterday, today, later := addDay(t, cl.admin, id, dayFromToday(-1)), addDay(t, cl.admin, id, dayFromToday(0)), addDay(t, cl.admin, id, dayFromToday(2))
	elsewhere := addDay(t, cl.admin, other, dayFromToday(0))
	draftDay := addDay(t, cl.admin, draft, dayFromToday(0))
	st, body := cl.admin.JSON("POST", base, map[string]any{"day": dayFromToday(0)})
	expect(t, "same date twice", st, body, 409, "day_exists")
	for _, bad := range []map[string]any{{"day": dayFromToday(-2)}, {"day": dayFromToday(3)}, {"day": "5月12日"}, {"day": ""}} {
		st, body = cl.admin.JSON("POST", base, bad)
		expect(t, fmt.Sprintf("day %v", bad["day"]), st, body, 422, "validation_failed")
		if fieldsOf(t, body)["day"] == "" {
			t.Fatalf("day %v: no message for the field: %s", bad["day"], body)
		}
	}
	st, body = cl.admin.JSON("POST", base, map[string]any{"day": dayFromToday(1), "title": strings.Repeat("长", MaxDayTitle+1)})
	expectField(t, "long title", st, body, "title")
	st, body = cl.org.JSON("POST", base, map[string]any{"day": dayFromToday(1)})
	expect(t, "organizer adds a day", st, body, 403, "")
	st, body = cl.sec.JSON("POST", base, map[string]any{"day": dayFromToday(1)})
	expect(t, "secretary adds a day", st, body, 403, "")

	// Reading: staff only; an organizer counts the own township's confirmed people.
	st, body = cl.sec.JSON("GET", base, nil)
	expect(t, "secretary lists days", st, body, 403, "")
	var list struct {
		Days []Day `json:"days"`
	}
	st, body = cl.org.JSON("GET", base, nil)
	expect(t, "organizer lists days", st, body, 200, "")
	webtest.Decode(t, body, &list)
	if len(list.Days) != 3 || list.Days[0].ID != yesterday || list.Days[0].People != 2 {
		t.Fatalf("organizer's days: %+v", list.Days)
	}
	st, body = cl.admin.JSON("GET", base, nil)
	webtest.Decode(t, body, &list)
	if st != 200 || list.Days[1].People != 3 {
		t.Fatalf("admin's days: %d %+v", st, list.Days)
	}
	st, body = cl.org.JSON("GET", fmt.Sprintf("/api/v1/tours/%d/days", draft), nil)
	expect(t, "organizer reads a draft's days", st, body, 404, "not_found")

	// Marking: an organizer marks the own township's confirmed participants.
	att := fmt.Sprintf("%s/%d/attendance", base, today)
	st, body = cl.org.JSON("PUT", att, records(own, "present"))
	expect(t, "organizer marks own", st, body, 200, "")
	if markOf(t, db, today, own) != roll.Present {
		t.Fatal("mark not saved")
	}
	st, body = cl.org.JSON("PUT", att, records(own2, "late", far, "present"))
	expect(t, "organizer marks another township's", st, body, 404, "not_found")
	if !strings.Contains(errorMessage(t, body), "第 2 条") {
		t.Fatalf("the refusal does not name the record: %s", body)
	}
	if markOf(t, db, today, own2) != "" || markOf(t, db, today, far) != "" {
		t.Fatal("a refused roll call saved part of itself")
	}
	st, body = cl.org.JSON("PUT", att, records(pending, "present"))
	expect(t, "not confirmed", st, body, 422, "not_confirmed")
	st, body = cl.org.JSON("PUT", att, records(c.Organizers[0], "present"))
	expect(t, "not on the tour", st, body, 404, "not_found")
	st, body = cl.org.JSON("PUT", att, records(own, "here"))
	expectField(t, "bad status", st, body, "records")
	st, body = cl.org.JSON("PUT", att, records(own, "present", own, "absent"))
	expectField(t, "twice", st, body, "records")
	st, body = cl.org.JSON("PUT", att, map[string]any{"records": []any{}})
	expectField(t, "nobody", st, body, "records")
	st, body = cl.org.JSON("PUT", att, map[string]any{"records": []any{map[string]any{"user_id": "7", "status": "present"}}})
	expect(t, "mistyped user id", st, body, 422, "")
	for what, path := range map[string]string{
		"forged day":         fmt.Sprintf("%s/999999999/attendance", base),
		"another tour's day": fmt.Sprintf("%s/%d/attendance", base, elsewhere),
		"a draft's day":      fmt.Sprintf("/api/v1/tours/%d/days/%d/attendance", draft, draftDay),
		"forged tour":        fmt.Sprintf("/api/v1/tours/999999999/days/%d/attendance", today),
	} {
		st, body = cl.org.JSON("PUT", path, records(own, "present"))
		expect(t, what, st, body, 404, "not_found")
		st, body = cl.org.JSON("GET", path, nil)
		expect(t, what+" (read)", st, body, 404, "not_found")
	}
	st, body = cl.org.JSON("PUT", fmt.Sprintf("%s/%d/attendance", base, later), records(own, "present"))
	expect(t, "a day to come", st, body, 409, "roll_closed")
	st, body = cl.sec.JSON("PUT", att, records(own, "present"))
	expect(t, "secretary marks", st, body, 403, "")
	if st, body = cl.anon.JSON("PUT", att, records(own, "present")); st != 401 && st != 403 {
		t.Fatalf("anonymous marks: %d %s", st, body)
	}

	// The other township's organizer sees and marks only theirs; the admin anyone.
	var roll2 struct {
		Total  int           `json:"total"`
		People []roll.Person `json:"people"`
		Tally  roll.Tally    `json:"tally"`
	}
	st, body = cl.org2.JSON("GET", att, nil)
	webtest.Decode(t, body, &roll2)
	if st != 200 || roll2.Total != 1 || roll2.People[0].UserID != far {
		t.Fatalf("org2's roll: %d %s", st, body)
	}
	st, body = cl.org2.JSON("PUT", att, records(own, "absent"))
	expect(t, "org2 marks the first township's", st, body, 404, "not_found")
	st, body = cl.org2.JSON("PUT", att, records(far, "leave"))
	expect(t, "org2 marks own", st, body, 200, "")
	st, body = cl.admin.JSON("PUT", att, records(far, "absent", own2, "late"))
	expect(t, "admin marks both townships", st, body, 200, "")
	st, body = cl.admin.JSON("GET", att+"?status=unmarked", nil)
	webtest.Decode(t, body, &roll2)
	if st != 200 || roll2.Total != 0 || roll2.Tally.Attended() != 2 || roll2.Tally.Absent != 1 {
		t.Fatalf("admin's roll after marking: %d %s", st, body)
	}
	st, body = cl.admin.JSON("GET", att+"?status=maybe", nil)
	expect(t, "bad status filter", st, body, 400, "")

	// Deleting: the county's, and only a day nobody was marked at.
	st, body = cl.admin.JSON("DELETE", fmt.Sprintf("%s/%d", base, today), nil)
	expect(t, "delete a marked day", st, body, 409, "day_marked")
	st, body = cl.org.JSON("DELETE", fmt.Sprintf("%s/%d", base, later), nil)
	expect(t, "organizer deletes", st, body, 403, "")
	st, body = cl.admin.JSON("DELETE", fmt.Sprintf("%s/%d", base, elsewhere), nil)
	expect(t, "delete another tour's day", st, body, 404, "not_found")
	st, body = cl.admin.JSON("DELETE", fmt.Sprintf("%s/%d", base, later), nil)
	expect(t, "delete a day", st, body, 204, "")

	// Pages.
	for _, p := range []struct {
		who  *webtest.Client
		path string
		want int
		has  string
	}{
		{cl.sec, fmt.Sprintf("/admin/tours/%d/days", id), 403, ""},
		{cl.sec, fmt.Sprintf("/admin/tours/%d/days/%d", id, today), 403, ""},
		{cl.org, fmt.Sprintf("/admin/tours/%d", id), 200, fmt.Sprintf("/admin/tours/%d/days", id)},
		{cl.org, fmt.Sprintf("/admin/tours/%d/days", id), 200, "考察日程与点名"},
		{cl.org, fmt.Sprintf("/admin/tours/%d/days/%d", id, today), 200, "未点名的全部记为出勤"},
		{cl.org, fmt.Sprintf("/admin/tours/%d/days/%d", id, elsewhere), 404, ""},
		{cl.org, fmt.Sprintf("/admin/tours/%d/days/%d", draft, draftDay), 404, ""},
		{cl.admin, fmt.Sprintf("/admin/tours/%d/days", id), 200, `id="add-day"`},
		{cl.admin, fmt.Sprintf("/admin/tours/%d/days/%d", id, today), 200, "各乡镇点名情况"},
		{cl.admin, fmt.Sprintf("/admin/tours/%d/days/%d/delete", id, yesterday), 200, "确定删除"},
		{cl.org, fmt.Sprintf("/admin/tours/%d/days/%d/delete", id, yesterday), 403, ""},
	} {
		st, html := p.who.Get(p.path)
		if st != p.want || !strings.Contains(html, p.has) {
			t.Fatalf("GET %s: %d, want %d with %q", p.path, st, p.want, p.has)
		}
	}
	// The add form keeps what was typed and says what is wrong.
	resp := cl.admin.Form("POST", fmt.Sprintf("/admin/tours/%d/days", id), url.Values{"day": {dayFromToday(0)}, "title": {"再来一次"}})
	page := readBody(t, resp)
	if resp.StatusCode != 409 || !strings.Contains(page, "已在日程中") || !strings.Contains(page, `value="再来一次"`) {
		t.Fatalf("add a taken date by form: %d", resp.StatusCode)
	}
	resp = cl.admin.Form("POST", fmt.Sprintf("/admin/tours/%d/days", id), url.Values{"day": {dayFromToday(9)}})
	if page := readBody(t, resp); resp.StatusCode != 422 || !strings.Contains(page, "应在考察日期") {
		t.Fatalf("add a date outside the tour by form: %d", resp.StatusCode)
	}
	_, html := cl.org.Get(fmt.Sprintf("/admin/tours/%d/days", id))
	if strings.Contains(html, `id="add-day"`) {
		t.Fatal("an organizer is offered to add days")
	}
	// The organizer's roll lists the own township's people only.
	_, html = cl.org.Get(fmt.Sprintf("/admin/tours/%d/days/%d", id, yesterday))
	if ids := personRows.FindAllStringSubmatch(html, -1); len(ids) != 2 || strings.Contains(html, fmt.Sprintf(`id="u%d"`, far)) {
		t.Fatalf("organizer's roll rows: %v", ids)
	}
	// The one tap, then an exception, by form.
	resp = cl.org.Form("POST", fmt.Sprintf("/admin/tours/%d/days/%d/all-present", id, yesterday), url.Values{})
	if resp.StatusCode != 303 || markOf(t, db, yesterday, own) != "present" || markOf(t, db, yesterday, own2) != "present" || markOf(t, db, yesterday, far) != "" {
		t.Fatalf("all present: %d", resp.StatusCode)
	}
	back := fmt.Sprintf("/admin/tours/%d/days/%d?status=present", id, yesterday)
	resp = cl.org.Form("POST", fmt.Sprintf("/admin/tours/%d/days/%d/mark", id, yesterday),
		url.Values{"user_id": {fmt.Sprint(own2)}, "status": {"absent"}, "back": {back}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != back+fmt.Sprintf("#u%d", own2) || markOf(t, db, yesterday, own2) != "absent" {
		t.Fatalf("mark by form: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp = cl.org.Form("POST", fmt.Sprintf("/admin/tours/%d/days/%d/mark", id, yesterday),
		url.Values{"user_id": {fmt.Sprint(far)}, "status": {"absent"}})
	if resp.StatusCode != 404 || markOf(t, db, yesterday, far) != "" {
		t.Fatalf("organizer marks another township by form: %d", resp.StatusCode)
	}
	resp = cl.sec.Form("POST", fmt.Sprintf("/admin/tours/%d/days/%d/all-present", id, yesterday), url.Values{})
	if resp.StatusCode != 403 {
		t.Fatalf("secretary's one tap: %d", resp.StatusCode)
	}
}

// readBody reads and closes a response's body.
func readBody(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// errorMessage is the message of an error answer.
func errorMessage(t testing.TB, body []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	webtest.Decode(t, body, &e)
	return e.Error.Message
}

var personRows = regexp.MustCompile(`<li id="u(\d+)"`)

// TestDayRollParallelMarks: people marked at once by several staff end with one mark
// each, written whole by one of them (its status with its marker), and nothing is lost.
func TestDayRollParallelMarks(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	id := makeTour(t, db, c, tourOpts{startsOn: time.Now().In(web.China)})
	for _, p := range c.Secretaries[0] {
		seat(t, db, id, p, "confirmed")
	}
	s := newStore(db)
	admin := &web.Identity{UserID: c.Admin, Role: web.RoleAdmin}
	org := &web.Identity{UserID: c.Organizers[0], Role: web.RoleOrganizer, TownshipID: c.Townships[0]}
	d, err := s.AddDay(context.Background(), admin, id, DayInput{Day: dayFromToday(0)})
	if err != nil {
		t.Fatal(err)
	}
	people := c.Secretaries[0]
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 24; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			// The admin marks present or late, the organizer leave or absent: the pair
			// that stands tells who wrote it.
			me, st := admin, []string{roll.Present, roll.Late}[i%2]
			if i%3 == 0 {
				me, st = org, []string{roll.Leave, roll.Absent}[i%2]
			}
			in := roll.Input{}
			for k := range people { // every person, in a different order each time
				in.Records = append(in.Records, roll.Record{UserID: people[(k+i)%len(people)], Status: st})
			}
			var err error
			if i%5 == 0 {
				_, err = s.MarkDayAll(context.Background(), org, id, d.ID)
			} else {
				_, err = s.MarkDay(context.Background(), me, id, d.ID, in)
			}
			if err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("parallel mark: %v", err)
	}
	var rows []struct {
		UserID   int64  `db:"user_id"`
		Status   string `db:"status"`
		MarkedBy int64  `db:"marked_by"`
	}
	if err := db.Select(&rows, `SELECT user_id, status, marked_by FROM tour_attendance WHERE day_id = $1`, d.ID); err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(people) {
		t.Fatalf("%d marks for %d people", len(rows), len(people))
	}
	for _, r := range rows {
		byAdmin := r.Status == roll.Present || r.Status == roll.Late
		if byAdmin != (r.MarkedBy == c.Admin) {
			t.Fatalf("a torn mark: %+v", r)
		}
	}
	// Everyone ends with the same mark: the roll calls were serialized, each whole.
	for _, r := range rows[1:] {
		if r.Status != rows[0].Status {
			t.Fatalf("marks of one roll call interleaved with another's: %+v", rows)
		}
	}
}

// TestDayRollPaging: a county-scale roll pages without loss or repetition, by township,
// branch and name; the filters narrow it and the counts stay those of the whole roll.
func TestDayRollPaging(t *testing.T) {
	db := testdb.DB(t)
	k := seedBigCounty(t, db, 4, 90, 90) // 30 confirmed per township: 120 on the roll
	tour, err := newStore(db).Tour(context.Background(), k.Tour)
	if err != nil {
		t.Fatal(err)
	}
	deps := testDeps
	deps.Now = func() time.Time { return tour.StartsOn.Add(12 * time.Hour) }
	s := NewStore(db, deps)
	ctx := context.Background()
	admin := &web.Identity{UserID: k.Admin, Role: web.RoleAdmin}
	org := &web.Identity{UserID: k.Organizers[1], Role: web.RoleOrganizer, TownshipID: k.Townships[1]}
	d, err := s.AddDay(ctx, admin, k.Tour, DayInput{Day: tour.StartsOn.Format(web.DateLayout)})
	if err != nil {
		t.Fatal(err)
	}
	var confirmed int
	testdb.Get(t, db, &confirmed, `SELECT count(*) FROM tour_signups WHERE tour_id = $1 AND status = 'confirmed'`, k.Tour)
	if confirmed != 120 {
		t.Fatalf("seed: %d confirmed", confirmed)
	}
	pageAll := func(me *web.Identity, f roll.Filter) ([]roll.Person, roll.Tally) {
		t.Helper()
		var all []roll.Person
		var tally roll.Tally
		for off := 0; ; off += web.PageSize {
			f.Limit, f.Offset = web.PageSize, off
			r, err := s.DayRoll(ctx, me, k.Tour, d.ID, f)
			if err != nil {
				t.Fatal(err)
			}
			tally = r.Tally
			all = append(all, r.People...)
			if len(r.People) < web.PageSize {
				return all, tally
			}
		}
	}
	all, tally := pageAll(admin, roll.Filter{})
	if len(all) != 120 || tally.People != 120 || tally.Unmarked != 120 {
		t.Fatalf("admin's roll: %d rows, %+v", len(all), tally)
	}
	seen := map[int64]bool{}
	townOrder := map[int64]int{}
	for i, tw := range k.Townships {
		townOrder[tw] = i
	}
	for i, p := range all {
		if seen[p.UserID] {
			t.Fatalf("%d listed twice", p.UserID)
		}
		seen[p.UserID] = true
		if i > 0 && townOrder[p.TownshipID] < townOrder[all[i-1].TownshipID] {
			t.Fatalf("row %d out of township order", i)
		}
	}
	mine, tally := pageAll(org, roll.Filter{TownshipID: k.Townships[0]}) // an organizer's township filter is ignored
	if len(mine) != 30 || tally.People != 30 {
		t.Fatalf("organizer's roll: %d rows, %+v", len(mine), tally)
	}
	for _, p := range mine {
		if p.TownshipID != k.Townships[1] {
			t.Fatalf("organizer sees %+v", p)
		}
	}
	if _, err := s.MarkDayAll(ctx, org, k.Tour, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkDay(ctx, org, k.Tour, d.ID, roll.Input{Records: []roll.Record{{UserID: mine[0].UserID, Status: roll.Absent}}}); err != nil {
		t.Fatal(err)
	}
	unmarked, tally := pageAll(admin, roll.Filter{Status: roll.Unmarked})
	if len(unmarked) != 90 || tally.People != 120 || tally.Present != 29 || tally.Absent != 1 || tally.Of(roll.Unmarked) != 90 {
		t.Fatalf("unmarked: %d rows, %+v", len(unmarked), tally)
	}
	absent, _ := pageAll(admin, roll.Filter{Status: roll.Absent})
	if len(absent) != 1 || absent[0].UserID != mine[0].UserID {
		t.Fatalf("absent: %+v", absent)
	}
	town, _ := pageAll(admin, roll.Filter{TownshipID: k.Townships[2]})
	if len(town) != 30 || town[0].TownshipID != k.Townships[2] {
		t.Fatalf("admin's township filter: %d", len(town))
	}
	who, _ := pageAll(admin, roll.Filter{Query: all[77].Phone})
	if len(who) != 1 || who[0].UserID != all[77].UserID {
		t.Fatalf("search by phone: %+v", who)
	}
	// Per township: the organizer's township fully marked, the others not at all.
	r, err := s.DayRoll(ctx, admin, k.Tour, d.ID, roll.Filter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Townships) != 4 {
		t.Fatalf("townships: %+v", r.Townships)
	}
	for _, tr := range r.Townships {
		wantMarked, wantPresent := 0, 0
		if tr.TownshipID == k.Townships[1] {
			wantMarked, wantPresent = 30, 29
		}
		if tr.Participants != 30 || tr.Marked != wantMarked || tr.Present != wantPresent {
			t.Fatalf("township line %+v", tr)
		}
	}
	// The page: one page of rows, the pager, the counts.
	srv := webtest.Server(t, db, web.Config{}, func(sv *web.Server) error { return inbox.Mount(sv, inbox.Deps{}) },
		func(sv *web.Server) error { return Mount(sv, deps) })
	st, html := webtest.AsUser(t, srv, k.Admin).Get(fmt.Sprintf("/admin/tours/%d/days/%d?page=2", k.Tour, d.ID))
	if st != 200 || len(personRows.FindAllString(html, -1)) != web.PageSize || !strings.Contains(html, "第 2/3 页") {
		t.Fatalf("page 2: %d, %d rows", st, len(personRows.FindAllString(html, -1)))
	}
	// A person who is no longer confirmed leaves the roll (their mark stays stored).
	testdb.Exec(t, db, `UPDATE tour_signups SET status = 'cancelled' WHERE tour_id = $1 AND user_id = $2`, k.Tour, mine[1].UserID)
	if _, err := s.MarkDay(ctx, org, k.Tour, d.ID, roll.Input{Records: []roll.Record{{UserID: mine[1].UserID, Status: roll.Absent}}}); !errors.Is(err, roll.ErrNotCounted) {
		t.Fatalf("marks a cancelled participant: %v", err)
	}
	if _, tally := pageAll(org, roll.Filter{}); tally.People != 29 {
		t.Fatalf("after a cancellation: %+v", tally)
	}
}

// The roster export's 「出勤天数」: days attended (present or late) of the tour's days, for
// confirmed participants only, read back by openpyxl.
func TestRosterAttendanceDays(t *testing.T) {
	db := testdb.DB(t)
	k := seedBigCounty(t, db, 1, 9, 9)
	tour, err := newStore(db).Tour(context.Background(), k.Tour)
	if err != nil {
		t.Fatal(err)
	}
	deps := testDeps
	deps.Now = func() time.Time { return tour.StartsOn.AddDate(0, 0, 2).Add(12 * time.Hour) }
	s := NewStore(db, deps)
	ctx := context.Background()
	admin := &web.Identity{UserID: k.Admin, Role: web.RoleAdmin}

	var confirmed []int64
	if err := db.Select(&confirmed, `SELECT user_id FROM tour_signups WHERE tour_id = $1 AND status = 'confirmed' ORDER BY user_id`, k.Tour); err != nil {
		t.Fatal(err)
	}
	var other int64
	testdb.Get(t, db, &other, `SELECT user_id FROM tour_signups WHERE tour_id = $1 AND status <> 'confirmed' LIMIT 1`, k.Tour)
	if len(confirmed) < 3 {
		t.Fatalf("seed: %d confirmed", len(confirmed))
	}
	// Before any day: the column stays blank.
	r, err := s.Roster(ctx, admin, k.Tour)
	if err != nil {
		t.Fatal(err)
	}
	if r.Days != 0 || AttendanceColumn(r.Days, r.Attended[confirmed[0]], true) != "" {
		t.Fatalf("a tour without days: %d days, %v", r.Days, r.Attended)
	}
	var days []int64
	for i := 0; i < 3; i++ {
		d, err := s.AddDay(ctx, admin, k.Tour, DayInput{Day: tour.StartsOn.AddDate(0, 0, i).Format(web.DateLayout)})
		if err != nil {
			t.Fatal(err)
		}
		days = append(days, d.ID)
	}
	a, b, c := confirmed[0], confirmed[1], confirmed[2]
	marks := [][]roll.Record{
		{{UserID: a, Status: roll.Present}, {UserID: b, Status: roll.Present}, {UserID: c, Status: roll.Leave}},
		{{UserID: a, Status: roll.Late}, {UserID: b, Status: roll.Absent}, {UserID: c, Status: roll.Leave}},
		{{UserID: a, Status: roll.Present}}, // b and c not marked on day 3
	}
	for i, m := range marks {
		if _, err := s.MarkDay(ctx, admin, k.Tour, days[i], roll.Input{Records: m}); err != nil {
			t.Fatal(err)
		}
	}
	if r, err = s.Roster(ctx, admin, k.Tour); err != nil {
		t.Fatal(err)
	}
	data, err := RosterWorkbook(r, "全县", deps.Now())
	if err != nil {
		t.Fatal(err)
	}
	sheet := workbooktest.Read(t, data)["名单"]
	col, nameCol, header := -1, -1, -1
	for i, row := range sheet.Rows {
		for j, v := range row {
			if v == "出勤天数" {
				col, header = j, i
			}
			if v == "姓名" {
				nameCol = j
			}
		}
		if header >= 0 {
			break
		}
	}
	if col < 0 || nameCol < 0 {
		t.Fatalf("no 出勤天数 or 姓名 column: %v", sheet.Rows[:2])
	}
	byName := map[string]string{}
	for _, row := range sheet.Rows[header+1:] {
		byName[row[nameCol]] = row[col]
	}
	nameOf := func(id int64) string {
		var n string
		testdb.Get(t, db, &n, `SELECT name FROM users WHERE id = $1`, id)
		return n
	}
	for id, want := range map[int64]string{a: "3/3", b: "1/3", c: "0/3", other: ""} {
		got, ok := byName[nameOf(id)]
		if !ok {
			t.Fatalf("%s not on the roster", nameOf(id))
		}
		if got != want {
			t.Errorf("%s: 出勤天数 %q, want %q", nameOf(id), got, want)
		}
	}
}

// Today's tour day on the staff home: its roll in the viewer's scope with people still
// unmarked; one tap marks them and the card goes; the other township's stays.
func TestTodayDay(t *testing.T) {
	db := testdb.DB(t)
	k := seedBigCounty(t, db, 2, 9, 9)
	tour, err := newStore(db).Tour(context.Background(), k.Tour)
	if err != nil {
		t.Fatal(err)
	}
	deps := testDeps
	deps.Now = func() time.Time { return tour.StartsOn.Add(12 * time.Hour) }
	s := NewStore(db, deps)
	ctx := context.Background()
	admin := &web.Identity{UserID: k.Admin, Role: web.RoleAdmin}
	org := &web.Identity{UserID: k.Organizers[0], Role: web.RoleOrganizer, TownshipID: k.Townships[0]}
	org2 := &web.Identity{UserID: k.Organizers[1], Role: web.RoleOrganizer, TownshipID: k.Townships[1]}
	today := func(me *web.Identity) *DayToDo {
		t.Helper()
		d, err := s.TodayDay(ctx, me)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := today(org); d != nil {
		t.Fatalf("no day yet: %+v", d)
	}
	day, err := s.AddDay(ctx, admin, k.Tour, DayInput{Day: tour.StartsOn.Format(web.DateLayout), Title: "参观余村"})
	if err != nil {
		t.Fatal(err)
	}
	var mine int
	testdb.Get(t, db, &mine, `SELECT count(*) FROM tour_signups WHERE tour_id = $1 AND status = 'confirmed' AND township_id = $2`, k.Tour, k.Townships[0])
	d := today(org)
	if mine == 0 || d == nil || d.ID != day.ID || d.People != mine || d.Marked != 0 {
		t.Fatalf("organizer's day: %+v (confirmed %d)", d, mine)
	}
	cards := DayCard(d)
	if len(cards) != 1 || cards[0].Link != fmt.Sprintf("/admin/tours/%d/days/%d", k.Tour, day.ID) || cards[0].Big != fmt.Sprintf("%d 人未点名", mine) ||
		cards[0].Due.IsZero() || strings.Join(cards[0].Lines, "|") != fmt.Sprintf("今天：参观余村|应到 %d 人，已点名 0 人", mine) {
		t.Fatalf("card: %+v", cards)
	}
	if _, err := s.MarkDayAll(ctx, org, k.Tour, day.ID); err != nil {
		t.Fatal(err)
	}
	if d := today(org); d != nil {
		t.Fatalf("all marked, still listed: %+v", d)
	}
	if d := today(org2); d == nil || d.ID != day.ID || d.Marked != 0 {
		t.Fatalf("the other township's roll: %+v", d)
	}
	if d := today(admin); d == nil {
		t.Fatal("admin: no day")
	}
}
