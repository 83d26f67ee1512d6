package xlsxtest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
)

// Hostile is a generated file meant to make a reader spend too much memory or time.
type Hostile struct {
	Name string
	Make func() []byte
}

// HostileFiles lists the generators. Each file is under 20 MB.
func HostileFiles() []Hostile {
	return []Hostile{
		{"wide-sparse", func() []byte { return WideSparse(30000, true) }},
		{"wide-sparse-7k", func() []byte { return WideSparse(1700, true) }},
		{"wide-sparse-empty-cells", func() []byte { return WideSparse(4000, false) }},
		{"shared-strings-count", func() []byte { return SharedStringsCount(1_200_000) }},
		{"shared-strings-20mb", func() []byte { return SharedStringsBytes(20 << 20) }},
		{"shared-strings-15mb", func() []byte { return SharedStringsBytes(15 << 20) }},
		{"deep-xml-sheet", func() []byte { return DeepSheet(1_000_000) }},
		{"deep-xml-workbook", DeepWorkbook},
		{"many-sheets", func() []byte { return ManySheets(50_000) }},
		{"million-rows", func() []byte { return ManyRows(1_000_000) }},
		{"million-rows-shared-strings", func() []byte { return ManyRowsShared(1_000_000) }},
		{"dimension-full-grid", func() []byte { return Dimension("A1:XFD1048576") }},
		{"dimension-beyond-grid", func() []byte { return Dimension("A1:XFE1048577") }},
		{"zip-bomb", func() []byte { return ZipBomb(100 << 20) }},
		{"zip-bomb-over-total", func() []byte { return ZipBomb(400 << 20) }},
		{"zip-bomb-lying-header", func() []byte { return ZipBombLying(400<<20, 1024) }},
		{"zip-bomb-lying-under-limit", func() []byte { return ZipBombLying(400<<20, 30<<20) }},
		{"zip-bomb-unread-entry", func() []byte { return ZipBombUnreadEntry(300 << 20) }},
		{"row-thousands-of-cells", func() []byte { return WideRow(10000) }},
		{"max-area-5000x38", func() []byte { return Area(5001, 38) }},
		{"max-area-20003x38", func() []byte { return Area(20003, 38) }},
		{"huge-token", func() []byte { return HugeToken(30 << 20) }},
		{"cell-cdata-chunks", func() []byte { return CDATACell(10 << 20) }},
		{"too-much-text", func() []byte { return MuchText(20000, 2048) }},
		{"many-zip-entries", func() []byte { return ManyEntries(100_000) }},
		{"many-merges", func() []byte { return ManyMerges(1_000_000) }},
		{"many-relationships", func() []byte { return ManyRels(20_000) }},
		{"many-styles", func() []byte { return ManyStyles(200_000) }},
		{"styles-too-large", func() []byte { return ManyStyles(1_000_000) }},
		{"many-attributes", func() []byte { return ManyAttributes(100_000) }},
		{"comment-bomb", func() []byte { return CommentBomb(30 << 20) }},
		{"doctype-entities", BillionLaughs},
		{"old-xls", func() []byte {
			return append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...)
		}},
		{"truncated-zip", func() []byte { b := Book(Rows([]string{"a"}), nil); return b[:len(b)/2] }},
	}
}

// WideSparse has rows each with one cell at column XFD: with content, or empty but styled
// (then with a value in column A, so the rows are kept).
func WideSparse(rows int, content bool) []byte {
	return Book(SheetData(func(w io.Writer) {
		for i := 1; i <= rows; i++ {
			if content {
				fmt.Fprintf(w, `<row r="%d"><c r="XFD%d" t="inlineStr"><is><t>x</t></is></c></row>`, i, i)
			} else {
				fmt.Fprintf(w, `<row r="%d"><c r="A%d"><v>%d</v></c><c r="XFD%d" s="1"/></row>`, i, i, i, i)
			}
		}
	}), nil)
}

// sheetRef1 is a sheet with one row whose A1 refers to shared string idx.
func sheetRef1(idx int) func(w io.Writer) {
	return SheetData(func(w io.Writer) {
		fmt.Fprintf(w, `<row r="1"><c r="A1" t="s"><v>%d</v></c><c r="B1" t="s"><v>0</v></c></row>`, idx)
	})
}

