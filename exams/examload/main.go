// Command examload simulates exam morning against a real zhibu server over HTTP through
// the stable API: N demo secretaries (C at once) each log in, start the demo exam,
// save every answer one by one (PUT per question) and submit. It prints attempts/s,
// saves/s, p50/p95/p99 per call, errors and the server's peak RSS (VmHWM).
//
// By default it builds and starts its own server on a fresh database (dropped first),
// seeded with a demo county big enough for N secretaries, and stops it at the end:
//
//	go run ./exams/examload -n 500 -c 200
//
// Against a running server (each demo secretary has 2 attempts; reruns use them up):
//
//	go run ./exams/examload -url http://localhost:8080 -pid $(pgrep -n zhibu) -n 100
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/lib/pq"
)

type options struct {
	url, dbURL, bin string
	n, c, answers   int
	pid             int
	timeout         time.Duration
	think           time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.url, "url", "", "base URL of a running server (empty: build and start one on a fresh database)")
	flag.StringVar(&o.dbURL, "db", loadDB(), "database for the self-started server (dropped and recreated; name must contain \"load\")")
	flag.StringVar(&o.bin, "bin", "", "zhibu binary for the self-started server (empty: go build ./app)")
	flag.IntVar(&o.n, "n", 500, "number of secretaries taking the exam")
	flag.IntVar(&o.c, "c", 200, "how many take it at the same time")
	flag.IntVar(&o.answers, "answers", 50, "answers saved per attempt (at most the paper size)")
	flag.IntVar(&o.pid, "pid", 0, "pid of the server, for its peak RSS (self-started: known)")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Minute, "stop the whole run after this long")
	flag.DurationVar(&o.think, "think", 0, "mean pause before each answer (0: save back to back, a stress test)")
	flag.Parse()
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

func run(o options) error {
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	if o.url == "" {
		srv, err := startServer(ctx, o)
		if err != nil {
			return err
		}
		defer srv.stop()
		o.url, o.pid = srv.url, srv.cmd.Process.Pid
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: o.c * 2, MaxIdleConnsPerHost: o.c * 2, IdleConnTimeout: time.Minute}}

	// Log everyone in first (bcrypt is deliberately slow; not part of exam-morning timings).
	t0 := time.Now()
	users := make([]*user, o.n)
	var loginErr atomic.Value
	parallel(o.n, 4, func(i int) { // 2 cores: more logins at once only queue behind bcrypt
		name := "secretary"
		if i > 0 {
			name = fmt.Sprintf("secretary%d", i+1)
		}
		u, err := login(ctx, client, o.url, name)
		if err != nil {
			loginErr.Store(err)
			return
		}
		users[i] = u
	})
	if err, _ := loginErr.Load().(error); err != nil {
		return fmt.Errorf("login: %w", err)
	}
	fmt.Printf("logged in %d secretaries in %s\n", o.n, time.Since(t0).Round(time.Millisecond))
	examID, err := demoExam(ctx, client, o.url, users[0])
	if err != nil {
		return err
	}

	st := newStats()
	cpu0 := cpuSeconds(o.pid)
	start := time.Now()
	parallel(o.n, o.c, func(i int) { takeExam(ctx, client, o.url, users[i], examID, o.answers, o.think, st) })
	elapsed := time.Since(start)
	st.print(elapsed, o)
	if o.pid > 0 {
		used := cpuSeconds(o.pid) - cpu0
		fmt.Printf("server CPU      %.1f s (%.0f%% of one core; %.0f µs per call)\n", used, 100*used/elapsed.Seconds(),
			1e6*used/float64(st.calls()))
	}
	if o.pid > 0 {
		fmt.Printf("server peak RSS (VmHWM of pid %d): %s\n", o.pid, vmHWM(o.pid))
	}
	if st.errors() > 0 {
		return fmt.Errorf("%d errors", st.errors())
	}
	return nil
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
	townships := max(1, min(20, o.n/10))
	seed := exec.CommandContext(ctx, bin, "seed-demo", "-townships", strconv.Itoa(townships), "-secretaries", strconv.Itoa(max(o.n, townships)))
	seed.Env, seed.Stdout, seed.Stderr = env, os.Stdout, os.Stderr
	t0 := time.Now()
	if err := seed.Run(); err != nil {
		return nil, fmt.Errorf("seed-demo: %w", err)
	}
	fmt.Printf("seeded demo county (%d townships, %d secretaries) in %s\n", townships, o.n, time.Since(t0).Round(time.Millisecond))
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

