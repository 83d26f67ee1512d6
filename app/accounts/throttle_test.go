package accounts

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// resetThrottle empties the login counters now and after the test: every HTTP request of
// app.Test comes from the same address, so one test's failures would count against the next.
func resetThrottle(t *testing.T, db *sqlx.DB) {
	t.Helper()
	testdb.Exec(t, db, `DELETE FROM login_throttle`)
	t.Cleanup(func() { testdb.Exec(t, db, `DELETE FROM login_throttle`) })
}

// authStore gives direct access to Authenticate, to try logins from chosen addresses.
func authStore(t *testing.T) *Store {
	srv := newServer(t)
	return NewStore(srv.DB, srv.Sessions, srv.Logger())
}

// statusOf is the HTTP status Authenticate's answer would get (200 for success).
func statusOf(err error) int {
	if err == nil {
		return 200
	}
	return web.AsError(errorTable.Map(err)).Status
}

// burst sends n logins at once over HTTP and counts the answers by status.
func burst(t *testing.T, srv *web.Server, n int, username func(i int) string, password string) map[int]int {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		start = make(chan struct{})
		got   = map[int]int{}
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			st, _ := webtest.New(t, srv.App).JSON("POST", "/api/v1/session", map[string]string{"username": username(i), "password": password})
			mu.Lock()
			got[st]++
			mu.Unlock()
		}(i)
	}
	close(start)
	wg.Wait()
	return got
}

// A burst of parallel wrong passwords on one account: at most pairLimit of them reach the
// password check (401); every other one is refused before it (429).
func TestParallelWrongPasswordsOnOneAccountCheckAtMostTheLimit(t *testing.T) {
	db := testdb.DB(t)
	srv := newServer(t)
	resetThrottle(t, db)
	uname := testdb.Unique("burst")
	testdb.User(t, db, "admin", uname, 0, 0)

	got := burst(t, srv, 100, func(int) string { return uname }, "wrong-password")
	if got[401] != pairLimit || got[429] != 100-pairLimit {
		t.Fatalf("100 parallel wrong passwords: %v, want %d × 401 (checked) and the rest 429", got, pairLimit)
	}
}

// A burst from one address over many accounts: at most addrLimit reach the password check.
func TestParallelLoginsFromOneAddressCheckAtMostTheAddressLimit(t *testing.T) {
	db := testdb.DB(t)
	srv := newServer(t)
	resetThrottle(t, db)
	prefix := testdb.Unique("spray")
	got := burst(t, srv, 120, func(i int) string { return fmt.Sprintf("%s-%d", prefix, i) }, "wrong-password")
	if got[401] != addrLimit || got[429] != 120-addrLimit {
		t.Fatalf("120 parallel logins from one address: %v, want %d × 401 and the rest 429", got, addrLimit)
	}
}

// The address limit at its boundary: the limit-th try is checked, the next is refused,
// even with the right password of a real account; another address is not affected.
func TestAddressLimitBoundary(t *testing.T) {
	db := testdb.DB(t)
	h := authStore(t)
	resetThrottle(t, db)
	uname := testdb.Unique("boundary")
	testdb.User(t, db, "admin", uname, 0, 0)
	ctx := t.Context()
	const ip = "198.51.100.7"
	for i := 1; i <= addrLimit; i++ {
		if _, err := h.Authenticate(ctx, testdb.Unique("nobody"), "wrong-password", ip); statusOf(err) != 401 {
			t.Fatalf("try %d of %d from one address: %v, want 401", i, addrLimit, err)
		}
	}
	if _, err := h.Authenticate(ctx, testdb.Unique("nobody"), "wrong-password", ip); statusOf(err) != 429 {
		t.Fatalf("try %d from one address: %v, want 429", addrLimit+1, err)
	}
	if _, err := h.Authenticate(ctx, uname, testdb.Password, ip); statusOf(err) != 429 {
		t.Fatalf("right password from the exhausted address: %v, want 429", err)
	}
	if u, err := h.Authenticate(ctx, uname, testdb.Password, "198.51.100.8"); err != nil || u == nil {
		t.Fatalf("right password from another address: %v", err)
	}
	// The refused tries took no slot: the counter stopped at the limit.
	var n int
	testdb.Get(t, db, &n, `SELECT attempts FROM login_throttle WHERE key = 'addr:198.51.100.7'`)
	if n != addrLimit {
		t.Fatalf("address counter = %d, want %d", n, addrLimit)
	}
}

