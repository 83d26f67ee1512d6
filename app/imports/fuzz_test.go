package imports_test

import (
	"errors"
	"testing"

	"zhibu/app/imports"
	"zhibu/app/imports/xlsxtest"
)

// fuzzLimits are small, so that fuzzing reaches every bound quickly.
func fuzzLimits() imports.Options {
	l := imports.NewLimits(4, 20)
	l.MaxSheetBytes, l.MaxSharedStringsBytes, l.MaxPartBytes = 256<<10, 64<<10, 64<<10
	l.MaxSharedStrings, l.MaxSheets, l.MaxDepth, l.MaxTokenBytes, l.MaxTextBytes = 100, 5, 16, 8<<10, 32<<10
	return imports.Options{Limits: l, Formatted: true, SkipInstructions: true}
}

// checkResult holds what Read promises whatever the input.
func checkResult(t *testing.T, s *imports.Sheet, err error, opt imports.Options) {
	if err != nil {
		var e *imports.Error
		if !errors.As(err, &e) || e.Code == "" || e.Message == "" {
			t.Fatalf("error is not a complete *imports.Error: %#v", err)
		}
		if s != nil {
			t.Fatalf("a sheet with an error")
		}
		return
	}
	prev := 0
	for _, r := range s.Rows {
		if r.Num <= prev || r.Num > opt.MaxRows+imports.HeaderRows {
			t.Fatalf("row number %d after %d", r.Num, prev)
		}
		prev = r.Num
		if len(r.Cells) == 0 || len(r.Cells) > opt.MaxCols || r.Cells[len(r.Cells)-1] == "" {
			t.Fatalf("row %d cells %q", r.Num, r.Cells)
		}
		for _, c := range r.Cells {
			if len(c) > imports.MaxCellBytes {
				t.Fatalf("row %d: a cell of %d bytes", r.Num, len(c))
			}
		}
	}
	for _, c := range s.Formulas {
		if c.Col < 1 || c.Col > opt.MaxCols || c.Row < 1 || c.Row > opt.MaxRows+imports.HeaderRows {
			t.Fatalf("formula at %v", c)
		}
	}
	if len(s.Merged) > 10000 {
		t.Fatalf("%d merged ranges", len(s.Merged))
	}
}

func FuzzRead(f *testing.F) {
	for _, seed := range xlsxtest.Seeds() {
		f.Add(seed)
	}
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{0xD0, 0xCF, 0x11, 0xE0})
	opt := fuzzLimits()
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := read(t, data, opt)
		checkResult(t, s, err, opt)
	})
}

// FuzzReadXML reaches the XML readers directly: the fuzzer mutates the worksheet and
// shared strings parts, which are then stored (not compressed) in a workbook.
func FuzzReadXML(f *testing.F) {
	f.Add([]byte(`<worksheet><dimension ref="A1:C2"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><r><t>红</t></r><rPh><t>x</t></rPh></is></c><c r="C1" s="1"><v>0.5</v></c></row><row r="3"><c t="b"><v>1</v></c><c><f>A1</f><v>2</v></c></row></sheetData><mergeCells><mergeCell ref="A1:B1"/></mergeCells></worksheet>`),
		[]byte(`<sst><si><t>甲</t></si><si><r><t>乙</t></r><r><t>丙</t></r></si></sst>`))
	f.Add([]byte(`<worksheet><sheetData><row><c r="XFD1"><v>1</v></c></row><!-- <a> --><![CDATA[x]]></sheetData></worksheet>`), []byte(`<sst/>`))
	f.Add([]byte(`<?xml version="1.0"?><x:worksheet xmlns:x="m"><x:sheetData><x:row r="25"><x:c r="A25"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>`), []byte(``))
	f.Add([]byte(`<worksheet><sheetData><row r="2"><c r="B2" t="s"><v>99</v></c></row><row r="1"/></sheetData></worksheet>`), []byte(`<sst><si><t>a</t></si>`))
	opt := fuzzLimits()
	f.Fuzz(func(t *testing.T, sheet, shared []byte) {
		data := xlsxtest.StoredBook(sheet, shared)
		s, err := read(t, data, opt)
		checkResult(t, s, err, opt)
	})
}
