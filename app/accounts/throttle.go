package accounts

import (
	"context"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Login throttling, kept in PostgreSQL (table login_throttle, migrations/00050_login_identity.sql)
// so that every instance counts the same attempts.
//
// Every attempt takes a slot in three counters BEFORE the password is compared, in one
// transaction that holds the counters' rows locked: a burst of parallel tries is admitted
// one by one and at most the limit ever reaches the password check. A refused attempt
// takes no slot. A failed attempt keeps its slots (it is a failure); a successful one gives
// its slots back, resets its (account, address) counter and marks that address as known
// for the account.
//
// An account is its user id when the login text names one, so its username and phone
// share the counters; otherwise the normalized text. An address is the client IP, an IPv6
// client its /64 (one host usually owns a whole /64).
//
//   - (account, address): pairLimit tries per pairWindow. This is what stops guessing; it
//     cannot lock the owner out, who logs in from another address than the stranger.
//   - address: addrLimit tries per addrWindow, over all accounts (also unknown ones).
//   - account, from every address: accountLimit tries per accountWindow, a higher cap
//     against a stranger with many addresses. Beyond it the account is not locked: an
//     address the account logged in from within knownAddrFor still gets in (subject to
//     its own pair limit); any other address is asked to wait the rest of the short window.
const (
	pairLimit     = 5
	pairWindow    = 15 * time.Minute
	addrLimit     = 30
	addrWindow    = 15 * time.Minute
	accountLimit  = 20
	accountWindow = 5 * time.Minute
	knownAddrFor  = 30 * 24 * time.Hour
	ipv6Prefix    = 64
)

// attemptKeys are the counter keys of one login attempt.
type attemptKeys struct {
	pair, addr, account string
}

// keysFor builds the counter keys for a login (the user it names, or nil) from a client
// address. Addresses never contain '|', so the pair key is unambiguous.
func keysFor(u *User, login, ip string) attemptKeys {
	acct := ""
	if u != nil {
		acct = "u:" + strconv.FormatInt(u.ID, 10)
	} else {
		login = strings.TrimSpace(login)
		if p := normalizePhone(login); p != "" {
			login = p
		}
		acct = "n:" + strings.ToLower(login)
	}
	addr := clientAddr(ip)
	return attemptKeys{pair: "pair:" + addr + "|" + acct, addr: "addr:" + addr, account: "acct:" + acct}
}

// clientAddr is the throttling key of a client IP: the address itself, or the /64 of an
// IPv6 address.
func clientAddr(ip string) string {
	a, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil {
		if ip = strings.ReplaceAll(strings.TrimSpace(ip), "|", ""); ip == "" {
			return "unknown"
		}
		if len(ip) > 64 {
			ip = ip[:64]
		}
		return ip
	}
	a = a.Unmap()
	if a.Is6() {
		if p, err := a.WithZone("").Prefix(ipv6Prefix); err == nil {
			return p.String()
		}
	}
	return a.String()
}

// throttleVerdict answers whether an attempt may check its password; when not, Wait is
// how long until the counter that refused it starts a new window.
type throttleVerdict struct {
	Allowed bool
	Wait    time.Duration
}

// countOne adds the attempt to one counter (starting a new window when the current one has
// ended) and returns the count, how long the window still runs, and whether the key is a
// known (account, address) pair.
const countOne = `
	INSERT INTO login_throttle AS t (key, attempts, window_from) VALUES ($1, 1, now())
	ON CONFLICT (key) DO UPDATE SET
		attempts    = CASE WHEN t.window_from <= now() - $2 * interval '1 second' THEN 1 ELSE t.attempts + 1 END,
		window_from = CASE WHEN t.window_from <= now() - $2 * interval '1 second' THEN now() ELSE t.window_from END
	RETURNING t.attempts,
		greatest(extract(epoch FROM t.window_from + $2 * interval '1 second' - now()), 0)::float8,
		coalesce(t.known_until > now(), false)`

// reserveAttempt takes the attempt's slots, or none when one counter is full. The rows are
// locked in the fixed order pair → address → account, so concurrent attempts wait for
// each other (and see each other's counts) and never deadlock.
func reserveAttempt(ctx context.Context, db *sqlx.DB, k attemptKeys) (throttleVerdict, error) {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return throttleVerdict{}, err
	}
	defer tx.Rollback()
	var known bool
	for _, c := range []struct {
		key    string
		limit  int
		window time.Duration
	}{{k.pair, pairLimit, pairWindow}, {k.addr, addrLimit, addrWindow}, {k.account, accountLimit, accountWindow}} {
		var (
			n       int
			left    float64
			isKnown bool
		)
		if err := tx.QueryRowxContext(ctx, countOne, c.key, c.window.Seconds()).Scan(&n, &left, &isKnown); err != nil {
			return throttleVerdict{}, err
		}
		if c.key == k.pair {
			known = isKnown
		}
		if n > c.limit && !(c.key == k.account && known) {
			// Rolled back: a refused attempt takes no slot anywhere.
			return throttleVerdict{Wait: time.Duration(left * float64(time.Second))}, nil
		}
	}
	return throttleVerdict{Allowed: true}, tx.Commit()
}

// attemptSucceeded gives a successful attempt's slots back, resets its (account, address)
// counter and remembers the address as known for the account. One row per statement, so
// it never holds one row while waiting for another.
func attemptSucceeded(ctx context.Context, db *sqlx.DB, k attemptKeys) error {
	if _, err := db.ExecContext(ctx, `
		INSERT INTO login_throttle (key, attempts, window_from, known_until)
		VALUES ($1, 0, now(), now() + $2 * interval '1 second')
		ON CONFLICT (key) DO UPDATE SET attempts = 0, window_from = now(), known_until = EXCLUDED.known_until`,
		k.pair, knownAddrFor.Seconds()); err != nil {
		return err
	}
	for _, key := range []string{k.addr, k.account} {
		if _, err := db.ExecContext(ctx, `UPDATE login_throttle SET attempts = greatest(attempts - 1, 0) WHERE key = $1`, key); err != nil {
			return err
		}
	}
	return nil
}

// sweepThrottle deletes counters whose window ended more than a day ago, keeping the
// known addresses until they expire.
func sweepThrottle(ctx context.Context, db *sqlx.DB) error {
	_, err := db.ExecContext(ctx, `DELETE FROM login_throttle
		WHERE window_from < now() - interval '1 day' AND (known_until IS NULL OR known_until < now())`)
	return err
}

// throttledMessage tells in Chinese when to try again.
func throttledMessage(wait time.Duration) string {
	mins := int(math.Ceil(wait.Minutes()))
	if mins < 1 {
		mins = 1
	}
	return fmt.Sprintf("登录尝试次数过多，请 %d 分钟后再试", mins)
}
