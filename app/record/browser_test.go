package record

import (
	"os"
	"path/filepath"
	"testing"

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
			p := browsertest.Print(t, b, ".topbar", ".tabbar", ".no-print", ".record-actions", ".filters")
			if dir := os.Getenv("WORKBOOK_PDF_DIR"); dir != "" {
				os.WriteFile(filepath.Join(dir, tc.name+".pdf"), p.PDF, 0o644)
			}
			if p.Pages < 1 || p.Pages > 2 || len(p.Shown) > 0 || !p.A4 {
				t.Errorf("printed %d pages (want 1 or 2), A4 %v; site chrome in print: %v", p.Pages, p.A4, p.Shown)
			}
		})
	}
}
