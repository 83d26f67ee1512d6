package reminders

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/web"
)

// Store holds all SQL of the reminders. Who a reminder may go to is read from the one
// definition of each rule: course_requirements (migrations/00051) and
// course_progress.completed_at for 必修未完成 (as courses and app/figures count it),
// exam_candidates (migrations/00063) and a finished passed attempt for 通过 (as
// app/figures.FinishedAttempts), exam_for_township (migrations/00065) for which exams a
// township's staff oversee, and class_participants.completed for 结业.
type Store struct {
	db   *sqlx.DB
	post web.Post
	now  func() time.Time
}

// NewStore returns the reminders' store; deps.Post must be set to send.
func NewStore(db *sqlx.DB, deps Deps) *Store {
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, post: deps.Post, now: now}
}

// Target is the item a reminder is about, as the caller may see it.
type Target struct {
	Kind  string     `db:"kind" json:"target"`
	ID    int64      `db:"id" json:"target_id"`
	Title string     `db:"title" json:"title"`
	Due   *time.Time `db:"due" json:"due,omitempty"` // course: the earliest due date this year; exam: its close
	Opens *time.Time `db:"opens" json:"-"`           // exam: its opening
}

// DueText is the target's due date or close, for pages.
func (t Target) DueText() string {
	if t.Due == nil {
		return ""
	}
	if t.Kind == TargetCourse || t.Kind == TargetTourReport {
		return t.Due.Format("2006-01-02")
	}
	return t.Due.In(web.China).Format("2006-01-02 15:04")
}

// Person is one person a reminder would go to, with the last time they were reminded
// about the item (reminder_log) and the page their message leads to.
type Person struct {
	UserID   int64      `db:"user_id" json:"user_id"`
	Name     string     `db:"name" json:"name"`
	Branch   string     `db:"branch" json:"branch"`
	Township string     `db:"township" json:"township"`
	Due      *time.Time `db:"due_date" json:"-"`
	LastAt   *time.Time `db:"last_at" json:"last_at"`
	URL      string     `db:"url" json:"-"`
	Skip     string     `db:"-" json:"skip,omitempty"` // why not this time (Limited), "" to send
}

// Plan is what a send would do: the target, the scope it goes to, and the people, in
// order, each to send or skip.
type Plan struct {
	Target   Target
	Township sql.NullInt64 // the scope: NULL = the county
	Branch   int64
	Filter   Filter
	People   []Person
	Send     int
	Skipped  int
}

// resolve checks the target and the filter against the caller's scope: an organizer
// reminds only the own township (another township asked for is ErrOtherTownship), an
// admin the county or the township asked for; a target the caller does not oversee is
// ErrTargetNotFound, a branch outside the scope ErrBranchNotFound.
func (s *Store) resolve(ctx context.Context, q sqlx.QueryerContext, me *web.Identity, in SendInput, now time.Time) (Target, sql.NullInt64, error) {
	var town sql.NullInt64
	switch me.Role {
	case web.RoleOrganizer:
		if in.Filter.Township != 0 && in.Filter.Township != me.TownshipID {
			return Target{}, town, ErrOtherTownship
		}
		town = sql.NullInt64{Int64: me.TownshipID, Valid: true}
	case web.RoleAdmin:
		if in.Filter.Township > 0 {
			var ok bool
			if err := sqlx.GetContext(ctx, q, &ok, `SELECT EXISTS (SELECT 1 FROM townships WHERE id = $1)`, in.Filter.Township); err != nil {
				return Target{}, town, err
			}
			if !ok {
				return Target{}, town, ErrTownshipNotFound
			}
			town = sql.NullInt64{Int64: in.Filter.Township, Valid: true}
		}
	default:
		return Target{}, town, web.Forbidden("")
	}
	if in.Filter.Branch > 0 {
		var ok bool
		if err := sqlx.GetContext(ctx, q, &ok, `SELECT EXISTS (SELECT 1 FROM branches WHERE id = $1 AND ($2::bigint IS NULL OR township_id = $2))`,
			in.Filter.Branch, town); err != nil {
			return Target{}, town, err
		}
		if !ok {
			return Target{}, town, ErrBranchNotFound
		}
	}
	t, err := s.target(ctx, q, me, in.Target, in.TargetID, town, now)
	return t, town, err
}

