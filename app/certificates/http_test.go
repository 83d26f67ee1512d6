package certificates

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

type clients struct {
	anon, sec, sec2, org, admin *webtest.Client
	srv                         *web.Server
}

func serve(t *testing.T, f fx, deps Deps, cfg web.Config) clients {
	t.Helper()
	srv := webtest.Server(t, f.db, cfg, func(s *web.Server) error { return Mount(s, deps) })
	return clients{srv: srv, anon: webtest.New(t, srv.App),
		sec: webtest.AsUser(t, srv, f.c.Secretaries[0][0]), sec2: webtest.AsUser(t, srv, f.c.Secretaries[1][0]),
		org: webtest.AsUser(t, srv, f.c.Organizers[0]), admin: webtest.AsUser(t, srv, f.c.Admin)}
}

// phoneOf is the user's phone number: it must appear on no public answer.
func phoneOf(t *testing.T, f fx, user int64) string {
	var p string
	testdb.Get(t, f.db, &p, `SELECT phone FROM users WHERE id = $1`, user)
	return p
}

// Every route × role: the public verification without a session (never a phone number),
// the owner's certificates (issued on opening), the admin's pages and API.
func TestRoutesByRole(t *testing.T) {
	f := newFx(t)
	cl := serve(t, f, Deps{PublicURL: "https://zhibu.example.gov.cn"}, web.Config{})
	sec := f.c.Secretaries[0][0]
	f.qualify(t, sec)

	// Opening 我的证书 issues the certificate (trigger 3); the page links it.
	st, page := cl.sec.Get("/me/certificates")
	if st != 200 || !strings.Contains(page, "查看证书") {
		t.Fatalf("mine page: %d %s", st, page)
	}
	st, body := cl.sec.JSON("GET", "/api/v1/me/certificates", nil)
	var mine struct{ Certificates []Certificate }
	webtest.Decode(t, body, &mine)
	if st != 200 || len(mine.Certificates) != 1 || !strings.HasPrefix(mine.Certificates[0].VerifyURL, "https://zhibu.example.gov.cn/verify/") ||
		strings.Contains(string(body), `"code"`) {
		t.Fatalf("mine api: %d %s", st, body)
	}
	cert := mine.Certificates[0]
	code := strings.TrimPrefix(cert.VerifyURL, "https://zhibu.example.gov.cn/verify/")
	if !ValidCode(code) {
		t.Fatalf("verify url %s", cert.VerifyURL)
	}
	certPath := fmt.Sprintf("/me/certificates/%d", cert.ID)
	st, page = cl.sec.Get(certPath)
	if st != 200 || !strings.Contains(page, cert.Serial) || !strings.Contains(page, "data:image/png;base64,") ||
		!strings.Contains(page, cert.VerifyURL) || !strings.Contains(page, "结业证书") {
		t.Fatalf("certificate page: %d", st)
	}
	// Someone else's certificate is not found, for the other secretary and the organizer.
	for name, c := range map[string]*webtest.Client{"other secretary": cl.sec2, "organizer": cl.org} {
		if st, _ := c.Get(certPath); st != 404 {
			t.Fatalf("%s opens another's certificate: %d", name, st)
		}
		if st, body := c.JSON("GET", "/api/v1/me/certificates", nil); st != 200 || strings.Contains(string(body), cert.Serial) {
			t.Fatalf("%s's list: %d %s", name, st, body)
		}
	}

	// The public verification: no session, only name, programme, date, validity.
	phone := phoneOf(t, f, sec)
	st, page = cl.anon.Get("/verify/" + code)
	if st != 200 || !strings.Contains(page, cert.Name) || !strings.Contains(page, cert.Programme) || !strings.Contains(page, "有效") ||
		!strings.Contains(page, `name="robots" content="noindex`) || strings.Contains(page, phone) || strings.Contains(page, cert.Serial) ||
		strings.Contains(page, cert.Branch) {
		t.Fatalf("verify page: %d %s", st, page)
	}
	st, body = cl.anon.JSON("GET", "/api/v1/verify/"+code, nil)
	want := fmt.Sprintf(`{"name":%q,"programme":%q,"issued_on":%q,"valid":true,"revoked_reason":"","issuer":"县委组织部"}`, cert.Name, cert.Programme, cert.IssuedOn)
	if st != 200 || string(body) != want || strings.Contains(string(body), phone) {
		t.Fatalf("verify api: %d %s, want %s", st, body, want)
	}

	// Staff pages and API are the admin's.
	adminOnly := []string{"/admin/certificates", "/admin/certificates/programmes/new",
		fmt.Sprintf("/admin/certificates/programmes/%d/edit", f.prog), fmt.Sprintf("/admin/certificates/programmes/%d/issue", f.prog),
		fmt.Sprintf("/admin/certificates/%d", cert.ID), fmt.Sprintf("/admin/certificates/%d/revoke", cert.ID)}
	for _, p := range adminOnly {
		for name, c := range map[string]*webtest.Client{"secretary": cl.sec, "organizer": cl.org} {
			if st, _ := c.Get(p); st != 403 {
				t.Fatalf("%s GET %s: %d", name, p, st)
			}
		}
		if st, _ := cl.anon.Get(p); st != 302 && st != 303 {
			t.Fatalf("anonymous GET %s: %d", p, st)
		}
		if st, page := cl.admin.Get(p); st != 200 || strings.Contains(page, phone) {
			t.Fatalf("admin GET %s: %d", p, st)
		}
	}
	for _, p := range []string{"/api/v1/certificates", "/api/v1/certificate-programmes"} {
		if st, _ := cl.sec.JSON("GET", p, nil); st != 403 {
			t.Fatalf("secretary %s: %d", p, st)
		}
		if st, _ := cl.anon.JSON("GET", p, nil); st != 401 {
			t.Fatalf("anonymous %s: %d", p, st)
		}
	}
	if st, _ := cl.anon.JSON("GET", "/api/v1/me/certificates", nil); st != 401 {
		t.Fatalf("anonymous mine: %d", st)
	}
	revoke := fmt.Sprintf("/api/v1/certificates/%d/revoke", cert.ID)
	for name, c := range map[string]*webtest.Client{"secretary": cl.sec, "organizer": cl.org} {
		if st, _ := c.JSON("POST", revoke, map[string]string{"reason": "x"}); st != 403 {
			t.Fatalf("%s revoke: %d", name, st)
		}
	}
	if st, _ := cl.anon.JSON("POST", revoke, map[string]string{"reason": "x"}); st != 401 && st != 403 {
		t.Fatalf("anonymous revoke: %d", st)
	}

	// The admin's list: searchable by name and serial, filtered by programme.
	for _, q := range []string{cert.Name, cert.Serial, strings.ToLower(cert.Serial[len(cert.Serial)-6:])} {
		st, body := cl.admin.JSON("GET", "/api/v1/certificates?q="+url.QueryEscape(q), nil)
		var l struct {
			Certificates []Certificate
			Total        int
		}
		webtest.Decode(t, body, &l)
		if st != 200 || l.Total < 1 || l.Certificates[0].ID != cert.ID {
			t.Fatalf("search %q: %d %s", q, st, body)
		}
	}
	if st, page := cl.admin.Get("/admin/certificates?q=" + url.QueryEscape("无此人%_")); st != 200 || !strings.Contains(page, "没有符合条件的证书") {
		t.Fatalf("search nobody: %d", st)
	}
	if st, _ := cl.admin.Get("/admin/certificates?page=0"); st != 400 {
		t.Fatalf("bad page: %d", st)
	}
	if st, _ := cl.admin.Get("/admin/certificates?q=a%00b"); st != 422 {
		t.Fatalf("NUL in search: %d", st)
	}

	// Revoke through the API: bad reasons are 422 naming the field, then 200, then 409.
	for _, raw := range []string{`{}`, `{"reason":"  "}`, `{"reason":"a\u0000b"}`, `{"reason":"` + strings.Repeat("字", MaxReason+1) + `"}`} {
		resp := cl.admin.Do("POST", revoke, strings.NewReader(raw), "application/json")
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 422 || !strings.Contains(string(out), `"reason"`) {
			t.Fatalf("reason %s: %d %s", raw, resp.StatusCode, out)
		}
	}
	if st, body := cl.admin.JSON("POST", "/api/v1/certificates/99999999/revoke", map[string]string{"reason": "材料不实"}); st != 404 {
		t.Fatalf("unknown revoke: %d %s", st, body)
	}
	if st, body := cl.admin.JSON("POST", "/api/v1/certificates/abc/revoke", map[string]string{"reason": "材料不实"}); st != 404 {
		t.Fatalf("bad id revoke: %d %s", st, body)
	}
	if st, body := cl.admin.JSON("POST", revoke, map[string]string{"reason": "培训期间多次缺勤，结业无效"}); st != 200 || !strings.Contains(string(body), `"revoke_reason":"培训期间多次缺勤，结业无效"`) {
		t.Fatalf("revoke: %d %s", st, body)
	}
	if st, body := cl.admin.JSON("POST", revoke, map[string]string{"reason": "again"}); st != 409 || webtest.ErrorCode(body) != "already_revoked" {
		t.Fatalf("revoke again: %d %s", st, body)
	}
	// The verification now says 已撤销 with the reason.
	st, page = cl.anon.Get("/verify/" + code)
	if st != 200 || !strings.Contains(page, "已撤销") || !strings.Contains(page, "培训期间多次缺勤，结业无效") || strings.Contains(page, "✓ 有效") {
		t.Fatalf("revoked verify page: %d %s", st, page)
	}
	st, body = cl.anon.JSON("GET", "/api/v1/verify/"+code, nil)
	if st != 200 || !strings.Contains(string(body), `"valid":false,"revoked_reason":"培训期间多次缺勤，结业无效"`) {
		t.Fatalf("revoked verify api: %d %s", st, body)
	}
	if st, page := cl.sec.Get("/me/certificates"); st != 200 || !strings.Contains(page, "已撤销") {
		t.Fatalf("owner's list after revoke: %d", st)
	}
}

