package accounts

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"zhibu/app/testdb"
	"zhibu/app/web/browsertest"
)

// An admin on a phone: the user list, a roster preview with row errors, then a clean
// file confirmed, which downloads the credentials workbook and says what happened.
func TestBrowserOrgAndRoster(t *testing.T) {
	f := newOrgFixture(t)
	base := browsertest.Serve(t, f.srv)
	ctx := browsertest.New(t)
	browsertest.SignIn(t, ctx, f.srv, base, f.county.Admin)

	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/users"),
		chromedp.WaitVisible(chromedp.CSS(".user-rows tbody tr")),
	); err != nil {
		t.Fatal(err)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.user-rows tbody tr').length`))
	if err != nil || n < 10 {
		t.Fatalf("user list shows %d people: %v", n, err)
	}
	assertNoHorizontalScroll(t, ctx)
	browsertest.Screenshot(t, ctx, "accounts-users")

	dir := t.TempDir()
	bad := filepath.Join(dir, "花名册.xlsx")
	os.WriteFile(bad, makeXLSX(t, [][]string{rosterHead,
		{f.towns[0], "红星村党支部", "农村", "张建国", "1380013800", "书记"},
		{f.towns[0], "红星村党支部", "农村党支部", "李秀英", uniquePhone(), ""},
		{"不存在镇", "前进社区党支部", "社区", "王志强", uniquePhone(), ""},
		{f.towns[1], "县一中党支部", "学校", "", uniquePhone(), ""},
	}), 0o644)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/roster"),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{bad}),
		chromedp.Click(chromedp.CSS("form[enctype] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("table.errors")),
	); err != nil {
		t.Fatal(err)
	}
	errText, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("table.errors")))
	if err != nil || !strings.Contains(errText, "应为 1 开头的 11 位数字") || !strings.Contains(errText, "不存在镇") || !strings.Contains(errText, "姓名不能为空") {
		t.Errorf("errors table: %q %v", errText, err)
	}
	assertNoHorizontalScroll(t, ctx)
	browsertest.Screenshot(t, ctx, "accounts-roster-errors")

	good := filepath.Join(dir, "good.xlsx")
	phone := uniquePhone()
	os.WriteFile(good, makeXLSX(t, [][]string{rosterHead, {f.towns[0], testdb.Unique("红星村党支部"), "农村", "张建国", phone, "书记"}}), 0o644)
	downloads := t.TempDir()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/roster"),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{good}),
		chromedp.Click(chromedp.CSS("form[enctype] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".js-roster-confirm button")),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads})
			return err
		}),
	); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "accounts-roster-confirm")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(".js-roster-confirm button")),
		chromedp.WaitVisible(chromedp.CSS("#roster-done")),
	); err != nil {
		t.Fatal(err)
	}
	done, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#roster-done")))
	if !strings.Contains(done, "新建账号 1 个") {
		t.Errorf("done message: %q", done)
	}
	browsertest.Screenshot(t, ctx, "accounts-roster-done")
	var count int
	testdb.Get(t, f.db, &count, `SELECT count(*) FROM users WHERE phone = $1`, phone)
	if count != 1 {
		t.Error("confirm did not import")
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin/org"), chromedp.WaitVisible(chromedp.CSS(".org-branch"))); err != nil {
		t.Fatal(err)
	}
	assertNoHorizontalScroll(t, ctx)
	browsertest.Screenshot(t, ctx, "accounts-org")

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin/users/"+fmt.Sprint(f.county.Secretaries[0][0])),
		chromedp.WaitVisible(chromedp.CSS("#branch_id"))); err != nil {
		t.Fatal(err)
	}
	assertNoHorizontalScroll(t, ctx)
	browsertest.Screenshot(t, ctx, "accounts-user-edit")
}

// assertNoHorizontalScroll fails when the page is wider than the phone (tables scroll
// inside their own wrapper instead).
func assertNoHorizontalScroll(t *testing.T, ctx context.Context) {
	t.Helper()
	w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if w > browsertest.PhoneWidth {
		t.Errorf("page is %d px wide at a %d px viewport", w, browsertest.PhoneWidth)
	}
}
