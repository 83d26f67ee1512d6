package accounts

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"zhibu/app/imports"
)

// Roster import: the first sheet of an xlsx with the header row
// 乡镇 支部名称 支部类型 姓名 手机号 职务 in any order, read by the import pipeline
// (app/imports/pipeline.go). This file holds the pure parts of its spec: the columns, the
// row parser and the checks across rows; roster_store.go the checks against the database
// and the saver; roster_handlers.go puts them together.

// Roster columns as written in the template header.
const (
	colTownship = "乡镇"
	colBranch   = "支部名称"
	colKind     = "支部类型"
	colName     = "姓名"
	colPhone    = "手机号"
	colTitle    = "职务"
)

// rosterColumns is the template's columns, in its order, with the header spellings
// people use for them; all but 职务 are required.
var rosterColumns = []imports.Column{
	{Name: colTownship, Required: true, Aliases: []string{"乡镇街道", "乡镇（街道）", "乡镇(街道)", "所属乡镇"}},
	{Name: colBranch, Required: true, Aliases: []string{"支部", "党支部名称", "党组织名称"}},
	{Name: colKind, Required: true, Aliases: []string{"类型", "党支部类型", "党组织类型"}},
	{Name: colName, Required: true, Aliases: []string{"书记姓名"}},
	{Name: colPhone, Required: true, Aliases: []string{"手机号码", "手机", "联系电话"}},
	{Name: colTitle},
}

// Field length limits, in characters.
const (
	maxNameLen   = 50
	maxBranchLen = 100
	maxTitleLen  = 50
)

