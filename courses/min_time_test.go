package courses

import (
	"context"
	"testing"
	"time"

	"zhibu/app/testdb"
)

// The county switches the lesson minimum-time guard: on, reaching the end of a lesson
// is not enough before its minimum time; off, reaching the end completes it (国办函〔2026〕
// 12号: online minutes are never an assessment).
func TestMinTimeGuardSwitch(t *testing.T) {
	db := testdb.DB(t)
	county := testdb.MakeCounty(t, db)
	_, ls := makeCourse(t, db, 2, 600, 0)
	t0 := time.Now().Add(-time.Hour)
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		guard  func(context.Context) (bool, error)
		lesson int64
		user   int64
		done   bool
	}{
		{"guard on (the setting)", func(context.Context) (bool, error) { return true, nil }, ls[0], county.Secretaries[0][0], false},
		{"no guard wired: on", nil, ls[0], county.Secretaries[0][1], false},
		{"guard off", func(context.Context) (bool, error) { return false, nil }, ls[1], county.Secretaries[1][0], true},
	} {
		s := NewStore(db, Deps{MinTimeGuard: c.guard})
		if _, err := s.heartbeatAt(ctx, c.user, c.lesson, BeatInput{Resume: true}, t0); err != nil {
			t.Fatal(err)
		}
		r, err := s.heartbeatAt(ctx, c.user, c.lesson, BeatInput{ReachedEnd: true}, t0.Add(15*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if r.LessonCompleted != c.done {
			t.Errorf("%s: reached the end after 15 s of 600: completed %v, want %v", c.name, r.LessonCompleted, c.done)
		}
		if !c.done && r.MinSeconds != 600 || c.done && r.MinSeconds != 0 {
			t.Errorf("%s: the minimum told to the page is %d", c.name, r.MinSeconds)
		}
	}
}
