package feedback

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"zhibu/app/testdb"
	"zhibu/app/web"
)

// 20 sends of one person at once: exactly DailyLimit are stored, the others refused.
func TestDailyLimitHoldsUnderABurst(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	s := NewStore(db, Deps{})
	me := identity(t, db, c.Secretaries[0][0])
	ctx := context.Background()

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	start := make(chan struct{})
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := s.Send(ctx, me, SendInput{Kind: KindComplaint, Category: "system", Text: "同时提交"})
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	refused := 0
	for err := range errs {
		switch {
		case errors.Is(err, ErrDailyLimit):
			refused++
		case err != nil:
			t.Fatalf("send: %v", err)
		}
	}
	var stored int
	testdb.Get(t, db, &stored, `SELECT count(*) FROM feedback WHERE user_id = $1`, me.UserID)
	if stored != DailyLimit || refused != 20-DailyLimit {
		t.Fatalf("stored %d, refused %d; want %d and %d", stored, refused, DailyLimit, 20-DailyLimit)
	}
	// Another person is not limited by it.
	other := identity(t, db, c.Secretaries[0][1])
	if _, err := s.Send(ctx, other, SendInput{Category: "other", Text: "另一个人"}); err != nil {
		t.Fatalf("another person: %v", err)
	}
	// The next day in China, the person may send again.
	tomorrow := NewStore(db, Deps{Now: func() time.Time { return DayStart(time.Now()).AddDate(0, 0, 1).Add(time.Minute) }})
	if _, err := tomorrow.Send(ctx, me, SendInput{Category: "other", Text: "第二天"}); err != nil {
		t.Fatalf("next day: %v", err)
	}
}

