package tours

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"zhibu/app/workbook/workbooktest"
)

// A roster of 5 sign-ups prints, as LibreOffice prints it, on one A4 page under a title
// naming the tour, its destination and dates; its quota sheet on one page too.
func TestRosterPrintsOnOnePage(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	r := Roster{Tour: Tour{Title: "井冈山红色教育", Destination: "江西井冈山", StartsOn: day("2026-05-10"), EndsOn: day("2026-05-14")}}
	for i := 1; i <= 5; i++ {
		r.Signups = append(r.Signups, Signup{Name: fmt.Sprintf("书记%d", i), Phone: "13800000000", Branch: "城关镇红星村党支部委员会",
			Township: "城关镇", Status: "confirmed", Note: "素食，需要安排一楼房间，并提前一天到达集合地点", NominatedBy: "城关镇组织委员",
			CreatedAt: day("2026-03-02")})
	}
	r.Usage = []TownshipUse{{Name: "城关镇", Quota: 5, Confirmed: 5}, {Name: "河口镇", Quota: 3}}
	data, err := RosterWorkbook(r, "全县", day("2026-04-01").Add(10*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	p := workbooktest.Print(t, data)
	for _, sheet := range []struct{ title, header string }{{"井冈山红色教育 考察名单", "报名方式"}, {"井冈山红色教育 名额使用", "待县委终审"}} {
		pages := p.Having(sheet.title)
		if len(pages) != 1 {
			t.Fatalf("%s printed on %d pages, want 1:\n%s", sheet.title, len(pages), strings.Join(p.Pages, "\n--- page ---\n"))
		}
		for _, want := range []string{"江西井冈山", "2026-05-10 至 2026-05-14", "导出时间：2026-04-01", sheet.header, "第 "} {
			if !strings.Contains(pages[0], want) {
				t.Errorf("%s page lacks %q:\n%s", sheet.title, want, pages[0])
			}
		}
	}
	if len(p.Pages) != 2 {
		t.Errorf("the roster printed on %d pages, want 2 (名单, 名额)", len(p.Pages))
	}
}
