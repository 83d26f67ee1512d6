package exams

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/testdb"
	"zhibu/app/web/webtest"
)

// The save deadline (savesOpenSQL) at its boundary, on the database clock: a save is
// accepted until deadline + Grace, that instant included, and refused a microsecond
// later, when the attempt counts as expired for readers and the sweeper. now() is fixed
// inside a transaction, so each case runs the store's own statements in one transaction
// with the deadline set relative to it.
func TestSaveDeadlineBoundary(t *testing.T) {
	e := newEnv(t)
	examID := e.exam(t, nil)
	cl := webtest.AsUser(t, e.srv, e.county.Secretaries[0][0])
	a := start(t, cl, examID, 201)
	// The single save and the batch save (store_attempts.go) with their parameters.
	saves := map[string]func(tx *sqlx.Tx) (sql.Result, error){
		"single": func(tx *sqlx.Tx) (sql.Result, error) { return tx.Exec(saveOneSQL+savesOpenSQL, a.ID, "1", "A") },
		"batch": func(tx *sqlx.Tx) (sql.Result, error) {
			return tx.Exec(saveManySQL+savesOpenSQL, a.ID, pq.Array([]string{"2"}), `{"1":"A","3":"B"}`)
		},
	}
	for kind, save := range saves {
		for _, c := range []struct {
			name   string
			offset time.Duration // of deadline + Grace from now()
			open   bool
		}{
			{"well before", time.Minute, true},
			{"just before", time.Microsecond, true},
			{"at", 0, true},
			{"just after", -time.Microsecond, false},
			{"well after", -time.Minute, false},
		} {
			t.Run(kind+" "+c.name, func(t *testing.T) {
				tx, err := e.db.Beginx()
				if err != nil {
					t.Fatal(err)
				}
				defer tx.Rollback()
				var now time.Time
				testdb.Get(t, tx, &now, `SELECT now()`)
				deadline := now.Add(c.offset - Grace)
				testdb.Exec(t, tx, `UPDATE attempts SET deadline = $2 WHERE id = $1`, a.ID, deadline)
				res, err := save(tx)
				if err != nil {
					t.Fatal(err)
				}
				if n, _ := res.RowsAffected(); (n == 1) != c.open {
					t.Errorf("save with deadline+grace at now%+v: %d rows, want accepted=%v", c.offset, n, c.open)
				}
				var expired bool
				testdb.Get(t, tx, &expired, `SELECT expired FROM (SELECT `+attemptCols+` FROM attempts a JOIN exams e ON e.id = a.exam_id WHERE a.id = $1) x`, a.ID)
				if expired == c.open {
					t.Errorf("expired = %v, want %v", expired, !c.open)
				}
				var swept []int64
				if err := tx.Select(&swept, sweepSQL); err != nil {
					t.Fatal(err)
				}
				found := false
				for _, id := range swept {
					found = found || id == a.ID
				}
				if found == c.open {
					t.Errorf("sweeper picks the attempt: %v, want %v", found, !c.open)
				}
			})
		}
	}
	// Through the API, a save a second inside the grace is accepted and one past it is not.
	put := func() int {
		st, _ := cl.JSON("PUT", fmt.Sprintf("/api/v1/attempts/%d/answers/1", a.ID), map[string]any{"answer": []string{"A"}})
		return st
	}
	testdb.Exec(t, e.db, `UPDATE attempts SET deadline = now() - $2 * interval '1 second' + interval '2 seconds' WHERE id = $1`, a.ID, Grace.Seconds())
	putBatch := func() int {
		st, _ := cl.JSON("PUT", fmt.Sprintf("/api/v1/attempts/%d/answers", a.ID),
			map[string]any{"answers": []map[string]any{{"position": 1, "answer": []string{"A"}}, {"position": 2, "answer": []string{}}}})
		return st
	}
	if st := put(); st != 200 {
		t.Fatalf("save inside the grace: %d", st)
	}
	if st := putBatch(); st != 200 {
		t.Fatalf("batch save inside the grace: %d", st)
	}
	testdb.Exec(t, e.db, `UPDATE attempts SET deadline = now() - $2 * interval '1 second' - interval '1 second' WHERE id = $1`, a.ID, Grace.Seconds())
	if st := putBatch(); st != 409 {
		t.Fatalf("batch save past the grace: %d", st)
	}
	if st := put(); st != 409 {
		t.Fatalf("save past the grace: %d", st)
	}
}
