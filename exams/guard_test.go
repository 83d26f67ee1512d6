package exams

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lib/pq"
)

// The pure part of the exam guard (guard.go): when an exam is live, which questions its
// rules' pools admit, and that the guard and the draw agree on what a pool is.
func TestGuardRule(t *testing.T) {
	opens := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	closes := opens.Add(7 * 24 * time.Hour)
	for _, c := range []struct {
		now  time.Time
		live bool
	}{
		{opens.Add(-time.Nanosecond), false}, // not open yet: practice still shows keys
		{opens, true},
		{closes, true},
		{closes.Add(Grace), true}, // the last in-flight saves of the exam are still accepted
		{closes.Add(Grace + time.Nanosecond), false},
	} {
		if got := ExamLive(opens, closes, c.now); got != c.live {
			t.Errorf("ExamLive at %v = %v, want %v", c.now.Sub(opens), got, c.live)
		}
	}

	for _, c := range []struct {
		key            PoolKey
		kind, cat, tag string
		admits         bool
	}{
		{PoolKey{Kind: KindSingle}, KindSingle, "发展党员", "", true},
		{PoolKey{Kind: KindSingle}, KindJudge, "发展党员", "", false},
		{PoolKey{Kind: KindSingle, Category: "发展党员"}, KindSingle, "发展党员", "x", true},
		{PoolKey{Kind: KindSingle, Category: "发展党员"}, KindSingle, "三会一课", "", false},
		{PoolKey{Kind: KindMultiple, Tag: "流程"}, KindMultiple, "", "流程", true},
		{PoolKey{Kind: KindMultiple, Tag: "流程"}, KindMultiple, "", "时限", false},
		{PoolKey{Kind: KindMultiple, Category: "a", Tag: "流程"}, KindMultiple, "b", "流程", false},
	} {
		if got := c.key.Admits(c.kind, c.cat, []string{c.tag}); got != c.admits {
			t.Errorf("%+v admits (%s,%s,%s) = %v", c.key, c.kind, c.cat, c.tag, got)
		}
	}

	exams := []liveExam{
		{OpensAt: opens, ClosesAt: closes, Rules: []Rule{{Kind: KindSingle, Category: "发展党员", Count: 5, Points: 1}}},
		{OpensAt: opens, ClosesAt: closes, Rules: []Rule{{Kind: KindJudge, Tag: "时限", Count: 5, Points: 1}}},
		{OpensAt: closes, ClosesAt: closes.Add(time.Hour), Rules: []Rule{{Kind: KindMultiple, Count: 5, Points: 1}}}, // upcoming
	}
	g := GuardOf(exams, opens.Add(time.Hour))
	for _, c := range []struct {
		kind, cat string
		tags      []string
		hides     bool
	}{
		{KindSingle, "发展党员", nil, true},
		{KindSingle, "三会一课", nil, false},
		{KindJudge, "三会一课", []string{"时限"}, true},
		{KindJudge, "三会一课", []string{"流程"}, false},
		{KindMultiple, "发展党员", nil, false}, // only the upcoming exam draws multiple choice
	} {
		if got := g.Hides(c.kind, c.cat, c.tags); got != c.hides {
			t.Errorf("Hides(%s,%s,%v) = %v, want %v", c.kind, c.cat, c.tags, got, c.hides)
		}
	}
	if !GuardOf(exams[:2], closes.Add(Grace+time.Second)).Empty() || GuardOf(exams[:2], closes.Add(Grace)).Empty() {
		t.Error("guard should end with the grace after the close")
	}

	// The guard hides exactly the draw's pool: for random banks and keys, the ids the draw
	// may pick (poolSnapshot.Get) are those a guard of that one key hides.
	rng := rand.New(rand.NewPCG(1, 2))
	kinds, cats, tags := []string{KindSingle, KindMultiple, KindJudge}, []string{"", "甲", "乙"}, []string{"", "t1", "t2"}
	for round := 0; round < 50; round++ {
		snap := &poolSnapshot{memo: map[PoolKey][]int64{}}
		for i := 0; i < 200; i++ {
			var tg pq.StringArray
			for _, x := range tags[1:] {
				if rng.IntN(2) == 0 {
					tg = append(tg, x)
				}
			}
			snap.rows = append(snap.rows, poolRow{ID: int64(i), Kind: kinds[rng.IntN(3)], Category: cats[1+rng.IntN(2)], Tags: tg})
		}
		key := PoolKey{Kind: kinds[rng.IntN(3)], Category: cats[rng.IntN(3)], Tag: tags[rng.IntN(3)]}
		inPool := map[int64]bool{}
		for _, id := range snap.Get(key) {
			inPool[id] = true
		}
		one := Guard{keys: []PoolKey{key}}
		for _, r := range snap.rows {
			if one.Hides(r.Kind, r.Category, r.Tags) != inPool[r.ID] {
				t.Fatalf("key %+v: row %+v in pool %v, hidden %v", key, r, inPool[r.ID], !inPool[r.ID])
			}
		}
	}
}
