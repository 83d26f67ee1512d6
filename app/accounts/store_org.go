package accounts

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"

	"zhibu/app/database"
	"zhibu/app/web"
)

// Townships lists the townships in scope with their counts.
func (s *Store) Townships(ctx context.Context, scope web.Scope) ([]Township, error) {
	var out []Township
	err := s.db.SelectContext(ctx, &out, `
		SELECT t.id, t.name,
		       (SELECT count(*) FROM branches b WHERE b.township_id = t.id) AS branches,
		       (SELECT count(*) FROM users u WHERE u.township_id = t.id AND u.role = 'secretary' AND u.active) AS users
		FROM townships t WHERE ($1::bigint IS NULL OR t.id = $1) ORDER BY t.sort, t.id`, scope.Township())
	return out, err
}

// Branches lists the branches in scope with their active members.
func (s *Store) Branches(ctx context.Context, scope web.Scope) ([]Branch, error) {
	var out []Branch
	err := s.db.SelectContext(ctx, &out, `
		SELECT b.id, b.township_id, t.name AS township_name, b.name, b.kind,
		       (SELECT count(*) FROM users u WHERE u.branch_id = b.id AND u.active) AS secretaries
		FROM branches b JOIN townships t ON t.id = b.township_id
		WHERE ($1::bigint IS NULL OR b.township_id = $1) ORDER BY t.sort, t.id, b.name`, scope.Township())
	return out, err
}

// BranchPage is one page (limit, offset) of a township's branches whose name holds q,
// with their active members, and how many such branches there are.
func (s *Store) BranchPage(ctx context.Context, townshipID int64, q string, limit, offset int) ([]Branch, int, error) {
	const where = ` FROM branches b JOIN townships t ON t.id = b.township_id
		WHERE b.township_id = $1 AND ($2 = '' OR b.name LIKE '%' || $2 || '%')`
	like := likeEscape.Replace(q)
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT count(*)`+where, townshipID, like); err != nil {
		return nil, 0, err
	}
	var out []Branch
	err := s.db.SelectContext(ctx, &out, `
		SELECT b.id, b.township_id, t.name AS township_name, b.name, b.kind,
		       (SELECT count(*) FROM users u WHERE u.branch_id = b.id AND u.active) AS secretaries`+where+`
		ORDER BY b.name, b.id LIMIT $3 OFFSET $4`, townshipID, like, limit, offset)
	return out, total, err
}

// township loads a township (without counts), nil when there is none.
func (s *Store) township(ctx context.Context, id int64) (*Township, error) {
	var t Township
	err := s.db.GetContext(ctx, &t, `SELECT id, name, 0 AS branches, 0 AS users FROM townships WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &t, err
}

// scopedTownship loads a township within the scope: another township's is out of scope,
// a missing one not found.
func (s *Store) scopedTownship(ctx context.Context, scope web.Scope, id int64) (*Township, error) {
	if !scope.Allows(id) {
		return nil, ErrTownshipOutOfScope
	}
	t, err := s.township(ctx, id)
	if err == nil && t == nil {
		err = ErrTownshipNotFound
	}
	return t, err
}

// CreateTownship appends a township at the end of the list (admins only, by route).
func (s *Store) CreateTownship(ctx context.Context, in TownshipInput) (*Township, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.GetContext(ctx, &id, `INSERT INTO townships (name, sort)
		VALUES ($1, (SELECT coalesce(max(sort), 0) + 1 FROM townships)) RETURNING id`, in.Name)
	if database.IsUniqueViolation(err, "") {
		return nil, &reasoned{ErrTownshipExists, "已有同名乡镇“" + in.Name + "”"}
	}
	if err != nil {
		return nil, err
	}
	return s.township(ctx, id)
}

func branchTaken(name string) error {
	return &reasoned{ErrBranchExists, "本乡镇已有同名支部“" + name + "”"}
}

// CreateBranch adds a branch to a township in the caller's scope.
func (s *Store) CreateBranch(ctx context.Context, me *web.Identity, in BranchInput) (*Branch, error) {
	if in.TownshipID <= 0 {
		return nil, ErrTownshipRequired
	}
	if _, err := s.scopedTownship(ctx, web.ScopeOf(me), in.TownshipID); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.GetContext(ctx, &id, `INSERT INTO branches (township_id, name, kind) VALUES ($1, $2, $3) RETURNING id`,
		in.TownshipID, in.Name, in.Kind)
	if database.IsUniqueViolation(err, "") {
		return nil, branchTaken(in.Name)
	}
	if err != nil {
		return nil, err
	}
	return branchByID(ctx, s.db, id)
}

// ScopedBranch loads a branch the caller may manage; others' branches are not found.
func (s *Store) ScopedBranch(ctx context.Context, me *web.Identity, id int64) (*Branch, error) {
	b, err := branchByID(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if b == nil || !web.ScopeOf(me).Allows(b.TownshipID) {
		return nil, ErrBranchNotFound
	}
	return b, nil
}

// UpdateBranch renames a branch or changes its kind; a field left nil keeps its value.
func (s *Store) UpdateBranch(ctx context.Context, me *web.Identity, id int64, edit BranchEdit) (*Branch, error) {
	b, err := s.ScopedBranch(ctx, me, id)
	if err != nil {
		return nil, err
	}
	in := edit.over(b)
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE branches SET name = $2, kind = $3 WHERE id = $1`, id, in.Name, in.Kind); err != nil {
		if database.IsUniqueViolation(err, "") {
			return nil, branchTaken(in.Name)
		}
		return nil, err
	}
	return branchByID(ctx, s.db, id)
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

// orgCounts is the size of a scope, for the home card.
type orgCounts struct {
	Townships   int `db:"townships"`
	Branches    int `db:"branches"`
	Secretaries int `db:"secretaries"`
	Pending     int `db:"pending"` // active secretaries who have not yet replaced their initial password
}

func (s *Store) orgCounts(ctx context.Context, scope web.Scope) (orgCounts, error) {
	var n orgCounts
	err := s.db.GetContext(ctx, &n, `
		SELECT (SELECT count(*) FROM townships WHERE $1::bigint IS NULL OR id = $1) AS townships,
		       (SELECT count(*) FROM branches WHERE $1::bigint IS NULL OR township_id = $1) AS branches,
		       (SELECT count(*) FROM users WHERE role = 'secretary' AND active AND ($1::bigint IS NULL OR township_id = $1)) AS secretaries,
		       (SELECT count(*) FROM users WHERE role = 'secretary' AND active AND must_change_password AND ($1::bigint IS NULL OR township_id = $1)) AS pending`,
		scope.Township())
	return n, err
}
