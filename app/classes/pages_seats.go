package classes

import (
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/seats"
	"zhibu/app/web"
)

// Pages and API of a class filled by quotas (store_seats.go); the desk is app/seats's.

// GET /admin/classes/:id/seats — quota use, the nominations and the nominee search.
func (h *handlers) seatsPage(c *fiber.Ctx) error {
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
	d, err := h.store.Desk(c.UserContext(), me, id, q, pg.Offset(), pg.Limit())
	if err != nil {
		return err
	}
	total := 0
	if d.Class.TotalSeats != nil {
		total = *d.Class.TotalSeats
	}
	refusal := NominationRefusal(d.Class, h.store.begun(d.Class))
	desk := seats.NewDesk(c, me, seats.DeskInput{Base: fmt.Sprintf("/admin/classes/%d/seats", id), Query: q, Page: d.Page,
		Nominees: d.Nominees, Usage: d.Usage, TotalSeats: total, CanNominate: refusal == ""})
	return h.srv.Render.Page(c, "classes/seats", fiber.Map{"Title": "名额与推荐：" + d.Class.Title, "C": d.Class,
		"Desk": desk, "Refusal": refusal, "IsAdmin": me.Role == web.RoleAdmin})
}

// POST /admin/classes/:id/seats/nominate
func (h *handlers) nominateForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	uid, _ := strconv.ParseInt(c.FormValue("user_id"), 10, 64) // not a number: 0, refused as missing
	status, err := h.store.Nominate(c.UserContext(), web.Me(c), id, uid, c.FormValue("note"))
	if err != nil {
		return err
	}
	msg := "已推荐，等待审核"
	if status == seats.StatusWaitlisted {
		msg = "本乡镇名额已满，已列入候补名单"
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/classes/%d/seats", id), msg)
}

// POST /admin/classes/:id/seats/signups/:sid/approve
func (h *handlers) approveSeatForm(c *fiber.Ctx) error {
	id, sid, err := classAndSignup(c)
	if err != nil {
		return err
	}
	status, err := h.store.DecideSignup(c.UserContext(), web.Me(c), id, sid, true, "")
	if err != nil {
		return err
	}
	msg := "已审核通过，等待县委终审"
	if status == seats.StatusConfirmed {
		msg = "已终审通过，已加入培训班学员"
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/classes/%d/seats", id), msg)
}

// GET /admin/classes/:id/seats/signups/:sid/reject — who, the reason field and what the
// rejection will do; nothing changes until the form is posted.
func (h *handlers) rejectSeatPage(c *fiber.Ctx) error { return h.rejectSeatConfirm(c, "", "") }

func (h *handlers) rejectSeatConfirm(c *fiber.Ctx, reason, msg string) error {
	id, sid, err := classAndSignup(c)
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
	title := "确认驳回推荐"
	if p.Signup.Status == seats.StatusWaitlisted {
		title = "确认移出候补"
	}
	return h.srv.Render.Page(c, "classes/seat_reject", fiber.Map{"Title": title, "P": p, "C": p.Class, "S": p.Signup,
		"Reason": reason, "Message": msg})
}

// POST /admin/classes/:id/seats/signups/:sid/reject
func (h *handlers) rejectSeatForm(c *fiber.Ctx) error {
	id, sid, err := classAndSignup(c)
	if err != nil {
		return err
	}
	reason := c.FormValue("reason")
	if _, err := h.store.DecideSignup(c.UserContext(), web.Me(c), id, sid, false, reason); err != nil {
		we := h.srv.AsError(err)
		if msg, ok := we.Fields["reason"]; ok {
			return h.rejectSeatConfirm(c, reason, msg)
		}
		return err
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/classes/%d/seats", id), "已驳回")
}

func classAndSignup(c *fiber.Ctx) (int64, int64, error) {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return 0, 0, err
	}
	sid, err := web.ParamID(c, "sid")
	return id, sid, err
}

// GET /admin/classes/:id/quotas — the county sets the total and each township's quota.
func (h *handlers) quotasPage(c *fiber.Ctx) error { return h.renderQuotas(c, nil, nil) }

func (h *handlers) renderQuotas(c *fiber.Ctx, kept *QuotaInput, failed *web.Error) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	cl, use, err := h.store.Quotas(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	type row struct {
		seats.Use
		Field, Value, Error string
	}
	total := ""
	if cl.TotalSeats != nil {
		total = strconv.Itoa(*cl.TotalSeats)
	}
	rows := make([]row, len(use))
	for i, u := range use {
		rows[i] = row{Use: u, Field: seats.QuotaField(u.TownshipID), Value: strconv.Itoa(u.Quota)}
		if kept != nil {
			rows[i].Value = c.FormValue(rows[i].Field)
		}
		if failed != nil {
			rows[i].Error = failed.Fields[rows[i].Field]
		}
	}
	data := fiber.Map{"Title": "分配名额：" + cl.Title, "C": cl, "Rows": rows, "Total": total}
	if kept != nil {
		data["Total"] = c.FormValue("total_seats")
	}
	if failed != nil {
		c.Status(failed.Status)
		data["Error"], data["Fields"] = failed.Message, failed.Fields
	}
	return h.srv.Render.Page(c, "classes/quotas", data)
}

// POST /admin/classes/:id/quotas
func (h *handlers) quotasForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	in, bad := quotaInputFromForm(c)
	if len(bad) > 0 {
		return h.renderQuotas(c, &in, h.srv.AsError(web.Invalidf("请检查标红的项目", bad)))
	}
	if err := h.store.SetQuotas(c.UserContext(), web.Me(c), id, in); err != nil {
		we := h.srv.AsError(err)
		if we.Status == fiber.StatusUnprocessableEntity {
			return h.renderQuotas(c, &in, we)
		}
		return err
	}
	if in.TotalSeats == 0 {
		return web.RedirectOK(c, fmt.Sprintf("/admin/classes/%d", id), "已取消按名额推荐")
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/classes/%d/seats", id), "名额已保存，各乡镇组织委员可以推荐了")
}

// quotaInputFromForm reads total_seats and quota_<township id> fields ("" is 0); what is
// not a whole number is a field error.
func quotaInputFromForm(c *fiber.Ctx) (QuotaInput, web.FieldErrors) {
	in := QuotaInput{Quotas: map[int64]int{}}
	bad := web.FieldErrors{}
	num := func(field, v string) int {
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > seats.MaxSeats {
			bad[field] = fmt.Sprintf("请填写 0 到 %d 之间的整数", seats.MaxSeats)
		}
		return n
	}
	in.TotalSeats = num("total_seats", c.FormValue("total_seats"))
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		key := string(k)
		var tid int64
		if _, err := fmt.Sscanf(key, "quota_%d", &tid); err != nil || seats.QuotaField(tid) != key {
			return
		}
		in.Quotas[tid] = num(key, string(v))
	})
	return in, bad
}

