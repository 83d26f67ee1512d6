package exams

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/lib/pq"
	"github.com/xuri/excelize/v2"

	"zhibu/app/imports"
	"zhibu/app/imports/xlsxtest"
	"zhibu/app/testdb"
	"zhibu/app/web/webtest"
	"zhibu/app/workbook/workbooktest"
)

// xlsx builds a workbook from rows (first row = header) and lets mod adjust it.
func xlsx(t testing.TB, rows [][]any, mod func(f *excelize.File)) []byte {
	return xlsxtest.Workbook(t, rows, mod)
}

var header = []any{"难度", "题干", "题型", "选项A", "选项B", "选项C", "答案", "解析", "分类", "标签", "备注（多余列）"}

func TestParseQuestionsTolerant(t *testing.T) {
	data := xlsx(t, [][]any{header,
		{"易", "单选题干", "单选", "甲", "乙", "丙", "ｂ", "因为", "三会一课", "组织生活、旧文件", "x"},
		{"", "多选题干", "多选题", "甲", "乙", "丙", "A、C", "", "", "", ""},
		{}, // blank row skipped
		{"难", "判断题干", "判断", "", "", "", "√", "", "", "", ""},
		{"中", "判断题干2", "判断", "", "", "", "错误", "", "", "", ""},
	}, nil)
	qs, errs := ParseQuestions(data)
	if len(errs) > 0 {
		t.Fatalf("errors: %+v", errs)
	}
	if len(qs) != 4 || qs[0].Answer != "B" || qs[1].Answer != "AC" || qs[2].Answer != "A" || qs[3].Answer != "B" {
		t.Fatalf("questions: %+v", qs)
	}
	if len(qs[0].Tags) != 2 || qs[0].Tags[1] != "旧文件" || qs[0].Difficulty != "易" || qs[1].Difficulty != "中" || len(qs[0].Options) != 3 {
		t.Fatalf("fields: %+v", qs[0])
	}
}

func TestParseQuestionsRowErrors(t *testing.T) {
	data := xlsx(t, [][]any{header,
		{"易", "", "单选", "甲", "乙", "", "A", "", "", "", ""},    // 2: no stem
		{"易", "题", "填空", "甲", "乙", "", "A", "", "", "", ""},   // 3: kind
		{"易", "题", "单选", "甲", "乙", "", "AB", "", "", "", ""},  // 4: two answers for single
		{"易", "题", "多选", "甲", "乙", "丙", "AD", "", "", "", ""}, // 5: no option D
		{"很难", "题", "判断", "", "", "", "也许", "", "", "", ""},   // 6: difficulty + answer
		{"易", "题", "单选", "甲", "", "丙", "A", "", "", "", ""},   // 7: gap in options
		{"易", "题", "单选", "甲", "乙", "", "A", "", "", "", ""},   // valid
	}, nil)
	_, errs := ParseQuestions(data)
	rows := map[int][]string{}
	for _, e := range errs {
		rows[e.Row] = append(rows[e.Row], e.Column)
		if e.Message == "" {
			t.Errorf("empty message %+v", e)
		}
	}
	for _, want := range []struct {
		row int
		col string
	}{{2, "题干"}, {3, "题型"}, {4, "答案"}, {5, "答案"}, {6, "难度"}, {6, "答案"}, {7, "选项"}} {
		if !strings.Contains(strings.Join(rows[want.row], ","), want.col) {
			t.Errorf("row %d: want error in %s, got %v", want.row, want.col, rows[want.row])
		}
	}
	if _, ok := rows[8]; ok {
		t.Errorf("valid row 8 reported: %v", rows[8])
	}
}