// The per-address limit as documented (README.md): 30 tries per 15 minutes from one
// address over all accounts. The numbers are written out, not taken from addrLimit and
// addrWindow, so that changing either is caught. Each try is on another real account, so
// no other counter comes near its own limit: the 30th try is still checked, the 31st is
// refused even with the right password, and it stays refused until 15 minutes have passed.
func TestAddressLimitIsThirtyPerFifteenMinutes(t *testing.T) {
	const limit, window = 30, 15 * time.Minute
	db := testdb.DB(t)
	h := authStore(t)
	resetThrottle(t, db)
	const ip = "198.51.100.30"
	names := make([]string, limit+1)
	for i := range names {
		names[i] = testdb.Unique("spread")
		testdb.User(t, db, "admin", names[i], 0, 0)
	}
	ctx := t.Context()
	for i := 0; i < limit; i++ {
		if _, err := h.Authenticate(ctx, names[i], "wrong-password", ip); statusOf(err) != 401 {
			t.Fatalf("try %d of %d from one address, account %d: %v, want 401 (checked)", i+1, limit, i+1, err)
		}
	}
	if _, err := h.Authenticate(ctx, names[limit], testdb.Password, ip); statusOf(err) != 429 {
		t.Fatalf("try %d from one address, right password of a fresh account: %v, want 429", limit+1, err)
	}
	age := func(d time.Duration) {
		testdb.Exec(t, db, `UPDATE login_throttle SET window_from = now() - $2 * interval '1 second' WHERE key = $1`,
			"addr:"+ip, d.Seconds())
	}
	age(window - 10*time.Second)
	if _, err := h.Authenticate(ctx, names[limit], testdb.Password, ip); statusOf(err) != 429 {
		t.Fatalf("10 seconds before the window ends: %v, want 429", err)
	}
	age(window)
	if u, err := h.Authenticate(ctx, names[limit], testdb.Password, ip); err != nil || u == nil {
		t.Fatalf("once the window has ended: %v, want a login", err)
	}
}

// An IPv6 client is counted by its /64: hopping addresses inside it does not help.
func TestIPv6ClientsAreCountedByTheirPrefix(t *testing.T) {
	db := testdb.DB(t)
	h := authStore(t)
	resetThrottle(t, db)
	uname := testdb.Unique("six")
	testdb.User(t, db, "admin", uname, 0, 0)
	ctx := t.Context()
	for i := 1; i <= pairLimit; i++ {
		if _, err := h.Authenticate(ctx, uname, "wrong-password", fmt.Sprintf("2001:db8:1:2::%x", i)); statusOf(err) != 401 {
			t.Fatalf("try %d: %v", i, err)
		}
	}
	if _, err := h.Authenticate(ctx, uname, "wrong-password", "2001:db8:1:2:ffff::1"); statusOf(err) != 429 {
		t.Fatalf("another address of the same /64: %v, want 429", err)
	}
	if got := clientAddr("::ffff:192.0.2.1"); got != "192.0.2.1" {
		t.Fatalf("IPv4-mapped address keyed as %q", got)
	}
}

// Username and phone are one account: their failures share one counter.
func TestUsernameAndPhoneShareOneCounter(t *testing.T) {
	db := testdb.DB(t)
	h := authStore(t)
	resetThrottle(t, db)
	uname := testdb.Unique("both")
	id := testdb.User(t, db, "admin", uname, 0, 0)
	var phone string
	testdb.Get(t, db, &phone, `SELECT phone FROM users WHERE id = $1`, id)
	ctx := t.Context()
	const ip = "192.0.2.10"
	for i := 0; i < pairLimit; i++ {
		login := uname
		if i%2 == 1 {
			login = phone
		}
		if _, err := h.Authenticate(ctx, login, "wrong-password", ip); statusOf(err) != 401 {
			t.Fatalf("try %d (%s): %v", i+1, login, err)
		}
	}
	for _, login := range []string{uname, phone, phone[:3] + " " + phone[3:7] + " " + phone[7:]} {
		if _, err := h.Authenticate(ctx, login, "wrong-password", ip); statusOf(err) != 429 {
			t.Fatalf("login %q after %d failures split over username and phone: %v, want 429", login, pairLimit, err)
		}
	}
}

// A stranger who used up the account's tries from their address does not lock the owner
// out: the owner, from their own address, logs in.
func TestStrangerCannotLockTheOwnerOut(t *testing.T) {
	db := testdb.DB(t)
	h := authStore(t)
	resetThrottle(t, db)
	// The county admin is the account most worth locking.
	uname := testdb.Unique("countyadmin")
	testdb.User(t, db, "admin", uname, 0, 0)
	ctx := t.Context()
	const stranger, owner = "203.0.113.66", "192.0.2.20"
	for i := 0; i < pairLimit+3; i++ {
		want := 401
		if i >= pairLimit {
			want = 429
		}
		if _, err := h.Authenticate(ctx, uname, "guess", stranger); statusOf(err) != want {
			t.Fatalf("stranger's try %d: %v, want %d", i+1, err, want)
		}
	}
	if _, err := h.Authenticate(ctx, uname, testdb.Password, stranger); statusOf(err) != 429 {
		t.Fatalf("stranger after %d failures: %v, want 429", pairLimit, err)
	}
	if u, err := h.Authenticate(ctx, uname, testdb.Password, owner); err != nil || u == nil {
		t.Fatalf("owner from their own address while the stranger is locked out: %v", err)
	}
}

