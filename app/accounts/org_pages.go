package accounts

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// GET /admin/org?township=: townships with counts, the branches of one township.
func (h *handlers) orgPage(c *fiber.Ctx) error {
	me := web.Me(c)
	ctx := c.UserContext()
	scope := web.ScopeOf(me)
	towns, err := listTownships(ctx, h.db, scope.Township())
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
		return web.NotFound("找不到该乡镇，或不在您的管理范围内")
	}
	var branches []Branch
	if current != nil {
		if branches, err = listBranches(ctx, h.db, web.Scope{TownshipID: current.ID}.Township()); err != nil {
			return err
		}
	}
	return h.srv.Render.Page(c, "accounts/org", fiber.Map{"Title": "组织管理", "Townships": towns, "Current": current,
		"Branches": branches, "Kinds": BranchKinds, "IsAdmin": me.Role == web.RoleAdmin})
}

func orgURL(townshipID int64) string {
	if townshipID == 0 {
		return "/admin/org"
	}
	return "/admin/org?township=" + strconv.FormatInt(townshipID, 10)
}

// formError shows a user-correctable error as a flash on the page it came from; anything
// else goes to the error handler.
func formError(c *fiber.Ctx, to string, err error) error {
	we := web.AsError(err)
	if we.Status >= 500 || we.Status == fiber.StatusNotFound || we.Status == fiber.StatusForbidden {
		return err
	}
	return web.RedirectOK(c, to, "未保存："+we.Message)
}

// POST /admin/org/townships (admin)
func (h *handlers) orgCreateTownship(c *fiber.Ctx) error {
	id, err := h.createTownship(c.UserContext(), c.FormValue("name"))
	if err != nil {
		return formError(c, "/admin/org", err)
	}
	return web.RedirectOK(c, orgURL(id), "已添加乡镇")
}

