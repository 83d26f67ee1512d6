package exams

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"zhibu/app/testdb"
	"zhibu/app/web/browsertest"
)

// smallAdminTargets lists the visible buttons, selects and inputs (checkboxes excepted: their
// label is the target) under 44 px tall, and whether the page scrolls sideways.
const smallAdminTargets = `(() => {
  const out = [];
  for (const el of document.querySelectorAll('main button, main select, main input:not([type=hidden]):not([type=checkbox]), main a.btn')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && r.height < 44) out.push((el.name || el.textContent || el.tagName).trim() + ':' + Math.round(r.height));
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push('横向滚动 ' + document.documentElement.scrollWidth);
  return out;
})()`

func checkAdminTargets(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	small, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](smallAdminTargets))
	if err != nil {
		t.Fatal(err)
	}
	if len(small) > 0 {
		t.Errorf("%s: tap targets under 44 px or overflow: %v", page, small)
	}
}

// The exam form on a phone: one error keeps every typed value (duration, review policy,
// each draw rule); fixed, it saves a draft whose preview shows the paper's shape; 发布
// goes through the confirmation.
func TestPhoneExamFormDraftPublish(t *testing.T) {
	e := newEnv(t)
	base := browsertest.Serve(t, e.srv)
	ctx := browsertest.New(t)
	browsertest.SignIn(t, ctx, e.srv, base, e.county.Admin)
	title := testdb.Unique("手机草稿")
	typed := map[string]string{
		"#title": title, "#opens_at": "2026-01-01T08:00", "#closes_at": "2030-01-01T08:00",
		"#duration_minutes": "45", "#pass_score": "7", "#attempts_allowed": "3",
		"#multi_rule": "half", "#review_policy": "immediate",
		`[name=kind0]`: "judge", `[name=category0]`: e.cat, `[name=count0]`: "4", `[name=points0]`: "1.5",
		`[name=kind1]`: "single", `[name=category1]`: e.cat, `[name=count1]`: "999", `[name=points1]`: "1",
		`[name=kind2]`: "multiple", `[name=category2]`: e.cat, `[name=count2]`: "2", `[name=points2]`: "2",
	}
	acts := []chromedp.Action[chromedp.Void]{chromedp.Navigate(base + "/admin/exams/new"), chromedp.WaitVisible(chromedp.CSS("#title"))}
	for sel, v := range typed {
		acts = append(acts, chromedp.SetValue(chromedp.CSS(sel), v))
	}
	acts = append(acts, chromedp.Click(chromedp.CSS(`form.exam-form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#rule1-error")))
	if err := chromedp.Do(ctx, acts...); err != nil {
		t.Fatal(err)
	}
	checkAdminTargets(t, ctx, "exam form")
	browsertest.Screenshot(t, ctx, "exam-form-error")
	for sel, want := range typed {
		got, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("after the error %s = %q, typed %q", sel, got, want)
		}
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#rule1-error")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "1 到 200") {
		t.Errorf("rule error: %q", msg)
	}
	// Fixed: a draft with its preview.
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`[name=count1]`), "3"),
		chromedp.Click(chromedp.CSS(`form.exam-form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#paper-preview"))); err != nil {
		t.Fatal(err)
	}
	preview, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"草稿", "共 9 题，满分 13 分", "7 分及格，占满分 13 分的 53.85%", "判断（分类“" + e.cat + "”）", "够用"} {
		if !strings.Contains(preview, want) {
			t.Errorf("preview lacks %q: %s", want, preview)
		}
	}
	checkAdminTargets(t, ctx, "draft")
	browsertest.Screenshot(t, ctx, "exam-draft")
	var published int
	testdb.Get(t, e.db, &published, `SELECT count(*) FROM exams WHERE title = $1 AND published_at IS NOT NULL`, title)
	if published != 0 {
		t.Fatal("the form published the exam")
	}
	// 发布 → the confirmation → published.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#publish")), chromedp.WaitVisible(chromedp.CSS("section.confirm"))); err != nil {
		t.Fatal(err)
	}
	confirm, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(confirm, "确定发布考试「"+title+"」吗？") || !strings.Contains(confirm, "就不能再修改") {
		t.Errorf("confirmation: %s", confirm)
	}
	checkAdminTargets(t, ctx, "publish confirmation")
	browsertest.Screenshot(t, ctx, "exam-publish-confirm")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`section.confirm button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#roster"))); err != nil {
		t.Fatal(err)
	}
	after, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(after, "考试已发布") {
		t.Errorf("after publishing: %s", after)
	}
	testdb.Get(t, e.db, &published, `SELECT count(*) FROM exams WHERE title = $1 AND published_at IS NOT NULL`, title)
	if published != 1 {
		t.Fatal("not published after the confirmation")
	}
	checkAdminTargets(t, ctx, "oversight")
	// The bank on a phone: stems read normally, the buttons stay on screen.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin/questions"), chromedp.WaitVisible(chromedp.CSS("#bank"))); err != nil {
		t.Fatal(err)
	}
	checkAdminTargets(t, ctx, "bank")
	narrow, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#bank td.stem')].filter(td => td.getBoundingClientRect().width < 250).map(td => Math.round(td.getBoundingClientRect().width))
		.concat([...document.querySelectorAll('#bank td.ops .btn')].filter(b => b.getBoundingClientRect().right > window.innerWidth).map(b => 'off-screen'))`))
	if err != nil {
		t.Fatal(err)
	}
	if len(narrow) > 0 {
		t.Errorf("bank on a phone: narrow stems or buttons off screen: %v", narrow)
	}
	browsertest.Screenshot(t, ctx, "exam-bank-phone")
}
