package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"

	"zhibu/app/database"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/migrations"
)

// countingExt counts the statements a Post sends.
type countingExt struct {
	sqlx.ExtContext
	execs int
}

func (c *countingExt) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	c.execs++
	return c.ExtContext.ExecContext(ctx, q, args...)
}

// Post writes in the caller's transaction: many messages in one INSERT, nothing when the
// transaction rolls back, nothing at all when one of them is bad.
func TestPost(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	ctx := context.Background()
	a, b := c.Secretaries[0][0], c.Secretaries[1][0]
	msgs := []web.Message{
		{UserID: a, Kind: web.MsgClass, Title: "「轮训班」已结业", Body: "记入 8 学时。", URL: "/classes/1"},
		{UserID: b, Kind: web.MsgClass, Title: "「轮训班」未结业", URL: "/classes/1"},
		{UserID: a, Kind: web.MsgNotice, Title: "新通知", Ref: "notice:7"},
	}

	// Rolled back: nothing.
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Post(ctx, tx, msgs...); err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	if len(ids(t, db, a))+len(ids(t, db, b)) != 0 {
		t.Fatal("messages of a rolled back change were kept")
	}

	// One bad message: an error naming it, and none of the batch is written.
	tx, err = db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	bad := append(append([]web.Message{}, msgs...), web.Message{UserID: a, Kind: web.MsgClass, Title: "坏链接", URL: "//evil.example"})
	cnt := &countingExt{ExtContext: tx}
	if err := Post(ctx, cnt, bad...); !errors.Is(err, ErrInvalid) || cnt.execs != 0 {
		t.Fatalf("a bad message: %v, %d statements", err, cnt.execs)
	}
	if err := Post(ctx, cnt); err != nil || cnt.execs != 0 {
		t.Fatalf("posting nothing: %v, %d statements", err, cnt.execs)
	}
	// Committed: all three, in one statement, unread.
	if err := Post(ctx, cnt, msgs...); err != nil || cnt.execs != 1 {
		t.Fatalf("post: %v, %d statements", err, cnt.execs)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if len(ids(t, db, a)) != 2 || len(ids(t, db, b)) != 1 || unread(t, db, a) != 2 || unread(t, db, b) != 1 {
		t.Fatalf("stored: %v %v", ids(t, db, a), ids(t, db, b))
	}
	var m Message
	testdb.Get(t, db, &m, `SELECT `+cols+` FROM messages WHERE user_id = $1 AND kind = 'class'`, a)
	if m.Title != "「轮训班」已结业" || m.Body != "记入 8 学时。" || m.URL != "/classes/1" || m.ReadAt != nil || m.CreatedAt.IsZero() {
		t.Fatalf("stored message: %+v", m)
	}
	var refs []sql.NullString
	if err := db.Select(&refs, `SELECT ref FROM messages WHERE user_id = $1 ORDER BY kind`, a); err != nil {
		t.Fatal(err)
	}
	if len(refs) != 2 || refs[0].Valid || refs[1].String != "notice:7" {
		t.Fatalf("refs: %+v (\"\" is NULL)", refs)
	}

	// The table refuses what Check refuses, should a statement bypass Post.
	for _, q := range []string{
		`INSERT INTO messages (user_id, kind, title, url) VALUES ($1, 'tour', '链接', '//evil.example')`,
		`INSERT INTO messages (user_id, kind, title, url) VALUES ($1, 'tour', '链接', 'https://evil.example')`,
		`INSERT INTO messages (user_id, kind, title) VALUES ($1, 'tour', repeat('长', 101))`,
		`INSERT INTO messages (user_id, kind, title) VALUES ($1, 'tour', '  ')`,
		`INSERT INTO messages (user_id, kind, title, body) VALUES ($1, 'tour', '标题', repeat('长', 1001))`,
		`INSERT INTO messages (user_id, kind, title) VALUES ($1, 'Bad Kind', '标题')`,
	} {
		if _, err := db.Exec(q, a); err == nil {
			t.Errorf("the table took %s", q)
		}
	}
}

// The migration moves the tours' messages into the inbox (kind tour, the text as body,
// a title from it, the tour's page, read state and time kept) and back on Down.
func TestMigrationMovesTourMessages(t *testing.T) {
	ctx := context.Background()
	db, err := database.Open(ctx, testdb.Fresh(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db.DB, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 65); err != nil {
		t.Fatal(err)
	}
	tw := testdb.Township(t, db, testdb.Unique("迁移镇"))
	sec := testdb.User(t, db, "secretary", testdb.Unique("mig"), tw, testdb.Branch(t, db, tw, testdb.Unique("支部"), "农村"))
	var tour int64
	testdb.Get(t, db, &tour, `INSERT INTO tours (title, destination, starts_on, ends_on, total_seats, signup_opens_at,
		signup_closes_at, cancel_deadline, year) VALUES ('井冈山考察', '江西', '2031-05-01', '2031-05-03', 4,
		'2031-04-01', '2031-04-10', '2031-04-20', 2031) RETURNING id`)
	read := time.Date(2031, 4, 2, 9, 0, 0, 0, web.China)
	sent := time.Date(2031, 4, 1, 9, 0, 0, 0, web.China)
	long := "您报名的「井冈山考察」未通过审核。理由：" + fmt.Sprintf("%0120d", 7)
	testdb.Exec(t, db, `INSERT INTO tour_messages (user_id, tour_id, body, read_at, created_at) VALUES
		($1, $2, '您已报名「井冈山考察」，等待乡镇组织委员审核。', $3, $4),
		($1, $2, $5, NULL, $4 + interval '1 hour'),
		($1, NULL, E'没有考察的\n消息', NULL, $4 + interval '2 hours')`, sec, tour, read, sent, long)

	if _, err := p.UpTo(ctx, 66); err != nil {
		t.Fatal(err)
	}
	var ms []Message
	if err := db.Select(&ms, `SELECT `+cols+` FROM messages WHERE user_id = $1 ORDER BY created_at`, sec); err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("/tours/%d", tour)
	if len(ms) != 3 {
		t.Fatalf("moved %d messages", len(ms))
	}
	if m := ms[0]; m.Kind != "tour" || m.Title != "您已报名「井冈山考察」，等待乡镇组织委员审核。" || m.Body != m.Title || m.URL != url ||
		m.ReadAt == nil || !m.ReadAt.Equal(read) || !m.CreatedAt.Equal(sent) {
		t.Fatalf("first: %+v", m)
	}
	if m := ms[1]; m.Body != long || len([]rune(m.Title)) != 100 || m.ReadAt != nil || m.URL != url {
		t.Fatalf("long: %+v (title %d characters)", m, len([]rune(m.Title)))
	}
	if m := ms[2]; m.Title != "没有考察的 消息" || m.URL != "" {
		t.Fatalf("without tour: %+v", m)
	}
	var left int
	testdb.Get(t, db, &left, `SELECT count(*) FROM pg_tables WHERE tablename = 'tour_messages'`)
	if left != 0 {
		t.Fatal("tour_messages not dropped")
	}

	// Down: the tour messages go back as they were.
	if _, err := p.DownTo(ctx, 65); err != nil {
		t.Fatal(err)
	}
	var back []struct {
		TourID sql.NullInt64 `db:"tour_id"`
		Body   string        `db:"body"`
		Read   bool          `db:"read"`
	}
	if err := db.Select(&back, `SELECT tour_id, body, read_at IS NOT NULL AS read FROM tour_messages WHERE user_id = $1 ORDER BY created_at`, sec); err != nil {
		t.Fatal(err)
	}
	if len(back) != 3 || back[0].TourID.Int64 != tour || !back[0].Read || back[1].Body != long || back[2].TourID.Valid {
		t.Fatalf("back: %+v", back)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
}
