package courses

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lib/pq"

	"zhibu/app/testdb"
	"zhibu/app/web"
)

// BenchmarkHeartbeat: one heartbeat transaction (lock the user's row, credit, upsert
// progress) — the request every studying secretary sends every 15 s.
func BenchmarkHeartbeat(b *testing.B) {
	db := testdb.DB(b)
	county := testdb.MakeCounty(b, db)
	_, ls := makeCourse(b, db, 3, 600, 2)
	users := append(append([]int64{}, county.Secretaries[0]...), county.Secretaries[1]...)
	ctx := context.Background()
	t0 := time.Now().Add(-time.Hour)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		u := users[i%len(users)]
		if _, err := st(db).heartbeatAt(ctx, u, ls[0], BeatInput{}, t0.Add(time.Duration(i)*time.Millisecond)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOversight: the per-course progress of a county of 3000 secretaries, and the
// required-course statistics behind every staff home page.
func BenchmarkOversight(b *testing.B) {
	db := testdb.DB(b)
	ctx := context.Background()
	cid, ls := makeCourse(b, db, 3, 0, 2)
	year := YearOf(time.Now())
	assign(b, db, Assignment{CourseID: cid, Year: year, Scope: "all", DueDate: time.Now().AddDate(0, 1, 0)})
	var n int
	testdb.Get(b, db, &n, `SELECT count(*) FROM users WHERE role = 'secretary'`)
	if n < 3000 {
		tw := testdb.Township(b, db, testdb.Unique("压测镇"))
		br := testdb.Branch(b, db, tw, testdb.Unique("压测支部"), "农村")
		var ids []int64
		err := db.Select(&ids, `INSERT INTO users (username, name, role, township_id, branch_id, password_hash)
			SELECT 'bench' || g || '_' || $3, '书记' || g, 'secretary', $1, $2, 'x' FROM generate_series(1, $4::int) g RETURNING id`,
			tw, br, fmt.Sprint(time.Now().UnixNano()), 3000-n)
		if err != nil {
			b.Fatal(err)
		}
		// A third of them finished the first lesson.
		testdb.Exec(b, db, `INSERT INTO lesson_progress (user_id, lesson_id, seconds, reached_end, completed_at)
			SELECT u, $2, 60, true, now() FROM unnest($1::bigint[]) u WHERE u % 3 = 0`, pq.Array(ids), ls[0])
	}
	b.Run("learners", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			f := ProgressFilter{Scope: web.Scope{All: true}, Limit: web.PageSize}
			if _, _, _, err := st(db).Progress(ctx, &web.Identity{Role: web.RoleAdmin}, cid, year, f); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("requiredStats", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := st(db).RequiredStats(ctx, year, web.Scope{All: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
