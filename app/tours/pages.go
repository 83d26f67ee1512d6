package tours

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/seats"
	"zhibu/app/web"
)

// Page and form handlers: each parses the form, calls the same store operation as its
// JSON twin in api.go, and renders or redirects.

func (h *handlers) listPage(c *fiber.Ctx) error {
	// Showing the messages does not read them: they stay unread (and counted) until the
	// person marks them read with the buttons of the list.
	o, err := h.store.Overview(c.UserContext(), web.Me(c), 10)
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "tours/list", fiber.Map{"Title": "考察学习", "Tours": o.Tours, "Messages": o.Messages, "Unread": o.Unread})
}

// readMessageForm marks one message read (POST /tours/messages/:id/read, with the form's
// CSRF token) and goes back to the list, or with open=1 on to the message's tour.
func (h *handlers) readMessageForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	tourID, _, err := h.store.MarkMessageRead(c.UserContext(), web.Me(c).UserID, id)
	if err != nil {
		return err
	}
	if tourID > 0 && c.FormValue("open") == "1" {
		return c.Redirect(fmt.Sprintf("/tours/%d", tourID), fiber.StatusSeeOther)
	}
	return web.RedirectOK(c, "/tours", "已标为已读")
}

// readAllForm marks every message of the user read (POST /tours/messages/read).
func (h *handlers) readAllForm(c *fiber.Ctx) error {
	if err := h.store.MarkRead(c.UserContext(), web.Me(c).UserID); err != nil {
		return err
	}
	return web.RedirectOK(c, "/tours", "消息已全部标为已读")
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
	return h.srv.Render.Page(c, "tours/tour", fiber.Map{"Title": v.Title, "T": v, "Itinerary": web.Markdown(v.Itinerary)})
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

// nomineeLimit is how many secretaries one nominee search shows.
const nomineeLimit = 20

// maxQuery bounds a search text (runes): longer than any name, phone or branch.
const maxQuery = 50

// searchParam reads a search text from the query: trimmed, at most maxQuery characters,
// refused (400) when it holds text that cannot be searched.
func searchParam(c *fiber.Ctx, name string) (string, error) {
	q := strings.TrimSpace(c.Query(name))
	if web.BadText(q, false) {
		return "", web.BadRequest("搜索内容" + web.BadTextMessage)
	}
	if r := []rune(q); len(r) > maxQuery {
		q = string(r[:maxQuery])
	}
	return q, nil
}

// signupFilter reads the sign-up list's filter from the query: ?q= (name, phone, branch),
// ?township= (admins only: an organizer's list is always their own township, whatever
// the query says) and ?status= (one of seats.Statuses). What cannot be read is a 400.
func signupFilter(c *fiber.Ctx, me *web.Identity) (SignupFilter, error) {
	var f SignupFilter
	var err error
	if f.Query, err = searchParam(c, "q"); err != nil {
		return f, err
	}
	if v := c.Query("township"); v != "" && me.Role == web.RoleAdmin {
		if f.TownshipID, err = strconv.ParseInt(v, 10, 64); err != nil || f.TownshipID <= 0 {
			return f, web.BadRequest("乡镇筛选不正确，请从列表中选择乡镇")
		}
	}
	f.Status = c.Query("status")
	if f.Status != "" && !seats.KnownStatus(f.Status) {
		return f, web.BadRequest("状态筛选不正确，请从列表中选择状态")
	}
	return f, nil
}

// deskRow is one sign-up of the desk with what the viewer may do to it.
type deskRow struct {
	Signup
	CanApprove, CanReject bool
}

// statusCount is one status of the counts above the desk's list, with the link that
// filters by it.
type statusCount struct {
	Status, Name, URL string
	N                 int
	On                bool
}

// filterURL is the desk's address with the filter f (no page, no nominee search).
func filterURL(c *fiber.Ctx, f SignupFilter) string {
	q := url.Values{}
	if f.Query != "" {
		q.Set("q", f.Query)
	}
	if f.TownshipID > 0 {
		q.Set("township", strconv.FormatInt(f.TownshipID, 10))
	}
	if f.Status != "" {
		q.Set("status", f.Status)
	}
	if len(q) == 0 {
		return c.Path()
	}
	return c.Path() + "?" + q.Encode()
}

func (h *handlers) adminTourPage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	me := web.Me(c)
	f, err := signupFilter(c, me)
	if err != nil {
		return err
	}
	page, err := web.PageParam(c)
	if err != nil {
		return err
	}
	who, err := searchParam(c, "who")
	if err != nil {
		return err
	}
	pg := web.NewPager(c, page, 0, web.PageSize)
	d, err := h.store.Desk(c.UserContext(), me, id, DeskQuery{Filter: f, Offset: pg.Offset(), Limit: pg.Limit(),
		Nominee: who, NomineeLimit: nomineeLimit})
	if err != nil {
		return err
	}
	rows := make([]deskRow, len(d.Page.Rows))
	for i, r := range d.Page.Rows {
		rows[i] = deskRow{Signup: r, CanApprove: seats.Approve(me.Role, r.Status).To != "", CanReject: seats.Reject(me.Role, r.Status).To != ""}
	}
	all := f
	all.Status = ""
	counts := []statusCount{{Name: "全部", URL: filterURL(c, all), N: d.Page.Active, On: f.Status == ""}}
	for _, st := range seats.Statuses {
		g := f
		g.Status = st
		counts = append(counts, statusCount{Status: st, Name: seats.StatusName(st), URL: filterURL(c, g), N: d.Page.Counts[st], On: f.Status == st})
	}
	more := len(d.Nominees) > nomineeLimit
	if more {
		d.Nominees = d.Nominees[:nomineeLimit]
	}
	statuses := make([]statusCount, len(seats.Statuses))
	for i, st := range seats.Statuses {
		statuses[i] = statusCount{Status: st, Name: seats.StatusName(st), On: f.Status == st}
	}
	data := fiber.Map{"Title": d.Tour.Title, "T": d.Tour, "Usage": d.Usage, "Rows": rows, "Total": d.Page.Total,
		"Counts": counts, "Statuses": statuses, "F": f, "Pager": web.NewPager(c, page, d.Page.Total, web.PageSize),
		"ToDo": seats.StatusName(seats.ToDo(me.Role)), "Filtered": f != SignupFilter{},
		"Who": who, "Nominees": d.Nominees, "MoreNominees": more,
		"IsAdmin": me.Role == web.RoleAdmin, "CanNominate": d.Tour.Status == TourOpen}
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
	return h.srv.Render.Page(c, "tours/form", fiber.Map{"Title": title, "ID": id, "F": formView{In: *in, Total: total, Townships: use}, "Errors": fields})
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
