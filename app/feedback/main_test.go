package feedback

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// inbox is a fake web.Post: it records the messages and, like the real inbox, works in
// the caller's transaction (a query on q fails when the transaction is gone).
type inbox struct {
	mu   sync.Mutex
	msgs []web.Message
	fail error // returned instead of posting
}

func (b *inbox) post(ctx context.Context, q sqlx.ExtContext, msgs ...web.Message) error {
	if b.fail != nil {
		return b.fail
	}
	if _, err := q.ExecContext(ctx, `SELECT 1`); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.msgs = append(b.msgs, msgs...)
	return nil
}

func (b *inbox) sent() []web.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]web.Message(nil), b.msgs...)
}

type clients struct {
	anon, sec, sec2, other, org, org2, admin *webtest.Client
}

func setup(t *testing.T) (*sqlx.DB, testdb.County, clients, *inbox) {
	t.Helper()
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	box := &inbox{}
	srv := webtest.Server(t, db, web.Config{}, func(s *web.Server) error { return Mount(s, Deps{Post: box.post}) })
	return db, c, clients{
		anon:  webtest.New(t, srv.App),
		sec:   webtest.AsUser(t, srv, c.Secretaries[0][0]),
		sec2:  webtest.AsUser(t, srv, c.Secretaries[0][1]),
		other: webtest.AsUser(t, srv, c.Secretaries[1][0]),
		org:   webtest.AsUser(t, srv, c.Organizers[0]),
		org2:  webtest.AsUser(t, srv, c.Organizers[1]),
		admin: webtest.AsUser(t, srv, c.Admin),
	}, box
}

// identity is the web.Identity of a test user, as the session would give it.
func identity(t testing.TB, db *sqlx.DB, id int64) *web.Identity {
	t.Helper()
	var me web.Identity
	testdb.Get(t, db, &me, `SELECT id AS user_id, username, name, role, COALESCE(township_id, 0) AS township_id,
		COALESCE(branch_id, 0) AS branch_id, must_change_password FROM users WHERE id = $1`, id)
	return &me
}

func expect(t *testing.T, what string, status int, body []byte, want int, code string) {
	t.Helper()
	if status != want {
		t.Fatalf("%s: status %d, want %d: %s", what, status, want, body)
	}
	if code != "" && webtest.ErrorCode(body) != code {
		t.Fatalf("%s: code %q, want %q: %s", what, webtest.ErrorCode(body), code, body)
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
