package accounts

import (
	"errors"
	"net/url"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// statusChoices are the people list's status filter, as shown.
var statusChoices = []struct{ Value, Label string }{
	{UserStatusActive, "在用"}, {UserStatusInactive, "已停用"}, {UserStatusPending, "未改初始密码"},
}

// GET /admin/users?township=&branch=&status=&role=&q=&page=: the people of the scope,
// web.PageSize a page. An organizer always sees their own township, whatever ?township=
// says; the branch filter lists the chosen township's branches only, and applies only
// within that township (a branch of another township is refused for organizers and
// dropped for admins, whose township select may have changed since it was chosen).
func (h *handlers) usersPage(c *fiber.Ctx) error {
	me := web.Me(c)
	ctx := c.UserContext()
	page, err := web.PageParam(c)
	if err != nil {
		return err
	}
	f, err := listFilters(c)
	if err != nil {
		return err
	}
	isAdmin := me.Role == web.RoleAdmin
	towns, err := h.store.Townships(ctx, web.ScopeOf(me))
	if err != nil {
		return err
	}
	var tid int64
	if isAdmin {
		if tid, err = web.QueryInt(c, "township"); err != nil {
			return err
		}
		if tid != 0 && !slices.ContainsFunc(towns, func(t Township) bool { return t.ID == tid }) {
			return ErrTownshipNotFound
		}
	} else {
		tid = me.TownshipID
	}
	f.Scope = web.ScopeOf(me)
	if tid != 0 {
		f.Scope = web.Scope{TownshipID: tid}
	}
	d := fiber.Map{"Title": "人员管理", "Townships": towns, "IsAdmin": isAdmin, "FTownship": tid,
		"Statuses": statusChoices}
	if bid, err := web.QueryInt(c, "branch"); err != nil {
		return err
	} else if bid != 0 {
		b, err := h.store.ScopedBranch(ctx, me, bid)
		switch {
		case errors.Is(err, ErrBranchNotFound):
			return web.BadRequest("找不到该支部，或不在您的管理范围内。请从支部列表中选择。")
		case err != nil:
			return err
		case tid != 0 && b.TownshipID == tid: // an organizer's branches are all here (ScopedBranch)
			f.BranchID = bid
		default:
			d["Dropped"] = b.Name
		}
	}
	if tid != 0 {
		branches, err := h.store.Branches(ctx, web.Scope{TownshipID: tid})
		if err != nil {
			return err
		}
		d["Branches"] = branches
	}
	n, err := h.store.UserCounts(ctx, f)
	if err != nil {
		return err
	}
	pager := web.NewPager(c, page, n.Of(f.Status), web.PageSize)
	f.Limit, f.Offset = pager.Limit(), pager.Offset()
	users, err := h.store.UserPage(ctx, f)
	if err != nil {
		return err
	}
	statusURL := func(status string) string {
		q := url.Values{}
		c.Context().QueryArgs().VisitAll(func(k, v []byte) { q.Add(string(k), string(v)) })
		q.Del("page")
		q.Del("status")
		if status != "" {
			q.Set("status", status)
		}
		if len(q) == 0 {
			return "/admin/users"
		}
		return "/admin/users?" + q.Encode()
	}
	d["Counts"] = []fiber.Map{
		{"Label": "全部", "N": n.All, "URL": statusURL(""), "On": f.Status == ""},
		{"Label": "在用", "N": n.Active, "URL": statusURL(UserStatusActive), "On": f.Status == UserStatusActive},
		{"Label": "已停用", "N": n.Inactive, "URL": statusURL(UserStatusInactive), "On": f.Status == UserStatusInactive},
		{"Label": "未改初始密码", "N": n.Pending, "URL": statusURL(UserStatusPending), "On": f.Status == UserStatusPending},
	}
	d["Users"], d["Pager"], d["Total"] = users, pager, pager.Total
	d["FBranch"], d["FStatus"], d["FRole"], d["FQuery"] = f.BranchID, f.Status, f.Role, f.Query
	d["Filtered"] = (isAdmin && tid != 0) || f.BranchID != 0 || f.Status != "" || f.Role != "" || f.Query != ""
	return h.srv.Render.Page(c, "accounts/users", d)
}

// renderUserForm shows the user form with what was typed and, after a refused save, the
// message on top and each field's problem next to it. The branch select lists one
// township's branches only (an admin picks the township first), never the county's.
func (h *handlers) renderUserForm(c *fiber.Ctx, f userRecord, u *User, we *web.Error) error {
	me := web.Me(c)
	ctx := c.UserContext()
	scope := web.ScopeOf(me)
	towns, err := h.store.Townships(ctx, scope)
	if err != nil {
		return err
	}
	tid := f.TownshipID
	if me.Role != web.RoleAdmin {
		tid = me.TownshipID
	} else if tid == 0 && f.BranchID != 0 {
		if b, err := h.store.ScopedBranch(ctx, me, f.BranchID); err == nil {
			tid = b.TownshipID
		}
	}
	var branches []Branch
	if tid != 0 && scope.Allows(tid) {
		if branches, err = h.store.Branches(ctx, web.Scope{TownshipID: tid}); err != nil {
			return err
		}
	}
	title := "新增人员"
	if f.ID != 0 {
		title = "编辑人员"
	}
	d := fiber.Map{"Title": title, "Form": f, "User": u, "Townships": towns, "Branches": branches, "PickTownship": tid,
		"IsAdmin": me.Role == web.RoleAdmin, "Self": f.ID == me.UserID, "Fields": map[string]string{}}
	if we != nil {
		d["Error"] = we.Message
		if we.Fields != nil {
			d["Fields"] = we.Fields
		}
	}
	return h.srv.Render.Page(c, "accounts/user_form", d)
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
	f.TownshipID, _ = strconv.ParseInt(c.Query("township"), 10, 64)
	return h.renderUserForm(c, f, nil, nil)
}

// POST /admin/users/new → the page showing the initial password once.
func (h *handlers) userCreateSubmit(c *fiber.Ctx) error {
	me := web.Me(c)
	in, f := formInput(c, me)
	if c.FormValue("pick") != "" { // 列出该乡镇的支部: the same form, the township's branches
		return h.renderUserForm(c, f, nil, nil)
	}
	u, pw, err := h.store.CreateUser(c.UserContext(), me, in)
	if err != nil {
		we := h.srv.AsError(err)
		if we.Status >= 500 {
			return err
		}
		c.Status(we.Status)
		return h.renderUserForm(c, f, nil, we)
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
	return h.renderUserForm(c, recordOf(u), u, nil)
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
	if c.FormValue("pick") != "" {
		cur, err := h.store.ScopedUser(c.UserContext(), me, id)
		if err != nil {
			return err
		}
		f.Active = cur.Active
		return h.renderUserForm(c, f, cur, nil)
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
		return h.renderUserForm(c, f, cur, we)
	}
	return web.RedirectOK(c, "/admin/users/"+strconv.FormatInt(u.ID, 10), "已保存")
}

// The sentences of the confirmation pages: what happens, in the words the user sees.
const (
	resetConsequence      = "重置后原密码立即失效，新密码只显示一次"
	resetSignOut          = "此人已登录的手机和电脑会全部退出，需用新密码重新登录并修改密码。"
	deactivateConsequence = "停用后该账号不能登录，学习记录保留，可随时恢复"
	deactivateSignOut     = "此人已登录的手机和电脑会立即退出。"
)

func userWho(u *User) string {
	who := u.Name
	if u.BranchName != nil {
		who += "（" + *u.BranchName + "）"
	} else if u.TownshipName != nil {
		who += "（" + *u.TownshipName + "）"
	}
	return who
}

// GET /admin/users/:id/reset-password: asks before POST resets.
func (h *handlers) userResetConfirm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	me := web.Me(c)
	u, err := h.store.ScopedUser(c.UserContext(), me, id)
	if err != nil {
		return err
	}
	if u.ID == me.UserID {
		return ErrResetSelf
	}
	back := "/admin/users/" + strconv.FormatInt(id, 10)
	return h.srv.RenderConfirm(c, web.Confirm{Title: "重置密码",
		Question:     "确定重置" + userWho(u) + "的密码吗？",
		Consequences: []string{resetConsequence + "。", resetSignOut},
		Action:       back + "/reset-password",
		Yes:          "确定重置密码",
		Back:         back,
		Danger:       true})
}

// GET /admin/users/:id/deactivate: asks before POST …/active deactivates. An account
// already deactivated goes back to its page.
func (h *handlers) userDeactivateConfirm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	me := web.Me(c)
	u, err := h.store.ScopedUser(c.UserContext(), me, id)
	if err != nil {
		return err
	}
	if u.ID == me.UserID {
		return ErrChangeSelf
	}
	back := "/admin/users/" + strconv.FormatInt(id, 10)
	if !u.Active {
		return web.RedirectOK(c, back, "该账号已停用")
	}
	return h.srv.RenderConfirm(c, web.Confirm{Title: "停用账号",
		Question:     "确定停用" + userWho(u) + "的账号吗？",
		Consequences: []string{deactivateConsequence + "。", deactivateSignOut},
		Action:       back + "/active",
		Fields:       map[string]string{"active": "0"},
		Yes:          "确定停用",
		Back:         back,
		Danger:       true})
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