// A forged, malformed or unknown code is 404: JSON under /api/, a clear Chinese page
// otherwise; never a 500.
func TestForgedCodes(t *testing.T) {
	f := newFx(t)
	cl := serve(t, f, Deps{}, web.Config{})
	forged, _ := NewCode()
	for _, code := range []string{forged, strings.ToUpper(forged), "x", strings.Repeat("a", 200), "%E4%B8%AD%E6%96%87", "a%00b",
		"..%2F..%2Fetc%2Fpasswd", "'%20OR%201=1--", forged + "2"} {
		st, body := cl.anon.JSON("GET", "/api/v1/verify/"+code, nil)
		if st != 404 || webtest.ErrorCode(body) == "" {
			t.Fatalf("api %q: %d %s", code, st, body)
		}
		st, page := cl.anon.Get("/verify/" + code)
		if st != 404 || !strings.Contains(page, "证书不存在") {
			t.Fatalf("page %q: %d %s", code, st, page)
		}
	}
	if st, _ := cl.anon.Get("/verify/"); st != 404 {
		t.Fatalf("no code: %d", st)
	}
}

// The admin's pages: create a programme by form (bad input re-renders with the message),
// 立即核发 issues to everyone qualified, revoke by form with a required reason.
func TestAdminForms(t *testing.T) {
	f := newFx(t)
	cl := serve(t, f, Deps{}, web.Config{})
	form := func(path string, v url.Values) (int, string, string) {
		resp := cl.admin.Form("POST", path, v)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header.Get("Location")
	}
	st, page, _ := form("/admin/certificates/programmes", url.Values{"title": {"  "}, "kind": {"year"}, "year": {"1999"}, "active": {"1"}})
	if st != 422 || !strings.Contains(page, "请填写证书项目名称") || !strings.Contains(page, "2000 到 2100") {
		t.Fatalf("bad form: %d %s", st, page)
	}
	st, page, _ = form("/admin/certificates/programmes", url.Values{"title": {"班\x00"}, "kind": {"class"}, "class_id": {"99999999"}})
	if st != 422 || !strings.Contains(page, web.BadTextMessage) {
		t.Fatalf("NUL title: %d %s", st, page)
	}
	st, page, _ = form("/admin/certificates/programmes", url.Values{"title": {"班"}, "kind": {"class"}, "class_id": {"99999999"}})
	if st != 422 || !strings.Contains(page, "找不到该培训班") {
		t.Fatalf("unknown class: %d %s", st, page)
	}
	title := testdb.Unique("年度证书")
	st, _, loc := form("/admin/certificates/programmes", url.Values{"title": {title}, "kind": {"year"}, "year": {fmt.Sprint(f.year)}, "exam_id": {fmt.Sprint(f.exam)}, "active": {"1"}})
	if st != 303 || loc != "/admin/certificates" {
		t.Fatalf("create: %d %s", st, loc)
	}
	var id int64
	testdb.Get(t, f.db, &id, `SELECT id FROM certificate_programmes WHERE title = $1`, title)
	a, b := f.c.Secretaries[0][0], f.c.Secretaries[1][1]
	f.qualify(t, a)
	f.qualify(t, b)
	st, page = cl.admin.Get(fmt.Sprintf("/admin/certificates/programmes/%d/issue", id))
	if st != 200 || !strings.Contains(page, "立即核发") {
		t.Fatalf("issue confirm: %d", st)
	}
	st, _, loc = form(fmt.Sprintf("/admin/certificates/programmes/%d/issue", id), nil)
	if st != 303 || f.count(t, id, a) != 1 || f.count(t, id, b) != 1 {
		t.Fatalf("issue: %d %s", st, loc)
	}
	if st, body := cl.admin.JSON("POST", fmt.Sprintf("/api/v1/certificate-programmes/%d/issue", id), nil); st != 200 || string(body) != `{"issued":0}` {
		t.Fatalf("issue again: %d %s", st, body)
	}
	// Editing the rule of an issued programme is refused with the reason; the title may change.
	st, page, _ = form(fmt.Sprintf("/admin/certificates/programmes/%d", id), url.Values{"title": {title}, "kind": {"year"}, "year": {fmt.Sprint(f.year + 1)}, "exam_id": {fmt.Sprint(f.exam)}, "active": {"1"}})
	if st != 409 || !strings.Contains(page, "不能再修改") {
		t.Fatalf("rule change: %d %s", st, page)
	}
	st, _, _ = form(fmt.Sprintf("/admin/certificates/programmes/%d", id), url.Values{"title": {title + "（修订）"}, "kind": {"year"}, "year": {fmt.Sprint(f.year)}, "exam_id": {fmt.Sprint(f.exam)}})
	if p, _ := f.st.Programme(context.Background(), id); st != 303 || p.Title != title+"（修订）" || p.Active {
		t.Fatalf("edit: %d %+v", st, p)
	}
	if st, _ := cl.admin.Get(fmt.Sprintf("/admin/certificates/programmes/%d/issue", id)); st != 409 {
		t.Fatalf("issue page of an inactive programme: %d", st)
	}
	var cert int64
	testdb.Get(t, f.db, &cert, `SELECT id FROM certificates WHERE programme_id = $1 AND user_id = $2`, id, a)
	st, page, _ = form(fmt.Sprintf("/admin/certificates/%d/revoke", cert), url.Values{"reason": {"  "}})
	if st != 422 || !strings.Contains(page, "请填写撤销原因") {
		t.Fatalf("empty reason: %d %s", st, page)
	}
	st, _, loc = form(fmt.Sprintf("/admin/certificates/%d/revoke", cert), url.Values{"reason": {"证明材料不实"}})
	if st != 303 || loc != fmt.Sprintf("/admin/certificates/%d", cert) {
		t.Fatalf("revoke: %d %s", st, loc)
	}
	if st, page := cl.admin.Get(loc); st != 200 || !strings.Contains(page, "该证书已撤销：证明材料不实") {
		t.Fatalf("revoked page: %d", st)
	}
	if st, _ := cl.admin.Get("/admin/certificates/99999999"); st != 404 {
		t.Fatalf("unknown certificate: %d", st)
	}
	if st, _ := cl.admin.Get("/admin/certificates/programmes/99999999/edit"); st != 404 {
		t.Fatalf("unknown programme: %d", st)
	}
	// The JSON surface of programmes.
	st, body := cl.admin.JSON("POST", "/api/v1/certificate-programmes", map[string]any{"title": "x", "kind": "year", "year": "2026"})
	if st != 422 || !strings.Contains(string(body), `"year"`) {
		t.Fatalf("mistyped year: %d %s", st, body)
	}
	st, body = cl.admin.JSON("PUT", fmt.Sprintf("/api/v1/certificate-programmes/%d", id), map[string]any{"title": "x", "kind": "class"})
	if st != 422 || !strings.Contains(string(body), `"class_id"`) {
		t.Fatalf("class without class: %d %s", st, body)
	}
}

