package tours

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"zhibu/app/web"
	"zhibu/app/workbook"
)

var rosterHeader = []string{"序号", "乡镇", "支部", "姓名", "手机号", "状态", "候补顺序", "报名方式", "备注", "驳回理由", "报名时间"}
var rosterWidths = []float64{6, 14, 26, 10, 14, 12, 10, 18, 30, 24, 18}

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
	data, err := RosterWorkbook(r)
	if err != nil {
		return err
	}
	web.Attachment(c, "考察名单-"+safeName(r.Tour.Title)+".xlsx", web.XLSXType)
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

// RosterWorkbook builds the roster: sheet 名单 (one row per sign-up, landscape, filters)
// and sheet 名额 (quota use per township, portrait), each with a frozen header repeated
// on every printed page. Every text a person typed stays text (workbook.Stream).
func RosterWorkbook(r Roster) ([]byte, error) {
	b, err := workbook.New()
	if err != nil {
		return nil, err
	}
	defer b.Close()
	rows := r.Signups
	err = b.Stream(workbook.Table{Sheet: "名单", Headers: rosterHeader, Widths: rosterWidths, Landscape: true, Filter: true},
		len(rows), func(i int) []any {
			s := rows[i]
			how := "本人报名"
			if s.NominatedBy != "" {
				how = "推荐：" + s.NominatedBy
			}
			pos := any("")
			if s.Position > 0 {
				pos = s.Position
			}
			return []any{i + 1, s.Township, s.Branch, s.Name, s.Phone, StatusName(s.Status), pos,
				how, s.Note, s.Reason, s.CreatedAt.In(web.China).Format("2006-01-02 15:04")}
		})
	if err != nil {
		return nil, err
	}
	use := r.Usage
	err = b.Stream(workbook.Table{Sheet: "名额", Headers: quotaHeader, Widths: quotaWidths},
		len(use), func(i int) []any {
			u := use[i]
			return []any{u.Name, u.Quota, u.Pending, u.Approved, u.Confirmed, u.Waitlisted}
		})
	if err != nil {
		return nil, err
	}
	if err := b.F.SetDocProps(&excelize.DocProperties{Title: r.Tour.Title + " 考察名单", Creator: "支部书记学习考试平台"}); err != nil {
		return nil, err
	}
	return b.Bytes()
}