// SharedStringsCount has a table of n one-letter entries; A1 uses the last one.
func SharedStringsCount(n int) []byte {
	return Book(sheetRef1(n-1), func(w io.Writer) {
		for i := 0; i < n; i++ {
			io.WriteString(w, `<si><t>a</t></si>`)
		}
	})
}

// SharedStringsBytes has a table of about size bytes of distinct 20 KB entries; the sheet
// uses the first and the last.
func SharedStringsBytes(size int) []byte {
	const each = 20 << 10
	n := size / each
	idx := n - 1
	filler := strings.Repeat("党", (each-40)/3)
	return Book(sheetRef1(idx), func(w io.Writer) {
		for i := 0; i < n; i++ {
			fmt.Fprintf(w, `<si><t>%d-%s</t></si>`, i, filler)
		}
	})
}

// DeepSheet nests depth elements inside <sheetData>.
func DeepSheet(depth int) []byte {
	return Book(SheetData(func(w io.Writer) {
		for i := 0; i < depth; i++ {
			io.WriteString(w, `<a>`)
		}
		for i := 0; i < depth; i++ {
			io.WriteString(w, `</a>`)
		}
	}), nil)
}

// DeepWorkbook nests elements in the workbook part.
func DeepWorkbook() []byte {
	parts := WorkbookParts()
	parts[2] = Part{Name: "xl/workbook.xml", Write: func(w io.Writer) {
		io.WriteString(w, `<workbook xmlns="`+nsMain+`">`)
		for i := 0; i < 1_000_000; i++ {
			io.WriteString(w, `<b>`)
		}
	}}
	parts = append(parts, Text("xl/worksheets/sheet1.xml", `<worksheet xmlns="`+nsMain+`"><sheetData/></worksheet>`))
	return Zip(parts...)
}

// ManySheets lists n sheets in the workbook (all pointing to one worksheet part).
func ManySheets(n int) []byte {
	parts := WorkbookParts()
	parts[2] = Part{Name: "xl/workbook.xml", Write: func(w io.Writer) {
		io.WriteString(w, `<workbook xmlns="`+nsMain+`" xmlns:r="`+nsRel+`"><sheets>`)
		for i := 1; i <= n; i++ {
			fmt.Fprintf(w, `<sheet name="S%d" sheetId="%d" r:id="rId1"/>`, i, i)
		}
		io.WriteString(w, `</sheets></workbook>`)
	}}
	parts = append(parts, Text("xl/worksheets/sheet1.xml", `<worksheet xmlns="`+nsMain+`"><sheetData/></worksheet>`))
	return Zip(parts...)
}

// ManyRows has n rows with one number each.
func ManyRows(n int) []byte {
	return Book(SheetData(func(w io.Writer) {
		for i := 1; i <= n; i++ {
			fmt.Fprintf(w, `<row r="%d"><c r="A%d"><v>%d</v></c></row>`, i, i, i)
		}
	}), nil)
}

// ManyRowsShared has n rows each with a distinct shared string: the table is over its
// limit, and so are the rows.
func ManyRowsShared(n int) []byte {
	return Book(SheetData(func(w io.Writer) {
		for i := 1; i <= n; i++ {
			fmt.Fprintf(w, `<row r="%d"><c r="A%d" t="s"><v>%d</v></c></row>`, i, i, i-1)
		}
	}), func(w io.Writer) {
		for i := 1; i <= n; i++ {
			fmt.Fprintf(w, `<si><t>%d</t></si>`, i)
		}
	})
}

// Dimension declares ref and holds a small table.
func Dimension(ref string) []byte {
	rows := Rows([]string{"题型", "题干", "答案"}, []string{"判断", "题", "对"})
	return Book(func(w io.Writer) {
		fmt.Fprintf(w, `<dimension ref="%s"/>`, ref)
		rows(w)
	}, nil)
}

// emptyElements writes size bytes (rounded down to 4) of <x/>.
func emptyElements(w io.Writer, size int) {
	chunk := []byte(strings.Repeat(`<x/>`, 16<<10))
	for size >= 4 {
		n := min(size, len(chunk)) &^ 3
		w.Write(chunk[:n])
		size -= n
	}
}