func TestParseQuestionsHostileFiles(t *testing.T) {
	check := func(name string, data []byte, want string) {
		t.Helper()
		qs, errs := ParseQuestions(data)
		if len(qs) != 0 && len(errs) == 0 {
			t.Fatalf("%s: accepted", name)
		}
		all := fmt.Sprint(errs)
		if !strings.Contains(all, want) {
			t.Fatalf("%s: errors %v, want %q", name, errs, want)
		}
	}
	check("text", []byte("题型,题干\n单选,abc"), "不是 Excel")
	check("empty", nil, "不是 Excel")
	check("xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0}, make([]byte, 100)...), ".xls")
	check("broken zip", []byte("PK\x03\x04garbage-garbage-garbage"), "无法读取")

	// Zip bomb: 200 MB of zeros in a few hundred KB.
	var bomb bytes.Buffer
	zw := zip.NewWriter(&bomb)
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
		w, _ := zw.Create(name)
		w.Write([]byte("<x/>"))
	}
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	io.CopyN(w, zeroReader{}, 200<<20)
	zw.Close()
	check("zip bomb", bomb.Bytes(), "解压后过大")

	// 100k rows: refused with a clear limit, fast.
	f := excelize.NewFile()
	sw, _ := f.NewStreamWriter("Sheet1")
	sw.SetRow("A1", []any{"题型", "题干", "选项A", "选项B", "答案"})
	for i := 2; i <= 100_001; i++ {
		axis, _ := excelize.CoordinatesToCellName(1, i)
		sw.SetRow(axis, []any{"单选", "题", "甲", "乙", "A"})
	}
	sw.Flush()
	var big bytes.Buffer
	f.Write(&big)
	check("100k rows", big.Bytes(), "行数过多")

	check("formula", xlsx(t, [][]any{header, {"易", "题", "单选", "甲", "乙", "", "A", "", "", "", ""}}, func(f *excelize.File) {
		f.SetCellFormula("Sheet1", "G2", `CHAR(65)`)
	}), "公式")
	check("merged", xlsx(t, [][]any{header, {"易", "题", "单选", "甲", "乙", "", "A", "", "", "", ""},
		{"易", "", "单选", "甲", "乙", "", "A", "", "", "", ""}}, func(f *excelize.File) {
		f.MergeCell("Sheet1", "B2", "B3")
	}), "合并单元格")
	check("no header", xlsx(t, [][]any{{"a", "b"}, {"1", "2"}}, nil), "缺少必填列")
	check("only header", xlsx(t, [][]any{header}, nil), "没有题目")
}

// The template the app hands out imports as its three example questions, whatever the
// database holds.
func TestParseQuestionsTemplate(t *testing.T) {
	tpl, err := TemplateWorkbook()
	if err != nil {
		t.Fatal(err)
	}
	qs, errs := ParseQuestions(tpl)
	if len(errs) > 0 || len(qs) != 3 || qs[0].Points != 1 || qs[1].Answer != "ABCD" || qs[2].Answer != "A" {
		t.Fatalf("template: %+v %v", qs, errs)
	}
	s := workbooktest.Read(t, tpl)["题库"]
	if len(s.Rows) != 4 || strings.Join(s.Rows[0], "|") != strings.Join(ImportHeaders, "|") || s.Rows[1][1] != "党支部党员大会一般每季度召开几次？" {
		t.Fatalf("template rows %q", s.Rows)
	}
	workbooktest.PrintReady(t, "template", s, true, 1)
}

// The export has the template's columns and 状态, prints like the template, keeps a
// stem that starts like a formula as text, and imports back as the same question (the
// apostrophe the export adds is taken off again, so the natural key matches).
func TestExportWorkbook(t *testing.T) {
	qs := []Question{
		{Kind: KindSingle, Stem: "党费按月交纳", Options: StringList{"对", "不对"}, Answer: "A", Points: 1.5, Category: "党费", Tags: []string{"党费", "党员"}, Difficulty: "易"},
		{Kind: KindJudge, Stem: "=1+1", Answer: "B", Points: 1, Category: "党费", Difficulty: "难", Retired: true},
	}
	data, err := bankWorkbook(exportHeaders, ExportRows(qs))
	if err != nil {
		t.Fatal(err)
	}
	s := workbooktest.Read(t, data)["题库"]
	if len(s.Rows) != 3 || strings.Join(s.Rows[0], "|") != strings.Join(ImportHeaders, "|")+"|状态" {
		t.Fatalf("export rows %q", s.Rows)
	}
	if r := s.Rows[1]; r[9] != "1.5" || r[12] != "党费、党员" || r[14] != "" || s.Rows[2][1] != "'=1+1" || s.Rows[2][8] != "错" || s.Rows[2][14] != "已停用" || len(s.Formulas) != 0 {
		t.Fatalf("export rows %q, formulas %v", s.Rows, s.Formulas)
	}
	workbooktest.PrintReady(t, "export", s, true, 1)
	back, errs := ParseQuestions(data)
	if len(errs) > 0 || len(back) != 2 || back[0].Points != 1.5 || back[0].Answer != "A" || back[1].Answer != "B" || back[1].Stem != "=1+1" {
		t.Fatalf("re-import: %+v %v", back, errs)
	}
}

