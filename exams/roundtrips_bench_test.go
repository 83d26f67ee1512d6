package exams

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// BenchmarkRoundTrips counts, per hot request of an exam morning (start, one save, a batch
// of 10 saves, submit, result), the SQL statements the server sends PostgreSQL and the
// network round trips they cost (issue 17). The server's pool dials through wireCounter,
// which reads the PostgreSQL frontend protocol the driver writes:
//
//   - stmts/op: statements executed: simple queries ('Q') other than BEGIN/COMMIT/ROLLBACK
//     plus extended-protocol executions ('E');
//   - tx/op: BEGIN, COMMIT and ROLLBACK sent;
//   - parses/op: statements parsed ('P'); lib/pq parses every query with arguments
//     again unless it runs through a prepared statement;
//   - roundtrips/op: each time the driver reads after it wrote (it waits for the server).
//
// Saves answer a fresh attempt's 50 questions in order, so with -benchtime 50x (or any
// multiple of 50) save's figures are one attempt's average, its first save included.
//
// Each request runs twice over: "db-session", the test server as it is (no session
// notifications: the session lookup costs one query per request), and "cached-session"
// with Sessions.Listen running as `zhibu serve` does, the session read just before (so
// the request finds it in the cache; at exam pacing of 5–20 s between answers and the
// default 5 s cache, many real saves miss it and cost the db-session figure).
//
// The test server mounts exams with Deps{} (no inbox or course hooks): submit in
// `zhibu serve` may cost a little more. After the sub-benchmarks it prints a table and
// the total for one attempt: start + 50 saves one at a time + submit + result.
//
//	go test -run '^$' -bench RoundTrips -benchtime 50x ./exams/
//
// With -v it also prints what the first request of each kind sent: every simple query
// and parse with its SQL, and every execute.
func BenchmarkRoundTrips(b *testing.B) {
	type row struct {
		name string
		c    wireCounts
		n    int
	}
	var rows []row
	for _, mode := range []struct {
		name  string
		cache bool
	}{{"db-session", false}, {"cached-session", true}} {
		rt := newRoundTripEnv(b, mode.cache)
		run := func(req string, f func(b *testing.B) wireCounts) {
			b.Run(mode.name+"/"+req, func(b *testing.B) {
				c := f(b)
				if b.Skipped() || b.Failed() {
					return
				}
				n := float64(b.N)
				b.ReportMetric(float64(c.stmts)/n, "stmts/op")
				b.ReportMetric(float64(c.tx)/n, "tx/op")
				b.ReportMetric(float64(c.parses)/n, "parses/op")
				b.ReportMetric(float64(c.rtt)/n, "roundtrips/op")
				rows = append(rows, row{mode.name + "/" + req, c, b.N})
			})
		}
		run("start", rt.benchStart)
		run("save", rt.benchSave)
		run("save-batch10", rt.benchBatch)
		run("submit", rt.benchSubmit)
		run("result", rt.benchResult)
	}

	// The summary: the last run of each sub-benchmark (b.Run calls it with growing b.N).
	last := map[string]row{}
	var names []string
	for _, r := range rows {
		if _, ok := last[r.name]; !ok {
			names = append(names, r.name)
		}
		last[r.name] = r
	}
	per := func(name string) (s, t, p, r float64, ok bool) {
		x, ok := last[name]
		if !ok {
			return 0, 0, 0, 0, false
		}
		n := float64(x.n)
		return float64(x.c.stmts) / n, float64(x.c.tx) / n, float64(x.c.parses) / n, float64(x.c.rtt) / n, true
	}
	fmt.Printf("\nstatements and round trips per request (test server, lib/pq)\n")
	fmt.Printf("%-30s %8s %8s %8s %11s\n", "request", "stmts", "tx", "parses", "roundtrips")
	for _, name := range names {
		s, t, p, r, _ := per(name)
		fmt.Printf("%-30s %8.1f %8.1f %8.1f %11.1f\n", name, s, t, p, r)
	}
	for _, mode := range []string{"db-session", "cached-session"} {
		var ts, tr float64
		ok := true
		for _, part := range []struct {
			req string
			k   float64
		}{{"start", 1}, {"save", 50}, {"submit", 1}, {"result", 1}} {
			s, t, _, r, found := per(mode + "/" + part.req)
			ok = ok && found
			ts += part.k * (s + t)
			tr += part.k * r
		}
		if ok {
			fmt.Printf("one attempt (%s: start + 50 saves + submit + result): %.0f statements incl. BEGIN/COMMIT, %.0f round trips\n", mode, ts, tr)
		}
	}
}

