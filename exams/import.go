package exams

import (
	"context"
	"strconv"
	"strings"

	"zhibu/app/imports"
	"zhibu/app/web"
	"zhibu/app/workbook"
)

// The bank import: the first sheet of an xlsx with the template's header, read by the
// import pipeline (app/imports/pipeline.go). This file holds the pure parts of its spec
// (columns, row parser); store_import.go the checks against the bank and the saver;
// api_import.go and pages_import.go put them together.

// RowError is the pipeline's row error (imports.RowError).
type RowError = imports.RowError

// ImportHeaders are the template's columns, in template order.
var ImportHeaders = []string{"题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案", "分值", "解析", "分类", "标签", "难度"}

// bankColumns are ImportHeaders with the spellings people use for them; 题型, 题干 and 答案
// are required.
var bankColumns = func() []imports.Column {
	aliases := map[string][]string{"题型": {"题目类型", "类型"}, "题干": {"题目", "题目内容", "试题"},
		"答案": {"正确答案", "参考答案"}, "解析": {"答案解析", "试题解析"}, "标签": {"关键词"}}
	cols := make([]imports.Column, len(ImportHeaders))
	for i, h := range ImportHeaders {
		cols[i] = imports.Column{Name: h, Aliases: aliases[h], Required: h == "题型" || h == "题干" || h == "答案"}
	}
	return cols
}()

// parseQuestionRow reads one data row of a bank file into a normalized question.
func parseQuestionRow(r imports.Record) (Question, []RowError) {
	kind, ok := KindFromName(r.Get("题型"))
	if !ok {
		return Question{}, withValues(r, []RowError{{Column: "题型", Message: "题型应为单选、多选或判断"}})
	}
	var errs []RowError
	q := Question{Kind: kind, Stem: r.Get("题干"), Answer: r.Get("答案"), Explanation: r.Get("解析"),
		Category: r.Get("分类"), Difficulty: r.Get("难度")}
	for _, t := range strings.FieldsFunc(r.Get("标签"), func(r rune) bool { return strings.ContainsRune(",，、;；| ", r) }) {
		q.Tags = append(q.Tags, t)
	}
	if kind != KindJudge {
		for k := 0; k < MaxOptions; k++ {
			q.Options = append(q.Options, r.Get("选项"+KeyOf(k)))
		}
	} else {
		for k := 0; k < MaxOptions; k++ {
			if v := r.Get("选项" + KeyOf(k)); v != "" && !(k < 2 && (v == JudgeOptions[k] || v == []string{"正确", "错误"}[k])) {
				errs = append(errs, RowError{Column: "选项" + KeyOf(k), Message: "判断题不需要填写选项"})
				break
			}
		}
	}
	if p := r.Get("分值"); p != "" {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || v <= 0 || v > 100 {
			errs = append(errs, RowError{Column: "分值", Message: "分值应为 0 到 100 之间的数字"})
		} else {
			q.Points = v
		}
	}
	var whole []RowError // about the options as a whole: no one cell's value to show
	for field, msg := range q.Normalize() {
		if field == "options" {
			whole = append(whole, RowError{Column: fieldColumn[field], Message: msg})
			continue
		}
		errs = append(errs, RowError{Column: fieldColumn[field], Message: msg})
	}
	return q, append(withValues(r, errs), whole...)
}

// withValues adds to each row error the value found in its cell, as the roster's
// preview shows it: 「答案应为……（填写的是“E”）」. A long value is clipped.
func withValues(r imports.Record, errs []RowError) []RowError {
	for i, e := range errs {
		if e.Column == "" {
			continue
		}
		v := []rune(strings.TrimSpace(r.Get(e.Column)))
		if len(v) == 0 || strings.Contains(e.Message, "“"+string(v)+"”") {
			continue
		}
		if len(v) > 30 {
			v = append(v[:30], '…')
		}
		errs[i].Message += "（填写的是“" + string(v) + "”）"
	}
	return errs
}

var fieldColumn = map[string]string{"kind": "题型", "stem": "题干", "options": "选项A", "answer": "答案", "points": "分值",
	"explanation": "解析", "category": "分类", "difficulty": "难度", "tags": "标签"}

// bankSpec is the bank import; st nil leaves out the checks against the bank and the
// saver (ParseQuestions).
func bankSpec(st *Store) *imports.Spec[Question] {
	spec := &imports.Spec[Question]{Kind: "questions", Noun: "题目", Columns: bankColumns, Parse: parseQuestionRow}
	if st != nil {
		spec.DB = st.DB
		spec.CheckDB = func(ctx context.Context, rows []imports.Item[Question]) ([]RowError, error) {
			return checkBank(ctx, st.DB, rows)
		}
		spec.Save = func(ctx context.Context, rows []imports.Item[Question]) (any, []RowError, error) {
			return st.SaveImport(ctx, rows)
		}
	}
	return spec
}

// ParseQuestions reads a bank file through the pipeline without the bank: the questions
// of every valid row and every row error (an unreadable file is one error at row 0).
func ParseQuestions(data []byte) ([]Question, []RowError) {
	res, err := bankSpec(nil).Preview(context.Background(), data)
	if err != nil {
		return nil, []RowError{{Message: web.AsError(err).Message}}
	}
	qs := make([]Question, len(res.Rows))
	for i, r := range res.Rows {
		qs[i] = r.Value
	}
	return qs, res.Errors
}

// TemplateWorkbook builds the import template with three example rows.
func TemplateWorkbook() ([]byte, error) {
	rows := [][]any{
		{"单选", "党支部党员大会一般每季度召开几次？", "1次", "2次", "3次", "4次", "", "", "A", 1, "三会一课：支部党员大会一般每季度召开1次。", "三会一课", "组织生活", "易"},
		{"多选", "下列属于“三会一课”的有哪些？", "支部党员大会", "支部委员会", "党小组会", "党课", "", "", "ABCD", 2, "三会一课指支部党员大会、支部委员会、党小组会和按时上好党课。", "三会一课", "组织生活", "中"},
		{"判断", "党小组会一般每月召开1次。", "", "", "", "", "", "", "对", 1, "", "三会一课", "组织生活", "易"},
	}
	return bankWorkbook(ImportHeaders, rows)
}

// exportHeaders are the export's columns: the template's and 状态 (已停用 for a retired
// question), so an export can be re-imported.
var exportHeaders = append(append([]string{}, ImportHeaders...), "状态")

// bankWidths are the widths of exportHeaders (the template's are their first columns).
var bankWidths = []float64{8, 50, 18, 18, 18, 18, 14, 14, 8, 8, 40, 14, 18, 8, 8}

// bankWorkbook writes the sheet 题库: the headers (ImportHeaders or exportHeaders) and
// the rows, landscape, long texts wrapped.
func bankWorkbook(headers []string, rows [][]any) ([]byte, error) {
	b, err := workbook.New()
	if err != nil {
		return nil, err
	}
	defer b.Close()
	styles := make([]int, len(headers))
	for i := range styles {
		styles[i] = b.Styles.Wrap
	}
	err = b.Stream(workbook.Table{Sheet: "题库", Headers: headers, Widths: bankWidths[:len(headers)], ColStyles: styles},
		len(rows), func(i int) []any { return rows[i] })
	if err != nil {
		return nil, err
	}
	return b.Bytes()
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
