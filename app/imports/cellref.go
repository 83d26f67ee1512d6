package imports

import "strconv"

// Excel's grid.
const (
	GridRows = 1048576
	GridCols = 16384 // XFD
)

// Cell is a position in a sheet, 1-based as Excel numbers rows and columns.
type Cell struct{ Row, Col int }

// String is the cell's name, e.g. "G2".
func (c Cell) String() string { return ColumnName(c.Col) + strconv.Itoa(c.Row) }

// Range is a rectangle of cells, e.g. a merged range.
type Range struct{ From, To Cell }

// String is the range as Excel writes it, e.g. "B2:B3".
func (r Range) String() string { return r.From.String() + ":" + r.To.String() }

// ColumnName is the letters of a 1-based column: 1 → "A", 27 → "AA", 16384 → "XFD".
func ColumnName(col int) string {
	if col < 1 {
		return "?"
	}
	var b [8]byte
	i := len(b)
	for col > 0 && i > 0 {
		col--
		i--
		b[i] = byte('A' + col%26)
		col /= 26
	}
	return string(b[i:])
}

// parseCellRef reads "B7" (letters case-insensitive, no "$"). It answers ok=false for
// anything else, and for positions outside Excel's grid.
func parseCellRef(s string) (c Cell, ok bool) {
	i := 0
	for i < len(s) {
		ch := s[i] | 0x20 // lower case for letters
		if ch < 'a' || ch > 'z' {
			break
		}
		c.Col = c.Col*26 + int(ch-'a'+1)
		if c.Col > GridCols {
			return Cell{}, false
		}
		i++
	}
	if i == 0 || i == len(s) || len(s)-i > 7 {
		return Cell{}, false
	}
	for _, ch := range []byte(s[i:]) {
		if ch < '0' || ch > '9' {
			return Cell{}, false
		}
		c.Row = c.Row*10 + int(ch-'0')
	}
	if c.Row < 1 || c.Row > GridRows {
		return Cell{}, false
	}
	return c, true
}

// parseColumnOnly reads the column of a cell reference such as "B7": a cell inside a row
// is placed by its column, the row being the enclosing one.
func parseColumnOnly(s string) (col int, ok bool) {
	c, ok := parseCellRef(s)
	return c.Col, ok
}

// parseRange reads "A1:F20" or a single cell "A1".
func parseRange(s string) (Range, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			from, ok1 := parseCellRef(s[:i])
			to, ok2 := parseCellRef(s[i+1:])
			return Range{from, to}, ok1 && ok2
		}
	}
	c, ok := parseCellRef(s)
	return Range{c, c}, ok
}
