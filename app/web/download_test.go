package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"zhibu/app/testdb"
	"zhibu/app/web"
)

const (
	wechatUA = "Mozilla/5.0 (Linux; Android 13; V2227A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0 Mobile Safari/537.36 MicroMessenger/8.0.47.2560(0x28002F35) NetType/WIFI Language/zh_CN"
	phoneUA  = "Mozilla/5.0 (Linux; Android 13; V2227A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0 Mobile Safari/537.36"
	howTo    = "点击右上角 ⋯，选择在浏览器打开"
)

// downloadServer has one download route shaped like the real ones: staff only, the
// caller's scope decides (file "secret" is the county's), s.Download after the guard.
// The file names the path's id, the query's year and the user it was served to. It
// returns an admin too.
func downloadServer(t *testing.T) (*web.Server, *sqlx.DB, int64) {
	t.Helper()
	db := testdb.DB(t)
	srv := newServer(t)
	srv.App.Get("/api/v1/files/:id.xlsx", web.Auth(web.RoleAdmin, web.RoleOrganizer), srv.Download, func(c *fiber.Ctx) error {
		me := web.Me(c)
		if c.Params("id") == "secret" && me.Role != web.RoleAdmin {
			return web.NotFound("")
		}
		web.Attachment(c, "文件"+c.Params("id")+".xlsx", "zhibu-file-"+c.Params("id")+".xlsx", web.XLSXType)
		// Padded so that compression, if it ran, would have something to do.
		return c.SendString(fmt.Sprintf("file %s year %s for %d", c.Params("id"), c.Query("year"), me.UserID) + padding)
	})
	srv.NotFoundLast()
	return srv, db, testdb.User(t, db, "admin", testdb.Unique("admin"), 0, 0)
}

var padding = strings.Repeat(" ", 4096)

type answer struct {
	status  int
	header  http.Header
	body    string
	cookies []*http.Cookie
}

// fetch sends a GET with the user agent and, when token is not "", the session cookie.
func fetch(t *testing.T, srv *web.Server, path, ua, session string) answer {
	t.Helper()
	req, err := http.NewRequest("GET", path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", ua)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	if session != "" {
		req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: session})
	}
	resp, err := srv.App.Test(req, -1)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b), resp.Cookies()}
}

func session(t *testing.T, srv *web.Server, userID int64) string {
	t.Helper()
	token, _, err := srv.Sessions.Create(t.Context(), userID, "127.0.0.1", wechatUA)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// linkFor asks for path inside WeChat as the session's user and returns the link's path.
func linkFor(t *testing.T, srv *web.Server, path, sess string) string {
	t.Helper()
	a := fetch(t, srv, path, wechatUA, sess)
	loc := a.header.Get("Location")
	if a.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/dl/") {
		t.Fatalf("WeChat GET %s: %d Location %q, want 303 to /dl/…\n%.300s", path, a.status, loc, a.body)
	}
	return loc
}

func TestDownloadOutsideWeChatIsTheFile(t *testing.T) {
	srv, db, admin := downloadServer(t)
	a := fetch(t, srv, "/api/v1/files/7.xlsx?year=2026", phoneUA, session(t, srv, admin))
	if a.status != 200 || a.body != fmt.Sprintf("file 7 year 2026 for %d", admin)+padding || a.header.Get("Content-Type") != web.XLSXType {
		t.Fatalf("phone browser: %d %q %q", a.status, a.header.Get("Content-Type"), a.body)
	}
	if cd := a.header.Get("Content-Disposition"); !strings.Contains(cd, `filename="zhibu-file-7.xlsx"`) ||
		!strings.Contains(cd, "filename*=UTF-8''%E6%96%87%E4%BB%B67.xlsx") {
		t.Errorf("Content-Disposition %q", cd)
	}
	var n int
	testdb.Get(t, db, &n, `SELECT count(*) FROM download_links WHERE user_id = $1`, admin)
	if n != 0 {
		t.Errorf("a download outside WeChat made %d links", n)
	}
}