// Beyond the account's cap across addresses, addresses the account logged in from still
// get in; others wait for the short window (no long lock).
func TestAccountCapSparesKnownAddresses(t *testing.T) {
	db := testdb.DB(t)
	h := authStore(t)
	resetThrottle(t, db)
	uname := testdb.Unique("target")
	id := testdb.User(t, db, "admin", uname, 0, 0)
	ctx := t.Context()
	const home = "192.0.2.30"
	if _, err := h.Authenticate(ctx, uname, testdb.Password, home); err != nil {
		t.Fatalf("owner's first login: %v", err)
	}
	// A stranger spreads accountLimit wrong tries over several addresses, each under the
	// pair limit.
	for i := 0; i < accountLimit; i++ {
		ip := fmt.Sprintf("203.0.113.%d", i/pairLimit+1)
		if _, err := h.Authenticate(ctx, uname, "guess", ip); statusOf(err) != 401 {
			t.Fatalf("spread try %d from %s: %v, want 401", i+1, ip, err)
		}
	}
	_, err := h.Authenticate(ctx, uname, "guess", "203.0.113.200")
	we := web.AsError(errorTable.Map(err))
	if we.Status != 429 || !strings.Contains(we.Message, "分钟后再试") {
		t.Fatalf("try beyond the account cap from a new address: %v, want 429 with when to retry", err)
	}
	if !strings.Contains(we.Message, fmt.Sprintf("%d 分钟", int(accountWindow.Minutes()))) {
		t.Fatalf("account cap waits the short window: %q", we.Message)
	}
	if u, err := h.Authenticate(ctx, uname, testdb.Password, home); err != nil || u == nil {
		t.Fatalf("owner from the known address during the attack: %v", err)
	}
	// Within reason: from an address never used, the owner waits like the stranger …
	if _, err := h.Authenticate(ctx, uname, testdb.Password, "192.0.2.31"); statusOf(err) != 429 {
		t.Fatalf("owner from a new address during the attack: %v, want 429", err)
	}
	// … until the short window ends.
	testdb.Exec(t, db, `UPDATE login_throttle SET window_from = window_from - $2 * interval '1 second' WHERE key = $1`,
		fmt.Sprintf("acct:u:%d", id), accountWindow.Seconds())
	if u, err := h.Authenticate(ctx, uname, testdb.Password, "192.0.2.31"); err != nil || u == nil {
		t.Fatalf("owner from a new address after the window: %v", err)
	}
}

// A successful login clears its (account, address) counter; a failure does not.
func TestSuccessClearsTheAddressCounter(t *testing.T) {
	db := testdb.DB(t)
	h := authStore(t)
	resetThrottle(t, db)
	uname := testdb.Unique("clears")
	testdb.User(t, db, "admin", uname, 0, 0)
	ctx := t.Context()
	const ip = "192.0.2.40"
	for i := 0; i < pairLimit-1; i++ {
		if _, err := h.Authenticate(ctx, uname, "typo", ip); statusOf(err) != 401 {
			t.Fatalf("typo %d: %v, want 401", i+1, err)
		}
	}
	if _, err := h.Authenticate(ctx, uname, testdb.Password, ip); err != nil {
		t.Fatalf("login after %d typos: %v", pairLimit-1, err)
	}
	for i := 0; i < pairLimit; i++ {
		if _, err := h.Authenticate(ctx, uname, "typo", ip); statusOf(err) != 401 {
			t.Fatalf("typo %d after a successful login: %v, want 401 (counter cleared)", i+1, err)
		}
	}
	if _, err := h.Authenticate(ctx, uname, "typo", ip); statusOf(err) != 429 {
		t.Fatalf("typo %d: %v, want 429", pairLimit+1, err)
	}
}

// The sweeper drops ended windows but keeps the addresses an account is known from.
func TestSweepThrottle(t *testing.T) {
	db := testdb.DB(t)
	resetThrottle(t, db)
	testdb.Exec(t, db, `INSERT INTO login_throttle (key, attempts, window_from, known_until) VALUES
		('old', 3, now() - interval '2 days', NULL),
		('fresh', 3, now(), NULL),
		('known', 0, now() - interval '2 days', now() + interval '1 day'),
		('forgotten', 0, now() - interval '40 days', now() - interval '1 day')`)
	if err := NewStore(db, nil, nil).sweepThrottle(t.Context()); err != nil {
		t.Fatal(err)
	}
	var left []string
	if err := db.Select(&left, `SELECT key FROM login_throttle ORDER BY key`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(left, ",") != "fresh,known" {
		t.Fatalf("after the sweep: %v, want fresh,known", left)
	}
}
