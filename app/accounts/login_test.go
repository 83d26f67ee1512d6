package accounts

import (
	"net/url"
	"strings"
	"testing"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

func newServer(t *testing.T) *web.Server {
	t.Helper()
	srv := webtest.Server(t, testdb.DB(t), web.Config{}, Mount)
	return srv
}

func login(cl *webtest.Client, username, password string) (int, []byte) {
	st, body := cl.JSON("POST", "/api/v1/session", map[string]string{"username": username, "password": password})
	if st == 200 {
		var out struct {
			CSRF string `json:"csrf_token"`
		}
		webtest.Decode(cl.T, body, &out)
		cl.CSRF = out.CSRF
	}
	return st, body
}

func TestAPILoginByUsernameOrPhoneAndLogout(t *testing.T) {
	db := testdb.DB(t)
	srv := newServer(t)
	c := testdb.MakeCounty(t, db)
	var username, phone string
	if err := db.QueryRow(`SELECT username, phone FROM users WHERE id = $1`, c.Secretaries[0][0]).Scan(&username, &phone); err != nil {
		t.Fatal(err)
	}

	cl := webtest.New(t, srv.App)
	st, body := login(cl, username, testdb.Password)
	if st != 200 || !strings.Contains(string(body), `"role":"secretary"`) || cl.CSRF == "" {
		t.Fatalf("login by username: %d %s", st, body)
	}
	if st, body := cl.JSON("GET", "/api/v1/me", nil); st != 200 || !strings.Contains(string(body), `"username":"`+username+`"`) {
		t.Fatalf("me: %d %s", st, body)
	}
	if st, _ := cl.JSON("DELETE", "/api/v1/session", nil); st != 204 {
		t.Fatalf("logout = %d", st)
	}
	if st, _ := cl.JSON("GET", "/api/v1/me", nil); st != 401 {
		t.Fatalf("me after logout = %d, want 401", st)
	}
	var left int
	testdb.Get(t, db, &left, `SELECT count(*) FROM sessions WHERE user_id = $1`, c.Secretaries[0][0])
	if left != 0 {
		t.Fatalf("%d sessions left after logout", left)
	}

	cl2 := webtest.New(t, srv.App)
	if st, body := login(cl2, phone, testdb.Password); st != 200 {
		t.Fatalf("login by phone: %d %s", st, body)
	}
}

func TestBadLoginDoesNotRevealWhetherTheAccountExists(t *testing.T) {
	db := testdb.DB(t)
	srv := newServer(t)
	uname := testdb.Unique("enum")
	testdb.User(t, db, "admin", uname, 0, 0)

	st1, b1 := login(webtest.New(t, srv.App), uname, "wrong-password")
	st2, b2 := login(webtest.New(t, srv.App), testdb.Unique("nobody"), "wrong-password")
	if st1 != 401 || st2 != 401 || string(b1) != string(b2) {
		t.Fatalf("wrong password %d %s vs unknown user %d %s: must be identical", st1, b1, st2, b2)
	}
	if !strings.Contains(string(b1), "账号或密码不正确") {
		t.Fatalf("message not Chinese: %s", b1)
	}
	if st, body := login(webtest.New(t, srv.App), "", ""); st != 422 {
		t.Fatalf("empty login = %d %s", st, body)
	}
	resp := webtest.New(t, srv.App).Do("POST", "/api/v1/session", strings.NewReader("{not json"), "application/json")
	if resp.StatusCode != 400 {
		t.Fatalf("malformed JSON login = %d", resp.StatusCode)
	}
}

func TestLoginIsRateLimited(t *testing.T) {
	db := testdb.DB(t)
	srv := newServer(t)
	resetThrottle(t, db)
	uname := testdb.Unique("locked")
	testdb.User(t, db, "admin", uname, 0, 0)
	for i := 0; i < pairLimit; i++ {
		if st, _ := login(webtest.New(t, srv.App), uname, "bad"); st != 401 {
			t.Fatalf("failure %d = %d", i, st)
		}
	}
	// Locked out from this address: even the right password is refused for now, with a
	// Chinese 429 that tells when to retry.
	cl := webtest.New(t, srv.App)
	resp := cl.Do("POST", "/api/v1/session", strings.NewReader(`{"username":"`+uname+`","password":"`+testdb.Password+`"}`), "application/json")
	body := readBody(resp)
	if resp.StatusCode != 429 || webtest.ErrorCode([]byte(body)) != "too_many_attempts" || !strings.Contains(body, "15 分钟") ||
		resp.Header.Get("Retry-After") == "" {
		t.Fatalf("after %d failures: %d %s (Retry-After %q), want 429", pairLimit, resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	// Unknown accounts lock out the same way (no enumeration through the limit either).
	ghost := testdb.Unique("ghost")
	for i := 0; i < pairLimit; i++ {
		login(webtest.New(t, srv.App), ghost, "bad")
	}
	if st, _ := login(webtest.New(t, srv.App), ghost, "bad"); st != 429 {
		t.Fatalf("unknown account after failures = %d, want 429", st)
	}
	// The window passes: the account works again.
	testdb.Exec(t, db, `UPDATE login_throttle SET window_from = now() - interval '1 hour' WHERE key LIKE 'pair:%'`)
	if st, body := login(webtest.New(t, srv.App), uname, testdb.Password); st != 200 {
		t.Fatalf("after the window: %d %s", st, body)
	}
}

func TestHTMLLoginFormNeedsCSRFAndRedirectsHome(t *testing.T) {
	db := testdb.DB(t)
	srv := newServer(t)
	uname := testdb.Unique("html")
	testdb.User(t, db, "admin", uname, 0, 0)

	cl := webtest.New(t, srv.App)
	st, page := cl.Get("/login")
	if st != 200 || !strings.Contains(page, "支部书记学习考试平台") || !strings.Contains(page, `name="_csrf"`) {
		t.Fatalf("login page: %d", st)
	}
	token := between(page, `name="_csrf" value="`, `"`)

	resp := cl.Form("POST", "/login", url.Values{"username": {uname}, "password": {testdb.Password}})
	if resp.StatusCode != 403 {
		t.Fatalf("login form without _csrf = %d, want 403", resp.StatusCode)
	}
	resp = cl.Form("POST", "/login", url.Values{"username": {uname}, "password": {"wrong"}, "_csrf": {token}})
	if resp.StatusCode != 401 {
		t.Fatalf("wrong password via form = %d", resp.StatusCode)
	}
	resp = cl.Form("POST", "/login", url.Values{"username": {uname}, "password": {testdb.Password}, "_csrf": {token}, "next": {"//evil.example/"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/" {
		t.Fatalf("login form = %d → %q, want 303 to / (never to another site)", resp.StatusCode, resp.Header.Get("Location"))
	}
	if st, page := cl.Get("/"); st != 200 || !strings.Contains(page, "您好") {
		t.Fatalf("home after login: %d", st)
	}
}

func TestPasswordChangeAndForcedFirstChange(t *testing.T) {
	db := testdb.DB(t)
	srv := newServer(t)
	c := testdb.MakeCounty(t, db)
	uid := c.Secretaries[1][0]
	var uname string
	testdb.Get(t, db, &uname, `SELECT username FROM users WHERE id = $1`, uid)
	testdb.Exec(t, db, `UPDATE users SET must_change_password = true WHERE id = $1`, uid)

	other := webtest.New(t, srv.App)
	login(other, uname, testdb.Password)
	cl := webtest.New(t, srv.App)
	if st, body := login(cl, uname, testdb.Password); st != 200 || !strings.Contains(string(body), `"must_change_password":true`) {
		t.Fatalf("login: %d %s", st, body)
	}
	// Until the password is changed, pages send the user to /password.
	resp := cl.Do("GET", "/", nil, "")
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "/password" {
		t.Fatalf("home with pending change = %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp = cl.Do("GET", "/me", nil, "")
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "/password" {
		t.Fatalf("/me with pending change = %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}

	// The forced change asks only for the new password: the session proves the initial one.
	if st, page := cl.Get("/password"); st != 200 || strings.Contains(page, `name="current_password"`) || !strings.Contains(page, `name="new_password"`) {
		t.Fatalf("forced change page = %d, asks for the current password or not for a new one", st)
	}
	if st, body := cl.JSON("PUT", "/api/v1/me/password", map[string]string{"new_password": "short"}); st != 422 || !strings.Contains(string(body), "8") {
		t.Fatalf("short new password = %d %s", st, body)
	}
	var phone string
	testdb.Get(t, db, &phone, `SELECT phone FROM users WHERE id = $1`, uid)
	if st, body := cl.JSON("PUT", "/api/v1/me/password", map[string]string{"new_password": phone}); st != 422 || !strings.Contains(string(body), "手机号") {
		t.Fatalf("own phone as new password = %d %s", st, body)
	}
	if st, body := cl.JSON("PUT", "/api/v1/me/password", map[string]string{"new_password": testdb.Password}); st != 422 || !strings.Contains(string(body), "不能与当前密码相同") {
		t.Fatalf("initial password kept = %d %s", st, body)
	}
	if st, body := cl.JSON("PUT", "/api/v1/me/password", map[string]string{"new_password": "brand-new-pass"}); st != 204 {
		t.Fatalf("forced change without the current password = %d %s", st, body)
	}
	if st, _ := cl.Get("/me"); st != 200 {
		t.Fatalf("/me after change = %d", st)
	}
	if st, _ := other.JSON("GET", "/api/v1/me", nil); st != 401 {
		t.Fatalf("other device after password change = %d, want signed out", st)
	}
	if st, _ := login(webtest.New(t, srv.App), uname, testdb.Password); st != 401 {
		t.Fatal("old password still works")
	}
	if st, _ := login(webtest.New(t, srv.App), uname, "brand-new-pass"); st != 200 {
		t.Fatal("new password does not work")
	}

	// Once changed, a change needs the current password again, on the page and the API.
	if st, page := cl.Get("/password"); st != 200 || !strings.Contains(page, `name="current_password"`) {
		t.Fatalf("normal change page = %d, does not ask for the current password", st)
	}
	for _, cur := range []string{"", "nope"} {
		if st, body := cl.JSON("PUT", "/api/v1/me/password", map[string]string{"current_password": cur, "new_password": "another-pass-1"}); st != 422 || !strings.Contains(string(body), "当前密码不正确") {
			t.Fatalf("normal change with current %q = %d %s", cur, st, body)
		}
	}
	resp = cl.Form("POST", "/password", url.Values{"current_password": {"brand-new-pass"}, "new_password": {"another-pass-1"}, "confirm_password": {"another-pass-1"}})
	if resp.StatusCode != 303 {
		t.Fatalf("normal change by form = %d", resp.StatusCode)
	}
	if st, _ := login(webtest.New(t, srv.App), uname, "another-pass-1"); st != 200 {
		t.Fatal("password changed by form does not work")
	}
}

// The forced first change by the form: no current password field, none needed; the
// too-simple password is refused with its reason on the page.
func TestForcedFirstChangeByForm(t *testing.T) {
	db := testdb.DB(t)
	srv := newServer(t)
	c := testdb.MakeCounty(t, db)
	uid := c.Secretaries[0][0]
	var uname string
	testdb.Get(t, db, &uname, `SELECT username FROM users WHERE id = $1`, uid)
	testdb.Exec(t, db, `UPDATE users SET must_change_password = true WHERE id = $1`, uid)
	cl := webtest.New(t, srv.App)
	if st, body := login(cl, uname, testdb.Password); st != 200 {
		t.Fatalf("login: %d %s", st, body)
	}
	resp := cl.Form("POST", "/password", url.Values{"new_password": {"12345678"}, "confirm_password": {"12345678"}})
	if page := readBody(resp); resp.StatusCode != 422 || !strings.Contains(page, "连续字符") || strings.Contains(page, `name="current_password"`) {
		t.Fatalf("simple password by form = %d", resp.StatusCode)
	}
	resp = cl.Form("POST", "/password", url.Values{"new_password": {"my-own-pass-9"}, "confirm_password": {"my-own-pass-9"}})
	if resp.StatusCode != 303 {
		t.Fatalf("forced change by form = %d %s", resp.StatusCode, readBody(resp))
	}
	var must bool
	testdb.Get(t, db, &must, `SELECT must_change_password FROM users WHERE id = $1`, uid)
	if must {
		t.Fatal("must_change_password still set after the change")
	}
	if st, _ := login(webtest.New(t, srv.App), uname, "my-own-pass-9"); st != 200 {
		t.Fatal("new password does not work")
	}
}

func TestAnonymousIsSentToLogin(t *testing.T) {
	srv := newServer(t)
	cl := webtest.New(t, srv.App)
	for _, p := range []string{"/me", "/password"} {
		resp := cl.Do("GET", p, nil, "")
		if resp.StatusCode != 302 || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("%s anonymous = %d → %s", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if st, body := cl.JSON("GET", "/api/v1/me", nil); st != 401 || webtest.ErrorCode(body) != "unauthenticated" {
		t.Errorf("/api/v1/me anonymous = %d %s", st, body)
	}
}

func TestDemoCountyIsIdempotentAndHasTheFixedAccounts(t *testing.T) {
	db := testdb.DB(t)
	ctx := t.Context()
	size := DemoSize{Townships: 3, Secretaries: 40}
	for i := 0; i < 2; i++ {
		if err := SeedDemo(ctx, db, size); err != nil {
			t.Fatal(err)
		}
	}
	var secs, orgs, admins, branches, kinds int
	testdb.Get(t, db, &secs, `SELECT count(*) FROM users WHERE role='secretary' AND username LIKE 'secretary%'`)
	testdb.Get(t, db, &orgs, `SELECT count(*) FROM users WHERE role='organizer' AND username LIKE 'organizer%'`)
	testdb.Get(t, db, &admins, `SELECT count(*) FROM users WHERE username='admin' AND role='admin'`)
	testdb.Get(t, db, &branches, `SELECT count(*) FROM branches b JOIN users u ON u.branch_id = b.id WHERE u.username LIKE 'secretary%'`)
	testdb.Get(t, db, &kinds, `SELECT count(DISTINCT b.kind) FROM branches b JOIN users u ON u.branch_id = b.id WHERE u.username LIKE 'secretary%'`)
	if secs != 40 || orgs != 3 || admins != 1 || branches < 12 || kinds < 3 {
		t.Fatalf("demo county: %d secretaries, %d organizers, %d admin, %d branches, %d kinds", secs, orgs, admins, branches, kinds)
	}
	var secTown, orgTown int64
	testdb.Get(t, db, &secTown, `SELECT township_id FROM users WHERE username='secretary'`)
	testdb.Get(t, db, &orgTown, `SELECT township_id FROM users WHERE username='organizer'`)
	if secTown != orgTown {
		t.Fatal("demo secretary and organizer must share township 1")
	}
	u, err := userByLogin(ctx, db, "secretary")
	if err != nil || u == nil || !checkPassword(u.PasswordHash, DemoPassword) {
		t.Fatal("demo secretary cannot log in with the demo password")
	}
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	j := strings.Index(s, b)
	if j < 0 {
		return ""
	}
	return s[:j]
}

func TestStaffHomeShowsTheirScope(t *testing.T) {
	db := testdb.DB(t)
	srv := newServer(t)
	c := testdb.MakeCounty(t, db)
	var own, other string
	testdb.Get(t, db, &own, `SELECT name FROM townships WHERE id = $1`, c.Townships[0])
	testdb.Get(t, db, &other, `SELECT name FROM townships WHERE id = $1`, c.Townships[1])
	_, page := webtest.AsUser(t, srv, c.Organizers[0]).Get("/")
	// The organizer's township has 2 branches with 2 secretaries each.
	if !strings.Contains(page, "2 个支部，4 名支部书记") || strings.Contains(page, "个乡镇") {
		t.Fatalf("organizer home does not show the own township's counts:\n%s", between(page, "<main", "</main>"))
	}
	_, page = webtest.AsUser(t, srv, c.Admin).Get("/")
	if !strings.Contains(page, "个乡镇") {
		t.Fatalf("admin home lacks the county counts")
	}
	_, page = webtest.AsUser(t, srv, c.Secretaries[0][0]).Get("/")
	if strings.Contains(page, "组织与人员") {
		t.Fatal("secretaries must not get the staff card")
	}
}
