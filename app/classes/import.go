package classes

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"zhibu/app/imports"
	"zhibu/app/web"
	"zhibu/app/workbook"
)

// Participant list import: the first sheet of an xlsx 名单 with the header 姓名 (required),
// 手机号 and 乡镇 in any order, read by the import pipeline (app/imports/pipeline.go). A row
// names one active secretary the way the pasted list does (listed, store_roll.go): by the
// phone number when the row has one (the name must then agree), else by the name (and the
// 乡镇, when two secretaries share it). This file holds the pure parts: the columns, the
// row parser and the checks across rows; store_import.go the checks against the database
// and the saver; pages_import.go the handlers.

// Columns of the 名单 as written in the template header.
const (
	listColName     = "姓名"
	listColPhone    = "手机号"
	listColTownship = "乡镇"
	listColNote     = "备注" // the template's own; not read
)

// listColumns is the template's columns, in its order, with the header spellings people
// use for them.
var listColumns = []imports.Column{
	{Name: listColName, Required: true, Aliases: []string{"书记姓名", "学员姓名"}},
	{Name: listColPhone, Aliases: []string{"手机号码", "手机", "联系电话", "电话"}},
	{Name: listColTownship, Aliases: []string{"乡镇街道", "乡镇（街道）", "乡镇(街道)", "所属乡镇", "乡镇名称"}},
}

// listKind is the stash kind of a class's list: a preview of one class cannot be
// confirmed into another.
func listKind(classID int64) string { return fmt.Sprintf("class_participants_%d", classID) }

// ListRow is one row of a 名单; UserID and the matched person are filled by the checks
// against the database.
type ListRow struct {
	Name     string `json:"name"`
	Phone    string `json:"phone"`    // normalized; "" when the row has none
	Township string `json:"township"` // as written; "" when none
	// Example is the template's example row (imports.IsExample): parsed without checks,
	// left out of every check and of the import, and named on the preview as skipped.
	Example bool `json:"-"`

	UserID      int64  `json:"user_id"`
	MatchedName string `json:"matched_name"`
	MatchedTown string `json:"matched_township"`
}

// Length limits of a row's cells, in characters.
const (
	maxListName     = 50
	maxListTownship = 50
)

// parseListRow reads one data row.
func parseListRow(r imports.Record) (ListRow, []imports.RowError) {
	var errs []imports.RowError
	bad := func(col, msg string) { errs = append(errs, imports.RowError{Column: col, Message: msg}) }
	row := ListRow{Name: r.Get(listColName)}
	if imports.IsExample(row.Name) {
		row.Example = true
		return row, nil
	}
	switch {
	case row.Name == "":
		bad(listColName, "姓名不能为空")
	case utf8.RuneCountInString(row.Name) > maxListName:
		bad(listColName, fmt.Sprintf("姓名过长，请不要超过 %d 个字", maxListName))
	case web.BadText(row.Name, false):
		bad(listColName, "姓名中有无法识别的字符")
	}
	if raw := r.Get(listColPhone); raw != "" {
		if row.Phone = listPhone(raw); row.Phone == "" {
			bad(listColPhone, fmt.Sprintf("手机号“%s”不正确，应为 1 开头的 11 位数字", clipCell(raw, 20)))
		}
	}
	row.Township = r.Get(listColTownship)
	switch {
	case utf8.RuneCountInString(row.Township) > maxListTownship:
		bad(listColTownship, fmt.Sprintf("乡镇名称过长，请不要超过 %d 个字", maxListTownship))
	case web.BadText(row.Township, false):
		bad(listColTownship, "乡镇名称中有无法识别的字符")
	}
	return row, errs
}

// listPhone is the 11-digit mobile number a cell holds (full-width digits, spaces and
// dashes tolerated), or "" when it holds none.
func listPhone(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case unicode.IsSpace(r), r == '-', r == '－':
		default:
			return ""
		}
	}
	p := b.String()
	if len(p) != 11 || p[0] != '1' {
		return ""
	}
	return p
}

// listWithin finds the problems across the valid rows of one file: a phone number on two
// rows; a file whose only row is the template's example.
func listWithin(rows []imports.Item[ListRow]) []imports.RowError {
	var errs []imports.RowError
	real := 0
	phoneRow := map[string]int{}
	for _, r := range rows {
		if r.Value.Example {
			continue
		}
		real++
		if r.Value.Phone == "" {
			continue
		}
		if first, dup := phoneRow[r.Value.Phone]; dup {
			errs = append(errs, imports.RowError{Row: r.Num, Column: listColPhone,
				Message: fmt.Sprintf("手机号 %s 与第 %d 行重复，每人只填一行", r.Value.Phone, first)})
		} else {
			phoneRow[r.Value.Phone] = r.Num
		}
	}
	if real == 0 && len(rows) > 0 {
		errs = append(errs, imports.RowError{Row: rows[0].Num, Column: listColName,
			Message: "这是模板的示例行，导入时会跳过；表格中没有其他人员，请在示例行下方逐行填写"})
	}
	return errs
}

