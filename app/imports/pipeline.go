// Package imports is the one way a feature takes a spreadsheet upload (docs/imports.md).
//
// A feature writes a Spec: its columns (names, header aliases, which are required), a
// row parser, checks (pure ones over the whole file, and ones against the database) and
// a saver. The pipeline does the rest, the same for every import:
//
//   - reading, bounded by the streaming xlsx reader (xlsx.go) with one set of limits:
//     MaxFileBytes per upload and MaxRows data rows per file;
//   - the header (the first row with content; aliases, “*” and “（必填）” tolerated);
//   - formulas and merged cells in the columns read, refused as row errors;
//   - one RowError type, sorted by row and then by the spec's column order;
//   - preview → stash (stash.go) → confirm, and the API's dry run and import;
//   - one answer for every import: a file that is not a readable .xlsx is 422 not_xlsx,
//     a preview lists its row errors with 200, an import with any row error is 422
//     import_invalid and saves nothing; both carry {"rows","imported","errors"}.
package imports

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

// The limits of every import: a county's roster is a few thousand rows and a question
// bank a few thousand questions, so 20,000 rows leaves room; 20 MB holds far more than
// 20,000 rows of text (a 20,000-row roster is about 1 MB).
const (
	MaxFileBytes = 20 << 20
	MaxRows      = 20000
)

