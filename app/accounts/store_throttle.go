package accounts

import (
	"context"
	"time"
)

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
func (s *Store) reserveAttempt(ctx context.Context, k attemptKeys) (throttleVerdict, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
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
func (s *Store) attemptSucceeded(ctx context.Context, k attemptKeys) error {
	if _, err := s.db.ExecContext(ctx, `
		INSERT INTO login_throttle (key, attempts, window_from, known_until)
		VALUES ($1, 0, now(), now() + $2 * interval '1 second')
		ON CONFLICT (key) DO UPDATE SET attempts = 0, window_from = now(), known_until = EXCLUDED.known_until`,
		k.pair, knownAddrFor.Seconds()); err != nil {
		return err
	}
	for _, key := range []string{k.addr, k.account} {
		if _, err := s.db.ExecContext(ctx, `UPDATE login_throttle SET attempts = greatest(attempts - 1, 0) WHERE key = $1`, key); err != nil {
			return err
		}
	}
	return nil
}

// sweepThrottle deletes counters whose window ended more than a day ago, keeping the
// known addresses until they expire.
func (s *Store) sweepThrottle(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM login_throttle
		WHERE window_from < now() - interval '1 day' AND (known_until IS NULL OR known_until < now())`)
	return err
}
