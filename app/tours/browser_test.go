package tours

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"zhibu/app/seats"
	"zhibu/app/testdb"
	"zhibu/app/web/browsertest"
)

// The study-tour journey at phone size: the secretary signs up and sees the status, the
// organizer approves, the admin gives final approval, the secretary sees the message.
func TestBrowserTourJourney(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	id := makeTour(t, db, c, tourOpts{quotas: []int{3, 3}})
	testdb.Exec(t, db, `UPDATE tours SET title = $2, destination = $3, itinerary = $4 WHERE id = $1`,
		id, demoTours[0].title+"（第二期）", demoTours[0].destination, demoTours[0].itinerary)
	srv := newServer(t, db)
	base := browsertest.Serve(t, srv)
	ctx := browsertest.New(t)
	sec := c.Secretaries[0][2]
	fits := func(page string) {
		t.Helper()
		if w, _ := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth")); w > browsertest.PhoneWidth {
			t.Errorf("%s is %d px wide on a %d px phone", page, w, browsertest.PhoneWidth)
		}
	}

	browsertest.SignIn(t, ctx, srv, base, sec)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/tours"), chromedp.WaitVisible(chromedp.CSS(".tour-card"))); err != nil {
		t.Fatal(err)
	}
	fits("/tours")
	browsertest.Screenshot(t, ctx, "tours-list-secretary")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a.btn[href="/tours/%d"]`, id))),
		chromedp.WaitVisible(chromedp.CSS("#note")),
	); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "tours-detail-secretary")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#note"), "清真饮食"),
		chromedp.Click(chromedp.CSS(`#my-signup button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".my-status")),
	); err != nil {
		t.Fatal(err)
	}
	status, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".my-status")))
	if status != "待乡镇审核" {
		t.Fatalf("status after sign-up: %q", status)
	}
	fits("/tours/:id")
	browsertest.Screenshot(t, ctx, "tours-signed-up")

	browsertest.SignIn(t, ctx, srv, base, c.Organizers[0])
	sid := signupID(t, db, id, sec)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/admin/tours/%d", base, id)),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#signup-%d", sid))),
	); err != nil {
		t.Fatal(err)
	}
	fits("/admin/tours/:id (organizer)")
	browsertest.Screenshot(t, ctx, "tours-organizer-queue")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#signup-%d button.approve", sid))),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	); err != nil {
		t.Fatal(err)
	}
	if st := statusOf(t, db, id, sec); st != seats.StatusApproved {
		t.Fatalf("after organizer: %s", st)
	}

	browsertest.SignIn(t, ctx, srv, base, c.Admin)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/admin/tours/%d", base, id)),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#signup-%d", sid))),
	); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "tours-admin-queue")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#signup-%d button.approve", sid))),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	); err != nil {
		t.Fatal(err)
	}
	if st := statusOf(t, db, id, sec); st != seats.StatusConfirmed {
		t.Fatalf("after admin: %s", st)
	}

	browsertest.SignIn(t, ctx, srv, base, sec)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/tours"), chromedp.WaitVisible(chromedp.CSS(".tour-inbox"))); err != nil {
		t.Fatal(err)
	}
	link, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".tour-inbox")))
	if !strings.Contains(link, "条未读") {
		t.Fatalf("inbox link: %q", link)
	}
	fits("/tours after approval")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".tour-inbox")), chromedp.WaitVisible(chromedp.CSS(".inbox"))); err != nil {
		t.Fatal(err)
	}
	msgs, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".inbox")))
	if !strings.Contains(msgs, "通过县委组织部终审") || !strings.Contains(msgs, "未读") {
		t.Fatalf("messages: %q", msgs)
	}
	fits("/messages")
	browsertest.Screenshot(t, ctx, "tours-secretary-message")

	browsertest.SignIn(t, ctx, srv, base, c.Admin)
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/admin/tours/%d/edit", base, id)), chromedp.WaitVisible(chromedp.CSS("#title"))); err != nil {
		t.Fatal(err)
	}
	fits("/admin/tours/:id/edit")
	browsertest.Screenshot(t, ctx, "tours-admin-edit")
	// Quotas over the total: the form comes back with the problem named.
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#total_seats"), "2"),
		chromedp.Click(chromedp.CSS(`.tour-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".field-error")),
	); err != nil {
		t.Fatal(err)
	}
	alert, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".alert")))
	if !strings.Contains(alert, "超过了总名额") {
		t.Fatalf("form error: %q", alert)
	}
	browsertest.Screenshot(t, ctx, "tours-admin-edit-error")
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin/tours"), chromedp.WaitVisible(chromedp.CSS(".tour-card"))); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "tours-admin-list")
}

// Cancelling at phone size asks first: 取消报名 opens the confirmation page that says the
// seat goes to the first waiter; 不取消 keeps the sign-up; 确认取消 gives the seat away.
func TestBrowserCancelAsksFirst(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	id := makeTour(t, db, c, tourOpts{quotas: []int{1, 1}})
	s := newStore(db)
	sec, waiter := c.Secretaries[0][0], c.Secretaries[0][1]
	mustSignup(t, s, id, sec, "")
	mustSignup(t, s, id, waiter, "")
	srv := newServer(t, db)
	base := browsertest.Serve(t, srv)
	ctx := browsertest.New(t)
	browsertest.SignIn(t, ctx, srv, base, sec)

	ask := func() {
		t.Helper()
		if err := chromedp.Do(ctx,
			chromedp.Navigate(fmt.Sprintf("%s/tours/%d", base, id)),
			chromedp.WaitVisible(chromedp.CSS("a.cancel-signup")),
			chromedp.Click(chromedp.CSS("a.cancel-signup")),
			chromedp.WaitVisible(chromedp.CSS(".cancel-consequence")),
		); err != nil {
			t.Fatal(err)
		}
		said, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".cancel-consequence")))
		if !strings.Contains(said, "您的名额将让给候补第 1 位（不能恢复）；如再报名，只能排在候补队尾") {
			t.Fatalf("confirmation says %q", said)
		}
	}
	ask()
	if w, _ := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth")); w > browsertest.PhoneWidth {
		t.Errorf("confirmation page is %d px wide on a %d px phone", w, browsertest.PhoneWidth)
	}
	browsertest.Screenshot(t, ctx, "tours-cancel-confirm")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("a.keep-signup")),
		chromedp.WaitVisible(chromedp.CSS(".my-status")),
	); err != nil {
		t.Fatal(err)
	}
	if st, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".my-status"))); st != "待乡镇审核" {
		t.Fatalf("after 不取消 the page says %q", st)
	}
	if a, b := statusOf(t, db, id, sec), statusOf(t, db, id, waiter); a != seats.StatusPending || b != seats.StatusWaitlisted {
		t.Fatalf("after 不取消: %s, %s", a, b)
	}

	ask()
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("button.confirm-cancel")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	); err != nil {
		t.Fatal(err)
	}
	if a, b := statusOf(t, db, id, sec), statusOf(t, db, id, waiter); a != seats.StatusCancelled || b != seats.StatusPending {
		t.Fatalf("after 确认取消: %s, %s (the seat goes to the first waiter)", a, b)
	}
}

// smallTargetsJS lists the visible buttons, inputs, selects and non-inline links of the
// page under 44 px tall.
const smallTargetsJS = `(() => {
  const out = [];
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea')) {
    if (el.type === 'hidden') continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden' || (el.tagName === 'A' && cs.display === 'inline')) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && r.height < 43.5) out.push(el.tagName + ' ' + Math.round(r.height) + 'px ' + (el.innerText || el.name || '').trim().slice(0, 12));
  }
  return out;
})()`

// The staff desk on a phone: a card per sign-up, every tap target at least 44 px, no
// sideways scrolling; rejecting goes through the confirmation that says what happens.
func TestBrowserDeskOnPhone(t *testing.T) {
	db := testdb.DB(t)
	k := seedBigCounty(t, db, 2, 80, 20)
	srv := newServer(t, db)
	base := browsertest.Serve(t, srv)
	ctx := browsertest.New(t)
	desk := fmt.Sprintf("%s/admin/tours/%d", base, k.Tour)
	check := func(what string) {
		t.Helper()
		if w, _ := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth")); w > browsertest.PhoneWidth {
			t.Errorf("%s is %d px wide on a %d px phone", what, w, browsertest.PhoneWidth)
		}
		if small, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](smallTargetsJS)); err != nil || len(small) > 0 {
			t.Errorf("%s: tap targets under 44 px: %v %v", what, small, err)
		}
	}
	for _, who := range []int64{k.Admin, k.Organizers[0]} {
		browsertest.SignIn(t, ctx, srv, base, who)
		if err := chromedp.Do(ctx, chromedp.Navigate(desk+"?who="+url.QueryEscape("书记")), chromedp.WaitVisible(chromedp.CSS("table.signups"))); err != nil {
			t.Fatal(err)
		}
		check(fmt.Sprintf("desk of %d", who))
		browsertest.Screenshot(t, ctx, fmt.Sprintf("tours-desk-phone-%d", who))
	}
	// The organizer rejects the first pending sign-up through the confirmation.
	var sid int64
	testdb.Get(t, db, &sid, `SELECT id FROM tour_signups WHERE tour_id = $1 AND township_id = $2 AND status = 'pending' ORDER BY queue_seq LIMIT 1`,
		k.Tour, k.Townships[0])
	if err := chromedp.Do(ctx,
		chromedp.Navigate(desk),
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#signup-%d a.reject", sid))),
		chromedp.WaitVisible(chromedp.CSS(".reject-consequence")),
	); err != nil {
		t.Fatal(err)
	}
	said, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".reject-consequence")))
	if !strings.Contains(said, "名额让给本乡镇候补第 1 位") {
		t.Fatalf("confirmation says %q", said)
	}
	check("reject confirmation")
	browsertest.Screenshot(t, ctx, "tours-reject-confirm")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#reason"), "时间冲突"),
		chromedp.Click(chromedp.CSS("#reject-confirm button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	); err != nil {
		t.Fatal(err)
	}
	var st string
	testdb.Get(t, db, &st, `SELECT status FROM tour_signups WHERE id = $1`, sid)
	if st != seats.StatusRejected {
		t.Fatalf("after confirming: %s", st)
	}
}
