package notices

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// recorder is a fake inbox (Deps.Post) that remembers every call.
type recorder struct {
	mu    sync.Mutex
	calls [][]web.Message
	inTx  []bool
}

func (r *recorder) Post(ctx context.Context, q sqlx.ExtContext, msgs ...web.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, tx := q.(*sqlx.Tx)
	r.calls = append(r.calls, append([]web.Message(nil), msgs...))
	r.inTx = append(r.inTx, tx)
	return nil
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls, r.inTx = nil, nil
}

// testMax is the attachment limit of the test server: small, so "too large" is cheap.
const testMax = 4 << 10

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// setup builds a county and a server with the notices mounted and a recording inbox.
func setup(t *testing.T) (*sqlx.DB, testdb.County, *web.Server, *recorder) {
	t.Helper()
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	rec := &recorder{}
	srv := webtest.Server(t, db, web.Config{Logger: quiet}, func(s *web.Server) error {
		return Mount(s, Deps{Post: rec.Post, MaxAttachment: testMax})
	})
	return db, c, srv, rec
}

// identity loads a user as the session would.
func identity(t *testing.T, db *sqlx.DB, id int64) *web.Identity {
	t.Helper()
	var me web.Identity
	testdb.Get(t, db, &me, `SELECT id AS user_id, username, name, role, COALESCE(township_id, 0) AS township_id,
		COALESCE(branch_id, 0) AS branch_id, must_change_password FROM users WHERE id = $1`, id)
	return &me
}

// mustCreate writes a notice as the user or fails the test.
func mustCreate(t *testing.T, s *Store, me *web.Identity, in NoticeInput) Notice {
	t.Helper()
	if in.Title == "" {
		in.Title = testdb.Unique("通知")
	}
	n, err := s.Create(context.Background(), me, in)
	if err != nil {
		t.Fatalf("create notice as %s: %v", me.Role, err)
	}
	return n
}