// ---------------------------------------------------------------- the counting wire

// wireCounter counts what every connection dialled through it sends PostgreSQL.
type wireCounter struct {
	stmts, tx, parses, rtt atomic.Int64

	tracing atomic.Bool // record what is sent, for -v
	mu      sync.Mutex
	trace   []string
}

func (w *wireCounter) note(kind string, text []byte) {
	if !w.tracing.Load() {
		return
	}
	q := strings.Join(strings.Fields(string(bytes.TrimRight(text, "\x00"))), " ")
	if len(q) > 110 {
		q = q[:110] + "…"
	}
	w.mu.Lock()
	w.trace = append(w.trace, kind+" "+q)
	w.mu.Unlock()
}

// traced runs f recording the messages sent, and returns them.
func (w *wireCounter) traced(f func()) []string {
	w.mu.Lock()
	w.trace = nil
	w.mu.Unlock()
	w.tracing.Store(true)
	f()
	w.tracing.Store(false)
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.trace
}

type wireCounts struct{ stmts, tx, parses, rtt int64 }

func (w *wireCounter) snap() wireCounts {
	return wireCounts{w.stmts.Load(), w.tx.Load(), w.parses.Load(), w.rtt.Load()}
}

func (a wireCounts) sub(b wireCounts) wireCounts {
	return wireCounts{a.stmts - b.stmts, a.tx - b.tx, a.parses - b.parses, a.rtt - b.rtt}
}

func (a wireCounts) add(b wireCounts) wireCounts {
	return wireCounts{a.stmts + b.stmts, a.tx + b.tx, a.parses + b.parses, a.rtt + b.rtt}
}

// pq.Dialer (and DialerContext).
func (w *wireCounter) Dial(network, addr string) (net.Conn, error) {
	return w.DialContext(context.Background(), network, addr)
}

func (w *wireCounter) DialTimeout(network, addr string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return w.DialContext(ctx, network, addr)
}

func (w *wireCounter) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, w: w}, nil
}

// countingConn parses the frontend message stream: the start-up packet (no type byte),
// then typed messages (type, int32 length including itself, body).
type countingConn struct {
	net.Conn
	w       *wireCounter
	mu      sync.Mutex
	wrote   bool // written since the last read: the next read waits for the server
	started bool // the start-up packet is behind us
	pending []byte
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.wrote = true
	c.pending = append(c.pending, p...)
	c.parse()
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *countingConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	if c.wrote {
		c.wrote = false
		c.w.rtt.Add(1)
	}
	c.mu.Unlock()
	return c.Conn.Read(p)
}

func (c *countingConn) parse() {
	for {
		if !c.started {
			if len(c.pending) < 4 {
				return
			}
			n := int(binary.BigEndian.Uint32(c.pending))
			if len(c.pending) < n {
				return
			}
			c.pending, c.started = c.pending[n:], true
			continue
		}
		if len(c.pending) < 5 {
			return
		}
		n := 1 + int(binary.BigEndian.Uint32(c.pending[1:]))
		if len(c.pending) < n {
			return
		}
		msg := c.pending[:n]
		switch msg[0] {
		case 'Q':
			c.w.note("query  ", msg[5:])
			q := strings.ToUpper(strings.TrimSpace(string(bytes.TrimRight(msg[5:], "\x00"))))
			if strings.HasPrefix(q, "BEGIN") || strings.HasPrefix(q, "START TRANSACTION") ||
				strings.HasPrefix(q, "COMMIT") || strings.HasPrefix(q, "ROLLBACK") || strings.HasPrefix(q, "END") {
				c.w.tx.Add(1)
			} else {
				c.w.stmts.Add(1)
			}
		case 'E':
			c.w.stmts.Add(1)
			c.w.note("execute", nil)
		case 'P':
			c.w.parses.Add(1)
			// Parse: statement name (C string), then the query (C string).
			if i := bytes.IndexByte(msg[5:], 0); i >= 0 {
				name := string(msg[5 : 5+i])
				if name != "" {
					name = "(prepared as " + name + ") "
				}
				c.w.note("parse  ", append([]byte(name), msg[5+i+1:]...))
			}
		}
		c.pending = c.pending[n:]
		if len(c.pending) == 0 {
			c.pending = nil
		}
	}
}

// ---------------------------------------------------------------- the server under count

