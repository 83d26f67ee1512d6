package accounts

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/lib/pq"
	"github.com/pressly/goose/v3"

	"zhibu/app/database"
	"zhibu/app/testdb"
	"zhibu/app/web/webtest"
	"zhibu/migrations"
)

func TestCheckIdentifiers(t *testing.T) {
	for _, c := range []struct {
		username, phone string
		want            identifiers
		bad             string // field refused, "" when accepted
	}{
		{"", "13800000001", identifiers{"13800000001", "13800000001"}, ""},
		{"wang", "138 0000 0001", identifiers{"wang", "13800000001"}, ""},
		{"wang", "", identifiers{"wang", ""}, ""},
		{"+86 138-0000-0001", "13800000001", identifiers{"13800000001", "13800000001"}, "username"}, // spaces
		{"+8613800000001", "13800000001", identifiers{"13800000001", "13800000001"}, ""},            // own phone, any notation
		{"１３８０００００００１", "13800000001", identifiers{"13800000001", "13800000001"}, ""},
		{"13800000002", "13800000001", identifiers{}, "username"}, // someone else's number
		{"+8613800000002", "", identifiers{}, "username"},
		{"13800000002", "", identifiers{}, "username"},
		{"12345", "", identifiers{"12345", ""}, ""}, // digits, but no phone number
		{"", "", identifiers{}, "username"},
		{"", "12345", identifiers{}, "phone"},
		{"wa\x00ng", "", identifiers{}, "username"},
		{"wa ng", "", identifiers{}, "username"},
		{strings.Repeat("a", 65), "", identifiers{}, "username"},
	} {
		got, fields := checkIdentifiers(c.username, c.phone)
		if c.bad == "" {
			if len(fields) > 0 || got != c.want {
				t.Errorf("checkIdentifiers(%q, %q) = %+v %v, want %+v", c.username, c.phone, got, fields, c.want)
			}
		} else if fields[c.bad] == "" {
			t.Errorf("checkIdentifiers(%q, %q) = %+v %v, want %s refused", c.username, c.phone, got, fields, c.bad)
		}
	}
}

// An organizer (or admin) cannot give an account a username that is somebody's phone:
// before, a planted secretary named after the county admin's phone captured the admin's
// phone login.
func TestUsernameCannotBeAnotherAccountsPhone(t *testing.T) {
	f := newOrgFixture(t)
	resetThrottle(t, f.db)
	c := f.county
	var adminUser, adminPhone, secPhone string
	if err := f.db.QueryRow(`SELECT username, phone FROM users WHERE id = $1`, c.Admin).Scan(&adminUser, &adminPhone); err != nil {
		t.Fatal(err)
	}
	testdb.Get(t, f.db, &secPhone, `SELECT phone FROM users WHERE id = $1`, c.Secretaries[0][0])
	org, admin := f.as(t, c.Organizers[0]), f.as(t, c.Admin)

	for _, try := range []struct {
		who  string
		cl   *webtest.Client
		body map[string]any
	}{
		{"organizer, admin's phone", org, map[string]any{"name": "甲", "username": adminPhone, "phone": uniquePhone(), "branch_id": c.Branches[0][0]}},
		{"organizer, admin's phone in another notation", org, map[string]any{"name": "甲", "username": "+86" + adminPhone, "phone": uniquePhone(), "branch_id": c.Branches[0][0]}},
		{"admin, a secretary's phone", admin, map[string]any{"name": "乙", "username": secPhone, "role": "admin"}},
		{"admin, a free number that is not the own phone", admin, map[string]any{"name": "丙", "username": uniquePhone(), "role": "admin"}},
	} {
		st, body := try.cl.JSON("POST", "/api/v1/users", try.body)
		if st != 422 || !strings.Contains(string(body), `"username"`) || !strings.Contains(string(body), "用户名") {
			t.Errorf("%s: %d %s, want 422 naming the username", try.who, st, body)
		}
	}
	// Renaming an existing account to someone's phone is refused the same way.
	if st, body := org.JSON("PUT", "/api/v1/users/"+itoa(c.Secretaries[0][1]), map[string]any{"username": adminPhone}); st != 422 ||
		!strings.Contains(string(body), `"username"`) {
		t.Errorf("rename to the admin's phone: %d %s, want 422", st, body)
	}
	// The admin's phone still opens the admin's account, and only it.
	cl := webtest.New(t, f.srv.App)
	if st, body := login(cl, adminPhone, testdb.Password); st != 200 || !strings.Contains(string(body), `"username":"`+adminUser+`"`) {
		t.Fatalf("admin's phone login: %d %s", st, body)
	}
}

