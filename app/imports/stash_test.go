package imports_test

import (
	"context"
	"sync"
	"testing"

	"zhibu/app/imports"
	"zhibu/app/testdb"
)

func TestUploadPreviewsAreCappedPerUserAndSwept(t *testing.T) {
	db := testdb.DB(t)
	county := testdb.MakeCounty(t, db)
	ctx := context.Background()
	me, other := county.Organizers[0], county.Admin
	count := func(user int64) (n int, bytes int64) {
		t.Helper()
		if err := db.QueryRowContext(ctx, `SELECT count(*), COALESCE(sum(octet_length(data)), 0) FROM upload_stash WHERE user_id = $1`, user).Scan(&n, &bytes); err != nil {
			t.Fatal(err)
		}
		return
	}
	otherID, err := imports.Stash(ctx, db, other, "roster", "a.xlsx", []byte("other"))
	if err != nil {
		t.Fatal(err)
	}
	// A parallel burst of previews by one user keeps only the newest StashPerUser.
	var wg sync.WaitGroup
	for i := 0; i < 3*imports.StashPerUser; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := imports.Stash(ctx, db, me, "roster", "r.xlsx", make([]byte, 1024)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n, _ := count(me); n != imports.StashPerUser {
		t.Fatalf("after %d parallel previews the user keeps %d, want %d", 3*imports.StashPerUser, n, imports.StashPerUser)
	}
	// Bytes: three 25 MB previews do not fit in 64 MB; the oldest goes.
	var last string
	for i := 0; i < 3; i++ {
		if last, err = imports.Stash(ctx, db, me, "questions", "q.xlsx", make([]byte, 25<<20)); err != nil {
			t.Fatal(err)
		}
	}
	if _, b := count(me); b > imports.StashBytesPerUser {
		t.Fatalf("the user's previews hold %d bytes, cap %d", b, imports.StashBytesPerUser)
	}
	if _, data, err := imports.Unstash(ctx, db, me, "questions", last); err != nil || len(data) != 25<<20 {
		t.Fatalf("the newest preview is gone: %v", err)
	}
	// Another user's preview is untouched; an expired one is neither served nor kept.
	if _, _, err := imports.Unstash(ctx, db, other, "roster", otherID); err != nil {
		t.Fatalf("another user's preview was pushed out: %v", err)
	}
	testdb.Exec(t, db, `UPDATE upload_stash SET created_at = now() - interval '25 hours' WHERE user_id = $1`, other)
	if _, _, err := imports.Unstash(ctx, db, other, "roster", otherID); err == nil {
		t.Fatal("an expired preview was served")
	}
	if err := imports.SweepStash(ctx, db); err != nil {
		t.Fatal(err)
	}
	if n, _ := count(other); n != 0 {
		t.Fatalf("sweep left %d expired previews", n)
	}
}