// Numbers read as Excel shows them where it matters: 0.5% typed into an option stays
// "0.50%", not 0.005; a row gap keeps Excel's row numbers; content far right is refused
// with the cell named.
func TestParseQuestionsCells(t *testing.T) {
	data := xlsx(t, [][]any{header,
		{"易", "党费比例", "单选", 0.005, 0.01, 0.015, "A", "", "", "", ""},
	}, func(f *excelize.File) {
		pct, _ := f.NewStyle(&excelize.Style{NumFmt: 10})
		f.SetCellStyle("Sheet1", "D2", "F2", pct)
		f.SetSheetRow("Sheet1", "A5", &[]any{"易", "", "单选", "甲", "乙", "", "A"})
	})
	qs, errs := ParseQuestions(data)
	if len(qs) != 1 || strings.Join(qs[0].Options, ",") != "0.50%,1.00%,1.50%" {
		t.Fatalf("questions %+v", qs)
	}
	if len(errs) != 1 || errs[0].Row != 5 || errs[0].Column != "题干" {
		t.Fatalf("errors %+v, want one at row 5", errs)
	}
	wide := xlsx(t, [][]any{header, {"易", "题", "单选", "甲", "乙", "", "A"}}, func(f *excelize.File) {
		f.SetCellValue("Sheet1", "XFD2", "x")
	})
	if _, errs := ParseQuestions(wide); len(errs) != 1 || errs[0].Row != 2 || !strings.Contains(errs[0].Message, "XFD2") {
		t.Fatalf("content at XFD2: %+v", errs)
	}
}

// Every hostile file through ParseQuestions: an error or a bounded result, within the
// memory and time budget.
func TestParseQuestionsHostileBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("generates large files")
	}
	for _, h := range xlsxtest.HostileFiles() {
		data := h.Make()
		var qs []Question
		var errs []RowError
		var panicked any
		peak, took := xlsxtest.Measure(func() {
			defer func() { panicked = recover() }()
			qs, errs = ParseQuestions(data)
		})
		first := ""
		if len(errs) > 0 {
			first = errs[0].Message
		}
		t.Logf("%-28s %d questions, %d errors (%.30s) peak heap +%5.1f MB, %4d ms", h.Name, len(qs), len(errs), first, float64(peak)/(1<<20), took.Milliseconds())
		if panicked != nil {
			t.Errorf("%s: panic %v", h.Name, panicked)
		}
		if len(qs) > imports.MaxRows {
			t.Errorf("%s: %d questions", h.Name, len(qs))
		}
		if peak > 64<<20 {
			t.Errorf("%s: peak heap %d MB, %v: over the budget (64 MB)", h.Name, peak>>20, took)
		}
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestImportAPIAllOrNothing(t *testing.T) {
	e := newEnv(t)
	admin := webtest.AsUser(t, e.srv, e.county.Admin)
	cat := "导入" + e.cat
	count := func() int {
		var n int
		e.db.Get(&n, `SELECT count(*) FROM questions WHERE category = $1`, cat)
		return n
	}
	bad := xlsx(t, [][]any{header,
		{"易", "好题", "单选", "甲", "乙", "", "A", "", cat, "", ""},
		{"易", "坏题", "单选", "甲", "乙", "", "Q", "", cat, "", ""},
	}, nil)
	st, body := admin.Upload("/api/v1/questions/import?dry_run=1", "题库.xlsx", bad, nil)
	if st != 200 || !strings.Contains(string(body), `"row":3`) || !strings.Contains(string(body), "答案") {
		t.Fatalf("preview: %d %s", st, body)
	}
	st, body = admin.Upload("/api/v1/questions/import", "题库.xlsx", bad, nil)
	if st != 422 || !strings.Contains(string(body), `"imported":0`) || count() != 0 {
		t.Fatalf("bad import: %d %s, saved %d", st, body, count())
	}
	st, body = admin.Upload("/api/v1/questions/import", "x.xlsx", []byte("not a spreadsheet"), nil)
	if st != 422 || count() != 0 {
		t.Fatalf("junk import: %d %s", st, body)
	}
	good := xlsx(t, [][]any{header,
		{"易", "好题", "单选", "甲", "乙", "", "A", "", cat, "", ""},
		{"易", "好题2", "判断", "", "", "", "对", "", cat, "", ""},
	}, nil)
	st, body = admin.Upload("/api/v1/questions/import", "题库.xlsx", good, nil)
	if st != 200 || !strings.Contains(string(body), `"imported":2`) || count() != 2 {
		t.Fatalf("good import: %d %s", st, body)
	}
	if st, _ := webtest.AsUser(t, e.srv, e.county.Organizers[0]).Upload("/api/v1/questions/import", "x.xlsx", good, nil); st != 403 {
		t.Fatalf("organizer import → %d", st)
	}
	// Template round trip: the template itself imports cleanly.
	resp := admin.Do("GET", "/api/v1/questions/template.xlsx", nil, "")
	tpl, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if qs, errs := ParseQuestions(tpl); len(errs) > 0 || len(qs) != 3 {
		t.Fatalf("template: %d questions, %v", len(qs), errs)
	}
	// HTML flow: preview stashes the file, confirm imports it.
	cat2 := "页面" + e.cat
	good2 := xlsx(t, [][]any{header, {"易", "页面题", "单选", "甲", "乙", "", "B", "", cat2, "", ""}}, nil)
	st, page := admin.Upload("/admin/questions/import", "题库.xlsx", good2, map[string]string{"_csrf": admin.CSRF})
	if st != 200 || !strings.Contains(string(page), "确认导入 1 道题") {
		t.Fatalf("preview page: %d", st)
	}
	i := strings.Index(string(page), `name="stash_id" value="`)
	stash := string(page)[i+len(`name="stash_id" value="`):]
	stash = stash[:strings.Index(stash, `"`)]
	r := admin.Form("POST", "/admin/questions/import/confirm", map[string][]string{"stash_id": {stash}})
	var n int
	e.db.Get(&n, `SELECT count(*) FROM questions WHERE category = $1`, cat2)
	if r.StatusCode != 303 || n != 1 {
		t.Fatalf("confirm: %d, %d saved", r.StatusCode, n)
	}
}

func FuzzImportQuestions(f *testing.F) {
	tpl, err := TemplateWorkbook()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tpl)
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	for _, seed := range xlsxtest.Seeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		qs, errs := ParseQuestions(data)
		if len(errs) == 0 {
			for _, q := range qs {
				if q.Stem == "" || q.Answer == "" {
					t.Fatalf("accepted invalid question %+v", q)
				}
			}
		}
	})
}

