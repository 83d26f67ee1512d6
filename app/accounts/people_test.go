package accounts

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"zhibu/app/database"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// The people list (/admin/users): paged at web.PageSize on the server, filtered by
// township (admins), branch, status, role and search, with the counts of the filter on
// top; an organizer sees their own township whatever the query says.

var (
	listedRe = regexp.MustCompile(`class="user-name" href="/admin/users/(\d+)"`)
	countRe  = regexp.MustCompile(`<span class="big">(\d+)</span><span class="small">([^<]+)</span>`)
)

// listed are the ids of the people a list page shows.
func listed(t *testing.T, page string) []int64 {
	t.Helper()
	var ids []int64
	for _, m := range listedRe.FindAllStringSubmatch(page, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
	}
	return ids
}

// shownCounts are the counts on top of a list page, by label.
func shownCounts(page string) map[string]int {
	out := map[string]int{}
	for _, m := range countRe.FindAllStringSubmatch(page, -1) {
		n, _ := strconv.Atoi(m[1])
		out[m[2]] = n
	}
	return out
}

// peopleFixture adds n secretaries to the fixture's first township and branch, with
// names 「<prefix><i>」: every 8th deactivated, every 5th (still active) with the initial
// password. It returns their ids in the list's order.
func peopleFixture(t *testing.T, f *orgFixture, prefix string, n int) []int64 {
	t.Helper()
	base, _ := strconv.Atoi(strings.TrimPrefix(testdb.Unique("n"), "n"))
	var ids []int64
	err := f.db.Select(&ids, `
		INSERT INTO users (username, phone, name, role, township_id, branch_id, title, password_hash, active, must_change_password)
		SELECT 'p' || ph, ph, $1 || g, 'secretary', $2, $3, '书记', 'x', g % 8 <> 0, g % 5 = 0
		FROM generate_series(1, $4) g, LATERAL (SELECT '153' || lpad(($5::bigint * 1000 + g)::text, 8, '0') AS ph) p
		RETURNING id`, prefix, f.county.Townships[0], f.county.Branches[0][0], n, base%99999)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

func TestPeopleListPagingAndFilters(t *testing.T) {
	f := newOrgFixture(t)
	c := f.county
	t0, t1 := c.Townships[0], c.Townships[1]
	prefix := testdb.Unique("分页")
	added := peopleFixture(t, f, prefix, 120)
	admin, org0 := f.as(t, c.Admin), f.as(t, c.Organizers[0])

	// dbCount counts the users of township tid matching an extra condition.
	dbCount := func(tid int64, cond string) int {
		var n int
		testdb.Get(t, f.db, &n, `SELECT count(*) FROM users u WHERE u.township_id = $1 AND `+cond, tid)
		return n
	}
	inTownship := func(ids []int64, tid int64) bool {
		var n int
		testdb.Get(t, f.db, &n, `SELECT count(*) FROM users WHERE id = ANY($1) AND township_id IS DISTINCT FROM $2`, int64Array(ids), tid)
		return n == 0
	}
	get := func(cl *webtest.Client, path string, want int) string {
		t.Helper()
		s, page := cl.Get(path)
		if s != want {
			t.Fatalf("GET %s: %d, want %d", path, s, want)
		}
		return page
	}

	// An organizer sees their own township, page by page, whatever ?township= says.
	for _, path := range []string{"/admin/users", fmt.Sprintf("/admin/users?township=%d", t1)} {
		page := get(org0, path, 200)
		ids := listed(t, page)
		if len(ids) != web.PageSize || !inTownship(ids, t0) {
			t.Errorf("%s as organizer: %d people, own township only: %v", path, len(ids), inTownship(ids, t0))
		}
		if n := shownCounts(page)["全部"]; n != dbCount(t0, "true") {
			t.Errorf("%s as organizer: count %d, want %d", path, n, dbCount(t0, "true"))
		}
		if strings.Contains(page, f.towns[1]) {
			t.Errorf("%s as organizer names the other township", path)
		}
	}
	// …and a branch of another township is refused in Chinese.
	s, page := org0.Get(fmt.Sprintf("/admin/users?branch=%d", c.Branches[1][0]))
	if s != http.StatusBadRequest || !strings.Contains(page, "请从支部列表中选择") || strings.Contains(page, "bad_request") {
		t.Errorf("organizer, other township's branch: %d", s)
	}
	// An admin whose township changed since the branch was chosen sees the township.
	page = get(admin, fmt.Sprintf("/admin/users?township=%d&branch=%d", t1, c.Branches[0][0]), 200)
	if ids := listed(t, page); len(ids) == 0 || !inTownship(ids, t1) || !strings.Contains(page, "不属于所选乡镇") {
		t.Errorf("admin, branch of another township: %v", ids)
	}

	// Pages: 50 each, page 2 is not page 1, the last one holds the rest, no one twice.
	f1 := fmt.Sprintf("/admin/users?township=%d&q=%s", t0, url.QueryEscape(prefix))
	var all []int64
	for p := 1; p <= 3; p++ {
		page := get(admin, f1+"&page="+strconv.Itoa(p), 200)
		ids := listed(t, page)
		want := web.PageSize
		if p == 3 {
			want = 120 - 2*web.PageSize
		}
		if len(ids) != want {
			t.Errorf("page %d: %d people, want %d", p, len(ids), want)
		}
		if p == 2 && (!strings.Contains(page, `rel="prev"`) || !strings.Contains(page, `rel="next"`) || !strings.Contains(page, "第 2/3 页")) {
			t.Error("page 2 lacks the pager")
		}
		all = append(all, ids...)
	}
	slices.Sort(all)
	if !slices.Equal(all, added) {
		t.Errorf("three pages show %d people, want the 120 added", len(all))
	}
	for _, bad := range []string{"0", "-1", "abc", "1e3", "100001"} {
		s, page := admin.Get("/admin/users?page=" + bad)
		if s != http.StatusBadRequest || !strings.Contains(page, "页码应为") {
			t.Errorf("?page=%s: %d", bad, s)
		}
	}

	// Counts on top are the filter's; a status lists only its people.
	page = get(admin, f1, 200)
	cond := "u.name LIKE '" + prefix + "%'"
	want := map[string]int{"全部": 120, "在用": dbCount(t0, cond+" AND active"), "已停用": dbCount(t0, cond+" AND NOT active"),
		"未改初始密码": dbCount(t0, cond+" AND active AND must_change_password")}
	if got := shownCounts(page); fmt.Sprint(got) != fmt.Sprint(want) || want["已停用"] != 15 || want["未改初始密码"] != 21 {
		t.Errorf("counts %v, want %v", got, want)
	}
	for status, label := range map[string]string{UserStatusInactive: "已停用", UserStatusPending: "未改初始密码", UserStatusActive: "在用"} {
		page := get(admin, f1+"&status="+status, 200)
		ids := listed(t, page)
		if len(ids) != min(want[label], web.PageSize) || !strings.Contains(page, fmt.Sprintf("共 %d 人", want[label])) {
			t.Errorf("status %s: %d listed, want %d", status, len(ids), want[label])
		}
		var n int
		testdb.Get(t, f.db, &n, `SELECT count(*) FROM users WHERE id = ANY($1) AND NOT (`+map[string]string{
			UserStatusInactive: "NOT active", UserStatusPending: "active AND must_change_password", UserStatusActive: "active"}[status]+`)`, int64Array(ids))
		if n != 0 {
			t.Errorf("status %s lists %d others", status, n)
		}
	}
	if s, _ := admin.Get("/admin/users?status=gone"); s != http.StatusBadRequest {
		t.Errorf("unknown status: %d", s)
	}

	// The branch filter lists the township's branches only and narrows to one.
	page = get(admin, fmt.Sprintf("/admin/users?township=%d&branch=%d", t0, c.Branches[0][1]), 200)
	if ids := listed(t, page); len(ids) != 2 || !slices.Contains(ids, c.Secretaries[0][2]) {
		t.Errorf("branch filter: %v", ids)
	}
	if strings.Contains(page, fmt.Sprintf(`<option value="%d"`, c.Branches[1][0])) {
		t.Error("the branch select lists another township's branch")
	}
	if page = get(admin, "/admin/users", 200); strings.Contains(page, `name="branch"`) {
		t.Error("the branch select shows before a township is chosen")
	}
	if page = get(org0, "/admin/users", 200); !strings.Contains(page, fmt.Sprintf(`<option value="%d"`, c.Branches[0][1])) ||
		strings.Contains(page, `name="township"`) {
		t.Error("an organizer's filters: own branches, no township select")
	}

	// Search by name, phone and branch.
	var who struct {
		ID    int64  `db:"id"`
		Name  string `db:"name"`
		Phone string `db:"phone"`
	}
	testdb.Get(t, f.db, &who, `SELECT id, name, phone FROM users WHERE id = $1`, added[77])
	for _, q := range []string{who.Name, who.Phone} {
		page := get(org0, "/admin/users?q="+url.QueryEscape(q), 200)
		if ids := listed(t, page); !slices.Contains(ids, who.ID) || len(ids) > 2 {
			t.Errorf("search %q: %v", q, ids)
		}
	}
	var branch string
	testdb.Get(t, f.db, &branch, `SELECT name FROM branches WHERE id = $1`, c.Branches[0][1])
	if ids := listed(t, get(admin, "/admin/users?q="+url.QueryEscape(branch), 200)); len(ids) != 2 {
		t.Errorf("search by branch: %v", ids)
	}
	if ids := listed(t, get(admin, "/admin/users?q=%25", 200)); len(ids) != 0 {
		t.Errorf("a typed %% matches %d people", len(ids))
	}
	// The other organizer finds nobody of township 0.
	if ids := listed(t, get(f.as(t, c.Organizers[1]), "/admin/users?q="+url.QueryEscape(who.Name), 200)); len(ids) != 0 {
		t.Errorf("organizer of township 1 finds %v", ids)
	}

	// The JSON API keeps page/per_page and takes the new filters.
	st, body := admin.JSON("GET", fmt.Sprintf("/api/v1/users?township=%d&q=%s&status=inactive&per_page=10&page=2", t0, url.QueryEscape(prefix)), nil)
	var api struct {
		Users   []User `json:"users"`
		Total   int    `json:"total"`
		Page    int    `json:"page"`
		PerPage int    `json:"per_page"`
	}
	webtest.Decode(t, body, &api)
	if st != 200 || api.Total != 15 || api.Page != 2 || api.PerPage != 10 || len(api.Users) != 5 {
		t.Errorf("API: %d total %d page %d per %d users %d", st, api.Total, api.Page, api.PerPage, len(api.Users))
	}
	if st, _ := org0.JSON("GET", fmt.Sprintf("/api/v1/users?branch=%d", c.Branches[1][0]), nil); st != 404 {
		t.Errorf("API, organizer, other township's branch: %d", st)
	}
}

func int64Array(ids []int64) any {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return "{" + strings.Join(s, ",") + "}"
}

// Resetting a password and deactivating an account each ask first, on a page that says
// what happens; the POST stays the action and still needs the CSRF token.
func TestResetAndDeactivateAskFirst(t *testing.T) {
	f := newOrgFixture(t)
	c := f.county
	sec := c.Secretaries[0][0]
	admin := f.as(t, c.Admin)
	user := fmt.Sprintf("/admin/users/%d", sec)

	_, form := admin.Get(user)
	for _, link := range []string{`href="` + user + `/reset-password"`, `href="` + user + `/deactivate"`} {
		if !strings.Contains(form, link) {
			t.Errorf("the user page does not link %s", link)
		}
	}
	if strings.Contains(form, `action="`+user+`/reset-password"`) || strings.Contains(form, `action="`+user+`/active"`) {
		t.Error("the user page still resets or deactivates in one tap")
	}

	var hash string
	testdb.Get(t, f.db, &hash, `SELECT password_hash FROM users WHERE id = $1`, sec)
	s, page := admin.Get(user + "/reset-password")
	if s != 200 || !strings.Contains(page, resetConsequence) || !strings.Contains(page, `action="`+user+`/reset-password"`) ||
		!strings.Contains(page, `name="_csrf"`) || !strings.Contains(page, `href="`+user+`"`) {
		t.Errorf("reset confirmation: %d", s)
	}
	s, page = admin.Get(user + "/deactivate")
	if s != 200 || !strings.Contains(page, deactivateConsequence) || !strings.Contains(page, `action="`+user+`/active"`) ||
		!strings.Contains(page, `name="active" value="0"`) {
		t.Errorf("deactivate confirmation: %d", s)
	}
	var after string
	var active bool
	testdb.Get(t, f.db, &after, `SELECT password_hash FROM users WHERE id = $1`, sec)
	testdb.Get(t, f.db, &active, `SELECT active FROM users WHERE id = $1`, sec)
	if after != hash || !active {
		t.Fatal("showing a confirmation changed the account")
	}

	// Without the CSRF token the POSTs are refused and change nothing.
	csrf := admin.CSRF
	admin.CSRF = ""
	for path, form := range map[string]url.Values{user + "/reset-password": nil, user + "/active": {"active": {"0"}}} {
		if resp := admin.Form("POST", path, form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s without CSRF: %d", path, resp.StatusCode)
		}
	}
	admin.CSRF = csrf
	testdb.Get(t, f.db, &after, `SELECT password_hash FROM users WHERE id = $1`, sec)
	testdb.Get(t, f.db, &active, `SELECT active FROM users WHERE id = $1`, sec)
	if after != hash || !active {
		t.Fatal("a POST without CSRF changed the account")
	}

	// With it, they act.
	resp := admin.Form("POST", user+"/reset-password", nil)
	if body := readBody(resp); resp.StatusCode != 200 || !strings.Contains(body, "初始密码只显示这一次") {
		t.Errorf("reset: %d", resp.StatusCode)
	}
	testdb.Get(t, f.db, &after, `SELECT password_hash FROM users WHERE id = $1`, sec)
	if after == hash {
		t.Error("reset did not change the password")
	}
	if resp := admin.Form("POST", user+"/active", url.Values{"active": {"0"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("deactivate: %d", resp.StatusCode)
	}
	testdb.Get(t, f.db, &active, `SELECT active FROM users WHERE id = $1`, sec)
	if active {
		t.Error("deactivate did not deactivate")
	}
	// Reactivating is one tap: the page posts it directly, and asking to deactivate again
	// goes back to the page.
	if _, form = admin.Get(user); !strings.Contains(form, `action="`+user+`/active"`) || !strings.Contains(form, `name="active" value="1"`) {
		t.Error("the page of a deactivated account cannot restore it in one tap")
	}
	if resp := admin.Do("GET", user+"/deactivate", nil, ""); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("deactivate confirmation of a deactivated account: %d", resp.StatusCode)
	}

	// Scope: another township's person is not found for an organizer; nobody confirms on self.
	other := fmt.Sprintf("/admin/users/%d", c.Secretaries[1][0])
	org0 := f.as(t, c.Organizers[0])
	for _, path := range []string{other + "/reset-password", other + "/deactivate"} {
		if s, _ := org0.Get(path); s != http.StatusNotFound {
			t.Errorf("organizer GET %s: %d", path, s)
		}
	}
	me := fmt.Sprintf("/admin/users/%d", c.Admin)
	for _, path := range []string{me + "/reset-password", me + "/deactivate"} {
		if s, page := admin.Get(path); s != http.StatusUnprocessableEntity || strings.Contains(page, "validation_failed") {
			t.Errorf("admin GET %s on self: %d", path, s)
		}
	}
}

// After a refused save the user form shows every value typed and each problem next to
// its field.
func TestUserFormKeepsWhatWasTyped(t *testing.T) {
	f := newOrgFixture(t)
	c := f.county
	admin := f.as(t, c.Admin)
	typed := url.Values{"name": {"郑十一"}, "phone": {"1234"}, "role": {"secretary"}, "township_id": {fmt.Sprint(c.Townships[1])},
		"branch_id": {fmt.Sprint(c.Branches[1][1])}, "title": {"副书记"}, "username": {"zheng_11"}}
	resp := admin.Form("POST", "/admin/users/new", typed)
	page := readBody(resp)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("create with a bad phone: %d", resp.StatusCode)
	}
	for _, want := range []string{`value="郑十一"`, `value="1234"`, `value="副书记"`, `value="zheng_11"`,
		fmt.Sprintf(`<option value="%d" selected>`, c.Townships[1]), fmt.Sprintf(`<option value="%d" selected>`, c.Branches[1][1]),
		`<option value="secretary" selected>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the form lost %s", want)
		}
	}
	// The phone's problem sits right above the phone field.
	i, j := strings.Index(page, `<p class="field-error" id="phone-err">`), strings.Index(page, `<input id="phone"`)
	if i < 0 || j < i || strings.Contains(page[i:j], "<label") {
		t.Error("the phone's error is not next to the phone field")
	}

	// Missing branch: the error sits at the branch select, the values stay.
	resp = admin.Form("POST", "/admin/users/new", url.Values{"name": {"王十二"}, "phone": {uniquePhone()}, "role": {"secretary"}, "title": {"委员"}})
	page = readBody(resp)
	i, j = strings.Index(page, "请选择支部"), strings.Index(page, `<select id="branch_id"`)
	if resp.StatusCode != http.StatusUnprocessableEntity || i < 0 || j < i || !strings.Contains(page, `value="王十二"`) || !strings.Contains(page, `value="委员"`) {
		t.Errorf("missing branch: %d", resp.StatusCode)
	}

	// 列出该乡镇的支部 re-shows the form with that township's branches and saves nothing.
	typed.Set("pick", "1")
	typed.Set("phone", uniquePhone())
	typed.Set("township_id", fmt.Sprint(c.Townships[0]))
	resp = admin.Form("POST", "/admin/users/new", typed)
	page = readBody(resp)
	if resp.StatusCode != 200 || !strings.Contains(page, fmt.Sprintf(`<option value="%d">`, c.Branches[0][0])) ||
		strings.Contains(page, fmt.Sprintf(`<option value="%d"`, c.Branches[1][0])) || !strings.Contains(page, `value="郑十一"`) {
		t.Errorf("pick a township: %d", resp.StatusCode)
	}
	var n int
	testdb.Get(t, f.db, &n, `SELECT count(*) FROM users WHERE phone = $1`, typed.Get("phone"))
	if n != 0 {
		t.Error("picking a township saved the user")
	}

	// The edit form keeps its values too.
	sec := c.Secretaries[0][0]
	resp = admin.Form("POST", fmt.Sprintf("/admin/users/%d", sec), url.Values{"name": {""}, "phone": {"13912345678x"},
		"role": {"secretary"}, "branch_id": {fmt.Sprint(c.Branches[0][1])}, "title": {"第一书记"}})
	page = readBody(resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `value="13912345678x"`) ||
		!strings.Contains(page, `value="第一书记"`) || !strings.Contains(page, `id="name-err"`) ||
		!strings.Contains(page, fmt.Sprintf(`<option value="%d" selected>`, c.Branches[0][1])) {
		t.Errorf("edit with errors: %d", resp.StatusCode)
	}
}

// countyServer is the accounts pages over a fresh database holding a county of 20
// townships and 3,000 secretaries.
func countyServer(t *testing.T) (*sqlx.DB, *web.Server) {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, testdb.Fresh(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := database.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	if err := SeedDemo(ctx, db, DemoSize{Townships: 20, Secretaries: 3000}); err != nil {
		t.Fatal(err)
	}
	return db, webtest.Server(t, db, web.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, Mount)
}

// elementRe finds the start tags of a page (what the browser counts, give or take the
// tbody it adds).
var elementRe = regexp.MustCompile(`<[a-zA-Z][a-zA-Z0-9-]*`)

// At county size no staff page of accounts is over 100 KB of HTML or 2,000 elements.
func TestStaffPagesAtCountySize(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 3,000 secretaries")
	}
	db, srv := countyServer(t)
	id := func(q string, args ...any) int64 {
		var n int64
		testdb.Get(t, db, &n, q, args...)
		return n
	}
	admin, org := id(`SELECT id FROM users WHERE username = 'admin'`), id(`SELECT id FROM users WHERE username = 'organizer'`)
	sec := id(`SELECT id FROM users WHERE username = 'secretary'`)
	town := id(`SELECT township_id FROM users WHERE id = $1`, sec)
	branch := id(`SELECT branch_id FROM users WHERE id = $1`, sec)
	if n := id(`SELECT count(*) FROM branches WHERE township_id = $1`, town); n != 150 {
		t.Fatalf("the township has %d branches, want 150", n)
	}
	pages := map[int64][]string{
		admin: {"/admin/users", fmt.Sprintf("/admin/users?township=%d", town), fmt.Sprintf("/admin/users?township=%d&branch=%d", town, branch),
			"/admin/users?page=60", "/admin/org", fmt.Sprintf("/admin/org?township=%d", town),
			fmt.Sprintf("/admin/org?township=%d&page=3", town), fmt.Sprintf("/admin/org?township=%d&edit=%d", town, branch),
			"/admin/users/new", fmt.Sprintf("/admin/users/new?township=%d", town), fmt.Sprintf("/admin/users/%d", sec),
			fmt.Sprintf("/admin/users/%d/reset-password", sec), fmt.Sprintf("/admin/users/%d/deactivate", sec), "/admin/roster"},
		org: {"/admin/users", "/admin/users?page=3", "/admin/org", "/admin/org?page=2", fmt.Sprintf("/admin/org?edit=%d", branch), "/admin/users/new", fmt.Sprintf("/admin/users/%d", sec)},
	}
	for who, paths := range pages {
		cl := webtest.AsUser(t, srv, who)
		for _, path := range paths {
			s, page := cl.Get(path)
			n := len(elementRe.FindAllString(page, -1))
			t.Logf("%-40s %6d bytes %5d elements", path, len(page), n)
			if s != 200 || len(page) > 100<<10 || n > 2000 {
				t.Errorf("%s: %d, %d bytes, %d elements", path, s, len(page), n)
			}
		}
	}
	// The list holds 3,000 secretaries, 20 organizers and the admin, 50 a page.
	_, page := webtest.AsUser(t, srv, admin).Get("/admin/users")
	if got := shownCounts(page)["全部"]; got != 3021 || len(listed(t, page)) != web.PageSize || !strings.Contains(page, "第 1/61 页") {
		t.Errorf("the county's list: %d in all, %d shown", got, len(listed(t, page)))
	}
}

// The org page lists one township's branches, web.PageSize a page, searchable, with one
// edit form at a time; an organizer's ?edit= of another township's branch is not found.
func TestOrgPageBranchesPaged(t *testing.T) {
	f := newOrgFixture(t)
	c := f.county
	t0 := c.Townships[0]
	prefix := testdb.Unique("分页支部")
	testdb.Exec(t, f.db, `INSERT INTO branches (township_id, name, kind) SELECT $1, $2 || lpad(g::text, 3, '0'), '农村' FROM generate_series(1, 70) g`, t0, prefix)
	org0 := f.as(t, c.Organizers[0])
	branchRe := regexp.MustCompile(`<tr class="org-branch">\s*<td><strong>([^<]+)</strong>`)
	names := func(page string) []string {
		var out []string
		for _, m := range branchRe.FindAllStringSubmatch(page, -1) {
			out = append(out, m[1])
		}
		return out
	}
	_, p1 := org0.Get("/admin/org")
	_, p2 := org0.Get("/admin/org?page=2")
	n1, n2 := names(p1), names(p2)
	if len(n1) != web.PageSize || len(n2) != 72-web.PageSize || slices.ContainsFunc(n2, func(n string) bool { return slices.Contains(n1, n) }) {
		t.Errorf("branch pages: %d and %d", len(n1), len(n2))
	}
	if strings.Count(p1, `action="/admin/org/branches/`) != 0 {
		t.Error("the list holds a form per branch")
	}
	_, pq := org0.Get("/admin/org?q=" + url.QueryEscape(prefix+"06"))
	if got := names(pq); len(got) != 10 {
		t.Errorf("search: %v", got)
	}
	if s, page := org0.Get(fmt.Sprintf("/admin/org?edit=%d", c.Branches[0][1])); s != 200 || strings.Count(page, `action="/admin/org/branches/`) != 1 {
		t.Errorf("edit form: %d", s)
	}
	if s, _ := org0.Get(fmt.Sprintf("/admin/org?edit=%d", c.Branches[1][0])); s != 404 {
		t.Errorf("organizer edits another township's branch: %d", s)
	}
	if s, _ := org0.Get("/admin/org?page=x"); s != 400 {
		t.Errorf("bad page: %d", s)
	}
}
