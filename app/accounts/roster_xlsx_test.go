package accounts

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"zhibu/app/imports"
	"zhibu/app/imports/xlsxtest"
)

// The template the app hands out reads back with its example row valid, whichever of its
// two sheets comes first.
func TestReadSheetRowsTemplate(t *testing.T) {
	tpl, err := rosterTemplate()
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, data []byte) {
		rows, err := readSheetRows(data, maxRosterRows)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, errs := parseRoster(rows, map[string]int64{"城关镇": 1})
		if len(errs) != 0 || len(got) != 1 || got[0].Phone != "13800138000" || got[0].Row != 2 {
			t.Errorf("%s: rows %q → %+v %+v", name, rows, got, errs)
		}
	}
	check("template", tpl)
	x, err := excelize.OpenReader(bytes.NewReader(tpl))
	if err != nil {
		t.Fatal(err)
	}
	x.MoveSheet("填写说明", "花名册") // instructions first, as older templates had it
	var buf bytes.Buffer
	x.Write(&buf)
	if x.GetSheetList()[0] != "填写说明" {
		t.Fatalf("sheets %v", x.GetSheetList())
	}
	check("instructions first", buf.Bytes())
}

// Too many rows and content too far right are the sheet's problems, told to the user;
// anything unreadable stays errNotXLSX.
func TestReadSheetRowsRefusals(t *testing.T) {
	_, err := readSheetRows(xlsxtest.ManyRows(14), 10)
	var ie *imports.Error
	if !errors.As(err, &ie) || !errors.Is(err, imports.ErrTooManyRows) || errors.Is(err, errNotXLSX) {
		t.Errorf("too many rows: %v", err)
	}
	if rows, err := readSheetRows(xlsxtest.ManyRows(13), 10); err != nil || len(rows) != 13 {
		t.Errorf("13 rows with limit 10 (header and two spare rows): %d %v", len(rows), err)
	}
	if _, err := readSheetRows(xlsxtest.WideRow(100), 10); !errors.Is(err, imports.ErrTooWide) || errors.Is(err, errNotXLSX) {
		t.Errorf("too wide: %v", err)
	}
	for _, name := range []string{"old-xls", "truncated-zip", "zip-bomb-unread-entry", "deep-xml-sheet"} {
		for _, h := range xlsxtest.HostileFiles() {
			if h.Name == name {
				if _, err := readSheetRows(h.Make(), maxRosterRows); !errors.Is(err, errNotXLSX) {
					t.Errorf("%s: %v", name, err)
				}
			}
		}
	}
}

// Every hostile file, through the roster's reading: an error or a bounded table, within
// the memory and time budget.
func TestReadSheetRowsHostile(t *testing.T) {
	if testing.Short() {
		t.Skip("generates large files")
	}
	for _, h := range xlsxtest.HostileFiles() {
		data := h.Make()
		var rows [][]string
		var err error
		peak, took := xlsxtest.Measure(func() {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("panic: %v", p)
				}
			}()
			rows, err = readSheetRows(data, maxRosterRows)
		})
		t.Logf("%-28s %-40.40v peak heap +%5.1f MB, %4d ms, %d rows", h.Name, err, float64(peak)/(1<<20), took.Milliseconds(), len(rows))
		var ie *imports.Error
		if err != nil && !errors.Is(err, errNotXLSX) && !errors.As(err, &ie) {
			t.Errorf("%s: unexpected error %v", h.Name, err)
		}
		if len(rows) > maxRosterRows+imports.HeaderRows {
			t.Errorf("%s: %d rows", h.Name, len(rows))
		}
		if peak > 64<<20 || took > 5*time.Second {
			t.Errorf("%s: peak heap %d MB, %v: over the budget (64 MB, 5 s)", h.Name, peak>>20, took)
		}
	}
}
