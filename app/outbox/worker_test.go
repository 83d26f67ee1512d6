package outbox

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"zhibu/app/testdb"
	"zhibu/app/web"
)

// A delivery reaches the receiver signed (HMAC-SHA256 of the exact body with the shared
// secret), with the row's id in the body and in X-Zhibu-Delivery, the person's phone,
// the text and the absolute link; the row is then sent.
func TestDeliverySignedAndMarkedSent(t *testing.T) {
	f := setup(t, Config{})
	user := f.c.Secretaries[0][0]
	id := f.enqueue(t, user, web.MsgReminder)
	if n := f.pass(t); n != 1 {
		t.Fatalf("claimed %d rows, want 1", n)
	}
	f.rcv.check()
	if f.rcv.count(id) != 1 {
		t.Fatalf("receiver got row %d %d times", id, f.rcv.count(id))
	}
	d := f.rcv.bodies[0]
	var phone string
	testdb.Get(t, f.db, &phone, `SELECT phone FROM users WHERE id = $1`, user)
	if d.Phone != phone || d.Kind != web.MsgReminder || d.URL != "https://zhibu.example.gov.cn/courses/3" ||
		d.Text != "请于本周内完成必修课程\nhttps://zhibu.example.gov.cn/courses/3" || d.CreatedAt.IsZero() {
		t.Fatalf("delivery = %+v", d)
	}
	r := f.row(t, id)
	if r.Status != StatusSent || r.Attempts != 1 || r.SentAt == nil || r.LastError != "" {
		t.Fatalf("row = %+v", r)
	}
	if n := f.pass(t); n != 0 || f.rcv.requests() != 1 {
		t.Fatalf("a sent row was claimed again (%d) or sent again (%d requests)", n, f.rcv.requests())
	}

	// A receiver with another secret refuses the signature: the fake's check is real.
	other := NewWebhook(f.rcv.srv.URL, "another-secret-of-16-bytes", time.Second)
	if err := other.Send(context.Background(), Delivery{ID: 1, Phone: "13900000000", Text: "测试"}); err != nil {
		t.Fatal(err)
	}
	f.rcv.mu.Lock()
	bad := len(f.rcv.bad)
	f.rcv.bad = nil
	f.rcv.mu.Unlock()
	if bad != 1 {
		t.Fatalf("the receiver accepted a wrong signature")
	}
}

// A 5xx is tried again after the back-off (1 minute, then 2): not before, and sent once
// the receiver answers 2xx; the error of the failed attempts is kept until then.
func TestRetryAfterServerError(t *testing.T) {
	f := setup(t, Config{})
	f.rcv.answer = func(n int) int {
		if n <= 2 {
			return 503
		}
		return 204
	}
	id := f.enqueue(t, f.c.Secretaries[0][0], web.MsgTour)
	f.pass(t)
	r := f.row(t, id)
	if r.Status != StatusPending || r.Attempts != 1 || !r.NextAt.Equal(f.clk.Now().Add(time.Minute)) ||
		!strings.Contains(r.LastError, "503") {
		t.Fatalf("after a 503: %+v", r)
	}
	f.clk.Advance(59 * time.Second)
	if n := f.pass(t); n != 0 {
		t.Fatal("retried before its back-off")
	}
	f.clk.Advance(time.Second)
	f.pass(t)
	if r = f.row(t, id); r.Attempts != 2 || !r.NextAt.Equal(f.clk.Now().Add(2*time.Minute)) {
		t.Fatalf("after a second 503: %+v", r)
	}
	f.clk.Advance(2 * time.Minute)
	f.pass(t)
	f.rcv.check()
	if r = f.row(t, id); r.Status != StatusSent || r.Attempts != 3 || r.LastError != "" {
		t.Fatalf("after a 204: %+v", r)
	}
	if f.rcv.count(id) != 3 {
		t.Fatalf("receiver got %d requests for the row, want 3", f.rcv.count(id))
	}
}

