package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/database"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func newServer(t *testing.T) *web.Server {
	t.Helper()
	srv, err := web.New(testdb.DB(t), web.Config{BodyLimit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func TestHealthAndReadiness(t *testing.T) {
	srv := newServer(t)
	srv.NotFoundLast()
	cl := webtest.New(t, srv.App)
	if st, _ := cl.Get("/healthz"); st != 200 {
		t.Fatalf("healthz = %d", st)
	}
	if st, body := cl.Get("/readyz"); st != 200 {
		t.Fatalf("readyz on a migrated database = %d %s", st, body)
	}

	// A database without the schema is not ready.
	fresh, err := database.Open(context.Background(), testdb.Fresh(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	srv2, err := web.New(fresh, web.Config{})
	if err != nil {
		t.Fatal(err)
	}
	st, body := webtest.New(t, srv2.App).Get("/readyz")
	if st != 503 || !strings.Contains(body, "schema_outdated") {
		t.Fatalf("readyz on an empty database = %d %s, want 503 schema_outdated", st, body)
	}
}

func TestErrorsAreJSONUnderAPIAndChinesePagesElsewhere(t *testing.T) {
	srv := newServer(t)
	srv.App.Get("/api/v1/boom", func(c *fiber.Ctx) error {
		return web.Invalid("姓名不能为空", map[string]string{"name": "必填"})
	})
	srv.App.Get("/api/v1/crash", func(c *fiber.Ctx) error { panic("boom") })
	srv.NotFoundLast()
	cl := webtest.New(t, srv.App)

	st, body := cl.JSON("GET", "/api/v1/boom", nil)
	var e struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	webtest.Decode(t, body, &e)
	if st != 422 || e.Error.Code != "validation_failed" || e.Error.Message != "姓名不能为空" || e.Error.Fields["name"] != "必填" {
		t.Fatalf("got %d %s", st, body)
	}
	st, body = cl.JSON("GET", "/api/v1/nothing-here", nil)
	if st != 404 || webtest.ErrorCode(body) != "not_found" {
		t.Fatalf("unknown API route: %d %s", st, body)
	}
	st, body = cl.JSON("GET", "/api/v1/crash", nil)
	if st != 500 || webtest.ErrorCode(body) != "internal_error" || strings.Contains(string(body), "boom") {
		t.Fatalf("panic must become a 500 that hides details: %d %s", st, body)
	}
	st, page := cl.Get("/no-such-page")
	if st != 404 || !strings.Contains(page, "找不到您要的页面") || !strings.Contains(page, "<html") {
		t.Fatalf("HTML 404 = %d %s", st, page)
	}
}

func TestBodyLimitAnswers413InChinese(t *testing.T) {
	srv := newServer(t) // 1 MB limit
	srv.App.Post("/api/v1/upload", func(c *fiber.Ctx) error { return c.SendString("ok") })
	srv.NotFoundLast()
	// The limit is enforced by the HTTP server itself, so this needs a real listener.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.App.Listener(ln)
	defer srv.App.Shutdown()
	// The body is declared, not sent: the server answers and closes before reading it, and
	// a client still writing 2 MB would see the reset instead of the answer.
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", 2<<20)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 413 || webtest.ErrorCode(body) != "payload_too_large" || !strings.Contains(string(body), "过大") {
		t.Fatalf("oversize body: %d %s", resp.StatusCode, body)
	}
}

func TestSecurityHeadersAndStaticCaching(t *testing.T) {
	srv := newServer(t)
	srv.NotFoundLast()
	resp := webtest.New(t, srv.App).Do("GET", "/static/css/app.css", nil, "")
	if resp.StatusCode != 200 {
		t.Fatalf("static css = %d", resp.StatusCode)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q", csp)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Error("missing nosniff / frame headers")
	}
	if !strings.Contains(resp.Header.Get("Cache-Control"), "max-age=31536000") {
		t.Errorf("static Cache-Control = %q", resp.Header.Get("Cache-Control"))
	}
	if resp.Header.Get("X-Request-Id") == "" {
		t.Error("no request id header")
	}
}

func TestBrokenTemplateFailsStartUp(t *testing.T) {
	r, err := web.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	broken := fstest.MapFS{"templates/bad.html": {Data: []byte(`{{define "content"}}{{if .X}}unclosed{{end}}`)}}
	if err := r.AddPages("x", broken, "templates/*.html"); err == nil {
		t.Fatal("a broken template must be an error at start-up")
	}
	good := fstest.MapFS{"templates/a.html": {Data: []byte(`{{define "content"}}A{{end}}`)}}
	if err := r.AddPages("x", good, "templates/*.html"); err != nil {
		t.Fatal(err)
	}
	if err := r.AddPages("x", good, "templates/*.html"); err == nil {
		t.Fatal("the same page name twice must be refused, not silently overwritten")
	}
}

func TestSessionsGuardsAndCSRF(t *testing.T) {
	db := testdb.DB(t)
	county := testdb.MakeCounty(t, db)
	srv := newServer(t)
	ok := func(c *fiber.Ctx) error {
		s, err := web.ScopeOf(web.Me(c)).Narrow(int64(c.QueryInt("township")))
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"all": s.All, "township": s.TownshipID})
	}
	srv.App.Get("/api/v1/t/any", web.Auth(), ok)
	srv.App.Get("/api/v1/t/staff", web.Auth(web.RoleAdmin, web.RoleOrganizer), ok)
	srv.App.Get("/api/v1/t/admin", web.Auth(web.RoleAdmin), ok)
	for _, m := range unsafeMethods {
		srv.App.Add(m, "/api/v1/t/unsafe", web.Auth(), ok)
	}
	srv.NotFoundLast()

	anon := webtest.New(t, srv.App)
	admin := webtest.AsUser(t, srv, county.Admin)
	org := webtest.AsUser(t, srv, county.Organizers[0])
	sec := webtest.AsUser(t, srv, county.Secretaries[0][0])
	cases := []struct {
		name   string
		cl     *webtest.Client
		path   string
		status int
	}{
		{"anon any", anon, "/api/v1/t/any", 401},
		{"anon admin", anon, "/api/v1/t/admin", 401},
		{"secretary any", sec, "/api/v1/t/any", 200},
		{"secretary staff", sec, "/api/v1/t/staff", 403},
		{"secretary admin", sec, "/api/v1/t/admin", 403},
		{"organizer staff", org, "/api/v1/t/staff", 200},
		{"organizer admin", org, "/api/v1/t/admin", 403},
		{"admin admin", admin, "/api/v1/t/admin", 200},
		{"organizer own township", org, "/api/v1/t/staff?township=" + itoa(county.Townships[0]), 200},
		{"organizer other township", org, "/api/v1/t/staff?township=" + itoa(county.Townships[1]), 404},
		{"admin any township", admin, "/api/v1/t/staff?township=" + itoa(county.Townships[1]), 200},
	}
	for _, tc := range cases {
		if st, body := tc.cl.JSON("GET", tc.path, nil); st != tc.status {
			t.Errorf("%s: %s = %d %s, want %d", tc.name, tc.path, st, body, tc.status)
		}
	}
	_, body := org.JSON("GET", "/api/v1/t/staff", nil)
	var sc struct {
		All      bool  `json:"all"`
		Township int64 `json:"township"`
	}
	webtest.Decode(t, body, &sc)
	if sc.All || sc.Township != county.Townships[0] {
		t.Errorf("organizer scope = %+v, want own township %d", sc, county.Townships[0])
	}

	// CSRF: every unsafe method of the same signed-in client is refused without its token
	// or with a wrong one, and accepted with it.
	token := sec.CSRF
	for _, m := range unsafeMethods {
		sec.CSRF = token
		if st, body := sec.JSON(m, "/api/v1/t/unsafe", map[string]string{}); st != 200 {
			t.Errorf("%s with the CSRF token = %d %s, want 200", m, st, body)
		}
		sec.CSRF = ""
		if st, body := sec.JSON(m, "/api/v1/t/unsafe", map[string]string{}); st != 403 || webtest.ErrorCode(body) != "csrf_failed" {
			t.Errorf("%s without a CSRF token = %d %s, want 403 csrf_failed", m, st, body)
		}
		sec.CSRF = "wrong-" + token
		if st, body := sec.JSON(m, "/api/v1/t/unsafe", map[string]string{}); st != 403 || webtest.ErrorCode(body) != "csrf_failed" {
			t.Errorf("%s with a wrong CSRF token = %d %s, want 403 csrf_failed", m, st, body)
		}
	}
	sec.CSRF = token

	// Expired sessions are gone.
	testdb.Exec(t, db, `UPDATE sessions SET expires_at = now() - interval '1 minute' WHERE user_id = $1`, county.Secretaries[0][0])
	if st, _ := sec.JSON("GET", "/api/v1/t/any", nil); st != 401 {
		t.Fatalf("expired session = %d, want 401", st)
	}
	// A deactivated user's session stops working at once.
	testdb.Exec(t, db, `UPDATE users SET active = false WHERE id = $1`, county.Organizers[0])
	if st, _ := org.JSON("GET", "/api/v1/t/any", nil); st != 401 {
		t.Fatalf("deactivated user's session = %d, want 401", st)
	}
}

func TestSessionCookieIsHttpOnlyAndSameSite(t *testing.T) {
	db := testdb.DB(t)
	uid := testdb.User(t, db, "admin", testdb.Unique("cookie"), 0, 0)
	srv, err := web.New(db, web.Config{CookieSecure: true})
	if err != nil {
		t.Fatal(err)
	}
	srv.App.Get("/login-test", func(c *fiber.Ctx) error {
		_, err := srv.Sessions.Login(c, uid)
		return err
	})
	resp := webtest.New(t, srv.App).Do("GET", "/login-test", nil, "")
	var found bool
	for _, ck := range resp.Cookies() {
		if ck.Name == web.SessionCookie {
			found = true
			if !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteLaxMode {
				t.Errorf("session cookie flags: HttpOnly=%v Secure=%v SameSite=%v", ck.HttpOnly, ck.Secure, ck.SameSite)
			}
		}
	}
	if !found {
		t.Fatal("no session cookie set")
	}
	var stored string
	testdb.Get(t, db, &stored, `SELECT id FROM sessions WHERE user_id = $1`, uid)
	for _, ck := range resp.Cookies() {
		if ck.Name == web.SessionCookie && ck.Value == stored {
			t.Error("the raw session token must not be stored; only its hash")
		}
	}
}

func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	srv := newServer(t)
	started := make(chan struct{})
	srv.App.Get("/slow", func(c *fiber.Ctx) error {
		close(started)
		time.Sleep(300 * time.Millisecond)
		return c.SendString("done")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.App.Listener(ln)
	result := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			result <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		result <- string(b)
	}()
	<-started
	if err := srv.App.ShutdownWithTimeout(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got := <-result; got != "done" {
		t.Fatalf("in-flight request during shutdown got %q, want done", got)
	}
}

// unsafeMethods are the methods that change something: each needs the CSRF token.
var unsafeMethods = []string{fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
