package certificates

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"zhibu/app/web"
	"zhibu/app/web/browsertest"
)

// The certificate prints on exactly one A4 page, without the site's chrome.
func TestCertificatePrintsOnOneA4Page(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium")
	}
	f := newFx(t)
	sec := f.c.Secretaries[0][0]
	f.qualify(t, sec)
	if _, err := f.st.IssueForUser(context.Background(), sec); err != nil {
		t.Fatal(err)
	}
	list, _ := f.st.Mine(context.Background(), sec)
	cl := serve(t, f, Deps{}, web.Config{})
	base := browsertest.Serve(t, cl.srv)
	b := browsertest.New(t)
	browsertest.SignIn(t, b, cl.srv, base, sec)
	if err := chromedp.Do(b, chromedp.Navigate(fmt.Sprintf("%s/me/certificates/%d", base, list[0].ID)), chromedp.WaitVisible("#certificate")); err != nil {
		t.Fatal(err)
	}
	media := func(m string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
			return err
		})
	}
	if err := chromedp.Do(b, media("print")); err != nil {
		t.Fatal(err)
	}
	chrome, err := chromedp.Run(b, chromedp.Evaluate[bool](`['.topbar','.tabbar','.no-print'].some(s => { const e = document.querySelector(s); return e && getComputedStyle(e).display !== 'none' })`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, chromedp.EmulateViewport(794, 1123)); err != nil { // A4 at 96 dpi
		t.Fatal(err)
	}
	browsertest.Screenshot(t, b, "certificate-print")
	if err := chromedp.Do(b, media("")); err != nil {
		t.Fatal(err)
	}
	var pdf []byte
	yes := true
	if err := chromedp.Do(b, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		res, err := cdp.Call(ctx, tg, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &yes, PrintBackground: &yes})
		if err == nil {
			pdf = res.Data
		}
		return err
	})); err != nil {
		t.Fatal(err)
	}
	pages := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1))
	if pages != 1 || chrome {
		t.Fatalf("printed %d pages (want 1); site chrome in print: %v", pages, chrome)
	}
	// A4 is 595.28 × 841.89 points.
	if !regexp.MustCompile(`/MediaBox\s*\[\s*0 0 59[45]\.\d+ 84[12]\.\d+\]`).Match(pdf) {
		t.Fatalf("not an A4 page: %q", regexp.MustCompile(`/MediaBox[^\]]*\]`).Find(pdf))
	}
}