// A receiver that keeps failing: the row is failed after MaxAttempts, its error kept,
// and not tried again.
func TestGivesUpAfterTheLimit(t *testing.T) {
	f := setup(t, Config{})
	f.rcv.answer = func(int) int { return 500 }
	id := f.enqueue(t, f.c.Secretaries[0][0], web.MsgNotice)
	for i := 1; i <= MaxAttempts; i++ {
		if n := f.pass(t); n != 1 {
			t.Fatalf("attempt %d: claimed %d rows", i, n)
		}
		f.clk.Advance(MaxBackoff)
	}
	r := f.row(t, id)
	if r.Status != StatusFailed || r.Attempts != MaxAttempts || !strings.Contains(r.LastError, "接收方返回 500") {
		t.Fatalf("after %d failures: %+v", MaxAttempts, r)
	}
	f.clk.Advance(24 * time.Hour)
	if n := f.pass(t); n != 0 || f.rcv.count(id) != MaxAttempts {
		t.Fatalf("a failed row was tried again: claimed %d, %d requests", n, f.rcv.count(id))
	}
	f.rcv.check()
}

// A 4xx other than 408 and 429 is the receiver refusing for good: failed at once. 408
// and 429 are tried again.
func TestClientErrorFailsAtOnce(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   string
	}{{400, StatusFailed}, {403, StatusFailed}, {422, StatusFailed}, {408, StatusPending}, {429, StatusPending}} {
		f := setup(t, Config{})
		f.rcv.answer = func(int) int { return tc.status }
		id := f.enqueue(t, f.c.Secretaries[0][0], web.MsgClass)
		f.pass(t)
		if r := f.row(t, id); r.Status != tc.want || r.Attempts != 1 || r.LastError == "" {
			t.Fatalf("after %d: %+v, want %s", tc.status, r, tc.want)
		}
	}
}

// A person without a phone number, or whose account is disabled, is skipped with the
// reason and never sent to.
func TestNoPhoneSkipped(t *testing.T) {
	f := setup(t, Config{})
	nophone, disabled := f.c.Secretaries[0][0], f.c.Secretaries[0][1]
	testdb.Exec(t, f.db, `UPDATE users SET phone = NULL WHERE id = $1`, nophone)
	testdb.Exec(t, f.db, `UPDATE users SET active = false WHERE id = $1`, disabled)
	a := f.enqueue(t, nophone, web.MsgDueSoon)
	b := f.enqueue(t, disabled, web.MsgDueSoon)
	f.pass(t)
	if r := f.row(t, a); r.Status != StatusSkipped || r.LastError != ReasonNoPhone || r.Attempts != 0 {
		t.Fatalf("no phone: %+v", r)
	}
	if r := f.row(t, b); r.Status != StatusSkipped || r.LastError != ReasonInactive {
		t.Fatalf("disabled: %+v", r)
	}
	if f.rcv.requests() != 0 {
		t.Fatalf("the receiver got %d requests", f.rcv.requests())
	}
}

