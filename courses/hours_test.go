package courses

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/hours"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// ledgerEntry is a course's entry in the 学时 ledger (app/hours), as stored.
type ledgerEntry struct {
	Year       int       `db:"year"`
	Hours      float64   `db:"hours"`
	Note       string    `db:"note"`
	CreditedAt time.Time `db:"credited_at"`
}

// ledgerOf lists the ledger entries of a person's course completion (every one, so that
// a second entry would show).
func ledgerOf(t *testing.T, db *sqlx.DB, user, course int64) []ledgerEntry {
	t.Helper()
	var out []ledgerEntry
	if err := db.Select(&out, `SELECT year, hours::float8 AS hours, note, credited_at FROM hour_credits
		WHERE source = 'course' AND source_id = $1 AND user_id = $2 ORDER BY id`, course, user); err != nil {
		t.Fatal(err)
	}
	return out
}

// Completing a course through the heartbeat writes its one ledger entry, in the China
// year of the completion; beating on, concurrently too, writes no second one.
func TestHeartbeatCompletionWritesLedgerOnce(t *testing.T) {
	db := testdb.DB(t)
	county := testdb.MakeCounty(t, db)
	cid, ls := makeCourse(t, db, 2, 1, 1.5)
	var title string
	testdb.Get(t, db, &title, `SELECT title FROM courses WHERE id = $1`, cid)

	// New Year's Eve in UTC, already 1 January in China: the entry belongs to the new year.
	u := county.Secretaries[0][0]
	t0 := time.Date(2025, 12, 31, 16, 29, 0, 0, time.UTC)
	beat(t, db, u, ls[0], BeatInput{Resume: true}, t0)
	beat(t, db, u, ls[0], BeatInput{ReachedEnd: true}, t0.Add(2*time.Second))
	beat(t, db, u, ls[1], BeatInput{Resume: true}, t0.Add(3*time.Second))
	if got := ledgerOf(t, db, u, cid); len(got) != 0 {
		t.Fatalf("an unfinished course is in the ledger: %+v", got)
	}
	// The last lesson's end, reached by several beats at once (two tabs, a resend).
	done := t0.Add(5 * time.Second)
	var wg sync.WaitGroup
	results := make(chan *BeatResult, 6)
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := st(db).heartbeatAt(context.Background(), u, ls[1], BeatInput{ReachedEnd: true}, done)
			if err != nil {
				t.Error(err)
				return
			}
			results <- r
		}()
	}
	wg.Wait()
	close(results)
	credited := 0
	for r := range results {
		if r.HoursEarned > 0 {
			credited++
		}
	}
	got := ledgerOf(t, db, u, cid)
	if credited != 1 || len(got) != 1 {
		t.Fatalf("concurrent completing beats: %d credited, ledger %+v", credited, got)
	}
	if e := got[0]; e.Year != 2026 || e.Hours != 1.5 || e.Note != title || !e.CreditedAt.Equal(done) {
		t.Fatalf("entry %+v, want 2026, 1.5 学时, %q at %v", e, title, done)
	}
	beat(t, db, u, ls[1], BeatInput{ReachedEnd: true}, done.Add(10*time.Second))
	if got := ledgerOf(t, db, u, cid); len(got) != 1 {
		t.Fatalf("a later beat wrote again: %+v", got)
	}
	if h := hoursOf(t, db, u, 2026); h != 1.5 {
		t.Fatalf("2026 学时 %v", h)
	}
	if h := hoursOf(t, db, u, 2025); h != 0 {
		t.Fatalf("2025 学时 %v", h)
	}

	// One minute earlier it was still 2025 in China.
	u2 := county.Secretaries[0][1]
	t1 := time.Date(2025, 12, 31, 15, 58, 0, 0, time.UTC)
	beat(t, db, u2, ls[0], BeatInput{Resume: true}, t1)
	beat(t, db, u2, ls[0], BeatInput{ReachedEnd: true}, t1.Add(2*time.Second))
	beat(t, db, u2, ls[1], BeatInput{Resume: true}, t1.Add(3*time.Second))
	if r := beat(t, db, u2, ls[1], BeatInput{ReachedEnd: true}, t1.Add(5*time.Second)); !r.CourseCompleted {
		t.Fatalf("%+v", r)
	}
	if got := ledgerOf(t, db, u2, cid); len(got) != 1 || got[0].Year != 2025 {
		t.Fatalf("entry of a completion on 31 December: %+v", got)
	}
}

