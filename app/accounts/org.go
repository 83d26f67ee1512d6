package accounts

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/database"
	"zhibu/app/web"
)

// mountOrg adds the org tree, user management and roster import (pages and API). Admins
// manage the county; organizers only their own township's branches and secretaries.
func mountOrg(s *web.Server, h *handlers) {
	a := s.App
	admin, staff := web.Auth(web.RoleAdmin), web.Auth(web.RoleAdmin, web.RoleOrganizer)

	a.Get("/api/v1/townships", staff, h.apiTownships)
	a.Post("/api/v1/townships", admin, h.apiCreateTownship)
	a.Get("/api/v1/branches", staff, h.apiBranches)
	a.Post("/api/v1/branches", staff, h.apiCreateBranch)
	a.Patch("/api/v1/branches/:id", staff, h.apiUpdateBranch)
	a.Get("/api/v1/users", staff, h.apiUsers)
	a.Post("/api/v1/users", staff, h.apiCreateUser)
	a.Patch("/api/v1/users/:id", staff, h.apiUpdateUser)
	a.Post("/api/v1/users/:id/reset-password", staff, h.apiResetPassword)
	a.Get("/api/v1/roster/template.xlsx", staff, h.rosterTemplate)
	a.Post("/api/v1/roster/import", staff, h.apiRosterImport)

	a.Get("/admin/org", staff, h.orgPage)
	a.Post("/admin/org/townships", admin, h.orgCreateTownship)
	a.Post("/admin/org/branches", staff, h.orgCreateBranch)
	a.Post("/admin/org/branches/:id", staff, h.orgUpdateBranch)
	a.Get("/admin/users", staff, h.usersPage)
	a.Get("/admin/users/new", staff, h.userNewPage)
	a.Post("/admin/users/new", staff, h.userCreateSubmit)
	a.Get("/admin/users/:id", staff, h.userEditPage)
	a.Post("/admin/users/:id", staff, h.userEditSubmit)
	a.Post("/admin/users/:id/active", staff, h.userActiveSubmit)
	a.Post("/admin/users/:id/reset-password", staff, h.userResetSubmit)
	a.Get("/admin/roster", staff, h.rosterPage)
	a.Post("/admin/roster/preview", staff, h.rosterPreview)
	a.Post("/admin/roster/confirm", staff, h.rosterConfirm)
}

var errOrganizerOnlySecretaries = web.Forbidden("乡镇组织委员只能管理本乡镇的支部书记")

// ---- townships and branches ----

func (h *handlers) createTownship(ctx context.Context, name string) (int64, error) {
	name, ok := oneLine(name)
	if !ok {
		return 0, web.Invalid(controlCharsMsg("乡镇名称"), map[string]string{"name": "含有控制字符"})
	}
	if name == "" || utf8.RuneCountInString(name) > 50 {
		return 0, web.Invalid("请填写乡镇名称（不超过 50 个字）", map[string]string{"name": "必填，不超过 50 个字"})
	}
	id, err := createTownship(ctx, h.db, name)
	if database.IsUniqueViolation(err, "") {
		return 0, web.Conflict("township_exists", "已有同名乡镇“"+name+"”")
	}
	return id, err
}

// branchFields validates a branch's name and kind (aliases accepted).
func branchFields(name, kind string) (string, string, error) {
	name, ok := oneLine(name)
	k := normalizeKind(kind)
	fields := map[string]string{}
	if !ok {
		fields["name"] = controlCharsMsg("支部名称")
	} else if name == "" || utf8.RuneCountInString(name) > maxBranchLen {
		fields["name"] = "请填写支部名称（不超过 100 个字）"
	}
	if k == "" {
		fields["kind"] = "支部类型应为：" + strings.Join(BranchKinds, "、")
	}
	if len(fields) > 0 {
		msg := fields["name"]
		if msg == "" {
			msg = fields["kind"]
		}
		return "", "", web.Invalid(msg, fields)
	}
	return name, k, nil
}

func (h *handlers) createBranch(ctx context.Context, me *web.Identity, townshipID int64, name, kind string) (*Branch, error) {
	if townshipID <= 0 {
		return nil, web.Invalid("请选择支部所在的乡镇", map[string]string{"township_id": "请选择乡镇"})
	}
	if !web.ScopeOf(me).Allows(townshipID) {
		return nil, web.NotFound("找不到该乡镇，或不在您的管理范围内")
	}
	t, err := townshipByID(ctx, h.db, townshipID)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, web.NotFound("找不到该乡镇")
	}
	name, kind, err = branchFields(name, kind)
	if err != nil {
		return nil, err
	}
	id, err := createBranch(ctx, h.db, townshipID, name, kind)
	if database.IsUniqueViolation(err, "") {
		return nil, web.Conflict("branch_exists", "本乡镇已有同名支部“"+name+"”")
	}
	if err != nil {
		return nil, err
	}
	return branchByID(ctx, h.db, id)
}

