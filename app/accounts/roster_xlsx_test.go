package accounts

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"zhibu/app/imports"
	"zhibu/app/imports/xlsxtest"
	"zhibu/app/web"
	"zhibu/app/workbook/workbooktest"
)

// The template the app hands out reads back with its example row valid, whichever of its
// two sheets comes first.
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
		if got := rosterValues(res); len(res.Errors) != 0 || len(got) != 1 || got[0].Phone != "13800138000" || got[0].Row != 2 {
			t.Errorf("%s: %+v %+v", name, got, res.Errors)
		}
	}
	check("template", tpl)
	got := workbooktest.Read(t, tpl)
	if h := got["花名册"].Rows[0]; strings.Join(h, "|") != "乡镇|支部名称|支部类型|姓名|手机号|职务" {
		t.Errorf("header %q", h)
	}
	if h := got["填写说明"].Rows; len(h) != 14 || strings.Join(h[0], "|") != "列名|是否必填|说明" || h[5][0] != "手机号" {
		t.Errorf("help %q", h)
	}
	for _, name := range []string{"花名册", "填写说明"} {
		workbooktest.PrintReady(t, name, got[name], true, 1)
	}
	var phone struct{ Col, Example string }
	workbooktest.Run(t, tpl, `
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["花名册"]
print(json.dumps({"Col": ws.column_dimensions["E"].number_format, "Example": ws["E2"].number_format}))`, &phone)
	if phone.Col != "@" || phone.Example != "@" {
		t.Errorf("phone column must stay text: %+v", phone)
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
		if peak > 64<<20 || took > 5*time.Second {
			t.Errorf("%s: peak heap %d MB, %v: over the budget (64 MB, 5 s)", h.Name, peak>>20, took)
		}
	}
}