// Several workers passing at once over the same rows (several app instances) send each
// row exactly once: the claim skips rows another worker holds and leases what it takes.
// The first request waits at the receiver until another arrives, so sends overlap.
func TestConcurrentPassesSendEachRowOnce(t *testing.T) {
	f := setup(t, Config{Batch: 7})
	var ids []int64
	for _, s := range append(f.c.Secretaries[0], f.c.Secretaries[1]...) {
		for range 10 {
			ids = append(ids, f.enqueue(t, s, web.MsgReminder))
		}
	}
	second := make(chan struct{})
	var once sync.Once
	f.rcv.hook = func(n int) {
		if n == 1 {
			select {
			case <-second:
			case <-time.After(10 * time.Second): // the safety of a broken test, not a measure
			}
			return
		}
		once.Do(func() { close(second) })
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		w := NewWorker(f.db, f.o, quiet())
		wg.Go(func() {
			for range 100 { // bounded: a broken claim must fail, not spin
				n, err := w.Pass(context.Background())
				if err != nil {
					errs <- err
					return
				}
				if n == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	f.rcv.check()
	for _, id := range ids {
		if n := f.rcv.count(id); n != 1 {
			t.Errorf("row %d sent %d times", id, n)
		}
	}
	var sent int
	testdb.Get(t, f.db, &sent, `SELECT count(*) FROM outbox WHERE status = 'sent'`)
	if sent != len(ids) || f.rcv.requests() != len(ids) {
		t.Fatalf("%d rows sent, %d requests, want %d", sent, f.rcv.requests(), len(ids))
	}
}

// While a worker holds a row (its send is slow), the row stays pending, and no other pass
// takes it until the lease ends; a row taken over after the lease is marked by the worker
// that holds it now, and the first worker's late answer changes nothing.
func TestLeaseHoldsTheRow(t *testing.T) {
	f := setup(t, Config{Lease: 5 * time.Minute, Timeout: time.Minute})
	id := f.enqueue(t, f.c.Secretaries[0][0], web.MsgFeedback)
	entered, release := make(chan struct{}), make(chan struct{})
	f.rcv.hook = func(n int) {
		if n == 1 {
			close(entered)
			<-release
		}
	}
	f.rcv.answer = func(n int) int {
		if n == 1 {
			return 500 // the slow first worker ends in a failure
		}
		return 200
	}
	done := make(chan error, 1)
	go func() { _, err := f.w.Pass(context.Background()); done <- err }()
	<-entered
	if r := f.row(t, id); r.Status != StatusPending || !r.NextAt.Equal(f.clk.Now().Add(5*time.Minute)) {
		t.Fatalf("in flight: %+v", r)
	}
	other := NewWorker(f.db, f.o, quiet())
	if n, err := other.Pass(context.Background()); err != nil || n != 0 {
		t.Fatalf("another pass took a leased row: %d, %v", n, err)
	}
	f.clk.Advance(5 * time.Minute)
	if n, err := other.Pass(context.Background()); err != nil || n != 1 {
		t.Fatalf("the row was not taken over after its lease: %d, %v", n, err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if r := f.row(t, id); r.Status != StatusSent || r.Attempts != 1 {
		t.Fatalf("the late failure changed the row: %+v", r)
	}
	if f.rcv.count(id) != 2 {
		t.Fatalf("receiver got %d requests, want 2 (once per lease)", f.rcv.count(id))
	}
}

// A pass whose context ends (the app stops) while it sends releases the row it was
// sending and those it did not reach: due again at once, no attempt counted.
func TestStoppingReleasesRows(t *testing.T) {
	f := setup(t, Config{})
	a := f.enqueue(t, f.c.Secretaries[0][0], web.MsgReminder)
	b := f.enqueue(t, f.c.Secretaries[0][1], web.MsgReminder)
	ctx, cancel := context.WithCancel(context.Background())
	sends := 0
	o := New(Config{Now: f.clk.Now, Sender: SenderFunc(func(sctx context.Context, d Delivery) error {
		sends++
		cancel()
		<-sctx.Done()
		return sctx.Err()
	})})
	if _, err := NewWorker(f.db, o, quiet()).Pass(ctx); err != nil {
		t.Fatal(err)
	}
	if sends != 1 {
		t.Fatalf("%d sends after the stop, want 1", sends)
	}
	for _, id := range []int64{a, b} {
		if r := f.row(t, id); r.Status != StatusPending || r.Attempts != 0 || !r.NextAt.Equal(f.clk.Now()) || r.LastError != "" {
			t.Fatalf("row %d after a stop: %+v", id, r)
		}
	}
	f.pass(t)
	if f.row(t, a).Status != StatusSent || f.row(t, b).Status != StatusSent {
		t.Fatal("released rows were not sent later")
	}
}
