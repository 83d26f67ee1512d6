package reports

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"

	"zhibu/app/database"
	"zhibu/app/hours"
	"zhibu/app/testdb"
)

// benchCounty fills a fresh database with a county of 20 townships × 1,000 secretaries
// (each with a branch), 12 required courses (~70% completed), 2 exams (80% sat, half of
// them twice) and a tour, with set-based INSERTs.
func benchCounty(b *testing.B) *sqlx.DB {
	b.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, testdb.Fresh(b), 4)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := database.Migrate(ctx, db); err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO townships (name, sort) SELECT '第' || g || '乡镇', g FROM generate_series(1, 20) g`,
		`INSERT INTO branches (township_id, name, kind)
		 SELECT t.id, t.name || '第' || g || '村党支部', (ARRAY['农村','社区','机关','企业'])[1 + g % 4]
		 FROM townships t, generate_series(1, 1000) g`,
		`INSERT INTO users (username, phone, name, role, township_id, branch_id, password_hash)
		 SELECT 'b' || b.id, '150' || lpad(b.id::text, 8, '0'), '书记' || b.id, 'secretary', b.township_id, b.id, 'x'
		 FROM branches b`,
		`INSERT INTO courses (title, category, credit_hours, published)
		 SELECT '必修课程第' || g || '讲：学习贯彻党的二十大精神', '理论', 2, true FROM generate_series(1, 12) g`,
		`INSERT INTO course_assignments (course_id, year, scope, due_date) SELECT id, 2026, 'all', '2026-10-31' FROM courses`,
		`INSERT INTO course_progress (user_id, course_id, completed_at, hours_earned)
		 SELECT u.id, c.id, '2026-03-01 08:00+08'::timestamptz + (u.id % 200) * interval '1 day', 2
		 FROM users u CROSS JOIN courses c WHERE u.role = 'secretary' AND (u.id + c.id * 3) % 10 < 7`,
		`INSERT INTO exams (title, opens_at, closes_at, duration_minutes, pass_score, total_points, rules)
		 SELECT '年度测试' || g, ('2026-0' || (3 * g) || '-01 08:00+08')::timestamptz,
		        ('2026-0' || (3 * g + 1) || '-01 08:00+08')::timestamptz, 60, 60, 100, '[]'
		 FROM generate_series(1, 2) g`,
		`INSERT INTO attempts (exam_id, user_id, seq, status, deadline, finished_at, paper, shape, score, max_score, passed)
		 SELECT e.id, u.id, s.seq, 'finished', now(), now(), '[]', '', 40 + (u.id * 7 + s.seq * 13) % 61, 100,
		        40 + (u.id * 7 + s.seq * 13) % 61 >= 60
		 FROM users u CROSS JOIN exams e CROSS JOIN LATERAL generate_series(1, 1 + u.id % 2) s(seq)
		 WHERE u.role = 'secretary' AND u.id % 5 <> 0`,
		`INSERT INTO tours (title, destination, starts_on, ends_on, total_seats, signup_opens_at, signup_closes_at, cancel_deadline, year)
		 VALUES ('井冈山红色教育', '江西井冈山', '2026-05-10', '2026-05-14', 2000, '2026-03-01', '2026-04-01', '2026-04-15', 2026)`,
		`INSERT INTO tour_signups (tour_id, user_id, township_id, status)
		 SELECT t.id, u.id, u.township_id, 'confirmed' FROM tours t, users u WHERE u.role = 'secretary' AND u.id % 20 = 0`,
		`ANALYZE`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatalf("bench data: %v\n%s", err, q)
		}
	}
	if _, err := hours.BackfillCourses(ctx, db); err != nil {
		b.Fatal(err)
	}
	return db
}

// peakHeap runs f while sampling the heap in use and returns the peak in MB.
func peakHeap(f func()) float64 {
	runtime.GC()
	stop, done := make(chan struct{}), make(chan uint64)
	go func() {
		var ms runtime.MemStats
		var peak uint64
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak {
				peak = ms.HeapInuse
			}
			select {
			case <-stop:
				done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(stop)
	return float64(<-done) / (1 << 20)
}

// BenchmarkCompletionWorkbook measures the county workbook (20,000 secretaries): the
// queries alone, the whole download (queries + workbook) and, for comparison, a bare
// excelize StreamWriter writing the same sheets with the same number of cells and no
// styles. Numbers are printed, never asserted.
func BenchmarkCompletionWorkbook(b *testing.B) {
	db := benchCounty(b)
	ctx := context.Background()
	now := time.Now()
	r, err := NewStore(db).Load(ctx, Query{Year: 2026, Target: DefaultTarget}, now)
	if err != nil {
		b.Fatal(err)
	}
	missing := len(r.MissingRows())
	cols := len(townshipHeaders(r))
	cells := len(r.Secretaries)*cols + missing*len(missingHeaders) + (len(r.Summary)+1)*12
	b.Logf("county: %d townships, %d secretaries, %d required courses, %d exams; %d in 未完成名单; %d cells",
		len(r.Townships), len(r.Secretaries), len(r.Courses), len(r.Exams), missing, cells)

	b.Run("queries", func(b *testing.B) {
		var peak float64
		for b.Loop() {
			peak = max(peak, peakHeap(func() {
				if _, err := NewStore(db).Load(ctx, Query{Year: 2026, Target: DefaultTarget}, now); err != nil {
					b.Fatal(err)
				}
			}))
		}
		b.ReportMetric(peak, "peak-heap-MB")
	})
	b.Run("workbook", func(b *testing.B) {
		var peak float64
		for b.Loop() {
			peak = max(peak, peakHeap(func() {
				r, err := NewStore(db).Load(ctx, Query{Year: 2026, Target: DefaultTarget}, now)
				if err != nil {
					b.Fatal(err)
				}
				if err := WriteCompletion(io.Discard, r); err != nil {
					b.Fatal(err)
				}
			}))
		}
		b.ReportMetric(peak, "peak-heap-MB")
		b.ReportMetric(float64(cells), "cells")
	})
	b.Run("writer-only", func(b *testing.B) {
		var peak float64
		for b.Loop() {
			peak = max(peak, peakHeap(func() {
				if err := WriteCompletion(io.Discard, r); err != nil {
					b.Fatal(err)
				}
			}))
		}
		b.ReportMetric(peak, "peak-heap-MB")
	})
	b.Run("bare-stream-writer", func(b *testing.B) {
		groups := r.bySheet()
		var peak float64
		for b.Loop() {
			peak = max(peak, peakHeap(func() {
				if err := bareWorkbook(io.Discard, groups, cols, missing, len(r.Summary)+1); err != nil {
					b.Fatal(err)
				}
			}))
		}
		b.ReportMetric(peak, "peak-heap-MB")
		b.ReportMetric(float64(cells), "cells")
	})
}

// bareWorkbook writes the same sheets and cell counts as the completion workbook with a
// plain StreamWriter: a mix of short texts and numbers, no styles, widths or filters.
func bareWorkbook(w io.Writer, groups [][]Secretary, cols, missing, summaryRows int) error {
	f := excelize.NewFile()
	defer f.Close()
	write := func(sheet string, rows, cols int) error {
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			return err
		}
		row := make([]any, cols)
		for i := 0; i < rows; i++ {
			for j := range row {
				if j%3 == 0 {
					row[j] = i*cols + j
				} else {
					row[j] = "支部" + strconv.Itoa(j)
				}
			}
			ref, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := sw.SetRow(ref, row); err != nil {
				return err
			}
		}
		return sw.Flush()
	}
	if err := write("Sheet1", summaryRows, 12); err != nil {
		return err
	}
	for i, g := range groups {
		name := fmt.Sprintf("S%d", i)
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
		if err := write(name, len(g), cols); err != nil {
			return err
		}
	}
	if _, err := f.NewSheet("M"); err != nil {
		return err
	}
	if err := write("M", missing, len(missingHeaders)); err != nil {
		return err
	}
	_, err := f.WriteTo(w)
	return err
}
