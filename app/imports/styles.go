package imports

import (
	"archive/zip"
	"encoding/xml"
	"math"
	"strconv"
	"strings"
	"time"
)

// Bounds of the style table kept: Excel itself allows about 64,000 cell formats.
const (
	maxCellFormats   = 1 << 16
	maxNumberFormats = 4096
)

type numKind uint8

const (
	numGeneral numKind = iota
	numPercent
	numDate
	numTime
	numDateTime
)

type numFormat struct {
	kind     numKind
	decimals int
}

// styles maps a cell's style index to how its number is shown, for Options.Formatted.
type styles struct {
	xfs    []int          // cell format index → number format id
	custom map[int]string // number format id → format code
}

func (b *book) readStyles(f *zip.File) (*styles, error) {
	st := &styles{custom: map[int]string{}}
	err := b.parse(f, partMeta, func(x *xmlStream) error {
		inXfs := false
		return x.each(func(tok xml.Token) error {
			switch t := tok.(type) {
			case xml.StartElement:
				switch {
				case t.Name.Local == "cellXfs" && x.depth() == 2:
					inXfs = true
				case t.Name.Local == "xf" && inXfs && x.parent() == "cellXfs":
					if len(st.xfs) < maxCellFormats {
						id, _ := attr(t, "numFmtId")
						n, _ := strconv.Atoi(id)
						st.xfs = append(st.xfs, n)
					}
				case t.Name.Local == "numFmt" && x.parent() == "numFmts":
					id, _ := attr(t, "numFmtId")
					code, _ := attr(t, "formatCode")
					if n, err := strconv.Atoi(id); err == nil && len(st.custom) < maxNumberFormats {
						st.custom[n] = code
					}
				}
			case xml.EndElement:
				if t.Name.Local == "cellXfs" && x.depth() == 1 {
					inXfs = false
				}
			}
			return nil
		})
	})
	return st, err
}

// format renders a stored number the way its style shows it, for percent and date/time
// formats; any other number stays as stored.
func (st *styles) format(raw string, style int, date1904 bool) string {
	if style >= len(st.xfs) {
		return raw
	}
	id := st.xfs[style]
	var nf numFormat
	if code, ok := st.custom[id]; ok {
		nf = classifyCode(code)
	} else {
		nf = builtinFormat(id)
	}
	if nf.kind == numGeneral {
		return raw
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return raw
	}
	if nf.kind == numPercent {
		return strconv.FormatFloat(v*100, 'f', nf.decimals, 64) + "%"
	}
	t, ok := serialTime(v, date1904)
	if !ok {
		return raw
	}
	switch nf.kind {
	case numDate:
		return t.Format("2006-01-02")
	case numTime:
		return t.Format("15:04:05")
	}
	return t.Format("2006-01-02 15:04:05")
}

// builtinFormat classifies Excel's built-in number formats (ids below 164), the
// Chinese-locale date and time ones included.
func builtinFormat(id int) numFormat {
	switch id {
	case 9:
		return numFormat{kind: numPercent}
	case 10:
		return numFormat{kind: numPercent, decimals: 2}
	case 14, 15, 16, 17, 27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 57, 58:
		return numFormat{kind: numDate}
	case 18, 19, 20, 21, 32, 33, 34, 35, 45, 46, 47, 55, 56:
		return numFormat{kind: numTime}
	case 22:
		return numFormat{kind: numDateTime}
	}
	return numFormat{}
}

// classifyCode tells percent and date/time format codes from the others, looking at the
// first section with quoted text, escapes and [colour]/[condition] parts left out.
func classifyCode(code string) numFormat {
	var b strings.Builder
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch c {
		case ';':
			i = len(code)
		case '"':
			for i++; i < len(code) && code[i] != '"'; i++ {
			}
		case '\\', '_', '*':
			i++
		case '[':
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				i = len(code)
				break
			}
			// Elapsed time [h] [mm] [ss] is time; colours and conditions are not.
			if inner := strings.ToLower(code[i+1 : i+j]); strings.Trim(inner, "hms") == "" {
				b.WriteString(inner)
			}
			i += j
		default:
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
		}
	}
	s := b.String()
	if k := strings.IndexByte(s, '%'); k >= 0 {
		dec := 0
		if dot := strings.IndexByte(s[:k], '.'); dot >= 0 {
			dec = strings.Count(s[dot:k], "0") + strings.Count(s[dot:k], "#")
		}
		return numFormat{kind: numPercent, decimals: dec}
	}
	date := strings.ContainsAny(s, "yd") || strings.Contains(s, "m") && !strings.ContainsAny(s, "hs")
	clock := strings.ContainsAny(s, "hs")
	switch {
	case s == "general" || strings.HasPrefix(s, "general"):
		return numFormat{}
	case date && clock:
		return numFormat{kind: numDateTime}
	case date:
		return numFormat{kind: numDate}
	case clock:
		return numFormat{kind: numTime}
	}
	return numFormat{}
}

// serialTime converts an Excel serial date. In the 1900 system serial 1 is 1900-01-01
// and 60 is Excel's non-existent 1900-02-29.
func serialTime(v float64, date1904 bool) (time.Time, bool) {
	if v < 0 || v > 2958465 { // 9999-12-31
		return time.Time{}, false
	}
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	switch {
	case date1904:
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	case v < 61:
		base = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	}
	days := math.Floor(v)
	secs := math.Round((v - days) * 86400)
	return base.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second), true
}