type roundTripEnv struct {
	*env
	w     *wireCounter
	cache bool
	exam  int64
	shown map[string]bool // sub-benchmarks whose messages -v printed
}

// newRoundTripEnv builds a test server whose pool dials through a wireCounter, a county
// and a 50-question exam (30 单选 + 10 多选 + 10 判断) like the demo's.
func newRoundTripEnv(b *testing.B, cache bool) *roundTripEnv {
	b.Helper()
	shared := testdb.DB(b)
	w := &wireCounter{}
	pc, err := pq.NewConnector(testdb.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	pc.Dialer(w)
	db := sqlx.NewDb(sql.OpenDB(pc), "postgres")
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	b.Cleanup(func() { db.Close() })
	srv := webtest.Server(b, db, web.Config{Logger: slog.New(slog.DiscardHandler)}, func(s *web.Server) error { return Mount(s, Deps{}) })
	if cache {
		ctx, cancel := context.WithCancel(context.Background())
		b.Cleanup(cancel)
		srv.Sessions.Listen(ctx, testdb.URL(b), slog.New(slog.DiscardHandler))
	}
	e := &env{db: shared, srv: srv, county: testdb.MakeCounty(b, shared), cat: testdb.Unique("分类")}
	e.bank(b, 40, 15, 15)
	exam := e.examWith(b, func(in *ExamInput) {
		in.Rules = []Rule{{Kind: KindSingle, Category: e.cat, Count: 30, Points: 1}, {Kind: KindMultiple, Category: e.cat, Count: 10, Points: 2},
			{Kind: KindJudge, Category: e.cat, Count: 10, Points: 1}}
		in.PassScore = 42
	})
	rt := &roundTripEnv{env: e, w: w, cache: cache, exam: exam, shown: map[string]bool{}}
	rt.started(b) // the first start loads the question pools; not an exam-morning cost
	return rt
}

// candidate signs in a fresh secretary of the first township.
func (rt *roundTripEnv) candidate(b *testing.B) *webtest.Client {
	id := testdb.User(b, rt.db, "secretary", testdb.Unique("rtsec"), rt.county.Townships[0], rt.county.Branches[0][0])
	return webtest.AsUser(b, rt.srv, id)
}

// warm reads the caller's session (with the cache on, it is then cached for a few seconds).
func (rt *roundTripEnv) warm(b *testing.B, cl *webtest.Client) {
	if rt.cache {
		cl.JSON("GET", "/api/v1/attempts/0", nil)
	}
}

// count runs one request and returns what it sent PostgreSQL.
func (rt *roundTripEnv) count(b *testing.B, cl *webtest.Client, method, path string, in any, want ...int) wireCounts {
	b.Helper()
	rt.warm(b, cl)
	var st int
	var body []byte
	var c wireCounts
	do := func() {
		b.StartTimer()
		before := rt.w.snap()
		st, body = cl.JSON(method, path, in)
		c = rt.w.snap().sub(before)
		b.StopTimer()
	}
	if testing.Verbose() && !rt.shown[b.Name()] { // -v: what the first request sent
		rt.shown[b.Name()] = true
		sent := rt.w.traced(do)
		b.Logf("%s %s sent PostgreSQL:\n\t%s", method, path, strings.Join(sent, "\n\t"))
	} else {
		do()
	}
	for _, w := range want {
		if st == w {
			return c
		}
	}
	b.Fatalf("%s %s: %d %s", method, path, st, body)
	return c
}

// started signs in a fresh secretary and starts the exam (not counted).
func (rt *roundTripEnv) started(b *testing.B) (*webtest.Client, attemptJSON) {
	cl := rt.candidate(b)
	st, body := cl.JSON("POST", fmt.Sprintf("/api/v1/exams/%d/attempts", rt.exam), nil)
	if st != 201 {
		b.Fatalf("start: %d %s", st, body)
	}
	var a attemptJSON
	webtest.Decode(b, body, &a)
	return cl, a
}

func answerFor(kind string) []string {
	if kind == KindMultiple {
		return []string{"A", "B"}
	}
	return []string{"A"}
}

func (rt *roundTripEnv) benchStart(b *testing.B) wireCounts {
	b.StopTimer()
	var sum wireCounts
	for i := 0; i < b.N; i++ {
		cl := rt.candidate(b)
		sum = sum.add(rt.count(b, cl, "POST", fmt.Sprintf("/api/v1/exams/%d/attempts", rt.exam), nil, 201))
	}
	return sum
}

func (rt *roundTripEnv) benchSave(b *testing.B) wireCounts {
	b.StopTimer()
	var cl *webtest.Client
	var a attemptJSON
	var sum wireCounts
	for i := 0; i < b.N; i++ {
		if i%50 == 0 { // a new attempt every 50 saves: -benchtime 50x is one attempt's average
			cl, a = rt.started(b)
		}
		it := a.Items[i%len(a.Items)]
		sum = sum.add(rt.count(b, cl, "PUT", fmt.Sprintf("/api/v1/attempts/%d/answers/%d", a.ID, it.Position),
			map[string]any{"answer": answerFor(it.Kind)}, 200))
	}
	return sum
}

func (rt *roundTripEnv) benchBatch(b *testing.B) wireCounts {
	b.StopTimer()
	cl, a := rt.started(b)
	batch := func(i int) map[string]any {
		var ans []map[string]any
		for k := 0; k < 10; k++ {
			it := a.Items[(i*10+k)%len(a.Items)]
			ans = append(ans, map[string]any{"position": it.Position, "answer": answerFor(it.Kind)})
		}
		return map[string]any{"answers": ans}
	}
	path := fmt.Sprintf("/api/v1/attempts/%d/answers", a.ID)
	if st, _ := cl.JSON("PUT", path, batch(0)); st == 404 || st == 405 {
		b.Skip("PUT /api/v1/attempts/{id}/answers is not mounted yet")
	}
	var sum wireCounts
	for i := 0; i < b.N; i++ {
		sum = sum.add(rt.count(b, cl, "PUT", path, batch(i), 200))
	}
	return sum
}

func (rt *roundTripEnv) benchSubmit(b *testing.B) wireCounts {
	b.StopTimer()
	var sum wireCounts
	for i := 0; i < b.N; i++ {
		cl, a := rt.started(b)
		for _, it := range a.Items[:10] {
			cl.JSON("PUT", fmt.Sprintf("/api/v1/attempts/%d/answers/%d", a.ID, it.Position), map[string]any{"answer": answerFor(it.Kind)})
		}
		sum = sum.add(rt.count(b, cl, "POST", fmt.Sprintf("/api/v1/attempts/%d/submit", a.ID), nil, 200))
	}
	return sum
}

func (rt *roundTripEnv) benchResult(b *testing.B) wireCounts {
	b.StopTimer()
	cl, a := rt.started(b)
	if st, body := cl.JSON("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", a.ID), nil); st != 200 {
		b.Fatalf("submit: %d %s", st, body)
	}
	var sum wireCounts
	for i := 0; i < b.N; i++ {
		sum = sum.add(rt.count(b, cl, "GET", fmt.Sprintf("/api/v1/attempts/%d", a.ID), nil, 200))
	}
	return sum
}

