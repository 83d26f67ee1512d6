package tours

import (
	"github.com/gofiber/fiber/v2"

	"zhibu/app/roll"
	"zhibu/app/web"
)

// The days' JSON handlers (docs/tours.md, 考察日程与点名).

// dayIDs reads :id and :did.
func dayIDs(c *fiber.Ctx) (int64, int64, error) {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return 0, 0, err
	}
	did, err := web.ParamID(c, "did")
	return id, did, err
}

// GET /api/v1/tours/:id/days — staff: the days with the roll of their scope.
func (h *handlers) apiDays(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	_, days, err := h.store.Days(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"tour_id": id, "days": days})
}

// POST /api/v1/tours/:id/days {"day","title"} — admin: a day within the tour's dates.
func (h *handlers) apiAddDay(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in DayInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	d, err := h.store.AddDay(c.UserContext(), web.Me(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(d)
}

// DELETE /api/v1/tours/:id/days/:did — admin: a day nobody was marked at.
func (h *handlers) apiDeleteDay(c *fiber.Ctx) error {
	id, did, err := dayIDs(c)
	if err != nil {
		return err
	}
	if err := h.store.DeleteDay(c.UserContext(), web.Me(c), id, did); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// GET /api/v1/tours/:id/days/:did/attendance?q=&status=&township=&page= — staff: a page
// of the day's roll of their scope with its tally and the roll per township.
func (h *handlers) apiDayRoll(c *fiber.Ctx) error {
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
	return c.JSON(fiber.Map{"day": r.Day, "open": r.Why == "", "refusal": r.Why, "tally": r.Tally,
		"total": r.Tally.Of(f.Status), "page": page, "page_size": web.PageSize, "people": r.People, "townships": r.Townships})
}

// PUT /api/v1/tours/:id/days/:did/attendance {"records":[{"user_id","status"}]} — staff:
// the same roll call as a class's session's.
func (h *handlers) apiDayAttendance(c *fiber.Ctx) error {
	id, did, err := dayIDs(c)
	if err != nil {
		return err
	}
	var in roll.Input
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	n, err := h.store.MarkDay(c.UserContext(), web.Me(c), id, did, in)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"marked": n})
}
