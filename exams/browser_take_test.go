package exams

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zhibu/app/testdb"
	"zhibu/app/web/browsertest"
)

// smallTargetsJS lists the visible buttons and button-like links narrower or lower than
// 44 px, and a page wider than the screen (inline text links excepted).
const smallTargetsJS = `(() => {
	const out = [];
	if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push('page overflows: ' + document.documentElement.scrollWidth);
	document.querySelectorAll('main button, main .btn, main input[type=submit], main .opt').forEach(el => {
		const r = el.getBoundingClientRect();
		if (r.width === 0 && r.height === 0) return;
		if (r.height < 44 || r.width < 44) out.push((el.id || el.className) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height) + ' ' + el.textContent.trim());
	});
	return out.join('\n');
})()`

// checkTargets fails on a visible tap target under 44 px or horizontal overflow.
func checkTargets(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	bad, err := chromedp.Run(ctx, chromedp.Evaluate[string](smallTargetsJS))
	if err != nil {
		t.Fatal(err)
	}
	if bad != "" {
		t.Errorf("%s: small tap targets or overflow:\n%s", page, bad)
	}
}

// A secretary fails an exam (answers wrongly), the result page says 「还可补考 1 次」 and
// marks the answers with ✓/✗ and words; 「只看错题」 keeps the wrong ones; 补考 opens a
// new attempt.
func TestPhoneFailThenRetake(t *testing.T) {
	e := newEnv(t)
	examID := e.exam(t, func(in *ExamInput) {
		in.ShuffleOptions, in.AttemptsAllowed, in.PassScore = new(bool), 2, 2
		in.Rules = []Rule{{Kind: KindSingle, Category: e.cat, Count: 3, Points: 1}}
	})
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
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	waitFor := func(js, what string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
			t.Fatalf("%s never happened: %v", what, err)
		}
	}

	// This test's exam (other tests' open exams are listed too).
	own := fmt.Sprintf(`.exam-card form[action="/exams/%d/start"] button`, examID)
	must(chromedp.Navigate(base+"/exams"), chromedp.WaitVisible(chromedp.CSS(own)))
	must(chromedp.Click(chromedp.CSS(own)), chromedp.WaitVisible(chromedp.CSS(".opt")))
	// Every answer wrong: A where B is right.
	for i := 0; i < 3; i++ {
		must(chromedp.Click(chromedp.CSS(`.opt[data-key="A"]`)))
		waitFor(`document.getElementById('q-state').textContent === '已保存'`, "save")
		must(chromedp.Click(chromedp.ID("#next")))
	}
	must(chromedp.WaitVisible(chromedp.ID("#confirm-yes")), chromedp.Click(chromedp.ID("#confirm-yes")),
		chromedp.WaitVisible(chromedp.ID("#score")))
	waitFor(`!!document.getElementById('retake-left')`, "「还可补考」 on the result page")
	if s := text("#retake-left"); s != "还可补考 1 次" {
		t.Fatalf("result says %q, want 还可补考 1 次", s)
	}
	checkTargets(t, ctx, "result")
	browsertest.Screenshot(t, ctx, "exam-result-retake")

	var first int64
	testdb.Get(t, e.db, &first, `SELECT id FROM attempts WHERE exam_id = $1 AND user_id = $2`, examID, user)
	must(chromedp.Click(chromedp.ID("#retake-btn")), chromedp.WaitVisible(chromedp.CSS(".opt")))
	var second int64
	testdb.Get(t, e.db, &second, `SELECT id FROM attempts WHERE exam_id = $1 AND user_id = $2 AND seq = 2 AND status = 'in_progress'`, examID, user)
	path, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil || path != fmt.Sprintf("/exams/attempts/%d", second) || second == first {
		t.Fatalf("补考 landed on %q (%v), new attempt %d, first %d", path, err, second, first)
	}
	if s := text("#progress"); !strings.HasPrefix(s, "已答 0/3") {
		t.Fatalf("the new attempt starts with %q", s)
	}
	browsertest.Screenshot(t, ctx, "exam-retake-started")

	// Once the exam has closed, the first result shows the answers: ✓/✗ with words, and
	// 「只看错题」 keeps the wrong ones.
	if _, err := e.store().Submit(context.Background(), second, user); err != nil {
		t.Fatal(err)
	}
	closeExam(t, e, examID)
	must(chromedp.Navigate(fmt.Sprintf("%s/exams/attempts/%d/result", base, first)), chromedp.WaitVisible(chromedp.ID("#review-count")))
	if s := text("#review-count"); !strings.Contains(s, "共 3 题，答错 3 题") {
		t.Fatalf("review count %q", s)
	}
	if s := text(".review-item .ro-correct"); !strings.Contains(s, "✓") || !strings.Contains(s, "正确答案") {
		t.Fatalf("correct option reads %q", s)
	}
	if s := text(".review-item .ro-wrong"); !strings.Contains(s, "✗") || !strings.Contains(s, "您的选择") || !strings.Contains(s, "答错") {
		t.Fatalf("chosen wrong option reads %q", s)
	}
	if s := text("#retake-no"); s != "不能补考：考试已截止" {
		t.Fatalf("after the close the result says %q", s)
	}
	checkTargets(t, ctx, "result with review")
	browsertest.Screenshot(t, ctx, "exam-result-review")
	must(chromedp.Click(chromedp.ID("#wrong-only")), chromedp.WaitVisible(chromedp.CSS(`#wrong-only[aria-current]`)))
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.review-item').length`)); n != 3 {
		t.Fatalf("只看错题 shows %d items, want 3", n)
	}
	checkTargets(t, ctx, "result ?wrong=1")
}

