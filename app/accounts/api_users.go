package accounts

import (
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

func userJSON(u *User) fiber.Map {
	m := publicUser(u)
	m["active"] = u.Active
	m["created_at"] = u.CreatedAt
	return m
}

// maxPage bounds the page number of a list (offsets stay far from overflowing).
const maxPage = 1000000

// listFilters reads the filters the API and the people page share: role, status, q.
func listFilters(c *fiber.Ctx) (UserFilter, error) {
	var f UserFilter
	switch f.Role = c.Query("role"); f.Role {
	case "", web.RoleSecretary, web.RoleOrganizer, web.RoleAdmin:
	default:
		return f, web.BadRequest("身份筛选应为支部书记、乡镇组织委员或县委组织部")
	}
	switch f.Status = c.Query("status"); f.Status {
	case "", UserStatusActive, UserStatusInactive, UserStatusPending:
	default:
		return f, web.BadRequest("状态筛选应为在用、已停用或未改初始密码")
	}
	q, ok := oneLine(c.Query("q"))
	if !ok {
		return f, invalid(controlCharsMsg("搜索词"), map[string]string{"q": "含有控制字符"})
	}
	if utf8.RuneCountInString(q) > 50 {
		q = string([]rune(q)[:50])
	}
	f.Query = q
	return f, nil
}

// userFilter reads the API's list filters (township, branch, role, status, q, page,
// per_page) within the scope: another township's id is not found.
func (h *handlers) userFilter(c *fiber.Ctx, me *web.Identity) (UserFilter, int, error) {
	f, err := listFilters(c)
	if err != nil {
		return f, 0, err
	}
	tid, err := web.QueryInt(c, "township")
	if err != nil {
		return UserFilter{}, 0, err
	}
	if f.Scope, err = web.ScopeOf(me).Narrow(tid); err != nil {
		return UserFilter{}, 0, err
	}
	if f.BranchID, err = web.QueryInt(c, "branch"); err != nil {
		return UserFilter{}, 0, err
	}
	if f.BranchID != 0 {
		if _, err := h.store.ScopedBranch(c.UserContext(), me, f.BranchID); err != nil {
			return UserFilter{}, 0, err
		}
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
		return UserFilter{}, 0, invalid("页码超出范围", map[string]string{"page": "应为 1 到 1000000 之间的数字"})
	}
	switch {
	case per == 0:
		per = 50
	case per < 0 || per > 200:
		return UserFilter{}, 0, invalid("每页条数应在 1 到 200 之间", map[string]string{"per_page": "应为 1 到 200 之间的数字"})
	}
	f.Limit, f.Offset = int(per), int((page-1)*per)
	return f, int(page), nil
}

// GET /api/v1/users?township=&role=&q=&page=&per_page=
func (h *handlers) apiUsers(c *fiber.Ctx) error {
	f, page, err := h.userFilter(c, web.Me(c))
	if err != nil {
		return err
	}
	users, total, err := h.store.Users(c.UserContext(), f)
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
	var in UserInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	u, pw, err := h.store.CreateUser(c.UserContext(), web.Me(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"user": userJSON(u), "password": pw})
}

// PUT /api/v1/users/:id (a field left out keeps its value)
func (h *handlers) apiUpdateUser(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in UserInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	u, err := h.store.UpdateUser(c.UserContext(), web.Me(c), id, in)
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
	u, pw, err := h.store.ResetPassword(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"user": userJSON(u), "password": pw})
}
