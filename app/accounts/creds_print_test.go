package accounts

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"zhibu/app/web"
	"zhibu/app/workbook/workbooktest"
)

// The initial-password list of a county import, as LibreOffice prints it: every page
// carries the title (scope, year, export time), the header row and its page number.
func TestCredentialsPrintHeaderOnEveryPage(t *testing.T) {
	var creds []Credential
	for i := 1; i <= 120; i++ {
		town := "城关镇"
		if i > 60 {
			town = "河口镇"
		}
		creds = append(creds, Credential{Township: town, Branch: fmt.Sprintf("%s第%d村党支部委员会", town, i),
			Name: fmt.Sprintf("书记%03d", i), Phone: fmt.Sprintf("139%08d", i), Password: "Ab3#kP9x"})
	}
	at := time.Date(2026, 3, 2, 9, 30, 0, 0, web.China)
	data, err := credentialsWorkbook(creds, at)
	if err != nil {
		t.Fatal(err)
	}
	pages := workbooktest.Print(t, data).Pages
	if len(pages) < 2 {
		t.Fatalf("120 accounts printed on %d page: the repeated header is not exercised", len(pages))
	}
	for i, page := range pages {
		for _, want := range []string{"全县 2026 年新账号初始密码（120 人，导出时间：2026-03-02 09:30", "手机号（登录账号）",
			fmt.Sprintf("第 %d 页，共 %d 页", i+1, len(pages))} {
			if !strings.Contains(page, want) {
				t.Errorf("page %d lacks %q:\n%s", i+1, want, page)
			}
		}
	}
	if all := strings.Join(pages, ""); !strings.Contains(all, "书记001") || !strings.Contains(all, "书记120") {
		t.Error("not every account printed")
	}
}