func FuzzParseAnswer(f *testing.F) {
	f.Add([]byte(`{"answer":["A","C"]}`), uint8(1), uint8(4))
	f.Add([]byte(`{"answer":["对"]}`), uint8(2), uint8(2))
	f.Add([]byte(`{"answer":"A"}`), uint8(0), uint8(4))
	f.Fuzz(func(t *testing.T, body []byte, k, n uint8) {
		kind := []string{KindSingle, KindMultiple, KindJudge}[int(k)%3]
		nOpts := 2 + int(n)%5
		ans, err := ParseAnswer(body, kind, nOpts)
		if err != nil {
			return
		}
		// Accepted answers are sorted, distinct, existing keys of the right count.
		for i := 0; i < len(ans); i++ {
			if ans[i] < 'A' || int(ans[i]-'A') >= nOpts || (i > 0 && ans[i] <= ans[i-1]) {
				t.Fatalf("bad accepted answer %q", ans)
			}
		}
		if kind != KindMultiple && len(ans) > 1 {
			t.Fatalf("%s accepted %q", kind, ans)
		}
		if kind == KindJudge && ans != "" && ans != "A" && ans != "B" {
			t.Fatalf("judge accepted %q", ans)
		}
	})
}

// Importing a bank file again updates its questions by natural key (题型 + 题干, with
// spaces and full-width punctuation normalised) instead of adding them twice; the preview
// tells each row's fate and the counts.
func TestImportUpdatesByNaturalKey(t *testing.T) {
	e := newEnv(t)
	admin := webtest.AsUser(t, e.srv, e.county.Admin)
	cat := "重导" + e.cat
	count := func() int {
		var n int
		testdb.Get(t, e.db, &n, `SELECT count(*) FROM questions WHERE category = $1`, cat)
		return n
	}
	first := xlsx(t, [][]any{header,
		{"易", "支部党员大会 多久召开一次？", "单选", "每月", "每季度", "", "B", "旧解析", cat, "", ""},
		{"易", "党小组会一般每月召开1次。", "判断", "", "", "", "对", "", cat, "", ""},
	}, nil)
	if st, body := admin.Upload("/api/v1/questions/import", "题库.xlsx", first, nil); st != 200 || !strings.Contains(string(body), `"created":2`) {
		t.Fatalf("first import: %d %s", st, body)
	}
	// The same questions with other spacing and punctuation, a changed key and 解析, and
	// one new question.
	second := xlsx(t, [][]any{header,
		{"中", " 支部党员大会  多久召开一次? ", "单选", "每月", "每季度", "每年", "C", "新解析", cat, "三会一课", ""},
		{"易", "党小组会一般每月召开1次．", "判断", "", "", "", "错", "", cat, "", ""},
		{"易", "新的一道题", "单选", "甲", "乙", "", "A", "", cat, "", ""},
	}, nil)
	st, body := admin.Upload("/api/v1/questions/import?dry_run=1", "题库.xlsx", second, nil)
	if st != 200 || !strings.Contains(string(body), `"would_create":1`) || !strings.Contains(string(body), `"would_update":2`) ||
		!strings.Contains(string(body), `"update_rows":[2,3]`) {
		t.Fatalf("preview: %d %s", st, body)
	}
	st, page := admin.Upload("/admin/questions/import", "题库.xlsx", second, map[string]string{"_csrf": admin.CSRF})
	if st != 200 || !strings.Contains(string(page), "将新增 <strong>1</strong> 道，更新 <strong>2</strong> 道题") ||
		strings.Count(string(page), `<td data-label="导入后">更新</td>`) != 2 || strings.Count(string(page), `<td data-label="导入后">新增</td>`) != 1 {
		t.Fatalf("preview page: %d %s", st, page)
	}
	if st, body := admin.Upload("/api/v1/questions/import", "题库.xlsx", second, nil); st != 200 ||
		!strings.Contains(string(body), `"created":1`) || !strings.Contains(string(body), `"updated":2`) {
		t.Fatalf("re-import: %d %s", st, body)
	}
	if n := count(); n != 3 {
		t.Fatalf("%d questions after the re-import, want 3", n)
	}
	var q struct {
		Answer      string         `db:"answer"`
		Explanation string         `db:"explanation"`
		Difficulty  string         `db:"difficulty"`
		Tags        pq.StringArray `db:"tags"`
		Options     string         `db:"options"`
	}
	testdb.Get(t, e.db, &q, `SELECT answer, explanation, difficulty, tags, options::text FROM questions WHERE category = $1 AND kind = 'single' ORDER BY id LIMIT 1`, cat)
	if q.Answer != "C" || q.Explanation != "新解析" || q.Difficulty != "中" || strings.Join(q.Tags, ",") != "三会一课" || !strings.Contains(q.Options, "每年") {
		t.Fatalf("the question was not updated: %+v", q)
	}
	// Two rows of one file that are the same question are refused.
	dup := xlsx(t, [][]any{header,
		{"易", "重复的题", "单选", "甲", "乙", "", "A", "", cat, "", ""},
		{"易", "重复的题 ", "单选", "甲", "乙", "", "B", "", cat, "", ""},
	}, nil)
	if st, body := admin.Upload("/api/v1/questions/import", "题库.xlsx", dup, nil); st != 422 || !strings.Contains(string(body), "与第 2 行是同一道题") {
		t.Fatalf("duplicate rows: %d %s", st, body)
	}
}

