package classes

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/hours"
	"zhibu/app/web"
)

// CloseResult is what 结班 decided.
type CloseResult struct {
	Participants int     `db:"participants" json:"participants"`
	Completed    int     `db:"completed" json:"completed"`
	Hours        float64 `db:"hours_credited" json:"hours_credited"`
	Already      bool    `db:"already_closed" json:"already_closed"`
}

// Close closes the class (结班): each participant's 结业 by the absence limit (Decide),
// and the 学时 attended credited to the ledger once (hours.Write). Closing again changes
// nothing and answers what the first close decided. Locks: the class row (exclusive),
// then the participants' rows; hour_credits through hours.Write.
func (s *Store) Close(ctx context.Context, me *web.Identity, classID int64) (CloseResult, error) {
	var res CloseResult
	err := s.withClass(ctx, me, classID, true, func(tx *sqlx.Tx, c Class) error {
		if !manages(me, c) {
			return ErrNotManager
		}
		if c.Closed() {
			res.Already = true
			return tx.GetContext(ctx, &res, `SELECT count(*) AS participants, count(*) FILTER (WHERE completed) AS completed,
				COALESCE(sum(hours_attended), 0)::float8 AS hours_credited, true AS already_closed
				FROM class_participants WHERE class_id = $1`, classID)
		}
		var marks []struct {
			UserID int64   `db:"user_id"`
			Hours  float64 `db:"hours"`
			Status string  `db:"status"`
		}
		if err := tx.SelectContext(ctx, &marks, `
			SELECT p.user_id, s.hours::float8 AS hours, COALESCE(a.status, '') AS status
			FROM class_participants p
			JOIN class_sessions s ON s.class_id = p.class_id
			LEFT JOIN class_attendance a ON a.session_id = s.id AND a.user_id = p.user_id
			WHERE p.class_id = $1 ORDER BY p.user_id, s.starts_at`, classID); err != nil {
			return err
		}
		per := map[int64][]SessionMark{}
		var order []int64
		for _, m := range marks {
			if _, ok := per[m.UserID]; !ok {
				order = append(order, m.UserID)
			}
			per[m.UserID] = append(per[m.UserID], SessionMark{Hours: m.Hours, Status: m.Status})
		}
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM class_participants WHERE class_id = $1 ORDER BY user_id FOR UPDATE`, classID); err != nil {
			return err
		}
		now := s.now()
		year := now.In(web.China).Year()
		for _, uid := range order {
			o := Decide(per[uid], c.AbsenceNum, c.AbsenceDen)
			if _, err := tx.ExecContext(ctx, `UPDATE class_participants SET completed = $3, result_note = $4, hours_attended = $5
				WHERE class_id = $1 AND user_id = $2`, classID, uid, o.Completed, o.Reason, o.Attended); err != nil {
				return err
			}
			if _, err := hours.Write(ctx, tx, hours.Credit{UserID: uid, Year: year, Source: hours.SourceClass, SourceID: classID,
				Hours: o.Attended, At: now, ActorID: me.UserID, Note: c.Title}); err != nil {
				return err
			}
			res.Participants++
			res.Hours += o.Attended
			if o.Completed {
				res.Completed++
			}
		}
		// Participants of a class without sessions get 未结业 too.
		if _, err := tx.ExecContext(ctx, `UPDATE class_participants SET completed = false, result_note = '培训班没有课程安排', hours_attended = 0
			WHERE class_id = $1 AND completed IS NULL`, classID); err != nil {
			return err
		}
		if err := s.tellResults(ctx, tx, c); err != nil {
			return err
		}
		res.Hours = round2(res.Hours)
		_, err := tx.ExecContext(ctx, `UPDATE classes SET closed_at = $2, closed_by = $3, updated_at = now() WHERE id = $1`, classID, now, me.UserID)
		return err
	})
	return res, err
}

// tellResults tells every participant of the class, in one post, the 结业 that 结班
// decided and the 学时 credited.
func (s *Store) tellResults(ctx context.Context, tx *sqlx.Tx, c Class) error {
	if s.post == nil {
		return nil
	}
	var rs []struct {
		UserID    int64   `db:"user_id"`
		Completed bool    `db:"completed"`
		Note      string  `db:"result_note"`
		Hours     float64 `db:"hours"`
	}
	if err := tx.SelectContext(ctx, &rs, `SELECT user_id, COALESCE(completed, false) AS completed, result_note,
		COALESCE(hours_attended, 0)::float8 AS hours FROM class_participants WHERE class_id = $1 ORDER BY user_id`, c.ID); err != nil {
		return err
	}
	msgs := make([]web.Message, 0, len(rs))
	for _, r := range rs {
		hours := web.FormatNumber(r.Hours)
		m := classMessage(r.UserID, c, "", "已结业", "「"+c.Title+"」已结班，您已结业，记入 "+hours+" 学时。")
		if !r.Completed {
			why := ""
			if r.Note != "" {
				why = "：" + r.Note
			}
			m = classMessage(r.UserID, c, "", "未结业", "「"+c.Title+"」已结班，您未结业"+why+"。出勤的 "+hours+" 学时已记入。")
		}
		msgs = append(msgs, m)
	}
	return s.tell(ctx, tx, msgs...)
}

// MyClass is a class as its participant sees it: sessions with the own marks and leave
// requests, and the 结业 result once closed.
type MyClass struct {
	Class
	Mine      []MySession `json:"my_sessions"`
	Completed *bool       `json:"completed"`
	Result    string      `json:"result_note"`
	Hours     *float64    `json:"hours_attended"`
	Missed    float64     `json:"missed_hours"`
}

// Done tells whether the participant completed the class (结业).
func (m MyClass) Done() bool { return m.Completed != nil && *m.Completed }

// Credited is the 学时 credited at 结班 (0 before).
func (m MyClass) Credited() float64 {
	if m.Hours == nil {
		return 0
	}
	return *m.Hours
}

// MySession is a session with the participant's mark and leave request.
type MySession struct {
	Session
	Status      string `db:"status" json:"status"`
	LeaveStatus string `db:"leave_status" json:"leave_status"`
	LeaveReason string `db:"leave_reason" json:"leave_reason"`
}

// StatusLabel is the participant's mark in Chinese.
func (m MySession) StatusLabel() string { return StatusLabel(m.Status) }

// Mine is the user's classes with their sessions, newest first. Locks: none.
func (s *Store) Mine(ctx context.Context, userID int64) ([]MyClass, error) {
	me := &web.Identity{UserID: userID, Role: web.RoleSecretary}
	list, err := s.List(ctx, me)
	if err != nil {
		return nil, err
	}
	out := make([]MyClass, 0, len(list))
	for _, c := range list {
		mc, err := s.MyClass(ctx, userID, c.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, mc)
	}
	return out, nil
}

// MyClass is one class of the user. Locks: none.
func (s *Store) MyClass(ctx context.Context, userID, classID int64) (MyClass, error) {
	me := &web.Identity{UserID: userID, Role: web.RoleSecretary}
	c, err := s.Class(ctx, me, classID)
	if err != nil {
		return MyClass{}, err
	}
	mc := MyClass{Class: c, Mine: []MySession{}}
	if err := s.db.SelectContext(ctx, &mc.Mine, `
		SELECT s.id, s.class_id, s.starts_at, s.ends_at, s.topic, s.teacher, s.hours::float8 AS hours,
		       COALESCE(a.status, '') AS status, COALESCE(l.status, '') AS leave_status, COALESCE(l.reason, '') AS leave_reason
		FROM class_sessions s
		LEFT JOIN class_attendance a ON a.session_id = s.id AND a.user_id = $2
		LEFT JOIN class_leaves l ON l.session_id = s.id AND l.user_id = $2
		WHERE s.class_id = $1 ORDER BY s.starts_at, s.id`, classID, userID); err != nil {
		return mc, err
	}
	err = s.db.QueryRowxContext(ctx, `SELECT completed, result_note, hours_attended::float8 FROM class_participants
		WHERE class_id = $1 AND user_id = $2`, classID, userID).Scan(&mc.Completed, &mc.Result, &mc.Hours)
	now := s.now()
	for _, m := range mc.Mine {
		if MissedSoFar(m.Status, m.EndsAt, now) {
			mc.Missed += m.Hours
		}
	}
	mc.Missed = round2(mc.Missed)
	return mc, err
}

// Upcoming is a participant's open class with its next session (the home card).
type Upcoming struct {
	ClassID  int64      `db:"class_id"`
	Title    string     `db:"title"`
	Venue    string     `db:"venue"`
	StartsAt *time.Time `db:"starts_at"` // nil: every session is over, 结班 pending
	Topic    string     `db:"topic"`
}

// UpcomingFor lists the user's classes not closed yet with each one's next session not
// over, in one query (the home page is a hot path). Locks: none.
func (s *Store) UpcomingFor(ctx context.Context, userID int64) ([]Upcoming, error) {
	out := []Upcoming{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT c.id AS class_id, c.title, c.venue, n.starts_at, COALESCE(n.topic, '') AS topic
		FROM class_participants p
		JOIN classes c ON c.id = p.class_id AND c.closed_at IS NULL
		LEFT JOIN LATERAL (
			SELECT starts_at, topic FROM class_sessions s
			WHERE s.class_id = c.id AND s.ends_at > $2 ORDER BY s.starts_at LIMIT 1) n ON true
		WHERE p.user_id = $1
		ORDER BY n.starts_at NULLS LAST, c.id LIMIT 20`, userID, s.now())
	return out, err
}

// ExamRefusalFor is why the user may not start an exam ("" = may): when the exam is the
// 结业 exam of a class the user takes part in and the leave and absence so far are over
// the class's limit (exams.Deps.StartGuard, wired in app/features.go). Locks: none.
func ExamRefusalFor(ctx context.Context, db sqlx.QueryerContext, userID, examID int64, now time.Time) (string, error) {
	var c struct {
		ID    int64   `db:"id"`
		Num   int     `db:"absence_num"`
		Den   int     `db:"absence_den"`
		Total float64 `db:"total"`
	}
	err := sqlx.GetContext(ctx, db, &c, `
		SELECT c.id, c.absence_num, c.absence_den, COALESCE((SELECT sum(hours) FROM class_sessions s WHERE s.class_id = c.id), 0)::float8 AS total
		FROM classes c JOIN class_participants p ON p.class_id = c.id AND p.user_id = $2
		WHERE c.exam_id = $1`, examID, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var marks []struct {
		Status string    `db:"status"`
		Hours  float64   `db:"hours"`
		EndsAt time.Time `db:"ends_at"`
	}
	if err := sqlx.SelectContext(ctx, db, &marks, `
		SELECT COALESCE(a.status, '') AS status, s.hours::float8 AS hours, s.ends_at FROM class_sessions s
		LEFT JOIN class_attendance a ON a.session_id = s.id AND a.user_id = $2
		WHERE s.class_id = $1`, c.ID, userID); err != nil {
		return "", err
	}
	missed := 0.0
	for _, m := range marks {
		if MissedSoFar(m.Status, m.EndsAt, now) {
			missed += m.Hours
		}
	}
	return ExamRefusal(missed, c.Total, c.Num, c.Den), nil
}