// Inside WeChat the download becomes a page with the instruction and a one-time link;
// the phone's browser, not signed in, gets the file once with it.
func TestWeChatDownloadThroughOneTimeLink(t *testing.T) {
	srv, _, admin := downloadServer(t)
	sess := session(t, srv, admin)
	link := linkFor(t, srv, "/api/v1/files/7.xlsx?year=2026", sess)

	page := fetch(t, srv, link, wechatUA, sess)
	if page.status != 200 || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") ||
		!strings.Contains(page.body, howTo) || !strings.Contains(page.body, `href="`+link+`"`) ||
		!strings.Contains(page.body, "只能下载一次") {
		t.Fatalf("WeChat page: %d %q\n%s", page.status, page.header.Get("Content-Type"), page.body)
	}
	if strings.Contains(page.body, "file 7") {
		t.Fatal("WeChat got the file")
	}
	// Showing the page again (a reload in WeChat) does not use the link up.
	if again := fetch(t, srv, link, wechatUA, sess); again.status != 200 || !strings.Contains(again.body, howTo) {
		t.Fatalf("WeChat page again: %d", again.status)
	}

	// The phone's browser: no session, the query of the link's own request is ignored.
	got := fetch(t, srv, link+"?year=1999", phoneUA, "")
	if got.status != 200 || got.body != fmt.Sprintf("file 7 year 2026 for %d", admin)+padding {
		t.Fatalf("browser with the link: %d %q", got.status, got.body)
	}
	if cd := got.header.Get("Content-Disposition"); !strings.Contains(cd, `filename="zhibu-file-7.xlsx"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	if enc := got.header.Get("Content-Encoding"); enc != "" {
		t.Errorf("a workbook served through a link is compressed again (%s)", enc)
	}
	for _, ck := range got.cookies {
		if ck.Name == web.SessionCookie && ck.Value != "" {
			t.Errorf("the link signed the browser in")
		}
	}

	// Once only: the browser again, and WeChat, are both refused with a Chinese page.
	for _, ua := range []string{phoneUA, wechatUA} {
		reuse := fetch(t, srv, link, ua, "")
		if reuse.status != http.StatusGone || !strings.Contains(reuse.body, "已使用过") || strings.Contains(reuse.body, "file 7") {
			t.Errorf("reuse (%s): %d %.300s", ua[len(ua)-20:], reuse.status, reuse.body)
		}
	}
}

func TestExpiredLinkRefused(t *testing.T) {
	srv, db, admin := downloadServer(t)
	link := linkFor(t, srv, "/api/v1/files/7.xlsx", session(t, srv, admin))
	testdb.Exec(t, db, `UPDATE download_links SET expires_at = now() - interval '1 second' WHERE user_id = $1`, admin)
	for _, ua := range []string{phoneUA, wechatUA} {
		a := fetch(t, srv, link, ua, "")
		if a.status != http.StatusGone || !strings.Contains(a.body, "已过期") || strings.Contains(a.body, "file 7") {
			t.Errorf("expired link: %d %.300s", a.status, a.body)
		}
	}
}

// The link serves as its user, through the route's own guard: a deactivated user, a
// user no longer allowed, a file outside the user's scope are refused as pages; the
// browser's own session (another user) plays no part.
func TestLinkServesOnlyItsUserAndPath(t *testing.T) {
	srv, db, admin := downloadServer(t)
	town := testdb.Township(t, db, testdb.Unique("镇"))
	org := testdb.User(t, db, "organizer", testdb.Unique("org"), town, 0)

	// The organizer's link to the county's file: the guard runs as the organizer.
	secret := linkFor(t, srv, "/api/v1/files/secret.xlsx", session(t, srv, org))
	a := fetch(t, srv, secret, phoneUA, session(t, srv, admin))
	if a.status != 404 || strings.Contains(a.body, "file secret") || !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") {
		t.Errorf("organizer's link to the county's file, opened where the admin is signed in: %d %q %.200s",
			a.status, a.header.Get("Content-Type"), a.body)
	}

	// The organizer's own file, opened where the admin is signed in: served as the organizer.
	own := linkFor(t, srv, "/api/v1/files/1.xlsx", session(t, srv, org))
	if a := fetch(t, srv, own, phoneUA, session(t, srv, admin)); a.status != 200 || a.body != fmt.Sprintf("file 1 year  for %d", org)+padding {
		t.Errorf("organizer's link: %d %q", a.status, a.body)
	}

	// Demoted before opening the link: the route's roles refuse.
	demoted := linkFor(t, srv, "/api/v1/files/2.xlsx", session(t, srv, org))
	testdb.Exec(t, db, `UPDATE users SET role = 'secretary', branch_id = $2 WHERE id = $1`, org, testdb.Branch(t, db, town, testdb.Unique("支部"), "农村"))
	if a := fetch(t, srv, demoted, phoneUA, ""); a.status != 403 || strings.Contains(a.body, "file 2") {
		t.Errorf("link of a user no longer staff: %d %.200s", a.status, a.body)
	}

	// Deactivated before opening the link.
	gone := linkFor(t, srv, "/api/v1/files/3.xlsx", session(t, srv, admin))
	testdb.Exec(t, db, `UPDATE users SET active = false WHERE id = $1`, admin)
	if a := fetch(t, srv, gone, phoneUA, ""); a.status != 403 || !strings.Contains(a.body, "停用") || strings.Contains(a.body, "file 3") {
		t.Errorf("link of a deactivated user: %d %.200s", a.status, a.body)
	}
}

func TestForgedLinksAreNotFound(t *testing.T) {
	srv, _, _ := downloadServer(t)
	for _, p := range []string{"/dl/x", "/dl/" + strings.Repeat("A", 43), "/dl/" + strings.Repeat("!", 43),
		"/dl/%00", "/dl/" + strings.Repeat("a", 500), "/dl/..%2Ffiles%2F1.xlsx", "/dl/'%20OR%201=1--"} {
		for _, ua := range []string{phoneUA, wechatUA} {
			a := fetch(t, srv, p, ua, "")
			if a.status != 404 || !strings.Contains(a.body, "找不到该下载链接") {
				t.Errorf("%s: %d %.200s", p, a.status, a.body)
			}
		}
	}
}

// Of parallel requests with one link, exactly one gets the file.
func TestLinkIsTakenOnce(t *testing.T) {
	srv, _, admin := downloadServer(t)
	link := linkFor(t, srv, "/api/v1/files/9.xlsx", session(t, srv, admin))
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := fetch(t, srv, link, phoneUA, "")
			mu.Lock()
			statuses[a.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses[200] != 1 || statuses[410] != 7 {
		t.Errorf("8 parallel uses: %v, want one 200 and seven 410", statuses)
	}
}

// A user holds at most DownloadLinksPerUser live links; asking again for the same file
// replaces its link instead of piling up.
func TestLiveLinksPerUserAreCapped(t *testing.T) {
	srv, _, admin := downloadServer(t)
	sess := session(t, srv, admin)
	first := linkFor(t, srv, "/api/v1/files/0.xlsx", sess)
	second := linkFor(t, srv, "/api/v1/files/0.xlsx", sess)
	if a := fetch(t, srv, first, phoneUA, ""); a.status == 200 {
		t.Errorf("a replaced link still serves")
	}
	if a := fetch(t, srv, second, wechatUA, ""); a.status != 200 {
		t.Errorf("the newer link: %d", a.status)
	}
	for i := 1; i < web.DownloadLinksPerUser; i++ {
		linkFor(t, srv, fmt.Sprintf("/api/v1/files/%d.xlsx", i), sess)
	}
	a := fetch(t, srv, "/api/v1/files/over.xlsx", wechatUA, sess)
	if a.status != http.StatusTooManyRequests || !strings.Contains(a.body, "过于频繁") {
		t.Fatalf("link %d: %d %.200s", web.DownloadLinksPerUser+1, a.status, a.body)
	}
	// Using one up makes room.
	if a := fetch(t, srv, second, phoneUA, ""); a.status != 200 {
		t.Fatalf("use a link: %d", a.status)
	}
	linkFor(t, srv, "/api/v1/files/over.xlsx", sess)
}

func TestASCIIName(t *testing.T) {
	for in, want := range map[string]string{
		"zhibu-completion-2026.xlsx":   "zhibu-completion-2026.xlsx",
		"zhibu completion (2026).xlsx": "zhibu-completion-2026.xlsx",
		`a"b\c;d.xlsx`:                 "a-b-c-d.xlsx",
		"考察名单.xlsx":                    "download.xlsx",
		"":                             "download",
		"--x--.pdf":                    "x.pdf",
		"a\r\nContent-Type: x.xlsx":    "a-Content-Type-x.xlsx",
	} {
		if got := web.ASCIIName(in); got != want {
			t.Errorf("ASCIIName(%q) = %q, want %q", in, got, want)
		}
	}
	// Attachment puts only a safe name in filename=, whatever the caller passes.
	app := fiber.New()
	app.Get("/", func(c *fiber.Ctx) error {
		web.Attachment(c, "名单.xlsx", `x"; filename*=UTF-8''evil.exe`, web.XLSXType)
		return nil
	})
	resp, err := app.Test(httptest.NewRequest("GET", "/", nil))
	if err != nil {
		t.Fatal(err)
	}
	want := `attachment; filename="x-filename-UTF-8-evil.exe"; filename*=UTF-8''%E5%90%8D%E5%8D%95.xlsx`
	if cd := resp.Header.Get("Content-Disposition"); cd != want {
		t.Errorf("Content-Disposition %q, want %q", cd, want)
	}
}