// The verification is rate-limited per client address: of parallel requests over the
// limit exactly the limit pass, the rest are 429 with Retry-After, page and API alike;
// another address has its own budget.
func TestVerifyRateLimit(t *testing.T) {
	f := newFx(t)
	proxies, err := web.ParseTrustedProxies("0.0.0.0/0, ::/0")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 4, 10, 0, 30, 0, time.UTC) // one fixed window: no minute boundary in the test
	const limit = 7
	cl := serve(t, f, Deps{VerifyLimit: limit, Now: func() time.Time { return now }}, web.Config{TrustedProxies: proxies})
	code, _ := NewCode()
	get := func(path, ip string) *http.Response {
		req, _ := http.NewRequest("GET", path, nil)
		req.Header.Set("X-Forwarded-For", ip)
		resp, err := cl.srv.App.Test(req, -1)
		if err != nil {
			t.Error(err)
			return nil
		}
		return resp
	}
	ip := "203.0.113." + fmt.Sprint(f.year%250)
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			path := "/api/v1/verify/" + code
			if i%2 == 1 {
				path = "/verify/" + code
			}
			resp := get(path, ip)
			if resp == nil {
				return
			}
			resp.Body.Close()
			mu.Lock()
			defer mu.Unlock()
			counts[resp.StatusCode]++
			if resp.StatusCode == 429 && resp.Header.Get("Retry-After") != "31" {
				t.Errorf("Retry-After %q", resp.Header.Get("Retry-After"))
			}
		}(i)
	}
	wg.Wait()
	if counts[404] != limit || counts[429] != 30-limit {
		t.Fatalf("statuses %v, want %d × 404 and %d × 429", counts, limit, 30-limit)
	}
	resp := get("/api/v1/verify/"+code, ip)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 429 || webtest.ErrorCode(b) != "too_many_requests" {
		t.Fatalf("api over the limit: %d %s", resp.StatusCode, b)
	}
	resp = get("/verify/"+code, ip)
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 429 || !strings.Contains(string(b), "查询过于频繁") {
		t.Fatalf("page over the limit: %d %s", resp.StatusCode, b)
	}
	if _, err := netip.ParseAddr(ip); err != nil {
		t.Fatal(err)
	}
	resp = get("/verify/"+code, "192.0.2.77")
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("another address: %d", resp.StatusCode)
	}
	// The next minute is a new window.
	now = now.Add(time.Minute)
	resp = get("/verify/"+code, ip)
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("next window: %d", resp.StatusCode)
	}
}

