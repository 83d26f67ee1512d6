package exams

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"zhibu/app/testdb"
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
	// This test's exam (other tests' open exams are listed too).
	must(chromedp.Click(chromedp.CSS(fmt.Sprintf(`.exam-card form[action="/exams/%d/start"] button`, examID))), chromedp.WaitVisible(chromedp.CSS(".opt")))
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

	// Network drops: answers 3–5 are kept locally. The page's saves are recorded from
	// here on to see how the queue is resent.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){ window.__puts = []; var f = window.fetch;
		window.fetch = function (u, o) { if (o && o.method === 'PUT') window.__puts.push(u + ' ' + o.body); return f.apply(this, arguments); };
		return true; })()`)); err != nil {
		t.Fatal(err)
	}
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
	testdb.Get(t, e.db, &attemptID, `SELECT id FROM attempts WHERE user_id = $1 AND exam_id = $2`, user, examID)
	var saved int
	testdb.Get(t, e.db, &saved, `SELECT count(*) FROM jsonb_object_keys((SELECT answers FROM attempts WHERE id = $1))`, attemptID)
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
	// The three queued answers went in one batch request, not one by one.
	puts, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__puts`))
	if err != nil {
		t.Fatal(err)
	}
	batched := false
	for _, p := range puts {
		batched = batched || (strings.Contains(p, fmt.Sprintf("/api/v1/attempts/%d/answers ", attemptID)) && strings.Count(p, `"position"`) == 3)
	}
	if !batched {
		t.Fatalf("the queue was not resent as one batch of 3: %q", puts)
	}
	for i := 5; i < 10; i++ {
		next()
		answer()
		waitState("已保存")
	}
	testdb.Get(t, e.db, &saved, `SELECT count(*) FROM jsonb_object_keys((SELECT answers FROM attempts WHERE id = $1))`, attemptID)
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
	testdb.Get(t, e.db, &status, `SELECT status FROM attempts WHERE id = $1`, attemptID)
	testdb.Get(t, e.db, &score, `SELECT score FROM attempts WHERE id = $1`, attemptID)
	if status != "finished" || score != 2 {
		t.Fatalf("attempt %s score %v", status, score)
	}
	txt, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("#score")))
	if !strings.HasPrefix(txt, "2 / 13") {
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

// The exam page while the database is down or the server overloaded: saves answered 503,
// 502 (an HTML error page from a proxy) or cut off keep the answers on the phone under the
// banner 「网络或服务器繁忙，答案已保存在本机」 — also across a reload — and are resent by
// themselves until the server is back; then every answer lands.
func TestPhoneExamServerBusy(t *testing.T) {
	e := newEnv(t)
	examID := e.exam(t, func(in *ExamInput) { in.ShuffleOptions = new(bool) })
	user := e.county.Secretaries[1][0]
	a := start(t, webtest.AsUser(t, e.srv, user), examID, 201)

	// A front server passes everything to the app, except saves while failing is set: they
	// get a 503 like the app's own when its database is down, a proxy's 502 page, or a
	// dropped connection.
	backend, _ := url.Parse(browsertest.Serve(t, e.srv))
	proxy := httputil.NewSingleHostReverseProxy(backend)
	const (
		up = iota
		fail503
		fail502
		failDrop
	)
	var failing atomic.Int32
	var refused atomic.Int64
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mode := failing.Load()
		if mode == up || r.Method != http.MethodPut || !strings.Contains(r.URL.Path, "/answers") { // single and batch saves
			proxy.ServeHTTP(w, r)
			return
		}
		refused.Add(1)
		switch mode {
		case fail503:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"error":{"code":"database_unavailable","message":"数据库无法连接"}}`))
		case fail502:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
		default:
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
		}
	}))
	t.Cleanup(front.Close)
	base := front.URL
	ctx := browsertest.New(t)
	browsertest.SignIn(t, ctx, e.srv, base, user)

	must := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	poll := func(what, js string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(40*time.Second))); err != nil {
			t.Fatalf("%s never came: %v", what, err)
		}
	}
	waitState := func(want string) {
		t.Helper()
		poll("state "+want, fmt.Sprintf(`!!document.getElementById('q-state') && document.getElementById('q-state').textContent === %q`, want))
	}
	answer := func() {
		t.Helper()
		must(chromedp.Click(chromedp.CSS(`.opt[data-key="A"]`)))
		if kind, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.opts').getAttribute('role')`)); kind == "group" {
			must(chromedp.Click(chromedp.CSS(`.opt[data-key="C"]`)))
		}
	}
	saved := func() int {
		var n int
		testdb.Get(t, e.db, &n, `SELECT count(*) FROM jsonb_object_keys((SELECT answers FROM attempts WHERE id = $1))`, a.ID)
		return n
	}
	const busyText = "网络或服务器繁忙，答案已保存在本机"

	must(chromedp.Navigate(fmt.Sprintf("%s/exams/attempts/%d", base, a.ID)), chromedp.WaitVisible(chromedp.CSS(".opt")))
	answer()
	waitState("已保存")

	// resent waits until the page has tried again n more times.
	resent := func(n int64) {
		t.Helper()
		want := refused.Load() + n
		for deadline := time.Now().Add(40 * time.Second); refused.Load() < want; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the page stopped resending after %d refused saves", refused.Load())
			}
		}
	}
	bannerJS := fmt.Sprintf(`!document.getElementById('offline').hidden && document.getElementById('offline').textContent.includes(%q)`, busyText)

	// The database goes away (503): two more answers stay on the phone, the banner says so.
	failing.Store(fail503)
	for i := 0; i < 2; i++ {
		must(chromedp.Click(chromedp.ID("#next")))
		answer()
		waitState("待上传")
	}
	poll("the busy banner on 503", bannerJS)
	browsertest.Screenshot(t, ctx, "exam-server-busy")
	// The page keeps resending through a 503, a proxy's 502 page and dropped connections.
	resent(1)
	failing.Store(fail502)
	resent(1)
	failing.Store(failDrop)
	resent(1)
	if n := saved(); n != 1 {
		t.Fatalf("server has %d answers during the outage, want 1", n)
	}
	// Reloading keeps them: they come back from localStorage, still waiting.
	must(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".opt")))
	poll("the queue after reload", `document.getElementById('progress').textContent.includes('2 题待上传')`)
	poll("the busy banner after reload", bannerJS)

	// The database is back: the queue drains by itself, the banner goes.
	failing.Store(up)
	poll("the queue drained", `!document.getElementById('progress').textContent.includes('待上传') && document.getElementById('offline').hidden`)
	if n := saved(); n != 3 {
		t.Fatalf("server has %d answers after recovery, want 3", n)
	}
	if empty, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`localStorage.getItem('zhibu-exam-%d') === null`, a.ID))); !empty {
		t.Fatal("the local queue was not emptied after the answers landed")
	}
}

