package imports_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// On ordinary workbooks the reader agrees with excelize (raw values): random sheets with
// text (markup characters, spaces, CJK, rich text), numbers, booleans, gaps and blanks.
func TestReadMatchesExcelize(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	texts := []string{"党支部", " 前后空格 ", "<a>&amp;\"'", "多行\n文本", "13800138000", "0012", "=1+1", "\t", "x"}
	for n := 0; n < 60; n++ {
		data := book(t, func(f *excelize.File) {
			for i := rng.IntN(30); i > 0; i-- {
				cell, _ := excelize.CoordinatesToCellName(1+rng.IntN(12), 1+rng.IntN(40))
				switch rng.IntN(6) {
				case 0:
					f.SetCellValue("Sheet1", cell, texts[rng.IntN(len(texts))])
				case 1:
					f.SetCellValue("Sheet1", cell, rng.IntN(1<<40)-1<<39)
				case 2:
					f.SetCellValue("Sheet1", cell, rng.Float64()*1000)
				case 3:
					f.SetCellValue("Sheet1", cell, rng.IntN(2) == 0)
				case 4:
					f.SetCellRichText("Sheet1", cell, []excelize.RichTextRun{{Text: "甲"}, {Text: texts[rng.IntN(len(texts))]}})
				case 5:
					f.SetCellValue("Sheet1", cell, "")
				}
			}
		})
		x, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := x.GetRows("Sheet1", excelize.Options{RawCellValue: true})
		x.Close()
		got := mustRead(t, data, opts(12, 100))
		dense := make([][]string, 0, len(want))
		for _, r := range got.Rows {
			for len(dense) < r.Num-1 {
				dense = append(dense, nil)
			}
			dense = append(dense, r.Cells)
		}
		for i := range want {
			for len(want[i]) > 0 && want[i][len(want[i])-1] == "" {
				want[i] = want[i][:len(want[i])-1]
			}
			if len(want[i]) == 0 {
				want[i] = nil
			}
		}
		for len(want) > 0 && want[len(want)-1] == nil {
			want = want[:len(want)-1]
		}
		for i, w := range want { // excelize reads booleans raw as 1/0
			for j, v := range w {
				if (v == "1" || v == "0") && i < len(dense) && j < len(dense[i]) && (dense[i][j] == "TRUE" || dense[i][j] == "FALSE") {
					want[i][j] = map[string]string{"1": "TRUE", "0": "FALSE"}[v]
				}
			}
		}
		if !reflect.DeepEqual(dense, want) {
			t.Fatalf("workbook %d:\n got %s\nwant %s", n, show(dense), show(want))
		}
	}
}

func show(rows [][]string) string {
	var b strings.Builder
	for i, r := range rows {
		fmt.Fprintf(&b, "\n%d: %q", i+1, r)
	}
	return b.String()
}
