package imports

import (
	"archive/zip"
	"compress/flate"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strings"
	"unicode/utf8"
)

// Options say how to read one upload.
type Options struct {
	Limits
	// SkipInstructions reads the second sheet when the first one is the template's
	// instructions (its name contains "说明", as in 填写说明) and another sheet follows.
	SkipInstructions bool
	// Formatted reads numbers in percent and date/time formats as Excel shows them
	// ("50%", "2024-05-01"); otherwise, and for all other numbers, a number is its stored
	// text, so a phone number kept as a number reads as 13800138000, never 1.38E+10.
	Formatted bool
}

// Sheet is what was read from the worksheet.
type Sheet struct {
	Name string
	// Rows holds the rows with at least one non-empty cell, in order. A row's Cells
	// start at column A and end at its last non-empty cell.
	Rows []Row
	// Formulas are the cells holding a formula (their value is the one Excel last
	// computed, when the file has it).
	Formulas []Cell
	// Merged are the merged ranges (at most maxMerged of them).
	Merged []Range
}

// Row is one row of the sheet with its Excel row number.
type Row struct {
	Num   int
	Cells []string
}

const maxMerged = 10000

// Read reads the first worksheet (in workbook order) of the xlsx file in r, within
// opt.Limits. Every refusal is an *Error with a message for the user.
func Read(r io.ReaderAt, size int64, opt Options) (*Sheet, error) {
	lim := opt.Limits
	if size > lim.MaxFileBytes {
		return nil, fail(ErrFileTooLarge, 0, nil, "文件过大：最大 %d MB", lim.MaxFileBytes>>20)
	}
	var magic [4]byte
	if n, _ := r.ReadAt(magic[:], 0); n < 4 || string(magic[:]) != "PK\x03\x04" {
		if n == 4 && magic == [4]byte{0xD0, 0xCF, 0x11, 0xE0} {
			return nil, fail(ErrOldFormat, 0, nil, msgOldFormat)
		}
		return nil, fail(ErrNotXLSX, 0, nil, msgNotXLSX)
	}
	b, err := openBook(r, size, opt)
	if err != nil {
		return nil, err
	}
	return b.read()
}

// book is an opened workbook archive.
type book struct {
	opt      Options
	files    map[string]*zip.File
	lower    map[string]*zip.File // by lower-case name: part names are case-insensitive
	text     int64                // bytes of kept text so far
	date1904 bool
	styles   *styles
	shared   *sharedStrings
	// sharedLost: the shared strings could not be read; cells using them count as
	// content (for the row and column limits) with no value.
	sharedLost bool
}

// cappedReaderAt fails once more than left bytes have been read: zip.NewReader reads the
// whole central directory, one allocation per entry, before anything can be checked.
type cappedReaderAt struct {
	r    io.ReaderAt
	left int64
}

var errDirectoryTooLarge = errors.New("zip central directory exceeds its limit")

func (c *cappedReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if int64(len(p)) > c.left {
		return 0, errDirectoryTooLarge
	}
	n, err := c.r.ReadAt(p, off)
	c.left -= int64(n)
	return n, err
}

func openBook(r io.ReaderAt, size int64, opt Options) (*book, error) {
	lim := opt.Limits
	// The end-of-directory search reads up to 65 KB before the directory itself.
	capped := &cappedReaderAt{r: r, left: lim.MaxDirectoryBytes + 70<<10}
	z, err := zip.NewReader(capped, size)
	if errors.Is(err, errDirectoryTooLarge) {
		return nil, fail(ErrUnreadable, 0, err, "无法读取该 Excel 文件：压缩包中的文件过多，请在 Excel 中打开后“另存为 .xlsx”再上传")
	}
	if err != nil {
		return nil, fail(ErrUnreadable, 0, err, msgUnreadable)
	}
	capped.left = 1 << 62 // reading entries goes through the part limits
	b := &book{opt: opt, files: make(map[string]*zip.File, len(z.File)), lower: make(map[string]*zip.File, len(z.File))}
	var declared uint64
	for _, f := range z.File {
		if declared += f.UncompressedSize64; declared > uint64(lim.MaxTotalBytes) || declared < f.UncompressedSize64 {
			return nil, fail(ErrZipBomb, 0, nil, msgZipBomb)
		}
		if _, dup := b.files[f.Name]; !dup {
			b.files[f.Name] = f
		}
		if l := strings.ToLower(f.Name); b.lower[l] == nil {
			b.lower[l] = f
		}
	}
	return b, nil
}

func (b *book) file(name string) *zip.File {
	if f := b.files[name]; f != nil {
		return f
	}
	return b.lower[strings.ToLower(name)]
}

