package classes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"

	"zhibu/app/imports"
	"zhibu/app/imports/xlsxtest"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
	"zhibu/app/workbook/workbooktest"
)

// listAnswer is the JSON of a 名单 import.
type listAnswer struct {
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Rows     int                `json:"rows"`
	Imported int                `json:"imported"`
	Added    int                `json:"added"`
	Already  int                `json:"already"`
	Skipped  []int              `json:"skipped_rows"`
	Errors   []imports.RowError `json:"errors"`
	Create   int                `json:"would_create"`
	Update   int                `json:"would_update"`
}

type person struct {
	ID          int64
	Name, Phone string
}

func people(t *testing.T, db *sqlx.DB, ids ...int64) []person {
	t.Helper()
	out := make([]person, len(ids))
	for i, id := range ids {
		out[i].ID = id
		testdb.Get(t, db, &out[i].Name, `SELECT name FROM users WHERE id = $1`, id)
		testdb.Get(t, db, &out[i].Phone, `SELECT phone FROM users WHERE id = $1`, id)
	}
	return out
}

func participantIDs(t *testing.T, db *sqlx.DB, classID int64) []int64 {
	t.Helper()
	var ids []int64
	if err := db.Select(&ids, `SELECT user_id FROM class_participants WHERE class_id = $1 ORDER BY user_id`, classID); err != nil {
		t.Fatal(err)
	}
	return ids
}

func listUpload(t *testing.T, cl *webtest.Client, path string, data []byte) (int, listAnswer) {
	t.Helper()
	st, body := cl.Upload(path, "名单.xlsx", data, nil)
	var a listAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("%s: %d %.300s", path, st, body)
	}
	return st, a
}

// errorAt is the row error of the row (and column, when not "") whose message holds text.
func errorAt(errs []imports.RowError, row int, col, text string) bool {
	return slices.ContainsFunc(errs, func(e imports.RowError) bool {
		return e.Row == row && (col == "" || e.Column == col) && strings.Contains(e.Message, text)
	})
}

