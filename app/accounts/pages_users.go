package accounts

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// GET /admin/users?township=&role=&q=&page=
func (h *handlers) usersPage(c *fiber.Ctx) error {
	me := web.Me(c)
	f, page, err := userFilter(c, me)
	if err != nil {
		return err
	}
	f.Limit, f.Offset = 30, (page-1)*30
	users, total, err := h.store.Users(c.UserContext(), f)
	if err != nil {
		return err
	}
	towns, err := h.store.Townships(c.UserContext(), web.ScopeOf(me))
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

func (h *handlers) renderUserForm(c *fiber.Ctx, f userRecord, u *User, errMsg string) error {
	me := web.Me(c)
	scope := web.ScopeOf(me)
	towns, err := h.store.Townships(c.UserContext(), scope)
	if err != nil {
		return err
	}
	branches, err := h.store.Branches(c.UserContext(), scope)
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

func formInput(c *fiber.Ctx, me *web.Identity) (UserInput, userRecord) {
	f := userRecord{Username: c.FormValue("username"), Phone: c.FormValue("phone"), Name: c.FormValue("name"),
		Role: c.FormValue("role"), Title: c.FormValue("title")}
	if f.Role == "" || me.Role != web.RoleAdmin {
		f.Role = web.RoleSecretary
	}
	f.TownshipID, _ = strconv.ParseInt(c.FormValue("township_id"), 10, 64)
	f.BranchID, _ = strconv.ParseInt(c.FormValue("branch_id"), 10, 64)
	in := UserInput{Username: &f.Username, Phone: &f.Phone, Name: &f.Name, Role: &f.Role, Title: &f.Title,
		TownshipID: &f.TownshipID, BranchID: &f.BranchID}
	return in, f
}

// GET /admin/users/new
func (h *handlers) userNewPage(c *fiber.Ctx) error {
	f := userRecord{Role: web.RoleSecretary, Title: "书记", Active: true}
	f.BranchID, _ = strconv.ParseInt(c.Query("branch"), 10, 64)
	return h.renderUserForm(c, f, nil, "")
}

// POST /admin/users/new → the page showing the initial password once.
func (h *handlers) userCreateSubmit(c *fiber.Ctx) error {
	me := web.Me(c)
	in, f := formInput(c, me)
	u, pw, err := h.store.CreateUser(c.UserContext(), me, in)
	if err != nil {
		we := h.srv.AsError(err)
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
	u, err := h.store.ScopedUser(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	return h.renderUserForm(c, recordOf(u), u, "")
}

// POST /admin/users/:id
func (h *handlers) userEditSubmit(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	me := web.Me(c)
	in, f := formInput(c, me)
	f.ID = id
	if me.Role != web.RoleAdmin {
		in.Role = nil
	}
	u, err := h.store.UpdateUser(c.UserContext(), me, id, in)
	if err != nil {
		we := h.srv.AsError(err)
		if we.Status >= 500 || we.Status == fiber.StatusNotFound || we.Status == fiber.StatusForbidden {
			return err
		}
		c.Status(we.Status)
		cur, _ := h.store.User(c.UserContext(), id)
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
	_, err = h.store.UpdateUser(c.UserContext(), web.Me(c), id, UserInput{Active: &active})
	back := "/admin/users/" + strconv.FormatInt(id, 10)
	if err != nil {
		return h.formError(c, back, err)
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
	u, pw, err := h.store.ResetPassword(c.UserContext(), web.Me(c), id)
	if err != nil {
		return h.formError(c, "/admin/users/"+strconv.FormatInt(id, 10), err)
	}
	return h.renderPassword(c, u, pw, "密码已重置")
}