// The issuing body is the county's setting, read on every request: the certificate's
// signature, the verification page and its API name 「县委组织部」 while the setting is
// empty and the county's own name once it is set; a revoked certificate's page names who
// revoked it.
func TestIssuerNameFollowsTheSetting(t *testing.T) {
	f := newFx(t)
	// What app/features.go wires: the settings' row (app/settings Store.IssuerName).
	issuer := func(ctx context.Context) (string, error) {
		var name string
		err := f.db.GetContext(ctx, &name, `SELECT issuer_name FROM county_settings`)
		return name, err
	}
	setIssuer := func(name string) { testdb.Exec(t, f.db, `UPDATE county_settings SET issuer_name = $1`, name) }
	setIssuer("")
	t.Cleanup(func() { setIssuer("") })
	cl := serve(t, f, Deps{IssuerName: issuer}, web.Config{})
	sec := f.c.Secretaries[0][0]
	f.qualify(t, sec)
	st, body := cl.sec.JSON("GET", "/api/v1/me/certificates", nil)
	var mine struct{ Certificates []Certificate }
	webtest.Decode(t, body, &mine)
	if st != 200 || len(mine.Certificates) != 1 {
		t.Fatalf("mine: %d %s", st, body)
	}
	cert := mine.Certificates[0]
	code := cert.VerifyURL[strings.LastIndex(cert.VerifyURL, "/")+1:]
	certPath := fmt.Sprintf("/me/certificates/%d", cert.ID)

	check := func(when, name string) {
		t.Helper()
		st, page := cl.sec.Get(certPath)
		if st != 200 || !strings.Contains(page, `<p class="cert-issuer">`+name+`</p>`) {
			t.Fatalf("%s: certificate page %d does not sign with %q", when, st, name)
		}
		st, page = cl.admin.Get(fmt.Sprintf("/admin/certificates/%d", cert.ID))
		if st != 200 || !strings.Contains(page, `<p class="cert-issuer">`+name+`</p>`) {
			t.Fatalf("%s: admin's certificate page %d does not sign with %q", when, st, name)
		}
		st, page = cl.anon.Get("/verify/" + code)
		if st != 200 || !strings.Contains(page, `<span id="verify-issuer">`+name+`</span>`) ||
			!strings.Contains(page, "本证书由"+name+"核发，以上信息与支部书记学习考试平台的记录一致") {
			t.Fatalf("%s: verify page %d does not name %q", when, st, name)
		}
		st, body := cl.anon.JSON("GET", "/api/v1/verify/"+code, nil)
		var v Verification
		webtest.Decode(t, body, &v)
		if st != 200 || v.Issuer != name || !v.Valid {
			t.Fatalf("%s: verify api %d %s, want issuer %q", when, st, body, name)
		}
	}
	check("unset", DefaultIssuer)
	setIssuer("中共某某县委组织部")
	check("set", "中共某某县委组织部")
	setIssuer(longIssuer)
	check("40 characters", longIssuer)
	setIssuer("中共某某县委组织部")

	// A revoked certificate's page says who revoked it.
	if st, body := cl.admin.JSON("POST", fmt.Sprintf("/api/v1/certificates/%d/revoke", cert.ID), map[string]string{"reason": "信息有误"}); st != 200 {
		t.Fatalf("revoke: %d %s", st, body)
	}
	if st, page := cl.anon.Get("/verify/" + code); st != 200 || !strings.Contains(page, "本证书已被发证单位（中共某某县委组织部）撤销") {
		t.Fatalf("revoked verify page: %d %s", st, page)
	}
	// A setting that cannot be read is the server's problem, never a page without an issuer.
	broken := serve(t, f, Deps{IssuerName: func(context.Context) (string, error) { return "", errors.New("settings unreadable") }}, web.Config{})
	if st, _ := broken.anon.Get("/verify/" + code); st != 500 {
		t.Fatalf("unreadable setting: verify page %d", st)
	}
}