// The 名单 import through the API: a good file adds exactly the people listed; unknown,
// mismatched and other townships' people are row errors naming row and column, and
// nothing is saved; unreadable, hostile and oversized files are 4xx with a Chinese
// message; a secretary is refused.
func TestListImportAPI(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	clk := &clock{t: time.Date(2031, 5, 12, 9, 0, 0, 0, web.China)}
	srv := webtest.Server(t, db, web.Config{}, func(s *web.Server) error { return Mount(s, Deps{Now: clk.now}) })
	admin := webtest.AsUser(t, srv, c.Admin)
	org := webtest.AsUser(t, srv, c.Organizers[0])
	sec := webtest.AsUser(t, srv, c.Secretaries[0][0])
	st, body := admin.JSON("POST", "/api/v1/classes", map[string]any{"title": "名单导入班", "kind": "实务"})
	status(t, "create class", st, body, 201)
	var cl Class
	webtest.Decode(t, body, &cl)
	imp := fmt.Sprintf("/api/v1/classes/%d/participants/import", cl.ID)
	a := people(t, db, c.Secretaries[0]...)
	b := people(t, db, c.Secretaries[1]...)
	var townA, townB string
	testdb.Get(t, db, &townA, `SELECT name FROM townships WHERE id = $1`, c.Townships[0])
	testdb.Get(t, db, &townB, `SELECT name FROM townships WHERE id = $1`, c.Townships[1])
	head := []any{"序号", "姓名", "手机号", "乡镇"} // 序号: a column the import ignores

	// The admin: by phone, by name alone, with the 乡镇; the example row is skipped.
	good := xlsxtest.Workbook(t, [][]any{head,
		{"", "示例：张三", "13800138000", "城关镇"},
		{1, a[0].Name, a[0].Phone, ""},
		{2, b[1].Name, "", townB},
		{3, " " + a[2].Name + " ", strings.Replace(a[2].Phone, "139", "139-", 1), townA},
	}, nil)
	st, dry := listUpload(t, admin, imp+"?dry_run=1", good)
	if st != 200 || dry.Imported != 0 || len(dry.Errors) != 0 || len(participantIDs(t, db, cl.ID)) != 0 {
		t.Fatalf("dry run: %d %+v, saved %v", st, dry, participantIDs(t, db, cl.ID))
	}
	st, res := listUpload(t, admin, imp, good)
	want := []int64{a[0].ID, a[2].ID, b[1].ID}
	slices.Sort(want)
	if got := participantIDs(t, db, cl.ID); st != 200 || res.Added != 3 || res.Imported != 3 || res.Rows != 3 ||
		!slices.Equal(res.Skipped, []int{2}) || !slices.Equal(got, want) {
		t.Fatalf("good import: %d %+v; participants %v, want %v", st, res, got, want)
	}
	// Again: nobody new, nobody twice.
	st, res = listUpload(t, admin, imp, good)
	if st != 200 || res.Added != 0 || res.Already != 3 || len(participantIDs(t, db, cl.ID)) != 3 {
		t.Fatalf("import twice: %d %+v", st, res)
	}

	// The organizer of the first township: the other township's secretary, unknown
	// people, a name that is not the phone's owner, one person twice, a bad phone: each a
	// row error; the valid row is not saved either (all or nothing, as every import).
	bad := xlsxtest.Workbook(t, [][]any{head,
		{1, a[3].Name, a[3].Phone, ""},    // row 2: fine
		{2, b[0].Name, b[0].Phone, ""},    // row 3: another township
		{3, "查无此人", "", ""},               // row 4: unknown name
		{4, a[1].Name, "13000000000", ""}, // row 5: unknown phone
		{5, "王错名", a[1].Phone, ""},        // row 6: not the phone's owner
		{6, a[3].Name, "", ""},            // row 7: row 2 again
		{7, a[1].Name, "12345", ""},       // row 8: not a phone number
		{8, a[2].Name, a[2].Phone, townB}, // row 9: wrong 乡镇
		{9, "", a[1].Phone, ""},           // row 10: no name
	}, nil)
	before := participantIDs(t, db, cl.ID)
	st, res = listUpload(t, org, imp, bad)
	if st != 422 || res.Error == nil || res.Error.Code != "import_invalid" || res.Imported != 0 {
		t.Fatalf("bad file: %d %+v", st, res)
	}
	for _, w := range []struct {
		row       int
		col, text string
	}{
		{3, "姓名", "您只能添加本乡镇（" + townA + "）的人员"},
		{4, "姓名", "系统中没有名为“查无此人”的支部书记"},
		{5, "手机号", "系统中没有手机号为 13000000000 的支部书记"},
		{6, "姓名", "与填写的姓名“王错名”不符"},
		{7, "姓名", "与第 2 行是同一人"},
		{8, "手机号", "手机号“12345”不正确"},
		{9, "乡镇", "与填写的乡镇“" + townB + "”不符"},
		{10, "姓名", "姓名不能为空"},
	} {
		if !errorAt(res.Errors, w.row, w.col, w.text) {
			t.Errorf("want row %d %s ~%q; got %+v", w.row, w.col, w.text, res.Errors)
		}
	}
	if len(res.Errors) != 8 {
		t.Errorf("%d errors, want 8: %+v", len(res.Errors), res.Errors)
	}
	if after := participantIDs(t, db, cl.ID); !slices.Equal(after, before) {
		t.Errorf("a refused file saved people: %v → %v", before, after)
	}
	// The organizer's own people import; the admin's township class takes its own only.
	st, res = listUpload(t, org, imp, xlsxtest.Workbook(t, [][]any{{"姓名", "手机号"}, {a[3].Name, a[3].Phone}}, nil))
	if st != 200 || res.Added != 1 {
		t.Fatalf("organizer's own: %d %+v", st, res)
	}
	st, body = org.JSON("POST", "/api/v1/classes", map[string]any{"title": "镇培训班", "kind": "理论"})
	status(t, "township class", st, body, 201)
	var town Class
	webtest.Decode(t, body, &town)
	st, res = listUpload(t, admin, fmt.Sprintf("/api/v1/classes/%d/participants/import", town.ID),
		xlsxtest.Workbook(t, [][]any{{"姓名", "手机号"}, {a[0].Name, a[0].Phone}, {b[0].Name, b[0].Phone}}, nil))
	if st != 422 || !errorAt(res.Errors, 3, "姓名", "只能添加"+townA+"的人员") || len(res.Errors) != 1 {
		t.Errorf("admin lists another township into a township's class: %d %+v", st, res)
	}

	// Two secretaries of one name: by name alone it is a row error, the 乡镇 tells them apart.
	testdb.Exec(t, db, `UPDATE users SET name = '同名人' WHERE id IN ($1, $2)`, a[1].ID, b[2].ID)
	st, res = listUpload(t, admin, imp+"?dry_run=1", xlsxtest.Workbook(t, [][]any{{"姓名", "乡镇"}, {"同名人", ""}}, nil))
	if st != 200 || !errorAt(res.Errors, 2, "姓名", "有 2 名支部书记都叫“同名人”") {
		t.Errorf("same name: %d %+v", st, res)
	}
	st, res = listUpload(t, admin, imp, xlsxtest.Workbook(t, [][]any{{"姓名", "乡镇"}, {"同名人", townB}}, nil))
	if st != 200 || res.Added != 1 || !slices.Contains(participantIDs(t, db, cl.ID), b[2].ID) {
		t.Errorf("same name told apart by 乡镇: %d %+v", st, res)
	}

	// Files that are no spreadsheet, hostile or missing its 姓名 column.
	n := len(participantIDs(t, db, cl.ID))
	for name, data := range map[string][]byte{
		"csv":      []byte("姓名,手机号\n张三,13800138000\n"),
		"junk":     []byte("PK\x03\x04 broken zip"),
		"empty":    {},
		"old xls":  append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...),
		"zip bomb": xlsxtest.ZipBomb(100 << 20),
	} {
		st, res := listUpload(t, admin, imp, data)
		if st != 422 || res.Error == nil || res.Error.Code != "not_xlsx" || len(res.Errors) != 1 || !hasHan(res.Errors[0].Message) {
			t.Errorf("%s: %d %+v", name, st, res)
		}
	}
	st, res = listUpload(t, admin, imp, xlsxtest.Workbook(t, [][]any{{"名字", "手机号"}, {"张三", "13800138000"}}, nil))
	if st != 422 || !errorAt(res.Errors, 1, "姓名", "缺少必填列“姓名”") {
		t.Errorf("no 姓名 column: %d %+v", st, res)
	}
	st, res = listUpload(t, admin, imp, xlsxtest.ManyRows(imports.MaxRows+imports.HeaderRows+1))
	if st != 422 || !errorAt(res.Errors, 0, "", "行数过多") {
		t.Errorf("too many rows: %d %+v", st, res)
	}
	if got := len(participantIDs(t, db, cl.ID)); got != n {
		t.Errorf("refused files changed the participants: %d → %d", n, got)
	}

	// A secretary may neither import nor fetch the template; a class one cannot see is 404.
	st, body = sec.Upload(imp, "名单.xlsx", good, nil)
	status(t, "secretary imports", st, body, 403)
	st, body = sec.JSON("GET", fmt.Sprintf("/api/v1/classes/%d/participants/template.xlsx", cl.ID), nil)
	status(t, "secretary's template", st, body, 403)
	st, body = admin.Upload("/api/v1/classes/999999999/participants/import", "名单.xlsx", good, nil)
	status(t, "forged class", st, body, 404)
	org2 := webtest.AsUser(t, srv, c.Organizers[1])
	st, body = org2.Upload(fmt.Sprintf("/api/v1/classes/%d/participants/import", town.ID), "名单.xlsx", good, nil)
	status(t, "another township's class", st, body, 404)

	// After 结班 nothing is added.
	st, body = admin.JSON("POST", fmt.Sprintf("/api/v1/classes/%d/close", cl.ID), nil)
	status(t, "close", st, body, 200)
	st, body = admin.Upload(imp, "名单.xlsx", good, nil)
	status(t, "import after 结班", st, body, 409)
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// The import's own 20 MB limit (the server is allowed more here, as the roster test
// does, to reach it): 413 with a Chinese message, in the API and on the page.
func TestListImportTooLarge(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := webtest.Server(t, db, web.Config{BodyLimit: 30 << 20}, func(s *web.Server) error { return Mount(s, Deps{}) })
	admin := webtest.AsUser(t, srv, c.Admin)
	st, body := admin.JSON("POST", "/api/v1/classes", map[string]any{"title": "大文件班", "kind": "实务"})
	status(t, "create class", st, body, 201)
	var cl Class
	webtest.Decode(t, body, &cl)
	big := make([]byte, imports.MaxFileBytes+1)
	st, body = admin.Upload(fmt.Sprintf("/api/v1/classes/%d/participants/import", cl.ID), "big.xlsx", big, nil)
	if st != 413 || !strings.Contains(string(body), "文件过大") {
		t.Errorf("API: %d %.300s", st, body)
	}
	st, body = admin.Upload(fmt.Sprintf("/admin/classes/%d/participants/import", cl.ID), "big.xlsx", big, map[string]string{"_csrf": admin.CSRF})
	if st != 413 || !strings.Contains(string(body), "文件过大") {
		t.Errorf("page: %d %.300s", st, body)
	}
}