// skipListExamples takes the example rows out of a checked file's result (its rows,
// total and counts) and returns their row numbers, for 「已跳过示例行」.
func skipListExamples(res *imports.Result[ListRow]) []int {
	var nums []int
	for _, r := range res.Rows {
		if r.Value.Example {
			nums = append(nums, r.Num)
		}
	}
	if len(nums) == 0 {
		return nil
	}
	res.Rows = slices.DeleteFunc(res.Rows, func(r imports.Item[ListRow]) bool { return r.Value.Example })
	res.Total -= len(nums)
	res.Create, res.Update = 0, 0
	for _, r := range res.Rows {
		if r.Exist {
			res.Update++
		} else {
			res.Create++
		}
	}
	return nums
}

// clipCell shortens a value quoted back in a message.
func clipCell(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// listExample is the template's example row: grey, its name marked 「示例：」 so the import
// skips it (imports.IsExample) even when the user leaves it in.
var listExample = []string{imports.ExampleMark + "张三", "13800138000", "城关镇", "示例行，导入时自动跳过"}

// listTemplate builds the 名单 template: the header with one grey example row, and a
// sheet 填写说明 with the rules.
func listTemplate() ([]byte, error) {
	b, err := workbook.New()
	if err != nil {
		return nil, err
	}
	defer b.Close()
	grey := excelize.Style{Font: &excelize.Font{Family: "宋体", Size: 11, Color: "8C8C8C", Italic: true},
		Border: []excelize.Border{{Type: "left", Color: "A6A6A6", Style: 1}, {Type: "right", Color: "A6A6A6", Style: 1},
			{Type: "top", Color: "A6A6A6", Style: 1}, {Type: "bottom", Color: "A6A6A6", Style: 1}}, NumFmt: 49}
	example, err := b.F.NewStyle(&grey)
	if err != nil {
		return nil, err
	}
	text := b.Styles.Text
	// Phone numbers as text, so Excel neither rounds them nor shows 1.38E+10.
	err = b.Stream(workbook.Table{Sheet: "名单", Headers: []string{listColName, listColPhone, listColTownship, listColNote},
		Widths: []float64{14, 16, 14, 26}, ColStyles: []int{text, b.Styles.TextCell, text, text}}, 1, func(int) []any {
		row := make([]any, len(listExample))
		for i, v := range listExample {
			row[i] = excelize.Cell{StyleID: example, Value: v}
		}
		return row
	})
	if err != nil {
		return nil, err
	}
	lines := [][]any{
		{"姓名", "必填", "支部书记的姓名，须与系统中登记的一致"},
		{"手机号", "建议填写", "1 开头的 11 位手机号；填了手机号就按手机号找人，姓名须与此人一致；不填则按姓名找人"},
		{"乡镇", "选填", "填写时须与此人所在乡镇一致；有同名的人时，用乡镇区分"},
		{"备注", "选填", "不导入，可写给自己看的说明"},
		{},
		{"规则", "", "第一行为表头，列的顺序可以调整，多余的列会被忽略"},
		{"", "", "第 2 行灰色的是示例行（姓名以“示例：”开头），导入时自动跳过，可以删除也可以保留；请从第 3 行起填写"},
		{"", "", "只能添加已有账号、未停用的支部书记；乡镇组织委员只能添加本乡镇的人员"},
		{"", "", "已经是学员的人不会重复添加"},
		{"", "", "文件中只要有一处错误，整个名单都不会导入；请按预览中的提示改正后重新上传"},
		{"", "", "单元格中不能有公式或合并单元格（公式请“选择性粘贴为数值”）"},
		{"", "", fmt.Sprintf("一次最多导入 %d 行，文件不超过 %d MB", imports.MaxRows, imports.MaxFileBytes>>20)},
	}
	err = b.Stream(workbook.Table{Sheet: "填写说明", Headers: []string{"列名", "是否必填", "说明"}, Widths: []float64{12, 10, 80},
		ColStyles: []int{b.Styles.Wrap, b.Styles.Wrap, b.Styles.Wrap}}, len(lines), func(i int) []any { return lines[i] })
	if err != nil {
		return nil, err
	}
	return b.Bytes()
}
