package inbox

import (
	"context"
	"testing"

	"github.com/jmoiron/sqlx"

	"zhibu/app/testdb"
	"zhibu/app/web"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// post writes msgs in a transaction of their own, failing the test when that fails.
func post(t testing.TB, db *sqlx.DB, msgs ...web.Message) {
	t.Helper()
	tx, err := db.BeginTxx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := Post(context.Background(), tx, msgs...); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// ids returns the person's message ids, newest first.
func ids(t testing.TB, db *sqlx.DB, userID int64) []int64 {
	t.Helper()
	var out []int64
	if err := db.Select(&out, `SELECT id FROM messages WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, userID); err != nil {
		t.Fatal(err)
	}
	return out
}

func unread(t testing.TB, db *sqlx.DB, userID int64) int {
	t.Helper()
	n, err := NewStore(db).Unread(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