// The exam pass that completes a course (RecheckCompletion) writes the ledger entry once,
// however often and however concurrently it is triggered; even a completion written
// again adds no second entry.
func TestRecheckCompletionWritesLedgerOnce(t *testing.T) {
	db := testdb.DB(t)
	ctx := context.Background()
	county := testdb.MakeCounty(t, db)
	u := county.Secretaries[1][0]
	year := YearOf(time.Now())
	before := hoursOf(t, db, u, year)
	cid, ls := makeCourse(t, db, 2, 0, 3)
	exam := linkExam(t, db, cid)
	if r := studyAll(t, db, u, ls); r.CourseCompleted {
		t.Fatalf("completed before the exam: %+v", r)
	}
	if got := ledgerOf(t, db, u, cid); len(got) != 0 {
		t.Fatalf("ledger before the pass: %+v", got)
	}
	finishAttempt(t, db, exam, u, true)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := RecheckCompletion(ctx, db, u, cid); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got := ledgerOf(t, db, u, cid)
	if len(got) != 1 || got[0].Hours != 3 || got[0].Year != year {
		t.Fatalf("after concurrent rechecks: %+v", got)
	}
	if err := RecheckCompletion(ctx, db, u, cid); err != nil {
		t.Fatal(err)
	}
	// A completion recorded again (as a repaired row would be) still credits once.
	testdb.Exec(t, db, `UPDATE course_progress SET completed_at = NULL WHERE user_id = $1 AND course_id = $2`, u, cid)
	if err := RecheckCompletion(ctx, db, u, cid); err != nil {
		t.Fatal(err)
	}
	if got := ledgerOf(t, db, u, cid); len(got) != 1 || got[0].Hours != 3 {
		t.Fatalf("after a second completion: %+v", got)
	}
	if h := hoursOf(t, db, u, year); h != before+3 {
		t.Fatalf("学时 %v, want %v", h, before+3)
	}
}