// Practice during an exam: the page says why the exam's questions cannot be practised.
func TestPhonePracticeDuringExam(t *testing.T) {
	e := newEnv(t)
	e.exam(t, nil) // draws every kind of the env's category
	base := browsertest.Serve(t, e.srv)
	ctx := browsertest.New(t)
	browsertest.SignIn(t, ctx, e.srv, base, e.county.Secretaries[0][1])
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/exams/practice?category="+url.QueryEscape(e.cat))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById('question').textContent.includes('考试结束后才能练习')`,
		chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		txt, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("#question")))
		t.Fatalf("practice page shows %q: %v", txt, err)
	}
	if shown, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('check').offsetParent !== null`)); shown {
		t.Error("the answer button is shown with nothing to answer")
	}
	browsertest.Screenshot(t, ctx, "practice-during-exam")
}

// The bank import at phone size: upload, preview (every row 新增), confirm; the same file
// again previews every row as 更新 and imports without adding a question.
func TestPhoneBankImport(t *testing.T) {
	e := newEnv(t)
	cat := testdb.Unique("导入分类")
	data := xlsx(t, [][]any{header,
		{"易", testdb.Unique("发展党员的第一步是"), "单选", "递交入党申请书", "确定入党积极分子", "政治审查", "A", "", cat, "", ""},
		{"中", testdb.Unique("三会一课中的“三会”包括"), "多选", "支部党员大会", "支部委员会", "党小组会", "ABC", "", cat, "", ""},
		{"易", testdb.Unique("预备期从支部大会通过之日算起"), "判断", "", "", "", "对", "", cat, "", ""},
	}, nil)
	path := filepath.Join(t.TempDir(), "题库.xlsx")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	base := browsertest.Serve(t, e.srv)
	ctx := browsertest.New(t)
	browsertest.SignIn(t, ctx, e.srv, base, e.county.Admin)
	upload := func(shot string) string {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin/questions"),
			chromedp.SetUploadFiles(chromedp.CSS(`form[action="/admin/questions/import"] input[type=file]`), []string{path}),
			chromedp.Submit(chromedp.CSS(`form[action="/admin/questions/import"] input[type=file]`)),
			chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/questions/import/confirm"]`))); err != nil {
			t.Fatal(err)
		}
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		if err != nil {
			t.Fatal(err)
		}
		browsertest.Screenshot(t, ctx, shot)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form[action="/admin/questions/import/confirm"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/questions/import"]`))); err != nil {
			t.Fatal(err)
		}
		flash, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(flash, "已导入 3 道题") {
			t.Fatalf("after confirm: %s", flash)
		}
		return text
	}
	count := func() (n int) {
		testdb.Get(t, e.db, &n, `SELECT count(*) FROM questions WHERE category = $1`, cat)
		return n
	}
	if text := upload("exam-import-new"); !strings.Contains(text, "新增 3 道，更新 0 道") {
		t.Fatalf("first preview: %s", text)
	}
	if n := count(); n != 3 {
		t.Fatalf("after first import: %d questions", n)
	}
	if text := upload("exam-import-update"); !strings.Contains(text, "新增 0 道，更新 3 道") {
		t.Fatalf("second preview: %s", text)
	}
	if n := count(); n != 3 {
		t.Fatalf("after importing the same file again: %d questions, want 3", n)
	}
}
