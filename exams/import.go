package exams

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"zhibu/app/imports"
)

// MaxImportRows bounds one bank file (app/imports holds the other reading limits).
const MaxImportRows = 5000

// RowError is one problem of an import file: row number as Excel shows it (1 = header,
// 0 = the whole file), column header and the Chinese message.
type RowError struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Message string `json:"message"`
}

// ImportHeaders are the template's columns, in template order.
var ImportHeaders = []string{"题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案", "分值", "解析", "分类", "标签", "难度"}

// ParseQuestions reads the first sheet of a question-bank workbook (header row, any
// column order, extra columns ignored). It returns the questions of every valid row and
// every row error; the caller saves nothing when there is any error. It never panics on
// hostile input: reading is bounded by app/imports, which refuses non-spreadsheets, zip
// bombs and oversized sheets with a message; formulas and merged cells are refused here.
func ParseQuestions(data []byte) ([]Question, []RowError) {
	fileErr := func(msg string) ([]Question, []RowError) { return nil, []RowError{{Row: 0, Message: msg}} }
	sheet, err := imports.Read(bytes.NewReader(data), int64(len(data)), imports.Options{
		Limits: imports.NewLimits(len(ImportHeaders), MaxImportRows), Formatted: true})
	if err != nil {
		var ie *imports.Error
		if errors.As(err, &ie) {
			return nil, []RowError{{Row: ie.Row, Message: ie.Message}}
		}
		return fileErr("无法读取该 Excel 文件，请确认是 .xlsx 格式且未加密")
	}
	// The header is Excel row 1; the reader returns only rows with content.
	var header []string
	rows := sheet.Rows
	if len(rows) > 0 && rows[0].Num == 1 {
		header, rows = rows[0].Cells, rows[1:]
	}
	dataRows := 0
	for _, r := range rows {
		if !blank(r.Cells) {
			dataRows++
		}
	}
	if blank(header) && dataRows == 0 {
		return fileErr("表格是空的，请按模板填写表头和题目")
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.ReplaceAll(h, "　", ""))
		h = strings.TrimSuffix(strings.TrimSuffix(h, "*"), "（必填）")
		if _, dup := col[h]; !dup && h != "" {
			col[h] = i
		}
	}
	var errs []RowError
	for _, h := range []string{"题型", "题干", "答案"} {
		if _, ok := col[h]; !ok {
			errs = append(errs, RowError{Row: 1, Column: h, Message: "缺少必需的列“" + h + "”，请使用下载的模板"})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if dataRows == 0 {
		return nil, []RowError{{Row: 0, Message: "表格中没有题目"}}
	}
	// Merged cells hide values in all but the first cell: refuse them.
	for _, m := range sheet.Merged {
		if m.From.Row > 1 {
			errs = append(errs, RowError{Row: m.From.Row, Column: m.From.String(), Message: "存在合并单元格（" + m.String() + "），请取消合并后每格单独填写"})
		}
	}
	// A formula's value is whatever Excel last computed, if anything: refuse formulas in
	// the columns read.
	formula := map[imports.Cell]bool{}
	for _, c := range sheet.Formulas {
		formula[c] = true
	}
	var out []Question
	for _, r := range rows {
		cells, rowNum := r.Cells, r.Num
		if blank(cells) {
			continue
		}
		get := func(h string) string {
			if c, ok := col[h]; ok && c < len(cells) {
				return strings.TrimSpace(cells[c])
			}
			return ""
		}
		for h, c := range col {
			if formula[imports.Cell{Row: rowNum, Col: c + 1}] {
				errs = append(errs, RowError{Row: rowNum, Column: h, Message: "不支持公式，请复制后“粘贴为数值”"})
			}
		}
		kind, ok := KindFromName(get("题型"))
		if !ok {
			errs = append(errs, RowError{Row: rowNum, Column: "题型", Message: "题型应为单选、多选或判断"})
			continue
		}
		q := Question{Kind: kind, Stem: get("题干"), Answer: get("答案"), Explanation: get("解析"),
			Category: get("分类"), Difficulty: get("难度")}
		for _, t := range strings.FieldsFunc(get("标签"), func(r rune) bool { return strings.ContainsRune(",，、;；| ", r) }) {
			q.Tags = append(q.Tags, t)
		}
		if kind != KindJudge {
			for k := 0; k < MaxOptions; k++ {
				q.Options = append(q.Options, get("选项"+KeyOf(k)))
			}
		} else {
			for k := 0; k < MaxOptions; k++ {
				if get("选项"+KeyOf(k)) != "" && !(k < 2 && (get("选项"+KeyOf(k)) == JudgeOptions[k] || get("选项"+KeyOf(k)) == []string{"正确", "错误"}[k])) {
					errs = append(errs, RowError{Row: rowNum, Column: "选项" + KeyOf(k), Message: "判断题不需要填写选项"})
					break
				}
			}
		}
		if p := get("分值"); p != "" {
			v, err := strconv.ParseFloat(p, 64)
			if err != nil || v <= 0 || v > 100 {
				errs = append(errs, RowError{Row: rowNum, Column: "分值", Message: "分值应为 0 到 100 之间的数字"})
			} else {
				q.Points = v
			}
		}
		for field, msg := range q.Normalize() {
			errs = append(errs, RowError{Row: rowNum, Column: fieldColumn[field], Message: msg})
		}
		out = append(out, q)
	}
	sortRowErrors(errs)
	return out, errs
}

var fieldColumn = map[string]string{"kind": "题型", "stem": "题干", "options": "选项", "answer": "答案", "points": "分值",
	"explanation": "解析", "category": "分类", "difficulty": "难度", "tags": "标签"}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func sortRowErrors(errs []RowError) {
	for i := 1; i < len(errs); i++ {
		for j := i; j > 0 && (errs[j].Row < errs[j-1].Row || errs[j].Row == errs[j-1].Row && errs[j].Column < errs[j-1].Column); j-- {
			errs[j], errs[j-1] = errs[j-1], errs[j]
		}
	}
}

// TemplateWorkbook builds the import template with two example rows.
func TemplateWorkbook() (*excelize.File, error) {
	rows := [][]any{
		{"单选", "党支部党员大会一般每季度召开几次？", "1次", "2次", "3次", "4次", "", "", "A", 1, "三会一课：支部党员大会一般每季度召开1次。", "三会一课", "组织生活", "易"},
		{"多选", "下列属于“三会一课”的有哪些？", "支部党员大会", "支部委员会", "党小组会", "党课", "", "", "ABCD", 2, "三会一课指支部党员大会、支部委员会、党小组会和按时上好党课。", "三会一课", "组织生活", "中"},
		{"判断", "党小组会一般每月召开1次。", "", "", "", "", "", "", "对", 1, "", "三会一课", "组织生活", "易"},
	}
	return workbook("题库", ImportHeaders, rows)
}

func workbook(sheet string, headers []string, rows [][]any) (*excelize.File, error) {
	f := excelize.NewFile()
	f.SetSheetName("Sheet1", sheet)
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	for i, w := range []float64{8, 50, 18, 18, 18, 18, 14, 14, 8, 8, 40, 14, 18, 8} {
		if i < len(headers) {
			sw.SetColWidth(i+1, i+1, w)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	style, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"F2F2F2"}, Pattern: 1}})
	head := make([]any, len(headers))
	for i, h := range headers {
		head[i] = excelize.Cell{Value: h, StyleID: style}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return nil, err
	}
	for i, r := range rows {
		axis, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(axis, r); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	return f, nil
}

// ExportRows turns questions into template rows (so an export can be re-imported).
func ExportRows(qs []Question) [][]any {
	out := make([][]any, 0, len(qs))
	for _, q := range qs {
		r := make([]any, 0, len(ImportHeaders)+1)
		r = append(r, KindName(q.Kind), q.Stem)
		for k := 0; k < MaxOptions; k++ {
			if k < len(q.Options) {
				r = append(r, q.Options[k])
			} else {
				r = append(r, "")
			}
		}
		ans := q.Answer
		if q.Kind == KindJudge {
			ans = map[string]string{"A": "对", "B": "错"}[q.Answer]
		}
		r = append(r, ans, q.Points, q.Explanation, q.Category, strings.Join(q.Tags, "、"), q.Difficulty)
		if q.Retired {
			r = append(r, "已停用")
		}
		out = append(out, r)
	}
	return out
}