// ZipBomb has a worksheet that unpacks to size bytes (of empty elements), with honest
// sizes in the zip headers.
func ZipBomb(size int) []byte {
	return Book(SheetData(func(w io.Writer) { emptyElements(w, size) }), nil)
}

// ZipBombLying is ZipBomb with the worksheet's uncompressed size declared as declared.
func ZipBombLying(size int, declared uint64) []byte {
	var sheet bytes.Buffer
	fw, _ := flate.NewWriter(&sheet, flate.BestSpeed)
	crc := crc32.NewIEEE()
	out := io.MultiWriter(fw, crc)
	io.WriteString(out, `<worksheet xmlns="`+nsMain+`"><sheetData>`)
	emptyElements(out, size)
	io.WriteString(out, `</sheetData></worksheet>`)
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range WorkbookParts() {
		w, _ := zw.Create(p.Name)
		p.Write(w)
	}
	w, _ := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
		CRC32: crc.Sum32(), CompressedSize64: uint64(sheet.Len()), UncompressedSize64: declared})
	w.Write(sheet.Bytes())
	zw.Close()
	return buf.Bytes()
}

// ZipBombUnreadEntry is a normal workbook with an extra entry of size bytes of zeros that
// no reader needs to open.
func ZipBombUnreadEntry(size int) []byte {
	return Book(Rows([]string{"a"}), nil, Part{Name: "xl/media/padding.bin", Write: func(w io.Writer) {
		zero := make([]byte, 64<<10)
		for n := 0; n < size; n += len(zero) {
			w.Write(zero)
		}
	}})
}

// WideRow is one row with n real cells.
func WideRow(n int) []byte {
	return Book(SheetData(func(w io.Writer) {
		io.WriteString(w, `<row r="1">`)
		for i := 1; i <= n; i++ {
			fmt.Fprintf(w, `<c r="%s1"><v>%d</v></c>`, col(i), i)
		}
		io.WriteString(w, `</row>`)
	}), nil)
}

// Area fills rows × cols cells with shared strings (a distinct one per row and column
// pair up to 1,000, then repeating).
func Area(rows, cols int) []byte {
	return Book(SheetData(func(w io.Writer) {
		for r := 1; r <= rows; r++ {
			fmt.Fprintf(w, `<row r="%d">`, r)
			for c := 1; c <= cols; c++ {
				fmt.Fprintf(w, `<c r="%s%d" t="s"><v>%d</v></c>`, col(c), r, (r*cols+c)%1000)
			}
			io.WriteString(w, `</row>`)
		}
	}), func(w io.Writer) {
		for i := 0; i < 1000; i++ {
			fmt.Fprintf(w, `<si><t>值%d</t></si>`, i)
		}
	})
}

// HugeToken is a cell whose inline text is size bytes long.
func HugeToken(size int) []byte {
	return Book(SheetData(func(w io.Writer) {
		io.WriteString(w, `<row r="1"><c r="A1" t="inlineStr"><is><t>`)
		chunk := []byte(strings.Repeat("a", 64<<10))
		for n := 0; n < size; n += len(chunk) {
			w.Write(chunk)
		}
		io.WriteString(w, `</t></is></c></row>`)
	}), nil)
}

// CDATACell is a cell whose text is size bytes in many small CDATA sections, each within
// the XML token bound.
func CDATACell(size int) []byte {
	return Book(SheetData(func(w io.Writer) {
		io.WriteString(w, `<row r="1"><c r="A1" t="inlineStr"><is><t>`)
		chunk := []byte(`<![CDATA[` + strings.Repeat("b", 1000) + `]]>`)
		for n := 0; n < size; n += 1000 {
			w.Write(chunk)
		}
		io.WriteString(w, `</t></is></c></row>`)
	}), nil)
}

