package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ---------------------------------------------------------------- statistics

type sample struct {
	at time.Time // when the call ended
	d  time.Duration
}

type stats struct {
	mu       sync.Mutex
	lat      map[string][]sample
	errs     map[string]int
	attempts atomic.Int64
	sorted   map[string][]time.Duration
}

func newStats() *stats { return &stats{lat: map[string][]sample{}, errs: map[string]int{}} }

// add records a call that began at t; codes not in ok (or a transport error) are errors.
func (s *stats) add(kind string, t time.Time, code int, err error, ok ...int) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sorted = nil
	s.lat[kind] = append(s.lat[kind], sample{now, now.Sub(t)})
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

func (s *stats) fail(what string) {
	s.mu.Lock()
	s.errs[what]++
	s.mu.Unlock()
}

func (s *stats) count(kind string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.lat[kind])
}

func (s *stats) errors() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.errs {
		n += v
	}
	return n
}

// pct is the p-th latency of kind (p in 0..1; 1 is the maximum).
func (s *stats) pct(kind string, p float64) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sorted == nil {
		s.sorted = map[string][]time.Duration{}
	}
	d, ok := s.sorted[kind]
	if !ok {
		for _, x := range s.lat[kind] {
			d = append(d, x.d)
		}
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		s.sorted[kind] = d
	}
	return pctOf(d, p)
}

