package tours

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"zhibu/app/seats"
	"zhibu/app/web"
	"zhibu/app/workbook"
)

var rosterHeader = []string{"序号", "乡镇", "支部", "姓名", "手机号", "状态", "报告", "出勤天数", "候补顺序", "报名方式", "备注", "驳回理由", "报名时间"}

var quotaHeader = []string{"乡镇", "名额", "待乡镇审核", "待县委终审", "已确认", "候补"}
var quotaWidths = []float64{16, 12, 12, 12, 12, 12}

// roster exports the tour's sign-ups (not the cancelled ones) grouped by township:
// admins get every township, organizers their own.
func (h *handlers) roster(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	r, err := h.store.Roster(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	scope := "全县"
	if !web.ScopeOf(web.Me(c)).All && len(r.Usage) == 1 {
		scope = r.Usage[0].Name
	}
	data, err := RosterWorkbook(r, scope, h.store.now())
	if err != nil {
		return err
	}
	web.Attachment(c, "考察名单-"+safeName(r.Tour.Title)+".xlsx", "zhibu-tour-"+strconv.FormatInt(id, 10)+"-roster.xlsx", web.XLSXType)
	return c.Send(data)
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, s)
}

// RosterWorkbook builds the roster of scope (全县 or the organizer's township) exported
// at: sheet 名单 (one row per sign-up, filters) and sheet 名额 (quota use per
// township), each under a title naming the tour, its destination and dates, printed by
// workbook.Stream (A4 landscape, header on every page). Every text a person typed stays
// text.
func RosterWorkbook(r Roster, scope string, at time.Time) ([]byte, error) {
	b, err := workbook.New()
	if err != nil {
		return nil, err
	}
	defer b.Close()
	t := r.Tour
	about := fmt.Sprintf("（%s）：%s，%s 至 %s（导出时间：%s）", scope, t.Destination,
		t.StartsOn.Format("2006-01-02"), t.EndsOn.Format("2006-01-02"), at.In(web.China).Format("2006-01-02 15:04"))
	rows := make([][]any, len(r.Signups))
	texts := make([][]string, len(r.Signups))
	for i, s := range r.Signups {
		how := "本人报名"
		if s.NominatedBy != "" {
			how = "推荐：" + s.NominatedBy
		}
		pos, posText := any(""), ""
		if s.Position > 0 {
			pos, posText = s.Position, strconv.Itoa(s.Position)
		}
		created := s.CreatedAt.In(web.China).Format("2006-01-02 15:04")
		// 报告: 已交 / 未交 / 已通过 for a confirmed participant of a tour that asks for one.
		report := ReportColumn(t.ReportAsked(), s.Status == seats.StatusConfirmed, r.Reports[s.UserID])
		days := AttendanceColumn(r.Days, r.Attended[s.UserID], s.Status == seats.StatusConfirmed)
		texts[i] = []string{strconv.Itoa(i + 1), s.Township, s.Branch, s.Name, s.Phone, seats.StatusName(s.Status), report, days, posText,
			how, s.Note, s.Reason, created}
		rows[i] = []any{i + 1, s.Township, s.Branch, s.Name, s.Phone, seats.StatusName(s.Status), report, days, pos, how, s.Note, s.Reason, created}
	}
	// Widths from the rows: a long note or reason wraps at workbook.MaxWidth.
	err = b.Stream(workbook.Table{Sheet: "名单", Title: t.Title + " 考察名单" + about, Headers: rosterHeader,
		Widths: workbook.Measure(rosterHeader, texts), Filter: true},
		len(rows), func(i int) []any { return rows[i] })
	if err != nil {
		return nil, err
	}
	use := r.Usage
	err = b.Stream(workbook.Table{Sheet: "名额", Title: t.Title + " 名额使用" + about, Headers: quotaHeader, Widths: quotaWidths},
		len(use), func(i int) []any {
			u := use[i]
			return []any{u.Name, u.Quota, u.Pending, u.Approved, u.Confirmed, u.Waitlisted}
		})
	if err != nil {
		return nil, err
	}
	if err := b.F.SetDocProps(&excelize.DocProperties{Title: t.Title + " 考察名单", Creator: "支部书记学习考试平台"}); err != nil {
		return nil, err
	}
	return b.Bytes()
}
