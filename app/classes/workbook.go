package classes

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"zhibu/app/web"
	"zhibu/app/workbook"
)

// SheetRow is one participant of the attendance workbook: a mark per session.
type SheetRow struct {
	Participant
	Marks []string // per session of the class, in order
}

// AttendanceSheet is the class's participants the caller manages with every session's
// mark (at most MaxPeople of them). Locks: none.
func (s *Store) AttendanceSheet(ctx context.Context, me *web.Identity, classID int64) (Class, []SheetRow, error) {
	c, err := s.Class(ctx, me, classID)
	if err != nil {
		return c, nil, err
	}
	if !staffOf(me, c) {
		return c, nil, ErrNotManager
	}
	people, _, err := s.Participants(ctx, me, classID, RollFilter{Limit: MaxPeople})
	if err != nil {
		return c, nil, err
	}
	var marks []struct {
		SessionID int64  `db:"session_id"`
		UserID    int64  `db:"user_id"`
		Status    string `db:"status"`
	}
	if err := s.db.SelectContext(ctx, &marks, `SELECT a.session_id, a.user_id, a.status FROM class_attendance a
		JOIN class_sessions s ON s.id = a.session_id WHERE s.class_id = $1`, classID); err != nil {
		return c, nil, err
	}
	col := map[int64]int{}
	for i, ss := range c.Sessions {
		col[ss.ID] = i
	}
	at := map[[2]int64]string{}
	for _, m := range marks {
		at[[2]int64{m.SessionID, m.UserID}] = m.Status
	}
	rows := make([]SheetRow, len(people))
	for i, p := range people {
		rows[i] = SheetRow{Participant: p, Marks: make([]string, len(c.Sessions))}
		for _, ss := range c.Sessions {
			rows[i].Marks[col[ss.ID]] = at[[2]int64{ss.ID, p.UserID}]
		}
	}
	return c, rows, nil
}

// AttendanceWorkbook is the class's 考勤表: one row per participant, a column per
// session (出勤/迟到/请假/缺勤/未点名), the 学时 attended and, after 结班, 结业. Printed by
// workbook.Stream (A4 landscape, the header on every page); names stay text.
func AttendanceWorkbook(c Class, rows []SheetRow, scope string, now time.Time) ([]byte, error) {
	b, err := workbook.New()
	if err != nil {
		return nil, err
	}
	defer b.Close()
	headers := []string{"序号", "乡镇", "支部", "姓名", "手机号"}
	for i, ss := range c.Sessions {
		headers = append(headers, fmt.Sprintf("第%d节 %s", i+1, ss.StartsAt.In(web.China).Format("1月2日")))
	}
	headers = append(headers, "出勤学时", "请假缺勤学时", "结业")
	texts := make([][]string, len(rows))
	cells := make([][]any, len(rows))
	for i, r := range rows {
		var attended, missed float64
		t := []string{strconv.Itoa(i + 1), r.Township, r.Branch, r.Name, r.Phone}
		for j, m := range r.Marks {
			t = append(t, StatusLabel(m))
			if Attended(m) {
				attended += c.Sessions[j].Hours
			} else if MissedSoFar(m, c.Sessions[j].EndsAt, now) {
				missed += c.Sessions[j].Hours
			}
		}
		result := "结班后确定"
		if r.Decided() {
			result = "已结业"
			if !r.Done() {
				result = "未结业：" + r.Result
			}
		}
		t = append(t, web.FormatNumber(attended), web.FormatNumber(missed), result)
		texts[i] = t
		row := make([]any, len(t))
		for k, v := range t {
			row[k] = v
		}
		row[0] = i + 1
		row[len(t)-3], row[len(t)-2] = round2(attended), round2(missed)
		cells[i] = row
	}
	title := fmt.Sprintf("%s 考勤表（%s，共 %d 节 %s 学时，导出时间：%s）", c.Title, scope, len(c.Sessions),
		web.FormatNumber(c.TotalHours), now.In(web.China).Format("2006-01-02 15:04"))
	if err := b.Stream(workbook.Table{Sheet: "考勤", Title: title, Headers: headers,
		Widths: workbook.Measure(headers, texts), Filter: true}, len(cells), func(i int) []any { return cells[i] }); err != nil {
		return nil, err
	}
	if err := b.F.SetDocProps(&excelize.DocProperties{Title: c.Title + " 考勤表", Creator: "支部书记学习考试平台"}); err != nil {
		return nil, err
	}
	return b.Bytes()
}

// GET /api/v1/classes/:id/attendance.xlsx — staff: the people they manage.
func (h *handlers) apiAttendanceXLSX(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	me := web.Me(c)
	cl, rows, err := h.store.AttendanceSheet(c.UserContext(), me, id)
	if err != nil {
		return err
	}
	scope := "全部学员"
	if rollScope(me, cl).Valid {
		scope = "本乡镇学员"
	}
	data, err := AttendanceWorkbook(cl, rows, scope, h.store.now())
	if err != nil {
		return err
	}
	web.Attachment(c, "考勤表-"+web.SafeFileName(cl.Title)+".xlsx", "zhibu-class-"+strconv.FormatInt(id, 10)+"-attendance.xlsx", web.XLSXType)
	return c.Send(data)
}