// scopedBranch loads a branch the caller may manage; others' branches are not found.
func (h *handlers) scopedBranch(ctx context.Context, me *web.Identity, id int64) (*Branch, error) {
	b, err := branchByID(ctx, h.db, id)
	if err != nil {
		return nil, err
	}
	if b == nil || !web.ScopeOf(me).Allows(b.TownshipID) {
		return nil, web.NotFound("找不到该支部，或不在您的管理范围内")
	}
	return b, nil
}

func (h *handlers) updateBranch(ctx context.Context, me *web.Identity, id int64, name, kind *string) (*Branch, error) {
	b, err := h.scopedBranch(ctx, me, id)
	if err != nil {
		return nil, err
	}
	n, k := b.Name, b.Kind
	if name != nil {
		n = *name
	}
	if kind != nil {
		k = *kind
	}
	n, k, err = branchFields(n, k)
	if err != nil {
		return nil, err
	}
	if err := updateBranch(ctx, h.db, id, n, k); err != nil {
		if database.IsUniqueViolation(err, "") {
			return nil, web.Conflict("branch_exists", "本乡镇已有同名支部“"+n+"”")
		}
		return nil, err
	}
	return branchByID(ctx, h.db, id)
}

// GET /api/v1/townships
func (h *handlers) apiTownships(c *fiber.Ctx) error {
	ts, err := listTownships(c.UserContext(), h.db, web.ScopeOf(web.Me(c)).Township())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"townships": nonNil(ts)})
}

// POST /api/v1/townships (admin)
func (h *handlers) apiCreateTownship(c *fiber.Ctx) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	id, err := h.createTownship(c.UserContext(), in.Name)
	if err != nil {
		return err
	}
	t, err := townshipByID(c.UserContext(), h.db, id)
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
	bs, err := listBranches(c.UserContext(), h.db, scope.Township())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"branches": nonNil(bs)})
}

// POST /api/v1/branches
func (h *handlers) apiCreateBranch(c *fiber.Ctx) error {
	var in struct {
		TownshipID int64  `json:"township_id"`
		Name       string `json:"name"`
		Kind       string `json:"kind"`
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	me := web.Me(c)
	if in.TownshipID == 0 && me.Role == web.RoleOrganizer {
		in.TownshipID = me.TownshipID
	}
	b, err := h.createBranch(c.UserContext(), me, in.TownshipID, in.Name, in.Kind)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"branch": b})
}

// PATCH /api/v1/branches/:id
func (h *handlers) apiUpdateBranch(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Name *string `json:"name"`
		Kind *string `json:"kind"`
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	b, err := h.updateBranch(c.UserContext(), web.Me(c), id, in.Name, in.Kind)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"branch": b})
}

// ---- users ----

// userPatch is the JSON body of a user create or edit; missing fields keep their value.
type userPatch struct {
	Username   *string `json:"username"`
	Phone      *string `json:"phone"`
	Name       *string `json:"name"`
	Role       *string `json:"role"`
	TownshipID *int64  `json:"township_id"`
	BranchID   *int64  `json:"branch_id"`
	Title      *string `json:"title"`
	Active     *bool   `json:"active"`
}

func (p userPatch) apply(in *userInput) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&in.Username, p.Username)
	set(&in.Phone, p.Phone)
	set(&in.Name, p.Name)
	set(&in.Role, p.Role)
	set(&in.Title, p.Title)
	if p.TownshipID != nil {
		in.TownshipID = *p.TownshipID
	}
	if p.BranchID != nil {
		in.BranchID = *p.BranchID
	}
	if p.Active != nil {
		in.Active = *p.Active
	}
}

func inputOf(u *User) userInput {
	in := userInput{Username: u.Username, Name: u.Name, Role: u.Role, Title: u.Title, Active: u.Active}
	if u.Phone != nil {
		in.Phone = *u.Phone
	}
	if u.TownshipID != nil {
		in.TownshipID = *u.TownshipID
	}
	if u.BranchID != nil {
		in.BranchID = *u.BranchID
	}
	return in
}

