// Package testdb gives each test package its own fresh PostgreSQL database, created from
// DATABASE_URL's server, migrated, and dropped when the package's tests end.
//
// A missing database server is a test failure, never a skip.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/database"
)

var (
	once    sync.Once
	shared  *sqlx.DB
	dsn     string
	dbName  string
	openErr error
)

// ServerURL is the server the test databases are created on.
func ServerURL() string {
	if v := os.Getenv("DATABASE_URL"); v != "" {
		return v
	}
	return database.DefaultURL
}

// Main wraps testing.M: it runs the package's tests and then drops the package database.
// Use it from TestMain: func TestMain(m *testing.M) { testdb.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	drop()
	os.Exit(code)
}

// DB returns the package's database, creating and migrating it on first use.
func DB(t testing.TB) *sqlx.DB {
	t.Helper()
	once.Do(create)
	if openErr != nil {
		t.Fatalf("test database: %v (is PostgreSQL running at %s?)", openErr, redact(ServerURL()))
	}
	return shared
}

// URL returns the connection string of the package's database (after DB was called).
func URL(t testing.TB) string {
	DB(t)
	return dsn
}

func create() {
	ctx := context.Background()
	u, err := url.Parse(ServerURL())
	if err != nil {
		openErr = err
		return
	}
	buf := make([]byte, 4)
	rand.Read(buf)
	pkg := strings.NewReplacer("-", "_", ".", "_").Replace(filepath.Base(mustWd()))
	dbName = fmt.Sprintf("zhibu_test_%s_%s", pkg, hex.EncodeToString(buf))
	u.Path = "/" + dbName
	dsn = u.String()
	if err := database.EnsureDatabase(ctx, dsn); err != nil {
		openErr = err
		return
	}
	db, err := database.Open(ctx, dsn, 20)
	if err != nil {
		openErr = err
		return
	}
	if _, err := database.Migrate(ctx, db); err != nil {
		openErr = err
		return
	}
	shared = db
}

func drop() {
	if shared == nil {
		return
	}
	shared.Close()
	u, _ := url.Parse(dsn)
	u.Path = "/postgres"
	db, err := sql.Open("postgres", u.String())
	if err != nil {
		return
	}
	defer db.Close()
	db.Exec("DROP DATABASE IF EXISTS " + pq.QuoteIdentifier(dbName) + " WITH (FORCE)")
}

// Fresh creates an extra, empty (unmigrated) database for tests that exercise migrations
// themselves; it is dropped when the test ends.
func Fresh(t testing.TB) string {
	t.Helper()
	u, err := url.Parse(ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	rand.Read(buf)
	name := "zhibu_test_fresh_" + hex.EncodeToString(buf)
	u.Path = "/" + name
	if err := database.EnsureDatabase(context.Background(), u.String()); err != nil {
		t.Fatalf("create fresh database: %v", err)
	}
	t.Cleanup(func() {
		admin := *u
		admin.Path = "/postgres"
		db, err := sql.Open("postgres", admin.String())
		if err == nil {
			db.Exec("DROP DATABASE IF EXISTS " + pq.QuoteIdentifier(name) + " WITH (FORCE)")
			db.Close()
		}
	})
	return u.String()
}

func mustWd() string {
	wd, _ := os.Getwd()
	return wd
}

func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "DATABASE_URL"
	}
	return u.Redacted()
}
