package courses

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
)

// RecheckCompletion applies CourseComplete again for one learner and course, for events
// outside the lessons: the app calls it when the learner passes an exam linked to the
// course (exams.OnPassed), which may be the last thing the course waited for. Hours are
// credited under the policy of the year it completes in, as for a completing lesson. A
// course already complete, or never started, is left alone.
func RecheckCompletion(ctx context.Context, db *sqlx.DB, userID, courseID int64) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// The progress row lock serializes this with the learner's heartbeats on the course.
	var done *time.Time
	err = tx.GetContext(ctx, &done, `SELECT completed_at FROM course_progress WHERE user_id = $1 AND course_id = $2 FOR UPDATE`,
		userID, courseID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && done != nil) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, _, err := completeCourseIfDone(ctx, tx, userID, courseID, time.Now()); err != nil {
		return err
	}
	return tx.Commit()
}
