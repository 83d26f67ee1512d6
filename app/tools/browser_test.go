package tools

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/browsertest"
	"zhibu/app/web/webtest"
)

// The job aids on a small phone (360×740): the 表决计算器 catches the 20/10 trap, and the
// 发展党员 planner shows the next step with its earliest date and a late 谈话 in red.
func TestBrowserTools(t *testing.T) {
	w, h := browsertest.PhoneWidth, browsertest.PhoneHeight
	browsertest.PhoneWidth, browsertest.PhoneHeight = 360, 740
	t.Cleanup(func() { browsertest.PhoneWidth, browsertest.PhoneHeight = w, h })

	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := webtest.Server(t, db, web.Config{}, func(s *web.Server) error { return Mount(s, Deps{}) })
	base := browsertest.Serve(t, srv)
	ctx := browsertest.New(t)
	browsertest.SignIn(t, ctx, srv, base, c.Secretaries[0][0])
	fits := func(page string) {
		t.Helper()
		if w, _ := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth")); w > 360 {
			t.Errorf("%s is %d px wide on a 360 px phone", page, w)
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

	// 表决计算器: 20 应到, 10 实到, 10 赞成 for 接收预备党员 cannot vote.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/tools/vote"),
		chromedp.WaitVisible(chromedp.CSS("#vote-form")),
		chromedp.Click(chromedp.CSS(`input[name=decision][value=admit]`)),
		chromedp.SendKeys(chromedp.CSS("#eligible"), "20"),
		chromedp.SendKeys(chromedp.CSS("#present"), "10"),
		chromedp.SendKeys(chromedp.CSS("#for"), "10"),
		chromedp.Click(chromedp.CSS(`#vote-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#result")),
	); err != nil {
		t.Fatal(err)
	}
	if r := text("#result"); !strings.Contains(r, "不能表决") || !strings.Contains(r, "11") {
		t.Fatalf("vote result: %q", r)
	}
	fits("/tools/vote")
	browsertest.Screenshot(t, ctx, "tools-vote-360")

	// The planner: a new record with a late 谈话.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/tools/candidates"),
		chromedp.WaitVisible(chromedp.CSS("#cand-new")),
	); err != nil {
		t.Fatal(err)
	}
	fits("/tools/candidates (empty)")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#cand-new")),
		chromedp.WaitVisible(chromedp.CSS("#cand-form")),
		chromedp.SendKeys(chromedp.CSS("#name"), "申请人甲"),
		chromedp.SetValue(chromedp.CSS("#date_apply"), "2024-01-05"),
		chromedp.SetValue(chromedp.CSS("#date_talk"), "2024-03-01"),
		chromedp.SetValue(chromedp.CSS("#date_activist"), "2024-03-10"),
		chromedp.SetValue(chromedp.CSS("#date_activist_filed"), "2024-03-15"),
		chromedp.SetValue(chromedp.CSS("#date_contact"), "2024-03-15"),
		chromedp.SetValue(chromedp.CSS("#date_cultivate"), "2024-09-10"),
	); err != nil {
		t.Fatal(err)
	}
	fits("/tools/candidates/new")
	browsertest.Screenshot(t, ctx, "tools-candidate-new-360")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#cand-save")),
		chromedp.WaitVisible(chromedp.CSS("#next")),
	); err != nil {
		t.Fatal(err)
	}
	if n := text("#next"); !strings.Contains(n, "第7步 确定发展对象") || !strings.Contains(n, "最早 2025-03-10") {
		t.Fatalf("next step: %q", n)
	}
	if v := text("#violations"); !strings.Contains(v, "超过1个月，最迟应在 2024-02-05") || !strings.Contains(v, "规定：党组织收到入党申请书后，应在1个月内派人同申请人谈话") {
		t.Fatalf("violations: %q", v)
	}
	if c, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(".cand-violation")).color`)); c != "rgb(200, 16, 46)" {
		t.Errorf("the violation is not red: %s", c)
	}
	if s := text("#step-2"); !strings.Contains(s, "已完成") {
		t.Fatalf("step 2: %q", s)
	}
	if s := text("#step-7"); !strings.Contains(s, "下一步") {
		t.Fatalf("step 7: %q", s)
	}
	if s := text("#step-8"); !strings.Contains(s, "未到") {
		t.Fatalf("step 8: %q", s)
	}
	fits("/tools/candidates/:id")
	browsertest.Screenshot(t, ctx, "tools-candidate-360")

	// The list shows the record's next step and its violation.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href="/tools/candidates"]`)),
		chromedp.WaitVisible(chromedp.CSS(".cand-card")),
	); err != nil {
		t.Fatal(err)
	}
	if l := text(".cand-card"); !strings.Contains(l, "1 处不合规定") || !strings.Contains(l, "下一步：第7步 确定发展对象") {
		t.Fatalf("list card: %q", l)
	}
	fits("/tools/candidates")
	browsertest.Screenshot(t, ctx, "tools-candidates-360")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(".cand-card a.btn")),
		chromedp.WaitVisible(chromedp.CSS("#cand-delete")),
	); err != nil {
		t.Fatal(err)
	}

	// Delete: one tap opens the confirmation, nothing is lost yet.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#cand-delete")),
		chromedp.WaitVisible(chromedp.CSS(".confirm")),
	); err != nil {
		t.Fatal(err)
	}
	fits("/tools/candidates/:id/delete")
	browsertest.Screenshot(t, ctx, "tools-candidate-delete-360")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(".confirm button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	); err != nil {
		t.Fatal(err)
	}
	if f := text(".flash"); f != "已删除" {
		t.Fatalf("flash: %q", f)
	}
}
