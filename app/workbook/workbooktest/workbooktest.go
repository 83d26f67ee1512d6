// Package workbooktest reads generated workbooks back with an independent reader,
// openpyxl, for the tests of every feature that writes .xlsx.
package workbooktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Python returns a python3 that can import openpyxl; the test fails (never skips) without
// one: bash .ci/run installs python3-openpyxl, or set PYTHON.
func Python(t testing.TB) string {
	t.Helper()
	for _, p := range []string{os.Getenv("PYTHON"), "python3", "/usr/bin/python3"} {
		if p != "" && exec.Command(p, "-c", "import openpyxl").Run() == nil {
			return p
		}
	}
	t.Fatal("python3 with openpyxl not found: install python3-openpyxl (bash .ci/run does) or set PYTHON")
	return ""
}

// Run runs a Python script with openpyxl on the workbook (its path is sys.argv[1]) and
// decodes the JSON the script prints into out.
func Run(t testing.TB, data []byte, script string, out any) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "book.xlsx")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(Python(t), "-c", script, path)
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("openpyxl: %v\n%s", err, stderr.String())
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("openpyxl output: %v\n%s", err, raw)
	}
}

// Sheet is what openpyxl sees of one sheet: its values as text and its print setup.
type Sheet struct {
	Rows        [][]string `json:"rows"`
	Formulas    []string   `json:"formulas"`
	Orientation string     `json:"orientation"`
	PaperSize   int        `json:"paper_size"`
	FitToWidth  int        `json:"fit_to_width"`
	FitToHeight int        `json:"fit_to_height"`
	FitToPage   bool       `json:"fit_to_page"`
	PrintTitles string     `json:"print_titles"`
	Header      string     `json:"header"` // the page header of every page after the first
	Footer      string     `json:"footer"`
	FirstHeader string     `json:"first_header"`
	FirstFooter string     `json:"first_footer"`
	Freeze      string     `json:"freeze"`
	Merged      []string   `json:"merged"`
	Hidden      bool       `json:"hidden"`
}

const dump = `
import json, sys, datetime, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {}
for ws in wb.worksheets:
    rows, formulas = [], []
    for row in ws.iter_rows():
        r = []
        for c in row:
            v = c.value
            if c.data_type == "f": formulas.append(c.coordinate)
            if v is None: r.append("")
            elif isinstance(v, datetime.datetime): r.append(v.strftime("%Y-%m-%d %H:%M"))
            elif isinstance(v, float) and v.is_integer(): r.append(str(int(v)))
            else: r.append(str(v))
        rows.append(r)
    ps = ws.page_setup
    out[ws.title] = {
        "rows": rows, "formulas": formulas,
        "orientation": ps.orientation or "", "paper_size": int(ps.paperSize or 0),
        "fit_to_width": int(ps.fitToWidth if ps.fitToWidth is not None else 1),
        "fit_to_height": int(ps.fitToHeight if ps.fitToHeight is not None else 1),
        "fit_to_page": bool(ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage),
        "print_titles": ws.print_title_rows or "",
        "header": ws.oddHeader.center.text or "",
        "footer": ws.oddFooter.center.text or "",
        "first_header": ws.firstHeader.center.text or "" if ws.HeaderFooter.differentFirst else ws.oddHeader.center.text or "",
        "first_footer": ws.firstFooter.center.text or "" if ws.HeaderFooter.differentFirst else ws.oddFooter.center.text or "",
        "freeze": ws.freeze_panes or "",
        "merged": [str(r) for r in ws.merged_cells.ranges],
        "hidden": ws.sheet_state != "visible",
    }
print(json.dumps(out, ensure_ascii=False))
`

// Read returns every sheet of the workbook as openpyxl sees it, by sheet name.
func Read(t testing.TB, data []byte) map[string]Sheet {
	t.Helper()
	out := map[string]Sheet{}
	Run(t, data, dump, &out)
	return out
}

// PrintReady checks the print setup workbook.Stream gives a sheet: A4 in the given
// orientation, one page wide, the header row repeated on every page, rows 1..headerRow
// frozen, page numbers in the footer of every page (the first too).
func PrintReady(t testing.TB, name string, s Sheet, landscape bool, headerRow int) {
	t.Helper()
	orient := "portrait"
	if landscape {
		orient = "landscape"
	}
	if s.Orientation != orient || s.PaperSize != 9 || !s.FitToPage || s.FitToWidth != 1 {
		t.Errorf("%s: page %s, paper %d, fit to page %v, %d wide; want %s A4 (9), one page wide",
			name, s.Orientation, s.PaperSize, s.FitToPage, s.FitToWidth, orient)
	}
	titles, freeze := fmt.Sprintf("$%d:$%d", headerRow, headerRow), fmt.Sprintf("A%d", headerRow+1)
	if s.PrintTitles != titles || s.Freeze != freeze || s.Footer != "第 &P 页，共 &N 页" || s.FirstFooter != s.Footer {
		t.Errorf("%s: print titles %q freeze %q footer %q; want %q %q and page numbers", name, s.PrintTitles, s.Freeze, s.Footer, titles, freeze)
	}
}