// A phone number that is already someone's username (an account stored before the rule)
// cannot be given to another account.
func TestPhoneCannotBeAnotherAccountsUsername(t *testing.T) {
	f := newOrgFixture(t)
	c := f.county
	taken := uniquePhone()
	testdb.Exec(t, f.db, `INSERT INTO users (username, name, role, password_hash) VALUES ($1, '旧账号', 'admin', 'x')`, taken)
	st, body := f.as(t, c.Organizers[0]).JSON("POST", "/api/v1/users", map[string]any{"name": "丁", "phone": taken, "branch_id": c.Branches[0][0]})
	if st != 409 || !strings.Contains(string(body), `"phone"`) || !strings.Contains(string(body), "手机号") {
		t.Fatalf("phone that is another account's username: %d %s, want 409 naming the phone", st, body)
	}
	st, body = f.as(t, c.Admin).JSON("PUT", "/api/v1/users/"+itoa(c.Secretaries[1][0]), map[string]any{"phone": taken})
	if st != 409 || !strings.Contains(string(body), `"phone"`) {
		t.Fatalf("change a phone to another account's username: %d %s, want 409", st, body)
	}
	// create-admin goes through the same rule.
	if _, err := CreateAdmin(t.Context(), f.db, "", "新管理员", taken, "long-enough-pw"); statusOf(err) != 409 {
		t.Fatalf("create-admin with a taken phone: %v, want 409", err)
	}
	var adminPhone string
	testdb.Get(t, f.db, &adminPhone, `SELECT phone FROM users WHERE id = $1`, c.Admin)
	if _, err := CreateAdmin(t.Context(), f.db, adminPhone, "新管理员", "", "long-enough-pw"); statusOf(err) != 422 {
		t.Fatalf("create-admin named after someone's phone: %v, want 422", err)
	}
	// ... and through the password rule, knowing the new admin's username and phone.
	bossPhone, bossName := uniquePhone(), testdb.Unique("bossadmin")
	for _, pw := range []string{"12345678", bossPhone, bossName} {
		if _, err := CreateAdmin(t.Context(), f.db, bossName, "新管理员", bossPhone, pw); statusOf(err) != 422 {
			t.Fatalf("create-admin with password %q: %v, want 422", pw, err)
		}
	}
	if _, err := CreateAdmin(t.Context(), f.db, bossName, "新管理员", bossPhone, "long-enough-pw"); err != nil {
		t.Fatalf("create-admin: %v", err)
	}
}

// When the phone of an account whose username is its phone changes, the username follows,
// so that the old number (which may go to someone else) opens nothing.
func TestUsernameFollowsThePhone(t *testing.T) {
	f := newOrgFixture(t)
	resetThrottle(t, f.db)
	c := f.county
	old := uniquePhone()
	st, body := f.as(t, c.Admin).JSON("POST", "/api/v1/users", map[string]any{"name": "戊", "phone": old, "branch_id": c.Branches[0][0]})
	if st != 201 {
		t.Fatalf("create: %d %s", st, body)
	}
	var created struct {
		User struct {
			ID int64 `json:"id"`
		} `json:"user"`
		Password string `json:"password"`
	}
	webtest.Decode(t, body, &created)
	next := uniquePhone()
	if st, body := f.as(t, c.Admin).JSON("PUT", "/api/v1/users/"+itoa(created.User.ID), map[string]any{"phone": next, "username": old}); st != 200 ||
		!strings.Contains(string(body), `"username":"`+next+`"`) {
		t.Fatalf("phone change: %d %s, want the username to follow", st, body)
	}
	if st, _ := login(webtest.New(t, f.srv.App), old, created.Password); st != 401 {
		t.Fatalf("old number still logs in: %d", st)
	}
	if st, _ := login(webtest.New(t, f.srv.App), next, created.Password); st != 200 {
		t.Fatalf("new number does not log in: %d", st)
	}
	// The old number is free for somebody else now.
	if st, body := f.as(t, c.Admin).JSON("POST", "/api/v1/users", map[string]any{"name": "己", "phone": old, "branch_id": c.Branches[0][0]}); st != 201 {
		t.Fatalf("reuse of the freed number: %d %s", st, body)
	}
}

