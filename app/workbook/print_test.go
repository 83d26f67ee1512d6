package workbook_test

import (
	"fmt"
	"strings"
	"testing"

	"zhibu/app/workbook"
	"zhibu/app/workbook/workbooktest"
)

// A township sheet of 50 secretaries and 12 columns, as LibreOffice prints it: on at most
// two A4 pages; a long one (300) on several pages, each with the title (page header), the
// header row (print titles) and its page number.
func TestPrintsOnA4WithHeaderOnEveryPage(t *testing.T) {
	for _, n := range []int{50, 300} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			pages := printTable(t, n)
			if n == 50 && len(pages) > 2 {
				t.Fatalf("50 rows printed on %d pages, want at most 2", len(pages))
			}
			if n == 300 && len(pages) < 2 {
				t.Fatalf("300 rows printed on %d page: the repeated header is not exercised", len(pages))
			}
			for i, page := range pages {
				if !strings.Contains(page, "城关镇 2026 年度必修课程完成情况") {
					t.Errorf("page %d has no title:\n%s", i+1, page)
				}
				if !strings.Contains(page, "手机号") {
					t.Errorf("page %d has no header row:\n%s", i+1, page)
				}
				if !strings.Contains(page, fmt.Sprintf("第 %d 页，共 %d 页", i+1, len(pages))) {
					t.Errorf("page %d has no page number:\n%s", i+1, page)
				}
			}
			if !strings.Contains(strings.Join(pages, ""), fmt.Sprintf("书记%03d", n)) {
				t.Error("last secretary not printed")
			}
		})
	}
}

func printTable(t *testing.T, n int) []string {
	b, err := workbook.New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	headers := []string{"序号", "姓名", "支部", "手机号"}
	for i := 1; i <= 8; i++ {
		headers = append(headers, fmt.Sprintf("必修课程%d", i))
	}
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = []string{fmt.Sprint(i + 1), fmt.Sprintf("书记%03d", i+1), fmt.Sprintf("第%d村党支部委员会", i+1), "13800000000"}
		for j := 0; j < 8; j++ {
			rows[i] = append(rows[i], "完成 2026-05-01")
		}
	}
	title := "城关镇 2026 年度必修课程完成情况（导出于 2026-12-04 10:00）"
	err = b.Stream(workbook.Table{Sheet: "城关镇", Title: title, Headers: headers, Widths: workbook.Measure(headers, rows)},
		len(rows), func(i int) []any {
			out := make([]any, len(rows[i]))
			for j, v := range rows[i] {
				out[j] = v
			}
			return out
		})
	if err != nil {
		t.Fatal(err)
	}
	data, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return workbooktest.Print(t, data).Pages
}
