// Package browsertest runs journeys in real headless Chromium (chromedp) at a phone
// viewport against a real server on a loopback port, and saves screenshots.
package browsertest

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"zhibu/app/web"
)

// Phone viewport used by every journey (a common mid-range Android/iPhone size).
// ZHIBU_PHONE_WIDTH=360 replays the journeys on a small Android phone.
var (
	PhoneWidth  = phoneWidth()
	PhoneHeight = 844
)

func phoneWidth() int {
	if w, err := strconv.Atoi(os.Getenv("ZHIBU_PHONE_WIDTH")); err == nil && w >= 320 && w <= 1280 {
		return w
	}
	return 390
}

// Serve starts the server's app on a free loopback port and returns its base URL.
func Serve(t testing.TB, srv *web.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.App.Listener(ln)
	t.Cleanup(func() { srv.App.ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String()
}

// chromiumPath finds Debian's chromium (installed by .ci/run).
func chromiumPath(t testing.TB) string {
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Fatal("chromium not found: install Debian's chromium (bash .ci/run does) or set CHROMIUM")
	return ""
}

// New starts a headless Chromium with a phone viewport and returns its context; the
// browser closes when the test ends.
func New(t testing.TB) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(PhoneWidth, PhoneHeight),
		chromedp.UserAgent("Mozilla/5.0 (Linux; Android 10; V2001A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.47"),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	// The first action starts the browser; it must not run under a timeout context.
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(int64(PhoneWidth), int64(PhoneHeight), chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	// A guard against a hung browser, not a speed assertion: generous for a loaded CI machine.
	ctx, cancelC := context.WithTimeout(bctx, 5*time.Minute)
	t.Cleanup(cancelC)
	return ctx
}

// SignIn gives the browser a session of the user without typing (for feature journeys;
// the login journey itself types into the form).
func SignIn(t testing.TB, ctx context.Context, srv *web.Server, baseURL string, userID int64) {
	t.Helper()
	token, _, err := srv.Sessions.Create(context.Background(), userID, "127.0.0.1", "browsertest")
	if err != nil {
		t.Fatal(err)
	}
	httpOnly := true
	err = chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{
			Name: web.SessionCookie, Value: token, URL: baseURL, HTTPOnly: &httpOnly})
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
}

// Dir is where screenshots go: $ZHIBU_SCREENSHOTS or /tmp/zhibu-screenshots.
func Dir() string {
	if d := os.Getenv("ZHIBU_SCREENSHOTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "zhibu-screenshots")
}

// Screenshot saves a full-page PNG named name.png and returns its path.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100 = PNG; lower values give JPEG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	os.MkdirAll(Dir(), 0o755)
	p := filepath.Join(Dir(), name+".png")
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
	return p
}

// Until evaluates the JavaScript expression js (which must yield a boolean) every 100 ms
// until it is true, and fails the test after timeout with what. Unlike chromedp.Poll it
// survives a navigation while it waits — a search form that reloads the page destroys
// the execution context Poll runs in; here that evaluation just fails and is retried.
func Until(t testing.TB, ctx context.Context, what, js string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		try, cancel := context.WithTimeout(ctx, 2*time.Second)
		ok, err := chromedp.Run(try, chromedp.Evaluate[bool](js))
		cancel()
		if err == nil && ok {
			return
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: not true after %s (last error: %v)", what, timeout, lastErr)
}
