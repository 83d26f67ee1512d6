package reports

import (
	"bytes"
	"context"
	"database/sql"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"zhibu/app/testdb"
	"zhibu/app/workbook/workbooktest"
)

var exportTime = cstTime("2026-11-25 14:05")

// grid is a sheet as comparable strings: numbers rounded to 6 decimals, dates as
// "D:2006-01-02", empty cells "", trailing empties trimmed.
type grid [][]string

func normNumber(s string) string {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || strings.HasPrefix(s, "0") && len(s) > 1 && !strings.HasPrefix(s, "0.") {
		return s // text such as a phone number with a leading zero
	}
	return strconv.FormatFloat(math.Round(v*1e6)/1e6, 'f', -1, 64)
}

func trimGrid(rows [][]string) grid {
	var g grid
	for _, r := range rows {
		for len(r) > 0 && r[len(r)-1] == "" {
			r = r[:len(r)-1]
		}
		g = append(g, r)
	}
	for len(g) > 0 && len(g[len(g)-1]) == 0 {
		g = g[:len(g)-1]
	}
	return g
}

// readExcelize reads every sheet back with excelize (raw values).
func readExcelize(t *testing.T, data []byte) (map[string]grid, []string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("excelize cannot open the workbook: %v", err)
	}
	defer f.Close()
	out := map[string]grid{}
	var sheets []string
	for _, sh := range f.GetSheetList() {
		if visible, _ := f.GetSheetVisible(sh); !visible {
			continue // what a person sees: not the chart's data
		}
		sheets = append(sheets, sh)
		rows, err := f.GetRows(sh, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			for j := range r {
				ref, _ := excelize.CoordinatesToCellName(j+1, i+1)
				style, _ := f.GetCellStyle(sh, ref)
				if isDateStyle(f, style) && r[j] != "" {
					if v, err := strconv.ParseFloat(r[j], 64); err == nil {
						d, _ := excelize.ExcelDateToTime(v, false)
						r[j] = "D:" + d.Format("2006-01-02")
						continue
					}
				}
				r[j] = normNumber(r[j])
			}
		}
		out[sh] = trimGrid(rows)
	}
	return out, sheets
}

func isDateStyle(f *excelize.File, id int) bool {
	s, err := f.GetStyle(id)
	return err == nil && s.CustomNumFmt != nil && strings.Contains(*s.CustomNumFmt, "yyyy")
}

const openpyxlDump = `
import json, sys, datetime, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {"sheets": [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"], "cells": {}, "meta": {}}
for ws in wb.worksheets:
    if ws.sheet_state != "visible": continue
    rows = []
    for row in ws.iter_rows(values_only=True):
        r = []
        for v in row:
            if v is None: r.append("")
            elif isinstance(v, datetime.datetime): r.append("D:" + v.strftime("%Y-%m-%d"))
            elif isinstance(v, bool): r.append(str(v))
            elif isinstance(v, (int, float)): r.append(repr(float(v)))
            else: r.append(str(v))
        rows.append(r)
    widths = {k: v.width for k, v in ws.column_dimensions.items() if v.width}
    fmts = {}
    fills = {}
    for row in ws.iter_rows(min_row=3, max_row=min(ws.max_row, 8)):
        for c in row:
            fmts[c.coordinate] = c.number_format
            fills[c.coordinate] = c.fill.fgColor.rgb if c.fill and c.fill.fill_type else ""
    out["cells"][ws.title] = rows
    out["meta"][ws.title] = {"freeze": ws.freeze_panes, "filter": (ws.auto_filter.ref or "").replace("$", ""), "widths": widths,
        "formats": fmts, "fills": fills, "charts": len(ws._charts)}
print(json.dumps(out, ensure_ascii=False))
`

type pyMeta struct {
	Freeze  string             `json:"freeze"`
	Filter  string             `json:"filter"`
	Widths  map[string]float64 `json:"widths"`
	Formats map[string]string  `json:"formats"`
	Fills   map[string]string  `json:"fills"`
	Charts  int                `json:"charts"`
}

