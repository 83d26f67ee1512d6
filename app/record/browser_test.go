package record

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"zhibu/app/web/browsertest"
)

// The 学习档案 on a phone fits the screen and offers 「打印」; printed from the browser it
// is one or two A4 pages without the menu, the tab bar, the filters or the buttons.
func TestRecordPageOnPhoneAndPrinted(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium")
	}
	c := theCounty(t)
	base := browsertest.Serve(t, c.srv)
	for _, tc := range []struct {
		name string
		who  int64
		path string
	}{
		{"record-secretary", c.A1, "/me/record?year=2026"},
		{"record-staff", c.OrgA, "/admin/record/people/" + itoa(c.A2) + "?year=2026"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := browsertest.New(t)
			browsertest.SignIn(t, b, c.srv, base, tc.who)
			if err := chromedp.Do(b, chromedp.Navigate(base+tc.path), chromedp.WaitVisible("#record-total")); err != nil {
				t.Fatal(err)
			}
			if w, _ := chromedp.Run(b, chromedp.Evaluate[int]("document.documentElement.scrollWidth")); w > browsertest.PhoneWidth {
				t.Errorf("%d px wide on a %d px phone", w, browsertest.PhoneWidth)
			}
			if shown, _ := chromedp.Run(b, chromedp.Evaluate[bool](`!document.querySelector('[data-print]').hidden`)); !shown {
				t.Error("the 打印 button stays hidden")
			}
			browsertest.Screenshot(t, b, tc.name)
			media := func(m string) chromedp.Action[chromedp.Void] {
				return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
					return err
				})
			}
			if err := chromedp.Do(b, media("print")); err != nil {
				t.Fatal(err)
			}
			chrome, err := chromedp.Run(b, chromedp.Evaluate[bool](`['.topbar','.tabbar','.no-print','.record-actions','.filters'].some(s => {
				const e = document.querySelector(s); return e && getComputedStyle(e).display !== 'none' })`))
			if err != nil {
				t.Fatal(err)
			}
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
			if dir := os.Getenv("WORKBOOK_PDF_DIR"); dir != "" {
				os.WriteFile(filepath.Join(dir, tc.name+".pdf"), pdf, 0o644)
			}
			pages := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1))
			if pages < 1 || pages > 2 || chrome {
				t.Errorf("printed %d pages (want 1 or 2); site chrome in print: %v", pages, chrome)
			}
			if !regexp.MustCompile(`/MediaBox\s*\[\s*0 0 59[45]\.\d+ 841\.\d+\]`).Match(pdf) {
				t.Errorf("not an A4 page: %q", regexp.MustCompile(`/MediaBox[^\]]*\]`).Find(pdf))
			}
		})
	}
}