// A reply text posts one message to the sender in the reply's transaction; a status
// change alone posts none; a failing post undoes the reply.
func TestReplyPostsToTheSender(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	box := &inbox{}
	s := NewStore(db, Deps{Post: box.post})
	ctx := context.Background()
	sec := identity(t, db, c.Secretaries[0][0])
	org := identity(t, db, c.Organizers[0])
	it, err := s.Send(ctx, sec, SendInput{Kind: KindComplaint, Category: "exams", Text: "考试时间太短", Anonymous: true})
	if err != nil {
		t.Fatal(err)
	}

	if _, err := s.Answer(ctx, org, it.ID, ReplyInput{Status: StatusInProgress}); err != nil {
		t.Fatal(err)
	}
	if n := len(box.sent()); n != 0 {
		t.Fatalf("a status change posted %d messages", n)
	}
	got, err := s.Answer(ctx, org, it.ID, ReplyInput{Text: " 已反映给县里，下次考试延长到 60 分钟。 "})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusReplied || got.Reply != "已反映给县里，下次考试延长到 60 分钟。" || got.Sender != nil {
		t.Fatalf("reply by the organizer: %+v", got)
	}
	msgs := box.sent()
	if len(msgs) != 1 {
		t.Fatalf("messages: %+v", msgs)
	}
	m := msgs[0]
	if m.UserID != sec.UserID || m.Kind != web.MsgFeedback || m.Body != got.Reply || !strings.HasPrefix(m.URL, "/feedback") ||
		!strings.Contains(m.Title, "投诉") {
		t.Fatalf("message: %+v", m)
	}

	// The inbox fails: the reply is not saved either.
	box.fail = errors.New("inbox down")
	if _, err := s.Answer(ctx, org, it.ID, ReplyInput{Text: "第二次答复"}); err == nil {
		t.Fatal("a reply whose message failed was saved")
	}
	mine, err := s.Get(ctx, sec, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	if mine.Reply != got.Reply || mine.ReplierRole != "乡镇组织委员" || mine.Replier != "" || mine.Sender == nil {
		t.Fatalf("the sender's view after a failed reply: %+v", mine)
	}

	// Without Post, replies still work.
	bare := NewStore(db, Deps{})
	if _, err := bare.Answer(ctx, identity(t, db, c.Admin), it.ID, ReplyInput{Text: "县里答复"}); err != nil {
		t.Fatalf("reply without an inbox: %v", err)
	}
}

// The lists by role: secretaries their own; organizers their township (anonymous senders
// hidden, and not found by name); admins everything with every name.
func TestListScopeAndAnonymity(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	s := NewStore(db, Deps{})
	ctx := context.Background()
	sec := identity(t, db, c.Secretaries[0][0])
	sec2 := identity(t, db, c.Secretaries[0][1])
	other := identity(t, db, c.Secretaries[1][0])
	org := identity(t, db, c.Organizers[0])
	admin := identity(t, db, c.Admin)
	send := func(me *web.Identity, text string, anonymous bool) Item {
		it, err := s.Send(ctx, me, SendInput{Category: "learning", Text: text, Anonymous: anonymous})
		if err != nil {
			t.Fatal(err)
		}
		return it
	}
	mark := testdb.Unique("标记") // the database is the package's: the admin sees other tests' too
	anon := send(sec, mark+"匿名意见甲", true)
	named := send(sec2, mark+"署名意见乙", false)
	far := send(other, mark+"外乡镇意见丙", false)
	county := send(admin, mark+"县里自己的意见", true)
	if county.Township != "" || county.Anonymous {
		t.Fatalf("an admin's feedback: %+v", county)
	}

	ids := func(p Page) map[int64]Item {
		m := map[int64]Item{}
		for _, it := range p.Items {
			m[it.ID] = it
		}
		return m
	}
	list := func(me *web.Identity, f Filter) map[int64]Item {
		p, err := s.List(ctx, me, f)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != len(p.Items) {
			t.Fatalf("total %d, items %d", p.Total, len(p.Items))
		}
		return ids(p)
	}
	if got := list(sec, Filter{}); len(got) != 1 || got[anon.ID].Sender == nil {
		t.Fatalf("secretary's list: %+v", got)
	}
	got := list(org, Filter{})
	if len(got) != 2 || got[anon.ID].Sender != nil || got[named.ID].Sender == nil || got[named.ID].Sender.Name == "" {
		t.Fatalf("organizer's list: %+v", got)
	}
	if got := list(org, Filter{Query: sec.Name}); got[anon.ID].ID != 0 {
		t.Fatalf("an organizer finds the anonymous sender by name: %+v", got)
	}
	if got := list(admin, Filter{Query: sec.Name}); got[anon.ID].Sender == nil || got[anon.ID].Sender.Name != sec.Name {
		t.Fatalf("the admin's search by name: %+v", got)
	}
	got = list(admin, Filter{Query: mark})
	if len(got) != 4 || got[anon.ID].Sender == nil || got[far.ID].Sender == nil || got[county.ID].Sender == nil {
		t.Fatalf("admin's list: %+v", got)
	}
	if got := list(admin, Filter{Query: mark + "署名"}); len(got) != 1 || got[named.ID].ID == 0 {
		t.Fatalf("search by text: %+v", got)
	}
	if _, err := s.Get(ctx, org, far.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("organizer gets another township's: %v", err)
	}
	if _, err := s.Get(ctx, org, county.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("organizer gets the county's own: %v", err)
	}
	if _, err := s.Get(ctx, sec2, anon.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a secretary gets another's: %v", err)
	}
	if _, err := s.Answer(ctx, admin, county.ID, ReplyInput{Text: "自己答复"}); !errors.Is(err, ErrOwnReply) {
		t.Fatalf("an admin answers their own: %v", err)
	}

	// Filters and counts.
	if _, err := s.Answer(ctx, org, named.ID, ReplyInput{Text: "好"}); err != nil {
		t.Fatal(err)
	}
	p, err := s.List(ctx, org, Filter{Status: StatusReplied})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 1 || p.Counts[StatusReplied] != 1 || p.Counts[StatusReceived] != 1 || p.Items[0].ID != named.ID {
		t.Fatalf("status filter: %+v", p)
	}
	if got := list(admin, Filter{Category: "exams", Query: mark}); len(got) != 0 {
		t.Fatalf("category filter: %+v", got)
	}
}
