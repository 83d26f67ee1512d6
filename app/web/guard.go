package web

import (
	"database/sql"

	"github.com/gofiber/fiber/v2"
)

// The one guard: every route states who may call it with Auth (or AuthPending), and
// handlers narrow data to the caller's township with ScopeOf.

// Auth admits signed-in users of the given roles (any role when none is given) whose
// password does not need changing first.
func Auth(roles ...string) fiber.Handler { return guard(false, roles) }

// AuthPending admits any signed-in user, even one who must still change the password
// (for the password page itself, logout and /me).
func AuthPending() fiber.Handler { return guard(true, nil) }

func guard(allowPending bool, roles []string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		me := Me(c)
		if me == nil {
			return Err(fiber.StatusUnauthorized, "unauthenticated", "请先登录")
		}
		if me.MustChangePassword && !allowPending {
			if !IsAPI(c) {
				return c.Redirect("/password")
			}
			return Err(fiber.StatusForbidden, "password_change_required", "首次登录请先修改密码")
		}
		if len(roles) > 0 && !hasRole(me.Role, roles) {
			return Forbidden("")
		}
		return c.Next()
	}
}

func hasRole(role string, roles []string) bool {
	for _, r := range roles {
		if r == role {
			return true
		}
	}
	return false
}

// Scope is the part of the county a user may see: everything for an admin, the own
// township for organizers and secretaries.
type Scope struct {
	All        bool
	TownshipID int64
}

// ScopeOf returns the caller's scope.
func ScopeOf(me *Identity) Scope {
	if me != nil && me.Role == RoleAdmin {
		return Scope{All: true}
	}
	if me == nil {
		return Scope{TownshipID: -1}
	}
	return Scope{TownshipID: me.TownshipID}
}

// Allows tells whether the scope contains the township.
func (s Scope) Allows(townshipID int64) bool {
	return s.All || (s.TownshipID > 0 && s.TownshipID == townshipID)
}

// Township is the SQL filter value: NULL for all townships, else the one township.
// Use it as `($1::bigint IS NULL OR township_id = $1)`.
func (s Scope) Township() sql.NullInt64 {
	if s.All {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: s.TownshipID, Valid: true}
}

// Narrow applies a requested township filter (0 = none) inside the scope. Asking for a
// township outside the scope is refused as not found, so ids of others leak nothing.
func (s Scope) Narrow(requested int64) (Scope, error) {
	if requested <= 0 {
		return s, nil
	}
	if !s.Allows(requested) {
		return s, NotFound("找不到该乡镇，或不在您的管理范围内")
	}
	return Scope{TownshipID: requested}, nil
}
