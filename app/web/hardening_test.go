package web_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/database"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

func TestClientAddrBehindTrustedProxies(t *testing.T) {
	proxies, err := web.ParseTrustedProxies("127.0.0.1, 10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddr
	cases := []struct {
		peer string
		xff  []string
		want string
	}{
		{"203.0.113.9", nil, "203.0.113.9"},
		{"203.0.113.9", []string{"1.2.3.4"}, "203.0.113.9"},                          // not a proxy: its header is ignored
		{"127.0.0.1", []string{"198.51.100.7"}, "198.51.100.7"},                      // nginx on the host
		{"127.0.0.1", []string{"6.6.6.6, 198.51.100.7"}, "198.51.100.7"},             // spoofed left part ignored
		{"127.0.0.1", []string{"6.6.6.6", "198.51.100.7, 10.1.2.3"}, "198.51.100.7"}, // two proxies, two headers
		{"127.0.0.1", []string{"garbage, 198.51.100.7"}, "198.51.100.7"},
		{"127.0.0.1", []string{"198.51.100.7, garbage"}, "127.0.0.1"}, // a broken chain stops at the last trusted hop
		{"127.0.0.1", []string{"10.0.0.5"}, "10.0.0.5"},               // only proxies: the left-most
		{"127.0.0.1", nil, "127.0.0.1"},
		{"::ffff:127.0.0.1", []string{"[2001:db8::1]:4711"}, "2001:db8::1"},
	}
	for _, c := range cases {
		if got := web.ClientAddr(a(c.peer), c.xff, proxies); got != a(c.want) {
			t.Errorf("ClientAddr(%s, %q) = %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "nonsense", "1.2.3.4/x"} {
		if _, err := web.ParseTrustedProxies(bad); err == nil {
			t.Errorf("ParseTrustedProxies(%q) accepted", bad)
		}
	}
	if p, _ := web.ParseTrustedProxies("false"); p != nil {
		t.Errorf("false trusts %v", p)
	}
}

// listen serves srv on a real loopback listener (limits and peers need real sockets).
func listen(t *testing.T, srv *web.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.App.Listener(ln)
	t.Cleanup(func() { srv.App.ShutdownWithTimeout(time.Second) })
	return "http://" + ln.Addr().String()
}

func TestSpoofedForwardedForDoesNotChangeTheClient(t *testing.T) {
	echo := func(c *fiber.Ctx) error { return c.SendString(c.IP()) }
	get := func(base string, xff string) string {
		req, _ := http.NewRequest("GET", base+"/ip", nil)
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}

	// No trusted proxy: whatever the header says, the client is the peer.
	open, err := web.New(testdb.DB(t), web.Config{})
	if err != nil {
		t.Fatal(err)
	}
	open.App.Get("/ip", echo)
	base := listen(t, open)
	seen := map[string]bool{}
	for i := 0; i < 60; i++ {
		seen[get(base, fmt.Sprintf("10.9.%d.%d", i/250, i%250))] = true
	}
	if len(seen) != 1 || !seen["127.0.0.1"] {
		t.Fatalf("without a trusted proxy, 60 spoofed headers gave clients %v, want only 127.0.0.1", seen)
	}

	// Behind a trusted proxy (this test plays nginx from 127.0.0.1): the right-most
	// untrusted entry is the client, whatever the client wrote to its left.
	proxies, err := web.ParseTrustedProxies("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	behind, err := web.New(testdb.DB(t), web.Config{TrustedProxies: proxies})
	if err != nil {
		t.Fatal(err)
	}
	behind.App.Get("/ip", echo)
	base = listen(t, behind)
	if got := get(base, "6.6.6.6, 198.51.100.7"); got != "198.51.100.7" {
		t.Fatalf("behind a trusted proxy the client is %q, want 198.51.100.7", got)
	}
	if got := get(base, ""); got != "127.0.0.1" {
		t.Fatalf("without the header the client is %q, want the peer", got)
	}
}

// rawPost sends only the headers of a POST that declares length bytes, and returns the
// status line the server answers without waiting for the body.
func rawPost(t *testing.T, base, path string, length int, header string) (string, time.Duration) {
	t.Helper()
	u, _ := url.Parse(base)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n", path, length, header)
	conn.Write(bytes.Repeat([]byte("x"), 1024))
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("no answer to a declared %d-byte body: %v", length, err)
	}
	return strings.TrimSpace(line), time.Since(start)
}

func TestLargeBodiesAreRefusedBeforeTheyAreRead(t *testing.T) {
	db := testdb.DB(t)
	county := testdb.MakeCounty(t, db)
	srv, err := web.New(db, web.Config{BodyLimit: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	var reached atomic.Int64
	handler := func(c *fiber.Ctx) error {
		reached.Add(1)
		return c.JSON(fiber.Map{"bytes": len(c.Body())})
	}
	srv.App.Post("/api/v1/session", handler)
	srv.App.Post("/api/v1/upload", web.Auth(), handler)
	srv.App.Post("/api/v1/report/:id", web.Auth(), handler)
	// A feature's one secretary upload (as a study tour's report PDF): 6 MB there only.
	srv.AllowSecretaryUpload(regexp.MustCompile(`^/api/v1/report/[0-9]+$`), 6<<20)
	srv.NotFoundLast()
	base := listen(t, srv)

	// 58 MB declared, 1 KB sent: refused from the headers, at once, without the body.
	status, took := rawPost(t, base, "/api/v1/session", 58<<20, "")
	if !strings.Contains(status, " 413") {
		t.Fatalf("anonymous 58 MB body: %q, want 413", status)
	}
	if took > 2*time.Second {
		t.Fatalf("the 413 took %s: the body was waited for", took)
	}
	// Just over the anonymous limit is refused too; a login-sized body passes.
	if status, _ := rawPost(t, base, "/api/v1/session", web.AnonymousBodyLimit+1, ""); !strings.Contains(status, " 413") {
		t.Fatalf("anonymous body one byte over the limit: %q", status)
	}
	anon := webtest.New(t, srv.App)
	if st, body := anon.JSON("POST", "/api/v1/session", map[string]string{"username": "a", "password": strings.Repeat("p", 1000)}); st != 200 {
		t.Fatalf("a small anonymous body: %d %s", st, body)
	}

	// A chunked anonymous body (no declared length) is cut off at the limit.
	req, _ := http.NewRequest("POST", base+"/api/v1/session", io.MultiReader(strings.NewReader("{"), bytes.NewReader(make([]byte, 4<<20))))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode != 413 {
			t.Fatalf("chunked 4 MB anonymous body: %d, want 413", resp.StatusCode)
		}
	}

	// Staff may upload a large file; a secretary, or a non-multipart body, may not.
	uploadTo := func(path string, userID int64, size int, multipartBody bool) int {
		token, csrf, err := srv.Sessions.Create(context.Background(), userID, "127.0.0.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		ctype := "application/json"
		if multipartBody {
			w := multipart.NewWriter(&body)
			fw, _ := w.CreateFormFile("file", "roster.xlsx")
			fw.Write(make([]byte, size))
			w.Close()
			ctype = w.FormDataContentType()
		} else {
			body.Write(make([]byte, size))
		}
		req, _ := http.NewRequest("POST", base+path, &body)
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("X-CSRF-Token", csrf)
		req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: token})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0 // the server may close the connection while the client still sends
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	upload := func(userID int64, size int, multipartBody bool) int {
		return uploadTo("/api/v1/upload", userID, size, multipartBody)
	}
	before := reached.Load()
	if st := upload(county.Organizers[0], 5<<20, true); st != 200 {
		t.Fatalf("organizer's 5 MB upload: %d, want 200", st)
	}
	if reached.Load() != before+1 {
		t.Fatal("the organizer's upload did not reach the handler")
	}
	if st := upload(county.Admin, 9<<20, true); st == 200 {
		t.Fatalf("admin's 9 MB upload over the 8 MB limit: %d", st)
	}
	if st := upload(county.Secretaries[0][0], 5<<20, true); st == 200 {
		t.Fatalf("secretary's 5 MB upload: %d, want refused", st)
	}
	if st := upload(county.Admin, 2<<20, false); st == 200 {
		t.Fatalf("admin's 2 MB JSON body: %d, want refused", st)
	}
	if st := upload(county.Secretaries[0][0], 200<<10, false); st != 200 {
		t.Fatalf("secretary's 200 KB JSON body: %d, want 200 (signed-in limit)", st)
	}
	// Where a feature allows it, a secretary's multipart upload may be larger — up to its
	// limit, by multipart only, and on its paths only.
	if st := uploadTo("/api/v1/report/3", county.Secretaries[0][0], 5<<20, true); st != 200 {
		t.Fatalf("secretary's 5 MB report upload: %d, want 200", st)
	}
	if st := uploadTo("/api/v1/report/3", county.Secretaries[0][0], 7<<20, true); st == 200 {
		t.Fatalf("secretary's 7 MB report upload over its 6 MB limit: %d", st)
	}
	if st := uploadTo("/api/v1/report/3", county.Secretaries[0][0], 2<<20, false); st == 200 {
		t.Fatalf("secretary's 2 MB JSON report body: %d, want refused", st)
	}
	if st := uploadTo("/api/v1/report/3/x", county.Secretaries[0][0], 2<<20, true); st == 200 {
		t.Fatalf("secretary's 2 MB upload beside the allowed path: %d, want refused", st)
	}
}

// pgProxy stands between zhibu and PostgreSQL so a test can freeze the database (keep
// every connection open but forward nothing) or take it down (refuse connections).
type pgProxy struct {
	target string
	addr   string
	frozen atomic.Bool

	mu    sync.Mutex
	ln    net.Listener
	conns []net.Conn
}

func startProxy(t *testing.T, target string) *pgProxy {
	p := &pgProxy{target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.down)
	return p
}

func (p *pgProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.pipe(c)
		}
	}()
}

func (p *pgProxy) pipe(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, c, s)
	p.mu.Unlock()
	relay := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			for p.frozen.Load() { // frozen: hold what arrived, send nothing
				time.Sleep(5 * time.Millisecond)
			}
			if n > 0 {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		dst.Close()
		src.Close()
	}
	go relay(s, c)
	go relay(c, s)
}

// down closes the listener and every connection: PostgreSQL is gone.
func (p *pgProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *pgProxy) up(t *testing.T) {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.serve(ln)
}

func TestDatabaseDownOrFrozenAnswers503Quickly(t *testing.T) {
	testdb.DB(t)
	target, _ := url.Parse(testdb.URL(t))
	proxy := startProxy(t, target.Host)
	via := *target
	via.Host = proxy.addr
	db, err := database.OpenOptions(context.Background(), via.String(), database.Options{
		MaxConns: 4, StatementTimeout: 3 * time.Second, ConnectTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv, err := web.New(db, web.Config{RequestTimeout: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv.App.Get("/api/v1/probe", func(c *fiber.Ctx) error {
		var n int
		if err := db.GetContext(c.UserContext(), &n, `SELECT 1`); err != nil {
			return err
		}
		return c.JSON(fiber.Map{"n": n})
	})
	srv.App.Get("/probe", func(c *fiber.Ctx) error {
		_, err := db.ExecContext(c.UserContext(), `SELECT 1`)
		return err
	})
	srv.NotFoundLast()
	cl := webtest.New(t, srv.App)

	timed := func(path string) (int, string, time.Duration) {
		start := time.Now()
		st, body := cl.Get(path)
		return st, body, time.Since(start)
	}
	want503 := func(state, path string, bound time.Duration) {
		t.Helper()
		st, body, took := timed(path)
		if st != 503 || took > bound {
			t.Fatalf("%s: %s answered %d in %s (%s), want 503 within %s", state, path, st, took, body, bound)
		}
		if strings.HasPrefix(path, "/api/") && webtest.ErrorCode([]byte(body)) != "db_unavailable" {
			t.Fatalf("%s: %s body %s, want db_unavailable", state, path, body)
		}
		if !strings.Contains(body, "数据库") {
			t.Fatalf("%s: %s says %s, want a Chinese message", state, path, body)
		}
	}
	recovered := func(state string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			st, body, _ := timed("/api/v1/probe")
			if st == 200 {
				if st, _ := cl.Get("/readyz"); st != 200 {
					t.Fatalf("after %s: readyz %d", state, st)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no recovery after %s: %d %s", state, st, body)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if st, body, _ := timed("/api/v1/probe"); st != 200 {
		t.Fatalf("healthy: %d %s", st, body)
	}

	// Frozen: connections stay open, nothing comes back.
	proxy.frozen.Store(true)
	want503("frozen", "/readyz", 2500*time.Millisecond)
	// The request's deadline (1.5 s) ends the wait, well before the I/O bound (4 s).
	want503("frozen", "/api/v1/probe", 2500*time.Millisecond)
	want503("frozen", "/probe", 2500*time.Millisecond) // a page: a Chinese error page, not a hang
	// A burst larger than the pool: every request still answers within the bound.
	var wg sync.WaitGroup
	slow := make(chan string, 12)
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, _, took := timed("/api/v1/probe")
			if st != 503 || took > 2500*time.Millisecond {
				slow <- fmt.Sprintf("%d in %s", st, took)
			}
		}()
	}
	wg.Wait()
	close(slow)
	for s := range slow {
		t.Fatalf("frozen, burst of 12: a request answered %s, want 503 within 2.5s", s)
	}
	// Work outside a request (no deadline of its own) gives up after the connect or I/O bound.
	start := time.Now()
	if _, err := db.Exec(`SELECT 1`); err == nil || !database.IsUnavailable(err) || time.Since(start) > 5*time.Second {
		t.Fatalf("frozen, background query: %v after %s", err, time.Since(start))
	}
	proxy.frozen.Store(false)
	recovered("the freeze")

	// Down: connections refused.
	proxy.down()
	want503("down", "/readyz", 2500*time.Millisecond)
	want503("down", "/api/v1/probe", 2500*time.Millisecond)
	proxy.up(t)
	recovered("the outage")
}
