package imports

import (
	"encoding/xml"
	"strconv"
)

// sheetReader streams a worksheet part. It keeps the cells up to MaxCols of rows up to
// MaxRows+HeaderRows; its memory follows the cells kept, never the sheet's declared size.
type sheetReader struct {
	b        *book
	lim      Limits
	rows     []Row
	formulas []Cell
	merged   []Range

	// the row being read
	inRow   bool // inside a <row> of <sheetData>
	rowNum  int
	lastCol int
	width   int      // columns of scratch in use: the last kept non-empty cell
	scratch []string // MaxCols cells, reused row after row

	// the cell being read
	col     int
	typ     string
	style   int
	formula bool
	inV     bool
	inIS    int // 1 inside <is>, 2 inside <is><r>
	inT     bool
	text    []byte
}

func newSheetReader(b *book) *sheetReader {
	return &sheetReader{b: b, lim: b.opt.Limits, scratch: make([]string, b.opt.MaxCols)}
}

func (s *sheetReader) run(x *xmlStream) error {
	return x.each(func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			return s.start(x, t)
		case xml.EndElement:
			return s.end(t)
		case xml.CharData:
			if s.inV || s.inT {
				return s.addChars(t)
			}
		}
		return nil
	})
}

func (s *sheetReader) start(x *xmlStream, t xml.StartElement) error {
	parent := x.parent()
	switch t.Name.Local {
	case "row":
		if parent != "sheetData" {
			return nil
		}
		n := s.rowNum + 1
		if r, ok := attr(t, "r"); ok {
			v, err := strconv.Atoi(r)
			if err != nil || v < 1 || v > GridRows {
				return fail(ErrMalformed, 0, nil, "无法读取该 Excel 文件：行号“%s”无效，请在 Excel 中打开后“另存为 .xlsx”再上传", clip(r, 20))
			}
			n = v
		}
		if n <= s.rowNum || n > GridRows {
			return fail(ErrMalformed, n, nil, "无法读取该 Excel 文件：第 %d 行的位置顺序异常，请在 Excel 中打开后“另存为 .xlsx”再上传", n)
		}
		s.inRow, s.rowNum, s.lastCol, s.width = true, n, 0, 0
	case "c":
		if parent != "row" || !s.inRow {
			return nil
		}
		col := s.lastCol + 1
		if r, ok := attr(t, "r"); ok {
			c, ok := parseColumnOnly(r)
			if !ok {
				return fail(ErrMalformed, s.rowNum, nil, "无法读取该 Excel 文件：第 %d 行有无效的单元格位置“%s”，请在 Excel 中打开后“另存为 .xlsx”再上传", s.rowNum, clip(r, 20))
			}
			col = c
		}
		if col <= s.lastCol || col > GridCols {
			return fail(ErrMalformed, s.rowNum, nil, "无法读取该 Excel 文件：第 %d 行的单元格顺序异常，请在 Excel 中打开后“另存为 .xlsx”再上传", s.rowNum)
		}
		s.lastCol, s.col = col, col
		s.typ, _ = attr(t, "t")
		s.style = -1
		if v, ok := attr(t, "s"); ok {
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				s.style = n
			}
		}
		s.formula, s.inV, s.inIS, s.inT = false, false, 0, false
		s.text = s.text[:0]
	case "v":
		if parent == "c" {
			s.inV = true
		}
	case "f":
		if parent == "c" {
			s.formula = true
		}
	case "is":
		if parent == "c" {
			s.inIS = 1
		}
	case "r":
		if parent == "is" && s.inIS == 1 {
			s.inIS = 2
		}
	case "t":
		// Text of an inline string: <is><t> or the runs <is><r><t>; not phonetic <rPh>.
		s.inT = s.inIS == 1 && parent == "is" || s.inIS == 2 && parent == "r"
	case "dimension":
		if parent == "worksheet" {
			ref, _ := attr(t, "ref")
			if _, ok := parseRange(ref); !ok {
				return fail(ErrDimension, 0, nil, "工作表声明的范围“%s”超出了 Excel 的行列范围，文件可能已损坏，请在 Excel 中打开后“另存为 .xlsx”再上传", clip(ref, 30))
			}
		}
	case "mergeCell":
		if parent == "mergeCells" && len(s.merged) < maxMerged {
			ref, _ := attr(t, "ref")
			if r, ok := parseRange(ref); ok {
				s.merged = append(s.merged, r)
			}
		}
	}
	return nil
}

func (s *sheetReader) addChars(t xml.CharData) error {
	if len(s.text)+len(t) > MaxCellBytes {
		c := Cell{s.rowNum, s.col}
		return fail(ErrCellTooLong, s.rowNum, nil, "%s 单元格的内容过长：一个单元格最多 32767 个字符", c)
	}
	s.text = append(s.text, t...)
	return nil
}

func (s *sheetReader) end(t xml.EndElement) error {
	switch t.Name.Local {
	case "v":
		s.inV = false
	case "t":
		s.inT = false
	case "r":
		if s.inIS == 2 {
			s.inIS = 1
		}
	case "is":
		s.inIS = 0
	case "c":
		if s.col > 0 {
			err := s.cellDone()
			s.col = 0
			return err
		}
	case "row":
		if s.inRow {
			s.rowDone()
			s.inRow = false
		}
	}
	return nil
}

// cellDone keeps the cell just read, or refuses the sheet when it holds content where
// nothing may be.
func (s *sheetReader) cellDone() error {
	var v string
	content := s.formula
	if s.typ == "s" {
		// A shared string: a substring of the table, nothing to allocate or charge.
		if len(s.text) > 0 {
			i, err := strconv.Atoi(string(trimSpace(s.text)))
			if err == nil {
				v = s.b.shared.get(i)
				content = content || s.b.sharedLost
			}
		}
	} else if len(s.text) > 0 {
		v = s.value()
	}
	if v == "" && !content {
		return nil
	}
	c := Cell{s.rowNum, s.col}
	if s.col > s.lim.MaxCols {
		return errTooWide(c, s.lim.MaxCols)
	}
	if s.rowNum > s.lim.MaxRows+HeaderRows {
		return errTooManyRows(s.lim.MaxRows)
	}
	if s.formula {
		s.formulas = append(s.formulas, c)
	}
	if v == "" {
		return nil
	}
	if s.typ != "s" {
		if err := s.b.addText(len(v)); err != nil {
			return err
		}
	}
	s.scratch[s.col-1] = v
	s.width = max(s.width, s.col)
	return nil
}

// value is the text of a kept cell that is not a shared string.
func (s *sheetReader) value() string {
	switch s.typ {
	case "inlineStr", "str", "e", "d":
		return string(s.text)
	case "b":
		switch string(trimSpace(s.text)) {
		case "1", "true":
			return "TRUE"
		case "0", "false":
			return "FALSE"
		}
		return string(s.text)
	}
	// A number: its text as stored, unless a percent or date format says otherwise.
	raw := string(trimSpace(s.text))
	if s.b.styles != nil && s.style >= 0 {
		return s.b.styles.format(raw, s.style, s.b.date1904)
	}
	return raw
}

func (s *sheetReader) rowDone() {
	if s.width > 0 {
		cells := make([]string, s.width)
		copy(cells, s.scratch[:s.width])
		s.rows = append(s.rows, Row{Num: s.rowNum, Cells: cells})
		clear(s.scratch[:s.width])
	}
	s.width = 0
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
