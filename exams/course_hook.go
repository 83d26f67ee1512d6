package exams

import (
	"context"

	"github.com/lib/pq"
)

// OnPassed, when set, runs after an attempt of an exam linked to a course (exams.course_id)
// is finalized as passed, on submit as well as by the sweeper. The app sets it to
// courses.RecheckCompletion: the pass may be the last thing the course waited for. It runs
// after the commit, so the pass is visible to it; an error is only logged (the course is
// re-checked again at the learner's next study heartbeat).
var OnPassed func(ctx context.Context, userID, courseID int64) error

// afterFinalize calls OnPassed for the passed, course-linked attempts among ids.
func (s *Store) afterFinalize(ctx context.Context, ids []int64) {
	if OnPassed == nil || len(ids) == 0 {
		return
	}
	var rows []struct {
		UserID   int64 `db:"user_id"`
		CourseID int64 `db:"course_id"`
	}
	if err := s.DB.SelectContext(ctx, &rows, `SELECT DISTINCT a.user_id, e.course_id FROM attempts a JOIN exams e ON e.id = a.exam_id
		WHERE a.id = ANY($1) AND a.status = 'finished' AND a.passed AND e.course_id IS NOT NULL`, pq.Array(ids)); err != nil {
		s.Log.Warn("exam passes for course completion", "err", err)
		return
	}
	for _, r := range rows {
		if err := OnPassed(ctx, r.UserID, r.CourseID); err != nil {
			s.Log.Warn("course completion after exam pass", "user", r.UserID, "course", r.CourseID, "err", err)
		}
	}
}
