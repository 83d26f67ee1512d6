package accounts

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"zhibu/app/testdb"
	"zhibu/app/web/webtest"
)

// anonymous returns a visitor that carries a valid pre-login CSRF token, so that its unsafe
// requests reach the role guard (and are refused there, not by the CSRF check).
func (f *orgFixture) anonymous(t *testing.T) *webtest.Client {
	cl := webtest.New(t, f.srv.App)
	cl.Get("/login")
	cl.CSRF = cl.Cookies["zhibu_csrf"]
	if cl.CSRF == "" {
		t.Fatal("no pre-login CSRF cookie")
	}
	return cl
}

// TestOrgRoutesByRole: every org and roster route × role. Organizers act on their own
// township (index 0); ids of the other township are not found for them.
func TestOrgRoutesByRole(t *testing.T) {
	f := newOrgFixture(t)
	c := f.county
	t0, t1 := c.Townships[0], c.Townships[1]
	b00, b10 := c.Branches[0][0], c.Branches[1][0]
	s00, s01, s10, s11 := c.Secretaries[0][0], c.Secretaries[0][1], c.Secretaries[1][0], c.Secretaries[1][1]
	id := func(n int64) string { return fmt.Sprint(n) }
	secretary := func() map[string]any {
		return map[string]any{"name": "新书记", "phone": uniquePhone(), "branch_id": b00}
	}

	type route struct {
		name   string
		method string
		path   string
		json   func() any        // JSON body (API)
		form   func() url.Values // form body (pages)
		// expected status for anonymous, secretary, organizer, admin
		anon, sec, org, admin int
	}
	api := func(name, method, path string, body func() any, anon, sec, org, admin int) route {
		return route{name: name, method: method, path: path, json: body, anon: anon, sec: sec, org: org, admin: admin}
	}
	page := func(name, method, path string, form func() url.Values, sec, org, admin int) route {
		anon := http.StatusFound // pages send anonymous visitors to the login page
		return route{name: name, method: method, path: path, form: form, anon: anon, sec: sec, org: org, admin: admin}
	}
	vals := func(kv ...string) func() url.Values {
		return func() url.Values {
			v := url.Values{}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			if v.Has("name") && v.Get("name") == "" {
				v.Set("name", testdb.Unique("名称"))
			}
			if v.Has("phone") {
				v.Set("phone", uniquePhone())
			}
			return v
		}
	}
	routes := []route{
		api("list townships", "GET", "/api/v1/townships", nil, 401, 403, 200, 200),
		api("create township", "POST", "/api/v1/townships", func() any { return map[string]string{"name": testdb.Unique("新镇")} }, 401, 403, 403, 201),
		api("list branches", "GET", "/api/v1/branches", nil, 401, 403, 200, 200),
		api("list branches own", "GET", "/api/v1/branches?township="+id(t0), nil, 401, 403, 200, 200),
		api("list branches other", "GET", "/api/v1/branches?township="+id(t1), nil, 401, 403, 404, 200),
		api("create branch own", "POST", "/api/v1/branches", func() any {
			return map[string]any{"township_id": t0, "name": testdb.Unique("支部"), "kind": "农村"}
		}, 401, 403, 201, 201),
		api("create branch other", "POST", "/api/v1/branches", func() any {
			return map[string]any{"township_id": t1, "name": testdb.Unique("支部"), "kind": "农村"}
		}, 401, 403, 404, 201),
		api("put branch own", "PUT", "/api/v1/branches/"+id(b00), func() any { return map[string]string{"kind": "社区"} }, 401, 403, 200, 200),
		api("put branch other", "PUT", "/api/v1/branches/"+id(b10), func() any { return map[string]string{"kind": "社区"} }, 401, 403, 404, 200),
		api("put branch forged id", "PUT", "/api/v1/branches/abc", func() any { return map[string]string{"kind": "社区"} }, 401, 403, 404, 404),
		api("list users", "GET", "/api/v1/users", nil, 401, 403, 200, 200),
		api("list users other", "GET", "/api/v1/users?township="+id(t1), nil, 401, 403, 404, 200),
		api("create secretary own", "POST", "/api/v1/users", func() any { return secretary() }, 401, 403, 201, 201),
		api("create secretary other", "POST", "/api/v1/users", func() any {
			m := secretary()
			m["branch_id"] = b10
			return m
		}, 401, 403, 404, 201),
		api("create organizer", "POST", "/api/v1/users", func() any {
			return map[string]any{"name": "新委员", "phone": uniquePhone(), "role": "organizer", "township_id": t0}
		}, 401, 403, 403, 201),
		api("put user own", "PUT", "/api/v1/users/"+id(s00), func() any { return map[string]string{"title": "书记"} }, 401, 403, 200, 200),
		api("put user other", "PUT", "/api/v1/users/"+id(s10), func() any { return map[string]string{"title": "书记"} }, 401, 403, 404, 200),
		api("put organizer", "PUT", "/api/v1/users/"+id(c.Organizers[0]), func() any { return map[string]string{"title": "组织委员"} }, 401, 403, 403, 200),
		api("put admin", "PUT", "/api/v1/users/"+id(c.Admin), func() any { return map[string]string{"title": "部长"} }, 401, 403, 404, 200),
		api("reset own", "POST", "/api/v1/users/"+id(s01)+"/reset-password", nil, 401, 403, 200, 200),
		api("reset other", "POST", "/api/v1/users/"+id(s11)+"/reset-password", nil, 401, 403, 404, 200),
		api("roster template", "GET", "/api/v1/roster/template.xlsx", nil, 401, 403, 200, 200),
		api("roster import without file", "POST", "/api/v1/roster/import", nil, 401, 403, 422, 422),

		page("org page", "GET", "/admin/org", nil, 403, 200, 200),
		page("org page other", "GET", "/admin/org?township="+id(t1), nil, 403, 404, 200),
		page("users page", "GET", "/admin/users?q=测试", nil, 403, 200, 200),
		page("users page other", "GET", "/admin/users?township="+id(t1), nil, 403, 200, 200), // an organizer sees their own township
		page("new user page", "GET", "/admin/users/new", nil, 403, 200, 200),
		page("edit user own", "GET", "/admin/users/"+id(s00), nil, 403, 200, 200),
		page("edit user other", "GET", "/admin/users/"+id(s10), nil, 403, 404, 200),
		page("roster page", "GET", "/admin/roster", nil, 403, 200, 200),
		page("form create township", "POST", "/admin/org/townships", vals("name", ""), 403, 403, 303),
		page("form create branch own", "POST", "/admin/org/branches", vals("township_id", id(t0), "name", "", "kind", "联合党支部"), 403, 303, 303),
		page("form create branch other", "POST", "/admin/org/branches", vals("township_id", id(t1), "name", "", "kind", "农村"), 403, 404, 303),
		page("form update branch other", "POST", "/admin/org/branches/"+id(b10), vals("name", "", "kind", "农村"), 403, 404, 303),
		page("form create user", "POST", "/admin/users/new", vals("name", "", "phone", "", "branch_id", id(b00)), 403, 200, 200),
		page("form edit user other", "POST", "/admin/users/"+id(s10), vals("name", "", "phone", "", "branch_id", id(b10)), 403, 404, 303),
		page("form reactivate other", "POST", "/admin/users/"+id(s10)+"/active", vals("active", "1"), 403, 404, 303),
		page("form reset other", "POST", "/admin/users/"+id(s11)+"/reset-password", nil, 403, 404, 200),
		page("roster preview without file", "POST", "/admin/roster/preview", nil, 403, 422, 422),
		page("roster confirm unknown stash", "POST", "/admin/roster/confirm", vals("stash_id", "nope"), 403, 404, 404),
	}
	clients := []struct {
		role string
		cl   func() *webtest.Client
	}{
		{"anonymous", func() *webtest.Client { return f.anonymous(t) }},
		{"secretary", func() *webtest.Client { return f.as(t, c.Secretaries[0][3]) }},
		{"organizer", func() *webtest.Client { return f.as(t, c.Organizers[0]) }},
		{"admin", func() *webtest.Client { return f.as(t, c.Admin) }},
	}
	for _, r := range routes {
		for i, who := range clients {
			want := []int{r.anon, r.sec, r.org, r.admin}[i]
			t.Run(r.name+"/"+who.role, func(t *testing.T) {
				cl := who.cl()
				var status int
				var body string
				if r.form != nil || strings.HasPrefix(r.path, "/admin/") {
					if r.method == "GET" {
						status, body = cl.Get(r.path)
					} else {
						var v url.Values
						if r.form != nil {
							v = r.form()
						}
						resp := cl.Form(r.method, r.path, v)
						status = resp.StatusCode
						resp.Body.Close()
					}
				} else {
					var in any
					if r.json != nil {
						in = r.json()
					}
					var b []byte
					status, b = cl.JSON(r.method, r.path, in)
					body = string(b)
				}
				if status != want {
					t.Errorf("%s %s as %s: status %d, want %d %s", r.method, r.path, who.role, status, want, clip(body, 200))
				}
			})
		}
	}
}

