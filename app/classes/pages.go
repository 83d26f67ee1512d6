package classes

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"rsc.io/qr"

	"zhibu/app/figures"
	"zhibu/app/roll"
	"zhibu/app/web"
)

// GET /classes — my classes.
func (h *handlers) minePage(c *fiber.Ctx) error {
	me := web.Me(c)
	if me.Role != web.RoleSecretary {
		return c.Redirect("/admin/classes")
	}
	list, err := h.store.Mine(c.UserContext(), me.UserID)
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "classes/mine", fiber.Map{"Title": "我的培训班", "Classes": list, "Now": h.store.now()})
}

// GET /classes/:id — the participant's class: sessions, own marks, leave, 结业.
func (h *handlers) myClassPage(c *fiber.Ctx) error {
	return h.renderMyClass(c, 0, LeaveInput{}, nil)
}

func (h *handlers) renderMyClass(c *fiber.Ctx, leaveSession int64, in LeaveInput, failed *web.Error) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	me := web.Me(c)
	if me.Role != web.RoleSecretary {
		return c.Redirect(fmt.Sprintf("/admin/classes/%d", id))
	}
	mc, err := h.store.MyClass(c.UserContext(), me.UserID, id)
	if err != nil {
		return err
	}
	d := fiber.Map{"Title": mc.Title, "C": mc, "Now": h.store.now(), "LeaveSession": leaveSession, "In": in,
		"Limit": web.FormatNumber(round2(mc.TotalHours * float64(mc.AbsenceNum) / float64(mc.AbsenceDen)))}
	if failed != nil {
		c.Status(failed.Status)
		d["Error"], d["Errors"] = failed.Message, failed.Fields
	}
	return h.srv.Render.Page(c, "classes/my_class", d)
}

// POST /classes/:id/sessions/:sid/leave (form: reason)
func (h *handlers) leaveForm(c *fiber.Ctx) error {
	id, sid, err := ids(c, "sid")
	if err != nil {
		return err
	}
	in := LeaveInput{Reason: c.FormValue("reason")}
	if _, err := h.store.AskLeave(c.UserContext(), web.Me(c).UserID, id, sid, in); err != nil {
		we := h.srv.AsError(err)
		if we.Status >= 500 || we.Status == fiber.StatusNotFound {
			return err
		}
		return h.renderMyClass(c, sid, in, we)
	}
	return web.RedirectOK(c, fmt.Sprintf("/classes/%d", id), "请假申请已提交，等待组织者审批")
}

// GET /checkin/:token — what scanning the QR code opens: one button to check in.
func (h *handlers) checkinPage(c *fiber.Ctx) error {
	return h.srv.Render.Page(c, "classes/checkin", fiber.Map{"Title": "培训班签到", "Token": c.Params("token")})
}

// POST /checkin/:token
func (h *handlers) checkinForm(c *fiber.Ctx) error {
	res, err := h.store.Checkin(c.UserContext(), web.Me(c).UserID, c.Params("token"))
	if err != nil {
		we := h.srv.AsError(err)
		if we.Status >= 500 {
			return err
		}
		c.Status(we.Status)
		return h.srv.Render.Page(c, "classes/checkin", fiber.Map{"Title": "培训班签到", "Refused": we.Message})
	}
	return h.srv.Render.Page(c, "classes/checkin", fiber.Map{"Title": "培训班签到", "Done": res})
}

// GET /admin/classes
func (h *handlers) adminListPage(c *fiber.Ctx) error {
	list, err := h.store.List(c.UserContext(), web.Me(c))
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "classes/admin_list", fiber.Map{"Title": "培训班", "Classes": list})
}

// GET /admin/classes/new
func (h *handlers) newPage(c *fiber.Ctx) error {
	return h.classForm(c, 0, ClassInput{Kind: "实务", AbsenceNum: DefaultAbsenceNum, AbsenceDen: DefaultAbsenceDen}, nil)
}

// GET /admin/classes/:id/edit
func (h *handlers) editPage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	cl, err := h.store.Class(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	if !manages(web.Me(c), cl) {
		return ErrNotManager
	}
	in := ClassInput{Title: cl.Title, Kind: cl.Kind, Venue: cl.Venue, Description: cl.Description,
		AbsenceNum: cl.AbsenceNum, AbsenceDen: cl.AbsenceDen}
	if cl.ExamID != nil {
		in.ExamID = *cl.ExamID
	}
	return h.classForm(c, id, in, nil)
}

