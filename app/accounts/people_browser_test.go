package accounts

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"zhibu/app/web/browsertest"
)

// phoneCheckJS measures a page on a phone: horizontal overflow, visible tap targets
// under 44 px (inline text links excepted) and Latin words in the visible text.
const phoneCheckJS = `(() => {
  const vw = document.documentElement.clientWidth;
  const out = {overflow: document.documentElement.scrollWidth > vw + 1, small: [], latin: []};
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary')) {
    if (el.type === 'hidden') continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (el.tagName === 'A' && cs.display === 'inline') continue;
    if (r.height < 43.5) out.small.push(el.tagName + ' ' + Math.round(r.height) + 'px ' + (el.innerText || el.name || '').trim().slice(0, 12));
  }
  out.latin = [...new Set(document.body.innerText.match(/[A-Za-z][A-Za-z0-9_]*/g) || [])].filter(w => !['Excel', 'KB', 'MB'].includes(w) && !/^(admin|org|sec)\d+$/.test(w)); // fixture names hold their usernames
  return JSON.stringify(out);
})()`

// The people pages on a 360 px phone: no overflow, every control at least 44 px tall,
// no Latin words; the confirmation flow works by taps alone.
func TestBrowserPeoplePagesOnAPhone(t *testing.T) {
	f := newOrgFixture(t)
	peopleFixture(t, f, "翻页", 60)
	base := browsertest.Serve(t, f.srv)
	ctx := browsertest.New(t)
	browsertest.SignIn(t, ctx, f.srv, base, f.county.Admin)
	sec := f.county.Secretaries[0][1]
	pages := []string{
		// The fixture's township: the package's database also holds other tests' people.
		fmt.Sprintf("/admin/users?township=%d", f.county.Townships[0]),
		fmt.Sprintf("/admin/users?township=%d&status=pending", f.county.Townships[0]),
		"/admin/users/new",
		fmt.Sprintf("/admin/users/%d", sec),
		fmt.Sprintf("/admin/users/%d/reset-password", sec),
		fmt.Sprintf("/admin/users/%d/deactivate", sec),
		"/admin/org",
		fmt.Sprintf("/admin/org?township=%d&edit=%d", f.county.Townships[0], f.county.Branches[0][0]),
		"/admin/roster",
	}
	for _, path := range pages {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
			t.Fatal(err)
		}
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](phoneCheckJS))
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Overflow     bool
			Small, Latin []string
		}
		if err := json.Unmarshal([]byte(raw), &got); err != nil {
			t.Fatal(err)
		}
		if got.Overflow || len(got.Small) > 0 || len(got.Latin) > 0 {
			t.Errorf("%s: overflow %v, small %q, latin %q", path, got.Overflow, got.Small, got.Latin)
		}
		browsertest.Screenshot(t, ctx, "accounts"+strings.NewReplacer("/", "-", "?", "-", "&", "-", "=", "").Replace(path))
	}

	// Deactivate by taps: the user page's button, the confirmation's sentence, its button.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+fmt.Sprintf("/admin/users/%d", sec)),
		chromedp.Click(chromedp.CSS(`a[href$="/deactivate"]`)),
		chromedp.WaitVisible(chromedp.CSS(".confirm button")),
	); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".confirm")))
	if err != nil || !strings.Contains(text, deactivateConsequence) {
		t.Errorf("confirmation: %q %v", text, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".confirm button")), chromedp.WaitVisible(chromedp.CSS(".alert"))); err != nil {
		t.Fatal(err)
	}
	var active bool
	if err := f.db.Get(&active, `SELECT active FROM users WHERE id = $1`, sec); err != nil || active {
		t.Errorf("after confirming: active %v %v", active, err)
	}
}
