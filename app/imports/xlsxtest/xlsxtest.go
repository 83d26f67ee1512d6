// Package xlsxtest writes xlsx files part by part for tests of the importers: minimal
// valid workbooks and the hostile files the reader in app/imports must survive. Files
// are generated, never committed; every hostile file stays under the 20 MB upload limit.
package xlsxtest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
)

// Part is one entry of the archive, written by Write.
type Part struct {
	Name  string
	Write func(w io.Writer)
}

// Text is a part with fixed content.
func Text(name, s string) Part {
	return Part{Name: name, Write: func(w io.Writer) { io.WriteString(w, s) }}
}

// Zip writes the parts into an archive (deflate, fast level: some parts are huge).
func Zip(parts ...Part) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	for _, p := range parts {
		w, err := zw.Create(p.Name)
		if err != nil {
			panic(err)
		}
		bw := newBufWriter(w)
		p.Write(bw)
		bw.flush()
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

type bufWriter struct {
	w   io.Writer
	buf []byte
}

func newBufWriter(w io.Writer) *bufWriter { return &bufWriter{w: w, buf: make([]byte, 0, 64<<10)} }

func (b *bufWriter) Write(p []byte) (int, error) {
	if len(b.buf)+len(p) > cap(b.buf) {
		b.flush()
	}
	if len(p) > cap(b.buf) {
		return b.w.Write(p)
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *bufWriter) flush() {
	b.w.Write(b.buf)
	b.buf = b.buf[:0]
}

const (
	nsMain = `http://schemas.openxmlformats.org/spreadsheetml/2006/main`
	nsRel  = `http://schemas.openxmlformats.org/officeDocument/2006/relationships`
	relPkg = `http://schemas.openxmlformats.org/package/2006/relationships`
)

// ContentTypes, PackageRels are the fixed parts of every workbook written here.
var (
	ContentTypes = Text("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`)
	PackageRels = Text("_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="`+relPkg+`"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
)

// WorkbookParts are the workbook and its relationships for one sheet "Sheet1" at
// xl/worksheets/sheet1.xml, with shared strings and styles parts.
func WorkbookParts() []Part {
	return []Part{
		ContentTypes, PackageRels,
		Text("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="`+nsMain+`" xmlns:r="`+nsRel+`"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`),
		Text("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="`+relPkg+`"><Relationship Id="rId1" Type="`+nsRel+`/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="`+nsRel+`/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="`+nsRel+`/styles" Target="styles.xml"/></Relationships>`),
	}
}

// Styles is a styles part: index 0 General, 1 percent (0.00%), 2 date (yyyy-mm-dd), 3 text.
var Styles = Text("xl/styles.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="`+nsMain+`"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd;@"/></numFmts><cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="10" applyNumberFormat="1"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="49" applyNumberFormat="1"/></cellXfs></styleSheet>`)

// Book is a one-sheet workbook whose worksheet body (what goes inside <worksheet>) is
// written by body, with the given shared strings (none when nil).
func Book(body func(w io.Writer), shared func(w io.Writer), extra ...Part) []byte {
	parts := WorkbookParts()
	parts = append(parts, Part{Name: "xl/worksheets/sheet1.xml", Write: func(w io.Writer) {
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+`<worksheet xmlns="`+nsMain+`" xmlns:r="`+nsRel+`">`)
		body(w)
		io.WriteString(w, `</worksheet>`)
	}})
	if shared != nil {
		parts = append(parts, Part{Name: "xl/sharedStrings.xml", Write: func(w io.Writer) {
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+`<sst xmlns="`+nsMain+`">`)
			shared(w)
			io.WriteString(w, `</sst>`)
		}})
	}
	parts = append(parts, Styles)
	return Zip(append(parts, extra...)...)
}

// SheetData wraps rows written by rows in <sheetData>.
func SheetData(rows func(w io.Writer)) func(w io.Writer) {
	return func(w io.Writer) {
		io.WriteString(w, `<sheetData>`)
		rows(w)
		io.WriteString(w, `</sheetData>`)
	}
}

// Rows is a sheet body of string rows written as inline strings from A1.
func Rows(rows ...[]string) func(w io.Writer) {
	return SheetData(func(w io.Writer) {
		for i, r := range rows {
			fmt.Fprintf(w, `<row r="%d">`, i+1)
			for j, v := range r {
				fmt.Fprintf(w, `<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>`, col(j+1), i+1, escape(v))
			}
			io.WriteString(w, `</row>`)
		}
	})
}

func escape(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func col(n int) string {
	s := ""
	for n > 0 {
		n--
		s = string(rune('A'+n%26)) + s
		n /= 26
	}
	return s
}

// StoredBook is a workbook whose worksheet and shared strings parts are the given bytes,
// stored without compression (for fuzzing the XML readers); no shared strings part when
// shared is empty.
func StoredBook(sheet, shared []byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	parts := append(WorkbookParts(), Styles, Part{Name: "xl/worksheets/sheet1.xml", Write: func(w io.Writer) { w.Write(sheet) }})
	if len(shared) > 0 {
		parts = append(parts, Part{Name: "xl/sharedStrings.xml", Write: func(w io.Writer) { w.Write(shared) }})
	}
	for _, p := range parts {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: p.Name, Method: zip.Store})
		p.Write(w)
	}
	zw.Close()
	return buf.Bytes()
}