// The database itself refuses a username equal to another account's phone and the
// reverse, on insert and on update, however the row is written.
func TestDatabaseRefusesCollidingLoginNames(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	var phone, uname string
	if err := db.QueryRow(`SELECT phone, username FROM users WHERE id = $1`, c.Admin).Scan(&phone, &uname); err != nil {
		t.Fatal(err)
	}
	free := uniquePhone()
	for _, q := range []struct {
		what string
		sql  string
		args []any
	}{
		{"insert a username equal to a phone", `INSERT INTO users (username, name, role, password_hash) VALUES ($1, 'x', 'admin', 'x')`, []any{phone}},
		{"insert a phone equal to a username", `INSERT INTO users (username, phone, name, role, password_hash) VALUES ($1, $2, 'x', 'admin', 'x')`, []any{testdb.Unique("p"), uname}},
		{"rename to a phone", `UPDATE users SET username = $1 WHERE id = $2`, []any{phone, c.Organizers[0]}},
		{"rename to a phone, same statement sets own phone elsewhere", `UPDATE users SET username = $1, phone = $3 WHERE id = $2`, []any{phone, c.Organizers[1], free}},
		{"change a phone to a username", `UPDATE users SET phone = $1 WHERE id = $2`, []any{uname, c.Secretaries[0][0]}},
	} {
		_, err := db.Exec(q.sql, q.args...)
		if !database.IsUniqueViolation(err, "") {
			t.Errorf("%s: %v, want a unique violation", q.what, err)
		}
	}
	// Own username equal to own phone is one login name, and fine.
	own := uniquePhone()
	if _, err := db.Exec(`INSERT INTO users (username, phone, name, role, password_hash) VALUES ($1, $1, 'x', 'admin', 'x')`, own); err != nil {
		t.Fatalf("username = own phone: %v", err)
	}
	// login_names follows renames and deletions.
	testdb.Exec(t, db, `UPDATE users SET username = $1 WHERE phone = $2`, testdb.Unique("renamed"), own)
	var owners int
	testdb.Get(t, db, &owners, `SELECT count(*) FROM login_names WHERE name = $1`, own)
	if owners != 1 {
		t.Fatalf("phone kept as a login name after rename: %d rows", owners)
	}
	testdb.Exec(t, db, `DELETE FROM users WHERE phone = $1`, own)
	testdb.Get(t, db, &owners, `SELECT count(*) FROM login_names WHERE name = $1`, own)
	if owners != 0 {
		t.Fatal("login names of a deleted user were kept")
	}
	var missing int
	testdb.Get(t, db, &missing, `SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM login_names n WHERE n.user_id = u.id AND n.name = u.username)
		OR (u.phone IS NOT NULL AND NOT EXISTS (SELECT 1 FROM login_names n WHERE n.user_id = u.id AND n.name = u.phone))`)
	if missing != 0 {
		t.Fatalf("%d users miss a login name", missing)
	}
}