// Archiving the one lesson a learner was missing completes the course, and writes its
// ledger entry.
func TestArchiveCompletionWritesLedger(t *testing.T) {
	db := testdb.DB(t)
	ctx := context.Background()
	county := testdb.MakeCounty(t, db)
	u := county.Secretaries[0][1]
	cid, ls := makeCourse(t, db, 2, 0, 2)
	studyAll(t, db, u, ls[:1])
	if _, err := st(db).ArchiveLesson(ctx, ls[1]); err != nil {
		t.Fatal(err)
	}
	if got := ledgerOf(t, db, u, cid); len(got) != 1 || got[0].Hours != 2 || got[0].Year != YearOf(time.Now()) {
		t.Fatalf("after archiving: %+v", got)
	}
	if _, err := st(db).RestoreLesson(ctx, ls[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := st(db).ArchiveLesson(ctx, ls[1]); err != nil {
		t.Fatal(err)
	}
	if got := ledgerOf(t, db, u, cid); len(got) != 1 {
		t.Fatalf("archived again: %+v", got)
	}
}

// Every 学时 the learner pages show is the ledger's (every source, 线上 and 线下), the
// same as 我的学时 (app/hours), and the page leads there and to 我的培训班.
func TestStudyFiguresReadTheLedger(t *testing.T) {
	f := setup(t)
	db := testdb.DB(t)
	ctx := context.Background()
	u := f.county.Secretaries[0][0]
	year := YearOf(time.Now())
	var s0 StudySummary
	_, body := f.sec.JSON("GET", "/api/v1/me/study", nil)
	webtest.Decode(t, body, &s0)

	// 2 学时 online (the fixture course, studied through the API) and 3 offline (a class).
	for _, l := range f.lessons {
		p := "/api/v1/lessons/" + id(l) + "/heartbeat"
		f.sec.JSON("POST", p, map[string]any{"resume": true})
		f.clock.Advance(2 * time.Second)
		if st, b := f.sec.JSON("POST", p, map[string]any{"reached_end": true, "elapsed": 1}); st != 200 {
			t.Fatalf("%d %s", st, b)
		}
	}
	if _, err := hours.Write(ctx, db, hours.Credit{UserID: u, Year: year, Source: hours.SourceClass, SourceID: f.course + 1_000_000,
		Hours: 3, At: time.Now(), Note: "集中轮训班"}); err != nil {
		t.Fatal(err)
	}
	mine, err := hours.NewStore(db).Mine(ctx, u, year)
	if err != nil {
		t.Fatal(err)
	}
	var s StudySummary
	_, body = f.sec.JSON("GET", "/api/v1/me/study", nil)
	webtest.Decode(t, body, &s)
	if s.HoursEarned != s0.HoursEarned+5 || s.Online != s0.Online+2 || s.Offline != s0.Offline+3 {
		t.Fatalf("me/study %s, before %+v", body, s0)
	}
	if s.HoursEarned != mine.Total || s.Online != mine.Online || s.Offline != mine.Offline || s.TargetHours != mine.Target ||
		s.Reached != mine.Reached || s.Percent != mine.Percent() {
		t.Fatalf("me/study %+v differs from the ledger %+v", s, mine)
	}

	split := fmt.Sprintf("线上 %s · 线下 %s", FormatHours(mine.Online), FormatHours(mine.Offline))
	h := &handlers{store: NewStore(db, f.deps), srv: f.srv, deps: f.deps}
	var card *web.Card
	for _, c := range homeCards(t, h, &web.Identity{UserID: u, Role: web.RoleSecretary}) {
		if strings.HasSuffix(c.Title, "年学时") {
			card = &c
		}
	}
	if card == nil || card.Big != FormatHours(mine.Total)+" / "+FormatHours(mine.Target) || !strings.Contains(strings.Join(card.Lines, "|"), split) ||
		card.Link != "/me/hours" || card.LinkText != "我的学时" {
		t.Fatalf("home card %+v, want %s and %q", card, FormatHours(mine.Total), split)
	}
	st, page := f.sec.Get("/courses")
	if st != 200 || !strings.Contains(page, split) || !strings.Contains(page, FormatHours(mine.Total)+`<span class="unit">`) {
		t.Fatalf("/courses: %d, want %q", st, split)
	}
	for _, link := range []string{`<a href="/me/hours">我的学时`, `<a href="/classes">我的培训班`} {
		if !strings.Contains(page, link) {
			t.Errorf("/courses lacks %s", link)
		}
	}
	// A revoked entry stops counting on every page at once.
	testdb.Exec(t, db, `UPDATE hour_credits SET revoked_at = now(), revoke_reason = '测试' WHERE user_id = $1 AND source = 'class'`, u)
	_, body = f.sec.JSON("GET", "/api/v1/me/study", nil)
	webtest.Decode(t, body, &s)
	if s.HoursEarned != s0.HoursEarned+2 || s.Offline != s0.Offline {
		t.Fatalf("after revoking the class: %s", body)
	}
}

// The course form compares the declared 学时 with the year's conversion; more needs a
// reason (422 naming credit_reason without one), which learners read on the course page.
func TestCreditReason(t *testing.T) {
	f := setup(t)
	db := testdb.DB(t)
	ctx := context.Background()
	year := YearOf(time.Now())
	prev, err := st(db).YearRule(ctx, year)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st(db).SaveYearRule(context.Background(), prev) })
	if _, err := st(db).SaveYearRule(ctx, YearRule{Year: year, TargetHours: 50, MinutesPerHour: 45}); err != nil {
		t.Fatal(err)
	}
	// Three lessons of 10 minutes: 30 minutes give 0.5 学时 at 45 minutes per 学时.
	status, body := f.admin.JSON("POST", "/api/v1/courses", map[string]any{"title": testdb.Unique("学时认定"), "category": "实务", "credit_hours": 2})
	if status != 201 {
		t.Fatalf("create without lessons needs no reason yet: %d %s", status, body)
	}
	var cr struct{ Course Course }
	webtest.Decode(t, body, &cr)
	cid := id(cr.Course.ID)
	for i := 0; i < 3; i++ {
		if st, b := f.admin.JSON("POST", "/api/v1/courses/"+cid+"/lessons", map[string]any{"title": fmt.Sprint("课时", i), "body_markdown": "正文", "min_seconds": 600}); st != 201 {
			t.Fatalf("lesson: %d %s", st, b)
		}
	}
	// Publishing 2 学时 for 30 minutes without a reason is refused, naming the field.
	status, body = f.admin.JSON("PUT", "/api/v1/courses/"+cid+"/published", map[string]any{"published": true})
	if status != 422 || !strings.Contains(fieldOf(t, body, "credit_reason"), "折算的 0.5 学时") {
		t.Fatalf("publish without a reason: %d %s", status, body)
	}
	put := func(hours float64, reason string) (int, []byte) {
		return f.admin.JSON("PUT", "/api/v1/courses/"+cid, map[string]any{"title": cr.Course.Title, "category": "实务", "credit_hours": hours, "credit_reason": reason})
	}
	for _, bad := range []struct {
		hours  float64
		reason string
	}{{2, ""}, {2, "   "}, {0.51, ""}} {
		if status, body := put(bad.hours, bad.reason); status != 422 || fieldOf(t, body, "credit_reason") == "" {
			t.Errorf("%v 学时 with reason %q: %d %s", bad.hours, bad.reason, status, body)
		}
	}
	if status, body := put(2, strings.Repeat("理", MaxCreditReason+1)); status != 422 || !strings.Contains(fieldOf(t, body, "credit_reason"), "200") {
		t.Errorf("long reason: %d %s", status, body)
	}
	for _, ok := range []float64{0, 0.5} {
		if status, body := put(ok, ""); status != 200 {
			t.Errorf("%v 学时 need no reason: %d %s", ok, status, body)
		}
	}
	reason := "另需完成配套的“三会一课”记录练习"
	if status, body := put(2, reason); status != 200 || !strings.Contains(string(body), `"credit_reason":"`+reason) {
		t.Fatalf("with a reason: %d %s", status, body)
	}
	if status, body := f.admin.JSON("PUT", "/api/v1/courses/"+cid+"/published", map[string]any{"published": true}); status != 200 {
		t.Fatalf("publish with a reason: %d %s", status, body)
	}
	// Learners read why; the admin sees the conversion beside the declared 学时.
	want := "本课程学时按 2 学时认定（按最短学习时间折算为 0.5 学时）：" + reason
	if status, page := f.sec.Get("/courses/" + cid); status != 200 || !strings.Contains(page, strings.ReplaceAll(want, "“", "&#34;")) &&
		!strings.Contains(page, want) {
		t.Fatalf("course page: %d, want %q", status, want)
	}
	if status, page := f.admin.Get("/admin/courses/" + cid + "/edit"); status != 200 || !strings.Contains(page, "折算为 <strong>0.5 学时</strong>") ||
		strings.Contains(page, "还没有写明理由") {
		t.Fatalf("edit page: %d", status)
	}
	// The form names the field and keeps what was typed.
	resp := f.admin.Form("POST", "/admin/courses/"+cid, url.Values{"title": {cr.Course.Title}, "category": {"实务"}, "credit_hours": {"3"}, "credit_reason": {""}})
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(raw)
	if resp.StatusCode != 422 || !strings.Contains(page, "认定 3 学时，多于按各课时最短学习时间折算的 0.5 学时") || !strings.Contains(page, `value="3"`) {
		t.Fatalf("form without a reason: %d", resp.StatusCode)
	}
	if resp := f.admin.Form("POST", "/admin/courses/"+cid, url.Values{"title": {cr.Course.Title}, "category": {"实务"}, "credit_hours": {"3"},
		"credit_reason": {"含两次支部研讨"}}); resp.StatusCode != 303 {
		t.Fatalf("form with a reason: %d", resp.StatusCode)
	}
	// A course saved before the rule (no reason, more than the conversion): the admin is
	// told, learners see no reason line.
	testdb.Exec(t, db, `UPDATE courses SET credit_reason = '' WHERE id = $1`, cr.Course.ID)
	if status, page := f.admin.Get("/admin/courses/" + cid + "/edit"); status != 200 || !strings.Contains(page, "还没有写明理由") {
		t.Fatalf("edit page of a course without its reason: %d", status)
	}
	if status, page := f.sec.Get("/courses/" + cid); status != 200 || strings.Contains(page, "本课程学时按") {
		t.Fatalf("course page without a reason: %d", status)
	}
}

