package tours

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"zhibu/app/web"
)

var rosterHeader = []string{"序号", "乡镇", "支部", "姓名", "手机号", "状态", "候补顺序", "报名方式", "备注", "驳回理由", "报名时间"}
var rosterWidths = []float64{6, 14, 26, 10, 14, 12, 10, 18, 30, 24, 18}

// roster exports the tour's sign-ups (not the cancelled ones) grouped by township:
// admins get every township, organizers their own.
func (h *handlers) roster(c *fiber.Ctx) error {
	t, err := h.tourInScope(c)
	if err != nil {
		return err
	}
	scope := web.ScopeOf(web.Me(c))
	rows, err := h.store.Signups(c.UserContext(), t.ID, scope, false)
	if err != nil {
		return err
	}
	use, err := h.store.Usage(c.UserContext(), t.ID, scope)
	if err != nil {
		return err
	}
	f, err := RosterWorkbook(t.Tour, rows, use)
	if err != nil {
		return err
	}
	defer f.Close()
	buf, err := f.WriteToBuffer()
	if err != nil {
		return err
	}
	web.Attachment(c, "考察名单-"+safeName(t.Title)+".xlsx", web.XLSXType)
	return c.Send(buf.Bytes())
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, s)
}

// RosterWorkbook builds the roster: sheet 名单 (one row per sign-up, frozen header,
// filters) and sheet 名额 (quota use per township).
func RosterWorkbook(t Tour, rows []Signup, use []TownshipUse) (*excelize.File, error) {
	f := excelize.NewFile()
	const sheet = "名单"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"F3D6DA"}, Pattern: 1}})
	if err != nil {
		return nil, err
	}
	for i, hd := range rosterHeader {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		f.SetCellValue(sheet, cell, hd)
		col, _ := excelize.ColumnNumberToName(i + 1)
		f.SetColWidth(sheet, col, col, rosterWidths[i])
	}
	last, _ := excelize.ColumnNumberToName(len(rosterHeader))
	f.SetCellStyle(sheet, "A1", last+"1", head)
	for i, r := range rows {
		how := "本人报名"
		if r.NominatedBy != "" {
			how = "推荐：" + r.NominatedBy
		}
		pos := any("")
		if r.Position > 0 {
			pos = r.Position
		}
		// Every text a person typed goes through web.CellText: a name such as =HYPERLINK(…)
		// stays text in any spreadsheet.
		text := web.CellText
		vals := []any{i + 1, text(r.Township), text(r.Branch), text(r.Name), text(r.Phone), StatusName(r.Status), pos,
			text(how), text(r.Note), text(r.Reason), r.CreatedAt.In(web.China).Format("2006-01-02 15:04")}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(sheet, cell, &vals); err != nil {
			return nil, err
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	if err := f.AutoFilter(sheet, fmt.Sprintf("A1:%s%d", last, len(rows)+1), nil); err != nil {
		return nil, err
	}

	const quotas = "名额"
	f.NewSheet(quotas)
	qh := []any{"乡镇", "名额", "待乡镇审核", "待县委终审", "已确认", "候补"}
	f.SetSheetRow(quotas, "A1", &qh)
	f.SetCellStyle(quotas, "A1", "F1", head)
	f.SetColWidth(quotas, "A", "A", 16)
	f.SetColWidth(quotas, "B", "F", 12)
	for i, u := range use {
		row := []any{web.CellText(u.Name), u.Quota, u.Pending, u.Approved, u.Confirmed, u.Waitlisted}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		f.SetSheetRow(quotas, cell, &row)
	}
	f.SetPanes(quotas, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	f.SetDocProps(&excelize.DocProperties{Title: t.Title + " 考察名单", Creator: "支部书记学习考试平台"})
	return f, nil
}
