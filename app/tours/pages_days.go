package tours

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/roll"
	"zhibu/app/web"
)

// The days' pages: 考察日程与点名 (the days, added and deleted by the county) and each
// day's roll call (app/roll's sheet), for organizers and admins.

// GET /admin/tours/:id/days
func (h *handlers) daysPage(c *fiber.Ctx) error { return h.renderDays(c, nil, DayInput{}) }

func (h *handlers) renderDays(c *fiber.Ctx, failed *web.Error, kept DayInput) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	me := web.Me(c)
	v, days, err := h.store.Days(c.UserContext(), me, id)
	if err != nil {
		return err
	}
	d := fiber.Map{"Title": "考察日程与点名：" + v.Title, "T": v, "Days": days, "IsAdmin": me.Role == web.RoleAdmin,
		"Kept": kept, "Today": h.store.now().In(web.China).Format(web.DateLayout), "Errors": map[string]string{}}
	if failed != nil {
		c.Status(failed.Status)
		d["Error"] = failed.Message
		if failed.Fields != nil {
			d["Errors"] = failed.Fields
		}
	}
	return h.srv.Render.Page(c, "tours/days", d)
}

// POST /admin/tours/:id/days (form: day, title) — admin.
func (h *handlers) addDayForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	in := DayInput{Day: c.FormValue("day"), Title: c.FormValue("title")}
	d, err := h.store.AddDay(c.UserContext(), web.Me(c), id, in)
	if err != nil {
		we := h.srv.AsError(err)
		if we.Status >= 500 || we.Status == fiber.StatusNotFound || we.Status == fiber.StatusForbidden {
			return err
		}
		return h.renderDays(c, we, in)
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/tours/%d/days", id), "已添加日程："+d.Label())
}

// GET /admin/tours/:id/days/:did/delete — admin: asks first.
func (h *handlers) deleteDayPage(c *fiber.Ctx) error {
	id, did, err := dayIDs(c)
	if err != nil {
		return err
	}
	_, d, err := h.store.OneDay(c.UserContext(), web.Me(c), id, did)
	if err != nil {
		return err
	}
	return h.srv.RenderConfirm(c, web.Confirm{Question: "确定删除日程「" + d.Label() + "」吗？",
		Consequences: []string{"只能删除还没有点名的日程；删除后可重新添加。"},
		Action:       fmt.Sprintf("/admin/tours/%d/days/%d/delete", id, did), Yes: "确定删除", Danger: true,
		Back: fmt.Sprintf("/admin/tours/%d/days", id)})
}

// POST /admin/tours/:id/days/:did/delete — admin.
func (h *handlers) deleteDayForm(c *fiber.Ctx) error {
	id, did, err := dayIDs(c)
	if err != nil {
		return err
	}
	if err := h.store.DeleteDay(c.UserContext(), web.Me(c), id, did); err != nil {
		return err
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/tours/%d/days", id), "已删除日程")
}

// GET /admin/tours/:id/days/:did?q=&status=&township=&page= — the day's roll call.
func (h *handlers) dayRollPage(c *fiber.Ctx) error {
	id, did, err := dayIDs(c)
	if err != nil {
		return err
	}
	me := web.Me(c)
	f, page, err := roll.ReadFilter(c, me)
	if err != nil {
		return err
	}
	r, err := h.store.DayRoll(c.UserContext(), me, id, did, f)
	if err != nil {
		return err
	}
	sheet := roll.NewSheet(c, me, roll.SheetInput{Base: fmt.Sprintf("/admin/tours/%d/days/%d", id, did), Why: r.Why,
		Noun: "参加人员", Filter: f, Page: page, Tally: r.Tally, Rows: r.People, Townships: r.Townships})
	return h.srv.Render.Page(c, "tours/days_roll", fiber.Map{"Title": "点名：" + r.Day.Label(), "T": r.Tour, "D": r.Day,
		"Sheet": sheet, "IsAdmin": me.Role == web.RoleAdmin})
}

// POST /admin/tours/:id/days/:did/all-present
func (h *handlers) dayAllPresentForm(c *fiber.Ctx) error {
	id, did, err := dayIDs(c)
	if err != nil {
		return err
	}
	n, err := h.store.MarkDayAll(c.UserContext(), web.Me(c), id, did)
	if err != nil {
		return err
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/tours/%d/days/%d", id, did),
		fmt.Sprintf("已将 %d 人标记为出勤。下一步：把缺勤、请假、迟到的人改过来", n))
}

// POST /admin/tours/:id/days/:did/mark (form: user_id, status, back)
func (h *handlers) dayMarkForm(c *fiber.Ctx) error {
	id, did, err := dayIDs(c)
	if err != nil {
		return err
	}
	uid := formUserID(c)
	in := roll.Input{Records: []roll.Record{{UserID: uid, Status: c.FormValue("status")}}}
	if _, err := h.store.MarkDay(c.UserContext(), web.Me(c), id, did, in); err != nil {
		return err
	}
	return c.Redirect(roll.BackTo(c.FormValue("back"), fmt.Sprintf("/admin/tours/%d/days/%d", id, did), uid), fiber.StatusSeeOther)
}

// formUserID reads the form's user_id (0 when missing or not a number: the roll call
// refuses it as a record without a person).
func formUserID(c *fiber.Ctx) int64 {
	var id int64
	if _, err := fmt.Sscan(strings.TrimSpace(c.FormValue("user_id")), &id); err != nil || id < 0 {
		return 0
	}
	return id
}
