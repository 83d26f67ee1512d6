// Command examload simulates exam morning against a real zhibu server and PostgreSQL over
// HTTP through the stable API (issue 17). It is a load tool, never a timed test.
//
// -mode closed (the default) is the closed-loop maximum: for each concurrency in -c, N
// demo secretaries (C at once, each starting the next the moment one ends) start the demo
// exam, save every answer one request at a time, submit and fetch the result. It prints
// attempts/s, saves/s, p50/p95/p99 per call, errors, the CPU split between the app,
// PostgreSQL and this tool, and the server's peak RSS; then pgbench's single-row durable
// UPDATE ceiling at the same concurrency, measured right after on the same PostgreSQL,
// and saves/s as a ratio of it. Before that, -starts secretaries press 开始 at the same
// instant: the time until every one of them has the paper.
//
// -mode open is an exam morning with people's pacing: N secretaries arrive at random
// within -ramp, each pausing -pace-min to -pace-max (uniformly) before every answer, then
// submit and fetch the result. It reports save p50/p95/p99, errors, CPU and RSS.
//
// By default it builds and starts its own server on a fresh database (dropped first),
// seeded with a demo county big enough for everyone, signs everyone in by writing their
// sessions straight into that database (bcrypt logins would take minutes and are not part
// of exam morning), and stops the server at the end:
//
//	go run ./exams/examload -mode closed -c 50,200 -n 400 -starts 300
//	go run ./exams/examload -mode open -n 3000 -ramp 60s -pace-min 5s -pace-max 20s   # ≈ 12 min
//	go run ./exams/examload -mode open -n 3000 -answers 10                            # ≈ 4 min
//
// Against a running server (logins go through POST /api/v1/session; each demo secretary
// has 2 attempts, so reruns use them up; pgbench and the PostgreSQL CPU need -db):
//
//	go run ./exams/examload -url http://localhost:8080 -pid $(pgrep -n zhibu) -n 100 -c 50 -starts 0
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
)

type options struct {
	mode            string
	url, dbURL, bin string
	n, answers      int
	cs              []int
	starts          int
	pid             int
	timeout         time.Duration
	think           time.Duration
	ramp            time.Duration
	paceMin         time.Duration
	paceMax         time.Duration
	pgbench         bool
	pgbenchTime     time.Duration
	login           string
	ownConn         bool
}

func main() {
	var o options
	var cs string
	flag.StringVar(&o.mode, "mode", "closed", "closed: the closed-loop maximum at each -c (plus -starts and pgbench); open: open-loop arrivals with people's pacing")
	flag.StringVar(&o.url, "url", "", "base URL of a running server (empty: build and start one on a fresh database)")
	flag.StringVar(&o.dbURL, "db", loadDB(), "database for the self-started server (dropped and recreated; name must contain \"load\"); also pgbench's scratch table")
	flag.StringVar(&o.bin, "bin", "", "zhibu binary for the self-started server (empty: go build ./app)")
	flag.IntVar(&o.n, "n", 0, "secretaries: closed, per concurrency level (default 400); open, arriving within -ramp (default 3000)")
	flag.StringVar(&cs, "c", "50,200", "closed: how many take it at the same time, comma-separated for several runs")
	flag.IntVar(&o.answers, "answers", 50, "answers saved per attempt, one request each (at most the paper size)")
	flag.IntVar(&o.starts, "starts", 300, "closed: secretaries pressing start at the same instant, before the runs (0: skip)")
	flag.IntVar(&o.pid, "pid", 0, "pid of the server, for its CPU and peak RSS (self-started: known)")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Minute, "stop the whole run after this long")
	flag.DurationVar(&o.think, "think", 0, "closed: mean pause before each answer (0: save back to back, a stress test)")
	flag.DurationVar(&o.ramp, "ramp", time.Minute, "open: everyone arrives (starts) within this long, at uniformly random times")
	flag.DurationVar(&o.paceMin, "pace-min", 5*time.Second, "open: shortest pause before an answer")
	flag.DurationVar(&o.paceMax, "pace-max", 20*time.Second, "open: longest pause before an answer")
	flag.BoolVar(&o.pgbench, "pgbench", true, "closed: measure pgbench's single-row UPDATE ceiling at each -c after its run")
	flag.DurationVar(&o.pgbenchTime, "pgbench-time", 10*time.Second, "closed: how long each pgbench run lasts")
	flag.StringVar(&o.login, "login", "auto", "how secretaries sign in: db (sessions written into -db), http (POST /api/v1/session, bcrypt), auto (db when self-started)")
	flag.BoolVar(&o.ownConn, "own-conn", true, "open: each secretary keeps her own keep-alive connection, as her phone would (false: one shared pool)")
	flag.Parse()
	for _, f := range strings.Split(cs, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || c < 1 {
			fmt.Fprintf(os.Stderr, "examload: -c %q: want positive numbers separated by commas\n", cs)
			os.Exit(2)
		}
		o.cs = append(o.cs, c)
	}
	if o.n == 0 {
		o.n = map[string]int{"closed": 400, "open": 3000}[o.mode]
	}
	if o.mode != "closed" && o.mode != "open" || o.n < 1 || o.answers < 1 || o.paceMax < o.paceMin {
		fmt.Fprintln(os.Stderr, "examload: -mode is closed or open; -n and -answers positive; -pace-max at least -pace-min")
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "examload:", err)
		os.Exit(1)
	}
}

