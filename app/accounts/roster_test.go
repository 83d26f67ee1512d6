package accounts

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"

	"zhibu/app/imports"
	"zhibu/app/imports/xlsxtest"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// orgFixture is a server with the accounts routes over a small county.
type orgFixture struct {
	srv    *web.Server
	db     *sqlx.DB
	county testdb.County
	towns  [2]string // township names
}

func newOrgFixture(t *testing.T) *orgFixture {
	t.Helper()
	db := testdb.DB(t)
	f := &orgFixture{db: db, county: testdb.MakeCounty(t, db)}
	srv := webtest.Server(t, db, web.Config{}, Mount)
	f.srv = srv
	for i, id := range f.county.Townships {
		if err := db.Get(&f.towns[i], `SELECT name FROM townships WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *orgFixture) as(t *testing.T, userID int64) *webtest.Client {
	return webtest.AsUser(t, f.srv, userID)
}

// uniquePhone gives a phone number no fixture uses (fixtures use 139…).
func uniquePhone() string {
	var n int
	fmt.Sscanf(testdb.Unique(""), "%d", &n)
	return fmt.Sprintf("151%08d", n)
}

func makeXLSX(t testing.TB, rows [][]string) []byte {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	for i, r := range rows {
		cells := make([]any, len(r))
		for j, v := range r {
			cells[j] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &cells); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var rosterHead = []string{"乡镇", "支部名称", "支部类型", "姓名", "手机号", "职务"}

type importResp struct {
	Rows        int          `json:"rows"`
	Imported    int          `json:"imported"`
	Errors      []RowError   `json:"errors"`
	Created     int          `json:"created"`
	Updated     int          `json:"updated"`
	Credentials []Credential `json:"credentials"`
	Error       struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func upload(t *testing.T, cl *webtest.Client, path string, data []byte) (int, importResp) {
	t.Helper()
	status, body := cl.Upload(path, "花名册.xlsx", data, nil)
	var r importResp
	if status != http.StatusRequestEntityTooLarge && status < 500 {
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatalf("decode %d %s: %v", status, body, err)
		}
	} else {
		t.Logf("status %d body %s", status, body)
	}
	return status, r
}

func counts(t *testing.T, db *sqlx.DB) [2]int {
	t.Helper()
	var c [2]int
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM branches)`).Scan(&c[0], &c[1]); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRosterImportGood(t *testing.T) {
	f := newOrgFixture(t)
	cl := f.as(t, f.county.Admin)
	var existingBranch string
	testdb.Get(t, f.db, &existingBranch, `SELECT name FROM branches WHERE id = $1`, f.county.Branches[0][0])
	newBranch := testdb.Unique("新建村党支部")
	p1, p2, p3 := uniquePhone(), uniquePhone(), uniquePhone()
	data := makeXLSX(t, [][]string{
		{"序号", "姓名", "手机号", "乡镇", "支部名称", "支部类型", "职务"},
		{"1", "张建国", p1[:3] + "-" + p1[3:7] + "-" + p1[7:], f.towns[0], existingBranch, "农村", "书记"},
		{"2", " 李秀英 ", p2, f.towns[0], newBranch, "村", ""},
		{"3", "王志强", p3, f.towns[1], newBranch, "学校/事业单位", "副书记"},
	})
	before := counts(t, f.db)

	status, dry := upload(t, cl, "/api/v1/roster/import?dry_run=1", data)
	if status != 200 || dry.Rows != 3 || dry.Imported != 0 || len(dry.Errors) != 0 {
		t.Fatalf("dry run: %d %+v", status, dry)
	}
	if counts(t, f.db) != before {
		t.Fatal("dry run saved something")
	}

	status, r := upload(t, cl, "/api/v1/roster/import", data)
	if status != 200 || r.Rows != 3 || r.Imported != 3 || r.Created != 3 || len(r.Credentials) != 3 {
		t.Fatalf("import: %d %+v", status, r)
	}
	after := counts(t, f.db)
	if after[0] != before[0]+3 || after[1] != before[1]+2 {
		t.Errorf("users/branches %v → %v, want +3 users, +2 branches", before, after)
	}
	for _, c := range r.Credentials {
		var u User
		if err := f.db.Get(&u, `SELECT `+userColumns+userFrom+` WHERE u.phone = $1`, c.Phone); err != nil {
			t.Fatalf("read back %s: %v", c.Phone, err)
		}
		if u.Username != c.Phone || u.Role != "secretary" || !u.MustChangePassword || !u.Active {
			t.Errorf("user %+v", u)
		}
		if !checkPassword(u.PasswordHash, c.Password) || strings.Contains(u.PasswordHash, c.Password) {
			t.Errorf("initial password of %s does not check or is stored in plain text", c.Phone)
		}
		if *u.TownshipName != c.Township || *u.BranchName != c.Branch || u.Name != c.Name {
			t.Errorf("user %s: %s/%s/%s, credential %+v", c.Phone, *u.TownshipName, *u.BranchName, u.Name, c)
		}
	}
	var kind, title string
	testdb.Get(t, f.db, &kind, `SELECT kind FROM branches WHERE township_id = $1 AND name = $2`, f.county.Townships[1], newBranch)
	testdb.Get(t, f.db, &title, `SELECT title FROM users WHERE phone = $1`, p2)
	if kind != "事业单位" || title != "书记" {
		t.Errorf("kind %q (want 事业单位), default title %q (want 书记)", kind, title)
	}
	var name string
	testdb.Get(t, f.db, &name, `SELECT name FROM users WHERE phone = $1`, p2)
	if name != "李秀英" {
		t.Errorf("name not trimmed: %q", name)
	}
}

func TestRosterReimportUpdatesByPhone(t *testing.T) {
	f := newOrgFixture(t)
	cl := f.as(t, f.county.Admin)
	phone := uniquePhone()
	b1, b2 := testdb.Unique("甲村党支部"), testdb.Unique("乙社区党支部")
	first := makeXLSX(t, [][]string{rosterHead, {f.towns[0], b1, "农村", "赵六", phone, "书记"}})
	if status, r := upload(t, cl, "/api/v1/roster/import", first); status != 200 || r.Created != 1 {
		t.Fatalf("first import: %d %+v", status, r)
	}
	var id int64
	testdb.Get(t, f.db, &id, `SELECT id FROM users WHERE phone = $1`, phone)
	// Deactivated people come back when the roster lists them again.
	testdb.Exec(t, f.db, `UPDATE users SET active = false WHERE id = $1`, id)
	before := counts(t, f.db)
	second := makeXLSX(t, [][]string{rosterHead, {f.towns[1], b2, "社区", "赵六六", phone, "副书记"}})
	status, r := upload(t, cl, "/api/v1/roster/import", second)
	if status != 200 || r.Created != 0 || r.Updated != 1 || len(r.Credentials) != 0 {
		t.Fatalf("re-import: %d %+v", status, r)
	}
	if after := counts(t, f.db); after[0] != before[0] {
		t.Errorf("re-import added users: %v → %v", before, after)
	}
	u, _ := userByID(context.Background(), f.db, id)
	if u.Name != "赵六六" || *u.TownshipID != f.county.Townships[1] || *u.BranchName != b2 || u.Title != "副书记" || !u.Active {
		t.Errorf("not updated: %+v", u)
	}
}

// Every bad file answers 422 with row-level Chinese errors and saves nothing; its dry run
// answers 200 with the same errors.
// rowErr is an expected row error: row, column and a part of the message.
type rowErr struct {
	Row     int
	Column  string
	Message string
}

func TestRosterBadFilesSaveNothing(t *testing.T) {
	f := newOrgFixture(t)
	cl := f.as(t, f.county.Admin)
	var staffPhone string
	testdb.Get(t, f.db, &staffPhone, `SELECT phone FROM users WHERE id = $1`, f.county.Organizers[0])
	good := func() []string {
		return []string{f.towns[0], "好村党支部", "农村", "好人", uniquePhone(), "书记"}
	}
	dup := uniquePhone()

	big := [][]string{rosterHead}
	for i := 0; i < 5000; i++ {
		big = append(big, good())
	}
	big[4000][4] = "1380013800" // sheet row 4001: 10 digits
	big[4500][4] = big[10][4]   // sheet row 4501: duplicate of row 11
	big[4999][0] = "不存在镇"       // sheet row 5000: unknown township

	cases := []struct {
		name   string
		data   []byte
		expect []rowErr // row, column and a part of the message
	}{
		{"missing columns", makeXLSX(t, [][]string{{"乡镇", "姓名", "职务"}, {f.towns[0], "张三", "书记"}}),
			[]rowErr{{1, "支部名称", "缺少必填列"}, {1, "支部类型", "缺少必填列"}, {1, "手机号", "缺少必填列"}}},
		{"bad phones", makeXLSX(t, [][]string{rosterHead, good(),
			{f.towns[0], "村", "农村", "甲", "1234", ""}, {f.towns[0], "村", "农村", "乙", "２３８００１３８０００", ""}, {f.towns[0], "村", "农村", "丙", "", ""}}),
			[]rowErr{{3, "手机号", "应为 1 开头的 11 位数字"}, {4, "手机号", "应为 1 开头的 11 位数字"}, {5, "手机号", "不能为空"}}},
		{"duplicate rows", makeXLSX(t, [][]string{rosterHead, {f.towns[0], "村", "农村", "甲", dup, ""}, good(), {f.towns[0], "村", "农村", "甲", dup, ""}}),
			[]rowErr{{4, "手机号", "与第 2 行重复"}}},
		{"unknown township", makeXLSX(t, [][]string{rosterHead, good(), {"火星镇", "村", "农村", "甲", uniquePhone(), ""}}),
			[]rowErr{{3, "乡镇", "系统中没有乡镇“火星镇”"}}},
		{"bad kind and empty name", makeXLSX(t, [][]string{rosterHead, {f.towns[0], "村", "宇宙", "", uniquePhone(), ""}}),
			[]rowErr{{2, "支部类型", "无法识别"}, {2, "姓名", "不能为空"}}},
		{"staff phone", makeXLSX(t, [][]string{rosterHead, good(), {f.towns[0], "村", "农村", "甲", staffPhone, ""}}),
			[]rowErr{{3, "手机号", "组织委员或管理员"}}},
		{"empty sheet", makeXLSX(t, nil), []rowErr{{0, "", "表格是空的"}}},
		{"header only", makeXLSX(t, [][]string{rosterHead}), []rowErr{{2, "", "没有人员数据"}}},
		{"too many rows", xlsxtest.ManyRows(imports.MaxRows + imports.HeaderRows + 1), []rowErr{{0, "", "行数过多：一次最多导入 20000 行"}}},
		{"content too far right", makeXLSX(t, [][]string{rosterHead, append(good(), strings.Split(strings.Repeat("备注,", 40), ",")[:40]...)}),
			[]rowErr{{2, "", "第 2 行的 AM2 单元格有内容"}}},
		{"5000 rows", makeXLSX(t, big),
			[]rowErr{{4001, "手机号", "11 位"}, {4501, "手机号", "与第 11 行重复"}, {5000, "乡镇", "不存在镇"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := counts(t, f.db)
			for _, dry := range []bool{true, false} {
				path := "/api/v1/roster/import"
				want := http.StatusUnprocessableEntity
				if dry {
					path, want = path+"?dry_run=1", http.StatusOK
				}
				status, r := upload(t, cl, path, c.data)
				if status != want {
					t.Fatalf("dry=%v: status %d, want %d", dry, status, want)
				}
				if !dry && (r.Error.Code != "import_invalid" || r.Imported != 0) {
					t.Errorf("error %+v imported %d", r.Error, r.Imported)
				}
				if len(r.Errors) != len(c.expect) {
					t.Errorf("dry=%v: %d errors, want %d: %+v", dry, len(r.Errors), len(c.expect), r.Errors)
				}
				for _, e := range c.expect {
					got := errorAt(r.Errors, e.Row, e.Column)
					if got == nil || !strings.Contains(got.Message, e.Message) {
						t.Errorf("dry=%v: want error row %d %s ~%q, got %+v", dry, e.Row, e.Column, e.Message, r.Errors)
					}
				}
			}
			if after := counts(t, f.db); after != before {
				t.Errorf("users/branches changed %v → %v", before, after)
			}
		})
	}

	t.Run("not xlsx", func(t *testing.T) {
		before := counts(t, f.db)
		for _, data := range [][]byte{[]byte("姓名,手机号\n张三,13800138000\n"), []byte("PK\x03\x04 broken zip"), {}} {
			status, r := upload(t, cl, "/api/v1/roster/import", data)
			if status != 422 || r.Error.Code != "not_xlsx" || len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, ".xlsx") {
				t.Errorf("%q: %d %+v", data, status, r)
			}
		}
		if after := counts(t, f.db); after != before {
			t.Errorf("changed %v → %v", before, after)
		}
	})
	t.Run("too large", func(t *testing.T) {
		// app.Test refuses bodies over the server limit itself, so let this server take
		// more and show the import's own 20 MB check.
		srv, err := web.New(f.db, web.Config{BodyLimit: 30 << 20})
		if err != nil {
			t.Fatal(err)
		}
		if err := Mount(srv); err != nil {
			t.Fatal(err)
		}
		cl := webtest.AsUser(t, srv, f.county.Admin)
		status, _ := cl.Upload("/api/v1/roster/import", "big.xlsx", make([]byte, imports.MaxFileBytes+1), nil)
		if status != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", status)
		}
	})
	t.Run("no file", func(t *testing.T) {
		status, body := cl.JSON("POST", "/api/v1/roster/import", map[string]string{})
		if status != 422 {
			t.Errorf("status %d %s", status, body)
		}
	})
}

func TestRosterGood5000(t *testing.T) {
	f := newOrgFixture(t)
	cl := f.as(t, f.county.Admin)
	rows := [][]string{rosterHead}
	for i := 0; i < 5000; i++ {
		rows = append(rows, []string{f.towns[i%2], fmt.Sprintf("第%d村党支部", i/3), "农村", "书记" + fmt.Sprint(i), uniquePhone(), ""})
	}
	before := counts(t, f.db)
	status, r := upload(t, cl, "/api/v1/roster/import", makeXLSX(t, rows))
	if status != 200 || r.Created != 5000 || len(r.Credentials) != 5000 {
		t.Fatalf("status %d created %d errors %v", status, r.Created, r.Errors[:min(3, len(r.Errors))])
	}
	if after := counts(t, f.db); after[0] != before[0]+5000 {
		t.Errorf("users %d → %d", before[0], after[0])
	}
}

func TestRosterOrganizerOwnTownshipOnly(t *testing.T) {
	f := newOrgFixture(t)
	cl := f.as(t, f.county.Organizers[0])
	data := makeXLSX(t, [][]string{rosterHead,
		{f.towns[0], "本镇村党支部", "农村", "甲", uniquePhone(), ""},
		{f.towns[1], "外镇村党支部", "农村", "乙", uniquePhone(), ""}})
	before := counts(t, f.db)
	status, r := upload(t, cl, "/api/v1/roster/import", data)
	if status != 422 || len(r.Errors) != 1 || r.Errors[0].Row != 3 || !strings.Contains(r.Errors[0].Message, "只能导入本乡镇") {
		t.Fatalf("%d %+v", status, r)
	}
	if counts(t, f.db) != before {
		t.Error("saved something")
	}
	// A secretary of the other township cannot be moved in by the organizer.
	var otherPhone string
	testdb.Get(t, f.db, &otherPhone, `SELECT phone FROM users WHERE id = $1`, f.county.Secretaries[1][0])
	steal := makeXLSX(t, [][]string{rosterHead, {f.towns[0], "本镇村党支部", "农村", "甲", otherPhone, ""}})
	if status, r := upload(t, cl, "/api/v1/roster/import", steal); status != 422 || len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, "其他乡镇的支部书记") {
		t.Errorf("moving another township's secretary: %d %+v", status, r)
	}
	own := makeXLSX(t, [][]string{rosterHead, {f.towns[0], "本镇村党支部", "农村", "甲", uniquePhone(), ""}})
	if status, r := upload(t, cl, "/api/v1/roster/import", own); status != 200 || r.Created != 1 {
		t.Errorf("own township: %d %+v", status, r)
	}
}