func TestUserLifecycle(t *testing.T) {
	f := newOrgFixture(t)
	admin := f.as(t, f.county.Admin)
	phone := uniquePhone()
	status, body := admin.JSON("POST", "/api/v1/users", map[string]any{
		"name": "周九", "phone": phone[:3] + " " + phone[3:], "branch_id": f.county.Branches[1][1], "title": "书记"})
	if status != 201 {
		t.Fatalf("create: %d %s", status, body)
	}
	var created struct {
		User struct {
			ID                 int64  `json:"id"`
			Username           string `json:"username"`
			TownshipID         int64  `json:"township_id"`
			MustChangePassword bool   `json:"must_change_password"`
		} `json:"user"`
		Password string `json:"password"`
	}
	webtest.Decode(t, body, &created)
	if created.User.Username != phone || created.User.TownshipID != f.county.Townships[1] || !created.User.MustChangePassword || len(created.Password) != 10 {
		t.Fatalf("created %+v", created)
	}
	uid := created.User.ID
	login := func(pw string) int {
		s, _ := webtest.New(t, f.srv.App).JSON("POST", "/api/v1/session", map[string]string{"username": phone, "password": pw})
		return s
	}
	if s := login(created.Password); s != 200 {
		t.Fatalf("login with the initial password: %d", s)
	}

	// Deactivation signs the user out everywhere and blocks login.
	userCl := f.as(t, uid)
	if s, _ := userCl.JSON("GET", "/api/v1/me", nil); s != 200 {
		t.Fatalf("me before: %d", s)
	}
	if s, b := admin.JSON("PUT", fmt.Sprintf("/api/v1/users/%d", uid), map[string]bool{"active": false}); s != 200 || !strings.Contains(string(b), `"active":false`) {
		t.Fatalf("deactivate: %d %s", s, b)
	}
	if s, _ := userCl.JSON("GET", "/api/v1/me", nil); s != 401 {
		t.Errorf("session survived deactivation: %d", s)
	}
	var sessions int
	testdb.Get(t, f.db, &sessions, `SELECT count(*) FROM sessions WHERE user_id = $1`, uid)
	if sessions != 0 {
		t.Errorf("%d sessions left", sessions)
	}
	if s := login(created.Password); s != 401 {
		t.Errorf("deactivated user logged in: %d", s)
	}
	if s, _ := admin.JSON("PUT", fmt.Sprintf("/api/v1/users/%d", uid), map[string]bool{"active": true}); s != 200 {
		t.Fatalf("reactivate: %d", s)
	}

	// Reset: a new password, shown once; the old one stops working.
	userCl = f.as(t, uid)
	s, b := admin.JSON("POST", fmt.Sprintf("/api/v1/users/%d/reset-password", uid), nil)
	var reset struct {
		Password string `json:"password"`
	}
	webtest.Decode(t, b, &reset)
	if s != 200 || reset.Password == "" || reset.Password == created.Password {
		t.Fatalf("reset: %d %s", s, b)
	}
	if s, _ := userCl.JSON("GET", "/api/v1/me", nil); s != 401 {
		t.Errorf("session survived reset: %d", s)
	}
	u, _ := userByID(t.Context(), f.db, uid)
	if !u.MustChangePassword || !strings.Contains(string(b), `"must_change_password":true`) || strings.Contains(u.PasswordHash, reset.Password) {
		t.Errorf("after reset: must change %v", u.MustChangePassword)
	}
	if login(created.Password) != 401 || login(reset.Password) != 200 {
		t.Error("old password still works or new one does not")
	}
}

