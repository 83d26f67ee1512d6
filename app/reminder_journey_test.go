package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zhibu/app/accounts"
	"zhibu/app/inbox"
	"zhibu/app/reminders"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/browsertest"
	"zhibu/app/web/webtest"
)

// 催学 on phones (390×844): the organizer opens a required course's progress page, taps
// 催学 and sends to the township's secretaries who have not finished it; a secretary sees
// the unread count on the home page, taps the message, lands on the lesson not finished
// yet and finishes the course (through the lesson page's heartbeat API); the organizer's
// reminder page shows that person 已读 and 已完成.
func TestPhoneReminderEndToEnd(t *testing.T) {
	db, srv := demoServer(t, accounts.DemoSize{Townships: 2, Secretaries: 12})
	base := browsertest.Serve(t, srv)
	var org, town int64
	testdb.Get(t, db, &org, `SELECT id FROM users WHERE username = 'organizer'`)
	testdb.Get(t, db, &town, `SELECT township_id FROM users WHERE id = $1`, org)
	testdb.Exec(t, db, `UPDATE users SET must_change_password = false`)
	year := time.Now().In(web.China).Year()
	// A 必修 course of the year without an exam, that somebody of the township has not finished.
	var course int64
	testdb.Get(t, db, &course, `SELECT min(rq.course_id) FROM course_requirements rq JOIN users u ON u.id = rq.user_id AND u.active
		LEFT JOIN course_progress cp ON cp.user_id = rq.user_id AND cp.course_id = rq.course_id
		WHERE rq.year = $1 AND u.township_id = $2 AND cp.completed_at IS NULL
		  AND NOT EXISTS (SELECT 1 FROM exams e WHERE e.course_id = rq.course_id)`, year, town)
	if course == 0 {
		t.Fatal("the demo county has no unfinished 必修 course without an exam")
	}

	// The organizer taps 催学 on the course's progress page and sends.
	ob := browsertest.New(t)
	browsertest.SignIn(t, ob, srv, base, org)
	if err := chromedp.Do(ob, chromedp.Navigate(fmt.Sprintf("%s/admin/courses/%d/progress", base, course)),
		chromedp.WaitVisible(chromedp.CSS("#remind")), chromedp.Click(chromedp.CSS("#remind")),
		chromedp.WaitVisible(chromedp.CSS("#reminder-send"))); err != nil {
		t.Fatalf("open 催学: %v", err)
	}
	count, err := chromedp.Run(ob, chromedp.Text(chromedp.CSS("#reminder-count")))
	if err != nil || !strings.Contains(count, "将提醒") {
		t.Fatalf("count %q: %v", count, err)
	}
	browsertest.Screenshot(t, ob, "reminder-new")
	if err := chromedp.Do(ob, chromedp.Click(chromedp.CSS("#reminder-submit")), chromedp.WaitVisible(chromedp.CSS(".flash"))); err != nil {
		t.Fatalf("send: %v", err)
	}
	loc, err := chromedp.Run(ob, chromedp.Location())
	if err != nil || !strings.Contains(loc, "/admin/reminders/") {
		t.Fatalf("after sending: %q %v", loc, err)
	}
	browsertest.Screenshot(t, ob, "reminder-sent")
	var rid, sec int64
	testdb.Get(t, db, &rid, `SELECT max(id) FROM reminders WHERE target = 'course' AND target_id = $1`, course)
	testdb.Get(t, db, &sec, `SELECT min(user_id) FROM reminder_recipients WHERE reminder_id = $1 AND status = 'sent'`, rid)
	var wrong int
	testdb.Get(t, db, &wrong, `SELECT count(*) FROM reminder_recipients rr JOIN users u ON u.id = rr.user_id
		WHERE rr.reminder_id = $1 AND u.township_id <> $2`, rid, town)
	if sec == 0 || wrong != 0 {
		t.Fatalf("recipients: first %d, %d of another township", sec, wrong)
	}

	// The secretary sees the unread count on the home page, opens the inbox and taps the message.
	sb := browsertest.New(t)
	browsertest.SignIn(t, sb, srv, base, sec)
	if err := chromedp.Do(sb, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`main a[href="/messages"]`))); err != nil {
		t.Fatalf("home: %v", err)
	}
	home, _ := chromedp.Run(sb, chromedp.Text(chromedp.CSS("main")))
	if !strings.Contains(home, "条未读") {
		t.Fatalf("home page shows no unread count: %s", home)
	}
	browsertest.Screenshot(t, sb, "reminder-home")
	var mid int64
	testdb.Get(t, db, &mid, `SELECT id FROM messages WHERE user_id = $1 AND ref = $2`, sec, reminders.Ref(rid))
	if err := chromedp.Do(sb, chromedp.Click(chromedp.CSS(`main a[href="/messages"]`)),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#message-%d button", mid)))); err != nil {
		t.Fatalf("inbox: %v", err)
	}
	browsertest.Screenshot(t, sb, "reminder-inbox")
	var lesson int64
	testdb.Get(t, db, &lesson, `SELECT id FROM course_lessons l WHERE course_id = $1 AND NOT EXISTS (
		SELECT 1 FROM lesson_progress lp WHERE lp.lesson_id = l.id AND lp.user_id = $2 AND lp.completed_at IS NOT NULL)
		ORDER BY position, id LIMIT 1`, course, sec)
	if err := chromedp.Do(sb, chromedp.Click(chromedp.CSS(fmt.Sprintf("#message-%d button", mid))), chromedp.WaitVisible(chromedp.CSS("#study"))); err != nil {
		t.Fatalf("tap the message: %v", err)
	}
	if loc, _ := chromedp.Run(sb, chromedp.Location()); !strings.HasSuffix(loc, fmt.Sprintf("/lessons/%d", lesson)) {
		t.Fatalf("the message led to %s, want the lesson %d", loc, lesson)
	}
	browsertest.Screenshot(t, sb, "reminder-lesson")

	// The secretary finishes the course through the lesson page's API (no minimum time here).
	testdb.Exec(t, db, `UPDATE lessons SET min_seconds = 0 WHERE course_id = $1`, course)
	api := webtest.AsUser(t, srv, sec)
	var ls []int64
	if err := db.Select(&ls, `SELECT id FROM course_lessons WHERE course_id = $1 ORDER BY position, id`, course); err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		for _, b := range []map[string]any{{"resume": true}, {"reached_end": true, "elapsed": 1}} {
			if st, body := api.JSON("POST", fmt.Sprintf("/api/v1/lessons/%d/heartbeat", l), b); st != 200 {
				t.Fatalf("heartbeat: %d %s", st, body)
			}
		}
	}

	// The organizer's reminder page: that person 已读 and 已完成.
	row := fmt.Sprintf("#u%d", sec)
	if err := chromedp.Do(ob, chromedp.Navigate(fmt.Sprintf("%s/admin/reminders/%d", base, rid)), chromedp.WaitVisible(chromedp.CSS(row))); err != nil {
		t.Fatalf("reminder page: %v", err)
	}
	text, err := chromedp.Run(ob, chromedp.Text(chromedp.CSS(row)))
	if err != nil || !strings.Contains(text, "已读") || !strings.Contains(text, "已完成") || strings.Contains(text, "未读") {
		t.Fatalf("the secretary's row: %q %v", text, err)
	}
	browsertest.Screenshot(t, ob, "reminder-status")
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// The county's switches (app/settings) reach the automatic pass as wired in features.go:
// with 必修课程即将截止 off nothing goes out for a course due tomorrow; on, it does.
func TestReminderSettingsSwitch(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := webtest.Server(t, db, web.Config{Logger: quietLog()}, mountFeatures)
	admin := webtest.AsUser(t, srv, c.Admin)
	st, body := admin.JSON("GET", "/api/v1/settings", nil)
	if st != 200 || !strings.Contains(string(body), `"remind_courses":true`) || !strings.Contains(string(body), `"remind_days":3`) {
		t.Fatalf("defaults: %d %s", st, body)
	}
	for _, bad := range []map[string]any{{"ranking_enabled": false, "retake_after_pass": false, "remind_days": 0},
		{"ranking_enabled": false, "retake_after_pass": false, "remind_days": 31}, {"ranking_enabled": false, "retake_after_pass": false, "remind_exams": "no"}} {
		if st, body := admin.JSON("PUT", "/api/v1/settings", bad); st != 422 {
			t.Errorf("%v: %d %s", bad, st, body)
		}
	}
	if st, body := admin.JSON("PUT", "/api/v1/settings", map[string]any{"ranking_enabled": false, "retake_after_pass": false,
		"remind_courses": false, "remind_days": 5}); st != 200 || !strings.Contains(string(body), `"remind_courses":false`) ||
		!strings.Contains(string(body), `"remind_exams":true`) || !strings.Contains(string(body), `"remind_days":5`) {
		t.Fatalf("switch off: %d %s", st, body)
	}
	now := time.Now().In(web.China)
	noon := time.Date(now.Year(), now.Month(), now.Day(), 12, 0, 0, 0, web.China)
	var course int64
	testdb.Get(t, db, &course, `INSERT INTO courses (title, category, published) VALUES ($1, '理论', true) RETURNING id`, testdb.Unique("必修课"))
	testdb.Exec(t, db, `INSERT INTO lessons (course_id, position, title) VALUES ($1, 1, '第一课')`, course)
	testdb.Exec(t, db, `INSERT INTO course_assignments (course_id, year, scope, due_date) VALUES ($1, $2, 'all', $3)`,
		course, noon.Year(), noon.AddDate(0, 0, 4).Format("2006-01-02"))
	deps := remindersDeps(db, inbox.Post)
	sent := func() int {
		var n int
		testdb.Get(t, db, &n, `SELECT count(*) FROM messages m JOIN reminders r ON m.ref = 'reminder:' || r.id
			JOIN users u ON u.id = m.user_id
			WHERE r.target = 'course' AND r.target_id = $1 AND u.township_id IN ($2, $3)`, course, c.Townships[0], c.Townships[1])
		return n
	}
	if _, err := reminders.Pass(context.Background(), db, deps, noon); err != nil {
		t.Fatal(err)
	}
	if n := sent(); n != 0 {
		t.Fatalf("switched off, %d reminders went out", n)
	}
	resp := admin.Form("POST", "/admin/settings", map[string][]string{"ranking_enabled": {"0"}, "retake_after_pass": {"0"},
		"remind_courses": {"1"}, "remind_exams": {"1"}, "remind_days": {"5"}})
	resp.Body.Close()
	if resp.StatusCode != 303 {
		t.Fatalf("settings form: %d", resp.StatusCode)
	}
	if _, err := reminders.Pass(context.Background(), db, deps, noon); err != nil {
		t.Fatal(err)
	}
	if n := sent(); n != 8 {
		t.Errorf("switched on (due in 4 days, 5 days ahead): %d reminders, want 8", n)
	}
}