func (h *handlers) classForm(c *fiber.Ctx, id int64, in ClassInput, failed *web.Error) error {
	title := "新建培训班"
	if id > 0 {
		title = "修改培训班"
	}
	d := fiber.Map{"Title": title, "ID": id, "In": in, "Kinds": Kinds}
	if h.deps.ExamChoices != nil {
		exams, err := h.deps.ExamChoices(c.UserContext())
		if err != nil {
			return err
		}
		d["Exams"], d["Picker"] = exams, true
		linked := in.ExamID == 0
		for _, e := range exams {
			linked = linked || e.ID == in.ExamID
		}
		d["Linked"] = linked // false: the linked exam closed and is no longer offered
	}
	if failed != nil {
		c.Status(failed.Status)
		d["Error"], d["Errors"] = failed.Message, failed.Fields
	}
	return h.srv.Render.Page(c, "classes/form", d)
}

func classInputFromForm(c *fiber.Ctx) ClassInput {
	in := ClassInput{Title: c.FormValue("title"), Kind: c.FormValue("kind"), Venue: c.FormValue("venue"), Description: c.FormValue("description")}
	in.ExamID = formInt(c, "exam_id")
	in.AbsenceNum, in.AbsenceDen = int(formInt(c, "absence_num")), int(formInt(c, "absence_den"))
	return in
}

// formInt reads a whole number of a form; anything else becomes -1, which the input's
// Validate refuses with the field named.
func formInt(c *fiber.Ctx, name string) int64 {
	v := strings.TrimSpace(c.FormValue(name))
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return -1
	}
	return n
}

// POST /admin/classes (form)
func (h *handlers) createForm(c *fiber.Ctx) error {
	in := classInputFromForm(c)
	cl, err := h.store.Create(c.UserContext(), web.Me(c), in)
	if err != nil {
		return h.formError(c, 0, in, err)
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/classes/%d", cl.ID), "培训班已创建。下一步：添加课程安排和学员")
}

// POST /admin/classes/:id (form)
func (h *handlers) updateForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	in := classInputFromForm(c)
	if _, err := h.store.Update(c.UserContext(), web.Me(c), id, in); err != nil {
		return h.formError(c, id, in, err)
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/classes/%d", id), "培训班已保存")
}

func (h *handlers) formError(c *fiber.Ctx, id int64, in ClassInput, err error) error {
	we := h.srv.AsError(err)
	if we.Status >= 500 || we.Status == fiber.StatusNotFound || we.Status == fiber.StatusForbidden {
		return err
	}
	return h.classForm(c, id, in, we)
}

// GET /admin/classes/:id?q=&page= — the class: sessions, participants, leave requests.
func (h *handlers) adminClassPage(c *fiber.Ctx) error {
	return h.renderAdminClass(c, nil, "", nil)
}

// renderAdminClass renders the class page; failed/form say which form failed and keep
// its values.
func (h *handlers) renderAdminClass(c *fiber.Ctx, failed *web.Error, form string, kept fiber.Map) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	me := web.Me(c)
	cl, err := h.store.Class(c.UserContext(), me, id)
	if err != nil {
		return err
	}
	f, page, err := rollFilter(c)
	if err != nil {
		return err
	}
	f.SessionID = 0
	people, total, err := h.store.Participants(c.UserContext(), me, id, f)
	if err != nil {
		return err
	}
	leaves, err := h.store.Leaves(c.UserContext(), me, id)
	if err != nil {
		return err
	}
	towns, err := h.store.Townships(c.UserContext(), me, cl)
	if err != nil {
		return err
	}
	// The roll call at a glance: the latest session that has started, per township.
	var current *Session
	for i := range cl.Sessions {
		if !cl.Sessions[i].StartsAt.After(h.store.now()) {
			current = &cl.Sessions[i]
		}
	}
	var glance []TownshipRoll
	if current != nil && cl.County() {
		if glance, err = h.store.RollByTownship(c.UserContext(), me, cl, current.ID); err != nil {
			return err
		}
	}
	d := fiber.Map{"Current": current, "Glance": glance, "Title": cl.Title, "C": cl, "People": people, "Total": total, "Leaves": leaves, "Q": f.Query,
		"Manages": manages(me, cl), "Townships": towns, "Kinds": figures.BranchKinds, "Now": h.store.now(),
		"Pager": web.NewPager(c, page, total, web.PageSize), "Form": form, "Kept": kept}
	if failed != nil {
		c.Status(failed.Status)
		d["Error"], d["Errors"] = failed.Message, failed.Fields
	}
	return h.srv.Render.Page(c, "classes/admin_class", d)
}

