package accounts

import (
	"context"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// GET / : the home page of every role; features add their cards.
func (h *handlers) home(c *fiber.Ctx) error {
	me := web.Me(c)
	if me == nil {
		return c.Redirect("/login")
	}
	if me.MustChangePassword {
		return c.Redirect("/password")
	}
	u, err := h.store.User(c.UserContext(), me.UserID)
	if err != nil {
		return err
	}
	cards, err := h.srv.HomeCards(c.UserContext(), me)
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "accounts/home", fiber.Map{"Title": "首页", "User": u, "Cards": cards})
}

// GET /me
func (h *handlers) mePage(c *fiber.Ctx) error {
	u, err := h.store.User(c.UserContext(), web.Me(c).UserID)
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "accounts/me", fiber.Map{"Title": "我的", "User": u})
}

// orgCards gives admins and organizers the size of their scope and the next steps of
// setting it up; secretaries get nothing from this package.
func (h *handlers) orgCards(ctx context.Context, me *web.Identity) ([]web.Card, error) {
	if me.Role == web.RoleSecretary {
		return nil, nil
	}
	scope := web.ScopeOf(me)
	n, err := h.store.orgCounts(ctx, scope)
	if err != nil {
		return nil, err
	}
	lines := []string{fmt.Sprintf("%d 个支部，%d 名支部书记", n.Branches, n.Secretaries)}
	if scope.All {
		lines = append([]string{fmt.Sprintf("%d 个乡镇（街道）", n.Townships)}, lines...)
	}
	if n.Pending > 0 {
		lines = append(lines, fmt.Sprintf("%d 人尚未首次登录修改密码", n.Pending))
	}
	card := web.Card{Title: "组织与人员", Big: fmt.Sprintf("%d 人", n.Secretaries), Lines: lines,
		Link: "/admin/users", LinkText: "管理人员", Order: 90}
	if n.Secretaries == 0 {
		card.Lines = append(card.Lines, "还没有人员：请先导入花名册")
		card.Link, card.LinkText, card.Accent = "/admin/roster", "导入花名册", true
	}
	return []web.Card{card}, nil
}
