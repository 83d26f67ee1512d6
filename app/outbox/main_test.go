package outbox

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/testdb"
	"zhibu/app/web"
)

func TestMain(m *testing.M) { testdb.Main(m) }

const testSecret = "0123456789abcdef-test-secret"

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// clock is a fake clock the tests move by hand: no test sleeps.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// receiver is a fake relay: it checks every request's signature and headers the way
// docs/outbox.md tells a receiver to, counts deliveries per id, and answers with the
// status answer gives for the n-th request (1-based; nil: 200).
type receiver struct {
	t      testing.TB
	srv    *httptest.Server
	mu     sync.Mutex
	n      int
	byID   map[int64]int
	bodies []Delivery
	bad    []string
	answer func(n int) int
	hook   func(n int) // called before answering (tests that hold a send)
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{t: t, byID: map[int64]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.n++
	n := r.n
	var d Delivery
	switch {
	case req.Method != http.MethodPost:
		r.bad = append(r.bad, "method "+req.Method)
	case req.Header.Get("Content-Type") != "application/json":
		r.bad = append(r.bad, "content type "+req.Header.Get("Content-Type"))
	case !Verify([]byte(testSecret), body, req.Header.Get(HeaderSignature)):
		r.bad = append(r.bad, "signature "+req.Header.Get(HeaderSignature))
	case json.Unmarshal(body, &d) != nil:
		r.bad = append(r.bad, "body "+string(body))
	case req.Header.Get(HeaderDelivery) != jsonInt(d.ID):
		r.bad = append(r.bad, "delivery header "+req.Header.Get(HeaderDelivery))
	default:
		r.byID[d.ID]++
		r.bodies = append(r.bodies, d)
	}
	answer, hook := r.answer, r.hook
	r.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	status := 200
	if answer != nil {
		status = answer(n)
	}
	w.WriteHeader(status)
	if status >= 300 {
		io.WriteString(w, "接收方说：暂时不行")
	}
}

func jsonInt(id int64) string { b, _ := json.Marshal(id); return string(b) }

// check fails the test for any request the receiver refused to read.
func (r *receiver) check() {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.bad) > 0 {
		r.t.Fatalf("receiver got bad requests: %v", r.bad)
	}
}

func (r *receiver) count(id int64) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byID[id]
}

func (r *receiver) requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// fixture is a clean outbox (the package's database is shared by its tests), a county,
// a receiver and an outbox sending to it on a fake clock.
type fixture struct {
	db  *sqlx.DB
	c   testdb.County
	rcv *receiver
	clk *clock
	o   *Outbox
	w   *Worker
}

func setup(t *testing.T, cfg Config) fixture {
	t.Helper()
	db := testdb.DB(t)
	testdb.Exec(t, db, `DELETE FROM outbox`)
	f := fixture{db: db, c: testdb.MakeCounty(t, db), rcv: newReceiver(t), clk: newClock()}
	cfg.WebhookURL, cfg.Secret, cfg.Now = f.rcv.srv.URL, testSecret, f.clk.Now
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://zhibu.example.gov.cn"
	}
	f.o = New(cfg)
	f.w = NewWorker(db, f.o, quiet())
	return f
}

// enqueue writes one outbound message for user and returns its row's id.
func (f fixture) enqueue(t *testing.T, user int64, kind string) int64 {
	t.Helper()
	if err := f.o.Enqueue(context.Background(), f.db, web.Message{UserID: user, Kind: kind, Title: "请于本周内完成必修课程", URL: "/courses/3"}); err != nil {
		t.Fatal(err)
	}
	var id int64
	testdb.Get(t, f.db, &id, `SELECT max(id) FROM outbox WHERE user_id = $1`, user)
	return id
}

type rowState struct {
	Status    string     `db:"status"`
	Attempts  int        `db:"attempts"`
	NextAt    time.Time  `db:"next_at"`
	LastError string     `db:"last_error"`
	SentAt    *time.Time `db:"sent_at"`
}

func (f fixture) row(t *testing.T, id int64) rowState {
	t.Helper()
	var r rowState
	testdb.Get(t, f.db, &r, `SELECT status, attempts, next_at, last_error, sent_at FROM outbox WHERE id = $1`, id)
	return r
}

// pass runs one worker pass and fails the test on an error.
func (f fixture) pass(t *testing.T) int {
	t.Helper()
	n, err := f.w.Pass(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}
