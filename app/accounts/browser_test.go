package accounts

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zhibu/app/testdb"
	"zhibu/app/web/browsertest"
)

// The secretary's first journey at phone size: log in as the demo secretary by typing
// into the form, land on the home page, log out.
func TestBrowserLoginHomeLogout(t *testing.T) {
	db := testdb.DB(t)
	if err := SeedDemo(t.Context(), db, DemoSize{Townships: 3, Secretaries: 12}); err != nil {
		t.Fatal(err)
	}
	srv := newServer(t)
	base := browsertest.Serve(t, srv)
	ctx := browsertest.New(t)

	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
	); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "accounts-login")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#username"), "secretary"),
		chromedp.SendKeys(chromedp.CSS("#password"), DemoPassword),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".tabbar")),
	); err != nil {
		t.Fatal(err)
	}
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main h1")))
	if err != nil {
		t.Fatal(err)
	}
	var name string
	testdb.Get(t, db, &name, `SELECT name FROM users WHERE username = 'secretary'`)
	if !strings.Contains(heading, name) {
		t.Fatalf("home heading %q does not greet %s", heading, name)
	}
	// The tab bar fits the phone: no horizontal scrolling.
	scrollW, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
	if err != nil {
		t.Fatal(err)
	}
	if scrollW > browsertest.PhoneWidth {
		t.Errorf("page is %d px wide on a %d px phone", scrollW, browsertest.PhoneWidth)
	}
	browsertest.Screenshot(t, ctx, "accounts-home-secretary")

	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.tabbar a[href="/me"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"] button`)),
	); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "accounts-me")
	// The button is the last thing on the page: bring it to the middle of the screen, as a
	// person scrolls, so the tap does not land on the fixed tab bar over its lower half.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
		`(document.querySelector('form[action="/logout"] button').scrollIntoView({block: 'center'}), true)`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#username")),
	); err != nil {
		t.Fatal(err)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.HasSuffix(loc, "/login") {
		t.Fatalf("after logout at %s, want /login", loc)
	}
	// The admin lands on the staff home with the top navigation, still without sideways scrolling.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#username"), "admin"),
		chromedp.SendKeys(chromedp.CSS("#password"), DemoPassword),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".topnav")),
	); err != nil {
		t.Fatal(err)
	}
	if w, _ := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth")); w > browsertest.PhoneWidth {
		t.Errorf("admin home is %d px wide on a %d px phone", w, browsertest.PhoneWidth)
	}
	browsertest.Screenshot(t, ctx, "accounts-home-admin")

	// The staff menu is one row on a phone, and on its last page the current item has
	// been scrolled into view (static/js/app.js) rather than left off-screen.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin/feedback"), chromedp.WaitVisible(chromedp.CSS(".topnav"))); err != nil {
		t.Fatal(err)
	}
	browsertest.Until(t, ctx, "the current menu item in view", `(() => {
		const nav = document.querySelector('.topnav'), cur = nav.querySelector('a[aria-current]');
		const n = nav.getBoundingClientRect(), c = cur.getBoundingClientRect();
		return c.left >= n.left - 1 && c.right <= n.right + 1 })()`, 5*time.Second)
	rows, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`new Set([...document.querySelectorAll('.topnav a')].map(a => Math.round(a.getBoundingClientRect().top))).size`))
	if rows != 1 {
		t.Errorf("the staff menu takes %d rows on a %d px phone, want 1", rows, browsertest.PhoneWidth)
	}
	if w, _ := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth")); w > browsertest.PhoneWidth {
		t.Errorf("/admin/feedback is %d px wide on a %d px phone", w, browsertest.PhoneWidth)
	}
	browsertest.Screenshot(t, ctx, "accounts-admin-menu-scrolled")

	var sessions int
	testdb.Get(t, db, &sessions, `SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'secretary'`)
	if sessions != 0 {
		t.Fatalf("%d sessions left after logout", sessions)
	}
}
