// Package database opens PostgreSQL, creates the database when asked, and applies the
// embedded schema with goose under a PostgreSQL advisory lock.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"zhibu/migrations"
)

// DefaultURL is used when DATABASE_URL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/zhibu?sslmode=disable"

// Open connects to PostgreSQL with no statement timeout (migrations, seeding, tools);
// connections still give up when their caller's context ends (app/database/failfast.go).
func Open(ctx context.Context, dsn string, maxConns int) (*sqlx.DB, error) {
	return OpenOptions(ctx, dsn, Options{MaxConns: maxConns})
}

// EnsureDatabase creates the database named in dsn when it does not exist yet, by
// connecting to the server's "postgres" maintenance database.
func EnsureDatabase(ctx context.Context, dsn string) error {
	u, err := url.Parse(dsn)
	if err != nil {
		return fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return errors.New("DATABASE_URL names no database")
	}
	admin := *u
	admin.Path = "/postgres"
	db, err := sql.Open("postgres", admin.String())
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	if exists {
		return nil
	}
	_, err = db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name))
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "42P04" { // created concurrently by another instance
		return nil
	}
	return err
}

func provider(db *sqlx.DB) (*goose.Provider, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, db.DB, migrations.FS, goose.WithSessionLocker(locker))
}

// Migrate applies every pending migration. The session lock makes concurrent callers
// (several instances starting together) apply each migration exactly once.
func Migrate(ctx context.Context, db *sqlx.DB) (applied int, err error) {
	p, err := provider(db)
	if err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	return len(res), err
}

// SchemaState reports the database's schema version and the version this build expects.
func SchemaState(ctx context.Context, db *sqlx.DB) (current, target int64, err error) {
	p, err := provider(db)
	if err != nil {
		return 0, 0, err
	}
	current, err = p.GetDBVersion(ctx)
	if IsUnavailable(err) {
		return 0, 0, err
	}
	if err != nil {
		// No goose table yet: an empty database.
		current = 0
	}
	srcs := p.ListSources()
	if len(srcs) > 0 {
		target = srcs[len(srcs)-1].Version
	}
	return current, target, nil
}

// ErrSchema explains why the server refuses to start on this database.
type ErrSchema struct{ Current, Target int64 }

func (e ErrSchema) Error() string {
	if e.Current > e.Target {
		return fmt.Sprintf("database schema version %d is newer than this build knows (%d): run a newer zhibu build", e.Current, e.Target)
	}
	return fmt.Sprintf("database schema is at version %d, this build needs %d: run `zhibu migrate` (or `go run ./app migrate`) first, or start with `serve -migrate`", e.Current, e.Target)
}

// CheckSchema returns ErrSchema unless the database is exactly at the build's version.
func CheckSchema(ctx context.Context, db *sqlx.DB) error {
	cur, target, err := SchemaState(ctx, db)
	if err != nil {
		return err
	}
	if cur != target {
		return ErrSchema{Current: cur, Target: target}
	}
	return nil
}

// IsUniqueViolation tells whether err is a duplicate-key error, of the named constraint
// when one is given.
func IsUniqueViolation(err error, constraint string) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "23505" && (constraint == "" || pqErr.Constraint == constraint)
}