// Printed is a workbook as LibreOffice prints it: the text of every PDF page, in order.
type Printed struct {
	Pages []string
}

// Print converts the workbook to PDF with LibreOffice headless (Debian
// libreoffice-calc-nogui, installed by bash .ci/run) and splits pdftotext's output by page.
// The test fails, never skips, without them.
func Print(t testing.TB, data []byte) Printed {
	t.Helper()
	return PrintAll(t, data)[0]
}

// PrintAll prints several workbooks with one LibreOffice start (about 3 s each saved),
// in the order given. With WORKBOOK_PDF_DIR set, the PDFs are also copied there, to be
// looked at.
func PrintAll(t testing.TB, books ...[]byte) []Printed {
	t.Helper()
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Fatal("soffice not found: install libreoffice-calc-nogui (bash .ci/run does)")
	}
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext not found: install poppler-utils (bash .ci/run does)")
	}
	dir := t.TempDir()
	// A private profile: parallel test packages must not share LibreOffice's lock.
	args := []string{"-env:UserInstallation=file://" + filepath.Join(dir, "profile"), "--headless", "--norestore",
		"--convert-to", "pdf", "--outdir", dir}
	for i, data := range books {
		src := filepath.Join(dir, fmt.Sprintf("book%d.xlsx", i+1))
		if err := os.WriteFile(src, data, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, src)
	}
	if out, err := exec.Command(soffice, args...).CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	keep := os.Getenv("WORKBOOK_PDF_DIR")
	out := make([]Printed, len(books))
	for i := range books {
		pdf := filepath.Join(dir, fmt.Sprintf("book%d.pdf", i+1))
		raw, err := exec.Command(pdftotext, "-layout", pdf, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext book %d: %v", i+1, err)
		}
		if keep != "" {
			if b, err := os.ReadFile(pdf); err == nil {
				os.WriteFile(filepath.Join(keep, strings.ReplaceAll(t.Name(), "/", "_")+fmt.Sprintf("-%d.pdf", i+1)), b, 0o644)
			}
		}
		pages := strings.Split(string(raw), "\f")
		if n := len(pages); n > 0 && strings.TrimSpace(pages[n-1]) == "" {
			pages = pages[:n-1]
		}
		out[i] = Printed{Pages: pages}
	}
	return out
}

// Having returns the printed pages that contain text (a sheet's title, printed on each
// of its pages, picks out that sheet's pages).
func (p Printed) Having(text string) []string {
	var out []string
	for _, page := range p.Pages {
		if strings.Contains(page, text) {
			out = append(out, page)
		}
	}
	return out
}

const openpyxlCells = `
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {"formulas": [], "strings": []}
for ws in wb.worksheets:
    for row in ws.iter_rows():
        for c in row:
            if c.data_type == "f":
                out["formulas"].append(ws.title + "!" + c.coordinate)
            elif isinstance(c.value, str):
                out["strings"].append(c.value)
print(json.dumps(out, ensure_ascii=False))
`

// cellsOf reads every string cell of a workbook, and every formula, with excelize and
// with openpyxl.
func cells(t testing.TB, data []byte) (strs, formulas []string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			for j, v := range r {
				ref, _ := excelize.CoordinatesToCellName(j+1, i+1)
				if fm, _ := f.GetCellFormula(sh, ref); fm != "" {
					formulas = append(formulas, "excelize "+sh+"!"+ref+" "+fm)
				}
				if typ, _ := f.GetCellType(sh, ref); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
					strs = append(strs, v)
				}
			}
		}
	}
	var got struct {
		Formulas []string `json:"formulas"`
		Strings  []string `json:"strings"`
	}
	Run(t, data, openpyxlCells, &got)
	for _, fm := range got.Formulas {
		formulas = append(formulas, "openpyxl "+fm)
	}
	return append(strs, got.Strings...), formulas
}

// KeepsText checks a workbook with excelize and with openpyxl: no cell is a formula, no
// text starts like one, and each of want (values a person typed that start like a
// formula) is there as text behind an apostrophe (web.CellText).
func KeepsText(t testing.TB, book string, data []byte, want ...string) {
	t.Helper()
	strs, formulas := cells(t, data)
	for _, fm := range formulas {
		t.Errorf("%s: a formula cell: %s", book, fm)
	}
	have := map[string]bool{}
	for _, s := range strs {
		if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
			t.Errorf("%s: text starts like a formula: %q", book, s)
		}
		have[s] = true
	}
	for _, w := range want {
		found := have["'"+w]
		for s := range have {
			found = found || strings.HasPrefix(s, "'"+w)
		}
		if !found {
			t.Errorf("%s: %q is not there as '%s", book, w, w)
		}
	}
}
