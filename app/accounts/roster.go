package accounts

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Roster import (DESIGN §4): the first sheet of an xlsx with the header row
// 乡镇 支部名称 支部类型 姓名 手机号 职务 in any order. Parsing is a pure function so that
// every rule is unit- and fuzz-tested; checks that need the database run afterwards.

// Roster columns as written in the template header.
const (
	colTownship = "乡镇"
	colBranch   = "支部名称"
	colKind     = "支部类型"
	colName     = "姓名"
	colPhone    = "手机号"
	colTitle    = "职务"
)

// rosterColumns is the template's column order; all but 职务 are required.
var rosterColumns = []string{colTownship, colBranch, colKind, colName, colPhone, colTitle}

// maxRosterRows bounds one import (a county has a few thousand branches).
const maxRosterRows = 20000

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
}

// RowError is one problem of an import file, shown to the user as 第 Row 行「Column」: Message.
// Row 0 is a problem of the whole file.
type RowError struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Message string `json:"message"`
}

// headerAliases lets slightly different header spellings find their column.
var headerAliases = map[string]string{
	"乡镇": colTownship, "乡镇街道": colTownship, "乡镇（街道）": colTownship, "乡镇(街道)": colTownship, "所属乡镇": colTownship,
	"支部名称": colBranch, "支部": colBranch, "党支部名称": colBranch, "党组织名称": colBranch,
	"支部类型": colKind, "类型": colKind, "党支部类型": colKind, "党组织类型": colKind,
	"姓名": colName, "书记姓名": colName,
	"手机号": colPhone, "手机号码": colPhone, "手机": colPhone, "联系电话": colPhone,
	"职务": colTitle,
}

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

// normalizeHeader makes a header cell comparable: no spaces, no asterisks marking required.
func normalizeHeader(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '*' || r == '＊' {
			return -1
		}
		return r
	}, s)
	return headerAliases[s]
}

// parseRoster reads the rows of a roster sheet (the header first) against the county's
// townships (name → id). It returns the valid rows and every problem found; an import
// goes ahead only when there is no problem at all.
func parseRoster(rows [][]string, townships map[string]int64) ([]RosterRow, []RowError) {
	out, errs, _ := parseRosterCount(rows, townships)
	return out, errs
}

