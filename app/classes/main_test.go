package classes

import (
	"testing"

	"github.com/jmoiron/sqlx"

	"zhibu/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// inboxMessage is a message the classes posted to a person's inbox (inbox.Post).
type inboxMessage struct {
	Title string `db:"title"`
	Body  string `db:"body"`
	URL   string `db:"url"`
}

// messagesOf returns the person's class messages, newest first.
func messagesOf(t testing.TB, db *sqlx.DB, userID int64) []inboxMessage {
	t.Helper()
	var ms []inboxMessage
	if err := db.Select(&ms, `SELECT title, body, url FROM messages WHERE user_id = $1 AND kind = 'class'
		ORDER BY created_at DESC, id DESC`, userID); err != nil {
		t.Fatal(err)
	}
	return ms
}
