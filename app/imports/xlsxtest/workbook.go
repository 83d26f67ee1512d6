package xlsxtest

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Workbook writes rows (the first is the header) to the first sheet of a new workbook
// and lets mod add formulas, merges or styles.
func Workbook(t testing.TB, rows [][]any, mod func(f *excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		axis, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", axis, &r); err != nil {
			t.Fatal(err)
		}
	}
	if mod != nil {
		mod(f)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
