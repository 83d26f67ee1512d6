package tours

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/seats"
	"zhibu/app/web"
)

// Page and form handlers: each parses the form, calls the same store operation as its
// JSON twin in api.go, and renders or redirects.

// listPage: the tours the viewer sees; the page links to the inbox (/messages) while the
// person has unread messages, and reading it marks nothing read.
func (h *handlers) listPage(c *fiber.Ctx) error {
	vs, err := h.store.Tours(c.UserContext(), web.Me(c), 0)
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "tours/list", fiber.Map{"Title": "考察学习", "Tours": vs})
}

func (h *handlers) tourPage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	v, err := h.store.View(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	data := fiber.Map{"Title": v.Title, "T": v, "Itinerary": web.Markdown(v.Itinerary)}
	if v.MyStatus == seats.StatusConfirmed {
		// A confirmed participant sees the pre-reading and the report (rules_reports.go).
		m, err := h.store.MyReport(c.UserContext(), web.Me(c), id)
		if err != nil {
			return err
		}
		data["Loop"] = m
	}
	return h.srv.Render.Page(c, "tours/tour", data)
}

func (h *handlers) signupForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	status, err := h.store.Signup(c.UserContext(), id, web.Me(c).UserID, c.FormValue("note"))
	if err != nil {
		return err
	}
	msg := "报名成功，等待乡镇组织委员审核"
	if status == seats.StatusWaitlisted {
		msg = "本乡镇名额已满，您已进入候补名单"
	}
	return web.RedirectOK(c, fmt.Sprintf("/tours/%d", id), msg)
}

// cancelPage asks before cancelling (GET /tours/:id/cancel): it says what the cancellation
// will do to the seat and the waiting list, from the state as it is now. Confirming posts
// to cancelForm; nothing changes until then.
func (h *handlers) cancelPage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	p, err := h.store.CancelPlan(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "tours/cancel", fiber.Map{"Title": "确认取消报名", "P": p, "T": p.Tour})
}

// cancelForm is the confirmed cancellation (POST /tours/:id/cancel, from cancelPage).
func (h *handlers) cancelForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	if err := h.store.Cancel(c.UserContext(), id, web.Me(c).UserID); err != nil {
		return err
	}
	return web.RedirectOK(c, fmt.Sprintf("/tours/%d", id), "已取消报名")
}

func (h *handlers) adminListPage(c *fiber.Ctx) error {
	page, err := web.PageParam(c)
	if err != nil {
		return err
	}
	pg := web.NewPager(c, page, 0, web.PageSize)
	vs, total, err := h.store.TourPage(c.UserContext(), web.Me(c), pg.Offset(), pg.Limit())
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "tours/admin_list", fiber.Map{"Title": "考察管理", "Tours": vs, "Total": total,
		"Pager": web.NewPager(c, page, total, web.PageSize)})
}

func (h *handlers) adminTourPage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	me := web.Me(c)
	q, err := seats.ReadQuery(c, me)
	if err != nil {
		return err
	}
	pg := q.Pager(c)
	d, err := h.store.Desk(c.UserContext(), me, id, DeskQuery{Filter: q.Filter, Offset: pg.Offset(), Limit: pg.Limit(),
		Nominee: q.Who, NomineeLimit: seats.NomineeLimit})
	if err != nil {
		return err
	}
	desk := seats.NewDesk(c, me, seats.DeskInput{Base: fmt.Sprintf("/admin/tours/%d", id), Query: q, Page: d.Page,
		Nominees: d.Nominees, Usage: d.Usage, TotalSeats: d.Tour.TotalSeats, CanNominate: d.Tour.Status == TourOpen})
	data := fiber.Map{"Title": d.Tour.Title, "T": d.Tour, "Desk": desk, "IsAdmin": me.Role == web.RoleAdmin}
	if me.Role == web.RoleAdmin {
		data["Events"] = d.Events
	}
	return h.srv.Render.Page(c, "tours/admin_tour", data)
}

func (h *handlers) nominateForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	uid, _ := strconv.ParseInt(c.FormValue("user_id"), 10, 64) // not a number: 0, refused as missing
	status, err := h.store.Nominate(c.UserContext(), web.Me(c), id, NominationInput{UserID: uid, Note: c.FormValue("note")})
	if err != nil {
		return err
	}
	msg := "已推荐，等待审核"
	if status == seats.StatusWaitlisted {
		msg = "本乡镇名额已满，已列入候补名单"
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/tours/%d", id), msg)
}

func (h *handlers) approveForm(c *fiber.Ctx) error {
	status, err := h.decide(c, true, "")
	if err != nil {
		return err
	}
	return web.RedirectOK(c, "/admin/tours/"+c.Params("id"), "已审核通过（"+seats.StatusName(status)+"）")
}

