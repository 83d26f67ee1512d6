package reminders

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

// The automatic 即将截止 reminders: a pass every Deps.Interval (DefaultInterval) sends
// them, outside the quiet hours, for the year's 必修 courses due within the county's
// number of days (county_settings.remind_days, through Deps.Switches) to the people who
// have not completed them, and for the exams closing within it to the candidates who have
// not passed; each kind switchable by the county. The 7-day limit holds across manual and
// automatic reminders (reminder_log).

// DefaultInterval is how often the pass runs in production.
const DefaultInterval = 10 * time.Minute

// Switches are the county's settings of the automatic reminders.
type Switches struct {
	Courses bool
	Exams   bool
	Days    int
}

// DefaultSwitches are a fresh county's (migrations/00070_reminders.sql).
var DefaultSwitches = Switches{Courses: true, Exams: true, Days: DefaultDays}

// PassResult is what one pass did.
type PassResult struct {
	Ran       bool // false: quiet hours, or another instance held the pass's lock
	Reminders int  // reminder rows written (one per item with somebody to remind)
	Sent      int  // messages sent
}

// passLock is the session advisory lock of the pass (namespace 7070, key 0; lockItem
// keys the items in the same namespace by hash).
const passLock = `7070, 0`

// Pass is one pass of the automatic reminders at now, holding the pass's advisory lock:
// when another instance holds it, this one skips the pass (Ran false). Quiet hours send
// nothing. Even without the lock nobody gets two reminders about one item within
// MinGap: every send claims its people in reminder_log (claim).
func Pass(ctx context.Context, db *sqlx.DB, deps Deps, now time.Time) (PassResult, error) {
	if Quiet(now) {
		return PassResult{}, nil
	}
	conn, err := db.Connx(ctx)
	if err != nil {
		return PassResult{}, err
	}
	defer conn.Close()
	var got bool
	if err := conn.GetContext(ctx, &got, `SELECT pg_try_advisory_lock(`+passLock+`)`); err != nil {
		return PassResult{}, err
	}
	if !got {
		return PassResult{}, nil
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+passLock+`)`)
	return pass(ctx, db, deps, now)
}

// pass is Pass without the pass's lock (tests run two at once to see the 7-day claim hold
// alone).
func pass(ctx context.Context, db *sqlx.DB, deps Deps, now time.Time) (PassResult, error) {
	res := PassResult{}
	if Quiet(now) {
		return res, nil
	}
	res.Ran = true
	sw := DefaultSwitches
	if deps.Switches != nil {
		var err error
		if sw, err = deps.Switches(ctx); err != nil {
			return res, err
		}
	}
	if sw.Days <= 0 {
		sw.Days = DefaultDays
	}
	s := NewStore(db, deps)
	now = now.Truncate(time.Microsecond)
	items, err := s.dueItems(ctx, sw, now)
	if err != nil {
		return res, err
	}
	for _, t := range items {
		r, err := s.sendAuto(ctx, t, sw.Days, now)
		if err != nil {
			return res, err
		}
		if r.ID > 0 {
			res.Reminders++
			res.Sent += r.Recipients
		}
	}
	return res, nil
}

// dueItems are the items due soon at now of the kinds switched on: 必修 courses of the
// year whose earliest due date is within the days (CourseDueSoon), open exams closing
// within them (ExamClosingSoon). Locks: none.
func (s *Store) dueItems(ctx context.Context, sw Switches, now time.Time) ([]Target, error) {
	var list []Target
	if sw.Courses {
		var cs []Target
		// Loosely bounded in SQL, decided by the rule.
		if err := s.db.SelectContext(ctx, &cs, `SELECT 'course' AS kind, c.id, c.title, min(rq.due_date)::timestamptz AS due, NULL::timestamptz AS opens
			FROM course_requirements rq JOIN courses c ON c.id = rq.course_id
			WHERE rq.year = $1 AND rq.due_date BETWEEN $2::date - 1 AND $2::date + $3::int + 1
			GROUP BY c.id, c.title ORDER BY c.id`, now.In(web.China).Year(), now.In(web.China).Format("2006-01-02"), sw.Days); err != nil {
			return nil, err
		}
		list = append(list, cs...)
	}
	if sw.Exams {
		var es []Target
		if err := s.db.SelectContext(ctx, &es, `SELECT 'exam' AS kind, e.id, e.title, e.closes_at AS due, e.opens_at AS opens
			FROM exams e WHERE e.published_at IS NOT NULL AND e.opens_at <= $1 AND e.closes_at > $1 ORDER BY e.id`, now); err != nil {
			return nil, err
		}
		for _, e := range es {
			if ExamClosingSoon(*e.Opens, *e.Due, now, sw.Days) {
				list = append(list, e)
			}
		}
	}
	return list, nil
}

// sendAuto sends the 即将截止 of one item at now to everyone its rule names whose own due
// date (course) is within days and who was not reminded about it within MinGap. Nobody
// left writes nothing. Locks: the item's advisory lock, then the people's reminder_log
// rows (claim).
func (s *Store) sendAuto(ctx context.Context, t Target, days int, now time.Time) (Result, error) {
	var res Result
	err := inTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := lockItem(ctx, tx, t.Kind, t.ID); err != nil {
			return err
		}
		ps, err := people(ctx, tx, t, sql.NullInt64{}, 0, "", false, now.In(web.China).Year())
		if err != nil {
			return err
		}
		p := &Plan{Target: t}
		for _, x := range ps {
			if Limited(x.LastAt, now) {
				continue
			}
			if t.Kind == TargetCourse && (x.Due == nil || !CourseDueSoon(*x.Due, now, days)) {
				continue
			}
			p.People = append(p.People, x)
		}
		if len(p.People) == 0 {
			return nil
		}
		due := time.Time{}
		if t.Due != nil {
			due = *t.Due
		}
		text := AutoText(t.Kind, t.Title, due)
		res, err = s.write(ctx, tx, p, writeSpec{text: text, kind: web.MsgDueSoon, title: Title(t.Kind, t.Title, true)}, now)
		if errors.Is(err, ErrNoRecipients) {
			res, err = Result{}, nil // claimed meanwhile by another sender: nothing to do
		}
		return err
	})
	return res, err
}

// Run runs Pass every deps.Interval (DefaultInterval) until ctx ends, logging failures.
func Run(ctx context.Context, db *sqlx.DB, deps Deps, log *slog.Logger) {
	every := deps.Interval
	if every <= 0 {
		every = DefaultInterval
	}
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			res, err := Pass(ctx, db, deps, now())
			if err != nil && ctx.Err() == nil {
				log.Error("reminders pass failed", "err", err)
			} else if res.Sent > 0 {
				log.Info("reminders sent", "reminders", res.Reminders, "messages", res.Sent)
			}
		}
	}
}
