package accounts

import (
	"context"
	"errors"
	"strings"

	"github.com/lib/pq"

	"zhibu/app/web"
)

// UserFilter narrows the user list.
type UserFilter struct {
	Scope    web.Scope
	BranchID int64  // 0: every branch
	Role     string // "": every role
	Status   string // "": everyone; else one of the UserStatus* values
	Query    string // a part of the name or branch, the start of the phone, the username
	Limit    int
	Offset   int
}

// The status filter of the people list.
const (
	UserStatusActive   = "active"   // 在用
	UserStatusInactive = "inactive" // 已停用
	UserStatusPending  = "pending"  // 在用但未改初始密码
)

// UserCounts are the people of a filter (its status aside) by status.
type UserCounts struct {
	All      int `db:"all_users"`
	Active   int `db:"active"`
	Inactive int `db:"inactive"`
	Pending  int `db:"pending"`
}

// Of is the count of one status filter ("" is everyone).
func (n UserCounts) Of(status string) int {
	switch status {
	case UserStatusActive:
		return n.Active
	case UserStatusInactive:
		return n.Inactive
	case UserStatusPending:
		return n.Pending
	}
	return n.All
}

// likeEscape makes a search word match itself only in LIKE (a typed % or _ is literal).
var likeEscape = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// userWhere is the filter's WHERE clause (status aside) and its arguments $1..$4.
func userWhere(f UserFilter) (string, []any) {
	where := ` WHERE ($1::bigint IS NULL OR u.township_id = $1) AND ($2::bigint = 0 OR u.branch_id = $2) AND ($3 = '' OR u.role = $3)
		AND ($4 = '' OR u.name LIKE '%' || $4 || '%' OR u.phone LIKE $4 || '%' OR u.username = $5 OR b.name LIKE '%' || $4 || '%')`
	return where, []any{f.Scope.Township(), f.BranchID, f.Role, likeEscape.Replace(f.Query), f.Query}
}

// statusWhere is the SQL condition of a status filter.
func statusWhere(status string) string {
	switch status {
	case UserStatusActive:
		return ` AND u.active`
	case UserStatusInactive:
		return ` AND NOT u.active`
	case UserStatusPending:
		return ` AND u.active AND u.must_change_password`
	}
	return ``
}

