package tours

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

func (h *handlers) listPage(c *fiber.Ctx) error {
	me := web.Me(c)
	vs, err := h.store.Tours(c.UserContext(), me, 0)
	if err != nil {
		return err
	}
	// Showing the messages does not read them: they stay unread (and counted) until the
	// person marks them read with the buttons of the list.
	ms, unread, err := h.store.Messages(c.UserContext(), me.UserID, 10)
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "tours/list", fiber.Map{"Title": "考察学习", "Tours": vs, "Messages": ms, "Unread": unread})
}

// readMessageForm marks one message read (POST /tours/messages/:id/read, with the form's
// CSRF token) and goes back to the list, or with open=1 on to the message's tour.
func (h *handlers) readMessageForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	tourID, err := h.store.MarkMessageRead(c.UserContext(), web.Me(c).UserID, id)
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
	note, err := cleanNote(c.FormValue("note"))
	if err != nil {
		return err
	}
	status, err := h.store.Signup(c.UserContext(), id, web.Me(c).UserID, note, 0)
	if err != nil {
		return err
	}
	msg := "报名成功，等待乡镇组织委员审核"
	if status == StatusWaitlisted {
		msg = "本乡镇名额已满，您已进入候补名单"
	}
	return web.RedirectOK(c, fmt.Sprintf("/tours/%d", id), msg)
}

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
	vs, err := h.store.Tours(c.UserContext(), web.Me(c), 0)
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "tours/admin_list", fiber.Map{"Title": "考察管理", "Tours": vs})
}

func (h *handlers) adminTourPage(c *fiber.Ctx) error {
	t, err := h.tourInScope(c)
	if err != nil {
		return err
	}
	me := web.Me(c)
	scope := web.ScopeOf(me)
	ctx := c.UserContext()
	use, err := h.store.Usage(ctx, t.ID, scope)
	if err != nil {
		return err
	}
	rows, err := h.store.Signups(ctx, t.ID, scope, false)
	if err != nil {
		return err
	}
	nominees, err := h.store.Nominees(ctx, t.ID, scope)
	if err != nil {
		return err
	}
	var queue, waiting, others []Signup
	todo := StatusPending
	if me.Role == web.RoleAdmin {
		todo = StatusApproved
	}
	for _, r := range rows {
		switch r.Status {
		case todo:
			queue = append(queue, r)
		case StatusWaitlisted:
			waiting = append(waiting, r)
		default:
			others = append(others, r)
		}
	}
	data := fiber.Map{"Title": t.Title, "T": t, "Usage": use, "Queue": queue, "Waiting": waiting, "Others": others,
		"Nominees": nominees, "IsAdmin": me.Role == web.RoleAdmin, "CanNominate": t.Status == TourOpen}
	if me.Role == web.RoleAdmin {
		if data["Events"], err = h.store.Events(ctx, t.ID, 100); err != nil {
			return err
		}
	}
	return h.srv.Render.Page(c, "tours/admin_tour", data)
}

func (h *handlers) nominateForm(c *fiber.Ctx) error {
	uid, _ := strconv.ParseInt(c.FormValue("user_id"), 10, 64)
	if uid <= 0 {
		return web.Invalid("请选择要推荐的支部书记", map[string]string{"user_id": "必填"})
	}
	status, err := h.nominate(c, uid, c.FormValue("note"))
	if err != nil {
		return err
	}
	msg := "已推荐，等待审核"
	if status == StatusWaitlisted {
		msg = "本乡镇名额已满，已列入候补名单"
	}
	return web.RedirectOK(c, "/admin/tours/"+c.Params("id"), msg)
}

func (h *handlers) approveForm(c *fiber.Ctx) error {
	status, err := h.decide(c, true, "")
	if err != nil {
		return err
	}
	return web.RedirectOK(c, "/admin/tours/"+c.Params("id"), "已审核通过（"+StatusName(status)+"）")
}

func (h *handlers) rejectForm(c *fiber.Ctx) error {
	if _, err := h.decide(c, false, c.FormValue("reason")); err != nil {
		return err
	}
	return web.RedirectOK(c, "/admin/tours/"+c.Params("id"), "已驳回")
}

