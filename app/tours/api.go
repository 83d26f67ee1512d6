package tours

import (
	"github.com/gofiber/fiber/v2"

	"zhibu/app/seats"
	"zhibu/app/web"
)

// JSON handlers (docs/tours.md): each parses the request, calls one store operation and
// writes JSON; errors go back as the store returned them (errors.go maps them).

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
	v, use, err := h.store.Detail(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	out := fiber.Map{"tour": v}
	if use != nil {
		out["townships"] = use
	}
	return c.JSON(out)
}

func (h *handlers) apiCreate(c *fiber.Ctx) error {
	var in TourInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	t, err := h.store.CreateTour(c.UserContext(), in, web.Me(c).UserID)
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
	t, err := h.store.UpdateTour(c.UserContext(), id, in, web.Me(c).UserID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"tour": t})
}

// bindOptional reads an optional JSON body (an empty body is fine).
func bindOptional(c *fiber.Ctx, v *noteBody) error {
	if len(c.Body()) == 0 {
		return nil
	}
	return web.BindJSON(c, v)
}

// statusJSON answers a sign-up's new status.
func statusJSON(c *fiber.Ctx, code int, status string) error {
	return c.Status(code).JSON(fiber.Map{"status": status, "status_name": seats.StatusName(status)})
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
	status, err := h.store.Signup(c.UserContext(), id, web.Me(c).UserID, b.Note)
	if err != nil {
		return err
	}
	return statusJSON(c, fiber.StatusCreated, status)
}

func (h *handlers) apiCancel(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	if err := h.store.Cancel(c.UserContext(), id, web.Me(c).UserID); err != nil {
		return err
	}
	return statusJSON(c, fiber.StatusOK, seats.StatusCancelled)
}

func (h *handlers) apiSignups(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	rows, err := h.store.SignupList(c.UserContext(), web.Me(c), id, c.Query("all") == "1")
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []Signup{}
	}
	return c.JSON(fiber.Map{"signups": rows})
}

func (h *handlers) apiNominate(c *fiber.Ctx) error {
	var in NominationInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	status, err := h.store.Nominate(c.UserContext(), web.Me(c), id, in)
	if err != nil {
		return err
	}
	return statusJSON(c, fiber.StatusCreated, status)
}

// decide approves or rejects the sign-up :sid of the tour :id.
func (h *handlers) decide(c *fiber.Ctx, approve bool, reason string) (string, error) {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return "", err
	}
	sid, err := web.ParamID(c, "sid")
	if err != nil {
		return "", err
	}
	return h.store.Decide(c.UserContext(), id, sid, ActorOf(web.Me(c)), approve, reason)
}

func (h *handlers) apiApprove(c *fiber.Ctx) error {
	status, err := h.decide(c, true, "")
	if err != nil {
		return err
	}
	return statusJSON(c, fiber.StatusOK, status)
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
	return statusJSON(c, fiber.StatusOK, status)
}

func (h *handlers) apiEvents(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	es, err := h.store.TourEvents(c.UserContext(), web.Me(c), id, 500)
	if err != nil {
		return err
	}
	if es == nil {
		es = []Event{}
	}
	return c.JSON(fiber.Map{"events": es})
}