// The template: its header and grey example row as openpyxl reads them; as it comes it
// is refused (nothing but the example), with a person below the example it imports that
// person only. The class page offers it with the upload; the page flow previews, then
// confirms, then says how many were added.
func TestListImportTemplateAndPages(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := webtest.Server(t, db, web.Config{}, func(s *web.Server) error { return Mount(s, Deps{}) })
	org := webtest.AsUser(t, srv, c.Organizers[0])
	st, body := org.JSON("POST", "/api/v1/classes", map[string]any{"title": "镇培训班", "kind": "理论"})
	status(t, "create class", st, body, 201)
	var cl Class
	webtest.Decode(t, body, &cl)
	a := people(t, db, c.Secretaries[0]...)
	page := fmt.Sprintf("/admin/classes/%d", cl.ID)

	st, html := org.Get(page)
	if st != 200 || !strings.Contains(html, "导入名单（Excel）") || !strings.Contains(html, fmt.Sprintf(`/api/v1/classes/%d/participants/template.xlsx`, cl.ID)) {
		t.Fatalf("class page without the 名单 upload: %d", st)
	}
	resp := org.Do("GET", fmt.Sprintf("/api/v1/classes/%d/participants/template.xlsx", cl.ID), nil, "")
	tpl, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != web.XLSXType {
		t.Fatalf("template: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	sheets := workbooktest.Read(t, tpl)
	if rows := sheets["名单"].Rows; len(rows) != 2 || strings.Join(rows[0], "|") != "姓名|手机号|乡镇|备注" || rows[1][0] != "示例：张三" {
		t.Errorf("template sheet: %q", rows)
	}
	if rows := sheets["填写说明"].Rows; len(rows) < 5 || rows[1][0] != "姓名" {
		t.Errorf("help sheet: %q", rows)
	}
	var look struct {
		Phone string
		Grey  []string
	}
	workbooktest.Run(t, tpl, `
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["名单"]
print(json.dumps({"Phone": ws.column_dimensions["B"].number_format, "Grey": [c.font.color.rgb if c.font.color else "" for c in ws[2]]}))`, &look)
	if look.Phone != "@" || len(look.Grey) != 4 || !strings.HasSuffix(look.Grey[0], "8C8C8C") {
		t.Errorf("template look: %+v", look)
	}

	imp := fmt.Sprintf("/api/v1/classes/%d/participants/import", cl.ID)
	st, res := listUpload(t, org, imp, tpl)
	if st != 422 || len(res.Errors) != 1 || !errorAt(res.Errors, 2, "姓名", "示例行") {
		t.Errorf("template as it comes: %d %+v", st, res)
	}
	filled, err := excelize.OpenReader(bytes.NewReader(tpl))
	if err != nil {
		t.Fatal(err)
	}
	if err := filled.SetSheetRow("名单", "A3", &[]any{a[1].Name, a[1].Phone}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := filled.Write(&buf); err != nil {
		t.Fatal(err)
	}
	st, res = listUpload(t, org, imp, buf.Bytes())
	if got := participantIDs(t, db, cl.ID); st != 200 || res.Added != 1 || !slices.Equal(res.Skipped, []int{2}) || !slices.Equal(got, []int64{a[1].ID}) {
		t.Fatalf("filled template: %d %+v, participants %v", st, res, got)
	}

	// Pages: preview lists the rows, confirm adds them and says so.
	file := xlsxtest.Workbook(t, [][]any{{"姓名", "手机号"}, {a[2].Name, a[2].Phone}, {a[1].Name, ""}}, nil)
	st, body = org.Upload(page+"/participants/import", "名单.xlsx", file, map[string]string{"_csrf": org.CSRF})
	html = string(body)
	if st != 200 || !strings.Contains(html, "确认添加 1 名学员") || !strings.Contains(html, a[2].Name) || !strings.Contains(html, "已是学员") {
		t.Fatalf("preview page: %d %.2000s", st, html)
	}
	if got := participantIDs(t, db, cl.ID); len(got) != 1 {
		t.Fatalf("the preview saved: %v", got)
	}
	i := strings.Index(html, `name="stash_id" value="`)
	stash := html[i+len(`name="stash_id" value="`):]
	stash = stash[:strings.Index(stash, `"`)]
	r := org.Form("POST", page+"/participants/import/confirm", url.Values{"stash_id": {stash}})
	r.Body.Close()
	if got := participantIDs(t, db, cl.ID); r.StatusCode != 303 || len(got) != 2 {
		t.Fatalf("confirm: %d, participants %v", r.StatusCode, got)
	}
	if _, html := org.Get(page); !strings.Contains(html, "已从名单添加 1 名学员，另有 1 人已经是学员") {
		t.Errorf("the class page does not say what was added")
	}
	r = org.Form("POST", page+"/participants/import/confirm", url.Values{"stash_id": {stash}})
	r.Body.Close()
	if r.StatusCode != 404 {
		t.Errorf("confirm twice: %d", r.StatusCode)
	}

	// A preview with row errors lists them by row and column; garbage is refused on the
	// class page with a Chinese message.
	st, body = org.Upload(page+"/participants/import", "名单.xlsx",
		xlsxtest.Workbook(t, [][]any{{"姓名", "手机号"}, {"查无此人", ""}}, nil), map[string]string{"_csrf": org.CSRF})
	if html := string(body); st != 200 || !strings.Contains(html, "第 2 行") || !strings.Contains(html, "系统中没有名为“查无此人”的支部书记") || strings.Contains(html, "stash_id") {
		t.Errorf("preview with errors: %d %.2000s", st, body)
	}
	st, body = org.Upload(page+"/participants/import", "名单.xlsx", []byte("not a spreadsheet"), map[string]string{"_csrf": org.CSRF})
	if html := string(body); st != 422 || !strings.Contains(html, "文件不是 Excel（.xlsx）表格") || !strings.Contains(html, "导入名单（Excel）") {
		t.Errorf("garbage on the page: %d %.500s", st, body)
	}
	sec := webtest.AsUser(t, srv, c.Secretaries[0][0])
	st, _ = sec.Upload(page+"/participants/import", "名单.xlsx", file, map[string]string{"_csrf": sec.CSRF})
	if st != 403 {
		t.Errorf("secretary's page upload: %d", st)
	}
}
