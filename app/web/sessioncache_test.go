package web_test

import (
	"context"
	"testing"
	"time"

	"zhibu/app/testdb"
	"zhibu/app/web"
)

// Two instances of the platform on one database, as behind a load balancer. Each caches
// the sessions it reads (app/web/sessioncache.go); a change on one instance — logout,
// password change, deactivation, a new role or township — is refused on the other within
// the bound. The TTL here is a minute, so a refusal within a few seconds can only come
// from the notification, not from the entry aging out.
func TestSessionCacheAcrossInstances(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	newInstance := func(ttl time.Duration, listen bool) *web.Server {
		srv, err := web.New(db, web.Config{SessionCacheTTL: ttl})
		if err != nil {
			t.Fatal(err)
		}
		if listen {
			srv.Sessions.Listen(ctx, testdb.URL(t), nil)
		}
		return srv
	}
	a := newInstance(time.Minute, true)
	b := newInstance(time.Minute, true)

	// login opens a session on a and reads it once on b (now cached there): b's cache
	// is in use, shown by its serving the identity after the session row is gone from
	// under it without a notification (the trigger is skipped for this check).
	login := func(t *testing.T, userID int64) string {
		t.Helper()
		token, _, err := a.Sessions.Create(ctx, userID, "127.0.0.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "b reads the new session", 5*time.Second, func() bool {
			ident, err := b.Sessions.Lookup(ctx, token)
			return err == nil && ident != nil && ident.UserID == userID
		})
		return token
	}
	refusedOnB := func(t *testing.T, token string) {
		t.Helper()
		waitFor(t, "b refuses the session", 5*time.Second, func() bool {
			ident, err := b.Sessions.Lookup(ctx, token)
			return err == nil && ident == nil
		})
	}
	secretary := c.Secretaries[0][0]

	t.Run("b serves from its cache", func(t *testing.T) {
		token := login(t, secretary)
		// Remove the session without announcing it (replica role skips the trigger):
		// b still answers from its cache, which is what makes the other cases meaningful.
		tx := db.MustBegin()
		tx.MustExec(`SET LOCAL session_replication_role = replica`)
		tx.MustExec(`DELETE FROM sessions WHERE user_id = $1`, secretary)
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if ident, err := b.Sessions.Lookup(ctx, token); err != nil || ident == nil {
			t.Fatalf("b should still hold the unannounced session in its cache: %v %v", ident, err)
		}
		if ident, err := a.Sessions.Lookup(ctx, token); err != nil || ident != nil {
			t.Fatalf("a never cached it and must read the database: %v %v", ident, err)
		}
	})
	t.Run("logout on a", func(t *testing.T) {
		token := login(t, secretary)
		if err := a.Sessions.Delete(ctx, token); err != nil {
			t.Fatal(err)
		}
		refusedOnB(t, token)
	})
	t.Run("password change signs out the other sessions", func(t *testing.T) {
		token := login(t, secretary)
		testdb.Exec(t, db, `UPDATE users SET password_hash = 'changed' WHERE id = $1`, secretary)
		if err := a.Sessions.DeleteUser(ctx, secretary); err != nil {
			t.Fatal(err)
		}
		refusedOnB(t, token)
	})
	t.Run("deactivation", func(t *testing.T) {
		token := login(t, secretary)
		testdb.Exec(t, db, `UPDATE users SET active = false WHERE id = $1`, secretary)
		refusedOnB(t, token)
		testdb.Exec(t, db, `UPDATE users SET active = true WHERE id = $1`, secretary)
	})
	t.Run("a new role or township is seen at once", func(t *testing.T) {
		organizer := c.Organizers[0]
		token := login(t, organizer)
		testdb.Exec(t, db, `UPDATE users SET township_id = $2 WHERE id = $1`, organizer, c.Townships[1])
		waitFor(t, "b sees the new township", 5*time.Second, func() bool {
			ident, err := b.Sessions.Lookup(ctx, token)
			return err == nil && ident != nil && ident.TownshipID == c.Townships[1]
		})
		testdb.Exec(t, db, `UPDATE users SET role = 'secretary', branch_id = $2 WHERE id = $1`, organizer, c.Branches[1][0])
		waitFor(t, "b sees the new role", 5*time.Second, func() bool {
			ident, err := b.Sessions.Lookup(ctx, token)
			return err == nil && ident != nil && ident.Role == web.RoleSecretary
		})
		testdb.Exec(t, db, `UPDATE users SET role = 'organizer', branch_id = NULL, township_id = $2 WHERE id = $1`, organizer, c.Townships[0])
	})
}

// Without notifications (the connection dropped silently) an ended session is refused
// once the entry's TTL has passed: the bound holds without the listener. An instance
// whose listener never started does not cache at all.
func TestSessionCacheBoundWithoutNotifications(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const ttl = 700 * time.Millisecond
	a, err := web.New(db, web.Config{SessionCacheTTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	b, err := web.New(db, web.Config{SessionCacheTTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	b.Sessions.Listen(ctx, testdb.URL(t), nil)
	user := c.Secretaries[0][1]
	token, _, err := a.Sessions.Create(ctx, user, "127.0.0.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "b caches the session", 5*time.Second, func() bool {
		ident, _ := b.Sessions.Lookup(ctx, token)
		return ident != nil
	})
	// The session ends without a notification reaching b.
	tx := db.MustBegin()
	tx.MustExec(`SET LOCAL session_replication_role = replica`)
	tx.MustExec(`DELETE FROM sessions WHERE user_id = $1`, user)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	ended := time.Now()
	waitFor(t, "b drops the session after its TTL", 5*time.Second, func() bool {
		ident, _ := b.Sessions.Lookup(ctx, token)
		return ident == nil
	})
	if since := time.Since(ended); since > ttl+2*time.Second {
		t.Fatalf("the stale session lived %v, beyond its TTL %v", since, ttl)
	}
	// a never listened: it must not cache, so it refuses the ended session at once.
	token2, _, err := a.Sessions.Create(ctx, user, "127.0.0.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	if ident, _ := a.Sessions.Lookup(ctx, token2); ident == nil {
		t.Fatal("a fresh session must be found")
	}
	tx = db.MustBegin()
	tx.MustExec(`SET LOCAL session_replication_role = replica`)
	tx.MustExec(`DELETE FROM sessions WHERE user_id = $1`, user)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if ident, _ := a.Sessions.Lookup(ctx, token2); ident != nil {
		t.Fatal("an instance without notifications must not serve sessions from a cache")
	}
}

// waitFor polls cond every 20 ms until it holds or the bound passes.
func waitFor(t *testing.T, what string, bound time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, bound)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
