package database_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"zhibu/app/database"
	"zhibu/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// Two instances starting together must apply each migration exactly once.
func TestMigrationsTwiceInParallel(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.Fresh(t)
	var wg sync.WaitGroup
	applied := make([]int, 2)
	errs := make([]error, 2)
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			db, err := database.Open(ctx, dsn, 2)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			applied[i], errs[i] = database.Migrate(ctx, db)
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("parallel migrate: %v", err)
		}
	}
	db, err := database.Open(ctx, dsn, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, target, _ := database.SchemaState(ctx, db)
	var dupes int
	if err := db.Get(&dupes, `SELECT count(*) FROM (SELECT version_id FROM goose_db_version WHERE version_id > 0 GROUP BY version_id HAVING count(*) > 1) d`); err != nil {
		t.Fatal(err)
	}
	if dupes != 0 {
		t.Fatalf("%d migrations applied twice", dupes)
	}
	if applied[0]+applied[1] == 0 || (applied[0] != 0 && applied[1] != 0) {
		t.Fatalf("applied counts %v: exactly one instance should apply the migrations", applied)
	}
	if err := database.CheckSchema(ctx, db); err != nil {
		t.Fatalf("schema after migrate: %v (target %d)", err, target)
	}
	// Running again is a no-op.
	if n, err := database.Migrate(ctx, db); err != nil || n != 0 {
		t.Fatalf("second migrate applied %d, err %v", n, err)
	}
}

func TestRefusesUnknownSchemaWithInstructions(t *testing.T) {
	ctx := context.Background()
	db, err := database.Open(ctx, testdb.Fresh(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = database.CheckSchema(ctx, db)
	var se database.ErrSchema
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "migrate") {
		t.Fatalf("empty database: %v, want ErrSchema telling to run migrate", err)
	}
	if _, err := database.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	// A newer schema than the build knows is refused too.
	if _, err := db.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, true)`); err != nil {
		t.Fatal(err)
	}
	if err := database.CheckSchema(ctx, db); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("newer schema: %v", err)
	}
}

func TestEnsureDatabaseCreatesOnce(t *testing.T) {
	dsn := testdb.Fresh(t) // already created
	if err := database.EnsureDatabase(context.Background(), dsn); err != nil {
		t.Fatalf("ensuring an existing database: %v", err)
	}
}
