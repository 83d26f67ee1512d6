package accounts

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
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

// throttledMessage tells in Chinese when to try again.
func throttledMessage(wait time.Duration) string {
	mins := int(math.Ceil(wait.Minutes()))
	if mins < 1 {
		mins = 1
	}
	return fmt.Sprintf("登录尝试次数过多，请 %d 分钟后再试", mins)
}