// Practice never ignores 「提交答案」: with no option chosen it asks for one, offline it
// says the answer was not submitted; back online the answer is checked.
func TestPhonePracticeInlineMessages(t *testing.T) {
	e := newEnv(t)
	base := browsertest.Serve(t, e.srv)
	ctx := browsertest.New(t)
	browsertest.SignIn(t, ctx, e.srv, base, e.county.Secretaries[1][0])
	must := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	message := func() string {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!document.getElementById('practice-error')`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Fatalf("no inline message under the question: %v", err)
		}
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("#practice-error")))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	must(chromedp.Navigate(base+"/exams/practice?category="+e.cat), chromedp.WaitVisible(chromedp.CSS(".opt")))
	must(chromedp.Click(chromedp.ID("#check")))
	if s := message(); !strings.Contains(s, "请先选择答案") {
		t.Fatalf("no option chosen: %q", s)
	}
	checkTargets(t, ctx, "practice")
	browsertest.Screenshot(t, ctx, "practice-choose-first")

	must(chromedp.Click(chromedp.CSS(`.opt[data-key="A"]`)))
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#practice-error').length`)); n != 0 {
		t.Fatal("the message stays after choosing")
	}
	setOffline(t, ctx, true)
	must(chromedp.Click(chromedp.ID("#check")))
	if s := message(); !strings.Contains(s, "没有提交") {
		t.Fatalf("offline: %q", s)
	}
	browsertest.Screenshot(t, ctx, "practice-offline")
	setOffline(t, ctx, false)
	// Back online, a tap submits (tapping again while the connection comes back, as a
	// person would).
	// Each tap is bounded on its own: on a loaded machine a click that waits for layout
	// once hung until the browser's guard (5 minutes); the loop, not one tap, decides.
	deadline := time.Now().Add(60 * time.Second) // the page gives a hung request back after 15 s
	for {
		step, cancel := context.WithTimeout(ctx, 20*time.Second)
		_, _ = chromedp.Run(step, chromedp.Evaluate[bool](`(document.getElementById('check').click(), true)`))
		ok, _ := chromedp.Run(step, chromedp.Poll[bool](`!!document.querySelector('#question .pass')`, chromedp.WithPollingTimeout(3*time.Second)))
		cancel()
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("answer never checked after reconnect; message %q", message())
		}
	}
	var n int
	testdb.Get(t, e.db, &n, `SELECT count(*) FROM question_results r JOIN questions q ON q.id = r.question_id WHERE q.category = $1`, e.cat)
	if n != 1 {
		t.Fatalf("%d practice results recorded, want 1", n)
	}
}