// Concurrent transactions: one creates a username X, the other gives X as a phone; exactly
// one of them commits, whichever comes first.
func TestConcurrentCollidingLoginNames(t *testing.T) {
	db := testdb.DB(t)
	ctx := t.Context()
	// Held open: the second writer waits for the first one's commit and then fails.
	x := uniquePhone()
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx.MustExec(`INSERT INTO users (username, name, role, password_hash) VALUES ($1, 'a', 'admin', 'x')`, x)
	done := make(chan error)
	go func() {
		_, err := db.ExecContext(ctx, `INSERT INTO users (username, phone, name, role, password_hash) VALUES ($1, $2, 'b', 'admin', 'x')`, testdb.Unique("b"), x)
		done <- err
	}()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !database.IsUniqueViolation(err, "login_names_pkey") {
		t.Fatalf("second writer after the first committed: %v, want login_names_pkey violation", err)
	}

	// Racing for real, many times.
	for round := 0; round < 20; round++ {
		x := uniquePhone()
		var wg sync.WaitGroup
		errs := make([]error, 2)
		start := make(chan struct{})
		for i, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO users (username, name, role, password_hash) VALUES ($1, 'a', 'admin', 'x')`, []any{x}},
			{`INSERT INTO users (username, phone, name, role, password_hash) VALUES ($2, $1, 'b', 'admin', 'x')`, []any{x, testdb.Unique("b")}},
		} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = db.ExecContext(ctx, q.sql, q.args...)
			}()
		}
		close(start)
		wg.Wait()
		var n int
		testdb.Get(t, db, &n, `SELECT count(*) FROM users WHERE username = $1 OR phone = $1`, x)
		if n != 1 || (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("round %d: %d accounts own %s (errors %v)", round, n, x, errs)
		}
	}
}

// Parallel API creations with the same number: one account, the others 409 (never 500).
func TestConcurrentAPICreationsWithOneNumber(t *testing.T) {
	f := newOrgFixture(t)
	c := f.county
	x := uniquePhone()
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[int]int{}
	start := make(chan struct{})
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			body := map[string]any{"name": "庚", "phone": x, "branch_id": c.Branches[0][0]}
			if i%2 == 1 {
				body = map[string]any{"name": "辛", "username": x, "phone": x, "role": "admin"}
			}
			st, _ := f.as(t, c.Admin).JSON("POST", "/api/v1/users", body)
			mu.Lock()
			got[st]++
			mu.Unlock()
		}(i)
	}
	close(start)
	wg.Wait()
	if got[201] != 1 || got[409] != 11 {
		t.Fatalf("12 parallel creations with one number: %v, want one 201 and 409s", got)
	}
}

// A login never picks between two accounts: a username stored before the rule that reads
// as another account's phone makes that text open neither.
func TestLoginNeverPicksBetweenTwoAccounts(t *testing.T) {
	db := testdb.DB(t)
	h := authStore(t)
	resetThrottle(t, db)
	phone := uniquePhone()
	legacy := "+86" + phone
	var hash string
	testdb.Get(t, db, &hash, `SELECT password_hash FROM users WHERE id = $1`, testdb.User(t, db, "admin", testdb.Unique("h"), 0, 0))
	testdb.Exec(t, db, `INSERT INTO users (username, name, role, password_hash) VALUES ($1, '旧', 'admin', $2)`, legacy, hash)
	testdb.Exec(t, db, `INSERT INTO users (username, phone, name, role, password_hash) VALUES ($1, $2, '新', 'admin', $3)`, testdb.Unique("n"), phone, hash)

	if _, err := userByLogin(t.Context(), db, legacy); !errors.Is(err, errAmbiguousLogin) {
		t.Fatalf("userByLogin(%q) = %v, want errAmbiguousLogin", legacy, err)
	}
	if _, err := h.Authenticate(t.Context(), legacy, testdb.Password, "192.0.2.50"); statusOf(err) != 401 {
		t.Fatalf("ambiguous login: %v, want 401", err)
	}
	if u, err := h.Authenticate(t.Context(), phone, testdb.Password, "192.0.2.50"); err != nil || u.Name != "新" {
		t.Fatalf("the plain number opens its owner: %+v %v", u, err)
	}
}

// The migration refuses a database whose login names already collide, naming the pair,
// and goes through once they are fixed.
func TestMigrationRefusesExistingCollisions(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.Fresh(t)
	raw, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, raw, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 40); err != nil {
		t.Fatal(err)
	}
	var planted, victim int64
	raw.QueryRow(`INSERT INTO users (username, phone, name, role, password_hash) VALUES ('county', '13700000042', '管理员', 'admin', 'x') RETURNING id`).Scan(&victim)
	raw.QueryRow(`INSERT INTO users (username, name, role, password_hash) VALUES ('13700000042', '冒名', 'admin', 'x') RETURNING id`).Scan(&planted)

	_, err = p.UpTo(ctx, 50)
	var pqErr *pq.Error
	if err == nil || !errors.As(err, &pqErr) || !strings.Contains(pqErr.Message, "collide") ||
		!strings.Contains(pqErr.Message, "user "+itoa(planted)+" (username 13700000042") || !strings.Contains(pqErr.Message, "user "+itoa(victim)) {
		t.Fatalf("migration over a collision: %v, want a refusal naming both users", err)
	}
	if v, _ := p.GetDBVersion(ctx); v != 40 {
		t.Fatalf("schema version after the refusal = %d, want 40 (nothing half-applied)", v)
	}
	if _, err := raw.Exec(`UPDATE users SET username = 'impostor' WHERE id = $1`, planted); err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 50); err != nil {
		t.Fatalf("migration after the fix: %v", err)
	}
	var names int
	raw.QueryRow(`SELECT count(*) FROM login_names`).Scan(&names)
	if names != 3 { // county, 13700000042, impostor
		t.Fatalf("login_names after the migration: %d rows, want 3", names)
	}
	// Down and up again.
	if _, err := p.DownTo(ctx, 40); err != nil {
		t.Fatalf("migrate down: %v", err)
	}
	if _, err := p.UpTo(ctx, 50); err != nil {
		t.Fatalf("migrate up again: %v", err)
	}
}