// parseRosterCount is parseRoster that also counts the data rows read (valid or not).
func parseRosterCount(rows [][]string, townships map[string]int64) ([]RosterRow, []RowError, int) {
	var errs []RowError
	// The header is the first row that is not empty (some people leave a title row blank).
	h := 0
	for h < len(rows) && isBlankRow(rows[h]) {
		h++
	}
	if h == len(rows) {
		return nil, []RowError{{Row: 0, Message: "表格是空的：第一个工作表中没有表头和数据，请使用模板填写"}}, 0
	}
	col := map[string]int{}
	for i, cell := range rows[h] {
		if name := normalizeHeader(cell); name != "" {
			if _, dup := col[name]; dup {
				errs = append(errs, RowError{Row: h + 1, Column: name, Message: fmt.Sprintf("表头中“%s”列出现了不止一次", name)})
				continue
			}
			col[name] = i
		}
	}
	for _, name := range rosterColumns[:5] {
		if _, ok := col[name]; !ok {
			errs = append(errs, RowError{Row: h + 1, Column: name, Message: fmt.Sprintf("缺少必填列“%s”，请使用模板的表头", name)})
		}
	}
	if len(errs) > 0 {
		return nil, errs, 0
	}
	data := rows[h+1:]
	// Trailing blank rows do not count.
	for len(data) > 0 && isBlankRow(data[len(data)-1]) {
		data = data[:len(data)-1]
	}
	if len(data) == 0 {
		return nil, []RowError{{Row: h + 2, Message: "表格中没有人员数据，请在表头下方逐行填写"}}, 0
	}
	if len(data) > maxRosterRows {
		return nil, []RowError{{Row: 0, Message: fmt.Sprintf("一次最多导入 %d 行，本文件超过了这个数，请拆分后分批导入", maxRosterRows)}}, len(data)
	}

	cell := func(r []string, name string) string {
		i, ok := col[name]
		if !ok || i >= len(r) {
			return ""
		}
		return cleanCell(r[i])
	}
	type branchKey struct {
		township int64
		name     string
	}
	phoneRow := map[string]int{}
	branchKind := map[branchKey]struct {
		kind string
		row  int
	}{}
	out := make([]RosterRow, 0, len(data))
	count := 0
	for i, r := range data {
		if isBlankRow(r) {
			continue
		}
		count++
		n := h + 2 + i
		row := RosterRow{Row: n}
		bad := func(column, msg string) { errs = append(errs, RowError{Row: n, Column: column, Message: msg}) }
		ok := true

		row.Township = cell(r, colTownship)
		if row.Township == "" {
			bad(colTownship, "乡镇不能为空")
			ok = false
		} else if id, found := townships[row.Township]; found {
			row.TownshipID = id
		} else {
			bad(colTownship, fmt.Sprintf("系统中没有乡镇“%s”，请核对名称或先在组织管理中添加", clip(row.Township, 30)))
			ok = false
		}

		row.Branch = cell(r, colBranch)
		switch {
		case row.Branch == "":
			bad(colBranch, "支部名称不能为空")
			ok = false
		case utf8.RuneCountInString(row.Branch) > maxBranchLen:
			bad(colBranch, fmt.Sprintf("支部名称过长，请不要超过 %d 个字", maxBranchLen))
			ok = false
		}

		rawKind := cell(r, colKind)
		row.Kind = normalizeKind(rawKind)
		if rawKind == "" {
			bad(colKind, "支部类型不能为空，可填："+strings.Join(BranchKinds, "、"))
			ok = false
		} else if row.Kind == "" {
			bad(colKind, fmt.Sprintf("支部类型“%s”无法识别，可填：%s", clip(rawKind, 20), strings.Join(BranchKinds, "、")))
			ok = false
		}

		row.Name = cell(r, colName)
		switch {
		case row.Name == "":
			bad(colName, "姓名不能为空")
			ok = false
		case utf8.RuneCountInString(row.Name) > maxNameLen:
			bad(colName, fmt.Sprintf("姓名过长，请不要超过 %d 个字", maxNameLen))
			ok = false
		}

		rawPhone := cell(r, colPhone)
		row.Phone = normalizePhone(rawPhone)
		switch {
		case rawPhone == "":
			bad(colPhone, "手机号不能为空")
			ok = false
		case row.Phone == "":
			bad(colPhone, fmt.Sprintf("手机号“%s”不正确，应为 1 开头的 11 位数字", clip(rawPhone, 20)))
			ok = false
		default:
			if first, dup := phoneRow[row.Phone]; dup {
				bad(colPhone, fmt.Sprintf("手机号 %s 与第 %d 行重复，每人只能填写一行", row.Phone, first))
				ok = false
			} else {
				phoneRow[row.Phone] = n
			}
		}

		row.Title = cell(r, colTitle)
		if row.Title == "" {
			row.Title = "书记"
		} else if utf8.RuneCountInString(row.Title) > maxTitleLen {
			bad(colTitle, fmt.Sprintf("职务过长，请不要超过 %d 个字", maxTitleLen))
			ok = false
		}

		if row.TownshipID != 0 && row.Branch != "" && row.Kind != "" {
			k := branchKey{row.TownshipID, row.Branch}
			if prev, seen := branchKind[k]; !seen {
				branchKind[k] = struct {
					kind string
					row  int
				}{row.Kind, n}
			} else if prev.kind != row.Kind {
				bad(colKind, fmt.Sprintf("同一支部的类型前后不一致：第 %d 行填的是“%s”", prev.row, prev.kind))
				ok = false
			}
		}
		if ok {
			out = append(out, row)
		}
	}
	sortRowErrors(errs)
	return out, errs, count
}

// onlyTownship refuses rows outside the organizer's own township.
func onlyTownship(rows []RosterRow, townshipID int64, townshipName string) []RowError {
	var errs []RowError
	for _, r := range rows {
		if r.TownshipID != townshipID {
			errs = append(errs, RowError{Row: r.Row, Column: colTownship,
				Message: fmt.Sprintf("您只能导入本乡镇（%s）的人员", townshipName)})
		}
	}
	return errs
}

func sortRowErrors(errs []RowError) {
	order := map[string]int{}
	for i, c := range rosterColumns {
		order[c] = i + 1
	}
	sort.SliceStable(errs, func(i, j int) bool {
		if errs[i].Row != errs[j].Row {
			return errs[i].Row < errs[j].Row
		}
		return order[errs[i].Column] < order[errs[j].Column]
	})
}

func isBlankRow(r []string) bool {
	for _, c := range r {
		if cleanCell(c) != "" {
			return false
		}
	}
	return true
}

// clip shortens a value quoted back in a message.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