// A question an open exam may draw is not changed by an import (its key is hidden from
// candidates until the exam closes); the same row unchanged, and questions outside the
// exam's pools, still import.
func TestImportRefusesChangesToLiveExamQuestions(t *testing.T) {
	e := newEnv(t)
	admin := webtest.AsUser(t, e.srv, e.county.Admin)
	cat := "在考" + e.cat
	row := []any{"易", "考试中的题", "单选", "甲", "乙", "", "A", "解析", cat, "", ""}
	if st, body := admin.Upload("/api/v1/questions/import", "题库.xlsx", xlsx(t, [][]any{header, row}, nil), nil); st != 200 {
		t.Fatalf("import: %d %s", st, body)
	}
	testdb.Exec(t, e.db, `INSERT INTO exams (title, opens_at, closes_at, duration_minutes, pass_score, total_points, rules)
		VALUES ('在考', now() - interval '1 hour', now() + interval '1 hour', 30, 1, 1, $1)`,
		fmt.Sprintf(`[{"kind":"single","category":%q,"count":1,"points":1}]`, cat))
	changed := append([]any{}, row...)
	changed[6] = "B"
	other := []any{"易", "别的分类的题", "单选", "甲", "乙", "", "A", "", "别处" + e.cat, "", ""}
	st, body := admin.Upload("/api/v1/questions/import", "题库.xlsx", xlsx(t, [][]any{header, changed, other}, nil), nil)
	if st != 422 || !strings.Contains(string(body), "正在进行的考试") || !strings.Contains(string(body), `"row":2`) || strings.Contains(string(body), `"row":3`) {
		t.Fatalf("change during the exam: %d %s", st, body)
	}
	var answer string
	testdb.Get(t, e.db, &answer, `SELECT answer FROM questions WHERE category = $1`, cat)
	if answer != "A" {
		t.Fatalf("the key changed during the exam: %s", answer)
	}
	if st, body := admin.Upload("/api/v1/questions/import", "题库.xlsx", xlsx(t, [][]any{header, row, other}, nil), nil); st != 200 {
		t.Fatalf("unchanged re-import during the exam: %d %s", st, body)
	}
}
