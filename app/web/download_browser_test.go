package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"zhibu/app/web/browsertest"
)

// The WeChat download page at phone width: tapping a download inside WeChat lands on the
// instruction with the one-time link, which fits the screen and is ready to copy.
func TestBrowserWeChatDownloadPage(t *testing.T) {
	srv, _, admin := downloadServer(t)
	base := browsertest.Serve(t, srv)
	ctx := browsertest.New(t)
	browsertest.SignIn(t, ctx, srv, base, admin)
	// WeChat's user agent, set by emulation (browsertest.New's default may change).
	if err := chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: wechatUA})
			return err
		}),
		chromedp.Navigate(base+"/api/v1/files/7.xlsx?year=2026"),
		chromedp.WaitVisible(chromedp.CSS(".dl-howto")),
	); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, howTo) || !strings.Contains(text, "只能下载一次") {
		t.Errorf("page reads %q", text)
	}
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(href, base+"/dl/") {
		t.Errorf("WeChat stays on %s; 「在浏览器打开」 would open that, not the link", href)
	}
	copied, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("dl-url").value`))
	if err != nil {
		t.Fatal(err)
	}
	if copied != href {
		t.Errorf("the link to copy is %q, the page is %q", copied, href)
	}
	scrollW, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
	if err != nil {
		t.Fatal(err)
	}
	if scrollW > browsertest.PhoneWidth {
		t.Errorf("page is %d px wide on a %d px phone", scrollW, browsertest.PhoneWidth)
	}
	browsertest.Screenshot(t, ctx, "download-wechat")
}