// rejectPage asks before rejecting (GET /admin/tours/:id/signups/:sid/reject): who, the
// reason field and what the rejection will do to the seat and the waiting list, from the
// state as it is now. Confirming posts to rejectForm; nothing changes until then.
func (h *handlers) rejectPage(c *fiber.Ctx) error { return h.rejectConfirm(c, "", "") }

// rejectConfirm renders the rejection's confirmation; msg is the message of a refused
// reason, shown next to the field with the text as typed (422).
func (h *handlers) rejectConfirm(c *fiber.Ctx, reason, msg string) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	sid, err := web.ParamID(c, "sid")
	if err != nil {
		return err
	}
	p, err := h.store.RejectPlan(c.UserContext(), web.Me(c), id, sid)
	if err != nil {
		return err
	}
	if msg != "" {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	title := "确认驳回报名"
	if p.Signup.Status == seats.StatusWaitlisted {
		title = "确认移出候补"
	}
	return h.srv.Render.Page(c, "tours/reject", fiber.Map{"Title": title, "P": p, "T": p.Tour, "S": p.Signup,
		"Reason": reason, "Message": msg})
}

// rejectForm rejects a sign-up (from rejectPage); a reason that is missing or cannot be
// kept brings the confirmation back (422) with the message next to the field and the
// text as typed.
func (h *handlers) rejectForm(c *fiber.Ctx) error {
	reason := c.FormValue("reason")
	if _, err := h.decide(c, false, reason); err != nil {
		we := h.srv.AsError(err)
		msg, ok := we.Fields["reason"]
		if !ok {
			return err
		}
		return h.rejectConfirm(c, reason, msg)
	}
	return web.RedirectOK(c, "/admin/tours/"+c.Params("id"), "已驳回，已通知本人")
}

// tourInputFromForm reads the tour form; quotas come as quota_<township id> fields. What
// cannot be read (a number that is none) is kept as the input's form errors.
func tourInputFromForm(c *fiber.Ctx) (in TourInput, total string) {
	bad := web.FieldErrors{}
	in = TourInput{
		Title: c.FormValue("title"), Destination: c.FormValue("destination"),
		Itinerary: c.FormValue("itinerary"), StartsOn: c.FormValue("starts_on"), EndsOn: c.FormValue("ends_on"),
		SignupOpensAt: c.FormValue("signup_opens_at"), SignupClosesAt: c.FormValue("signup_closes_at"),
		CancelDeadline: c.FormValue("cancel_deadline"), RequireCourses: c.FormValue("require_courses") != "",
		Status: c.FormValue("status"), Quotas: map[int64]int{},
	}
	in.normalize()
	total = c.FormValue("total_seats")
	var err error
	if in.TotalSeats, err = strconv.Atoi(strings.TrimSpace(total)); err != nil {
		bad["total_seats"] = "请填写总名额（数字）"
	}
	if y := strings.TrimSpace(c.FormValue("year")); y != "" {
		if in.Year, err = strconv.Atoi(y); err != nil {
			bad["year"] = "请填写年度（数字）"
		}
	}
	in.ReportDue = c.FormValue("report_due")
	if v := strings.TrimSpace(c.FormValue("course_id")); v != "" {
		if in.CourseID, err = strconv.ParseInt(v, 10, 64); err != nil {
			bad["course_id"] = "请选择课程"
		}
	}
	if h := strings.TrimSpace(c.FormValue("hours")); h != "" {
		// ParseFloat reads NaN, Inf and hex too; HoursProblem refuses the first two.
		if in.Hours, err = strconv.ParseFloat(h, 64); err != nil {
			bad["hours"] = "请填写学时（数字）"
			in.Hours, in.hoursTyped = 0, h
		}
	}
	args, _ := url.ParseQuery(string(c.Body()))
	for k, vals := range args {
		if !strings.HasPrefix(k, "quota_") || len(vals) == 0 {
			continue
		}
		tid, err := strconv.ParseInt(strings.TrimPrefix(k, "quota_"), 10, 64)
		if err != nil {
			continue
		}
		v := strings.TrimSpace(vals[0])
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			bad[k] = "请填写数字"
			continue
		}
		if n > 0 {
			in.Quotas[tid] = n
		}
	}
	if len(bad) > 0 {
		in.formErrors = bad
	}
	return in, total
}

// formView is what the tour form shows: the input as strings and every township's quota.
type formView struct {
	In        TourInput
	Total     string
	Townships []TownshipUse
	Courses   []CourseRef // the pre-reading courses to pick from
}

