package accounts

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

// Store holds all SQL of accounts (store*.go, apart from the roster import's
// roster_store.go and the demo data's demo.go): one method per operation, answering the
// domain errors of errors.go.
type Store struct {
	db       *sqlx.DB
	sessions *web.Sessions // sign-outs when an account is deactivated or its password changes
	log      *slog.Logger
}

// NewStore builds the Store of accounts.
func NewStore(db *sqlx.DB, sessions *web.Sessions, log *slog.Logger) *Store {
	return &Store{db: db, sessions: sessions, log: log}
}

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
		return 0, invalid(firstField(fields, "username", "phone", "name"), fields)
	}
	if reason := validateNewPassword(password, id.Username, id.Phone); reason != "" {
		return 0, invalid(reason, map[string]string{"password": reason})
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

// User loads an account, nil when there is none.
func (s *Store) User(ctx context.Context, id int64) (*User, error) { return userByID(ctx, s.db, id) }
