package certificates

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"zhibu/app/web"
	"zhibu/app/web/browsertest"
)

// longIssuer is an issuing body of the longest allowed length (40 characters,
// migrations/00078_county_name.sql).
const longIssuer = "中国共产党新疆维吾尔自治区伊犁哈萨克自治州察布查尔锡伯自治县委员会组织部干部一科"

// The certificate prints on exactly one A4 page, without the site's chrome, also when
// signed with the longest issuer name, which wraps inside the sheet on a phone (and on the
// verification page).
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
	for _, issuer := range []string{"", longIssuer} {
		cl := serve(t, f, Deps{IssuerName: func(context.Context) (string, error) { return issuer, nil }}, web.Config{})
		base := browsertest.Serve(t, cl.srv)
		b := browsertest.New(t)
		browsertest.SignIn(t, b, cl.srv, base, sec)
		if err := chromedp.Do(b, chromedp.Navigate(fmt.Sprintf("%s/me/certificates/%d", base, list[0].ID)), chromedp.WaitVisible("#certificate")); err != nil {
			t.Fatal(err)
		}
		// On the phone the signature wraps inside the sheet: nothing sticks out sideways.
		wide, err := chromedp.Run(b, chromedp.Evaluate[bool](`(() => {
			const cert = document.querySelector('#certificate').getBoundingClientRect();
			const sign = document.querySelector('.cert-issuer').getBoundingClientRect();
			return document.documentElement.scrollWidth > window.innerWidth || sign.right > cert.right || sign.left < cert.left;
		})()`))
		if err != nil || wide {
			t.Fatalf("issuer %q: signature overflows the sheet on the phone (%v)", issuer, err)
		}
		name := "issuer-default"
		if issuer != "" {
			name = "issuer-long"
		}
		browsertest.Screenshot(t, b, "certificate-"+name)
		p := browsertest.Print(t, b, ".topbar", ".tabbar", ".no-print")
		if p.Pages != 1 || len(p.Shown) > 0 || !p.A4 {
			t.Fatalf("issuer %q: printed %d pages (want 1), A4 %v; site chrome in print: %v", issuer, p.Pages, p.A4, p.Shown)
		}
		// The public verification page names the issuer without widening the phone's page.
		if err := chromedp.Do(b, chromedp.Navigate(base+"/verify/"+list[0].Code), chromedp.WaitVisible("#verify-issuer")); err != nil {
			t.Fatal(err)
		}
		if wide, err := chromedp.Run(b, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); err != nil || wide {
			t.Fatalf("issuer %q: the verification page is wider than the phone (%v)", issuer, err)
		}
		browsertest.Screenshot(t, b, "verify-"+name)
	}
}