// TestWireCounter checks the counter on statements whose cost is known: a query without
// arguments is one simple-protocol message and one round trip; with arguments lib/pq
// parses, then binds and executes: two round trips; a transaction adds BEGIN and COMMIT.
func TestWireCounter(t *testing.T) {
	testdb.DB(t)
	w := &wireCounter{}
	pc, err := pq.NewConnector(testdb.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	pc.Dialer(w)
	db := sqlx.NewDb(sql.OpenDB(pc), "postgres")
	defer db.Close()
	db.SetMaxIdleConns(1)
	if err := db.Ping(); err != nil { // dial and start-up outside the counts
		t.Fatal(err)
	}
	var n int
	for _, c := range []struct {
		name string
		f    func() error
		want wireCounts
	}{
		{"no arguments", func() error { return db.Get(&n, `SELECT 1`) }, wireCounts{stmts: 1, rtt: 1}},
		{"one argument", func() error { return db.Get(&n, `SELECT $1::int`, 2) }, wireCounts{stmts: 1, parses: 1, rtt: 2}},
		{"transaction", func() error {
			tx, err := db.Beginx()
			if err != nil {
				return err
			}
			if err := tx.Get(&n, `SELECT $1::int`, 3); err != nil {
				return err
			}
			_, err = tx.Exec(`SELECT 4`)
			if err != nil {
				return err
			}
			return tx.Commit()
		}, wireCounts{stmts: 2, tx: 2, parses: 1, rtt: 5}},
	} {
		before := w.snap()
		if err := c.f(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := w.snap().sub(before); got != c.want {
			t.Errorf("%s: counted %+v, want %+v", c.name, got, c.want)
		}
	}
}
