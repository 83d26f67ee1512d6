package exams

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"zhibu/app/web/browsertest"
	"zhibu/app/web/webtest"
)

// setOffline cuts (or restores) the page's network like a phone losing signal.
func setOffline(t *testing.T, ctx context.Context, off bool) {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}}}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	}))
	if err != nil {
		t.Fatalf("set offline %v: %v", off, err)
	}
}

// The demo-like journey on a phone: start the exam, answer, lose the network for a few
// answers (they stay queued locally and the page says so), come back, submit, see the
// result — and every answer counted on the server.
func TestPhoneExamJourney(t *testing.T) {
	e := newEnv(t)
	examID := e.exam(t, func(in *ExamInput) { in.ShuffleOptions = new(bool) })
	user := e.county.Secretaries[0][0]
	base := browsertest.Serve(t, e.srv)
	ctx := browsertest.New(t)
	browsertest.SignIn(t, ctx, e.srv, base, user)

	must := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	state := func() string {
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#q-state")))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	waitState := func(want string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`document.getElementById('q-state') && document.getElementById('q-state').textContent === %q`, want),
			chromedp.WithPollingTimeout(15*time.Second))); err != nil {
			t.Fatalf("state %q never came (now %q): %v", want, state(), err)
		}
	}
	// answer picks option A (and C for multiple choice) on the current screen.
	answer := func() {
		t.Helper()
		kind, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.opts').getAttribute('role')`))
		if err != nil {
			t.Fatal(err)
		}
		must(chromedp.Click(chromedp.CSS(`.opt[data-key="A"]`)))
		if kind == "group" {
			must(chromedp.Click(chromedp.CSS(`.opt[data-key="C"]`)))
		}
	}
	next := func() { must(chromedp.Click(chromedp.ID("#next"))) }

	must(chromedp.Navigate(base+"/exams"), chromedp.WaitVisible(chromedp.CSS(".exam-card")))
	browsertest.Screenshot(t, ctx, "exams-list")
	must(chromedp.Click(chromedp.CSS(`.exam-card form button`)), chromedp.WaitVisible(chromedp.CSS(".opt")))
	timer, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("#timer")))
	if !strings.HasPrefix(timer, "59:") && !strings.HasPrefix(timer, "1:00") {
		t.Fatalf("countdown shows %q, want about 60 minutes", timer)
	}
	answer()
	waitState("已保存")
	browsertest.Screenshot(t, ctx, "exam-question")
	next()
	answer()
	waitState("已保存")

	// Network drops: answers 3–5 are kept locally.
	setOffline(t, ctx, true)
	for i := 0; i < 3; i++ {
		next()
		answer()
		waitState("待上传")
	}
	must(chromedp.WaitVisible(chromedp.ID("#offline")))
	must(chromedp.Click(chromedp.ID("#grid-toggle")), chromedp.WaitVisible(chromedp.ID("#grid")))
	browsertest.Screenshot(t, ctx, "exam-offline")
	must(chromedp.Click(chromedp.ID("#grid-toggle")))
	var attemptID int64
	e.db.Get(&attemptID, `SELECT id FROM attempts WHERE user_id = $1 AND exam_id = $2`, user, examID)
	var saved int
	e.db.Get(&saved, `SELECT count(*) FROM jsonb_object_keys((SELECT answers FROM attempts WHERE id = $1))`, attemptID)
	if saved != 2 {
		t.Fatalf("server has %d answers while offline, want 2", saved)
	}

	// Back online: the queue is resent by itself.
	setOffline(t, ctx, false)
	waitState("已保存")
	must(chromedp.WaitNotVisible(chromedp.ID("#offline")))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!document.getElementById('progress').textContent.includes('待上传')`,
		chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("queue never drained: %v", err)
	}
	for i := 5; i < 10; i++ {
		next()
		answer()
		waitState("已保存")
	}
	e.db.Get(&saved, `SELECT count(*) FROM jsonb_object_keys((SELECT answers FROM attempts WHERE id = $1))`, attemptID)
	if saved != 10 {
		t.Fatalf("server has %d answers after reconnect, want 10", saved)
	}
	next() // last question: "去交卷" opens the confirmation
	must(chromedp.WaitVisible(chromedp.ID("#confirm-yes")))
	browsertest.Screenshot(t, ctx, "exam-confirm")
	must(chromedp.Click(chromedp.ID("#confirm-yes")), chromedp.WaitVisible(chromedp.ID("#score")))
	browsertest.Screenshot(t, ctx, "exam-result")

	// Every answer counted: A for single (correct is B → 0), A+C for multiple (correct
	// ACE → 0 strict), A for judge (correct 对 → 1 each): 2 points.
	var status string
	var score float64
	e.db.Get(&status, `SELECT status FROM attempts WHERE id = $1`, attemptID)
	e.db.Get(&score, `SELECT score FROM attempts WHERE id = $1`, attemptID)
	if status != "finished" || score != 2 {
		t.Fatalf("attempt %s score %v", status, score)
	}
	txt, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("#score")))
	if !strings.HasPrefix(txt, "2.0") {
		t.Fatalf("result page shows %q", txt)
	}
	if verdict, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".pass"))); !strings.Contains(verdict, "未达到") {
		t.Fatalf("2 of 13 with pass 6 shows %q", verdict)
	}
}

// The organizer's oversight page and the admin's bank at phone size.
func TestPhoneOversightPages(t *testing.T) {
	e := newEnv(t)
	examID := e.exam(t, nil)
	cl := webtest.AsUser(t, e.srv, e.county.Secretaries[0][0])
	a := start(t, cl, examID, 201)
	cl.JSON("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", a.ID), nil)
	base := browsertest.Serve(t, e.srv)
	ctx := browsertest.New(t)
	browsertest.SignIn(t, ctx, e.srv, base, e.county.Organizers[0])
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/admin/exams/%d", base, examID)), chromedp.WaitVisible(chromedp.CSS("table"))); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "exam-oversight")
	ctx2 := browsertest.New(t)
	browsertest.SignIn(t, ctx2, e.srv, base, e.county.Admin)
	if err := chromedp.Do(ctx2, chromedp.Navigate(base+"/admin/questions?category="+url.QueryEscape(e.cat)), chromedp.WaitVisible(chromedp.CSS("table"))); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx2, "exam-bank")
}
