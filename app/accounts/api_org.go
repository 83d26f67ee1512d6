package accounts

import (
	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// GET /api/v1/townships
func (h *handlers) apiTownships(c *fiber.Ctx) error {
	ts, err := h.store.Townships(c.UserContext(), web.ScopeOf(web.Me(c)))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"townships": nonNil(ts)})
}

// POST /api/v1/townships (admin)
func (h *handlers) apiCreateTownship(c *fiber.Ctx) error {
	var in TownshipInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	t, err := h.store.CreateTownship(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"township": t})
}

// GET /api/v1/branches?township=
func (h *handlers) apiBranches(c *fiber.Ctx) error {
	tid, err := web.QueryInt(c, "township")
	if err != nil {
		return err
	}
	scope, err := web.ScopeOf(web.Me(c)).Narrow(tid)
	if err != nil {
		return err
	}
	bs, err := h.store.Branches(c.UserContext(), scope)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"branches": nonNil(bs)})
}

// POST /api/v1/branches (an organizer's township by default)
func (h *handlers) apiCreateBranch(c *fiber.Ctx) error {
	var in BranchInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	me := web.Me(c)
	if in.TownshipID == 0 && me.Role == web.RoleOrganizer {
		in.TownshipID = me.TownshipID
	}
	b, err := h.store.CreateBranch(c.UserContext(), me, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"branch": b})
}

// PUT /api/v1/branches/:id
func (h *handlers) apiUpdateBranch(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in BranchEdit
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	b, err := h.store.UpdateBranch(c.UserContext(), web.Me(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"branch": b})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