// formInput reads the tour form; quotas come as quota_<township id> fields.
func formInput(c *fiber.Ctx) (TourInput, map[string]string) {
	bad := map[string]string{}
	in := TourInput{
		Title: strings.TrimSpace(c.FormValue("title")), Destination: strings.TrimSpace(c.FormValue("destination")),
		Itinerary: c.FormValue("itinerary"), StartsOn: c.FormValue("starts_on"), EndsOn: c.FormValue("ends_on"),
		SignupOpensAt: c.FormValue("signup_opens_at"), SignupClosesAt: c.FormValue("signup_closes_at"),
		CancelDeadline: c.FormValue("cancel_deadline"), RequireCourses: c.FormValue("require_courses") != "",
		Status: c.FormValue("status"), Quotas: map[int64]int{},
	}
	var err error
	if in.TotalSeats, err = strconv.Atoi(strings.TrimSpace(c.FormValue("total_seats"))); err != nil {
		bad["total_seats"] = "请填写总名额（数字）"
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
	return in, bad
}

// formView is what the tour form shows: the input as strings and every township's quota.
type formView struct {
	In        TourInput
	Total     string
	Townships []TownshipUse
}

func (h *handlers) renderForm(c *fiber.Ctx, id int64, fv formView, fields map[string]string) error {
	title := "新建考察"
	if id > 0 {
		title = "修改考察"
	}
	if len(fields) > 0 {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return h.srv.Render.Page(c, "tours/form", fiber.Map{"Title": title, "ID": id, "F": fv, "Errors": fields})
}

func (h *handlers) newPage(c *fiber.Ctx) error {
	use, err := h.store.Usage(c.UserContext(), 0, web.Scope{All: true})
	if err != nil {
		return err
	}
	return h.renderForm(c, 0, formView{In: TourInput{Status: TourDraft}, Townships: use}, nil)
}

func (h *handlers) editPage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	t, err := h.store.Tour(c.UserContext(), id)
	if err != nil {
		return err
	}
	use, err := h.store.Usage(c.UserContext(), id, web.Scope{All: true})
	if err != nil {
		return err
	}
	in := TourInput{Title: t.Title, Destination: t.Destination, Itinerary: t.Itinerary,
		StartsOn: t.StartsOn.Format("2006-01-02"), EndsOn: t.EndsOn.Format("2006-01-02"),
		SignupOpensAt: localInput(t.SignupOpensAt), SignupClosesAt: localInput(t.SignupClosesAt),
		CancelDeadline: localInput(t.CancelDeadline), RequireCourses: t.RequireCourses, Status: t.Status}
	return h.renderForm(c, id, formView{In: in, Total: strconv.Itoa(t.TotalSeats), Townships: use}, nil)
}

// localInput formats a time for a datetime-local input, in China time.
func localInput(t time.Time) string { return t.In(web.China).Format("2006-01-02T15:04") }

func (h *handlers) createForm(c *fiber.Ctx) error { return h.saveForm(c, 0) }

func (h *handlers) updateForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	if _, err := h.store.Tour(c.UserContext(), id); err != nil {
		return err
	}
	return h.saveForm(c, id)
}

func (h *handlers) saveForm(c *fiber.Ctx, id int64) error {
	in, bad := formInput(c)
	ctx := c.UserContext()
	var err error
	if len(bad) == 0 {
		if id == 0 {
			id, err = h.store.CreateTour(ctx, in, web.Me(c).UserID)
			if err == nil {
				return web.RedirectOK(c, fmt.Sprintf("/admin/tours/%d", id), "考察活动已创建")
			}
			id = 0
		} else if err = h.store.UpdateTour(ctx, id, in, web.Me(c).UserID); err == nil {
			return web.RedirectOK(c, fmt.Sprintf("/admin/tours/%d", id), "已保存")
		}
		var we *web.Error
		if !errors.As(err, &we) || we.Status != fiber.StatusUnprocessableEntity {
			return err
		}
		bad = we.Fields
	}
	use, uerr := h.store.Usage(ctx, id, web.Scope{All: true})
	if uerr != nil {
		return uerr
	}
	for i := range use {
		use[i].Quota = in.Quotas[use[i].TownshipID]
	}
	return h.renderForm(c, id, formView{In: in, Total: c.FormValue("total_seats"), Townships: use}, bad)
}
