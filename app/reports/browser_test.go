package reports

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"zhibu/app/web/browsertest"
)

// The department's journey at phone size: open the report page, read the summary,
// narrow it to one township with the filter, find the download button.
func TestBrowserReportPage(t *testing.T) {
	c := theCounty(t)
	srv := newServer(t)
	base := browsertest.Serve(t, srv)
	ctx := browsertest.New(t)
	browsertest.SignIn(t, ctx, srv, base, c.Admin)

	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/reports?year=2026"),
		chromedp.WaitVisible(chromedp.CSS("#townships .rank-item")),
	); err != nil {
		t.Fatal(err)
	}
	first, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#townships .rank-item")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(first, "甲镇") || !strings.Contains(first, "66.7%") || !strings.Contains(first, "必修完成 2/3 人") {
		t.Errorf("first township reads %q", first)
	}
	scrollW, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
	if err != nil {
		t.Fatal(err)
	}
	if scrollW > browsertest.PhoneWidth {
		t.Errorf("page is %d px wide on a %d px phone", scrollW, browsertest.PhoneWidth)
	}
	browsertest.Screenshot(t, ctx, "reports-county")

	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#township"), strconv.FormatInt(c.B, 10)),
		chromedp.Click(chromedp.CSS(".report-filters button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#missing")),
	); err != nil {
		t.Fatal(err)
	}
	missing, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#missing")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(missing, "书记B2") || !strings.Contains(missing, "未完成：党章学习") {
		t.Errorf("missing list reads %q", missing)
	}
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#download-completion").getAttribute("href")`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "/api/v1/reports/completion.xlsx?year=2026&township=" + strconv.FormatInt(c.B, 10); href != want {
		t.Errorf("download link %q, want %q", href, want)
	}
	browsertest.Screenshot(t, ctx, "reports-township")
}
