package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"
)

// load is what every candidate's calls share.
type load struct {
	ctx  context.Context
	c    *http.Client
	base string
	exam int64
}

type paper struct {
	ID    int64 `json:"id"`
	Items []struct {
		Position int    `json:"position"`
		Kind     string `json:"kind"`
	} `json:"items"`
}

// start presses 开始 and returns the paper (nil on failure, counted in st).
func (lg *load) start(u *user, st *stats) *paper {
	t := time.Now()
	code, b, err := u.do(lg.ctx, lg.c, "POST", fmt.Sprintf("%s/api/v1/exams/%d/attempts", lg.base, lg.exam), nil)
	st.add("start", t, code, err, 201, 200)
	if err != nil || (code != 201 && code != 200) {
		return nil
	}
	var p paper
	if json.Unmarshal(b, &p) != nil || len(p.Items) == 0 {
		st.fail("start: no paper in the answer")
		return nil
	}
	return &p
}

func (lg *load) save(u *user, p *paper, i int, st *stats) {
	it := p.Items[i]
	keys := `["A"]`
	if it.Kind == "multiple" {
		keys = `["A","B"]`
	}
	t := time.Now()
	code, _, err := u.do(lg.ctx, lg.c, "PUT", fmt.Sprintf("%s/api/v1/attempts/%d/answers/%d", lg.base, p.ID, it.Position), []byte(`{"answer":`+keys+`}`))
	st.add("save", t, code, err, 200)
}

// finish submits and fetches the result, as the page does after 交卷.
func (lg *load) finish(u *user, p *paper, st *stats) {
	t := time.Now()
	code, _, err := u.do(lg.ctx, lg.c, "POST", fmt.Sprintf("%s/api/v1/attempts/%d/submit", lg.base, p.ID), nil)
	st.add("submit", t, code, err, 200)
	if code != 200 {
		return
	}
	t = time.Now()
	code, _, err = u.do(lg.ctx, lg.c, "GET", fmt.Sprintf("%s/api/v1/attempts/%d", lg.base, p.ID), nil)
	st.add("result", t, code, err, 200)
	if code == 200 {
		st.attempts.Add(1)
	}
}

