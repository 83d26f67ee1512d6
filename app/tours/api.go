package tours

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

func actorOf(me *web.Identity) Actor {
	return Actor{UserID: me.UserID, Role: me.Role, Scope: web.ScopeOf(me)}
}

func (h *handlers) apiList(c *fiber.Ctx) error {
	vs, err := h.store.Tours(c.UserContext(), web.Me(c), 0)
	if err != nil {
		return err
	}
	if vs == nil {
		vs = []TourView{}
	}
	for i := range vs {
		vs[i].Itinerary = "" // light list for slow networks; GET /api/v1/tours/{id} has it
	}
	return c.JSON(fiber.Map{"tours": vs})
}

func (h *handlers) apiGet(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	me := web.Me(c)
	v, err := h.store.View(c.UserContext(), me, id)
	if err != nil {
		return err
	}
	out := fiber.Map{"tour": v}
	if me.Role != web.RoleSecretary {
		use, err := h.store.Usage(c.UserContext(), id, web.ScopeOf(me))
		if err != nil {
			return err
		}
		out["townships"] = use
	}
	return c.JSON(out)
}

func (h *handlers) apiCreate(c *fiber.Ctx) error {
	var in TourInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	trimInput(&in)
	id, err := h.store.CreateTour(c.UserContext(), in, web.Me(c).UserID)
	if err != nil {
		return err
	}
	t, err := h.store.Tour(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"tour": t})
}

func (h *handlers) apiUpdate(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in TourInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	trimInput(&in)
	if err := h.store.UpdateTour(c.UserContext(), id, in, web.Me(c).UserID); err != nil {
		return err
	}
	t, err := h.store.Tour(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"tour": t})
}

func trimInput(in *TourInput) {
	in.Title = strings.TrimSpace(in.Title)
	in.Destination = strings.TrimSpace(in.Destination)
	in.Status = strings.TrimSpace(in.Status)
}

type noteBody struct {
	Note   string `json:"note"`
	UserID int64  `json:"user_id"`
	Reason string `json:"reason"`
}

// bindOptional reads an optional JSON body (an empty body is fine).
func bindOptional(c *fiber.Ctx, v *noteBody) error {
	if len(c.Body()) == 0 {
		return nil
	}
	return web.BindJSON(c, v)
}

// cleanNote trims a sign-up or nomination note and refuses one that is too long or holds
// text PostgreSQL cannot store (a NUL) or that displays as something else.
func cleanNote(s string) (string, error) {
	s = strings.TrimSpace(s)
	if e := web.CheckText("note", s, true); e != nil {
		return "", e
	}
	if len([]rune(s)) > 200 {
		return "", web.Invalid("备注不能超过 200 字", map[string]string{"note": "不能超过 200 字"})
	}
	return s, nil
}

func (h *handlers) apiSignup(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var b noteBody
	if err := bindOptional(c, &b); err != nil {
		return err
	}
	note, err := cleanNote(b.Note)
	if err != nil {
		return err
	}
	status, err := h.store.Signup(c.UserContext(), id, web.Me(c).UserID, note, 0)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"status": status, "status_name": StatusName(status)})
}

func (h *handlers) apiCancel(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	if err := h.store.Cancel(c.UserContext(), id, web.Me(c).UserID); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"status": StatusCancelled, "status_name": StatusName(StatusCancelled)})
}

// tourInScope loads the tour for staff; drafts are visible to admins only.
func (h *handlers) tourInScope(c *fiber.Ctx) (TourView, error) {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return TourView{}, err
	}
	return h.store.View(c.UserContext(), web.Me(c), id)
}

func (h *handlers) apiSignups(c *fiber.Ctx) error {
	t, err := h.tourInScope(c)
	if err != nil {
		return err
	}
	rows, err := h.store.Signups(c.UserContext(), t.ID, web.ScopeOf(web.Me(c)), c.Query("all") == "1")
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []Signup{}
	}
	return c.JSON(fiber.Map{"signups": rows})
}

// nominate signs up a secretary of the caller's township (any township for admins).
func (h *handlers) nominate(c *fiber.Ctx, userID int64, note string) (string, error) {
	t, err := h.tourInScope(c)
	if err != nil {
		return "", err
	}
	me := web.Me(c)
	tid, ok, err := h.store.UserTownship(c.UserContext(), userID)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", web.NotFound("找不到该支部书记")
	}
	if !web.ScopeOf(me).Allows(tid) {
		return "", web.Forbidden("只能推荐本乡镇的支部书记")
	}
	if note, err = cleanNote(note); err != nil {
		return "", err
	}
	return h.store.Signup(c.UserContext(), t.ID, userID, note, me.UserID)
}

func (h *handlers) apiNominate(c *fiber.Ctx) error {
	var b noteBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	if b.UserID <= 0 {
		return web.Invalid("请选择要推荐的支部书记", map[string]string{"user_id": "必填"})
	}
	status, err := h.nominate(c, b.UserID, b.Note)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"status": status, "status_name": StatusName(status)})
}

func (h *handlers) decide(c *fiber.Ctx, approve bool, reason string) (string, error) {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return "", err
	}
	sid, err := web.ParamID(c, "sid")
	if err != nil {
		return "", err
	}
	return h.store.Decide(c.UserContext(), id, sid, actorOf(web.Me(c)), approve, strings.TrimSpace(reason))
}

func (h *handlers) apiApprove(c *fiber.Ctx) error {
	status, err := h.decide(c, true, "")
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"status": status, "status_name": StatusName(status)})
}

func (h *handlers) apiReject(c *fiber.Ctx) error {
	var b noteBody
	if err := bindOptional(c, &b); err != nil {
		return err
	}
	status, err := h.decide(c, false, b.Reason)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"status": status, "status_name": StatusName(status)})
}

func (h *handlers) apiEvents(c *fiber.Ctx) error {
	t, err := h.tourInScope(c)
	if err != nil {
		return err
	}
	es, err := h.store.Events(c.UserContext(), t.ID, 500)
	if err != nil {
		return err
	}
	if es == nil {
		es = []Event{}
	}
	return c.JSON(fiber.Map{"events": es})
}

func (h *handlers) apiMessages(c *fiber.Ctx) error {
	ms, unread, err := h.store.Messages(c.UserContext(), web.Me(c).UserID, 50)
	if err != nil {
		return err
	}
	if ms == nil {
		ms = []Message{}
	}
	return c.JSON(fiber.Map{"messages": ms, "unread": unread})
}

// apiMarkRead marks every message of the caller read (POST /api/v1/tours/messages/read).
func (h *handlers) apiMarkRead(c *fiber.Ctx) error {
	if err := h.store.MarkRead(c.UserContext(), web.Me(c).UserID); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"unread": 0})
}

// apiMarkOneRead marks one message of the caller read (POST /api/v1/tours/messages/{id}/read);
// another user's message is not found.
func (h *handlers) apiMarkOneRead(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	me := web.Me(c)
	if _, err := h.store.MarkMessageRead(c.UserContext(), me.UserID, id); err != nil {
		return err
	}
	unread, err := h.store.Unread(c.UserContext(), me.UserID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"unread": unread})
}