// POST /admin/org/branches
func (h *handlers) orgCreateBranch(c *fiber.Ctx) error {
	tid, _ := strconv.ParseInt(c.FormValue("township_id"), 10, 64)
	_, err := h.createBranch(c.UserContext(), web.Me(c), tid, c.FormValue("name"), c.FormValue("kind"))
	if err != nil {
		return formError(c, orgURL(tid), err)
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
	b, err := h.updateBranch(c.UserContext(), web.Me(c), id, &name, &kind)
	if err != nil {
		if b, lerr := h.scopedBranch(c.UserContext(), web.Me(c), id); lerr == nil {
			return formError(c, orgURL(b.TownshipID), err)
		}
		return err
	}
	return web.RedirectOK(c, orgURL(b.TownshipID), "已保存支部")
}

// GET /admin/users?township=&role=&q=&page=
func (h *handlers) usersPage(c *fiber.Ctx) error {
	me := web.Me(c)
	f, page, err := userFilter(c, me)
	if err != nil {
		return err
	}
	f.Limit, f.Offset = 30, (page-1)*30
	users, total, err := listUsers(c.UserContext(), h.db, f)
	if err != nil {
		return err
	}
	towns, err := listTownships(c.UserContext(), h.db, web.ScopeOf(me).Township())
	if err != nil {
		return err
	}
	q := url.Values{}
	for _, k := range []string{"township", "role", "q"} {
		if v := c.Query(k); v != "" {
			q.Set(k, v)
		}
	}
	pageURL := func(p int) string {
		v := url.Values{}
		for k := range q {
			v.Set(k, q.Get(k))
		}
		v.Set("page", strconv.Itoa(p))
		return "/admin/users?" + v.Encode()
	}
	pages := (total + f.Limit - 1) / f.Limit
	d := fiber.Map{"Title": "人员管理", "Users": users, "Total": total, "Page": page, "Pages": pages,
		"Townships": towns, "IsAdmin": me.Role == web.RoleAdmin,
		"FTownship": c.Query("township"), "FRole": f.Role, "FQuery": f.Query}
	if page > 1 {
		d["PrevURL"] = pageURL(page - 1)
	}
	if page < pages {
		d["NextURL"] = pageURL(page + 1)
	}
	return h.srv.Render.Page(c, "accounts/users", d)
}

// userForm is what the user form shows and posts.
type userForm struct {
	ID         int64
	Username   string
	Phone      string
	Name       string
	Role       string
	TownshipID int64
	BranchID   int64
	Title      string
	Active     bool
}

func (h *handlers) renderUserForm(c *fiber.Ctx, f userForm, u *User, errMsg string) error {
	me := web.Me(c)
	scope := web.ScopeOf(me).Township()
	towns, err := listTownships(c.UserContext(), h.db, scope)
	if err != nil {
		return err
	}
	branches, err := listBranches(c.UserContext(), h.db, scope)
	if err != nil {
		return err
	}
	title := "新增人员"
	if f.ID != 0 {
		title = "编辑人员"
	}
	return h.srv.Render.Page(c, "accounts/user_form", fiber.Map{"Title": title, "Form": f, "User": u,
		"Townships": towns, "Branches": branches, "IsAdmin": me.Role == web.RoleAdmin, "Error": errMsg,
		"Self": f.ID == me.UserID})
}

func formPatch(c *fiber.Ctx, me *web.Identity) (userPatch, userForm) {
	f := userForm{Username: c.FormValue("username"), Phone: c.FormValue("phone"), Name: c.FormValue("name"),
		Role: c.FormValue("role"), Title: c.FormValue("title")}
	if f.Role == "" || me.Role != web.RoleAdmin {
		f.Role = web.RoleSecretary
	}
	f.TownshipID, _ = strconv.ParseInt(c.FormValue("township_id"), 10, 64)
	f.BranchID, _ = strconv.ParseInt(c.FormValue("branch_id"), 10, 64)
	p := userPatch{Username: &f.Username, Phone: &f.Phone, Name: &f.Name, Role: &f.Role, Title: &f.Title,
		TownshipID: &f.TownshipID, BranchID: &f.BranchID}
	return p, f
}

// GET /admin/users/new
func (h *handlers) userNewPage(c *fiber.Ctx) error {
	f := userForm{Role: web.RoleSecretary, Title: "书记", Active: true}
	f.BranchID, _ = strconv.ParseInt(c.Query("branch"), 10, 64)
	return h.renderUserForm(c, f, nil, "")
}

// POST /admin/users/new → the page showing the initial password once.
func (h *handlers) userCreateSubmit(c *fiber.Ctx) error {
	me := web.Me(c)
	p, f := formPatch(c, me)
	u, pw, err := h.createUser(c.UserContext(), me, p)
	if err != nil {
		we := web.AsError(err)
		if we.Status >= 500 {
			return err
		}
		c.Status(we.Status)
		return h.renderUserForm(c, f, nil, we.Message)
	}
	return h.renderPassword(c, u, pw, "账号已创建")
}

func (h *handlers) renderPassword(c *fiber.Ctx, u *User, pw, headline string) error {
	return h.srv.Render.Page(c, "accounts/user_password", fiber.Map{"Title": headline, "Headline": headline,
		"User": u, "Password": pw})
}

// GET /admin/users/:id
func (h *handlers) userEditPage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	u, err := h.scopedUser(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	in := inputOf(u)
	f := userForm{ID: u.ID, Username: in.Username, Phone: in.Phone, Name: in.Name, Role: in.Role,
		TownshipID: in.TownshipID, BranchID: in.BranchID, Title: in.Title, Active: in.Active}
	return h.renderUserForm(c, f, u, "")
}

// POST /admin/users/:id
func (h *handlers) userEditSubmit(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	me := web.Me(c)
	p, f := formPatch(c, me)
	f.ID = id
	if me.Role != web.RoleAdmin {
		p.Role = nil
	}
	u, err := h.updateUser(c.UserContext(), me, id, p)
	if err != nil {
		we := web.AsError(err)
		if we.Status >= 500 || we.Status == fiber.StatusNotFound || we.Status == fiber.StatusForbidden {
			return err
		}
		c.Status(we.Status)
		cur, _ := userByID(c.UserContext(), h.db, id)
		if cur != nil {
			f.Active = cur.Active
		}
		return h.renderUserForm(c, f, cur, we.Message)
	}
	return web.RedirectOK(c, "/admin/users/"+strconv.FormatInt(u.ID, 10), "已保存")
}

// POST /admin/users/:id/active (active=0|1)
func (h *handlers) userActiveSubmit(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	active := c.FormValue("active") == "1"
	_, err = h.updateUser(c.UserContext(), web.Me(c), id, userPatch{Active: &active})
	back := "/admin/users/" + strconv.FormatInt(id, 10)
	if err != nil {
		return formError(c, back, err)
	}
	msg := "已停用该账号，其登录状态已全部退出"
	if active {
		msg = "已恢复该账号"
	}
	return web.RedirectOK(c, back, msg)
}

// POST /admin/users/:id/reset-password → the page showing the new password once.
func (h *handlers) userResetSubmit(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	u, pw, err := h.resetPassword(c.UserContext(), web.Me(c), id)
	if err != nil {
		return formError(c, "/admin/users/"+strconv.FormatInt(id, 10), err)
	}
	return h.renderPassword(c, u, pw, "密码已重置")
}