// POST /admin/classes/:id/sessions (form)
func (h *handlers) addSessionForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	in := SessionInput{Date: c.FormValue("date"), Start: c.FormValue("start"), End: c.FormValue("end"),
		Topic: c.FormValue("topic"), Teacher: c.FormValue("teacher")}
	hours := strings.TrimSpace(c.FormValue("hours"))
	if v, err := strconv.ParseFloat(hours, 64); err == nil {
		in.Hours = v
	} else {
		in.Hours = -1
	}
	if _, err := h.store.AddSession(c.UserContext(), web.Me(c), id, in); err != nil {
		return h.classPageError(c, err, "session", fiber.Map{"Date": in.Date, "Start": in.Start, "End": in.End,
			"Topic": in.Topic, "Teacher": in.Teacher, "Hours": hours})
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/classes/%d#sessions", id), "已添加课程："+strings.TrimSpace(in.Topic))
}

func (h *handlers) classPageError(c *fiber.Ctx, err error, form string, kept fiber.Map) error {
	we := h.srv.AsError(err)
	if we.Status >= 500 || we.Status == fiber.StatusNotFound || we.Status == fiber.StatusForbidden {
		return err
	}
	return h.renderAdminClass(c, we, form, kept)
}

// POST /admin/classes/:id/sessions/:sid/delete
func (h *handlers) deleteSessionForm(c *fiber.Ctx) error {
	id, sid, err := ids(c, "sid")
	if err != nil {
		return err
	}
	if err := h.store.DeleteSession(c.UserContext(), web.Me(c), id, sid); err != nil {
		return err
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/classes/%d#sessions", id), "已删除这节课")
}

// POST /admin/classes/:id/participants (form: township_id, branch_kind, people)
func (h *handlers) addParticipantsForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	in := ParticipantsInput{TownshipID: formInt(c, "township_id"), BranchKind: c.FormValue("branch_kind"),
		People: strings.FieldsFunc(c.FormValue("people"), func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == '，' || r == '、' })}
	n, err := h.store.AddParticipants(c.UserContext(), web.Me(c), id, in)
	if err != nil {
		return h.classPageError(c, err, "people", fiber.Map{"Township": in.TownshipID, "Kind": in.BranchKind, "People": c.FormValue("people")})
	}
	msg := fmt.Sprintf("已添加 %d 名学员", n)
	if n == 0 {
		msg = "符合条件的人都已经是学员了"
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/classes/%d#people", id), msg)
}

// GET /admin/classes/:id/participants/:uid/remove
func (h *handlers) removeParticipantPage(c *fiber.Ctx) error {
	id, uid, err := ids(c, "uid")
	if err != nil {
		return err
	}
	return h.srv.RenderConfirm(c, web.Confirm{Question: "确定把这名学员移出培训班吗？",
		Consequences: []string{"移出后，其在本班的考勤记录和请假申请一并删除，不能恢复；需要时可重新添加。"},
		Action:       fmt.Sprintf("/admin/classes/%d/participants/%d/remove", id, uid), Yes: "确定移出", Danger: true,
		Back: fmt.Sprintf("/admin/classes/%d#people", id)})
}

