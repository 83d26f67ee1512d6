package testdb

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/jmoiron/sqlx"
	"golang.org/x/crypto/bcrypt"
)

// Password is the password of every fixture user.
const Password = "test-pass-123"

var (
	seq          atomic.Int64
	passwordHash = func() string {
		h, _ := bcrypt.GenerateFromPassword([]byte(Password), bcrypt.MinCost)
		return string(h)
	}()
)

// Unique returns a string unique within the test process, for names.
func Unique(prefix string) string { return fmt.Sprintf("%s%d", prefix, seq.Add(1)) }

// Township inserts a township and returns its id.
func Township(t testing.TB, db *sqlx.DB, name string) int64 {
	t.Helper()
	var id int64
	if err := db.Get(&id, `INSERT INTO townships (name) VALUES ($1) RETURNING id`, name); err != nil {
		t.Fatalf("fixture township: %v", err)
	}
	return id
}

// Branch inserts a branch and returns its id.
func Branch(t testing.TB, db *sqlx.DB, townshipID int64, name, kind string) int64 {
	t.Helper()
	var id int64
	if err := db.Get(&id, `INSERT INTO branches (township_id, name, kind) VALUES ($1,$2,$3) RETURNING id`, townshipID, name, kind); err != nil {
		t.Fatalf("fixture branch: %v", err)
	}
	return id
}

// User inserts an active user with password Password and a unique phone number.
// townshipID and branchID may be 0.
func User(t testing.TB, db *sqlx.DB, role, username string, townshipID, branchID int64) int64 {
	t.Helper()
	n := seq.Add(1)
	phone := fmt.Sprintf("139%08d", n)
	var id int64
	err := db.Get(&id, `INSERT INTO users (username, phone, name, role, township_id, branch_id, password_hash)
		VALUES ($1,$2,$3,$4,NULLIF($5,0::bigint),NULLIF($6,0::bigint),$7) RETURNING id`,
		username, phone, "测试"+username, role, townshipID, branchID, passwordHash)
	if err != nil {
		t.Fatalf("fixture user: %v", err)
	}
	return id
}

// County is a small county for tests: two townships, each with two branches, an
// organizer and two secretaries per branch, plus one admin.
type County struct {
	Townships   [2]int64
	Branches    [2][2]int64
	Admin       int64
	Organizers  [2]int64
	Secretaries [2][]int64 // per township
}

// MakeCounty builds a County with unique names.
func MakeCounty(t testing.TB, db *sqlx.DB) County {
	t.Helper()
	var c County
	c.Admin = User(t, db, "admin", Unique("admin"), 0, 0)
	kinds := []string{"农村", "社区"}
	for i := 0; i < 2; i++ {
		c.Townships[i] = Township(t, db, Unique("测试镇"))
		c.Organizers[i] = User(t, db, "organizer", Unique("org"), c.Townships[i], 0)
		for j := 0; j < 2; j++ {
			c.Branches[i][j] = Branch(t, db, c.Townships[i], Unique("支部"), kinds[j])
			for k := 0; k < 2; k++ {
				c.Secretaries[i] = append(c.Secretaries[i], User(t, db, "secretary", Unique("sec"), c.Townships[i], c.Branches[i][j]))
			}
		}
	}
	return c
}

// Exec runs a setup statement and fails the test when it errors: a setup that silently
// did nothing would let the test pass for the wrong reason.
func Exec(t testing.TB, db sqlx.Execer, query string, args ...any) {
	t.Helper()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatalf("setup %q: %v", firstLine(query), err)
	}
}

// Get runs a setup query that returns one value into dest and fails the test when it errors.
func Get(t testing.TB, db sqlx.Queryer, dest any, query string, args ...any) {
	t.Helper()
	if err := sqlx.Get(db, dest, query, args...); err != nil {
		t.Fatalf("setup %q: %v", firstLine(query), err)
	}
}

func firstLine(q string) string {
	for i, r := range q {
		if r == '\n' {
			q = q[:i]
			break
		}
	}
	if len(q) > 80 {
		q = q[:80]
	}
	return q
}