// target reads the item: a published course; a published exam the scope's staff oversee
// (exam_for_township), still open; a class the caller sees (county classes and the own
// township's for an organizer), not closed.
func (s *Store) target(ctx context.Context, q sqlx.QueryerContext, me *web.Identity, kind string, id int64, town sql.NullInt64, now time.Time) (Target, error) {
	var t Target
	var err error
	switch kind {
	case TargetCourse:
		err = sqlx.GetContext(ctx, q, &t, `SELECT 'course' AS kind, c.id, c.title,
			(SELECT min(rq.due_date)::timestamptz FROM course_requirements rq WHERE rq.course_id = c.id AND rq.year = $2) AS due, NULL::timestamptz AS opens
			FROM courses c WHERE c.id = $1 AND c.published`, id, now.In(web.China).Year())
	case TargetExam:
		var closed bool
		row := struct {
			Target
			Closed bool `db:"closed"`
		}{}
		err = sqlx.GetContext(ctx, q, &row, `SELECT 'exam' AS kind, e.id, e.title, e.closes_at AS due, e.opens_at AS opens, e.closes_at <= $3 AS closed
			FROM exams e WHERE e.id = $1 AND exam_for_township(e.id, $2)`, id, town, now)
		t, closed = row.Target, row.Closed
		if err == nil && closed {
			return t, ErrExamClosed
		}
	case TargetClass:
		row := struct {
			Target
			Closed bool `db:"closed"`
		}{}
		err = sqlx.GetContext(ctx, q, &row, `SELECT 'class' AS kind, c.id, c.title, NULL::timestamptz AS due, NULL::timestamptz AS opens,
			c.closed_at IS NOT NULL AS closed
			FROM classes c WHERE c.id = $1 AND ($2 = 'admin' OR c.township_id IS NULL OR c.township_id = $3)`, id, me.Role, me.TownshipID)
		t = row.Target
		if err == nil && row.Closed {
			return t, ErrClassClosed
		}
	case TargetTourReport:
		// A published tour that asks for a report (app/tours: tours.report_due).
		err = sqlx.GetContext(ctx, q, &t, `SELECT 'tour_report' AS kind, t.id, t.title, t.report_due::timestamptz AS due,
			NULL::timestamptz AS opens
			FROM tours t WHERE t.id = $1 AND t.status <> 'draft' AND t.report_due IS NOT NULL`, id)
	default:
		return t, ErrTargetNotFound
	}
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrTargetNotFound
	}
	return t, err
}

// people lists, in order, everyone the target's rule names in the township (NULL: all)
// and branch (0: all): the active secretaries to whom the course is 必修 this year and
// who have not completed it (with a due date on or before dueBy when given); the exam's
// active candidates who have not passed; the class's active participants not 结业 (only
// those with an absence when absentOnly). Each with their last reminder about the item
// and the page their message leads to: for a course, the first lesson they have not
// finished (the course page when none).
func people(ctx context.Context, q sqlx.QueryerContext, t Target, town sql.NullInt64, branch int64, dueBy string, absentOnly bool, year int) ([]Person, error) {
	const cols = `u.id AS user_id, u.name, b.name AS branch, tw.name AS township, rl.sent_at AS last_at`
	const join = ` JOIN branches b ON b.id = u.branch_id JOIN townships tw ON tw.id = u.township_id
		LEFT JOIN reminder_log rl ON rl.user_id = u.id AND rl.target = $4 AND rl.target_id = $1`
	const where = ` u.role = 'secretary' AND u.active AND ($2::bigint IS NULL OR u.township_id = $2) AND ($3::bigint = 0 OR u.branch_id = $3)`
	const order = ` ORDER BY tw.sort, tw.id, b.name, u.name, u.id`
	args := []any{t.ID, town, branch, t.Kind}
	var query string
	switch t.Kind {
	case TargetCourse:
		query = `SELECT ` + cols + `, rq.due_date::timestamptz AS due_date,
			COALESCE((SELECT '/lessons/' || l.id FROM course_lessons l WHERE l.course_id = $1 AND NOT EXISTS (
				SELECT 1 FROM lesson_progress lp WHERE lp.lesson_id = l.id AND lp.user_id = u.id AND lp.completed_at IS NOT NULL)
				ORDER BY l.position, l.id LIMIT 1), '/courses/' || $1) AS url
			FROM course_requirements rq JOIN users u ON u.id = rq.user_id` + join + `
			LEFT JOIN course_progress cp ON cp.user_id = rq.user_id AND cp.course_id = rq.course_id
			WHERE rq.course_id = $1 AND rq.year = $5 AND cp.completed_at IS NULL AND ($6 = '' OR rq.due_date <= $6::date) AND` + where + order
		args = append(args, year, dueBy)
	case TargetExam:
		query = `SELECT ` + cols + `, NULL::timestamptz AS due_date, '/exams' AS url
			FROM exam_candidates ec JOIN users u ON u.id = ec.user_id` + join + `
			WHERE ec.exam_id = $1 AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.exam_id = ec.exam_id AND a.user_id = ec.user_id
				AND a.status = 'finished' AND a.passed) AND` + where + order
	case TargetClass:
		query = `SELECT ` + cols + `, NULL::timestamptz AS due_date, '/classes/' || $1 AS url
			FROM class_participants p JOIN users u ON u.id = p.user_id` + join + `
			WHERE p.class_id = $1 AND p.completed IS NOT TRUE AND (NOT $5 OR EXISTS (
				SELECT 1 FROM class_attendance a JOIN class_sessions cs ON cs.id = a.session_id
				WHERE cs.class_id = $1 AND a.user_id = u.id AND a.status = 'absent')) AND` + where + order
		args = append(args, absentOnly)
	case TargetTourReport:
		query = `SELECT ` + cols + `, NULL::timestamptz AS due_date, '/tours/' || $1 || '/report' AS url
			FROM tour_signups s JOIN users u ON u.id = s.user_id` + join + `
			WHERE s.tour_id = $1 AND s.status = 'confirmed' AND NOT EXISTS (SELECT 1 FROM tour_reports r
				WHERE r.tour_id = s.tour_id AND r.user_id = s.user_id AND r.status IN ('submitted','accepted')) AND` + where + order
	default:
		return nil, ErrTargetNotFound
	}
	out := []Person{}
	err := sqlx.SelectContext(ctx, q, &out, query, args...)
	return out, err
}

