package tours

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

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
	if st := statusOf(t, db, id, sec); st != StatusApproved {
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
	if st := statusOf(t, db, id, sec); st != StatusConfirmed {
		t.Fatalf("after admin: %s", st)
	}

	browsertest.SignIn(t, ctx, srv, base, sec)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/tours"), chromedp.WaitVisible(chromedp.CSS(".tour-msgs"))); err != nil {
		t.Fatal(err)
	}
	msgs, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".tour-msgs")))
	if !strings.Contains(msgs, "通过县委组织部终审") || !strings.Contains(msgs, "条新消息") {
		t.Fatalf("messages: %q", msgs)
	}
	fits("/tours after approval")
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
	if a, b := statusOf(t, db, id, sec), statusOf(t, db, id, waiter); a != StatusPending || b != StatusWaitlisted {
		t.Fatalf("after 不取消: %s, %s", a, b)
	}

	ask()
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("button.confirm-cancel")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	); err != nil {
		t.Fatal(err)
	}
	if a, b := statusOf(t, db, id, sec), statusOf(t, db, id, waiter); a != StatusCancelled || b != StatusPending {
		t.Fatalf("after 确认取消: %s, %s (the seat goes to the first waiter)", a, b)
	}
}