// part kinds, for the limit that applies and the message when it is exceeded
const (
	partMeta = iota
	partSheet
	partStrings
)

// parse streams one part through fn. A missing part is reported by fn's caller.
func (b *book) parse(f *zip.File, kind int, fn func(x *xmlStream) error) error {
	lim := b.opt.Limits
	limit := lim.MaxPartBytes
	switch kind {
	case partSheet:
		limit = lim.MaxSheetBytes
	case partStrings:
		limit = lim.MaxSharedStringsBytes
	}
	// A part declared larger than its limit is refused before it is unpacked, except the
	// worksheet: a sheet that is merely too long should hear "too many rows", which
	// reading finds out early. Declared sizes are never relied on: partReader cuts every
	// stream at its limit whatever the header says.
	if kind != partSheet && f.UncompressedSize64 > uint64(limit) {
		return b.partError(kind, errPartTooLarge)
	}
	rc, err := f.Open()
	if err != nil {
		return fail(ErrUnreadable, 0, err, msgUnreadable)
	}
	defer rc.Close()
	x := newXMLStream(&partReader{r: rc, left: limit}, lim)
	if err := fn(x); err != nil {
		return b.partError(kind, err)
	}
	return nil
}

// partError turns what went wrong reading a part into the user's message.
func (b *book) partError(kind int, err error) error {
	var e *Error
	var syntax *xml.SyntaxError
	var corrupt flate.CorruptInputError
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, errPartTooLarge) && kind == partStrings:
		return fail(ErrSharedStrings, 0, err, "文件中的文字内容过多（超过 %d MB），请只保留要导入的内容后再上传", b.opt.MaxSharedStringsBytes>>20)
	case errors.Is(err, errPartTooLarge) && kind == partSheet:
		return fail(ErrZipBomb, 0, err, "工作表过大：解压后超过 %d MB（可能是压缩炸弹），请删除不需要的行和列后再上传", b.opt.MaxSheetBytes>>20)
	case errors.Is(err, errPartTooLarge):
		return fail(ErrZipBomb, 0, err, msgZipBomb)
	case errors.Is(err, errTooDeep):
		return fail(ErrTooDeep, 0, err, msgTooDeep)
	case errors.Is(err, errTokenTooLong):
		return fail(ErrMalformed, 0, err, "无法读取该 Excel 文件：文件中有超长的内容（单个单元格最多 32767 个字符），请检查文件")
	case errors.As(err, &syntax), errors.As(err, &corrupt), errors.Is(err, errMismatch), errors.Is(err, errDirective),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, zip.ErrChecksum), errors.Is(err, zip.ErrFormat):
		return fail(ErrMalformed, 0, err, msgMalformed)
	}
	return fail(ErrUnreadable, 0, err, msgUnreadable)
}

// addText charges n bytes of kept text against MaxTextBytes.
func (b *book) addText(n int) error {
	b.text += int64(n)
	if b.text > b.opt.MaxTextBytes {
		return fail(ErrTooMuchText, 0, nil, "文件中的文字总量过多（超过 %d MB），请拆分文件后分批导入", b.opt.MaxTextBytes>>20)
	}
	return nil
}

type rel struct{ typ, target string }

func relType(t, suffix string) bool { return strings.HasSuffix(t, "/"+suffix) }

// rels reads the relationships of a part (xl/workbook.xml → xl/_rels/workbook.xml.rels),
// keeping only those keep wants, with targets resolved to part names.
func (b *book) rels(source string, keep func(id, typ string) bool) (map[string]rel, error) {
	dir, name := path.Split(source)
	f := b.file(dir + "_rels/" + name + ".rels")
	out := map[string]rel{}
	if f == nil {
		return out, nil
	}
	err := b.parse(f, partMeta, func(x *xmlStream) error {
		return x.each(func(tok xml.Token) error {
			se, ok := tok.(xml.StartElement)
			if !ok || se.Name.Local != "Relationship" || x.depth() != 2 {
				return nil
			}
			id, _ := attr(se, "Id")
			typ, _ := attr(se, "Type")
			target, _ := attr(se, "Target")
			if mode, _ := attr(se, "TargetMode"); mode == "External" || target == "" {
				return nil
			}
			if _, seen := out[id]; seen || !keep(id, typ) {
				return nil
			}
			if strings.HasPrefix(target, "/") {
				target = path.Clean(target[1:])
			} else {
				target = path.Clean(path.Join(dir, target))
			}
			out[id] = rel{typ, target}
			return nil
		})
	})
	return out, err
}