// loadDB is DATABASE_URL's server with the database zhibu_examload.
func loadDB() string {
	u, err := url.Parse(os.Getenv("DATABASE_URL"))
	if err != nil || u.Host == "" {
		u, _ = url.Parse("postgres://postgres@127.0.0.1:5432/?sslmode=disable")
	}
	u.Path = "/zhibu_examload"
	return u.String()
}

// secretaries is how many demo secretaries the run needs.
func (o options) secretaries() int {
	if o.mode == "open" {
		return o.n
	}
	return o.n*len(o.cs) + o.starts
}

func run(o options) error {
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	selfStarted := o.url == ""
	if selfStarted {
		srv, err := startServer(ctx, o)
		if err != nil {
			return err
		}
		defer srv.stop()
		o.url, o.pid = srv.url, srv.cmd.Process.Pid
	}
	conns := max(o.starts, 100)
	for _, c := range o.cs {
		conns = max(conns, c)
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute}}

	t0 := time.Now()
	useDB := o.login == "db" || (o.login == "auto" && selfStarted)
	users, err := signIn(ctx, client, o, useDB)
	if err != nil {
		return err
	}
	how := "POST /api/v1/session"
	if useDB {
		how = "sessions written into " + redact(o.dbURL)
	}
	fmt.Printf("signed in %d secretaries in %s (%s)\n", len(users), time.Since(t0).Round(time.Millisecond), how)
	if o.mode == "open" && o.ownConn {
		for _, u := range users {
			u.hc = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1, IdleConnTimeout: time.Minute}}
		}
	}
	examID, err := demoExam(ctx, client, o.url, users[0])
	if err != nil {
		return err
	}
	cpu := newCPUMeter(o.pid, o.dbURL)
	defer cpu.close()
	fmt.Printf("server: %s, pid %d, session cache TTL %s, DB pool %s connections; %d cores\n",
		o.url, o.pid, envOr("ZHIBU_SESSION_CACHE_TTL", "30s (default)"), envOr("ZHIBU_DB_MAX_CONNS", "20 (default)"), numCPU())
	lg := &load{ctx: ctx, c: client, base: o.url, exam: examID}
	var failed int
	if o.mode == "open" {
		failed = runOpen(lg, o, users, cpu)
	} else {
		failed = runClosed(lg, o, users, cpu)
	}
	if failed > 0 {
		return fmt.Errorf("%d errors", failed)
	}
	return nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "the database"
	}
	return u.Redacted()
}

// ---------------------------------------------------------------- the server

type server struct {
	cmd *exec.Cmd
	url string
}

func (s *server) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
	}
}

func startServer(ctx context.Context, o options) (*server, error) {
	if err := recreateDB(ctx, o.dbURL); err != nil {
		return nil, err
	}
	bin := o.bin
	if bin == "" {
		bin = filepath.Join(os.TempDir(), "zhibu-examload-server")
		fmt.Println("building ./app …")
		b := exec.CommandContext(ctx, "go", "build", "-o", bin, "./app")
		b.Stdout, b.Stderr = os.Stdout, os.Stderr
		if err := b.Run(); err != nil {
			return nil, fmt.Errorf("go build ./app (run from the repository root): %w", err)
		}
	}
	env := append(os.Environ(), "DATABASE_URL="+o.dbURL, "ZHIBU_LOG_LEVEL=warn")
	n := o.secretaries()
	townships := max(1, min(20, n/10))
	seed := exec.CommandContext(ctx, bin, "seed-demo", "-townships", strconv.Itoa(townships), "-secretaries", strconv.Itoa(max(n, townships)))
	seed.Env, seed.Stdout, seed.Stderr = env, os.Stdout, os.Stderr
	t0 := time.Now()
	if err := seed.Run(); err != nil {
		return nil, fmt.Errorf("seed-demo: %w", err)
	}
	fmt.Printf("seeded demo county (%d townships, %d secretaries) in %s\n", townships, n, time.Since(t0).Round(time.Millisecond))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(env, "ZHIBU_LISTEN="+addr)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, url: "http://" + addr}
	for i := 0; i < 100; i++ {
		if resp, err := http.Get(s.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				fmt.Printf("server pid %d ready at %s\n", cmd.Process.Pid, s.url)
				return s, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.stop()
	return nil, errors.New("server did not become ready")
}

func recreateDB(ctx context.Context, dsn string) error {
	u, err := url.Parse(dsn)
	if err != nil {
		return err
	}
	name := strings.TrimPrefix(u.Path, "/")
	if !strings.Contains(name, "load") {
		return fmt.Errorf("refusing to drop database %q: its name must contain \"load\"", name)
	}
	u.Path = "/postgres"
	db, err := sql.Open("postgres", u.String())
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `CREATE DATABASE "`+name+`"`)
	return err
}