func pctOf(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// pctSince is the p-th latency of the calls of kind that ended after t.
func (s *stats) pctSince(kind string, t time.Time, p float64) (time.Duration, int) {
	s.mu.Lock()
	var d []time.Duration
	for _, x := range s.lat[kind] {
		if x.at.After(t) {
			d = append(d, x.d)
		}
	}
	s.mu.Unlock()
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return pctOf(d, p), len(d)
}

// peakRate is the most calls of kind ending within one window, per second, and when.
func (s *stats) peakRate(kind string, t0 time.Time, w, elapsed time.Duration) (float64, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	buckets := map[int]int{}
	for _, x := range s.lat[kind] {
		buckets[int(x.at.Sub(t0)/w)]++
	}
	best, at := 0, 0
	for b, n := range buckets {
		if n > best {
			best, at = n, b
		}
	}
	return float64(best) / min(w, elapsed).Seconds(), time.Duration(at) * w
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

func (s *stats) print(elapsed time.Duration) {
	fmt.Printf("duration        %s\n", elapsed.Round(time.Millisecond))
	fmt.Printf("attempts/s      %.1f (%d submitted and fetched)\n", float64(s.attempts.Load())/elapsed.Seconds(), s.attempts.Load())
	fmt.Printf("saves/s         %.1f (%d saves)\n", float64(s.count("save"))/elapsed.Seconds(), s.count("save"))
	fmt.Printf("%-8s %8s %9s %9s %9s %9s\n", "call", "count", "p50 ms", "p95 ms", "p99 ms", "max ms")
	for _, k := range []string{"start", "save", "submit", "result"} {
		fmt.Printf("%-8s %8d %9s %9s %9s %9s\n", k, s.count(k), ms(s.pct(k, .50)), ms(s.pct(k, .95)), ms(s.pct(k, .99)), ms(s.pct(k, 1)))
	}
	fmt.Printf("errors          %d\n", s.errors())
	s.printErrors()
}

func (s *stats) printErrors() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.errs {
		fmt.Printf("  %6d × %s\n", v, k)
	}
}

// ---------------------------------------------------------------- CPU and memory

func numCPU() int { return runtime.NumCPU() }

// cpuMeter reads the CPU time used by the server, by PostgreSQL (its background processes
// and the backends of the load database, not other databases' backends) and by this tool.
type cpuMeter struct {
	pid    int
	dbName string
	admin  *sql.DB // to tell other databases' backends apart; nil: all postgres processes
}

type cpuSnap struct {
	at        time.Time
	app, tool float64
	pg        map[int]float64 // per process, to add only what each used since
	pgOthers  map[int]bool
}

type cpuSplit struct {
	wall          time.Duration
	app, pg, tool float64 // CPU seconds
	allDatabases  bool
}

func newCPUMeter(pid int, dsn string) *cpuMeter {
	m := &cpuMeter{pid: pid}
	if u, err := url.Parse(dsn); err == nil {
		m.dbName = strings.TrimPrefix(u.Path, "/")
		u.Path = "/postgres"
		if db, err := sql.Open("postgres", u.String()); err == nil {
			db.SetMaxOpenConns(1)
			if db.Ping() == nil {
				m.admin = db
			} else {
				db.Close()
			}
		}
	}
	return m
}

func (m *cpuMeter) close() {
	if m.admin != nil {
		m.admin.Close()
	}
}

func (m *cpuMeter) snap() cpuSnap {
	s := cpuSnap{at: time.Now(), app: procCPU(m.pid), tool: procCPU(os.Getpid()), pg: map[int]float64{}, pgOthers: map[int]bool{}}
	if m.admin != nil {
		rows, err := m.admin.Query(`SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname IS DISTINCT FROM $1`, m.dbName)
		if err == nil {
			for rows.Next() {
				var pid int
				if rows.Scan(&pid) == nil {
					s.pgOthers[pid] = true
				}
			}
			rows.Close()
		}
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, _ := strconv.Atoi(filepath.Base(d))
		if comm, err := os.ReadFile(d + "/comm"); err == nil && strings.TrimSpace(string(comm)) == "postgres" {
			s.pg[pid] = procCPU(pid)
		}
	}
	return s
}

// since is the CPU used from before until now.
func (m *cpuMeter) since(before cpuSnap) cpuSplit {
	after := m.snap()
	sp := cpuSplit{wall: after.at.Sub(before.at), app: after.app - before.app, tool: after.tool - before.tool, allDatabases: m.admin == nil}
	for pid, t := range after.pg {
		if after.pgOthers[pid] || before.pgOthers[pid] {
			continue
		}
		sp.pg += t - before.pg[pid] // a process born since started at 0
	}
	return sp
}

func (sp cpuSplit) cores(x float64) float64 { return x / sp.wall.Seconds() }

func (sp cpuSplit) short() string {
	return fmt.Sprintf("%.2f/%.2f/%.2f", sp.cores(sp.app), sp.cores(sp.pg), sp.cores(sp.tool))
}

func (sp cpuSplit) print() {
	which := "its background processes and the load database's backends"
	if sp.allDatabases {
		which = "every postgres process"
	}
	fmt.Printf("CPU (cores busy on average over %s, of %d): app %.2f, PostgreSQL %.2f (%s), this tool %.2f\n",
		sp.wall.Round(time.Millisecond), numCPU(), sp.cores(sp.app), sp.cores(sp.pg), which, sp.cores(sp.tool))
}

// procCPU is the user+system CPU seconds of a process (Linux /proc), 0 if unknown.
func procCPU(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 > len(s) {
		return 0
	}
	f := strings.Fields(s[i+2:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ
}

func vmHWM(pid int) string {
	if pid <= 0 {
		return "unknown (no -pid)"
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.Atoi(strings.Fields(line)[1])
			return fmt.Sprintf("%.1f MB (VmHWM of pid %d)", float64(kb)/1024, pid)
		}
	}
	return "unknown"
}

// ---------------------------------------------------------------- pgbench

var tpsLine = regexp.MustCompile(`tps = ([0-9.]+)`)

// pgbenchCeiling runs pgbench for d with clients connections (fewer when PostgreSQL's
// max_connections leaves less room), each updating its own row of a scratch table in
// autocommit: the durable single-row UPDATE a save is, with nothing else around it.
// It returns the transactions per second and the clients used.
func pgbenchCeiling(ctx context.Context, dsn string, clients int, d time.Duration) (float64, int, error) {
	bin, err := exec.LookPath("pgbench")
	if err != nil {
		return 0, 0, fmt.Errorf("pgbench is not installed (Debian/Ubuntu: apt-get install postgresql-client), so no ceiling")
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	var room int
	if err := db.QueryRowContext(ctx, `SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
		- (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')`).Scan(&room); err != nil {
		return 0, 0, fmt.Errorf("pgbench: %s: %w", redact(dsn), err)
	}
	asked := clients
	clients = max(1, min(clients, room-10)) // leave room for everyone else
	if clients < asked {
		fmt.Printf("pgbench: %d clients asked, %d used (max_connections leaves room for %d more)\n", asked, clients, room)
	}
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS examload_pgbench (id int PRIMARY KEY, n bigint NOT NULL DEFAULT 0)`,
		`TRUNCATE examload_pgbench`,
		fmt.Sprintf(`INSERT INTO examload_pgbench (id) SELECT generate_series(0, %d)`, clients-1),
		`VACUUM ANALYZE examload_pgbench`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return 0, 0, fmt.Errorf("pgbench scratch table: %w", err)
		}
	}
	script := filepath.Join(os.TempDir(), fmt.Sprintf("examload-pgbench-%d.sql", os.Getpid()))
	if err := os.WriteFile(script, []byte("UPDATE examload_pgbench SET n = n + 1 WHERE id = :client_id;\n"), 0o644); err != nil {
		return 0, 0, err
	}
	defer os.Remove(script)
	cmd := exec.CommandContext(ctx, bin, "-n", "-M", "prepared", "-c", strconv.Itoa(clients), "-j", strconv.Itoa(min(2, clients)),
		"-T", strconv.Itoa(max(1, int(d.Seconds()))), "-f", script, dsn)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, clients, fmt.Errorf("pgbench: %v\n%s", err, out)
	}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		return 0, clients, fmt.Errorf("pgbench printed no tps:\n%s", out)
	}
	tps, _ := strconv.ParseFloat(string(m[1]), 64)
	return tps, clients, nil
}
