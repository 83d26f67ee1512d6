package accounts

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zhibu/app/imports"
	"zhibu/app/imports/xlsxtest"
	"zhibu/app/web"
	"zhibu/app/workbook/workbooktest"
)

// The template the app hands out reads back with its example row recognised, whichever
// of its two sheets comes first: alone it imports nobody (and says so), and a person
// written below it imports without it.
func TestRosterTemplateReadsBack(t *testing.T) {
	tpl, err := rosterTemplate()
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, data []byte) {
		res, err := previewRoster(data, map[string]int64{"城关镇": 1})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if e := errorAt(res.Errors, 2, colName); len(res.Errors) != 1 || e == nil || !strings.Contains(e.Message, "示例行") {
			t.Errorf("%s: %+v", name, res.Errors)
		}
		if len(res.Rows) != 0 {
			t.Errorf("%s: rows %+v", name, res.Rows)
		}
	}
	check("template", tpl)
	got := workbooktest.Read(t, tpl)
	if h := got["花名册"].Rows[0]; strings.Join(h, "|") != "乡镇|支部名称|支部类型|姓名|手机号|职务|备注" {
		t.Errorf("header %q", h)
	}
	if ex := got["花名册"].Rows[1]; ex[3] != "示例：张三" || ex[6] != "示例行，导入时自动跳过" {
		t.Errorf("example row %q", ex)
	}
	if h := got["填写说明"].Rows; len(h) != 16 || strings.Join(h[0], "|") != "列名|是否必填|说明" || h[5][0] != "手机号" {
		t.Errorf("help %q", h)
	}
	for _, name := range []string{"花名册", "填写说明"} {
		workbooktest.PrintReady(t, name, got[name], true, 1)
	}
	var phone struct {
		Col, Example string
		Grey         []string
	}
	workbooktest.Run(t, tpl, `
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["花名册"]
grey = [c.font.color.rgb if c.font.color else "" for c in ws[2]]
print(json.dumps({"Col": ws.column_dimensions["E"].number_format, "Example": ws["E2"].number_format, "Grey": grey}))`, &phone)
	if phone.Col != "@" || phone.Example != "@" {
		t.Errorf("phone column must stay text: %+v", phone)
	}
	for i, c := range phone.Grey {
		if !strings.HasSuffix(c, "8C8C8C") {
			t.Errorf("example cell %d is not grey: %q", i+1, c)
		}
	}
	// The template with a person filled in below the example imports the person only.
	filled, err := excelize.OpenReader(bytes.NewReader(tpl))
	if err != nil {
		t.Fatal(err)
	}
	if err := filled.SetSheetRow("花名册", "A3", &[]any{"城关镇", "红星村党支部", "农村", "示例明", "13900139000", ""}); err != nil {
		t.Fatal(err)
	}
	var fb bytes.Buffer
	if err := filled.Write(&fb); err != nil {
		t.Fatal(err)
	}
	res, err := previewRoster(fb.Bytes(), map[string]int64{"城关镇": 1})
	if err != nil || len(res.Errors) != 0 {
		t.Fatalf("filled template: %v %+v", err, res.Errors)
	}
	if skipped := skipExamples(res); len(skipped) != 1 || len(res.Rows) != 1 || res.Rows[0].Value.Name != "示例明" || res.Total != 1 || res.Create != 1 {
		t.Errorf("filled template: skipped %v, rows %+v", skipped, res.Rows)
	}
	x, err := excelize.OpenReader(bytes.NewReader(tpl))
	if err != nil {
		t.Fatal(err)
	}
	x.MoveSheet("填写说明", "花名册") // instructions first, as older templates had it
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if x.GetSheetList()[0] != "填写说明" {
		t.Fatalf("sheets %v", x.GetSheetList())
	}
	check("instructions first", buf.Bytes())
}

// Too many rows and content too far right are the sheet's problems, told as row errors;
// anything unreadable is not_xlsx.
func TestRosterReadRefusals(t *testing.T) {
	for name, data := range map[string][]byte{
		"too many rows": xlsxtest.ManyRows(imports.MaxRows + imports.HeaderRows + 1),
		"too wide":      xlsxtest.WideRow(100),
	} {
		res, err := previewRoster(data, parseTowns)
		if err != nil || len(res.Errors) != 1 {
			t.Errorf("%s: %v %+v", name, err, res)
		}
	}
	for _, name := range []string{"old-xls", "truncated-zip", "zip-bomb-unread-entry", "deep-xml-sheet"} {
		for _, h := range xlsxtest.HostileFiles() {
			if h.Name == name {
				if _, err := previewRoster(h.Make(), parseTowns); !isNotXLSX(err) {
					t.Errorf("%s: %v", name, err)
				}
			}
		}
	}
}

func isNotXLSX(err error) bool {
	var we *web.Error
	return errors.As(err, &we) && we.Code == imports.NotXLSX.Code && we.Status == 422
}

// Every hostile file, through the roster's reading: an error or a bounded table, within
// the memory and time budget.
func TestRosterReadHostile(t *testing.T) {
	if testing.Short() {
		t.Skip("generates large files")
	}
	for _, h := range xlsxtest.HostileFiles() {
		data := h.Make()
		var res *imports.Result[RosterRow]
		var err error
		peak, took := xlsxtest.Measure(func() {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("panic: %v", p)
				}
			}()
			res, err = previewRoster(data, parseTowns)
		})
		t.Logf("%-28s %-40.40v peak heap +%5.1f MB, %4d ms", h.Name, err, float64(peak)/(1<<20), took.Milliseconds())
		if err != nil && !isNotXLSX(err) {
			t.Errorf("%s: unexpected error %v", h.Name, err)
		}
		if res != nil && res.Total > imports.MaxRows {
			t.Errorf("%s: %d rows", h.Name, res.Total)
		}
		if peak > 64<<20 {
			t.Errorf("%s: peak heap %d MB, %v: over the budget (64 MB)", h.Name, peak>>20, took)
		}
	}
}
