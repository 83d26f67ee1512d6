package imports_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zhibu/app/accounts"
	"zhibu/app/imports"
	"zhibu/app/imports/xlsxtest"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
	"zhibu/exams"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// answer is the JSON every import answers with.
type answer struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Rows   int                `json:"rows"`
	Errors []imports.RowError `json:"errors"`
}

// The roster and the bank answer alike, in the API and on their pages: an unreadable
// file is 422 not_xlsx with the same message; formulas and merged cells in the columns
// read are the same row error; a preview lists errors with 200, an import with errors is
// 422 import_invalid.
func TestEveryImportAnswersAlike(t *testing.T) {
	db := testdb.DB(t)
	county := testdb.MakeCounty(t, db)
	srv := webtest.Server(t, db, web.Config{}, accounts.Mount, func(s *web.Server) error { return exams.Mount(s, exams.Deps{}) })
	admin := webtest.AsUser(t, srv, county.Admin)
	var town string
	testdb.Get(t, db, &town, `SELECT name FROM townships WHERE id = $1`, county.Townships[0])

	type feature struct {
		name, api, page string
		rows            [][]any // header and two valid rows; column B is read by both
	}
	features := []feature{
		{"roster", "/api/v1/roster/import", "/admin/roster/preview", [][]any{
			{"乡镇", "支部名称", "支部类型", "姓名", "手机号"},
			{town, "一村党支部", "农村", "甲", "15100000001"},
			{town, "二村党支部", "农村", "乙", "15100000002"}}},
		{"bank", "/api/v1/questions/import", "/admin/questions/import", [][]any{
			{"题型", "题干", "选项A", "选项B", "答案"},
			{"单选", "第一题", "甲", "乙", "A"},
			{"单选", "第二题", "甲", "乙", "B"}}},
	}
	call := func(path string, data []byte) (int, answer) {
		t.Helper()
		st, body := admin.Upload(path, "x.xlsx", data, map[string]string{"_csrf": admin.CSRF})
		var a answer
		if strings.HasPrefix(path, "/api/") {
			if err := json.Unmarshal(body, &a); err != nil {
				t.Fatalf("%s: %d %s", path, st, body)
			}
		} else {
			a.Error.Message = string(body)
		}
		return st, a
	}

	junk := map[string][]byte{"text": []byte("姓名,手机号\n张三,13800138000\n"), "broken zip": []byte("PK\x03\x04 broken"), "empty": {}}
	for name, data := range junk {
		var message string
		for _, f := range features {
			for _, path := range []string{f.api + "?dry_run=1", f.api} {
				st, a := call(path, data)
				if st != 422 || a.Error.Code != "not_xlsx" || len(a.Errors) != 1 || a.Errors[0].Row != 0 || a.Errors[0].Message != a.Error.Message {
					t.Errorf("%s %s: %d %+v", name, path, st, a)
				}
				if message == "" {
					message = a.Error.Message
				} else if a.Error.Message != message {
					t.Errorf("%s %s: message %q, another import said %q", name, path, a.Error.Message, message)
				}
			}
			if st, page := call(f.page, data); st != 422 || !strings.Contains(page.Error.Message, message) {
				t.Errorf("%s page %s: %d", name, f.page, st)
			}
		}
	}

	cellRules := []struct {
		name string
		mod  func(f *excelize.File)
		want imports.RowError // Column is the feature's column B
	}{
		{"formula", func(f *excelize.File) { f.SetCellFormula("Sheet1", "B2", `"第"&"一"`) },
			imports.RowError{Row: 2, Message: "B2 单元格是公式，不支持公式，请复制后“选择性粘贴为数值”再上传"}},
		{"merged", func(f *excelize.File) { f.MergeCell("Sheet1", "B2", "B3") },
			imports.RowError{Row: 2, Message: "存在合并单元格（B2:B3），请取消合并后每格单独填写"}},
	}
	for _, c := range cellRules {
		for _, f := range features {
			data := xlsxtest.Workbook(t, f.rows, c.mod)
			want := c.want
			want.Column = f.rows[0][1].(string)
			st, a := call(f.api+"?dry_run=1", data)
			if st != 200 || len(a.Errors) == 0 || a.Errors[0] != want {
				t.Errorf("%s %s preview: %d %+v, want first %+v", c.name, f.name, st, a.Errors, want)
			}
			st, a = call(f.api, data)
			if st != 422 || a.Error.Code != "import_invalid" || len(a.Errors) == 0 || a.Errors[0] != want {
				t.Errorf("%s %s import: %d %+v", c.name, f.name, st, a)
			}
			if st, page := call(f.page, data); st != 200 || !strings.Contains(page.Error.Message, want.Message) {
				t.Errorf("%s %s page: %d", c.name, f.name, st)
			}
		}
	}
}
