package accounts

import (
	"context"
	"fmt"

	"zhibu/app/web"
)

// orgCards gives admins and organizers the size of their scope and the next steps of
// setting it up; secretaries get nothing from this package.
func (h *handlers) orgCards(ctx context.Context, me *web.Identity) ([]web.Card, error) {
	if me.Role == web.RoleSecretary {
		return nil, nil
	}
	scope := web.ScopeOf(me)
	var n struct {
		Townships   int `db:"townships"`
		Branches    int `db:"branches"`
		Secretaries int `db:"secretaries"`
		Pending     int `db:"pending"`
	}
	err := h.db.GetContext(ctx, &n, `
		SELECT (SELECT count(*) FROM townships WHERE $1::bigint IS NULL OR id = $1) AS townships,
		       (SELECT count(*) FROM branches WHERE $1::bigint IS NULL OR township_id = $1) AS branches,
		       (SELECT count(*) FROM users WHERE role = 'secretary' AND active AND ($1::bigint IS NULL OR township_id = $1)) AS secretaries,
		       (SELECT count(*) FROM users WHERE role = 'secretary' AND active AND must_change_password AND ($1::bigint IS NULL OR township_id = $1)) AS pending`,
		scope.Township())
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