// plan builds the Plan of a manual send at now: every person the rule names, each to
// send or skip (Limited).
func (s *Store) plan(ctx context.Context, q sqlx.QueryerContext, me *web.Identity, in SendInput, now time.Time) (*Plan, error) {
	t, town, err := s.resolve(ctx, q, me, in, now)
	if err != nil {
		return nil, err
	}
	dueBy := ""
	if t.Kind == TargetCourse {
		dueBy = DueCutoff(now, in.Filter.DueWithinDays)
	}
	ps, err := people(ctx, q, t, town, in.Filter.Branch, dueBy, in.Filter.AbsentOnly && t.Kind == TargetClass, now.In(web.China).Year())
	if err != nil {
		return nil, err
	}
	p := &Plan{Target: t, Township: town, Branch: in.Filter.Branch, Filter: in.Filter, People: ps}
	for i := range p.People {
		if Limited(p.People[i].LastAt, now) {
			p.People[i].Skip = SkipReason(*p.People[i].LastAt)
			p.Skipped++
		} else {
			p.Send++
		}
	}
	return p, nil
}

// Preview is what a send would do now, sending nothing (?dry_run=1 and the new page).
// Locks: none.
func (s *Store) Preview(ctx context.Context, me *web.Identity, in SendInput) (*Plan, error) {
	if errs := in.Validate(false); errs != nil {
		return nil, errs
	}
	return s.plan(ctx, s.db, me, in, s.now())
}

// Result is what a send did.
type Result struct {
	ID         int64 `json:"id,omitempty"`
	Recipients int   `json:"recipients"`
	Skipped    int   `json:"skipped"`
}