// RowError is one problem of an import file: Row is the row number as Excel shows it (0
// for the whole file), Column the template's column name when the problem is in one.
type RowError struct {
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

// Column is one column of a template.
type Column struct {
	Name     string
	Aliases  []string // other header spellings that mean this column
	Required bool
}

// Record is one data row handed to a Spec's Parse.
type Record struct {
	Num   int // row number as Excel shows it
	cells []string
	col   map[string]int
}

// Get is the cell of the named column (Column.Name) with surrounding spaces (also
// full-width ones) trimmed and the apostrophe zhibu's own exports put before a
// formula-like text removed (web.FromCellText); "" when the file has no such column.
func (r Record) Get(name string) string {
	i, ok := r.col[name]
	if !ok || i >= len(r.cells) {
		return ""
	}
	v := strings.TrimFunc(r.cells[i], unicode.IsSpace)
	return strings.TrimFunc(web.FromCellText(v), unicode.IsSpace)
}

// Item is a parsed, valid data row.
type Item[T any] struct {
	Num   int  // row number as Excel shows it
	Value T    // what Parse made of it
	Exist bool // set by CheckDB: the row updates a stored record (else it creates one)
}

// Spec is what a feature supplies. Parse is required; the checks are optional; Save is
// required for Import.
type Spec[T any] struct {
	Kind    string // the stash kind, e.g. "roster"
	Noun    string // what a row holds, in messages, e.g. "人员"
	Columns []Column
	DB      *sqlx.DB // where previews are stashed

	// Parse turns one data row into a value. Errors name their column; Row may stay 0
	// (the record's row is filled in). A row with any error is left out of Rows.
	Parse func(r Record) (T, []RowError)
	// Check finds problems across the valid rows (duplicates within the file, rows the
	// caller may not import). No database.
	Check func(rows []Item[T]) []RowError
	// CheckDB finds problems against stored data and marks the rows that update a stored
	// record (Item.Exist). It runs at preview and again at import, before Save.
	CheckDB func(ctx context.Context, rows []Item[T]) ([]RowError, error)
	// Save writes the rows in one transaction. What CheckDB decided may have changed since
	// (another import, an edit): Save re-checks under its lock, and returns the problems
	// as row errors with nothing saved.
	Save func(ctx context.Context, rows []Item[T]) (any, []RowError, error)
}

// Result is a file checked and, after Import, saved.
type Result[T any] struct {
	Total  int        // data rows read (valid or not)
	Rows   []Item[T]  // the rows without any error
	Errors []RowError // never nil
	Create int        // valid rows that create a record
	Update int        // valid rows that update a stored record
	Saved  any        // what Save returned; nil unless the import was saved
}

// NotXLSX answers every upload that is not a readable .xlsx (junk, .xls, encrypted,
// broken, hostile), in the API and on pages alike.
var NotXLSX = web.Err(fiber.StatusUnprocessableEntity, "not_xlsx",
	"无法读取该文件：请上传 Excel 2007 及以上格式（.xlsx）的文件，建议下载模板填写后上传")

// Preview reads and checks a file without saving anything. A file that cannot be read
// is an error (*web.Error not_xlsx, with the reader's reason as its message); every
// problem of a readable file is a row error of the result.
func (s *Spec[T]) Preview(ctx context.Context, data []byte) (*Result[T], error) {
	sheet, err := Read(bytes.NewReader(data), int64(len(data)), Options{
		Limits: NewLimits(len(s.Columns), MaxRows), SkipInstructions: true, Formatted: true})
	var ie *Error
	if errors.As(err, &ie) && ie.Content() {
		return &Result[T]{Errors: []RowError{{Row: ie.Row, Message: ie.Message}}}, nil
	}
	if err != nil {
		we := *NotXLSX
		if errors.As(err, &ie) && ie.Message != "" {
			we.Message = ie.Message
		}
		return nil, &we
	}
	return s.PreviewSheet(ctx, sheet)
}

// PreviewSheet is Preview of a sheet already read.
func (s *Spec[T]) PreviewSheet(ctx context.Context, sheet *Sheet) (*Result[T], error) {
	res := s.parse(sheet)
	if len(res.Rows) > 0 && s.Check != nil {
		res.drop(s.Check(res.Rows))
	}
	if len(res.Rows) > 0 && s.CheckDB != nil {
		errs, err := s.CheckDB(ctx, res.Rows)
		if err != nil {
			return nil, err
		}
		res.drop(errs)
	}
	s.finish(res)
	return res, nil
}

// drop adds errors and leaves their rows out of Rows: Rows holds the rows without any.
func (res *Result[T]) drop(errs []RowError) {
	if len(errs) == 0 {
		return
	}
	res.Errors = append(res.Errors, errs...)
	bad := map[int]bool{}
	for _, e := range errs {
		bad[e.Row] = true
	}
	res.Rows = slices.DeleteFunc(res.Rows, func(r Item[T]) bool { return bad[r.Num] })
}

// Import checks a file and, when there is no problem at all, saves it.
func (s *Spec[T]) Import(ctx context.Context, data []byte) (*Result[T], error) {
	res, err := s.Preview(ctx, data)
	if err != nil || len(res.Errors) > 0 {
		return res, err
	}
	saved, errs, err := s.Save(ctx, res.Rows)
	if err != nil {
		return nil, err
	}
	res.Errors = errs
	if len(errs) == 0 {
		res.Saved = saved
	}
	s.finish(res)
	return res, nil
}

// finish sorts the errors and counts the rows that create or update.
func (s *Spec[T]) finish(res *Result[T]) {
	if res.Errors == nil {
		res.Errors = []RowError{}
	}
	order := map[string]int{}
	for i, c := range s.Columns {
		order[c.Name] = i + 1
	}
	rank := func(col string) int {
		if n, ok := order[col]; ok || col == "" {
			return n
		}
		return len(s.Columns) + 1
	}
	slices.SortStableFunc(res.Errors, func(a, b RowError) int {
		return cmp.Or(cmp.Compare(a.Row, b.Row), cmp.Compare(rank(a.Column), rank(b.Column)))
	})
	res.Create, res.Update = 0, 0
	for _, r := range res.Rows {
		if r.Exist {
			res.Update++
		} else {
			res.Create++
		}
	}
}

// parse finds the header, refuses formulas and merged cells in the columns read, and
// parses every data row.
func (s *Spec[T]) parse(sheet *Sheet) *Result[T] {
	res := &Result[T]{}
	fileErr := func(row int, msg string) *Result[T] {
		res.Errors = []RowError{{Row: row, Message: msg}}
		return res
	}
	rows := sheet.Rows
	for len(rows) > 0 && blank(rows[0].Cells) {
		rows = rows[1:]
	}
	if len(rows) == 0 {
		return fileErr(0, "表格是空的：第一个工作表中没有表头和数据，请使用模板填写")
	}
	header := rows[0]
	rows = rows[1:]
	col, byIndex := map[string]int{}, map[int]string{}
	for i, cell := range header.Cells {
		name := s.column(cell)
		if name == "" {
			continue
		}
		if _, dup := col[name]; dup {
			res.Errors = append(res.Errors, RowError{Row: header.Num, Column: name, Message: fmt.Sprintf("表头中“%s”列出现了不止一次", name)})
			continue
		}
		col[name], byIndex[i+1] = i, name
	}
	for _, c := range s.Columns {
		if _, ok := col[c.Name]; c.Required && !ok {
			res.Errors = append(res.Errors, RowError{Row: header.Num, Column: c.Name, Message: fmt.Sprintf("缺少必填列“%s”，请使用模板的表头", c.Name)})
		}
	}
	if len(res.Errors) > 0 {
		return res
	}
	data := 0
	for _, r := range rows {
		if !blank(r.Cells) {
			data++
		}
	}
	switch {
	case data == 0:
		return fileErr(header.Num+1, fmt.Sprintf("表格中没有%s数据，请在表头下方逐行填写", s.Noun))
	case data > MaxRows:
		return fileErr(0, errTooManyRows(MaxRows).Message)
	}
	// A merged range shows its value in its first cell only; a formula's value is whatever
	// Excel last computed, if anything. Both are refused where the import reads.
	for _, m := range sheet.Merged {
		if m.To.Row <= header.Num {
			continue
		}
		for c := m.From.Col; c <= m.To.Col; c++ {
			if name, ok := byIndex[c]; ok {
				res.Errors = append(res.Errors, RowError{Row: max(m.From.Row, header.Num+1), Column: name,
					Message: fmt.Sprintf("存在合并单元格（%s），请取消合并后每格单独填写", m)})
				break
			}
		}
	}
	for _, f := range sheet.Formulas {
		if name, ok := byIndex[f.Col]; ok && f.Row > header.Num {
			res.Errors = append(res.Errors, RowError{Row: f.Row, Column: name,
				Message: fmt.Sprintf("%s 单元格是公式，不支持公式，请复制后“选择性粘贴为数值”再上传", f)})
		}
	}
	for _, r := range rows {
		if blank(r.Cells) {
			continue
		}
		res.Total++
		v, errs := s.Parse(Record{Num: r.Num, cells: r.Cells, col: col})
		for i := range errs {
			if errs[i].Row == 0 {
				errs[i].Row = r.Num
			}
		}
		if len(errs) > 0 {
			res.Errors = append(res.Errors, errs...)
			continue
		}
		res.Rows = append(res.Rows, Item[T]{Num: r.Num, Value: v})
	}
	return res
}

// column is the spec's name of a header cell, "" when the import does not read it.
func (s *Spec[T]) column(cell string) string {
	h := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '*' || r == '＊' {
			return -1
		}
		return r
	}, cell)
	for _, suffix := range []string{"（必填）", "(必填)", "（选填）", "(选填)"} {
		h = strings.TrimSuffix(h, suffix)
	}
	for _, c := range s.Columns {
		if h == c.Name || slices.Contains(c.Aliases, h) {
			return c.Name
		}
	}
	return ""
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimFunc(c, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) != "" {
			return false
		}
	}
	return true
}
