package accounts

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"zhibu/app/workbook/workbooktest"
)

// The initial-password list keeps names from the uploaded roster as text: a value a
// spreadsheet would read as a formula starts with an apostrophe, no cell is a formula,
// and the password is exactly the one generated. The list prints on A4 with the header
// on every page.
func TestCredentialsWorkbookKeepsFormulasAsText(t *testing.T) {
	pw := generatePassword()
	b, err := credentialsWorkbook([]Credential{{Township: "-2", Branch: "+1", Name: `=HYPERLINK("http://x","y")`, Phone: "@SUM(A1)", Password: pw}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("初始密码", excelize.Options{RawCellValue: true})
	if err != nil || len(rows) != 3 || !strings.HasPrefix(rows[0][0], "'-2 ") {
		t.Fatalf("rows %v %v", rows, err)
	}
	want := []string{"'-2", "'+1", `'=HYPERLINK("http://x","y")`, "'@SUM(A1)", pw}
	if strings.Join(rows[2], "|") != strings.Join(want, "|") {
		t.Fatalf("row %q, want %q", rows[2], want)
	}
	got := workbooktest.Read(t, b)["初始密码"]
	if h := strings.Join(got.Rows[1], "|"); h != "乡镇|支部名称|姓名|手机号（登录账号）|初始密码" {
		t.Errorf("header %q", h)
	}
	workbooktest.PrintReady(t, "初始密码", got, true, 2)
	for j := range rows[2] {
		ref, _ := excelize.CoordinatesToCellName(j+1, 3)
		if fm, _ := f.GetCellFormula("初始密码", ref); fm != "" {
			t.Errorf("%s is a formula: %q", ref, fm)
		}
	}
}