// checkUser validates and completes a user (township from the branch) within the caller's
// powers. Only admins create or edit organizers and admins.
func (h *handlers) checkUser(ctx context.Context, me *web.Identity, in *userInput) error {
	ids, fields := checkIdentifiers(in.Username, in.Phone)
	in.Username, in.Phone = ids.Username, ids.Phone
	var nameOK, titleOK bool
	in.Name, nameOK = oneLine(in.Name)
	in.Title, titleOK = oneLine(in.Title)
	switch {
	case !nameOK:
		fields["name"] = controlCharsMsg("姓名")
	case in.Name == "" || utf8.RuneCountInString(in.Name) > maxNameLen:
		fields["name"] = "请填写姓名（不超过 50 个字）"
	}
	switch {
	case !titleOK:
		fields["title"] = controlCharsMsg("职务")
	case utf8.RuneCountInString(in.Title) > maxTitleLen:
		fields["title"] = "职务不超过 50 个字"
	}
	switch in.Role {
	case web.RoleSecretary, web.RoleOrganizer, web.RoleAdmin:
	default:
		fields["role"] = "角色应为 secretary、organizer 或 admin"
	}
	if me.Role != web.RoleAdmin && in.Role != web.RoleSecretary && fields["role"] == "" {
		return errOrganizerOnlySecretaries
	}
	if in.Role == web.RoleSecretary && in.Phone == "" && fields["phone"] == "" {
		fields["phone"] = "支部书记须填写手机号（用于登录）"
	}
	if len(fields) > 0 {
		return web.Invalid(firstField(fields, "name", "phone", "username", "role", "title"), fields)
	}
	scope := web.ScopeOf(me)
	switch in.Role {
	case web.RoleSecretary:
		if in.BranchID <= 0 {
			return web.Invalid("支部书记须选择所在支部", map[string]string{"branch_id": "请选择支部"})
		}
		b, err := h.scopedBranch(ctx, me, in.BranchID)
		if err != nil {
			return err
		}
		in.TownshipID = b.TownshipID
	case web.RoleOrganizer:
		if in.TownshipID <= 0 {
			return web.Invalid("组织委员须选择所在乡镇", map[string]string{"township_id": "请选择乡镇"})
		}
		if !scope.Allows(in.TownshipID) {
			return web.NotFound("找不到该乡镇，或不在您的管理范围内")
		}
		t, err := townshipByID(ctx, h.db, in.TownshipID)
		if err != nil {
			return err
		}
		if t == nil {
			return web.NotFound("找不到该乡镇")
		}
		in.BranchID = 0
	case web.RoleAdmin:
		in.TownshipID, in.BranchID = 0, 0
	}
	return nil
}

func firstField(fields map[string]string, order ...string) string {
	for _, k := range order {
		if v, ok := fields[k]; ok {
			return v
		}
	}
	return "提交的内容有误，请检查后重试"
}

func userConflict(err error, in userInput) error {
	return identifierConflict(err, identifiers{Username: in.Username, Phone: in.Phone})
}

// createUser adds an account with a random initial password, returned once.
func (h *handlers) createUser(ctx context.Context, me *web.Identity, p userPatch) (*User, string, error) {
	in := userInput{Role: web.RoleSecretary, Active: true}
	if me.Role == web.RoleOrganizer {
		in.TownshipID = me.TownshipID
	}
	p.apply(&in)
	in.Active = true
	if err := h.checkUser(ctx, me, &in); err != nil {
		return nil, "", err
	}
	pw := generatePassword()
	hash, err := hashInitialPassword(pw)
	if err != nil {
		return nil, "", err
	}
	id, err := insertUser(ctx, h.db, in, hash)
	if err != nil {
		return nil, "", userConflict(err, in)
	}
	u, err := userByID(ctx, h.db, id)
	return u, pw, err
}

// scopedUser loads a user the caller may manage: other townships' users (and, for
// organizers, the county's admins) are not found; organizers may not manage other organizers.
func (h *handlers) scopedUser(ctx context.Context, me *web.Identity, id int64) (*User, error) {
	u, err := userByID(ctx, h.db, id)
	if err != nil {
		return nil, err
	}
	scope := web.ScopeOf(me)
	if u == nil || (!scope.All && (u.TownshipID == nil || !scope.Allows(*u.TownshipID))) {
		return nil, web.NotFound("找不到该人员，或不在您的管理范围内")
	}
	if me.Role != web.RoleAdmin && u.Role != web.RoleSecretary {
		return nil, errOrganizerOnlySecretaries
	}
	return u, nil
}

func (h *handlers) updateUser(ctx context.Context, me *web.Identity, id int64, p userPatch) (*User, error) {
	u, err := h.scopedUser(ctx, me, id)
	if err != nil {
		return nil, err
	}
	in := inputOf(u)
	p.apply(&in)
	// A username that is the phone follows the phone when the number changes (left as it
	// was, it would read as a phone number that is not the account's own).
	if u.Phone != nil && u.Username == *u.Phone && strings.TrimSpace(in.Username) == u.Username {
		in.Username = ""
	}
	if u.ID == me.UserID && (!in.Active || in.Role != u.Role) {
		return nil, web.Invalid("不能停用自己的账号或修改自己的角色", map[string]string{"active": "不能修改自己"})
	}
	if err := h.checkUser(ctx, me, &in); err != nil {
		return nil, err
	}
	if err := updateUser(ctx, h.db, id, in); err != nil {
		return nil, userConflict(err, in)
	}
	if u.Active && !in.Active {
		if err := h.srv.Sessions.DeleteUser(ctx, id); err != nil {
			return nil, err
		}
	}
	return userByID(ctx, h.db, id)
}