// RosterRow is one valid row of a roster file.
type RosterRow struct {
	Row        int    `json:"row"` // row number as Excel shows it
	Township   string `json:"township"`
	TownshipID int64  `json:"township_id"`
	Branch     string `json:"branch"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	Title      string `json:"title"`
	// Example is the template's example row (isExampleRow): parsed without checks, left
	// out of every check and of the import, and named on the preview as skipped.
	Example bool `json:"-"`
}

// RowError is the pipeline's row error (imports.RowError).
type RowError = imports.RowError

// kindAliases maps what people write in 支部类型 to the stored kinds.
var kindAliases = map[string]string{
	"农村": "农村", "村": "农村", "行政村": "农村", "村级": "农村", "农村党支部": "农村", "村党支部": "农村",
	"社区": "社区", "社区党支部": "社区", "居委会": "社区", "城市社区": "社区",
	"机关": "机关", "机关党支部": "机关", "党政机关": "机关",
	"企业": "企业", "企业党支部": "企业", "非公企业": "企业", "国有企业": "企业", "国企": "企业", "民营企业": "企业", "公司": "企业",
	"学校": "学校", "学校党支部": "学校", "中小学": "学校",
	// Schools are public institutions (事业单位); the combined label means the latter.
	"事业单位": "事业单位", "事业单位党支部": "事业单位", "学校/事业单位": "事业单位", "学校、事业单位": "事业单位", "医院": "事业单位",
	"联合": "联合", "联合党支部": "联合",
	"产业": "产业", "产业党组织": "产业", "产业党支部": "产业", "合作社": "产业", "专业合作社": "产业",
	"其他": "其他", "其它": "其他",
}

// normalizeKind returns the stored kind for a 支部类型 cell, or "" when unknown.
func normalizeKind(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return -1
		case r == '／':
			return '/'
		}
		return r
	}, s)
	if k, ok := kindAliases[s]; ok {
		return k
	}
	for _, suffix := range []string{"党支部", "党组织", "党委", "支部"} {
		if k, ok := kindAliases[strings.TrimSuffix(s, suffix)]; ok && strings.HasSuffix(s, suffix) {
			return k
		}
	}
	return ""
}

// normalizePhone accepts full-width digits, spaces, dashes and a +86 prefix and returns the
// 11-digit mobile number, or "" when it is not one.
func normalizePhone(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case unicode.IsSpace(r), r == '-', r == '－', r == '—', r == '–', r == '(', r == ')', r == '（', r == '）':
		case r == '+' || r == '＋':
			b.WriteRune('+')
		default:
			return ""
		}
	}
	p := b.String()
	if strings.HasPrefix(p, "+86") {
		p = p[3:]
	} else if strings.HasPrefix(p, "0086") {
		p = p[4:]
	}
	if len(p) != 11 || p[0] != '1' || strings.ContainsRune(p, '+') {
		return ""
	}
	return p
}

// cleanCell trims spaces (also full-width ones) and drops control characters.
func cleanCell(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
	return strings.TrimFunc(s, unicode.IsSpace)
}

// parseRosterRow reads one data row against the county's townships (name → id).
func parseRosterRow(r imports.Record, townships map[string]int64) (RosterRow, []RowError) {
	var errs []RowError
	bad := func(column, msg string) { errs = append(errs, RowError{Column: column, Message: msg}) }
	cell := func(name string) string { return cleanCell(r.Get(name)) }
	row := RosterRow{Row: r.Num}
	if name := cell(colName); isExampleRow(name) {
		row.Name, row.Example = name, true
		return row, nil
	}

	row.Township = cell(colTownship)
	if row.Township == "" {
		bad(colTownship, "乡镇不能为空")
	} else if id, found := townships[row.Township]; found {
		row.TownshipID = id
	} else {
		bad(colTownship, fmt.Sprintf("系统中没有乡镇“%s”，请核对名称或先在组织管理中添加", clip(row.Township, 30)))
	}

	// required reads a cell that must hold 1 to max characters.
	required := func(col string, max int) string {
		v := cell(col)
		switch {
		case v == "":
			bad(col, col+"不能为空")
		case utf8.RuneCountInString(v) > max:
			bad(col, fmt.Sprintf("%s过长，请不要超过 %d 个字", col, max))
		}
		return v
	}
	row.Branch = required(colBranch, maxBranchLen)

	rawKind := cell(colKind)
	row.Kind = normalizeKind(rawKind)
	if rawKind == "" {
		bad(colKind, "支部类型不能为空，可填："+strings.Join(BranchKinds, "、"))
	} else if row.Kind == "" {
		bad(colKind, fmt.Sprintf("支部类型“%s”无法识别，可填：%s", clip(rawKind, 20), strings.Join(BranchKinds, "、")))
	}

	row.Name = required(colName, maxNameLen)

	rawPhone := cell(colPhone)
	row.Phone = normalizePhone(rawPhone)
	switch {
	case rawPhone == "":
		bad(colPhone, "手机号不能为空")
	case row.Phone == "":
		bad(colPhone, fmt.Sprintf("手机号“%s”不正确，应为 1 开头的 11 位数字", clip(rawPhone, 20)))
	}

	row.Title = cell(colTitle)
	if row.Title == "" {
		row.Title = "书记"
	} else if utf8.RuneCountInString(row.Title) > maxTitleLen {
		bad(colTitle, fmt.Sprintf("职务过长，请不要超过 %d 个字", maxTitleLen))
	}
	return row, errs
}

// rosterWithin finds the problems across the valid rows of one file: a phone number on
// two rows, one branch given two kinds.
func rosterWithin(rows []imports.Item[RosterRow]) []RowError {
	var errs []RowError
	type branchKey struct {
		township int64
		name     string
	}
	phoneRow, branchRow := map[string]int{}, map[branchKey]RosterRow{}
	for _, r := range rows {
		row := r.Value
		if first, dup := phoneRow[row.Phone]; dup {
			errs = append(errs, RowError{Row: row.Row, Column: colPhone, Message: fmt.Sprintf("手机号 %s 与第 %d 行重复，每人只能填写一行", row.Phone, first)})
		} else {
			phoneRow[row.Phone] = row.Row
		}
		k := branchKey{row.TownshipID, row.Branch}
		if prev, seen := branchRow[k]; !seen {
			branchRow[k] = row
		} else if prev.Kind != row.Kind {
			errs = append(errs, RowError{Row: row.Row, Column: colKind, Message: fmt.Sprintf("同一支部的类型前后不一致：第 %d 行填的是“%s”", prev.Row, prev.Kind)})
		}
	}
	return errs
}

// onlyTownship refuses rows outside the organizer's own township.
func onlyTownship(rows []imports.Item[RosterRow], townshipID int64, townshipName string) []RowError {
	var errs []RowError
	for _, r := range rows {
		if r.Value.TownshipID != townshipID {
			errs = append(errs, RowError{Row: r.Num, Column: colTownship,
				Message: fmt.Sprintf("您只能导入本乡镇（%s）的人员", townshipName)})
		}
	}
	return errs
}

// withoutExamples is the rows other than the template's example row.
func withoutExamples(rows []imports.Item[RosterRow]) []imports.Item[RosterRow] {
	if !slices.ContainsFunc(rows, isExampleItem) {
		return rows
	}
	return slices.DeleteFunc(slices.Clone(rows), isExampleItem)
}

func isExampleItem(r imports.Item[RosterRow]) bool { return r.Value.Example }

// onlyExamples refuses a file whose only valid rows are the example row: importing it
// would do nothing, and the user most likely uploaded the template as it came.
func onlyExamples(rows []imports.Item[RosterRow]) []RowError {
	if len(rows) == 0 || len(withoutExamples(rows)) > 0 {
		return nil
	}
	return []RowError{{Row: rows[0].Num, Column: colName,
		Message: "这是模板的示例行，导入时会跳过；表格中没有其他可导入的人员，请在示例行下方逐行填写"}}
}

// skipExamples takes the example rows out of a checked file's result (its rows, total
// and counts) and returns their row numbers, for the preview's 「已跳过示例行」.
func skipExamples(res *imports.Result[RosterRow]) []int {
	var nums []int
	for _, r := range res.Rows {
		if r.Value.Example {
			nums = append(nums, r.Num)
		}
	}
	if len(nums) == 0 {
		return nil
	}
	res.Rows = withoutExamples(res.Rows)
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

// clip shortens a value quoted back in a message.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