func TestUserValidation(t *testing.T) {
	f := newOrgFixture(t)
	admin := f.as(t, f.county.Admin)
	var takenPhone string
	testdb.Get(t, f.db, &takenPhone, `SELECT phone FROM users WHERE id = $1`, f.county.Secretaries[0][0])
	cases := []struct {
		name  string
		body  map[string]any
		code  int
		field string
	}{
		{"secretary without branch", map[string]any{"name": "甲", "phone": uniquePhone()}, 422, "branch_id"},
		{"bad phone", map[string]any{"name": "甲", "phone": "12345", "branch_id": f.county.Branches[0][0]}, 422, "phone"},
		{"no name", map[string]any{"phone": uniquePhone(), "branch_id": f.county.Branches[0][0]}, 422, "name"},
		{"secretary without phone", map[string]any{"name": "甲", "username": "jia", "branch_id": f.county.Branches[0][0]}, 422, "phone"},
		{"organizer without township", map[string]any{"name": "甲", "phone": uniquePhone(), "role": "organizer"}, 422, "township_id"},
		{"bad role", map[string]any{"name": "甲", "phone": uniquePhone(), "role": "boss"}, 422, "role"},
		{"phone taken", map[string]any{"name": "甲", "phone": takenPhone, "branch_id": f.county.Branches[0][0]}, 409, ""},
		{"unknown branch", map[string]any{"name": "甲", "phone": uniquePhone(), "branch_id": 999999}, 404, ""},
		{"wrong type", map[string]any{"name": 5}, 422, "name"},
	}
	before := counts(t, f.db)
	for _, c := range cases {
		s, b := admin.JSON("POST", "/api/v1/users", c.body)
		if s != c.code || (c.field != "" && !strings.Contains(string(b), `"`+c.field+`":`)) {
			t.Errorf("%s: %d %s", c.name, s, b)
		}
	}
	if counts(t, f.db) != before {
		t.Error("a refused user was saved")
	}
	if s, b := admin.JSON("PUT", fmt.Sprintf("/api/v1/users/%d", f.county.Admin), map[string]bool{"active": false}); s != 422 {
		t.Errorf("admin deactivating self: %d %s", s, b)
	}
	// An organizer cannot turn a secretary into an organizer.
	org := f.as(t, f.county.Organizers[0])
	if s, _ := org.JSON("PUT", fmt.Sprintf("/api/v1/users/%d", f.county.Secretaries[0][0]), map[string]string{"role": "organizer"}); s != 403 {
		t.Errorf("organizer promoting: %d", s)
	}
	// Moving a secretary to another branch moves the township too.
	s, b := admin.JSON("PUT", fmt.Sprintf("/api/v1/users/%d", f.county.Secretaries[0][0]), map[string]int64{"branch_id": f.county.Branches[1][1]})
	if s != 200 || !strings.Contains(string(b), fmt.Sprintf(`"township_id":%d`, f.county.Townships[1])) {
		t.Errorf("move: %d %s", s, b)
	}
}

