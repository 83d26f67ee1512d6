package tours

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"

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
	if a, b := statusOf(t, db, id, c.Secretaries[0][0]), statusOf(t, db, id, c.Secretaries[0][1]); a != StatusPending || b != StatusWaitlisted {
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
	if a, b := statusOf(t, db, id, c.Secretaries[0][0]), statusOf(t, db, id, c.Secretaries[0][1]); a != StatusCancelled || b != StatusPending {
		t.Fatalf("after confirming: %s, %s", a, b)
	}
	if st, _ := cl.sec.Get(page + "/cancel"); st != 404 {
		t.Fatalf("cancelled already: %d", st)
	}
}

// A rejection whose reason is missing or too long brings the desk back with the message
// next to the reason field and the text as typed; nothing is rejected.
func TestRejectReasonStaysOnDesk(t *testing.T) {
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
		i := strings.Index(html, fmt.Sprintf(`id="signup-%d"`, sid))
		if st != 422 || i < 0 {
			t.Fatalf("reject with %q: %d, want the desk with the sign-up: %s", q.typed, st, html)
		}
		form := html[i:]
		if !strings.Contains(form, `value="`+q.typed+`"`) || !strings.Contains(form, `<p class="field-error" role="alert">`+q.msg+`</p>`) {
			t.Fatalf("reject with %q: the field must keep the text and say %q: %s", q.typed, q.msg, form)
		}
	}
	if st := statusOf(t, db, id, c.Secretaries[0][0]); st != StatusPending {
		t.Fatalf("rejected without a reason: %s", st)
	}
	if resp := cl.org.Form("POST", reject, url.Values{"reason": {"时间冲突"}}); resp.StatusCode != 303 {
		t.Fatalf("reject with reason: %d", resp.StatusCode)
	}
}