// resetPassword gives the user a new random initial password (shown once) and signs
// them out everywhere.
func (h *handlers) resetPassword(ctx context.Context, me *web.Identity, id int64) (*User, string, error) {
	u, err := h.scopedUser(ctx, me, id)
	if err != nil {
		return nil, "", err
	}
	if u.ID == me.UserID {
		return nil, "", web.Invalid("请在“我的 → 修改密码”中修改自己的密码", nil)
	}
	pw := generatePassword()
	hash, err := hashInitialPassword(pw)
	if err != nil {
		return nil, "", err
	}
	if err := setPassword(ctx, h.db, id, hash, true); err != nil {
		return nil, "", err
	}
	if err := h.srv.Sessions.DeleteUser(ctx, id); err != nil {
		return nil, "", err
	}
	u.MustChangePassword = true
	return u, pw, nil
}

func userJSON(u *User) fiber.Map {
	m := publicUser(u)
	m["active"] = u.Active
	m["created_at"] = u.CreatedAt
	return m
}

// maxPage bounds the page number of a list (offsets stay far from overflowing).
const maxPage = 1000000

// userFilter reads the list filters (township, role, q, page, per_page) within the scope.
func userFilter(c *fiber.Ctx, me *web.Identity) (UserFilter, int, error) {
	tid, err := web.QueryInt(c, "township")
	if err != nil {
		return UserFilter{}, 0, err
	}
	scope, err := web.ScopeOf(me).Narrow(tid)
	if err != nil {
		return UserFilter{}, 0, err
	}
	role := c.Query("role")
	switch role {
	case "", web.RoleSecretary, web.RoleOrganizer, web.RoleAdmin:
	default:
		return UserFilter{}, 0, web.BadRequest("角色筛选应为 secretary、organizer 或 admin")
	}
	page, err := web.QueryInt(c, "page")
	if err != nil {
		return UserFilter{}, 0, err
	}
	per, err := web.QueryInt(c, "per_page")
	if err != nil {
		return UserFilter{}, 0, err
	}
	switch {
	case page == 0:
		page = 1
	case page < 0 || page > maxPage:
		return UserFilter{}, 0, web.Invalid("页码超出范围", map[string]string{"page": "应为 1 到 1000000 之间的数字"})
	}
	switch {
	case per == 0:
		per = 50
	case per < 0 || per > 200:
		return UserFilter{}, 0, web.Invalid("每页条数应在 1 到 200 之间", map[string]string{"per_page": "应为 1 到 200 之间的数字"})
	}
	q, ok := oneLine(c.Query("q"))
	if !ok {
		return UserFilter{}, 0, web.Invalid(controlCharsMsg("搜索词"), map[string]string{"q": "含有控制字符"})
	}
	if utf8.RuneCountInString(q) > 50 {
		q = string([]rune(q)[:50])
	}
	return UserFilter{Township: scope.Township(), Role: role, Query: q, Limit: int(per), Offset: int((page - 1) * per)}, int(page), nil
}

// GET /api/v1/users?township=&role=&q=&page=&per_page=
func (h *handlers) apiUsers(c *fiber.Ctx) error {
	f, page, err := userFilter(c, web.Me(c))
	if err != nil {
		return err
	}
	users, total, err := listUsers(c.UserContext(), h.db, f)
	if err != nil {
		return err
	}
	out := make([]fiber.Map, len(users))
	for i := range users {
		out[i] = userJSON(&users[i])
	}
	return c.JSON(fiber.Map{"users": out, "total": total, "page": page, "per_page": f.Limit})
}

// POST /api/v1/users → 201 {"user", "password"}: the initial password is shown only here.
func (h *handlers) apiCreateUser(c *fiber.Ctx) error {
	var p userPatch
	if err := web.BindJSON(c, &p); err != nil {
		return err
	}
	u, pw, err := h.createUser(c.UserContext(), web.Me(c), p)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"user": userJSON(u), "password": pw})
}

// PATCH /api/v1/users/:id
func (h *handlers) apiUpdateUser(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var p userPatch
	if err := web.BindJSON(c, &p); err != nil {
		return err
	}
	u, err := h.updateUser(c.UserContext(), web.Me(c), id, p)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"user": userJSON(u)})
}

// POST /api/v1/users/:id/reset-password → {"password"}
func (h *handlers) apiResetPassword(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	u, pw, err := h.resetPassword(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"user": userJSON(u), "password": pw})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