func TestOrganizerSeesOwnTownship(t *testing.T) {
	f := newOrgFixture(t)
	org := f.as(t, f.county.Organizers[1])
	var users struct {
		Users []struct {
			TownshipID int64 `json:"township_id"`
		} `json:"users"`
		Total int `json:"total"`
	}
	s, b := org.JSON("GET", "/api/v1/users?per_page=200", nil)
	webtest.Decode(t, b, &users)
	if s != 200 || users.Total == 0 || len(users.Users) != users.Total {
		t.Fatalf("%d %s", s, b)
	}
	for _, u := range users.Users {
		if u.TownshipID != f.county.Townships[1] {
			t.Errorf("organizer sees a user of township %d", u.TownshipID)
		}
	}
	var towns struct {
		Townships []Township `json:"townships"`
	}
	_, b = org.JSON("GET", "/api/v1/townships", nil)
	webtest.Decode(t, b, &towns)
	if len(towns.Townships) != 1 || towns.Townships[0].ID != f.county.Townships[1] || towns.Townships[0].Branches != 2 || towns.Townships[0].Users != 4 {
		t.Errorf("townships %+v", towns.Townships)
	}
	var branches struct {
		Branches []Branch `json:"branches"`
	}
	_, b = org.JSON("GET", "/api/v1/branches", nil)
	webtest.Decode(t, b, &branches)
	if len(branches.Branches) != 2 {
		t.Errorf("branches %+v", branches.Branches)
	}
	// Filters: role and search; paging.
	admin := f.as(t, f.county.Admin)
	var name string
	testdb.Get(t, f.db, &name, `SELECT name FROM users WHERE id = $1`, f.county.Secretaries[0][2])
	_, b = admin.JSON("GET", "/api/v1/users?q="+url.QueryEscape(name), nil)
	webtest.Decode(t, b, &users)
	if users.Total != 1 {
		t.Errorf("search %q: %s", name, b)
	}
	_, b = admin.JSON("GET", fmt.Sprintf("/api/v1/users?role=organizer&township=%d", f.county.Townships[0]), nil)
	webtest.Decode(t, b, &users)
	if users.Total != 1 {
		t.Errorf("organizers of township: %s", b)
	}
	if s, _ := admin.JSON("GET", "/api/v1/users?role=boss", nil); s != 400 {
		t.Errorf("bad role filter: %d", s)
	}
}

