package hours

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"zhibu/app/testdb"
	"zhibu/app/web"
)

// Every source writes its entry once, however often and however concurrently its
// completion is triggered; a revoked entry stays revoked when triggered again.
func TestWriteOncePerSource(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	ctx := context.Background()
	user := c.Secretaries[0][0]
	credit := Credit{UserID: user, Year: 2026, Source: SourceClass, SourceID: 7, Hours: 24, At: time.Now(), Note: "村党组织书记轮训班"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wrote := 0
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tx, err := db.BeginTxx(ctx, nil)
			if err != nil {
				t.Error(err)
				return
			}
			defer tx.Rollback()
			ok, err := Write(ctx, tx, credit)
			if err != nil {
				t.Error(err)
				return
			}
			if err := tx.Commit(); err != nil {
				t.Error(err)
				return
			}
			if ok {
				mu.Lock()
				wrote++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	var rows, events int
	testdb.Get(t, db, &rows, `SELECT count(*) FROM hour_credits WHERE user_id = $1`, user)
	testdb.Get(t, db, &events, `SELECT count(*) FROM hour_credit_events e JOIN hour_credits hc ON hc.id = e.credit_id WHERE hc.user_id = $1`, user)
	if rows != 1 || events != 1 || wrote != 1 {
		t.Fatalf("12 concurrent writes: %d entries, %d events, %d reported written", rows, events, wrote)
	}
	// Another person and another source are other entries.
	for _, cr := range []Credit{{UserID: c.Secretaries[0][1], Year: 2026, Source: SourceClass, SourceID: 7, Hours: 24},
		{UserID: user, Year: 2026, Source: SourceTour, SourceID: 7, Hours: 8}} {
		if ok, err := Write(ctx, db, cr); err != nil || !ok {
			t.Fatalf("write %+v: %v %v", cr, ok, err)
		}
	}
	// 0 hours write nothing.
	if ok, _ := Write(ctx, db, Credit{UserID: user, Year: 2026, Source: SourceCourse, SourceID: 1, Hours: 0}); ok {
		t.Error("an entry of 0 学时 was written")
	}

	st := NewStore(db)
	admin := &web.Identity{UserID: c.Admin, Role: web.RoleAdmin}
	sum, err := st.Mine(ctx, user, 2026)
	if err != nil || sum.Online != 0 || sum.Offline != 32 || sum.Total != 32 || len(sum.Entries) != 2 {
		t.Fatalf("mine: %+v %v", sum, err)
	}
	var classEntry int64
	testdb.Get(t, db, &classEntry, `SELECT id FROM hour_credits WHERE user_id = $1 AND source = 'class'`, user)
	if _, err := st.Revoke(ctx, admin, classEntry, RevokeInput{Reason: "实际未参加"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Revoke(ctx, admin, classEntry, RevokeInput{Reason: "再次"}); !errors.Is(err, ErrRevoked) {
		t.Fatalf("second revoke: %v", err)
	}
	if ok, err := Write(ctx, db, credit); ok || err != nil {
		t.Fatalf("a revoked entry came back: %v %v", ok, err)
	}
	if sum, _ = st.Mine(ctx, user, 2026); sum.Total != 8 || len(sum.Entries) != 1 {
		t.Fatalf("after revoking: %+v", sum)
	}
	// A source that withdraws its entry (a cancelled tour) and confirms it again restores it.
	tour := Credit{UserID: user, Year: 2026, Source: SourceTour, SourceID: 7, Hours: 8}
	if err := Withdraw(ctx, db, SourceTour, 7, user, "取消报名"); err != nil {
		t.Fatal(err)
	}
	if sum, _ = st.Mine(ctx, user, 2026); sum.Total != 0 {
		t.Fatalf("withdrawn entry counts: %+v", sum)
	}
	if ok, err := Write(ctx, db, tour); !ok || err != nil {
		t.Fatalf("re-confirmed tour not restored: %v %v", ok, err)
	}
	if sum, _ = st.Mine(ctx, user, 2026); sum.Total != 8 {
		t.Fatalf("restored entry: %+v", sum)
	}
	var trail []string
	if err := db.Select(&trail, `SELECT action FROM hour_credit_events WHERE credit_id = $1 ORDER BY id`, classEntry); err != nil || len(trail) != 2 || trail[1] != "revoke" {
		t.Fatalf("trail %v %v", trail, err)
	}
}

func TestManualCreditAndPeople(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	ctx := context.Background()
	st := NewStore(db)
	admin := &web.Identity{UserID: c.Admin, Role: web.RoleAdmin}
	testdb.Exec(t, db, `INSERT INTO course_years (year, target_hours) VALUES (2031, 10) ON CONFLICT (year) DO UPDATE SET target_hours = 10`)
	e, err := st.CreditManual(ctx, admin, CreditInput{UserID: c.Secretaries[1][0], Year: 2031, Hours: 10, Note: "市委党校培训班"})
	if err != nil || e.Source != SourceManual || e.Online || e.CreditedBy == "" {
		t.Fatalf("manual credit: %+v %v", e, err)
	}
	if _, err := st.CreditManual(ctx, admin, CreditInput{UserID: c.Organizers[0], Year: 2031, Hours: 1, Note: "x"}); !errors.Is(err, ErrPersonNotFound) {
		t.Fatalf("credit to an organizer: %v", err)
	}
	testdb.Exec(t, db, `INSERT INTO hour_credits (user_id, year, source, source_id, hours) VALUES ($1, 2031, 'course', 1, 4)`, c.Secretaries[1][1])

	all, total, reached, target, err := st.People(ctx, web.Scope{All: true}, Filter{Year: 2031, TownshipID: c.Townships[1], Limit: 50})
	if err != nil || total != 4 || reached != 1 || target != 10 || len(all) != 4 {
		t.Fatalf("county: %d people, total %d, reached %d, target %v: %v", len(all), total, reached, target, err)
	}
	for _, p := range all {
		want := map[int64]float64{c.Secretaries[1][0]: 10, c.Secretaries[1][1]: 4}[p.UserID]
		if p.Total != want || p.Reached != (want >= 10) {
			t.Errorf("%s: %+v, want total %v", p.Name, p.Totals, want)
		}
		if p.UserID == c.Secretaries[1][1] && (p.Online != 4 || p.Offline != 0) {
			t.Errorf("course hours not online: %+v", p.Totals)
		}
	}
	// An organizer sees the own township only, and another township's filter gives nothing.
	mine := web.Scope{TownshipID: c.Townships[0]}
	list, total, reached, _, err := st.People(ctx, mine, Filter{Year: 2031, Limit: 50})
	if err != nil || total != 4 || reached != 0 {
		t.Fatalf("organizer: %d %d %v", total, reached, err)
	}
	for _, p := range list {
		if p.UserID == c.Secretaries[1][0] {
			t.Fatal("an organizer sees another township's secretary")
		}
	}
	if list, total, _, _, _ = st.People(ctx, mine, Filter{Year: 2031, TownshipID: c.Townships[1], Limit: 50}); total != 0 || len(list) != 0 {
		t.Fatalf("organizer forging another township: %d", total)
	}
	if _, _, err := st.PersonLedger(ctx, mine, c.Secretaries[1][0], 2031); !errors.Is(err, ErrPersonNotFound) {
		t.Fatalf("organizer reading another township's person: %v", err)
	}
	// Paging: page 2 holds the rest, and the counts stay.
	page1, _, _, _, _ := st.People(ctx, web.Scope{All: true}, Filter{Year: 2031, TownshipID: c.Townships[1], Limit: 3})
	page2, total, _, _, err := st.People(ctx, web.Scope{All: true}, Filter{Year: 2031, TownshipID: c.Townships[1], Limit: 3, Offset: 3})
	if err != nil || len(page1) != 3 || len(page2) != 1 || total != 4 || page2[0].UserID == page1[0].UserID {
		t.Fatalf("page 2: %d rows, total %d, %v", len(page2), total, err)
	}
	past, total, _, _, err := st.People(ctx, web.Scope{All: true}, Filter{Year: 2031, TownshipID: c.Townships[1], Limit: 3, Offset: 30})
	if err != nil || len(past) != 0 || total != 4 {
		t.Fatalf("past the end: %d rows, total %d, %v", len(past), total, err)
	}
}
