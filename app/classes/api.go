package classes

import (
	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// GET /api/v1/classes — the classes the caller sees.
func (h *handlers) apiList(c *fiber.Ctx) error {
	list, err := h.store.List(c.UserContext(), web.Me(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"classes": list})
}

// POST /api/v1/classes
func (h *handlers) apiCreate(c *fiber.Ctx) error {
	var in ClassInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	cl, err := h.store.Create(c.UserContext(), web.Me(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cl)
}

// GET /api/v1/classes/:id — a participant gets the own marks and result as well.
func (h *handlers) apiClass(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	me := web.Me(c)
	if me.Role == web.RoleSecretary {
		mc, err := h.store.MyClass(c.UserContext(), me.UserID, id)
		if err != nil {
			return err
		}
		return c.JSON(mc)
	}
	cl, err := h.store.Class(c.UserContext(), me, id)
	if err != nil {
		return err
	}
	return c.JSON(cl)
}

// PUT /api/v1/classes/:id
func (h *handlers) apiUpdate(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in ClassInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	cl, err := h.store.Update(c.UserContext(), web.Me(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(cl)
}

// POST /api/v1/classes/:id/sessions
func (h *handlers) apiAddSession(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in SessionInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	ss, err := h.store.AddSession(c.UserContext(), web.Me(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(ss)
}

// DELETE /api/v1/classes/:id/sessions/:sid
func (h *handlers) apiDeleteSession(c *fiber.Ctx) error {
	id, sid, err := ids(c, "sid")
	if err != nil {
		return err
	}
	if err := h.store.DeleteSession(c.UserContext(), web.Me(c), id, sid); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// GET /api/v1/classes/:id/participants?session=&q=&status=&page=
func (h *handlers) apiParticipants(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	f, page, err := rollFilter(c)
	if err != nil {
		return err
	}
	list, total, err := h.store.Participants(c.UserContext(), web.Me(c), id, f)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"total": total, "page": page, "per_page": f.Limit, "participants": list})
}

// POST /api/v1/classes/:id/participants {"township_id","branch_kind","people":[...]}
func (h *handlers) apiAddParticipants(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in ParticipantsInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	n, err := h.store.AddParticipants(c.UserContext(), web.Me(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"added": n})
}

// DELETE /api/v1/classes/:id/participants/:uid
func (h *handlers) apiRemoveParticipant(c *fiber.Ctx) error {
	id, uid, err := ids(c, "uid")
	if err != nil {
		return err
	}
	if err := h.store.RemoveParticipant(c.UserContext(), web.Me(c), id, uid); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// PUT /api/v1/classes/:id/sessions/:sid/attendance {"records":[{"user_id","status"}]}
func (h *handlers) apiAttendance(c *fiber.Ctx) error {
	id, sid, err := ids(c, "sid")
	if err != nil {
		return err
	}
	var in AttendanceInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	n, err := h.store.SetAttendance(c.UserContext(), web.Me(c), id, sid, in)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"marked": n})
}

// POST /api/v1/classes/:id/sessions/:sid/checkin-token → {"url","expires_at"}
func (h *handlers) apiCheckinToken(c *fiber.Ctx) error {
	id, sid, err := ids(c, "sid")
	if err != nil {
		return err
	}
	path, exp, err := h.store.CheckinURL(c.UserContext(), web.Me(c), id, sid)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"url": c.BaseURL() + path, "expires_at": exp})
}

// POST /api/v1/checkin/:token
func (h *handlers) apiCheckin(c *fiber.Ctx) error {
	res, err := h.store.Checkin(c.UserContext(), web.Me(c).UserID, c.Params("token"))
	if err != nil {
		return err
	}
	return c.JSON(res)
}

// POST /api/v1/classes/:id/sessions/:sid/leave {"reason"}
func (h *handlers) apiLeave(c *fiber.Ctx) error {
	id, sid, err := ids(c, "sid")
	if err != nil {
		return err
	}
	var in LeaveInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	lid, err := h.store.AskLeave(c.UserContext(), web.Me(c).UserID, id, sid, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": lid, "status": "pending"})
}

// GET /api/v1/classes/:id/leaves — pending requests of the people the caller manages.
func (h *handlers) apiLeaves(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	list, err := h.store.Leaves(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"leaves": list})
}

// POST /api/v1/classes/:id/leaves/:lid/decide {"approve":true}
func (h *handlers) apiDecideLeave(c *fiber.Ctx) error {
	id, lid, err := ids(c, "lid")
	if err != nil {
		return err
	}
	var in struct {
		Approve *bool `json:"approve"`
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	if in.Approve == nil {
		return web.Invalidf("请选择批准或不批准", web.FieldErrors{"approve": "必填"})
	}
	if err := h.store.DecideLeave(c.UserContext(), web.Me(c), id, lid, *in.Approve); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"approved": *in.Approve})
}

// POST /api/v1/classes/:id/close — 结班 (idempotent).
func (h *handlers) apiClose(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	res, err := h.store.Close(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	h.afterClose(c.UserContext(), id)
	return c.JSON(res)
}

// ids reads :id and a second id parameter.
func ids(c *fiber.Ctx, second string) (int64, int64, error) {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return 0, 0, err
	}
	other, err := web.ParamID(c, second)
	return id, other, err
}