func TestBranchRules(t *testing.T) {
	f := newOrgFixture(t)
	admin := f.as(t, f.county.Admin)
	name := testdb.Unique("光明社区")
	s, b := admin.JSON("POST", "/api/v1/branches", map[string]any{"township_id": f.county.Townships[0], "name": " " + name + " ", "kind": "社区党支部"})
	var out struct {
		Branch Branch `json:"branch"`
	}
	webtest.Decode(t, b, &out)
	if s != 201 || out.Branch.Name != name || out.Branch.Kind != "社区" {
		t.Fatalf("create: %d %s", s, b)
	}
	if s, _ := admin.JSON("POST", "/api/v1/branches", map[string]any{"township_id": f.county.Townships[0], "name": name, "kind": "社区"}); s != 409 {
		t.Errorf("duplicate: %d", s)
	}
	if s, _ := admin.JSON("POST", "/api/v1/branches", map[string]any{"township_id": f.county.Townships[0], "name": "x", "kind": "火星"}); s != 422 {
		t.Errorf("bad kind: %d", s)
	}
	if s, _ := admin.JSON("POST", "/api/v1/branches", map[string]any{"township_id": 999999, "name": "x", "kind": "农村"}); s != 404 {
		t.Errorf("unknown township: %d", s)
	}
	s, b = admin.JSON("PUT", fmt.Sprintf("/api/v1/branches/%d", out.Branch.ID), map[string]string{"name": name + "二"})
	if s != 200 || !strings.Contains(string(b), name+"二") || !strings.Contains(string(b), `"kind":"社区"`) {
		t.Errorf("rename: %d %s", s, b)
	}
	if s, _ := admin.JSON("POST", "/api/v1/townships", map[string]string{"name": "  "}); s != 422 {
		t.Errorf("empty township: %d", s)
	}
	if s, _ := admin.JSON("POST", "/api/v1/townships", map[string]string{"name": f.towns[0]}); s != 409 {
		t.Errorf("duplicate township: %d", s)
	}
}

func TestUserPages(t *testing.T) {
	f := newOrgFixture(t)
	admin := f.as(t, f.county.Admin)
	phone := uniquePhone()
	resp := admin.Form("POST", "/admin/users/new", url.Values{"name": {"吴十"}, "phone": {phone}, "branch_id": {fmt.Sprint(f.county.Branches[0][1])}, "title": {"书记"}})
	page := readBody(resp)
	if resp.StatusCode != 200 || !strings.Contains(page, "初始密码只显示这一次") {
		t.Fatalf("create page: %d", resp.StatusCode)
	}
	var hash string
	var id int64
	if err := f.db.QueryRow(`SELECT id, password_hash FROM users WHERE phone = $1`, phone).Scan(&id, &hash); err != nil {
		t.Fatal(err)
	}
	i := strings.Index(page, `class="pw pw-secret">`)
	pw := page[i+len(`class="pw pw-secret">`):]
	pw = pw[:strings.IndexByte(pw, '<')]
	if !checkPassword(hash, pw) {
		t.Errorf("shown password %q does not match", pw)
	}
	// A form error re-renders the form with the message, keeping the input.
	resp = admin.Form("POST", "/admin/users/new", url.Values{"name": {"郑十一"}, "phone": {"123"}})
	if page = readBody(resp); resp.StatusCode != 422 || !strings.Contains(page, "手机号应为 1 开头的 11 位数字") || !strings.Contains(page, "郑十一") {
		t.Errorf("form error: %d", resp.StatusCode)
	}
	if s, page := admin.Get("/admin/users?q=" + url.QueryEscape("吴十")); s != 200 || !strings.Contains(page, phone) {
		t.Errorf("users page search: %d", s)
	}
	resp = admin.Form("POST", fmt.Sprintf("/admin/users/%d/active", id), url.Values{"active": {"0"}})
	if resp.StatusCode != 303 {
		t.Fatalf("deactivate: %d", resp.StatusCode)
	}
	if s, page := admin.Get(fmt.Sprintf("/admin/users/%d", id)); s != 200 || !strings.Contains(page, "该账号已停用") || !strings.Contains(page, "已停用该账号") {
		t.Errorf("edit page after deactivation: %d", s)
	}
}

func readBody(resp *http.Response) string {
	defer resp.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			return sb.String()
		}
	}
}