// Users lists a page of the users in the filter's scope, and how many there are in all.
func (s *Store) Users(ctx context.Context, f UserFilter) ([]User, int, error) {
	n, err := s.UserCounts(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	out, err := s.UserPage(ctx, f)
	return out, n.Of(f.Status), err
}

// UserCounts counts the users of the filter, its status aside, by status.
func (s *Store) UserCounts(ctx context.Context, f UserFilter) (UserCounts, error) {
	where, args := userWhere(f)
	var n UserCounts
	err := s.db.GetContext(ctx, &n, `SELECT count(*) AS all_users, count(*) FILTER (WHERE u.active) AS active,
		count(*) FILTER (WHERE NOT u.active) AS inactive, count(*) FILTER (WHERE u.active AND u.must_change_password) AS pending`+
		userFrom+where, args...)
	return n, err
}

// UserPage is one page (Limit, Offset) of the users of the filter.
func (s *Store) UserPage(ctx context.Context, f UserFilter) ([]User, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	where, args := userWhere(f)
	var out []User
	err := s.db.SelectContext(ctx, &out, `SELECT `+userColumns+userFrom+where+statusWhere(f.Status)+
		` ORDER BY u.role, t.sort, t.id, b.name, u.id LIMIT $6 OFFSET $7`, append(args, f.Limit, f.Offset)...)
	return out, err
}

// completeUser checks a user record within the caller's powers and completes it: a
// secretary's township is their branch's; an organizer has no branch, an admin neither.
func (s *Store) completeUser(ctx context.Context, me *web.Identity, r *userRecord) error {
	if err := r.validate(me); err != nil {
		return err
	}
	switch r.Role {
	case web.RoleSecretary:
		if r.BranchID <= 0 {
			return ErrSecretaryNeedsBranch
		}
		b, err := s.ScopedBranch(ctx, me, r.BranchID)
		if err != nil {
			return err
		}
		r.TownshipID = b.TownshipID
	case web.RoleOrganizer:
		if r.TownshipID <= 0 {
			return ErrOrganizerNeedsTownship
		}
		if _, err := s.scopedTownship(ctx, web.ScopeOf(me), r.TownshipID); err != nil {
			return err
		}
		r.BranchID = 0
	case web.RoleAdmin:
		r.TownshipID, r.BranchID = 0, 0
	}
	return nil
}

// CreateUser adds an account with a random initial password, returned once. An
// organizer's new users are in their township.
func (s *Store) CreateUser(ctx context.Context, me *web.Identity, in UserInput) (*User, string, error) {
	r := userRecord{Role: web.RoleSecretary}
	if me.Role == web.RoleOrganizer {
		r.TownshipID = me.TownshipID
	}
	in.apply(&r)
	r.Active = true
	if err := s.completeUser(ctx, me, &r); err != nil {
		return nil, "", err
	}
	pw := generatePassword()
	hash, err := hashInitialPassword(pw)
	if err != nil {
		return nil, "", err
	}
	var id int64
	err = s.db.GetContext(ctx, &id, `INSERT INTO users (username, phone, name, role, township_id, branch_id, title,
		password_hash, must_change_password)
		VALUES ($1, NULLIF($2,''), $3, $4, NULLIF($5, 0::bigint), NULLIF($6, 0::bigint), $7, $8, true) RETURNING id`,
		r.Username, r.Phone, r.Name, r.Role, r.TownshipID, r.BranchID, r.Title, hash)
	if err != nil {
		return nil, "", identifierConflict(err, identifiers{Username: r.Username, Phone: r.Phone})
	}
	u, err := userByID(ctx, s.db, id)
	return u, pw, err
}

// ScopedUser loads a user the caller may manage: other townships' users (and, for
// organizers, the county's admins) are not found; organizers may not manage other organizers.
func (s *Store) ScopedUser(ctx context.Context, me *web.Identity, id int64) (*User, error) {
	u, err := userByID(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	scope := web.ScopeOf(me)
	if u == nil || (!scope.All && (u.TownshipID == nil || !scope.Allows(*u.TownshipID))) {
		return nil, ErrUserNotFound
	}
	if me.Role != web.RoleAdmin && u.Role != web.RoleSecretary {
		return nil, ErrOrganizerOnlySecretaries
	}
	return u, nil
}

// UpdateUser edits a user; deactivating one signs them out everywhere.
func (s *Store) UpdateUser(ctx context.Context, me *web.Identity, id int64, in UserInput) (*User, error) {
	u, err := s.ScopedUser(ctx, me, id)
	if err != nil {
		return nil, err
	}
	r := recordOf(u)
	in.apply(&r)
	// A username that is the phone follows the phone when the number changes (left as it
	// was, it would read as a phone number that is not the account's own).
	if u.Phone != nil && u.Username == *u.Phone && strings.TrimSpace(r.Username) == u.Username {
		r.Username = ""
	}
	if u.ID == me.UserID && (!r.Active || r.Role != u.Role) {
		return nil, ErrChangeSelf
	}
	if err := s.completeUser(ctx, me, &r); err != nil {
		return nil, err
	}
	_, err = s.db.ExecContext(ctx, `UPDATE users SET username = $2, phone = NULLIF($3,''), name = $4, role = $5,
		township_id = NULLIF($6, 0::bigint), branch_id = NULLIF($7, 0::bigint), title = $8, active = $9, updated_at = now()
		WHERE id = $1`, id, r.Username, r.Phone, r.Name, r.Role, r.TownshipID, r.BranchID, r.Title, r.Active)
	if err != nil {
		return nil, identifierConflict(err, identifiers{Username: r.Username, Phone: r.Phone})
	}
	if u.Active && !r.Active {
		if err := s.sessions.DeleteUser(ctx, id); err != nil {
			return nil, err
		}
	}
	return userByID(ctx, s.db, id)
}

// ResetPassword gives the user a new random initial password (returned once) and signs
// them out everywhere.
func (s *Store) ResetPassword(ctx context.Context, me *web.Identity, id int64) (*User, string, error) {
	u, err := s.ScopedUser(ctx, me, id)
	if err != nil {
		return nil, "", err
	}
	if u.ID == me.UserID {
		return nil, "", ErrResetSelf
	}
	pw := generatePassword()
	hash, err := hashInitialPassword(pw)
	if err != nil {
		return nil, "", err
	}
	if err := s.setPassword(ctx, id, hash, true); err != nil {
		return nil, "", err
	}
	if err := s.sessions.DeleteUser(ctx, id); err != nil {
		return nil, "", err
	}
	u.MustChangePassword = true
	return u, pw, nil
}

// identifierConflict turns a duplicate login name reported by the database into
// ErrPhoneTaken or ErrUsernameTaken naming the number or name; other errors pass through.
func identifierConflict(err error, id identifiers) error {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) || pqErr.Code != "23505" {
		return err
	}
	field := ""
	switch pqErr.Constraint {
	case "users_phone_key":
		field = "phone"
	case "users_username_key":
		field = "username"
	case "login_names_pkey":
		// Detail reads: Key (name)=(13800000001) already exists.
		field = "username"
		if id.Phone != "" && strings.Contains(pqErr.Detail, "=("+id.Phone+")") {
			field = "phone"
		}
	default:
		return err
	}
	if field == "username" && id.Username == id.Phone {
		field = "phone" // the username was the phone: the number is what is taken
	}
	if field == "phone" {
		return &reasoned{ErrPhoneTaken, "手机号 " + id.Phone + " 已被其他账号使用（作为手机号或用户名）"}
	}
	return &reasoned{ErrUsernameTaken, "用户名“" + id.Username + "”已被其他账号使用（作为用户名或手机号）"}
}