// ---------------------------------------------------------------- the candidates

type user struct {
	name, cookie, csrf string
	hc                 *http.Client // her own connection (-own-conn); nil: the shared pool
}

// demoName is the username of demo secretary i (0-based).
func demoName(i int) string {
	if i == 0 {
		return "secretary"
	}
	return fmt.Sprintf("secretary%d", i+1)
}

func signIn(ctx context.Context, c *http.Client, o options, useDB bool) ([]*user, error) {
	n := o.secretaries()
	if useDB {
		return dbSessions(ctx, o.dbURL, n)
	}
	users := make([]*user, n)
	var loginErr atomic.Value
	parallel(n, 4, func(i int) { // 2 cores: more logins at once only queue behind bcrypt
		u, err := login(ctx, c, o.url, demoName(i))
		if err != nil {
			loginErr.Store(err)
			return
		}
		users[i] = u
	})
	if err, _ := loginErr.Load().(error); err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	return users, nil
}

// dbSessions signs in demo secretaries 0..n-1 by inserting sessions the way
// app/web.Sessions.Create does (the table keeps the token's SHA-256, hex).
func dbSessions(ctx context.Context, dsn string, n int) ([]*user, error) {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	names := make([]string, n)
	for i := range names {
		names[i] = demoName(i)
	}
	rows, err := db.QueryContext(ctx, `SELECT id, username FROM users WHERE username = ANY($1) AND active`, pq.Array(names))
	if err != nil {
		return nil, fmt.Errorf("sign in through the database: %w", err)
	}
	ids := map[string]int64{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return nil, err
		}
		ids[name] = id
	}
	rows.Close()
	users := make([]*user, n)
	var hashes, csrfs []string
	var uids []int64
	for i, name := range names {
		id, ok := ids[name]
		if !ok {
			return nil, fmt.Errorf("no active demo secretary %q in %s", name, redact(dsn))
		}
		token, csrf := randomToken(32), randomToken(24)
		sum := sha256.Sum256([]byte(token))
		hashes, csrfs, uids = append(hashes, hex.EncodeToString(sum[:])), append(csrfs, csrf), append(uids, id)
		users[i] = &user{name: name, cookie: "zhibu_session=" + token, csrf: csrf}
	}
	_, err = db.ExecContext(ctx, `
		INSERT INTO sessions (id, user_id, csrf_token, expires_at, ip, user_agent)
		SELECT s.id, s.user_id, s.csrf, now() + interval '1 day', '127.0.0.1', 'examload'
		FROM unnest($1::text[], $2::bigint[], $3::text[]) AS s(id, user_id, csrf)`,
		pq.Array(hashes), pq.Array(uids), pq.Array(csrfs))
	if err != nil {
		return nil, fmt.Errorf("sign in through the database: %w", err)
	}
	return users, nil
}

func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func login(ctx context.Context, c *http.Client, base, name string) (*user, error) {
	body, _ := json.Marshal(map[string]string{"username": name, "password": "zhibu-demo"})
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/session", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%s: %d %s", name, resp.StatusCode, b)
	}
	json.Unmarshal(b, &out)
	u := &user{name: name, csrf: out.CSRF}
	for _, ck := range resp.Cookies() {
		if ck.Name == "zhibu_session" {
			u.cookie = ck.Name + "=" + ck.Value
		}
	}
	if u.cookie == "" {
		return nil, errors.New("no session cookie")
	}
	return u, nil
}

func (u *user) do(ctx context.Context, c *http.Client, method, url string, body []byte) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, _ := http.NewRequestWithContext(ctx, method, url, r)
	req.Header.Set("Cookie", u.cookie)
	req.Header.Set("X-CSRF-Token", u.csrf)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if u.hc != nil {
		c = u.hc
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func demoExam(ctx context.Context, c *http.Client, base string, u *user) (int64, error) {
	st, b, err := u.do(ctx, c, "GET", base+"/api/v1/exams?open=1", nil)
	if err != nil || st != 200 {
		return 0, fmt.Errorf("list exams: %d %v %s", st, err, b)
	}
	var out struct {
		Exams []struct {
			ID        int64  `json:"id"`
			Questions int    `json:"questions"`
			State     string `json:"state"`
		} `json:"exams"`
	}
	json.Unmarshal(b, &out)
	for _, e := range out.Exams {
		if e.Questions >= 50 && (e.State == "open" || e.State == "resume") {
			return e.ID, nil
		}
	}
	return 0, fmt.Errorf("no open exam with 50 questions for %s (attempts used up?)", u.name)
}

func parallel(n, c int, f func(i int)) {
	sem := make(chan struct{}, c)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			f(i)
		}(i)
	}
	wg.Wait()
}
