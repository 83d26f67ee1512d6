package imports_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"zhibu/app/imports"
	"zhibu/app/imports/xlsxtest"
)

// The memory budget every upload is held to, whatever is in it. Time is logged, not
// asserted: speed is shown by benchmarks, and a loaded CI machine must not fail a test.
const heapBudget = 64 << 20

// importers are the reader as each importer calls it: app/accounts/roster_xlsx.go (6
// columns, 20,000 rows) and exams/import.go (14 columns, 5,000 rows).
var importers = []struct {
	name string
	opt  imports.Options
}{
	{"roster", imports.Options{Limits: imports.NewLimits(6, 20000), SkipInstructions: true}},
	{"bank", imports.Options{Limits: imports.NewLimits(14, 5000), Formatted: true}},
}

// want is the outcome of each hostile file per importer: an error code, or "ok" for a
// bounded result.
var want = map[string][2]string{
	"wide-sparse":                 {"too_wide", "too_wide"},
	"wide-sparse-7k":              {"too_wide", "too_wide"},
	"wide-sparse-empty-cells":     {"ok", "ok"},
	"shared-strings-count":        {"shared_strings_too_large", "shared_strings_too_large"},
	"shared-strings-20mb":         {"shared_strings_too_large", "shared_strings_too_large"},
	"shared-strings-15mb":         {"ok", "ok"},
	"deep-xml-sheet":              {"too_deep", "too_deep"},
	"deep-xml-workbook":           {"too_deep", "too_deep"},
	"many-sheets":                 {"too_many_sheets", "too_many_sheets"},
	"million-rows":                {"too_many_rows", "too_many_rows"},
	"million-rows-shared-strings": {"too_many_rows", "too_many_rows"},
	"dimension-full-grid":         {"ok", "ok"},
	"dimension-beyond-grid":       {"bad_dimension", "bad_dimension"},
	"zip-bomb":                    {"zip_bomb", "zip_bomb"},
	"zip-bomb-over-total":         {"zip_bomb", "zip_bomb"},
	"zip-bomb-lying-header":       {"malformed", "malformed"},
	"zip-bomb-lying-under-limit":  {"malformed", "malformed"},
	"zip-bomb-unread-entry":       {"zip_bomb", "zip_bomb"},
	"row-thousands-of-cells":      {"too_wide", "too_wide"},
	"max-area-5000x38":            {"ok", "ok"},
	"max-area-20003x38":           {"ok", "too_many_rows"},
	"huge-token":                  {"cell_too_long", "cell_too_long"},
	"cell-cdata-chunks":           {"cell_too_long", "cell_too_long"},
	"too-much-text":               {"too_much_text", "too_many_rows"},
	"many-zip-entries":            {"unreadable", "unreadable"},
	"many-merges":                 {"ok", "ok"},
	"many-relationships":          {"ok", "ok"},
	"many-styles":                 {"ok", "ok"},
	"styles-too-large":            {"ok", "ok"},
	"many-attributes":             {"ok", "ok"},
	"comment-bomb":                {"malformed", "malformed"},
	"doctype-entities":            {"malformed", "malformed"},
	"old-xls":                     {"old_format", "old_format"},
	"truncated-zip":               {"unreadable", "unreadable"},
}

// readGuarded reads data, turning a panic into an error.
func readGuarded(data []byte, opt imports.Options) (s *imports.Sheet, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return imports.Read(bytes.NewReader(data), int64(len(data)), opt)
}

func TestHostileFiles(t *testing.T) {
	for _, h := range xlsxtest.HostileFiles() {
		t.Run(h.Name, func(t *testing.T) {
			data := h.Make()
			if len(data) > 20<<20 {
				t.Fatalf("file is %d bytes, over the 20 MB upload limit", len(data))
			}
			w, ok := want[h.Name]
			if !ok {
				t.Fatalf("no expectation for %s", h.Name)
			}
			for i, imp := range importers {
				var sheet *imports.Sheet
				var err error
				peak, took := xlsxtest.Measure(func() { sheet, err = readGuarded(data, imp.opt) })
				got := "ok"
				var ie *imports.Error
				switch {
				case errors.As(err, &ie):
					got = ie.Code
					if ie.Message == "" {
						t.Errorf("%s: error without a message: %v", imp.name, err)
					}
				case err != nil:
					got = err.Error()
				}
				cells := 0
				if sheet != nil {
					for _, r := range sheet.Rows {
						cells += len(r.Cells)
						if len(r.Cells) > imp.opt.MaxCols {
							t.Errorf("%s: row %d has %d cells", imp.name, r.Num, len(r.Cells))
						}
					}
					if len(sheet.Rows) > imp.opt.MaxRows+imports.HeaderRows {
						t.Errorf("%s: %d rows", imp.name, len(sheet.Rows))
					}
				}
				t.Logf("%-7s %6.1f KB file: %-26s peak heap +%5.1f MB, %4d ms, %d rows %d cells",
					imp.name, float64(len(data))/1024, got, float64(peak)/(1<<20), took.Milliseconds(), rowsOf(sheet), cells)
				if got != w[i] {
					t.Errorf("%s: got %s (%v), want %s", imp.name, got, err, w[i])
				}
				if peak > heapBudget {
					t.Errorf("%s: peak heap growth %d MB, budget %d MB", imp.name, peak>>20, heapBudget>>20)
				}
			}
		})
	}
}

func rowsOf(s *imports.Sheet) int {
	if s == nil {
		return 0
	}
	return len(s.Rows)
}

// The harness catches the old way of reading: excelize's Rows().Columns() pads a row
// with one cell at XFD to 16,384 strings, and the importers kept every row.
func TestHarnessCatchesExcelizeColumns(t *testing.T) {
	rows := 400
	if n, err := strconv.Atoi(os.Getenv("ZHIBU_OLD_PATH_ROWS")); err == nil {
		rows = n
	}
	data := xlsxtest.WideSparse(rows, true)
	var kept [][]string
	peak, took := xlsxtest.Measure(func() {
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		r, err := f.Rows(f.GetSheetList()[0])
		if err != nil {
			t.Error(err)
			return
		}
		for r.Next() {
			cols, _ := r.Columns(excelize.Options{RawCellValue: true})
			kept = append(kept, cols)
		}
		r.Close()
	})
	t.Logf("excelize Columns(): %.1f KB file, %d rows of %d cells: peak heap +%.1f MB, %d ms",
		float64(len(data))/1024, len(kept), len(kept[0]), float64(peak)/(1<<20), took.Milliseconds())
	if peak <= heapBudget {
		t.Errorf("old path peak %d MB is within the budget: the harness would not catch it", peak>>20)
	}
}