func vmHWM(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.Atoi(strings.Fields(line)[1])
			return fmt.Sprintf("%.1f MB", float64(kb)/1024)
		}
	}
	return "unknown"
}

// ---------------------------------------------------------------- the candidates

type user struct {
	name, cookie, csrf string
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

func takeExam(ctx context.Context, c *http.Client, base string, u *user, examID int64, answers int, think time.Duration, st *stats) {
	t := time.Now()
	code, b, err := u.do(ctx, c, "POST", fmt.Sprintf("%s/api/v1/exams/%d/attempts", base, examID), nil)
	st.add("start", time.Since(t), code, err, 201, 200)
	if err != nil || (code != 201 && code != 200) {
		return
	}
	var a struct {
		ID    int64 `json:"id"`
		Items []struct {
			Position int    `json:"position"`
			Kind     string `json:"kind"`
		} `json:"items"`
	}
	json.Unmarshal(b, &a)
	for i, it := range a.Items {
		if i >= answers {
			break
		}
		if think > 0 {
			time.Sleep(think/2 + time.Duration(rand.Int64N(int64(think))))
		}
		keys := `["A"]`
		if it.Kind == "multiple" {
			keys = `["A","B"]`
		}
		t := time.Now()
		code, _, err := u.do(ctx, c, "PUT", fmt.Sprintf("%s/api/v1/attempts/%d/answers/%d", base, a.ID, it.Position), []byte(`{"answer":`+keys+`}`))
		st.add("save", time.Since(t), code, err, 200)
	}
	t = time.Now()
	code, _, err = u.do(ctx, c, "POST", fmt.Sprintf("%s/api/v1/attempts/%d/submit", base, a.ID), nil)
	st.add("submit", time.Since(t), code, err, 200)
	if code == 200 {
		st.attempts.Add(1)
	}
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

// ---------------------------------------------------------------- statistics

type stats struct {
	mu       sync.Mutex
	lat      map[string][]time.Duration
	errs     map[string]int
	attempts atomic.Int64
}

func newStats() *stats { return &stats{lat: map[string][]time.Duration{}, errs: map[string]int{}} }

func (s *stats) add(kind string, d time.Duration, code int, err error, ok ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lat[kind] = append(s.lat[kind], d)
	if err != nil {
		s.errs[kind+": "+err.Error()]++
		return
	}
	for _, c := range ok {
		if code == c {
			return
		}
	}
	s.errs[fmt.Sprintf("%s: HTTP %d", kind, code)]++
}

func (s *stats) calls() int {
	n := 0
	for _, v := range s.lat {
		n += len(v)
	}
	return max(n, 1)
}

// cpuSeconds is the user+system CPU time of a process (Linux /proc), 0 if unknown.
func cpuSeconds(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ
}

func (s *stats) errors() int {
	n := 0
	for _, v := range s.errs {
		n += v
	}
	return n
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

func (s *stats) print(elapsed time.Duration, o options) {
	fmt.Printf("\nexam morning: %d secretaries, %d at once, %d answers each (think %s), against %s\n", o.n, o.c, o.answers, o.think, o.url)
	fmt.Printf("duration        %s\n", elapsed.Round(time.Millisecond))
	fmt.Printf("attempts/s      %.1f (%d submitted)\n", float64(s.attempts.Load())/elapsed.Seconds(), s.attempts.Load())
	fmt.Printf("saves/s         %.1f (%d saves)\n", float64(len(s.lat["save"]))/elapsed.Seconds(), len(s.lat["save"]))
	fmt.Printf("%-8s %8s %8s %8s %8s %8s\n", "call", "count", "p50", "p95", "p99", "max")
	for _, k := range []string{"start", "save", "submit"} {
		d := s.lat[k]
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		ms := func(x time.Duration) string { return fmt.Sprintf("%.1fms", float64(x.Microseconds())/1000) }
		fmt.Printf("%-8s %8d %8s %8s %8s %8s\n", k, len(d), ms(pct(d, .50)), ms(pct(d, .95)), ms(pct(d, .99)), ms(pct(d, 1)))
	}
	fmt.Printf("errors          %d\n", s.errors())
	for k, v := range s.errs {
		fmt.Printf("  %6d × %s\n", v, k)
	}
}