// formPage shows the tour form (id 0: a new tour): the stored tour when in is nil, else
// in as it was sent, with the fields of its errors.
func (h *handlers) formPage(c *fiber.Ctx, id int64, in *TourInput, total string, fields map[string]string) error {
	stored, use, err := h.store.EditForm(c.UserContext(), id)
	if err != nil {
		return err
	}
	if in == nil {
		in = &stored
		if id != 0 {
			total = strconv.Itoa(stored.TotalSeats)
		}
	} else {
		for i := range use {
			use[i].Quota = in.Quotas[use[i].TownshipID]
		}
	}
	title := "新建考察"
	if id > 0 {
		title = "修改考察"
	}
	if len(fields) > 0 {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	courses, err := h.store.courseList(c.UserContext())
	if err != nil {
		return err
	}
	if in.CourseID > 0 && !slices.ContainsFunc(courses, func(r CourseRef) bool { return r.ID == in.CourseID }) {
		// A linked course unpublished since: kept (not cleared by saving the form).
		courses = append(courses, CourseRef{ID: in.CourseID, Title: "（已下架的课程）"})
	}
	return h.srv.Render.Page(c, "tours/form", fiber.Map{"Title": title, "ID": id,
		"F": formView{In: *in, Total: total, Townships: use, Courses: courses}, "Errors": fields})
}

func (h *handlers) newPage(c *fiber.Ctx) error { return h.formPage(c, 0, nil, "", nil) }

func (h *handlers) editPage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	return h.formPage(c, id, nil, "", nil)
}

func (h *handlers) createForm(c *fiber.Ctx) error {
	in, total := tourInputFromForm(c)
	if asked, err := h.askStatusChange(c, 0, in, total); asked || err != nil {
		return err
	}
	t, err := h.store.CreateTour(c.UserContext(), in, web.Me(c).UserID)
	if err != nil {
		return h.formError(c, 0, in, total, err)
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/tours/%d", t.ID), "考察活动已创建")
}

func (h *handlers) updateForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	in, total := tourInputFromForm(c)
	if asked, err := h.askStatusChange(c, id, in, total); asked || err != nil {
		return err
	}
	if _, err := h.store.UpdateTour(c.UserContext(), id, in, web.Me(c).UserID); err != nil {
		return h.formError(c, id, in, total, err)
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/tours/%d", id), "已保存")
}

// formError shows the form again with the fields of a 422; any other error is answered
// as it is.
func (h *handlers) formError(c *fiber.Ctx, id int64, in TourInput, total string, err error) error {
	we := h.srv.AsError(err)
	if we.Status != fiber.StatusUnprocessableEntity {
		return err
	}
	return h.formPage(c, id, &in, total, we.Fields)
}

// hiddenField is one field of a form carried through a confirmation page.
type hiddenField struct{ Name, Value string }

// askStatusChange stands between saving the tour form and a status change secretaries
// notice (publishing a draft, ending sign-ups; StatusChangeConsequence): it shows what
// will happen with the form's values carried along, and saving happens only when that
// page posts back with confirmed=1; confirmed=back shows the form again as typed. A form
// that would not save is not asked about: saving shows its errors. asked tells the handler it is done.
func (h *handlers) askStatusChange(c *fiber.Ctx, id int64, in TourInput, total string) (asked bool, err error) {
	switch c.FormValue("confirmed") {
	case "1":
		return false, nil
	case "back":
		return true, h.formPage(c, id, &in, total, nil)
	}
	if h.store.CheckTour(c.UserContext(), id, in) != nil {
		return false, nil // saving shows what is wrong
	}
	from := ""
	if id != 0 {
		t, err := h.store.Tour(c.UserContext(), id)
		if err != nil {
			return true, err
		}
		from = t.Status
	}
	to := in.Status
	if to == "" {
		to = TourDraft
	}
	what := StatusChangeConsequence(from, to)
	if what == "" {
		return false, nil
	}
	args, _ := url.ParseQuery(string(c.Body()))
	var fields []hiddenField
	for k, vs := range args {
		if k == "_csrf" || k == "confirmed" {
			continue
		}
		for _, v := range vs {
			fields = append(fields, hiddenField{k, v})
		}
	}
	sort.Slice(fields, func(i, j int) bool { return fields[i].Name < fields[j].Name })
	question, yes := "确定把「"+in.Title+"」改为“"+TourStatusName(to)+"”吗？", "确认保存"
	if to == TourOpen && (from == "" || from == TourDraft) {
		question, yes = "确定发布「"+in.Title+"」吗？", "确认发布"
	}
	action := "/admin/tours"
	if id != 0 {
		action = fmt.Sprintf("/admin/tours/%d", id)
	}
	return true, h.srv.Render.Page(c, "tours/status_confirm", fiber.Map{"Title": question, "Question": question,
		"Consequence": what, "Action": action, "Fields": fields, "Yes": yes})
}
