package exams

import (
	"context"
	"testing"

	"zhibu/app/testdb"
)

// Two app instances keep their own pools; a bank change made through either (or straight
// in SQL) bumps the version in PostgreSQL and both reload on their next draw.
func TestPoolsFollowBankVersionAcrossInstances(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a, b := NewStore(e.db, nil, Deps{}), NewStore(e.db, nil, Deps{})
	key := PoolKey{Kind: KindJudge, Category: e.cat}
	snapA, err := a.Pools.Snapshot(ctx, e.db)
	if err != nil {
		t.Fatal(err)
	}
	snapB, _ := b.Pools.Snapshot(ctx, e.db)
	if len(snapA.Get(key)) != 15 || len(snapB.Get(key)) != 15 {
		t.Fatalf("pools %d/%d, want 15", len(snapA.Get(key)), len(snapB.Get(key)))
	}
	// Unchanged bank: the same snapshot is reused (no reload).
	if again, _ := a.Pools.Snapshot(ctx, e.db); again != snapA {
		t.Fatal("snapshot reloaded without a bank change")
	}
	// "Instance B" retires a question; instance A sees it on its next draw.
	var id int64
	testdb.Get(t, e.db, &id, `SELECT id FROM questions WHERE category = $1 AND kind = 'judge' LIMIT 1`, e.cat)
	if _, err := a.RetireQuestion(ctx, id, true); err != nil {
		t.Fatal(err)
	}
	snapA2, _ := a.Pools.Snapshot(ctx, e.db)
	if snapA2 == snapA || len(snapA2.Get(key)) != 14 {
		t.Fatalf("instance A did not reload: %d ids", len(snapA2.Get(key)))
	}
	for _, got := range snapA2.Get(key) {
		if got == id {
			t.Fatal("retired question still in the pool")
		}
	}
	// A new question of a tag creates a new pool entry.
	testdb.Exec(t, e.db, `INSERT INTO questions (kind, category, tags, stem, answer) VALUES ('judge', $1, '{新标签}', '新题', 'A')`, e.cat)
	snapB2, _ := b.Pools.Snapshot(ctx, e.db)
	if len(snapB2.Get(PoolKey{Kind: KindJudge, Tag: "新标签"})) != 1 || len(snapB2.Get(key)) != 15 {
		t.Fatal("instance B did not see the new question")
	}
}