// fieldOf is the message of one field of a 422 answer.
func fieldOf(t *testing.T, body []byte, field string) string {
	t.Helper()
	var e struct {
		Error struct {
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return e.Error.Fields[field]
}

// The demo seed sets the demo year's target to DemoTargetHours in place of the untouched
// placeholder, and keeps a target an admin chose.
func TestSeedDemoTarget(t *testing.T) {
	db := testdb.DB(t)
	ctx := context.Background()
	year := YearOf(time.Now())
	prev, err := st(db).YearRule(ctx, year)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st(db).SaveYearRule(context.Background(), prev) })
	target := func() float64 {
		r, err := st(db).YearRule(ctx, year)
		if err != nil {
			t.Fatal(err)
		}
		return r.TargetHours
	}
	if _, err := st(db).SaveYearRule(ctx, DefaultYearRule(year)); err != nil {
		t.Fatal(err)
	}
	if err := st(db).seedCourses(ctx, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := target(); got != DemoTargetHours {
		t.Fatalf("placeholder target after the demo seed: %v, want %v", got, DemoTargetHours)
	}
	if _, err := st(db).SaveYearRule(ctx, YearRule{Year: year, TargetHours: 33, MinutesPerHour: 45}); err != nil {
		t.Fatal(err)
	}
	if err := st(db).seedCourses(ctx, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := target(); got != 33 {
		t.Fatalf("the demo seed changed an admin's target to %v", got)
	}
}
