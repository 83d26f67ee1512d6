package outbox

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"zhibu/app/testdb"
	"zhibu/app/web"
)

func outboxRows(t *testing.T, f fixture) int {
	t.Helper()
	var n int
	testdb.Get(t, f.db, &n, `SELECT count(*) FROM outbox`)
	return n
}

// Off (no sender configured), Enqueue writes nothing, and Wrap is the inbox's post itself.
func TestEnqueueOffWritesNothing(t *testing.T) {
	f := setup(t, Config{})
	off := New(Config{BaseURL: "https://zhibu.example.gov.cn"})
	if off.Enabled() {
		t.Fatal("an outbox without a webhook is on")
	}
	m := web.Message{UserID: f.c.Secretaries[0][0], Kind: web.MsgReminder, Title: "请尽快完成学习"}
	if err := off.Enqueue(context.Background(), f.db, m); err != nil {
		t.Fatal(err)
	}
	var nilOutbox *Outbox
	if err := nilOutbox.Enqueue(context.Background(), f.db, m); err != nil {
		t.Fatal(err)
	}
	if n := outboxRows(t, f); n != 0 {
		t.Fatalf("%d rows written while off", n)
	}
}

// Only the outbound kinds go out; the others stay in the inbox only. Many messages are
// one INSERT, in the caller's transaction: rolled back with it.
func TestEnqueueOutboundKindsOnly(t *testing.T) {
	f := setup(t, Config{})
	ctx := context.Background()
	u := f.c.Secretaries[0][0]
	for _, kind := range []string{web.MsgCourseAssigned, web.MsgExamOpened, web.MsgExamResult, "made_up"} {
		if err := f.o.Enqueue(ctx, f.db, web.Message{UserID: u, Kind: kind, Title: "新的考试"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := outboxRows(t, f); n != 0 {
		t.Fatalf("%d rows for kinds that stay in the inbox", n)
	}
	var msgs []web.Message
	for _, kind := range OutboundKinds {
		msgs = append(msgs, web.Message{UserID: u, Kind: kind, Title: "标题", Body: "正文"})
	}
	msgs = append(msgs, web.Message{UserID: u, Kind: web.MsgExamResult, Title: "成绩"})
	tx := f.db.MustBegin()
	if err := f.o.Enqueue(ctx, tx, msgs...); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n := outboxRows(t, f); n != 0 {
		t.Fatalf("%d rows survived the rollback", n)
	}
	tx = f.db.MustBegin()
	if err := f.o.Enqueue(ctx, tx, msgs...); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	if err := f.db.Select(&kinds, `SELECT kind FROM outbox WHERE status = 'pending' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(kinds, ",") != strings.Join(OutboundKinds, ",") {
		t.Fatalf("kinds = %v, want %v", kinds, OutboundKinds)
	}
}

// Whatever the inbox accepted, the outbox stores: a long body is cut, control characters
// and a NUL are dropped, so the caller's transaction never fails because of the outbox.
func TestEnqueueNeverRefuses(t *testing.T) {
	f := setup(t, Config{})
	u := f.c.Secretaries[0][0]
	m := web.Message{UserID: u, Kind: web.MsgNotice, Title: "关于\x00开展\u200b学习的通知\x07",
		Body: strings.Repeat("请各支部书记认真学习。", 200), URL: "/notices/12"}
	if err := f.o.Enqueue(context.Background(), f.db, m); err != nil {
		t.Fatal(err)
	}
	var text, url string
	testdb.Get(t, f.db, &text, `SELECT text FROM outbox WHERE user_id = $1`, u)
	testdb.Get(t, f.db, &url, `SELECT url FROM outbox WHERE user_id = $1`, u)
	if utf8.RuneCountInString(text) > MaxText || !strings.HasPrefix(text, "关于开展学习的通知\n请各支部书记") ||
		!strings.HasSuffix(text, "…\nhttps://zhibu.example.gov.cn/notices/12") || url != "https://zhibu.example.gov.cn/notices/12" {
		t.Fatalf("text = %q (%d runes), url %q", text, utf8.RuneCountInString(text), url)
	}
}

// Wrap posts to the inbox first and enqueues in the same transaction; an inbox that
// refuses stops it before anything is enqueued.
func TestWrapPostsThenEnqueues(t *testing.T) {
	f := setup(t, Config{})
	var order []string
	inbox := func(ctx context.Context, q sqlx.ExtContext, msgs ...web.Message) error {
		order = append(order, "inbox")
		var n int
		testdb.Get(t, f.db, &n, `SELECT count(*) FROM outbox`)
		if n != 0 {
			t.Fatal("enqueued before the inbox")
		}
		return nil
	}
	post := f.o.Wrap(inbox)
	if err := post(context.Background(), f.db, web.Message{UserID: f.c.Secretaries[0][0], Kind: web.MsgTour, Title: "报名已通过"}); err != nil {
		t.Fatal(err)
	}
	if len(order) != 1 || outboxRows(t, f) != 1 {
		t.Fatalf("order %v, %d rows", order, outboxRows(t, f))
	}
	refused := f.o.Wrap(func(context.Context, sqlx.ExtContext, ...web.Message) error { return context.Canceled })
	if err := refused(context.Background(), f.db, web.Message{UserID: f.c.Secretaries[0][0], Kind: web.MsgTour, Title: "x"}); err == nil {
		t.Fatal("the inbox's refusal was lost")
	}
	if outboxRows(t, f) != 1 {
		t.Fatal("enqueued after the inbox refused")
	}
	var off *Outbox
	if off.Wrap(inbox) == nil {
		t.Fatal("off, Wrap lost the inbox's post")
	}
}
