package web

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lib/pq"
)

// The session cache: every request names its session, and looking it up was the largest
// single cost of an exam morning (issue 17). Each instance keeps session → identity for a
// few seconds (DefaultSessionCacheTTL), bounded in size, and drops entries the moment any
// instance changes what they say: the database announces every ended session and every
// change of a user's sign-in facts on the channel zhibu_sessions
// (migrations/00077_session_notify.sql), and Sessions.Listen applies those notifications.
//
// Correctness across instances, in three rules:
//   - The cache is used only while this instance's notification connection is up; while it
//     is down (and once when it comes back) the cache is emptied and every request reads
//     PostgreSQL.
//   - An entry lives at most the TTL, so a notification lost without the connection
//     noticing (a silent network drop) leaves an ended session usable for at most the TTL.
//   - A lookup caches what it read only if no invalidation arrived while it was reading
//     (gen), so a notification racing a read never leaves a stale entry behind.

// DefaultSessionCacheTTL is how long an instance trusts a cached session unless
// configured. Notifications make logouts and changes take effect at once; the TTL is the
// last bound when they cannot, and it is long enough for a phone answering every 5–20 s
// to find its session cached.
const DefaultSessionCacheTTL = 30 * time.Second

// sessionCacheMax bounds the cache: a county's secretaries all online at once fit.
const sessionCacheMax = 20000

// sessionChannel is the NOTIFY channel of migrations/00077_session_notify.sql.
const sessionChannel = "zhibu_sessions"

type cachedSession struct {
	ident   Identity  // with its csrf token and session id
	expires time.Time // the session's own expiry
	until   time.Time // the entry's end: read at most TTL ago
}

type sessionCache struct {
	ttl time.Duration
	max int

	mu   sync.Mutex
	live bool   // the notification connection is up: only then entries are used
	gen  uint64 // bumped by every invalidation
	m    map[string]cachedSession
}

// newSessionCache returns a cache trusting entries for ttl; nil (no cache) when ttl <= 0.
func newSessionCache(ttl time.Duration, max int) *sessionCache {
	if ttl <= 0 {
		return nil
	}
	return &sessionCache{ttl: ttl, max: max, m: map[string]cachedSession{}}
}

// get returns a copy of the cached identity of session id when it may be trusted now.
func (c *sessionCache) get(id string, now time.Time) (*Identity, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || !c.live {
		return nil, false
	}
	if !now.Before(e.until) || !now.Before(e.expires) {
		delete(c.m, id)
		return nil, false
	}
	ident := e.ident
	return &ident, true
}

// begin starts a lookup: it returns the generation to hand to put, and whether caching
// is possible at all.
func (c *sessionCache) begin() (uint64, bool) {
	if c == nil {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen, c.live
}

// put caches what a lookup that began at gen read, unless something was invalidated since.
func (c *sessionCache) put(id string, gen uint64, ident Identity, expires, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || !c.live {
		return
	}
	if len(c.m) >= c.max {
		for k, e := range c.m {
			if !now.Before(e.until) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= c.max {
			clear(c.m)
		}
	}
	c.m[id] = cachedSession{ident: ident, expires: expires, until: now.Add(c.ttl)}
}

// dropSession forgets one session.
func (c *sessionCache) dropSession(id string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, id)
}

// dropUser forgets every session of a user.
func (c *sessionCache) dropUser(userID int64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.m {
		if e.ident.UserID == userID {
			delete(c.m, k)
		}
	}
}

// setLive empties the cache and says whether notifications are arriving.
func (c *sessionCache) setLive(live bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.live = live
	clear(c.m)
}

// apply applies one notification of zhibu_sessions: "s:<session id>" or "u:<user id>";
// anything else (or nil, after a reconnect) empties the cache.
func (c *sessionCache) apply(payload string) {
	switch {
	case strings.HasPrefix(payload, "s:"):
		c.dropSession(payload[2:])
	case strings.HasPrefix(payload, "u:"):
		if id, err := strconv.ParseInt(payload[2:], 10, 64); err == nil {
			c.dropUser(id)
			return
		}
		fallthrough
	default:
		c.mu.Lock()
		c.gen++
		clear(c.m)
		c.mu.Unlock()
	}
}

// sessionPing is how often the notification connection is checked, and pingTimeout how
// long a check may take: a drop, even a silent one, turns the cache off within about
// their sum; the TTL bounds what is left behind in any case.
const (
	sessionPing = 5 * time.Second
	pingTimeout = 3 * time.Second
)

// Listen applies the database's session notifications to this instance's cache until
// ctx ends; dsn is the database's connection string. Without it running, the cache is
// never used. It returns once notifications arrive (or after a few seconds when the
// database cannot be reached: the listener keeps reconnecting by itself).
func (s *Sessions) Listen(ctx context.Context, dsn string, log *slog.Logger) {
	c := s.cache
	if c == nil {
		return
	}
	if log == nil {
		log = slog.Default()
	}
	l := pq.NewListener(dsn, 200*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventReconnected: // the channel is listened to again (pq resyncs first)
			c.setLive(true)
		case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
			if c.liveNow() {
				log.Warn("session notifications lost: sessions are read from the database until they are back", "err", err)
			}
			c.setLive(false)
		}
	})
	go func() {
		<-ctx.Done()
		l.Close() // also ends a Listen still waiting for its first connection
	}()
	started := make(chan struct{})
	go func() {
		defer c.setLive(false)
		// Listen returns once the channel is listened to on a live connection (it waits
		// for the first connection); only then may the cache be trusted.
		if err := l.Listen(sessionChannel); err != nil {
			log.Warn("session notifications: listen", "err", err)
			return
		}
		c.setLive(true)
		close(started)
		ping := time.NewTicker(sessionPing)
		defer ping.Stop()
		// A silent network drop can leave a ping waiting for minutes: past pingTimeout
		// the connection counts as lost (the cache is off) until a ping answers again or
		// pq reconnects. One ping at a time.
		var pinging chan error
		var pingLate <-chan time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case n := <-l.Notify:
				if n == nil { // reconnected: what was missed is unknown
					c.apply("")
					continue
				}
				c.apply(n.Extra)
			case <-ping.C:
				if pinging == nil {
					pinging, pingLate = make(chan error, 1), time.After(pingTimeout)
					go func(done chan<- error) { done <- l.Ping() }(pinging)
				}
			case err := <-pinging:
				pinging, pingLate = nil, nil
				if err != nil {
					c.setLive(false)
				} else if !c.liveNow() {
					c.setLive(true) // answering again: notifications flow (emptied first)
				}
			case <-pingLate:
				pingLate = nil
				c.setLive(false)
			}
		}
	}()
	select {
	case <-started:
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		log.Warn("session notifications not yet listening: sessions are read from the database until they are")
	}
}

func (c *sessionCache) liveNow() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live
}
