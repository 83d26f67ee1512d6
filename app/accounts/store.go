package accounts

import (
	"context"
	"database/sql"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

// User is an account as stored.
type User struct {
	ID                 int64     `db:"id" json:"id"`
	Username           string    `db:"username" json:"username"`
	Phone              *string   `db:"phone" json:"phone"`
	Name               string    `db:"name" json:"name"`
	Role               string    `db:"role" json:"role"`
	TownshipID         *int64    `db:"township_id" json:"township_id"`
	BranchID           *int64    `db:"branch_id" json:"branch_id"`
	Title              string    `db:"title" json:"title"`
	PasswordHash       string    `db:"password_hash" json:"-"`
	MustChangePassword bool      `db:"must_change_password" json:"must_change_password"`
	Active             bool      `db:"active" json:"active"`
	CreatedAt          time.Time `db:"created_at" json:"created_at"`
	TownshipName       *string   `db:"township_name" json:"township_name"`
	BranchName         *string   `db:"branch_name" json:"branch_name"`
}

const userColumns = `u.id, u.username, u.phone, u.name, u.role, u.township_id, u.branch_id, u.title,
	u.password_hash, u.must_change_password, u.active, u.created_at, t.name AS township_name, b.name AS branch_name`

const userFrom = ` FROM users u LEFT JOIN townships t ON t.id = u.township_id LEFT JOIN branches b ON b.id = u.branch_id `

func userByID(ctx context.Context, db sqlx.QueryerContext, id int64) (*User, error) {
	var u User
	err := sqlx.GetContext(ctx, db, &u, `SELECT `+userColumns+userFrom+` WHERE u.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &u, err
}

func setPassword(ctx context.Context, db sqlx.ExecerContext, userID int64, hash string, mustChange bool) error {
	_, err := db.ExecContext(ctx, `UPDATE users SET password_hash = $2, must_change_password = $3, updated_at = now() WHERE id = $1`,
		userID, hash, mustChange)
	return err
}

// Township and Branch are the county's org tree.
type Township struct {
	ID       int64  `db:"id" json:"id"`
	Name     string `db:"name" json:"name"`
	Branches int    `db:"branches" json:"branches"`
	Users    int    `db:"users" json:"secretaries"`
}

type Branch struct {
	ID           int64  `db:"id" json:"id"`
	TownshipID   int64  `db:"township_id" json:"township_id"`
	TownshipName string `db:"township_name" json:"township_name"`
	Name         string `db:"name" json:"name"`
	Kind         string `db:"kind" json:"kind"`
	Secretaries  int    `db:"secretaries" json:"secretaries"`
}

// BranchKinds are the kinds a branch can have, as stored and shown.
var BranchKinds = []string{"农村", "社区", "机关", "企业", "学校", "事业单位", "联合", "产业", "其他"}

// listTownships lists the townships in scope (township = NULL for all) with counts.
func listTownships(ctx context.Context, db *sqlx.DB, township sql.NullInt64) ([]Township, error) {
	var out []Township
	err := db.SelectContext(ctx, &out, `
		SELECT t.id, t.name,
		       (SELECT count(*) FROM branches b WHERE b.township_id = t.id) AS branches,
		       (SELECT count(*) FROM users u WHERE u.township_id = t.id AND u.role = 'secretary' AND u.active) AS users
		FROM townships t WHERE ($1::bigint IS NULL OR t.id = $1) ORDER BY t.sort, t.id`, township)
	return out, err
}

func listBranches(ctx context.Context, db *sqlx.DB, township sql.NullInt64) ([]Branch, error) {
	var out []Branch
	err := db.SelectContext(ctx, &out, `
		SELECT b.id, b.township_id, t.name AS township_name, b.name, b.kind,
		       (SELECT count(*) FROM users u WHERE u.branch_id = b.id AND u.active) AS secretaries
		FROM branches b JOIN townships t ON t.id = b.township_id
		WHERE ($1::bigint IS NULL OR b.township_id = $1) ORDER BY t.sort, t.id, b.name`, township)
	return out, err
}

func branchByID(ctx context.Context, db sqlx.QueryerContext, id int64) (*Branch, error) {
	var b Branch
	err := sqlx.GetContext(ctx, db, &b, `SELECT b.id, b.township_id, t.name AS township_name, b.name, b.kind, 0 AS secretaries
		FROM branches b JOIN townships t ON t.id = b.township_id WHERE b.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &b, err
}

// UserFilter narrows the user list.
type UserFilter struct {
	Township sql.NullInt64
	Role     string
	Query    string
	Limit    int
	Offset   int
}

func listUsers(ctx context.Context, db *sqlx.DB, f UserFilter) ([]User, int, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	where := ` WHERE ($1::bigint IS NULL OR u.township_id = $1) AND ($2 = '' OR u.role = $2)
		AND ($3 = '' OR u.name LIKE '%' || $3 || '%' OR u.phone LIKE $3 || '%' OR u.username = $3 OR b.name LIKE '%' || $3 || '%')`
	var total int
	if err := db.GetContext(ctx, &total, `SELECT count(*)`+userFrom+where, f.Township, f.Role, f.Query); err != nil {
		return nil, 0, err
	}
	var out []User
	err := db.SelectContext(ctx, &out, `SELECT `+userColumns+userFrom+where+
		` ORDER BY u.role, t.sort, t.id, b.name, u.id LIMIT $4 OFFSET $5`, f.Township, f.Role, f.Query, f.Limit, f.Offset)
	return out, total, err
}

// CreateAdmin adds a county administrator (the create-admin command). The username and
// phone go through checkIdentifiers like every other account's.
func CreateAdmin(ctx context.Context, db *sqlx.DB, username, name, phone, password string) (int64, error) {
	id, fields := checkIdentifiers(username, phone)
	name, ok := oneLine(name)
	switch {
	case !ok:
		fields["name"] = controlCharsMsg("姓名")
	case name == "" || utf8.RuneCountInString(name) > maxNameLen:
		fields["name"] = "请填写姓名（不超过 50 个字）"
	}
	if len(fields) > 0 {
		return 0, web.Invalid(firstField(fields, "username", "phone", "name"), fields)
	}
	if reason := validateNewPassword(password); reason != "" {
		return 0, web.Invalid(reason, map[string]string{"password": reason})
	}
	hash, err := hashPassword(password)
	if err != nil {
		return 0, err
	}
	var uid int64
	err = db.GetContext(ctx, &uid, `INSERT INTO users (username, phone, name, role, password_hash)
		VALUES ($1, NULLIF($2,''), $3, 'admin', $4) RETURNING id`, id.Username, id.Phone, name, hash)
	if err != nil {
		return 0, identifierConflict(err, id)
	}
	return uid, nil
}
