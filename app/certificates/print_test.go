package certificates

import (
	"context"
	"fmt"
	"testing"

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
	p := browsertest.Print(t, b, ".topbar", ".tabbar", ".no-print")
	if p.Pages != 1 || len(p.Shown) > 0 || !p.A4 {
		t.Fatalf("printed %d pages (want 1), A4 %v; site chrome in print: %v", p.Pages, p.A4, p.Shown)
	}
}
