package browsertest

import (
	"context"
	"regexp"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Printout is the page in ctx as the browser prints it.
type Printout struct {
	PDF   []byte
	Pages int
	// Shown are the selectors among those asked that stay visible in print (the site's
	// menus, buttons…): a printed page should show none.
	Shown []string
	A4    bool // every page is A4 (595 × 842 points)
}

var (
	pdfPage  = regexp.MustCompile(`/Type\s*/Page[^s]`)
	pdfA4    = regexp.MustCompile(`/MediaBox\s*\[\s*0 0 59[45]\.\d+ 84[12]\.\d+\]`)
	pdfBoxes = regexp.MustCompile(`/MediaBox\s*\[[^\]]*\]`)
)

// Print prints the page in ctx to PDF as 「打印」 would (its CSS page size, backgrounds)
// and tells which of hidden are still displayed under the print media.
func Print(t testing.TB, ctx context.Context, hidden ...string) Printout {
	t.Helper()
	media := func(m string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
			return err
		})
	}
	var out Printout
	if err := chromedp.Do(ctx, media("print")); err != nil {
		t.Fatal(err)
	}
	for _, sel := range hidden {
		shown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(s => { const e = document.querySelector(s); return !!e && getComputedStyle(e).display !== 'none' })(`+jsString(sel)+`)`))
		if err != nil {
			t.Fatal(err)
		}
		if shown {
			out.Shown = append(out.Shown, sel)
		}
	}
	if err := chromedp.Do(ctx, media("")); err != nil {
		t.Fatal(err)
	}
	yes := true
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		res, err := cdp.Call(ctx, tg, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &yes, PrintBackground: &yes})
		if err == nil {
			out.PDF = res.Data
		}
		return err
	})); err != nil {
		t.Fatal(err)
	}
	out.Pages = len(pdfPage.FindAll(out.PDF, -1))
	boxes := pdfBoxes.FindAll(out.PDF, -1)
	out.A4 = len(boxes) > 0
	for _, b := range boxes {
		out.A4 = out.A4 && pdfA4.Match(b)
	}
	return out
}

// jsString quotes s as a JavaScript string literal (selectors are the tests' own).
func jsString(s string) string {
	q := []byte{'"'}
	for _, r := range []byte(s) {
		if r == '"' || r == '\\' {
			q = append(q, '\\')
		}
		q = append(q, r)
	}
	return string(append(q, '"'))
}