type sheetEntry struct{ name, rid string }

// workbook reads the sheet list and the date system of the workbook part.
func (b *book) workbook(f *zip.File) ([]sheetEntry, error) {
	var sheets []sheetEntry
	err := b.parse(f, partMeta, func(x *xmlStream) error {
		return x.each(func(tok xml.Token) error {
			se, ok := tok.(xml.StartElement)
			if !ok || x.depth() > 3 {
				return nil
			}
			switch {
			case se.Name.Local == "sheet" && x.parent() == "sheets":
				if len(sheets) == b.opt.MaxSheets {
					return fail(ErrTooManySheets, 0, nil, "工作簿中的工作表过多（超过 %d 个），请删除不需要的工作表后再上传", b.opt.MaxSheets)
				}
				name, _ := attr(se, "name")
				sheets = append(sheets, sheetEntry{name: name, rid: relAttr(se, "id")})
			case se.Name.Local == "workbookPr":
				v, _ := attr(se, "date1904")
				b.date1904 = v == "1" || v == "true"
			}
			return nil
		})
	})
	return sheets, err
}

func (b *book) read() (*Sheet, error) {
	// The package relationships name the workbook part; xl/workbook.xml by convention.
	wbName := "xl/workbook.xml"
	found := false
	top, err := b.rels("", func(_, typ string) bool {
		if found || !relType(typ, "officeDocument") {
			return false
		}
		found = true
		return true
	})
	if err != nil {
		return nil, err
	}
	for _, r := range top {
		wbName = r.target
	}
	wb := b.file(wbName)
	if wb == nil {
		return nil, fail(ErrUnreadable, 0, nil, msgUnreadable)
	}
	entries, err := b.workbook(wb)
	if err != nil {
		return nil, err
	}
	ids := make(map[string]bool, len(entries))
	for _, e := range entries {
		ids[e.rid] = true
	}
	// Only what is needed is kept: a relationships part may list any number of entries.
	var haveSST, haveStyles bool
	rels, err := b.rels(wb.Name, func(id, typ string) bool {
		switch {
		case ids[id]:
			return relType(typ, "worksheet")
		case !haveSST && relType(typ, "sharedStrings"):
			haveSST = true
			return true
		case !haveStyles && relType(typ, "styles"):
			haveStyles = true
			return true
		}
		return false
	})
	if err != nil {
		return nil, err
	}
	var sstName, stylesName string
	var worksheets []sheetEntry
	for _, e := range entries {
		if r, ok := rels[e.rid]; ok && relType(r.typ, "worksheet") {
			worksheets = append(worksheets, sheetEntry{name: e.name, rid: r.target})
		}
	}
	for _, r := range rels {
		switch {
		case relType(r.typ, "sharedStrings"):
			sstName = r.target
		case relType(r.typ, "styles"):
			stylesName = r.target
		}
	}
	if len(worksheets) == 0 {
		return nil, fail(ErrNoSheet, 0, nil, msgNoSheet)
	}
	pick := worksheets[0]
	if b.opt.SkipInstructions && strings.Contains(pick.name, "说明") && len(worksheets) > 1 {
		pick = worksheets[1]
	}
	sf := b.file(pick.rid)
	if sf == nil {
		return nil, fail(ErrUnreadable, 0, nil, "无法读取第一个工作表，请在 Excel 中打开后“另存为 .xlsx”再上传")
	}
	if b.opt.Formatted && stylesName != "" {
		if f := b.file(stylesName); f != nil {
			b.styles, err = b.readStyles(f)
			if errors.Is(err, ErrZipBomb) {
				// Formats are a nicety: a style table too large to read is left out.
				b.styles, err = nil, nil
			}
			if err != nil {
				return nil, err
			}
		}
	}
	// A shared strings table too large to read is reported after the sheet, unless the
	// sheet has a more useful complaint (too many rows).
	var sharedErr error
	if sstName != "" {
		if f := b.file(sstName); f != nil {
			b.shared, err = b.readSharedStrings(f)
			if errors.Is(err, ErrSharedStrings) {
				sharedErr, b.shared, b.sharedLost = err, nil, true
			} else if err != nil {
				return nil, err
			}
		}
	}
	sr := newSheetReader(b)
	if err := b.parse(sf, partSheet, sr.run); err != nil {
		return nil, err
	}
	if sharedErr != nil {
		return nil, sharedErr
	}
	return &Sheet{Name: pick.name, Rows: sr.rows, Formulas: sr.formulas, Merged: sr.merged}, nil
}

// clip shortens a value quoted in a message.
func clip(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