// POST /admin/classes/:id/participants/:uid/remove
func (h *handlers) removeParticipantForm(c *fiber.Ctx) error {
	id, uid, err := ids(c, "uid")
	if err != nil {
		return err
	}
	if err := h.store.RemoveParticipant(c.UserContext(), web.Me(c), id, uid); err != nil {
		return err
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/classes/%d#people", id), "已移出")
}

// GET /admin/classes/:id/sessions/:sid?q=&status=&page= — the roll call: app/roll's
// sheet, with the class's check-in QR code beside the one tap.
func (h *handlers) rollPage(c *fiber.Ctx) error {
	id, sid, err := ids(c, "sid")
	if err != nil {
		return err
	}
	me := web.Me(c)
	cl, err := h.store.Class(c.UserContext(), me, id)
	if err != nil {
		return err
	}
	var ss *Session
	for i := range cl.Sessions {
		if cl.Sessions[i].ID == sid {
			ss = &cl.Sessions[i]
		}
	}
	if ss == nil {
		return ErrSessionNotFound
	}
	f, page, err := rollFilter(c)
	if err != nil {
		return err
	}
	f.SessionID = sid
	people, tally, err := h.store.participants(c.UserContext(), me, id, f)
	if err != nil {
		return err
	}
	scopeTotal, err := h.store.ScopeCount(c.UserContext(), me, cl)
	if err != nil {
		return err
	}
	rows := make([]roll.Person, len(people))
	for i, p := range people {
		rows[i] = p.Person()
	}
	base := fmt.Sprintf("/admin/classes/%d/sessions/%d", id, sid)
	sheet := roll.NewSheet(c, me, roll.SheetInput{Base: base, Why: RollRefusal(h.store.now(), ss.StartsAt, cl.Closed()),
		Noun: "学员", Filter: f.roll(), Page: page, Tally: tally, Rows: rows,
		Links: []roll.Link{{ID: "show-qr", URL: base + "/qr", Label: "显示签到二维码（学员扫码签到）"}}})
	return h.srv.Render.Page(c, "classes/roll", fiber.Map{"Title": "点名：" + ss.Topic, "C": cl, "S": ss,
		"ScopeTotal": scopeTotal, "Sheet": sheet})
}

// POST /admin/classes/:id/sessions/:sid/all-present
func (h *handlers) allPresentForm(c *fiber.Ctx) error {
	id, sid, err := ids(c, "sid")
	if err != nil {
		return err
	}
	n, err := h.store.MarkAllPresent(c.UserContext(), web.Me(c), id, sid)
	if err != nil {
		return err
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/classes/%d/sessions/%d", id, sid),
		fmt.Sprintf("已将 %d 人标记为出勤。下一步：把缺勤、请假、迟到的人改过来", n))
}

// POST /admin/classes/:id/sessions/:sid/mark (form: user_id, status, back)
func (h *handlers) markForm(c *fiber.Ctx) error {
	id, sid, err := ids(c, "sid")
	if err != nil {
		return err
	}
	uid := formInt(c, "user_id")
	in := AttendanceInput{Records: []Record{{UserID: uid, Status: c.FormValue("status")}}}
	if _, err := h.store.SetAttendance(c.UserContext(), web.Me(c), id, sid, in); err != nil {
		return err
	}
	return c.Redirect(roll.BackTo(c.FormValue("back"), fmt.Sprintf("/admin/classes/%d/sessions/%d", id, sid), uid), fiber.StatusSeeOther)
}

// GET /admin/classes/:id/sessions/:sid/qr — the QR code participants scan; the page
// reloads itself before the code expires (no script needed).
func (h *handlers) qrPage(c *fiber.Ctx) error {
	id, sid, err := ids(c, "sid")
	if err != nil {
		return err
	}
	path, exp, err := h.store.CheckinURL(c.UserContext(), web.Me(c), id, sid)
	if err != nil {
		return err
	}
	link := c.BaseURL() + path
	code, err := qr.Encode(link, qr.M)
	if err != nil {
		return err
	}
	code.Scale = 8
	// A data: URL is safe here: the PNG is ours, never user input.
	img := template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(code.PNG()))
	return h.srv.Render.Page(c, "classes/qr", fiber.Map{"Title": "签到二维码", "Img": img, "Link": link, "Expires": exp,
		"Refresh": int(TokenRotate.Seconds()), "Back": fmt.Sprintf("/admin/classes/%d/sessions/%d", id, sid)})
}

// POST /admin/classes/:id/leaves/:lid (form: approve=1|0)
func (h *handlers) decideLeaveForm(c *fiber.Ctx) error {
	id, lid, err := ids(c, "lid")
	if err != nil {
		return err
	}
	approve := c.FormValue("approve") == "1"
	if err := h.store.DecideLeave(c.UserContext(), web.Me(c), id, lid, approve); err != nil {
		return err
	}
	msg := "已批准请假"
	if !approve {
		msg = "已不批准该请假申请"
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/classes/%d#leaves", id), msg)
}

// GET /admin/classes/:id/close — what 结班 does.
func (h *handlers) closePage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	me := web.Me(c)
	cl, err := h.store.Class(c.UserContext(), me, id)
	if err != nil {
		return err
	}
	if !manages(me, cl) {
		return ErrNotManager
	}
	back := fmt.Sprintf("/admin/classes/%d", id)
	if cl.Closed() {
		return web.RedirectOK(c, back, "培训班已结班")
	}
	unmarked := 0
	for _, s := range cl.Sessions {
		unmarked += cl.Participants - s.Marked
	}
	cons := []string{
		fmt.Sprintf("结班后考勤和请假不能再修改。%d 名学员按出勤记入学时（本班共 %s 学时），请假和缺勤超过总学时 %d/%d 的记为未结业。",
			cl.Participants, web.FormatNumber(cl.TotalHours), cl.AbsenceNum, cl.AbsenceDen),
	}
	if unmarked > 0 {
		cons = append(cons, fmt.Sprintf("还有 %d 人次没有点名，结班时按缺勤计算。请先到各节课点名。", unmarked))
	}
	return h.srv.RenderConfirm(c, web.Confirm{Question: "确定为「" + cl.Title + "」结班吗？", Consequences: cons,
		Action: back + "/close", Yes: "确定结班", Back: back, Danger: unmarked > 0})
}

// POST /admin/classes/:id/close
func (h *handlers) closeForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	res, err := h.store.Close(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	h.afterClose(c.UserContext(), id)
	return web.RedirectOK(c, fmt.Sprintf("/admin/classes/%d", id),
		fmt.Sprintf("已结班：%d 人中 %d 人结业，共记入 %s 学时", res.Participants, res.Completed, web.FormatNumber(res.Hours)))
}
