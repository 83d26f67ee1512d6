package tours

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"

	"zhibu/app/seats"
	"zhibu/app/testdb"
	"zhibu/app/web/webtest"
)

// body reads a form response's page.
func body(t *testing.T, c *webtest.Client, method, path string, v url.Values) (int, string) {
	t.Helper()
	resp := c.Form(method, path, v)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// Cancelling is two steps: the tour page links to a confirmation page that says what will
// happen to the seat, and only its POST cancels.
func TestCancelAsksFirst(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := newServer(t, db)
	cl := makeClients(t, srv, c)
	s := newStore(db)
	id := makeTour(t, db, c, tourOpts{quotas: []int{1, 1}})
	page := fmt.Sprintf("/tours/%d", id)
	mustSignup(t, s, id, c.Secretaries[0][0], "") // holds township 0's seat
	mustSignup(t, s, id, c.Secretaries[0][1], "") // waits for it
	mustSignup(t, s, id, c.Secretaries[1][0], "") // holds township 1's seat, nobody waits

	// The tour page has no one-tap cancel any more, only the way to the question.
	st, html := cl.sec.Get(page)
	if st != 200 || !strings.Contains(html, `href="`+page+`/cancel"`) || strings.Contains(html, `action="`+page+`/cancel"`) {
		t.Fatalf("tour page: %d, the cancel button must lead to the confirmation page: %s", st, html)
	}
	for _, q := range []struct {
		who  *webtest.Client
		want string
	}{
		{cl.sec, "取消后，您的名额将让给候补第 1 位（不能恢复）；如再报名，只能排在候补队尾"},
		{cl.sec2, "取消后您将退出候补"},
		{cl.other, "取消后名额空出，其他人可以报名；如再报名需重新审批"},
	} {
		st, html := q.who.Get(page + "/cancel")
		if st != 200 || !strings.Contains(html, q.want) || !strings.Contains(html, "确认取消") || !strings.Contains(html, "不取消，返回") {
			t.Fatalf("confirmation page: %d, want %q: %s", st, q.want, html)
		}
	}
	// Asking changed nothing.
	if a, b := statusOf(t, db, id, c.Secretaries[0][0]), statusOf(t, db, id, c.Secretaries[0][1]); a != seats.StatusPending || b != seats.StatusWaitlisted {
		t.Fatalf("after the question: %s, %s", a, b)
	}
	// Nothing to cancel, or staff: no question.
	if st, _ := webtest.AsUser(t, srv, c.Secretaries[1][1]).Get(page + "/cancel"); st != 404 {
		t.Fatalf("not signed up: %d", st)
	}
	if st, _ := cl.org.Get(page + "/cancel"); st != 403 {
		t.Fatalf("organizer: %d", st)
	}
	// Confirming cancels; the seat goes to the first waiter.
	if resp := cl.sec.Form("POST", page+"/cancel", nil); resp.StatusCode != 303 {
		t.Fatalf("confirm: %d", resp.StatusCode)
	}
	if a, b := statusOf(t, db, id, c.Secretaries[0][0]), statusOf(t, db, id, c.Secretaries[0][1]); a != seats.StatusCancelled || b != seats.StatusPending {
		t.Fatalf("after confirming: %s, %s", a, b)
	}
	if st, _ := cl.sec.Get(page + "/cancel"); st != 404 {
		t.Fatalf("cancelled already: %d", st)
	}
}

// A rejection whose reason is missing or too long brings the confirmation back with the
// message next to the reason field and the text as typed; nothing is rejected.
func TestRejectReasonStaysOnPage(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := newServer(t, db)
	cl := makeClients(t, srv, c)
	id := makeTour(t, db, c, tourOpts{quotas: []int{2, 2}})
	mustSignup(t, newStore(db), id, c.Secretaries[0][0], "")
	sid := signupID(t, db, id, c.Secretaries[0][0])
	reject := fmt.Sprintf("/admin/tours/%d/signups/%d/reject", id, sid)

	long := strings.Repeat("时间冲突", 126) // 504 characters
	for _, q := range []struct{ typed, msg string }{{"   ", "请填写驳回理由"}, {long, "不能超过 500 字"}} {
		st, html := body(t, cl.org, "POST", reject, url.Values{"reason": {q.typed}})
		i := strings.Index(html, `id="reject-confirm"`)
		if st != 422 || i < 0 {
			t.Fatalf("reject with %q: %d, want the confirmation again: %s", q.typed, st, html)
		}
		form := html[i:]
		if !strings.Contains(form, `aria-invalid="true" autofocus>`+q.typed+`</textarea>`) || !strings.Contains(form, `<p class="field-error" role="alert">`+q.msg+`</p>`) ||
			!strings.Contains(form, "驳回后该报名不能恢复") {
			t.Fatalf("reject with %q: the field must keep the text and say %q: %s", q.typed, q.msg, form)
		}
	}
	if st := statusOf(t, db, id, c.Secretaries[0][0]); st != seats.StatusPending {
		t.Fatalf("rejected without a reason: %s", st)
	}
	if resp := cl.org.Form("POST", reject, url.Values{"reason": {"时间冲突"}}); resp.StatusCode != 303 {
		t.Fatalf("reject with reason: %d", resp.StatusCode)
	}
}

// Rejecting is two steps: the desk links to a confirmation that says what happens to the
// seat and the waiting list (per RejectConsequence), asking changes nothing, and only
// its POST (with the CSRF token) rejects.
func TestRejectAsksFirst(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := newServer(t, db)
	cl := makeClients(t, srv, c)
	s := newStore(db)
	id := makeTour(t, db, c, tourOpts{quotas: []int{1, 1}})
	mustSignup(t, s, id, c.Secretaries[0][0], "") // holds township 0's seat
	mustSignup(t, s, id, c.Secretaries[0][1], "") // waits for it
	mustSignup(t, s, id, c.Secretaries[1][0], "") // holds township 1's seat, nobody waits
	holder, waiter, alone := signupID(t, db, id, c.Secretaries[0][0]), signupID(t, db, id, c.Secretaries[0][1]), signupID(t, db, id, c.Secretaries[1][0])
	path := func(sid int64) string { return fmt.Sprintf("/admin/tours/%d/signups/%d/reject", id, sid) }

	// The desk has no one-tap reject, only the way to the question.
	st, desk := cl.org.Get(fmt.Sprintf("/admin/tours/%d", id))
	if st != 200 || !strings.Contains(desk, `href="`+path(holder)+`"`) || strings.Contains(desk, `action="`+path(holder)+`"`) {
		t.Fatalf("desk: %d, the reject button must lead to the confirmation: %s", st, desk)
	}
	for _, q := range []struct {
		who  *webtest.Client
		sid  int64
		want string
	}{
		{cl.org, holder, "驳回后该报名不能恢复，本人不能再次报名，系统会把驳回理由通知本人；名额让给本乡镇候补第 1 位。"},
		{cl.org, waiter, "移出后该书记退出候补名单，不能恢复，也不能再次报名"},
		{cl.admin, alone, "驳回后该报名不能恢复，本人不能再次报名，系统会把驳回理由通知本人；名额空出，本乡镇其他书记可以报名。"},
	} {
		st, html := q.who.Get(path(q.sid))
		if st != 200 || !strings.Contains(html, q.want) || !strings.Contains(html, `name="reason"`) || !strings.Contains(html, "不驳回，返回") {
			t.Fatalf("confirmation of %d: %d, want %q: %s", q.sid, st, q.want, html)
		}
	}
	if st, _ := cl.org2.Get(path(holder)); st != 403 {
		t.Fatalf("other township's organizer: %d", st)
	}
	if st, _ := cl.sec.Get(path(holder)); st != 403 {
		t.Fatalf("secretary: %d", st)
	}
	if st, _ := cl.org.Get(fmt.Sprintf("/admin/tours/%d/signups/99999999/reject", id)); st != 404 {
		t.Fatalf("unknown sign-up: %d", st)
	}
	// A POST without the CSRF token is refused and changes nothing.
	noToken := *cl.org
	noToken.CSRF = ""
	if resp := noToken.Form("POST", path(holder), url.Values{"reason": {"时间冲突"}}); resp.StatusCode != 403 {
		t.Fatalf("reject without CSRF: %d", resp.StatusCode)
	}
	if a, b := statusOf(t, db, id, c.Secretaries[0][0]), statusOf(t, db, id, c.Secretaries[0][1]); a != seats.StatusPending || b != seats.StatusWaitlisted {
		t.Fatalf("after asking: %s, %s", a, b)
	}
	// Confirming rejects; the seat goes to the first waiter, as the sentence said.
	if resp := cl.org.Form("POST", path(holder), url.Values{"reason": {"时间冲突"}}); resp.StatusCode != 303 {
		t.Fatalf("confirm: %d", resp.StatusCode)
	}
	if a, b := statusOf(t, db, id, c.Secretaries[0][0]), statusOf(t, db, id, c.Secretaries[0][1]); a != seats.StatusRejected || b != seats.StatusPending {
		t.Fatalf("after confirming: %s, %s", a, b)
	}
	if st, _ := cl.org.Get(path(holder)); st != 409 {
		t.Fatalf("rejected already: %d", st)
	}
}

// Saving the tour form asks first when it publishes a draft (or ends sign-ups); the
// question carries every value typed, 不 brings the form back as typed.
func TestPublishAsksFirst(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := newServer(t, db)
	cl := makeClients(t, srv, c)
	title := testdb.Unique("延安考察")
	f := url.Values{"title": {title}, "destination": {"陕西延安"}, "starts_on": {"2026-12-01"}, "ends_on": {"2026-12-03"},
		"signup_opens_at": {"2026-11-01T08:00"}, "signup_closes_at": {"2026-11-20T18:00"}, "cancel_deadline": {"2026-11-25T18:00"},
		"status": {"open"}, "total_seats": {"4"}, fmt.Sprintf("quota_%d", c.Townships[0]): {"2"}}
	created := func() int {
		var n int
		testdb.Get(t, db, &n, `SELECT count(*) FROM tours WHERE title = $1`, title)
		return n
	}
	st, html := body(t, cl.admin, "POST", "/admin/tours", f)
	if st != 200 || !strings.Contains(html, "确定发布「"+title+"」吗？") || !strings.Contains(html, "发布后全县支部书记都能看到该考察") ||
		!strings.Contains(html, `name="destination" value="陕西延安"`) || !strings.Contains(html, `name="confirmed" value="1"`) || created() != 0 {
		t.Fatalf("publish question: %d %s", st, html)
	}
	back := url.Values{"confirmed": {"back"}}
	for k, v := range f {
		back[k] = v
	}
	if st, html := body(t, cl.admin, "POST", "/admin/tours", back); st != 200 || !strings.Contains(html, `value="`+title+`"`) || created() != 0 {
		t.Fatalf("back to the form: %d %s", st, html)
	}
	f.Set("confirmed", "1")
	if resp := cl.admin.Form("POST", "/admin/tours", f); resp.StatusCode != 303 || created() != 1 {
		t.Fatalf("confirmed publish: %d", resp.StatusCode)
	}
	// A draft saves without a question; a form with errors shows them, not a question.
	f.Del("confirmed")
	f.Set("status", "draft")
	f.Set("title", title+"草稿")
	if resp := cl.admin.Form("POST", "/admin/tours", f); resp.StatusCode != 303 {
		t.Fatalf("draft: %d", resp.StatusCode)
	}
	f.Set("status", "open")
	f.Set("total_seats", "1")
	if resp := cl.admin.Form("POST", "/admin/tours", f); resp.StatusCode != 422 {
		t.Fatalf("bad form: %d", resp.StatusCode)
	}
}