func TestRosterCredentialsWorkbook(t *testing.T) {
	f := newOrgFixture(t)
	cl := f.as(t, f.county.Admin)
	phone := uniquePhone()
	data := makeXLSX(t, [][]string{rosterHead, {f.towns[0], testdb.Unique("村党支部"), "农村", "钱七", phone, ""}})
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "花名册.xlsx")
	fw.Write(data)
	mw.Close()
	resp := cl.Do("POST", "/api/v1/roster/import?format=xlsx", &buf, mw.FormDataContentType())
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != web.XLSXType ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "filename*=UTF-8''"+"%E5%88%9D%E5%A7%8B%E5%AF%86%E7%A0%81%E8%A1%A8.xlsx") {
		t.Fatalf("status %d headers %v", resp.StatusCode, resp.Header)
	}
	x, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows(x.GetSheetList()[0])
	// Row 1 is the title (scope, year, export time), row 2 the header.
	if len(rows) != 3 || !strings.HasPrefix(rows[0][0], f.towns[0]+" ") || rows[1][4] != "初始密码" || rows[2][2] != "钱七" || rows[2][3] != phone {
		t.Fatalf("workbook rows %v", rows)
	}
	pw := rows[2][4]
	var hash string
	testdb.Get(t, f.db, &hash, `SELECT password_hash FROM users WHERE phone = $1`, phone)
	if !checkPassword(hash, pw) {
		t.Fatal("password from the workbook does not match")
	}
	// And it really logs in (then must change the password).
	anon := webtest.New(t, f.srv.App)
	status, lb := anon.JSON("POST", "/api/v1/session", map[string]string{"username": phone, "password": pw})
	if status != 200 || !strings.Contains(string(lb), `"must_change_password":true`) {
		t.Errorf("login with initial password: %d %s", status, lb)
	}
}