// lockItem is the transaction lock of one item (target kind and id): sends about the same
// item, manual or automatic, run one after the other. Namespace 7070 (this migration's
// number) keeps it apart from other advisory locks.
func lockItem(ctx context.Context, tx *sqlx.Tx, kind string, id int64) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7070, hashtext($1 || ':' || $2::text))`, kind, id)
	return err
}

// claim writes the 7-day-limit rows of users for the item at now and returns those it
// could claim: a person reminded within MinGap (by anybody, committed before or while
// this waited for the row) is not returned. The primary key of reminder_log makes
// concurrent claims of one person wait for each other and re-check the WHERE.
func claim(ctx context.Context, tx *sqlx.Tx, kind string, id int64, users []int64, now time.Time) (map[int64]bool, error) {
	var got []int64
	err := tx.SelectContext(ctx, &got, `INSERT INTO reminder_log (user_id, target, target_id, sent_at)
		SELECT u, $2, $3, $4 FROM unnest($1::bigint[]) AS u
		ON CONFLICT (user_id, target, target_id) DO UPDATE SET sent_at = EXCLUDED.sent_at
		WHERE reminder_log.sent_at <= EXCLUDED.sent_at - interval '7 days'
		RETURNING user_id`, pq.Array(users), kind, id, now)
	out := make(map[int64]bool, len(got))
	for _, u := range got {
		out[u] = true
	}
	return out, err
}

// Send reminds the people of the plan now: one reminder row, its recipients (sent or
// skipped, with why) and, in the same transaction, one inbox message per person sent
// (kind web.MsgReminder, ref reminder:<id>). Nobody to send to is ErrNoRecipients (with
// how many were skipped). Locks: the item's advisory lock (lockItem), then the
// reminder_log rows of the people (claim).
func (s *Store) Send(ctx context.Context, me *web.Identity, in SendInput) (Result, error) {
	if errs := in.Validate(true); errs != nil {
		return Result{}, errs
	}
	if s.post == nil {
		return Result{}, ErrNoInbox
	}
	now := s.now().Truncate(time.Microsecond)
	var res Result
	err := inTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if TargetName(in.Target) != "" {
			if err := lockItem(ctx, tx, in.Target, in.TargetID); err != nil {
				return err
			}
		}
		p, err := s.plan(ctx, tx, me, in, now)
		if err != nil {
			return err
		}
		filter, err := json.Marshal(in.Filter)
		if err != nil {
			return err
		}
		res, err = s.write(ctx, tx, p, writeSpec{sender: me.UserID, township: p.Township, filter: filter, text: in.Text,
			kind: web.MsgReminder, title: Title(p.Target.Kind, p.Target.Title, false), keepSkipped: true}, now)
		return err
	})
	return res, err
}

// writeSpec is what a reminder row says besides its target and people.
type writeSpec struct {
	sender      int64 // 0: the automatic pass
	township    sql.NullInt64
	filter      []byte
	text        string
	kind, title string // the messages' kind and title
	keepSkipped bool   // record the skipped people as recipients (manual sends)
}

// write claims the people of p not Limited, and when somebody is left writes the
// reminder, its recipients and their messages. The caller holds the item's lock.
func (s *Store) write(ctx context.Context, tx *sqlx.Tx, p *Plan, w writeSpec, now time.Time) (Result, error) {
	var want []int64
	for _, x := range p.People {
		if x.Skip == "" {
			want = append(want, x.UserID)
		}
	}
	got := map[int64]bool{}
	if len(want) > 0 {
		var err error
		if got, err = claim(ctx, tx, p.Target.Kind, p.Target.ID, want, now); err != nil {
			return Result{}, err
		}
	}
	var res Result
	var users []int64
	var statuses, reasons []string
	var msgs []web.Message
	for _, x := range p.People {
		switch {
		case got[x.UserID]:
			users, statuses, reasons = append(users, x.UserID), append(statuses, "sent"), append(reasons, "")
			msgs = append(msgs, web.Message{UserID: x.UserID, Kind: w.kind, Title: w.title, Body: w.text, URL: x.URL})
			res.Recipients++
		default:
			why := x.Skip
			if why == "" {
				why = "7 天内已提醒过"
			}
			res.Skipped++
			if w.keepSkipped {
				users, statuses, reasons = append(users, x.UserID), append(statuses, "skipped"), append(reasons, why)
			}
		}
	}
	if res.Recipients == 0 {
		if res.Skipped > 0 {
			return res, web.Refuse(ErrNoRecipients, fmt.Sprintf("没有需要提醒的人：%d 人在 7 天内已经提醒过，这次不再提醒", res.Skipped))
		}
		return res, ErrNoRecipients
	}
	sender := sql.NullInt64{Int64: w.sender, Valid: w.sender > 0}
	if w.filter == nil {
		w.filter = []byte("{}")
	}
	err := tx.GetContext(ctx, &res.ID, `INSERT INTO reminders (sender_id, township_id, auto, target, target_id, title, filter, text, sent, skipped, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		sender, w.township, !sender.Valid, p.Target.Kind, p.Target.ID, Clip(p.Target.Title, 200), string(w.filter), w.text,
		res.Recipients, res.Skipped, now)
	if err != nil {
		return res, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO reminder_recipients (reminder_id, user_id, status, reason)
		SELECT $1, u, s, r FROM unnest($2::bigint[], $3::text[], $4::text[]) AS x(u, s, r)`,
		res.ID, pq.Array(users), pq.Array(statuses), pq.Array(reasons)); err != nil {
		return res, err
	}
	ref := Ref(res.ID)
	for i := range msgs {
		msgs[i].Ref = ref
	}
	return res, s.post(ctx, tx, msgs...)
}

func inTx(ctx context.Context, db *sqlx.DB, fn func(*sqlx.Tx) error) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// likePattern is the ILIKE pattern of a search ("" for none).
func likePattern(q string) string {
	q = strings.TrimSpace(q)
	if q == "" {
		return ""
	}
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}