// readOpenpyxl opens the workbook with an independent reader, Python's openpyxl.
func readOpenpyxl(t *testing.T, data []byte) (map[string]grid, []string, map[string]pyMeta) {
	t.Helper()
	var out struct {
		Sheets []string              `json:"sheets"`
		Cells  map[string][][]string `json:"cells"`
		Meta   map[string]pyMeta     `json:"meta"`
	}
	workbooktest.Run(t, data, openpyxlDump, &out)
	g := map[string]grid{}
	for sh, rows := range out.Cells {
		for _, r := range rows {
			for j := range r {
				if !strings.HasPrefix(r[j], "D:") {
					r[j] = normNumber(r[j])
				}
			}
		}
		g[sh] = trimGrid(rows)
	}
	return g, out.Sheets, out.Meta
}

// compareGrid checks every cell of a sheet except the title (row 1), which holds the
// export time and is checked by prefix.
func compareGrid(t *testing.T, reader, sheet string, got grid, titlePrefix string, want grid) {
	t.Helper()
	if len(got) == 0 || len(got[0]) == 0 || !strings.HasPrefix(got[0][0], titlePrefix) {
		t.Errorf("%s %s: title = %v, want prefix %q", reader, sheet, got[:min(1, len(got))], titlePrefix)
		return
	}
	body := got[1:]
	for i := 0; i < max(len(body), len(want)); i++ {
		var g, w []string
		if i < len(body) {
			g = body[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if strings.Join(g, "|") != strings.Join(w, "|") {
			t.Errorf("%s %s row %d:\n got  %q\n want %q", reader, sheet, i+2, g, w)
		}
	}
}

func loadReport(t *testing.T, township sql.NullInt64, target float64) *Report {
	t.Helper()
	r, err := NewStore(testdb.DB(t)).Load(context.Background(), Query{Year: 2026, Township: township, Target: target, Ranked: true}, exportTime)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// examBytes builds the exam results workbook of r.
func examBytes(t *testing.T, r *ExamReport) []byte {
	t.Helper()
	b, err := ExamFile(r)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	data, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func workbookBytes(t *testing.T, r *Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteCompletion(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var (
	summaryHead = []string{"乡镇", "应参训人数", "必修完成人数", "必修完成率", "人均学时", "学时达标人数", "学时达标率", "应考人数", "参考人数", "参考率", "通过人数", "通过率", "平均得分率", "参加考察人数"}
	kindsHead   = []string{"乡镇", "支部类型", "应参训人数", "必修完成人数", "必修完成率", "人均学时", "参考率", "通过率"}
	notesHead   = "说明：各项指标的口径见「口径说明」工作表；必修完成率＝必修完成人数÷应参训人数，通过率＝通过人数÷应考人数。"
	countyHead  = append(append([]string{}, summaryHead...), "排名")
	townHeadA   = []string{"序号", "支部", "支部类型", "姓名", "手机号", "党章学习", "发展党员工作实务", "社区治理专题", "线上学时", "线下学时", "学时合计", "党章知识测试（最高分）", "发展党员专项测试（最高分）", "是否通过", "参加考察"}
	missingHead = []string{"序号", "乡镇", "支部", "姓名", "手机号", "未完成必修课程", "未完成课程数", "考试情况", "学时合计"}
	rowsA       = grid{
		{"1", "A1村党支部", "农村", "书记A1", "13800000001", "D:2026-02-10", "D:2026-04-01", "—", "5", "0", "5", "75", "85", "是", "井冈山红色教育、西柏坡学习"},
		{"2", "A1村党支部", "农村", "书记A2", "13800000002", "D:2026-01-01", "未完成", "—", "3.5", "0", "3.5", "90", "未参加", "否"},
		{"3", "A2社区党支部", "社区", "书记A3", "13800000003", "D:2026-03-01", "D:2026-03-02", "D:2025-12-31", "5", "0", "5", "未参加", "70", "否"},
	}
	missingA = [][]string{
		{"甲镇", "A1村党支部", "书记A2", "13800000002", "发展党员工作实务", "1", "《发展党员专项测试》未参加", "3.5"},
		{"甲镇", "A2社区党支部", "书记A3", "13800000003", "", "0", "《党章知识测试》未参加；《发展党员专项测试》未通过（最高70分）", "5"},
	}
	missingB = []string{"乙镇", "B1机关党支部", "书记B2", "", "党章学习", "1", "《党章知识测试》未参加", "0"}
)

func numbered(rows [][]string) grid {
	var g grid
	for i, r := range rows {
		g = append(g, append([]string{strconv.Itoa(i + 1)}, r...))
	}
	return g
}

// The county workbook: every number of every sheet, read back by excelize and by
// openpyxl, plus the layout (frozen header, filter, formats, widths, highlight, chart).
func TestCountyWorkbookNumbers(t *testing.T) {
	theCounty(t)
	r := loadReport(t, sql.NullInt64{}, DefaultTarget)
	data := workbookBytes(t, r)

	wantSheets := []string{"汇总", "分类统计", "甲镇", "乙镇", "丙镇", "未完成名单", "口径说明"}
	kinds := grid{kindsHead,
		{"甲镇", "社区", "1", "1", "1", "5", "1", "0"},
		{"甲镇", "农村", "2", "1", "0.5", "4.25", "1", "0.5"},
		{"乙镇", "机关", "2", "1", "0.5", "1", "0.5", "0.5"},
		{"全县合计", "机关", "2", "1", "0.5", "1", "0.5", "0.5"},
		{"全县合计", "社区", "1", "1", "1", "5", "1", "0"},
		{"全县合计", "农村", "2", "1", "0.5", "4.25", "1", "0.5"},
	}
	// Nobody reaches the default 50 学时; 通过率 is ÷ 应考人数; 平均得分率 is best ÷ 100 per
	// exam taken (甲镇: 75, 85, 90, 70).
	summary := grid{
		countyHead,
		{"甲镇", "3", "2", "0.666667", "4.5", "0", "0", "3", "3", "1", "1", "0.333333", "0.8", "1", "1"},
		{"乙镇", "2", "1", "0.5", "1", "0", "0", "2", "1", "0.5", "1", "0.5", "0.6", "1", "2"},
		{"丙镇", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "3"},
		{"全县合计", "5", "3", "0.6", "3.1", "0", "0", "5", "4", "0.8", "2", "0.4", "0.76", "2"},
		{},
		{notesHead},
		{"红色底色的乡镇必修完成率低于目标 80%。"},
		{"排名依次按必修完成率、通过率、平均得分率从高到低，并列者名次相同。"},
	}
	sheetA := append(grid{townHeadA}, rowsA...)
	sheetB := grid{townHeadA,
		{"1", "B1机关党支部", "机关", "书记B1", "13800000004", "D:2026-06-15", "—", "—", "2", "0", "2", "60", "—", "是"},
		{"2", "B1机关党支部", "机关", "书记B2", "", "未完成", "—", "—", "0", "0", "0", "未参加", "—", "否", "井冈山红色教育"},
	}
	missing := append(grid{missingHead}, numbered(append(missingA, missingB))...)

	check := func(reader string, got map[string]grid, sheets []string) {
		if strings.Join(sheets, ",") != strings.Join(wantSheets, ",") {
			t.Fatalf("%s: sheets %v, want %v", reader, sheets, wantSheets)
		}
		compareGrid(t, reader, "汇总", got["汇总"], "全县2026年度支部书记培训完成情况汇总（导出时间：2026-11-25 14:05）", summary)
		compareGrid(t, reader, "分类统计", got["分类统计"], "全县2026年度支部书记培训完成情况按支部类型分类", kinds)
		compareGrid(t, reader, "甲镇", got["甲镇"], "甲镇 2026年度支部书记培训情况（导出时间：2026-11-25 14:05）", sheetA)
		compareGrid(t, reader, "乙镇", got["乙镇"], "乙镇 2026年度", sheetB)
		compareGrid(t, reader, "丙镇", got["丙镇"], "丙镇 2026年度", grid{townHeadA})
		compareGrid(t, reader, "未完成名单", got["未完成名单"], "全县2026年度支部书记培训完成情况未完成名单", missing)
	}
	g, sheets := readExcelize(t, data)
	check("excelize", g, sheets)
	pg, psheets, meta := readOpenpyxl(t, data)
	check("openpyxl", pg, psheets)

	// Layout, as another program sees it.
	if m := meta["汇总"]; m.Freeze != "B3" || m.Filter != "A2:O5" || m.Charts != 1 {
		t.Errorf("汇总 layout: freeze %q filter %q charts %d", m.Freeze, m.Filter, m.Charts)
	}
	if m := meta["汇总"]; m.Formats["D3"] != "0.0%" || m.Formats["L6"] != "0.0%" || m.Formats["M6"] != "0.0%" || m.Formats["E3"] != "0.0" {
		t.Errorf("汇总 formats: %v", m.Formats)
	}
	// 甲镇 (66.7%) and 乙镇 (50%) are below the 80% target; 丙镇 has nobody to train, and the
	// total row is not a township.
	if m := meta["汇总"]; m.Fills["A3"] != "FFFDE8EB" || m.Fills["A4"] != "FFFDE8EB" || m.Fills["A5"] == "FFFDE8EB" || m.Fills["A6"] == "FFFDE8EB" {
		t.Errorf("汇总 highlight: %v", m.Fills)
	}
	if m := meta["甲镇"]; m.Freeze != "A3" || m.Filter != "A2:O5" || !strings.Contains(m.Formats["F3"], "yyyy-mm-dd") {
		t.Errorf("甲镇 layout: freeze %q filter %q F3 format %q", m.Freeze, m.Filter, m.Formats["F3"])
	}
	if m := meta["未完成名单"]; m.Freeze != "A3" || m.Filter != "A2:I5" {
		t.Errorf("未完成名单 layout: freeze %q filter %q", m.Freeze, m.Filter)
	}
	// Widths fit Chinese text: 支部 "A2社区党支部" is 2+5×2 = 12 wide, the exam column's
	// long note 《…》 is wider still (capped at 60).
	if w := meta["甲镇"].Widths["B"]; w < 14 {
		t.Errorf("甲镇 column B width %v, want ≥ 14", w)
	}
	if w := meta["未完成名单"].Widths["H"]; w < 40 || w > 60 {
		t.Errorf("未完成名单 column H width %v", w)
	}
	if meta["丙镇"].Filter != "" {
		t.Errorf("an empty township sheet has no filter, got %q", meta["丙镇"].Filter)
	}
}

// An organizer's workbook holds only the own township: no other township's row, sheet,
// course or exam column, no county total and no rank.
func TestTownshipWorkbookNumbers(t *testing.T) {
	c := theCounty(t)
	rA := loadReport(t, sql.NullInt64{Int64: c.A, Valid: true}, 0.6)
	gA, sheets := readExcelize(t, workbookBytes(t, rA))
	if strings.Join(sheets, ",") != "汇总,分类统计,甲镇,未完成名单,口径说明" {
		t.Fatalf("sheets %v", sheets)
	}
	compareGrid(t, "excelize", "汇总", gA["汇总"], "2026年度支部书记培训完成情况（甲镇）汇总", grid{
		summaryHead,
		{"甲镇", "3", "2", "0.666667", "4.5", "0", "0", "3", "3", "1", "1", "0.333333", "0.8", "1"},
		{},
		{notesHead},
		{"红色底色的乡镇必修完成率低于目标 60%。"},
	})
	compareGrid(t, "excelize", "分类统计", gA["分类统计"], "2026年度支部书记培训完成情况（甲镇）按支部类型分类", grid{kindsHead,
		{"甲镇", "社区", "1", "1", "1", "5", "1", "0"},
		{"甲镇", "农村", "2", "1", "0.5", "4.25", "1", "0.5"},
	})
	compareGrid(t, "excelize", "甲镇", gA["甲镇"], "甲镇 2026年度", append(grid{townHeadA}, rowsA...))
	compareGrid(t, "excelize", "未完成名单", gA["未完成名单"], "2026年度支部书记培训完成情况（甲镇）未完成名单",
		append(grid{missingHead}, numbered(missingA)...))
	if rA.FileName() != "2026年度培训完成情况（甲镇）.xlsx" {
		t.Errorf("file name %q", rA.FileName())
	}

	// 乙镇: C2 (甲镇 only), C3 (社区 only) and E2 (甲镇 only) are not its columns.
	rB := loadReport(t, sql.NullInt64{Int64: c.B, Valid: true}, DefaultTarget)
	gB, _, meta := readOpenpyxl(t, workbookBytes(t, rB))
	head := []string{"序号", "支部", "支部类型", "姓名", "手机号", "党章学习", "线上学时", "线下学时", "学时合计", "党章知识测试（最高分）", "是否通过", "参加考察"}
	compareGrid(t, "openpyxl", "乙镇", gB["乙镇"], "乙镇 2026年度", grid{head,
		{"1", "B1机关党支部", "机关", "书记B1", "13800000004", "D:2026-06-15", "2", "0", "2", "60", "是"},
		{"2", "B1机关党支部", "机关", "书记B2", "", "未完成", "0", "0", "0", "未参加", "否", "井冈山红色教育"},
	})
	compareGrid(t, "openpyxl", "汇总", gB["汇总"], "2026年度支部书记培训完成情况（乙镇）汇总", grid{
		summaryHead,
		{"乙镇", "2", "1", "0.5", "1", "0", "0", "2", "1", "0.5", "1", "0.5", "0.6", "1"},
		{},
		{notesHead},
		{"红色底色的乡镇必修完成率低于目标 80%。"},
	})
	compareGrid(t, "openpyxl", "未完成名单", gB["未完成名单"], "2026年度", append(grid{missingHead}, numbered([][]string{missingB})...))
	if meta["汇总"].Charts != 1 {
		t.Errorf("a township summary has its chart of branch kinds: %d charts", meta["汇总"].Charts)
	}
}

// A year without courses, exams or tours still gives a valid workbook of zeros.
func TestEmptyYearWorkbook(t *testing.T) {
	theCounty(t)
	r, err := NewStore(testdb.DB(t)).Load(context.Background(), Query{Year: 2030, Target: DefaultTarget}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Courses) != 0 || len(r.Exams) != 0 || r.Total.Expected != 5 || r.Total.Completed != 0 {
		t.Fatalf("2030: courses %d exams %d total %+v", len(r.Courses), len(r.Exams), r.Total)
	}
	g, _, _ := readOpenpyxl(t, workbookBytes(t, r))
	if got := g["甲镇"][1]; strings.Join(got, "|") != "序号|支部|支部类型|姓名|手机号|线上学时|线下学时|学时合计|是否通过|参加考察" {
		t.Errorf("header %v", got)
	}
	if got := g["甲镇"][2]; strings.Join(got, "|") != "1|A1村党支部|农村|书记A1|13800000001|0|0|0|—" {
		t.Errorf("row %v", got)
	}
	if len(g["未完成名单"]) != 2 {
		t.Errorf("nobody is missing anything in a year without requirements: %v", g["未完成名单"])
	}
}

// Every sheet of the completion and exam workbooks prints as it is: A4, one page wide,
// the title and header rows repeated on every page, page numbers in the footer, and
// landscape when its columns do not fit across an upright page.
func TestWorkbooksArePrintReady(t *testing.T) {
	c := theCounty(t)
	exam, err := NewStore(testdb.DB(t)).LoadExam(context.Background(), c.E1, sql.NullInt64{}, exportTime)
	if err != nil {
		t.Fatal(err)
	}
	books := []struct {
		name string
		data []byte
	}{
		{"county", workbookBytes(t, loadReport(t, sql.NullInt64{}, DefaultTarget))},
		{"township", workbookBytes(t, loadReport(t, sql.NullInt64{Int64: c.B, Valid: true}, DefaultTarget))},
		{"exam", examBytes(t, exam)},
	}
	for _, b := range books {
		sheets := workbooktest.Read(t, b.data)
		if len(sheets) < 2 {
			t.Fatalf("%s: sheets %v", b.name, sheets)
		}
		for name, s := range sheets {
			if s.Hidden {
				continue
			}
			// The completion 汇总 freezes the township column too (B3).
			if name == sheetSummary && b.name != "exam" && s.Freeze == "B3" {
				s.Freeze = "A3"
			}
			workbooktest.PrintReady(t, b.name+" "+name, s, true, 2)
			if !strings.Contains(s.Header, s.Rows[0][0]) {
				t.Errorf("%s %s: page header %q lacks the title %q", b.name, name, s.Header, s.Rows[0][0])
			}
		}
	}
}
