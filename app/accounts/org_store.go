package accounts

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
)

func townshipByID(ctx context.Context, db sqlx.QueryerContext, id int64) (*Township, error) {
	var t Township
	err := sqlx.GetContext(ctx, db, &t, `SELECT id, name, 0 AS branches, 0 AS users FROM townships WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &t, err
}

// createTownship appends a township at the end of the list.
func createTownship(ctx context.Context, db *sqlx.DB, name string) (int64, error) {
	var id int64
	err := db.GetContext(ctx, &id, `INSERT INTO townships (name, sort)
		VALUES ($1, (SELECT coalesce(max(sort), 0) + 1 FROM townships)) RETURNING id`, name)
	return id, err
}

func createBranch(ctx context.Context, db *sqlx.DB, townshipID int64, name, kind string) (int64, error) {
	var id int64
	err := db.GetContext(ctx, &id, `INSERT INTO branches (township_id, name, kind) VALUES ($1, $2, $3) RETURNING id`,
		townshipID, name, kind)
	return id, err
}

func updateBranch(ctx context.Context, db *sqlx.DB, id int64, name, kind string) error {
	_, err := db.ExecContext(ctx, `UPDATE branches SET name = $2, kind = $3 WHERE id = $1`, id, name, kind)
	return err
}

// userInput is a user as created or edited by an administrator.
type userInput struct {
	Username   string
	Phone      string
	Name       string
	Role       string
	TownshipID int64
	BranchID   int64
	Title      string
	Active     bool
}

func insertUser(ctx context.Context, db *sqlx.DB, in userInput, hash string) (int64, error) {
	var id int64
	err := db.GetContext(ctx, &id, `INSERT INTO users (username, phone, name, role, township_id, branch_id, title,
		password_hash, must_change_password)
		VALUES ($1, NULLIF($2,''), $3, $4, NULLIF($5, 0::bigint), NULLIF($6, 0::bigint), $7, $8, true) RETURNING id`,
		in.Username, in.Phone, in.Name, in.Role, in.TownshipID, in.BranchID, in.Title, hash)
	return id, err
}

func updateUser(ctx context.Context, db *sqlx.DB, id int64, in userInput) error {
	_, err := db.ExecContext(ctx, `UPDATE users SET username = $2, phone = NULLIF($3,''), name = $4, role = $5,
		township_id = NULLIF($6, 0::bigint), branch_id = NULLIF($7, 0::bigint), title = $8, active = $9, updated_at = now()
		WHERE id = $1`, id, in.Username, in.Phone, in.Name, in.Role, in.TownshipID, in.BranchID, in.Title, in.Active)
	return err
}
