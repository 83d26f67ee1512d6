package accounts

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// GET /admin/org?township=&q=&page=&edit=: townships with counts, the branches of one
// township (web.PageSize a page, searchable by name) and, with ?edit=, one branch's
// form: one form on the page, not one per branch, so it stays small at any size.
func (h *handlers) orgPage(c *fiber.Ctx) error {
	me := web.Me(c)
	ctx := c.UserContext()
	scope := web.ScopeOf(me)
	page, err := web.PageParam(c)
	if err != nil {
		return err
	}
	towns, err := h.store.Townships(ctx, scope)
	if err != nil {
		return err
	}
	tid, err := web.QueryInt(c, "township")
	if err != nil {
		return err
	}
	if tid == 0 && len(towns) > 0 {
		tid = towns[0].ID
	}
	var current *Township
	for i := range towns {
		if towns[i].ID == tid {
			current = &towns[i]
		}
	}
	if tid != 0 && current == nil {
		return ErrTownshipOutOfScope
	}
	q, ok := oneLine(c.Query("q"))
	if !ok {
		return web.BadRequest(controlCharsMsg("搜索词"))
	}
	d := fiber.Map{"Title": "组织管理", "Townships": towns, "Current": current, "Kinds": BranchKinds,
		"IsAdmin": me.Role == web.RoleAdmin, "FQuery": q}
	if current != nil {
		branches, total, err := h.store.BranchPage(ctx, current.ID, q, web.PageSize, (page-1)*web.PageSize)
		if err != nil {
			return err
		}
		pager := web.NewPager(c, page, total, web.PageSize)
		d["Branches"], d["Pager"] = branches, pager
		// ?edit=<branch>: that branch's form (rename, change kind) on top of the list.
		if eid, err := web.QueryInt(c, "edit"); err != nil {
			return err
		} else if eid != 0 {
			b, err := h.store.ScopedBranch(ctx, me, eid)
			if err != nil {
				return err
			}
			if b.TownshipID != current.ID {
				return ErrBranchNotFound
			}
			d["Edit"] = b
		}
	}
	return h.srv.Render.Page(c, "accounts/org", d)
}

func orgURL(townshipID int64) string {
	if townshipID == 0 {
		return "/admin/org"
	}
	return "/admin/org?township=" + strconv.FormatInt(townshipID, 10)
}

// formError shows a user-correctable error as a flash on the page it came from; anything
// else goes to the error handler.
func (h *handlers) formError(c *fiber.Ctx, to string, err error) error {
	we := h.srv.AsError(err)
	if we.Status >= 500 || we.Status == fiber.StatusNotFound || we.Status == fiber.StatusForbidden {
		return err
	}
	return web.RedirectOK(c, to, "未保存："+we.Message)
}

// POST /admin/org/townships (admin)
func (h *handlers) orgCreateTownship(c *fiber.Ctx) error {
	t, err := h.store.CreateTownship(c.UserContext(), TownshipInput{Name: c.FormValue("name")})
	if err != nil {
		return h.formError(c, "/admin/org", err)
	}
	return web.RedirectOK(c, orgURL(t.ID), "已添加乡镇")
}

// POST /admin/org/branches
func (h *handlers) orgCreateBranch(c *fiber.Ctx) error {
	tid, _ := strconv.ParseInt(c.FormValue("township_id"), 10, 64)
	in := BranchInput{TownshipID: tid, Name: c.FormValue("name"), Kind: c.FormValue("kind")}
	_, err := h.store.CreateBranch(c.UserContext(), web.Me(c), in)
	if err != nil {
		return h.formError(c, orgURL(tid), err)
	}
	return web.RedirectOK(c, orgURL(tid), "已添加支部")
}

// POST /admin/org/branches/:id (rename, change kind)
func (h *handlers) orgUpdateBranch(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	name, kind := c.FormValue("name"), c.FormValue("kind")
	b, err := h.store.UpdateBranch(c.UserContext(), web.Me(c), id, BranchEdit{Name: &name, Kind: &kind})
	if err != nil {
		if b, lerr := h.store.ScopedBranch(c.UserContext(), web.Me(c), id); lerr == nil {
			return h.formError(c, orgURL(b.TownshipID), err)
		}
		return err
	}
	return web.RedirectOK(c, orgURL(b.TownshipID), "已保存支部")
}
