package imports

import "fmt"

// Error is why an upload was refused. Message is for the user (Chinese) and names the
// row or cell when there is one; Code is stable for programs; Err is the cause, for logs.
type Error struct {
	Code    string
	Row     int // Excel row number the problem is in; 0 when it is about the whole file
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return "xlsx " + e.Code + ": " + e.Err.Error()
	}
	return "xlsx " + e.Code
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches errors of the same code, so errors.Is(err, imports.ErrTooManyRows) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Errors by code, for errors.Is. The file itself:
var (
	ErrNotXLSX       = &Error{Code: "not_xlsx"}       // not a zip at all
	ErrOldFormat     = &Error{Code: "old_format"}     // .xls or an encrypted workbook (OLE container)
	ErrUnreadable    = &Error{Code: "unreadable"}     // a zip, but not a workbook we can open
	ErrMalformed     = &Error{Code: "malformed"}      // broken XML or impossible cell positions
	ErrFileTooLarge  = &Error{Code: "file_too_large"} // the upload is over MaxFileBytes
	ErrZipBomb       = &Error{Code: "zip_bomb"}       // unpacks to more than the limits
	ErrSharedStrings = &Error{Code: "shared_strings_too_large"}
	ErrTooManySheets = &Error{Code: "too_many_sheets"}
	ErrTooDeep       = &Error{Code: "too_deep"} // XML nested deeper than MaxDepth
	ErrNoSheet       = &Error{Code: "no_sheet"}
	ErrDimension     = &Error{Code: "bad_dimension"} // declared range outside Excel's grid
)

// Errors by code about the content of the sheet (a user can fix them by editing it):
var (
	ErrTooManyRows = &Error{Code: "too_many_rows"}
	ErrTooWide     = &Error{Code: "too_wide"}      // content beyond MaxCols
	ErrCellTooLong = &Error{Code: "cell_too_long"} // one cell over Excel's 32,767 characters
	ErrTooMuchText = &Error{Code: "too_much_text"} // all kept text over MaxTextBytes
)

// Content reports whether the error is about what the sheet holds (too many rows, too
// wide, too much text) rather than about the file being unreadable or hostile.
func (e *Error) Content() bool {
	switch e.Code {
	case ErrTooManyRows.Code, ErrTooWide.Code, ErrCellTooLong.Code, ErrTooMuchText.Code:
		return true
	}
	return false
}

const (
	msgNotXLSX    = "文件不是 Excel（.xlsx）表格，请使用下载的模板填写"
	msgOldFormat  = "这是旧版 Excel（.xls）或加密文件，请在 Excel 中“另存为 .xlsx”后再上传"
	msgUnreadable = "无法读取该 Excel 文件，请确认是 .xlsx 格式且未加密"
	msgMalformed  = "无法读取该 Excel 文件：文件内容已损坏，请在 Excel 中打开后“另存为 .xlsx”再上传"
	msgZipBomb    = "文件解压后过大（可能是压缩炸弹），请检查文件"
	msgNoSheet    = "工作簿中没有工作表"
	msgTooDeep    = "无法读取该 Excel 文件：文件结构嵌套过深，请在 Excel 中打开后“另存为 .xlsx”再上传"
)

func fail(kind *Error, row int, cause error, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Code: kind.Code, Row: row, Message: msg, Err: cause}
}

func errTooManyRows(max int) *Error {
	return fail(ErrTooManyRows, 0, nil, "行数过多：一次最多导入 %d 行，请拆分文件", max)
}

func errTooWide(c Cell, maxCols int) *Error {
	return fail(ErrTooWide, c.Row, nil, "第 %d 行的 %s 单元格有内容，超出了可读取的范围（最多 %d 列，即 A 到 %s 列），请删除多余的列后再上传",
		c.Row, c, maxCols, ColumnName(maxCols))
}
