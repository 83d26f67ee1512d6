package courses

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zhibu/app/accounts"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/browsertest"
	"zhibu/app/web/webtest"
)

// The demo-like secretary opens a required course on a phone, studies both lessons until
// they complete (short minimum times, fast heartbeats) and sees the home page's 学时 rise.
func TestBrowserStudyJourney(t *testing.T) {
	db := testdb.DB(t)
	county := testdb.MakeCounty(t, db)
	body := "## 要点\n\n" + strings.Repeat("党支部应当按规定召开支部党员大会、支委会和党小组会，按时上好党课。\n\n", 25) + "> 学完请滑到底部。\n"
	title := testdb.Unique("三会一课速学")
	list := []DemoCourse{{Course: CourseInput{Title: title, Category: "实务", Topic: "三会一课", Summary: "用两个短课时讲清三会一课的基本要求。", CreditHours: 2},
		Required: true, Lessons: []LessonInput{{Title: "第一课：支部党员大会", Body: body, MinSeconds: 2}, {Title: "第二课：支委会与党课", Body: body, MinSeconds: 2}}}}
	// An optional course with a real minimum time, to watch the countdown run.
	longTitle := testdb.Unique("长课时")
	list = append(list, DemoCourse{Course: CourseInput{Title: longTitle, Category: "理论", Summary: "一个五分钟的课时。"},
		Lessons: []LessonInput{{Title: "五分钟课时", Body: body, MinSeconds: 300}}})
	if demo, err := DemoCourses(); err == nil {
		list = append(list, demo...)
	}
	if err := st(db).seedCourses(t.Context(), list, time.Now()); err != nil {
		t.Fatal(err)
	}
	var courseID int64
	testdb.Get(t, db, &courseID, `SELECT id FROM courses WHERE title = $1`, title)
	// The test course is due first, so it leads the list and the home card.
	testdb.Exec(t, db, `UPDATE course_assignments SET due_date = current_date + 7 WHERE course_id = $1`, courseID)

	// Fast heartbeats, so that the short lessons complete in a few seconds.
	srv := webtest.Server(t, db, web.Config{Logger: quietLog}, accounts.Mount,
		func(s *web.Server) error { return Mount(s, Deps{HeartbeatInterval: 700 * time.Millisecond}) })
	base := browsertest.Serve(t, srv)
	ctx := browsertest.New(t)
	browsertest.SignIn(t, ctx, srv, base, county.Secretaries[0][0])

	hoursCard := func() string {
		// The 学时 card, wherever the urgency order puts it (web.OrderCards).
		txt, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('.cards .card')]
			.find(c => c.querySelector('h2').textContent.includes('年学时')).querySelector('.big').textContent`))
		if err != nil {
			t.Fatal(err)
		}
		return txt
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(".cards"))); err != nil {
		t.Fatal(err)
	}
	// The demo year's target (seedCourses), reachable by the demo content.
	target := FormatHours(DemoTargetHours)
	if before := hoursCard(); !strings.HasPrefix(before, "0 / "+target) {
		t.Fatalf("home 学时 before: %q", before)
	}
	browsertest.Screenshot(t, ctx, "courses-home-before")

	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.tabbar a[href="/courses"]`)),
		chromedp.WaitVisible(chromedp.CSS(".course-list")),
	); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "courses-list")
	noSideScroll(t, ctx)
	first, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".course-list .course-title")))
	if first != title {
		t.Fatalf("first required course is %q, want %q", first, title)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(".course-list a.course-item")),
		chromedp.WaitVisible(chromedp.CSS(".lesson-list")),
	); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "courses-course")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("a.btn-primary.btn-block")), chromedp.WaitVisible(chromedp.CSS("#study"))); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "courses-lesson")
	noSideScroll(t, ctx)

	for i := 0; i < 2; i++ {
		// Not complete before the end is reached, however long the page stays open: wait
		// until the server has credited the minimum time, then it must still be open.
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById('study-text').textContent.indexOf('时长已够') >= 0`,
			chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			txt, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#study-text")))
			t.Fatalf("lesson %d: minimum time never credited: %v (%q)", i+1, err, txt)
		}
		txt, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#study-text")))
		if strings.Contains(txt, "已完成") {
			t.Fatalf("lesson %d completed without reaching the end: %q", i+1, txt)
		}
		if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS("#lesson-end"))); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById('study-text').textContent.indexOf('已完成') >= 0`,
			chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			txt, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#study-text")))
			t.Fatalf("lesson %d did not complete: %v (%q)", i+1, err, txt)
		}
		if left, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('study-left').textContent + document.getElementById('next-note').textContent`)); left != "" {
			t.Errorf("lesson %d complete but still counting down or warning: %q", i+1, left)
		}
		if i == 0 {
			browsertest.Screenshot(t, ctx, "courses-lesson-done")
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#next-link")), chromedp.WaitVisible(chromedp.CSS("#study"))); err != nil {
				t.Fatal(err)
			}
		}
	}
	msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#study-msg")))
	if !strings.Contains(msg, "本课程已全部完成") {
		t.Errorf("course completion message: %q", msg)
	}
	browsertest.Screenshot(t, ctx, "courses-lesson-course-done")

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(".cards"))); err != nil {
		t.Fatal(err)
	}
	if after := hoursCard(); !strings.HasPrefix(after, "2 / "+target) {
		t.Fatalf("home 学时 after: %q", after)
	}
	browsertest.Screenshot(t, ctx, "courses-home-after")
	noSideScroll(t, ctx)

	// A lesson with a 5-minute minimum: the countdown is shown and runs (from 5 分钟 down
	// to 4 分 5x 秒) while the page is open, and 下一课时 warns that leaving does not count.
	var longLesson int64
	testdb.Get(t, db, &longLesson, `SELECT l.id FROM lessons l JOIN courses c ON c.id = l.course_id WHERE c.title = $1`, longTitle)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/lessons/"+id(longLesson)), chromedp.WaitVisible(chromedp.CSS("#study-left"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`/^还需学习 4 分 \d+ 秒，本课时才算完成$/.test(document.getElementById('study-left').textContent)`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		txt, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#study-left")))
		t.Fatalf("countdown never ran: %v (%q)", err, txt)
	}
	if note, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#next-note"))); !strings.Contains(note, "不算完成") {
		t.Errorf("next-lesson note: %q", note)
	}
	browsertest.Screenshot(t, ctx, "courses-lesson-countdown")
	noSideScroll(t, ctx)
}

// noSideScroll: nothing may push the page wider than the phone.
func noSideScroll(t *testing.T, ctx context.Context) {
	t.Helper()
	w, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
	if err != nil {
		t.Fatal(err)
	}
	if w > browsertest.PhoneWidth {
		t.Errorf("page is %d px wide on a %d px phone", w, browsertest.PhoneWidth)
	}
}

// The admin edits a lesson on a phone and sees the live preview; the organizer's progress
// page fits the screen.
func TestBrowserAuthoringAndOversight(t *testing.T) {
	db := testdb.DB(t)
	county := testdb.MakeCounty(t, db)
	cid, ls := makeCourse(t, db, 2, 60, 2)
	assign(t, db, Assignment{CourseID: cid, Year: YearOf(time.Now()), Scope: "all", DueDate: time.Now().AddDate(0, 1, 0)})
	srv := webtest.Server(t, db, web.Config{Logger: quietLog}, func(s *web.Server) error { return Mount(s, Deps{}) })
	base := browsertest.Serve(t, srv)
	ctx := browsertest.New(t)
	browsertest.SignIn(t, ctx, srv, base, county.Admin)

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin/courses"), chromedp.WaitVisible(chromedp.CSS("table"))); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "courses-admin-list")
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin/courses/"+id(cid)+"/edit"), chromedp.WaitVisible(chromedp.CSS(".admin-lessons"))); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "courses-admin-course")
	noSideScroll(t, ctx)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/lessons/"+id(ls[0])+"/edit"),
		chromedp.WaitVisible(chromedp.CSS("#md-source")),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('md-source').value = ''`),
		chromedp.SendKeys(chromedp.CSS("#md-source"), "## 会前准备\n\n- 学习<img src=x onerror=alert(1)>\n"),
	); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('#md-preview h2') && document.querySelector('#md-preview h2').textContent === '会前准备'`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("live preview did not update: %v", err)
	}
	html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('md-preview').innerHTML`))
	if strings.Contains(html, "onerror") {
		t.Fatalf("preview kept a handler: %s", html)
	}
	browsertest.Screenshot(t, ctx, "courses-admin-lesson")

	ctx2 := browsertest.New(t)
	browsertest.SignIn(t, ctx2, srv, base, county.Organizers[0])
	if err := chromedp.Do(ctx2, chromedp.Navigate(base+"/admin/courses/"+id(cid)+"/progress"), chromedp.WaitVisible(chromedp.CSS("table"))); err != nil {
		t.Fatal(err)
	}
	rows, _ := chromedp.Run(ctx2, chromedp.Evaluate[int](`document.querySelectorAll('tbody tr').length`))
	if rows != 4 {
		t.Errorf("organizer sees %d rows, want the 4 secretaries of the township", rows)
	}
	browsertest.Screenshot(t, ctx2, "courses-progress-organizer")
}