// takeExam is one closed-loop attempt: start, answers back to back (or after think), submit, result.
func (lg *load) takeExam(u *user, answers int, think time.Duration, st *stats) {
	p := lg.start(u, st)
	if p == nil {
		return
	}
	for i := range min(answers, len(p.Items)) {
		if think > 0 {
			sleep(lg.ctx, think/2+time.Duration(rand.Int64N(int64(think))))
		}
		lg.save(u, p, i, st)
	}
	lg.finish(u, p, st)
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// ---------------------------------------------------------------- closed loop

type closedResult struct {
	c                 int
	elapsed           time.Duration
	attemptsPerSec    float64
	savesPerSec       float64
	save              [3]time.Duration // p50 p95 p99
	errors            int
	cpu               cpuSplit
	pgTPS             float64
	pgClients         int
	pgErr             error
	startsAll         time.Duration
	startsP50         time.Duration
	startsP95         time.Duration
	startsN, startsOK int
}

func runClosed(lg *load, o options, users []*user, cpu *cpuMeter) int {
	failed := 0
	var startRes *closedResult
	next := 0
	if o.starts > 0 {
		startRes = simultaneousStarts(lg, users[:o.starts])
		failed += startRes.errors
		next = o.starts
	}
	var results []*closedResult
	for _, c := range o.cs {
		group := users[next : next+o.n]
		next += o.n
		st := newStats()
		before := cpu.snap()
		t0 := time.Now()
		parallel(len(group), c, func(i int) { lg.takeExam(group[i], o.answers, o.think, st) })
		elapsed := time.Since(t0)
		split := cpu.since(before)
		fmt.Printf("\nclosed loop: %d secretaries, %d at once, each start + %d saves one at a time + submit + result (think %s)\n", o.n, c, o.answers, o.think)
		st.print(elapsed)
		split.print()
		r := &closedResult{c: c, elapsed: elapsed, errors: st.errors(), cpu: split,
			attemptsPerSec: float64(st.attempts.Load()) / elapsed.Seconds(),
			savesPerSec:    float64(st.count("save")) / elapsed.Seconds()}
		r.save[0], r.save[1], r.save[2] = st.pct("save", .50), st.pct("save", .95), st.pct("save", .99)
		failed += r.errors
		if o.pgbench {
			r.pgTPS, r.pgClients, r.pgErr = pgbenchCeiling(lg.ctx, o.dbURL, c, o.pgbenchTime)
			if r.pgErr != nil {
				fmt.Printf("pgbench: %v\n", r.pgErr)
			} else {
				fmt.Printf("pgbench ceiling: %.0f single-row UPDATEs/s at %d clients (%s); saves/s ÷ that = %.2f\n",
					r.pgTPS, r.pgClients, o.pgbenchTime, r.savesPerSec/r.pgTPS)
			}
		}
		results = append(results, r)
	}

	// The app sends PostgreSQL at most its pool's worth of statements at once, whatever
	// the number of candidates: the ceiling at that many clients is the fairer yardstick.
	var poolTPS float64
	pool, _ := strconv.Atoi(envOr("ZHIBU_DB_MAX_CONNS", "20"))
	if o.pgbench && pool > 0 && !slices.Contains(o.cs, pool) {
		tps, cl, err := pgbenchCeiling(lg.ctx, o.dbURL, pool, o.pgbenchTime)
		if err == nil && cl == pool {
			poolTPS = tps
			fmt.Printf("\npgbench ceiling at the app's pool size: %.0f single-row UPDATEs/s at %d clients (%s)\n", tps, cl, o.pgbenchTime)
		}
	}

	// The summary, compact for make bench.
	fmt.Printf("\n== summary: closed loop (%d secretaries per run, %d answers each, %d cores) ==\n", o.n, o.answers, numCPU())
	fmt.Printf("%5s %11s %9s %22s %7s %19s %9s %22s\n", "c", "attempts/s", "saves/s", "save p50/p95/p99 ms", "errors", "pgbench tps (cl.)", "saves÷pg", "CPU cores app/pg/tool")
	for _, r := range results {
		pg, ratio := "-", "-"
		if r.pgErr == nil && r.pgTPS > 0 {
			pg, ratio = fmt.Sprintf("%.0f (%d)", r.pgTPS, r.pgClients), fmt.Sprintf("%.2f", r.savesPerSec/r.pgTPS)
		}
		fmt.Printf("%5d %11.1f %9.0f %22s %7d %19s %9s %22s\n", r.c, r.attemptsPerSec, r.savesPerSec,
			fmt.Sprintf("%s/%s/%s", ms(r.save[0]), ms(r.save[1]), ms(r.save[2])), r.errors, pg, ratio, r.cpu.short())
	}
	if poolTPS > 0 {
		fmt.Printf("pgbench at the app's pool size (%d clients): %.0f tps; saves÷that:", pool, poolTPS)
		for _, r := range results {
			fmt.Printf(" %.2f at c=%d", r.savesPerSec/poolTPS, r.c)
		}
		fmt.Println()
	}
	if startRes != nil {
		fmt.Printf("%d simultaneous starts: every paper in %s (p50 %s, p95 %s), %d of %d ok\n", startRes.startsN,
			startRes.startsAll.Round(time.Millisecond), startRes.startsP50.Round(time.Millisecond), startRes.startsP95.Round(time.Millisecond),
			startRes.startsOK, startRes.startsN)
	}
	fmt.Printf("server peak RSS: %s\n", vmHWM(o.pid))
	fmt.Println("targets (issue 17):")
	for _, r := range results {
		if r.c == 50 {
			fmt.Printf("  ≥ 40 attempts/s at 50 concurrent: %.1f  %s\n", r.attemptsPerSec, verdict(r.attemptsPerSec >= 40))
		}
	}
	for _, r := range results {
		if r.pgErr == nil && r.pgTPS > 0 {
			fmt.Printf("  saves ≥ 50%% of pgbench at %d: %.0f%%  %s\n", r.c, 100*r.savesPerSec/r.pgTPS, verdict(r.savesPerSec/r.pgTPS >= .5))
		}
	}
	if startRes != nil && startRes.startsN == 300 {
		fmt.Printf("  every paper within 2 s of 300 simultaneous starts: %s  %s\n", startRes.startsAll.Round(time.Millisecond),
			verdict(startRes.startsOK == 300 && startRes.startsAll < 2*time.Second))
	}
	return failed
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT MET"
}

// simultaneousStarts: everyone has the exam list open (their connection is warm), then all
// press 开始 at the same instant; the result is how long until the last has the paper.
func simultaneousStarts(lg *load, users []*user) *closedResult {
	st := newStats()
	parallel(len(users), len(users), func(i int) { // the exam list, as the phones show it
		code, _, err := users[i].do(lg.ctx, lg.c, "GET", lg.base+"/api/v1/exams?open=1", nil)
		st.add("list", time.Now(), code, err, 200)
	})
	gate := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var took []time.Duration
	ok := 0
	for _, u := range users {
		wg.Add(1)
		go func(u *user) {
			defer wg.Done()
			<-gate
			t := time.Now()
			p := lg.start(u, st)
			d := time.Since(t)
			mu.Lock()
			took = append(took, d)
			if p != nil {
				ok++
			}
			mu.Unlock()
		}(u)
	}
	time.Sleep(200 * time.Millisecond) // every goroutine waits at the gate
	t0 := time.Now()
	close(gate)
	wg.Wait()
	all := time.Since(t0)
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	r := &closedResult{startsAll: all, startsP50: pctOf(took, .5), startsP95: pctOf(took, .95), startsN: len(users), startsOK: ok, errors: st.errors()}
	fmt.Printf("\n%d simultaneous starts: every paper in %s (p50 %s, p95 %s, p99 %s), %d of %d ok\n", len(users), all.Round(time.Millisecond),
		ms(r.startsP50), ms(r.startsP95), ms(pctOf(took, .99)), ok, len(users))
	st.printErrors()
	return r
}

// ---------------------------------------------------------------- open loop

func runOpen(lg *load, o options, users []*user, cpu *cpuMeter) int {
	arrive := make([]time.Duration, len(users))
	for i := range arrive {
		arrive[i] = time.Duration(rand.Int64N(int64(o.ramp) + 1))
	}
	pace := func() time.Duration {
		return o.paceMin + time.Duration(rand.Int64N(int64(o.paceMax-o.paceMin)+1))
	}
	conn := "each on her own keep-alive connection"
	if !o.ownConn {
		conn = "sharing one connection pool"
	}
	fmt.Printf("\nopen loop: %d secretaries arriving at random within %s, %s–%s (uniform) before each of %d answers, then submit + result; %s\n",
		len(users), o.ramp, o.paceMin, o.paceMax, o.answers, conn)
	st := newStats()
	before := cpu.snap()
	t0 := time.Now()
	var active, peak, done int
	var mu sync.Mutex
	enter := func(d int) {
		mu.Lock()
		active += d
		peak = max(peak, active)
		if d < 0 {
			done++
		}
		mu.Unlock()
	}
	stop := make(chan struct{})
	go func() { // progress, every 30 s
		tk := time.NewTicker(30 * time.Second)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
				p99, n := st.pctSince("save", time.Now().Add(-30*time.Second), .99)
				mu.Lock()
				fmt.Printf("  %4.0fs  %4d taking the exam, %4d done; last 30 s: %5d saves (%.0f/s), save p99 %s ms\n",
					time.Since(t0).Seconds(), active, done, n, float64(n)/30, ms(p99))
				mu.Unlock()
			}
		}
	}()
	var wg sync.WaitGroup
	for i, u := range users {
		wg.Add(1)
		go func(u *user, at time.Duration) {
			defer wg.Done()
			sleep(lg.ctx, at)
			enter(1)
			defer enter(-1)
			p := lg.start(u, st)
			if p == nil {
				return
			}
			for i := range min(o.answers, len(p.Items)) {
				sleep(lg.ctx, pace())
				lg.save(u, p, i, st)
			}
			lg.finish(u, p, st)
		}(u, arrive[i])
	}
	wg.Wait()
	close(stop)
	elapsed := time.Since(t0)
	split := cpu.since(before)
	st.print(elapsed)
	split.print()
	peakRate, at := st.peakRate("save", t0, 10*time.Second, elapsed)
	fmt.Printf("\n== summary: open loop (%d secretaries within %s, %s–%s between answers, %d answers each, %d cores) ==\n",
		len(users), o.ramp, o.paceMin, o.paceMax, o.answers, numCPU())
	fmt.Printf("duration %s; at most %d taking the exam at once; saves %d (%.0f/s on average, %.0f/s in the busiest 10 s, from %s)\n",
		elapsed.Round(time.Second), peak, st.count("save"), float64(st.count("save"))/elapsed.Seconds(), peakRate, at.Round(time.Second))
	fmt.Printf("save p50/p95/p99/max: %s / %s / %s / %s ms; start p99 %s ms, submit p99 %s ms, result p99 %s ms\n",
		ms(st.pct("save", .5)), ms(st.pct("save", .95)), ms(st.pct("save", .99)), ms(st.pct("save", 1)),
		ms(st.pct("start", .99)), ms(st.pct("submit", .99)), ms(st.pct("result", .99)))
	fmt.Printf("errors %d; CPU cores %s (app/PostgreSQL/this tool); server peak RSS %s\n", st.errors(), split.short(), vmHWM(o.pid))
	fmt.Printf("target (issue 17): save p99 < 100 ms with people's pacing: %s ms  %s\n", ms(st.pct("save", .99)), verdict(st.pct("save", .99) < 100*time.Millisecond && st.errors() == 0))
	return st.errors()
}