// API.

// GET /api/v1/classes/:id/signups?q=&township=&status=&page=
func (h *handlers) apiSignups(c *fiber.Ctx) error {
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
	d, err := h.store.Desk(c.UserContext(), me, id, q, pg.Offset(), pg.Limit())
	if err != nil {
		return err
	}
	rows := d.Page.Rows
	if rows == nil {
		rows = []seats.Row{}
	}
	return c.JSON(fiber.Map{"total_seats": d.Class.TotalSeats, "usage": d.Usage, "signups": rows, "total": d.Page.Total,
		"counts": d.Page.Counts})
}

// POST /api/v1/classes/:id/nominations {"user_id","note"}
func (h *handlers) apiNominate(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var body struct {
		UserID int64  `json:"user_id"`
		Note   string `json:"note"`
	}
	if err := web.BindJSON(c, &body); err != nil {
		return err
	}
	status, err := h.store.Nominate(c.UserContext(), web.Me(c), id, body.UserID, body.Note)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"status": status, "status_name": seats.StatusName(status)})
}

// POST /api/v1/classes/:id/signups/:sid/approve and …/reject {"reason"}
func (h *handlers) apiDecideSeat(approve bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, sid, err := classAndSignup(c)
		if err != nil {
			return err
		}
		var body struct {
			Reason string `json:"reason"`
		}
		if !approve {
			if err := web.BindJSON(c, &body); err != nil {
				return err
			}
		}
		status, err := h.store.DecideSignup(c.UserContext(), web.Me(c), id, sid, approve, body.Reason)
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"status": status, "status_name": seats.StatusName(status)})
	}
}

// PUT /api/v1/classes/:id/quotas {"total_seats": 30, "quotas": {"<township id>": 2, …}}
func (h *handlers) apiQuotas(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in QuotaInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	if err := h.store.SetQuotas(c.UserContext(), web.Me(c), id, in); err != nil {
		return err
	}
	_, use, err := h.store.Quotas(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"total_seats": in.TotalSeats, "usage": use})
}