func TestRosterTemplate(t *testing.T) {
	f := newOrgFixture(t)
	status, body := f.as(t, f.county.Organizers[1]).Get("/api/v1/roster/template.xlsx")
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	x, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sheets := x.GetSheetList()
	if len(sheets) != 2 || sheets[1] != "填写说明" {
		t.Fatalf("sheets %v", sheets)
	}
	rows, _ := x.GetRows(sheets[0])
	if strings.Join(rows[0], ",") != "乡镇,支部名称,支部类型,姓名,手机号,职务,备注" || len(rows) != 2 {
		t.Errorf("template rows %v", rows)
	}
	// The example row is marked as one, and the import knows it.
	if len(rows[1]) < 4 || !isExampleRow(rows[1][3]) {
		t.Errorf("example row: %v", rows[1])
	}
	help, _ := x.GetRows("填写说明")
	var all []string
	for _, r := range help {
		all = append(all, strings.Join(r, " "))
	}
	for _, k := range BranchKinds {
		if !strings.Contains(strings.Join(all, "\n"), k) {
			t.Errorf("instructions do not list kind %s", k)
		}
	}
}

// The HTML flow: upload → preview (errors, or a confirm form) → confirm downloads the
// credentials workbook.
func TestRosterPages(t *testing.T) {
	f := newOrgFixture(t)
	cl := f.as(t, f.county.Admin)
	if status, page := cl.Get("/admin/roster"); status != 200 || !strings.Contains(page, "下载花名册模板") {
		t.Fatalf("roster page %d", status)
	}
	bad := makeXLSX(t, [][]string{rosterHead, {f.towns[0], "村", "农村", "甲", "12345", ""}})
	status, page := cl.Upload("/admin/roster/preview", "bad.xlsx", bad, map[string]string{"_csrf": cl.CSRF})
	// The check ran: 200 with the errors listed (every import's preview answers so).
	if status != 200 || !strings.Contains(string(page), "应为 1 开头的 11 位数字") || strings.Contains(string(page), "stash_id") {
		t.Fatalf("preview of a bad file: %d", status)
	}
	status, page = cl.Upload("/admin/roster/preview", "bad.txt", []byte("hello"), nil)
	if status != 422 || !strings.Contains(string(page), ".xlsx") {
		t.Fatalf("preview of a text file: %d", status)
	}

	phone := uniquePhone()
	good := makeXLSX(t, [][]string{rosterHead, {f.towns[0], testdb.Unique("村党支部"), "农村", "孙八", phone, ""}})
	status, page = cl.Upload("/admin/roster/preview", "good.xlsx", good, nil)
	if status != 200 || !strings.Contains(string(page), "确认导入") {
		t.Fatalf("preview of a good file: %d", status)
	}
	var n int
	testdb.Get(t, f.db, &n, `SELECT count(*) FROM users WHERE phone = $1`, phone)
	if n != 0 {
		t.Fatal("preview saved the user")
	}
	i := strings.Index(string(page), `name="stash_id" value="`)
	stash := string(page)[i+len(`name="stash_id" value="`):]
	stash = stash[:strings.IndexByte(stash, '"')]

	other := f.as(t, f.county.Organizers[0])
	resp := other.Form("POST", "/admin/roster/confirm", map[string][]string{"stash_id": {stash}})
	if resp.StatusCode != 404 {
		t.Errorf("another user's stash: %d", resp.StatusCode)
	}
	resp = cl.Form("POST", "/admin/roster/confirm", map[string][]string{"stash_id": {stash}})
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != web.XLSXType {
		t.Fatalf("confirm: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	testdb.Get(t, f.db, &n, `SELECT count(*) FROM users WHERE phone = $1`, phone)
	if n != 1 {
		t.Fatal("confirm did not save")
	}
	// The stash is gone: confirming twice does not import twice.
	if resp = cl.Form("POST", "/admin/roster/confirm", map[string][]string{"stash_id": {stash}}); resp.StatusCode != 404 {
		t.Errorf("second confirm: %d", resp.StatusCode)
	}
}

func BenchmarkRosterImport5000(b *testing.B) {
	db := testdb.DB(b)
	t1 := testdb.Township(b, db, testdb.Unique("基准镇"))
	towns := map[string]int64{}
	var name string
	testdb.Get(b, db, &name, `SELECT name FROM townships WHERE id = $1`, t1)
	towns[name] = t1
	for i := 0; i < b.N; i++ {
		rows := [][]string{rosterHead}
		for j := 0; j < 5000; j++ {
			rows = append(rows, []string{name, fmt.Sprintf("第%d村党支部", j/2), "农村", "某某", uniquePhone(), ""})
		}
		parsed, errs := parseRoster(rows, towns)
		if len(errs) > 0 {
			b.Fatal(errs[0])
		}
		items := make([]imports.Item[RosterRow], len(parsed))
		for i, r := range parsed {
			items[i] = imports.Item[RosterRow]{Num: r.Row, Value: r}
		}
		res, rerrs, err := saveRoster(context.Background(), db, items, 0)
		if err != nil || len(rerrs) > 0 || res.Created != 5000 {
			b.Fatal(err, rerrs)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/5000rows")
}

// A phone typed into Excel as a number and shown in a scientific format still reads as
// its 11 digits.
func TestRosterNumericPhone(t *testing.T) {
	x := excelize.NewFile()
	defer x.Close()
	x.SetSheetRow("Sheet1", "A1", &[]any{"乡镇", "支部名称", "支部类型", "姓名", "手机号"})
	x.SetSheetRow("Sheet1", "A2", &[]any{"城关镇", "红星村党支部", "农村", "张三", 13800138000})
	sci, _ := x.NewStyle(&excelize.Style{NumFmt: 11})
	x.SetCellStyle("Sheet1", "E2", "E2", sci)
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	res, err := previewRoster(buf.Bytes(), map[string]int64{"城关镇": 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := rosterValues(res); len(res.Errors) != 0 || len(got) != 1 || got[0].Phone != "13800138000" || got[0].Name != "张三" {
		t.Errorf("%+v %+v", got, res.Errors)
	}
}

// Row numbers in errors are Excel's, even when rows in between are missing from the file.
func TestRosterKeepsRowNumbers(t *testing.T) {
	x := excelize.NewFile()
	defer x.Close()
	x.SetSheetRow("Sheet1", "A1", &[]any{"乡镇", "支部名称", "支部类型", "姓名", "手机号"})
	x.SetSheetRow("Sheet1", "A4", &[]any{"城关镇", "红星村党支部", "农村", "张三", "123"})
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	res, err := previewRoster(buf.Bytes(), map[string]int64{"城关镇": 1})
	if err != nil || len(res.Errors) != 1 || res.Errors[0].Row != 4 {
		t.Errorf("errors %v %+v, want one at row 4", err, res)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// A small upload that unpacks to more than the limit (a zip bomb) is refused as not a
// readable workbook, without unpacking it.
func TestRosterZipBomb(t *testing.T) {
	small := makeXLSX(t, [][]string{rosterHead})
	src, err := zip.NewReader(bytes.NewReader(small), int64(len(small)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range src.File {
		dst, _ := w.Create(f.Name)
		r, _ := f.Open()
		io.Copy(dst, r)
		r.Close()
	}
	pad, _ := w.Create("xl/media/padding.bin")
	io.CopyN(pad, zeros{}, imports.NewLimits(0, 0).MaxTotalBytes+1)
	w.Close()
	if buf.Len() > 2<<20 {
		t.Fatalf("bomb is %d bytes", buf.Len())
	}
	if _, err := previewRoster(buf.Bytes(), parseTowns); !isNotXLSX(err) {
		t.Errorf("zip bomb: %v", err)
	}
}

// Two imports of the same new phone at once create exactly one account; neither fails:
// the second, serialised behind the first by the import lock, finds the account and
// updates it. The test holds the lock until both imports have passed their preview check
// (both then believe the phone is new) and wait for it.
func TestRosterConcurrentImportsOfOnePhone(t *testing.T) {
	f := newOrgFixture(t)
	phone := uniquePhone()
	data := makeXLSX(t, [][]string{rosterHead, {f.towns[0], testdb.Unique("并发村党支部"), "农村", "周并发", phone, ""}})
	ctx := context.Background()
	hold, err := f.db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()
	testdb.Exec(t, hold, `SELECT pg_advisory_xact_lock(hashtext('zhibu.roster_import'))`)

	clients := []*webtest.Client{f.as(t, f.county.Admin), f.as(t, f.county.Admin)}
	status, bodies := make([]int, len(clients)), make([][]byte, len(clients))
	var wg sync.WaitGroup
	for i, cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status[i], bodies[i] = cl.Upload("/api/v1/roster/import", "花名册.xlsx", data, nil)
		}()
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var waiting int
		testdb.Get(t, f.db, &waiting, `SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
			WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()`)
		if waiting == len(clients) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d imports wait for the lock, want %d", waiting, len(clients))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	created := 0
	for i := range clients {
		var r importResp
		if status[i] != 200 || json.Unmarshal(bodies[i], &r) != nil {
			t.Fatalf("import %d: %d %s", i, status[i], bodies[i])
		}
		created += r.Created
	}
	var n int
	testdb.Get(t, f.db, &n, `SELECT count(*) FROM users WHERE phone = $1`, phone)
	if n != 1 || created != 1 {
		t.Fatalf("%d accounts with the phone, %d reported created; want 1 and 1", n, created)
	}
}