// MuchText has rows cells of size bytes of inline text each, in column A.
func MuchText(rows, size int) []byte {
	text := strings.Repeat("字", size/3)
	return Book(SheetData(func(w io.Writer) {
		for i := 1; i <= rows; i++ {
			fmt.Fprintf(w, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>%d%s</t></is></c></row>`, i, i, i, text)
		}
	}), nil)
}

// ManyEntries is a workbook with n extra empty zip entries.
func ManyEntries(n int) []byte {
	parts := append(WorkbookParts(), Text("xl/worksheets/sheet1.xml", `<worksheet xmlns="`+nsMain+`"><sheetData/></worksheet>`))
	for i := 0; i < n; i++ {
		parts = append(parts, Text(fmt.Sprintf("%x", i), ""))
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: p.Name, Method: zip.Store})
		p.Write(w)
	}
	zw.Close()
	return buf.Bytes()
}

// ManyMerges declares n merged ranges.
func ManyMerges(n int) []byte {
	return Book(func(w io.Writer) {
		Rows([]string{"题型", "题干"}, []string{"单选", "题"})(w)
		fmt.Fprintf(w, `<mergeCells count="%d">`, n)
		for i := 0; i < n; i++ {
			io.WriteString(w, `<mergeCell ref="A2:B3"/>`)
		}
		io.WriteString(w, `</mergeCells>`)
	}, nil)
}

// ManyRels lists n relationships of the workbook.
func ManyRels(n int) []byte {
	parts := WorkbookParts()
	parts[3] = Part{Name: "xl/_rels/workbook.xml.rels", Write: func(w io.Writer) {
		io.WriteString(w, `<Relationships xmlns="`+relPkg+`">`)
		for i := 0; i < n; i++ {
			fmt.Fprintf(w, `<Relationship Id="x%d" Type="%s/worksheet" Target="worksheets/s%d.xml"/>`, i, nsRel, i)
		}
		io.WriteString(w, `<Relationship Id="rId1" Type="`+nsRel+`/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`)
	}}
	parts = append(parts, Text("xl/worksheets/sheet1.xml", `<worksheet xmlns="`+nsMain+`"><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>`))
	return Zip(parts...)
}

// ManyStyles declares n cell formats.
func ManyStyles(n int) []byte {
	parts := WorkbookParts()
	parts = append(parts, Text("xl/worksheets/sheet1.xml", `<worksheet xmlns="`+nsMain+`"><sheetData><row r="1"><c r="A1" s="7"><v>0.5</v></c></row></sheetData></worksheet>`),
		Part{Name: "xl/styles.xml", Write: func(w io.Writer) {
			io.WriteString(w, `<styleSheet xmlns="`+nsMain+`"><cellXfs>`)
			for i := 0; i < n; i++ {
				io.WriteString(w, `<xf numFmtId="9"/>`)
			}
			io.WriteString(w, `</cellXfs></styleSheet>`)
		}})
	return Zip(parts...)
}

// ManyAttributes gives one cell n attributes.
func ManyAttributes(n int) []byte {
	return Book(SheetData(func(w io.Writer) {
		io.WriteString(w, `<row r="1"><c r="A1"`)
		for i := 0; i < n; i++ {
			fmt.Fprintf(w, ` a%d=""`, i)
		}
		io.WriteString(w, `><v>1</v></c></row>`)
	}), nil)
}

// CommentBomb is a comment of size bytes full of '<' inside the sheet.
func CommentBomb(size int) []byte {
	return Book(SheetData(func(w io.Writer) {
		io.WriteString(w, `<!--`)
		chunk := []byte(strings.Repeat("<a>", 20000))
		for n := 0; n < size; n += len(chunk) {
			w.Write(chunk)
		}
		io.WriteString(w, `-->`)
	}), nil)
}

// BillionLaughs declares nested entities in the worksheet.
func BillionLaughs() []byte {
	parts := append(WorkbookParts(), Text("xl/worksheets/sheet1.xml", `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<worksheet xmlns="`+nsMain+`"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>`))
	return Zip(parts...)
}

// Seeds are small versions of the hostile files, for fuzzing corpora.
func Seeds() [][]byte {
	return [][]byte{
		Book(Rows([]string{"题型", "题干", "答案"}, []string{"判断", "题", "对"}), nil),
		WideSparse(20, true), WideSparse(20, false), SharedStringsCount(50), DeepSheet(80),
		ManySheets(3), Dimension("A1:XFD1048576"), Dimension("A1:XFE1"), ZipBombLying(64<<10, 1000),
		WideRow(60), HugeToken(3000), CDATACell(3000), ManyMerges(5), ManyAttributes(50),
		ManyStyles(12), CommentBomb(500), BillionLaughs(), Area(4, 4), ManyRowsShared(30),
	}
}
