package web

import (
	"math"
	"net/http"
	"strconv"
	"unicode/utf8"
)

// CellText is how every user-supplied string goes into a spreadsheet cell (reports,
// rosters, credential lists). A value that begins with =, +, -, @, a tab or a carriage
// return is what Excel, LibreOffice and WPS read as the start of a formula once the cell
// is edited, copied or saved as CSV; such a value gets a single apostrophe in front, the
// OWASP convention against CSV/formula injection, so it stays plain text everywhere and
// still reads as what the person typed ("'=1+1", "'-2"). Every other value is returned
// unchanged. The cell must still be written as a string, never as a formula.
func CellText(s string) string {
	if s == "" {
		return s
	}
	if formulaStart(s) {
		return "'" + s
	}
	return s
}

// FromCellText undoes CellText for a cell read back from a workbook zhibu wrote (an
// exported bank re-imported): "'=1+1" is "=1+1" again. Any other value is unchanged.
func FromCellText(s string) string {
	if len(s) > 1 && s[0] == '\'' && formulaStart(s[1:]) {
		return s[1:]
	}
	return s
}

func formulaStart(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// BadTextMessage is the reason given for a field refused by BadText.
const BadTextMessage = "含有无法保存的控制字符或乱码，请删除后重新输入"

// BadText tells whether a text typed by a person cannot be stored or shown faithfully:
// invalid UTF-8 or a character BadRune refuses. Multi-line text (notes, lesson bodies,
// itineraries) may hold line breaks (\n, and the \r browsers send with them) and tabs;
// one-line text may not.
func BadText(value string, multiline bool) bool {
	if !utf8.ValidString(value) {
		return true
	}
	for _, r := range value {
		if BadRune(r, multiline) {
			return true
		}
	}
	return false
}

// BadRune tells whether r has no place in text typed by a person: NUL or any other C0/C1
// control character, or an invisible character that makes text display differently from
// what it is (bidirectional overrides and isolates, the byte order mark, the replacement
// character of broken input). Line breaks and tabs are allowed in multi-line text.
func BadRune(r rune, multiline bool) bool {
	switch {
	case multiline && (r == '\n' || r == '\r' || r == '\t'):
		return false
	case r < 0x20 || (r >= 0x7f && r < 0xa0):
		return true
	case (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0xfeff || r == utf8.RuneError:
		return true
	}
	return false
}

// CheckText refuses, as a 422 naming the field, a value BadText finds bad; it returns nil
// when the value is fine.
func CheckText(field, value string, multiline bool) error {
	if !BadText(value, multiline) {
		return nil
	}
	return &Error{Status: http.StatusUnprocessableEntity, Code: "validation_failed",
		Message: "提交的内容" + BadTextMessage, Fields: map[string]string{field: BadTextMessage}}
}

// FormatNumber writes a figure such as 学时 without needless decimals, rounded to two
// places: 2, 1.5, 0.25 (template func "num").
func FormatNumber(x float64) string {
	return strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64)
}
