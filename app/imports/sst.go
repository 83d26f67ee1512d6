package imports

import (
	"archive/zip"
	"encoding/xml"
	"io"
	"strings"
)

// sharedStrings is the workbook's shared strings table: all its text in one string and
// where each entry ends, so a cell's value is a substring and costs no allocation.
type sharedStrings struct {
	text string
	end  []uint32
}

// get returns entry i; an entry the table does not have reads as empty, as in Excel's
// other readers.
func (s *sharedStrings) get(i int) string {
	if s == nil || i < 0 || i >= len(s.end) {
		return ""
	}
	start := uint32(0)
	if i > 0 {
		start = s.end[i-1]
	}
	return s.text[start:s.end[i]]
}

func (b *book) readSharedStrings(f *zip.File) (*sharedStrings, error) {
	st := &sharedStrings{}
	err := b.parse(f, partStrings, func(x *xmlStream) error {
		var text strings.Builder
		// The part's declared size bounds the text when it is honest; reading grows the
		// buffer further if it lied, up to the part limit.
		text.Grow(int(min(f.UncompressedSize64, uint64(b.opt.MaxSharedStringsBytes))))
		inRun, inT := false, false
		entry := 0 // bytes of the entry being read
		for {
			tok, err := x.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			switch t := tok.(type) {
			case xml.StartElement:
				switch {
				case t.Name.Local == "si" && x.depth() == 2:
					if len(st.end) == b.opt.MaxSharedStrings {
						return fail(ErrSharedStrings, 0, nil, "文件中的文字条目过多（超过 %d 条），请只保留要导入的内容后再上传", b.opt.MaxSharedStrings)
					}
					entry = 0
				case t.Name.Local == "r" && x.parent() == "si":
					inRun = true
				case t.Name.Local == "t":
					// <si><t> or the runs <si><r><t>; not the phonetic guide <rPh>.
					inT = x.depth() == 3 && x.parent() == "si" || inRun && x.parent() == "r"
				}
			case xml.EndElement:
				switch {
				case t.Name.Local == "t":
					inT = false
				case t.Name.Local == "r":
					inRun = false
				case t.Name.Local == "si" && x.depth() == 1:
					st.end = append(st.end, uint32(text.Len()))
				}
			case xml.CharData:
				if inT {
					if entry += len(t); entry > MaxCellBytes {
						return fail(ErrCellTooLong, 0, nil, "文件中有单元格的内容过长：一个单元格最多 32767 个字符")
					}
					text.Write(t)
				}
			}
		}
		if err := b.addText(text.Len()); err != nil {
			return err
		}
		st.text = text.String()
		return nil
	})
	return st, err
}
