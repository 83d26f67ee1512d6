package notices

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"zhibu/app/testdb"
	"zhibu/app/web"
)

// The list SQL (readableSQL, managedSQL) and the Go rules (CanRead, CanManage) agree on
// every viewer and every kind of notice.
func TestListAgreesWithRules(t *testing.T) {
	db, c, _, _ := setup(t)
	ctx := context.Background()
	s := NewStore(db, Deps{})
	admin := identity(t, db, c.Admin)
	org := [2]*web.Identity{identity(t, db, c.Organizers[0]), identity(t, db, c.Organizers[1])}
	var made []Notice
	for _, in := range []struct {
		me *web.Identity
		in NoticeInput
	}{
		{admin, NoticeInput{AllTownships: true}},
		{admin, NoticeInput{AllTownships: true, Draft: true}},
		{admin, NoticeInput{TownshipIDs: []int64{c.Townships[0]}}},
		{admin, NoticeInput{TownshipIDs: []int64{c.Townships[1]}, Pinned: true}},
		{admin, NoticeInput{TownshipIDs: []int64{c.Townships[0], c.Townships[1]}}},
		{org[0], NoticeInput{}},
		{org[0], NoticeInput{Draft: true}},
		{org[1], NoticeInput{Pinned: true}},
	} {
		made = append(made, mustCreate(t, s, in.me, in.in))
	}
	viewers := []*web.Identity{admin, org[0], org[1]}
	for i := 0; i < 2; i++ {
		viewers = append(viewers, identity(t, db, c.Secretaries[i][0]))
	}
	for _, me := range viewers {
		for _, mode := range []string{ModeRead, ModeAll, ModeManage} {
			list, total, err := s.List(ctx, me, ListFilter{Mode: mode, Limit: 10000})
			if err != nil {
				t.Fatal(err)
			}
			if total != len(list) {
				t.Errorf("%s %s: total %d, rows %d", me.Role, mode, total, len(list))
			}
			var got, want []int64
			for _, n := range list {
				if slices.ContainsFunc(made, func(m Notice) bool { return m.ID == n.ID }) {
					got = append(got, n.ID)
				}
			}
			for _, n := range made {
				read := CanRead(me, n.Owner, n.Audience(), !n.Draft)
				ok := map[string]bool{ModeRead: read && !n.Draft, ModeAll: read, ModeManage: CanManage(me, n.Owner)}[mode]
				if ok {
					want = append(want, n.ID)
				}
				_, err := s.Get(ctx, me, n.ID)
				if (err == nil) != read {
					t.Errorf("%s %d: Get = %v, CanRead = %v", me.Role, me.TownshipID, err, read)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s of %d, %s: SQL %v, rules %v", me.Role, me.TownshipID, mode, got, want)
			}
		}
	}
	// Pinned first, then the newest; drafts (no date yet) on top of the unpinned.
	list, _, err := s.List(ctx, admin, ListFilter{Mode: ModeManage, Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) < 2 || !list[0].Pinned {
		t.Errorf("pinned notices are not first: %+v", list[0])
	}
}

// A county-wide notice posts one message to every active secretary and organizer, in
// one call, in the notice's transaction; a draft posts nothing until it is published;
// widening a published notice tells only the newly reached.
func TestPublishPostsOnceToEveryRecipient(t *testing.T) {
	db, c, _, _ := setup(t)
	ctx := context.Background()
	rec := &recorder{}
	s := NewStore(db, Deps{Post: rec.Post})
	admin := identity(t, db, c.Admin)
	inactive := c.Secretaries[1][3]
	testdb.Exec(t, db, `UPDATE users SET active = false WHERE id = $1`, inactive)
	defer testdb.Exec(t, db, `UPDATE users SET active = true WHERE id = $1`, inactive)

	n := mustCreate(t, s, admin, NoticeInput{AllTownships: true, Title: "集中轮训安排"})
	if len(rec.calls) != 1 {
		t.Fatalf("Post called %d times, want once", len(rec.calls))
	}
	if !rec.inTx[0] {
		t.Error("Post was not given the notice's transaction")
	}
	var want []int64
	// Everyone: every county of the test database.
	if err := db.Select(&want, `SELECT id FROM users WHERE active AND role IN ('secretary', 'organizer') ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, m := range rec.calls[0] {
		got = append(got, m.UserID)
		if m.Kind != web.MsgNotice || m.URL != fmt.Sprintf("/notices/%d", n.ID) || !strings.Contains(m.Title, "集中轮训安排") {
			t.Errorf("message %+v", m)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("recipients: %d, want %d", len(got), len(want))
	}
	if slices.Contains(got, inactive) || slices.Contains(got, c.Admin) {
		t.Error("an inactive secretary or the author was told")
	}
	for i := 0; i < 2; i++ {
		for _, id := range append([]int64{c.Organizers[i]}, c.Secretaries[i]...) {
			if id != inactive && !slices.Contains(got, id) {
				t.Errorf("user %d of township %d not told", id, i)
			}
		}
	}

	// A title of the longest length still fits a message's title (one line, at most 100).
	rec.reset()
	mustCreate(t, s, admin, NoticeInput{AllTownships: true, Title: repeat("长", MaxTitle)})
	for _, m := range rec.calls[0][:1] {
		if utf8.RuneCountInString(m.Title) > 100 || m.Body == "" {
			t.Errorf("message of a long notice: %+v", m)
		}
	}

	// A township's notice: its own people only, not its author.
	rec.reset()
	org := identity(t, db, c.Organizers[0])
	mustCreate(t, s, org, NoticeInput{})
	if len(rec.calls) != 1 {
		t.Fatalf("township notice: Post called %d times", len(rec.calls))
	}
	got = got[:0]
	for _, m := range rec.calls[0] {
		got = append(got, m.UserID)
	}
	slices.Sort(got)
	if !slices.Equal(got, c.Secretaries[0]) {
		t.Errorf("township notice told %v, want the township's secretaries %v", got, c.Secretaries[0])
	}

	// A draft tells nobody; publishing it tells its audience once.
	rec.reset()
	d := mustCreate(t, s, admin, NoticeInput{TownshipIDs: []int64{c.Townships[0]}, Draft: true})
	if len(rec.calls) != 0 {
		t.Fatalf("a draft posted %d times", len(rec.calls))
	}
	in := NoticeInput{Title: d.Title, TownshipIDs: []int64{c.Townships[0]}}
	if _, err := s.Update(ctx, admin, d.ID, in); err != nil {
		t.Fatal(err)
	}
	if len(rec.calls) != 1 || len(rec.calls[0]) != 1+len(c.Secretaries[0]) {
		t.Fatalf("publishing the draft: %d calls", len(rec.calls))
	}
	// Saving it again tells nobody; adding a township tells that township only.
	rec.reset()
	if _, err := s.Update(ctx, admin, d.ID, in); err != nil {
		t.Fatal(err)
	}
	if len(rec.calls) != 0 {
		t.Errorf("an unchanged audience was told again")
	}
	in.TownshipIDs = append(in.TownshipIDs, c.Townships[1])
	if _, err := s.Update(ctx, admin, d.ID, in); err != nil {
		t.Fatal(err)
	}
	if len(rec.calls) != 1 {
		t.Fatalf("widening: %d calls", len(rec.calls))
	}
	for _, m := range rec.calls[0] {
		if m.UserID == c.Organizers[0] || slices.Contains(c.Secretaries[0], m.UserID) {
			t.Errorf("user %d of the first township was told twice", m.UserID)
		}
	}
	// Back to draft: refused.
	in.Draft = true
	if _, err := s.Update(ctx, admin, d.ID, in); err != ErrAlreadyPublished {
		t.Errorf("published back to draft: %v", err)
	}
}

// The home card shows the newest notices meant for the person, of the last 30 days only.
func TestHomeCard(t *testing.T) {
	db, c, srv, _ := setup(t)
	ctx := context.Background()
	s := NewStore(db, Deps{})
	org := identity(t, db, c.Organizers[0])
	sec0, sec1 := identity(t, db, c.Secretaries[0][0]), identity(t, db, c.Secretaries[1][0])
	old := mustCreate(t, s, org, NoticeInput{Title: testdb.Unique("旧通知")})
	testdb.Exec(t, db, `UPDATE notices SET published_at = now() - interval '31 days' WHERE id = $1`, old.ID)
	fresh := mustCreate(t, s, org, NoticeInput{Title: testdb.Unique("新的通知")})
	draft := mustCreate(t, s, org, NoticeInput{Title: testdb.Unique("草稿通知"), Draft: true})

	text := func(me *web.Identity) string {
		cards, err := srv.HomeCards(ctx, me)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, card := range cards {
			if card.Title == "新通知" {
				b.WriteString(card.Big + strings.Join(card.Lines, "|"))
			}
		}
		return b.String()
	}
	got := text(sec0)
	if !strings.Contains(got, fresh.Title) || strings.Contains(got, old.Title) || strings.Contains(got, draft.Title) {
		t.Errorf("secretary's card: %q", got)
	}
	if got := text(sec1); strings.Contains(got, fresh.Title) {
		t.Errorf("another township's secretary sees %q", got)
	}
}

// The demo notices are seeded once, however often the seeder runs.
func TestSeedDemoIdempotent(t *testing.T) {
	db, _, _, _ := setup(t)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := SeedDemo(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	var county, township int
	testdb.Get(t, db, &county, `SELECT count(*) FROM notices WHERE title LIKE '%集中轮训的通知' AND all_townships AND pinned`)
	testdb.Get(t, db, &township, `SELECT count(*) FROM notices WHERE title LIKE '本镇参加%' AND owner_township_id IS NOT NULL`)
	if county != 1 || township != 1 {
		t.Errorf("demo notices: %d county, %d township", county, township)
	}
}
