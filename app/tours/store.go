package tours

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/hours"
	"zhibu/app/seats"
	"zhibu/app/web"
)

// Tour is a study tour as stored.
type Tour struct {
	ID             int64     `db:"id" json:"id"`
	Title          string    `db:"title" json:"title"`
	Destination    string    `db:"destination" json:"destination"`
	Itinerary      string    `db:"itinerary" json:"itinerary,omitempty"`
	StartsOn       time.Time `db:"starts_on" json:"starts_on"`
	EndsOn         time.Time `db:"ends_on" json:"ends_on"`
	TotalSeats     int       `db:"total_seats" json:"total_seats"`
	SignupOpensAt  time.Time `db:"signup_opens_at" json:"signup_opens_at"`
	SignupClosesAt time.Time `db:"signup_closes_at" json:"signup_closes_at"`
	CancelDeadline time.Time `db:"cancel_deadline" json:"cancel_deadline"`
	Year           int       `db:"year" json:"year"` // whose 必修 courses RequireCourses asks for; the year of its 学时
	// Hours are the 学时 (线下) a confirmed participant is credited in the ledger
	// (app/hours); 0 credits nothing.
	Hours          float64 `db:"hours" json:"hours"`
	RequireCourses bool    `db:"require_courses" json:"require_courses"`
	// CourseID is the pre-reading course its confirmed participants see (nil: none).
	CourseID *int64 `db:"course_id" json:"course_id"`
	// ReportDue is the last day (China) a participant may submit the report (学习报告 /
	// 发展思路); nil asks for none. With it, the 学时 are credited when the report is
	// accepted, not on confirmation (CreditsOnConfirm).
	ReportDue *time.Time `db:"report_due" json:"report_due"`
	Status    string     `db:"status" json:"status"`
	CreatedAt time.Time  `db:"created_at" json:"-"`
	UpdatedAt time.Time  `db:"updated_at" json:"-"`
}

// HoursText is the tour's 学时 as people write it (8, 2.5).
func (t Tour) HoursText() string { return formatHours(t.Hours) }

func (t Tour) window() Window {
	return Window{Status: t.Status, OpensAt: t.SignupOpensAt, ClosesAt: t.SignupClosesAt, CancelDeadline: t.CancelDeadline}
}

// Store holds all SQL of the tours.
type Store struct {
	db          *sqlx.DB
	now         func() time.Time
	coursesLeft CoursesLeft
	post        web.Post   // nil: nobody is told (Mount requires it)
	courses     CourseList // nil: no pre-reading to pick
}

// NewStore returns a store on db with the dependencies of deps (Deps.Now nil: time.Now).
func NewStore(db *sqlx.DB, deps Deps) *Store {
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, now: now, coursesLeft: deps.RequiredCoursesLeft, post: deps.Post, courses: deps.Courses}
}

const tourCols = `t.id, t.title, t.destination, t.itinerary, t.starts_on, t.ends_on, t.total_seats, t.signup_opens_at,
	t.signup_closes_at, t.cancel_deadline, t.year, t.hours::float8 AS hours, t.require_courses, t.course_id, t.report_due, t.status, t.created_at, t.updated_at`

// tables are the tours' seat tables: quotas, sign-ups, waiting lists and approvals are
// app/seats, the one mechanism tours and classes share.
var tables = seats.Tables{Owner: "tour_id", Quotas: "tour_quotas", Signups: "tour_signups", Queue: "tour_queue_seq", Events: "tour_events"}

// Locking is app/seats's (see Tables there): a change to a tour's settings (quotas, total)
// locks the tour row FOR UPDATE; a change to sign-ups locks the tour row FOR SHARE, then
// the township's quota row FOR UPDATE, then the sign-up row. A person's 学时 ledger entry
// of the tour (app/hours, keyed by tour and person) is always locked last: sign-up changes
// reach it only with the tour FOR SHARE, a change of the tour's 学时 only with the tour
// FOR UPDATE.

// withTour runs fn in a transaction holding the tour's row lock exclusively.
func (s *Store) withTour(ctx context.Context, tourID int64, fn func(tx *sqlx.Tx, t Tour) error) error {
	return s.withLock(ctx, tourID, 0, fn)
}

// withLock runs fn in a transaction holding the tour's row in share mode and the
// township's quota row exclusively (townshipID 0: the whole tour exclusively).
func (s *Store) withLock(ctx context.Context, tourID, townshipID int64, fn func(tx *sqlx.Tx, t Tour) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	mode := "FOR UPDATE"
	if townshipID != 0 {
		mode = "FOR SHARE"
	}
	var t Tour
	err = tx.GetContext(ctx, &t, `SELECT `+tourCols+` FROM tours t WHERE t.id = $1 `+mode, tourID)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrTourNotFound
	}
	if err != nil {
		return err
	}
	if townshipID != 0 {
		if err := tables.LockQuota(ctx, tx, tourID, townshipID); err != nil {
			return err
		}
	}
	if err := fn(tx, t); err != nil {
		return err
	}
	return tx.Commit()
}

// Tour returns one tour.
func (s *Store) Tour(ctx context.Context, id int64) (Tour, error) {
	return getTour(ctx, s.db, id)
}

func getTour(ctx context.Context, q sqlx.QueryerContext, id int64) (Tour, error) {
	var t Tour
	err := sqlx.GetContext(ctx, q, &t, `SELECT `+tourCols+` FROM tours t WHERE t.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrTourNotFound
	}
	return t, err
}

// townshipNames returns id → name for every township.
func townshipNames(ctx context.Context, q sqlx.QueryerContext) (map[int64]string, error) {
	var rows []struct {
		ID   int64  `db:"id"`
		Name string `db:"name"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT id, name FROM townships`); err != nil {
		return nil, err
	}
	m := make(map[int64]string, len(rows))
	for _, r := range rows {
		m[r.ID] = r.Name
	}
	return m, nil
}

// checkTour checks the input against the townships and the seats already held (nil for a
// new tour); the field errors of the input come first, a form's own (in.formErrors) last.
func checkTour(ctx context.Context, q sqlx.QueryerContext, in TourInput, held map[int64]int) (tourValues, error) {
	v, f := in.values()
	names, err := townshipNames(ctx, q)
	if err != nil {
		return v, err
	}
	for tid := range in.Quotas {
		if _, ok := names[tid]; !ok {
			f[seats.QuotaField(tid)] = "乡镇不存在"
		}
	}
	for k, msg := range seats.QuotaProblems(in.TotalSeats, in.Quotas, held, names) {
		f[k] = msg
	}
	for k, msg := range in.formErrors {
		f[k] = msg
	}
	if len(f) > 0 {
		return v, f
	}
	return v, nil
}

// CheckTour checks the input as CreateTour (id 0) or UpdateTour would, saving nothing
// and locking nothing: the confirmation before saving asks only about a form that saves.
func (s *Store) CheckTour(ctx context.Context, id int64, in TourInput) error {
	in.normalize()
	var held map[int64]int
	var current *int64
	if id != 0 {
		var err error
		if held, err = tables.Held(ctx, s.db, id); err != nil {
			return err
		}
		t, err := s.Tour(ctx, id)
		if err != nil {
			return err
		}
		current = t.CourseID
	}
	if err := s.checkCourse(ctx, &in, current); err != nil {
		return err
	}
	_, err := checkTour(ctx, s.db, in, held)
	return err
}

// CreateTour saves a new tour with its quotas. Locks: none (a new row).
func (s *Store) CreateTour(ctx context.Context, in TourInput, actorID int64) (Tour, error) {
	in.normalize()
	if err := s.checkCourse(ctx, &in, nil); err != nil {
		return Tour{}, err
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Tour{}, err
	}
	defer tx.Rollback()
	v, err := checkTour(ctx, tx, in, nil)
	if err != nil {
		return Tour{}, err
	}
	var id int64
	err = tx.GetContext(ctx, &id, `INSERT INTO tours (title, destination, itinerary, starts_on, ends_on, total_seats,
		signup_opens_at, signup_closes_at, cancel_deadline, year, require_courses, status, created_by, hours, course_id, report_due)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,NULLIF($13,0::bigint),$14,NULLIF($15,0::bigint),$16) RETURNING id`,
		in.Title, in.Destination, in.Itinerary, v.startsOn, v.endsOn, in.TotalSeats, v.opens, v.closes, v.cancel,
		v.year, in.RequireCourses, v.status, actorID, v.hours, in.CourseID, v.reportDue)
	if err != nil {
		return Tour{}, err
	}
	if err := tables.SaveQuotas(ctx, tx, id, in.Quotas); err != nil {
		return Tour{}, err
	}
	if err := tables.Event(ctx, tx, id, 0, actorID, "create", "", v.status, ""); err != nil {
		return Tour{}, err
	}
	t, err := getTour(ctx, tx, id)
	if err != nil {
		return Tour{}, err
	}
	return t, tx.Commit()
}

// UpdateTour changes a tour. Quotas may shrink only down to the seats already held; when
// they grow, the waiting lists move up at once. When the 学时 or the year change, the
// ledger entries of the confirmed participants follow (recredit). Locks: the tour row FOR
// UPDATE (every sign-up change holds it FOR SHARE, so the confirmed list cannot change),
// then the ledger entries of the confirmed participants.
func (s *Store) UpdateTour(ctx context.Context, id int64, in TourInput, actorID int64) (Tour, error) {
	in.normalize()
	var saved Tour
	err := s.withTour(ctx, id, func(tx *sqlx.Tx, old Tour) error {
		held, err := tables.Held(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.checkCourse(ctx, &in, old.CourseID); err != nil {
			return err
		}
		v, err := checkTour(ctx, tx, in, held)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE tours SET title=$2, destination=$3, itinerary=$4, starts_on=$5, ends_on=$6,
			total_seats=$7, signup_opens_at=$8, signup_closes_at=$9, cancel_deadline=$10, year=$11, require_courses=$12,
			status=$13, hours=$14, course_id=NULLIF($15,0::bigint), report_due=$16, updated_at=now() WHERE id=$1`,
			id, in.Title, in.Destination, in.Itinerary, v.startsOn, v.endsOn, in.TotalSeats, v.opens, v.closes, v.cancel,
			v.year, in.RequireCourses, v.status, v.hours, in.CourseID, v.reportDue)
		if err != nil {
			return err
		}
		if err := tables.SaveQuotas(ctx, tx, id, in.Quotas); err != nil {
			return err
		}
		if err := tables.Event(ctx, tx, id, 0, actorID, "update", old.Status, v.status, ""); err != nil {
			return err
		}
		if saved, err = getTour(ctx, tx, id); err != nil {
			return err
		}
		for tid := range in.Quotas {
			if err := s.promote(ctx, tx, saved, tid, actorID); err != nil {
				return err
			}
		}
		return recredit(ctx, tx, old, saved, actorID)
	})
	return saved, err
}

// recredit brings the ledger entries of a tour's confirmed participants to the tour's
// new 学时 and year. hours.Write leaves an entry that counts as it is, so each entry is
// first withdrawn (saying what changed) and then written again: Write restores an entry
// its source withdrew with the new hours and year, writes one for a tour that had 0 学时,
// writes nothing for 0 (the entry stays withdrawn) and never restores one an admin
// revoked. The caller holds the tour row FOR UPDATE.
//
// When the tour starts or stops asking for a report (ReportDue set or cleared), the
// entries follow too: a confirmed participant counts only when Credited says so (no report
// asked, or the report accepted; the entry's time is then the acceptance).
func recredit(ctx context.Context, tx *sqlx.Tx, old, t Tour, actorID int64) error {
	why := RecreditReason(old.Hours, t.Hours, old.Year, t.Year)
	if r := ReportChangeReason(old.ReportDue != nil, t.ReportDue != nil); r != "" {
		why = strings.TrimPrefix(why+"，"+r, "，")
	}
	if why == "" {
		return nil
	}
	var people []struct {
		UserID      int64      `db:"user_id"`
		ConfirmedAt time.Time  `db:"updated_at"` // the last status change: the final approval
		AcceptedAt  *time.Time `db:"accepted_at"`
	}
	if err := tx.SelectContext(ctx, &people, `SELECT s.user_id, s.updated_at,
			(SELECT r.reviewed_at FROM tour_reports r WHERE r.tour_id = s.tour_id AND r.user_id = s.user_id AND r.status = 'accepted') AS accepted_at
		FROM tour_signups s WHERE s.tour_id = $1 AND s.status = 'confirmed' ORDER BY s.user_id`, t.ID); err != nil {
		return err
	}
	for _, p := range people {
		if err := withdraw(ctx, tx, t.ID, p.UserID, why); err != nil {
			return err
		}
		if !Credited(t.ReportDue != nil, p.AcceptedAt != nil) {
			continue
		}
		at := p.ConfirmedAt
		if t.ReportDue != nil {
			at = *p.AcceptedAt
		}
		if err := credit(ctx, tx, t, p.UserID, actorID, at); err != nil {
			return err
		}
	}
	return nil
}

// credit writes the participant's ledger entry of the tour (nothing for a tour of 0 学时,
// nothing twice): its 学时, its year, its title as the note.
func credit(ctx context.Context, tx *sqlx.Tx, t Tour, userID, actorID int64, at time.Time) error {
	_, err := hours.Write(ctx, tx, hours.Credit{UserID: userID, Year: t.Year, Source: hours.SourceTour, SourceID: t.ID,
		Hours: t.Hours, At: at, ActorID: actorID, Note: t.Title})
	return err
}

// withdraw stops the participant's ledger entry of the tour from counting, with the reason.
func withdraw(ctx context.Context, tx *sqlx.Tx, tourID, userID int64, reason string) error {
	if r := []rune(reason); len(r) > hours.MaxNote {
		reason = string(r[:hours.MaxNote])
	}
	return hours.Withdraw(ctx, tx, hours.SourceTour, tourID, userID, reason)
}

// message tells a person what happened to their sign-up of the tour: the title
// 「tour」+what on one line, the body the whole sentence, the tour's page.
func message(userID int64, t Tour, what, body string) web.Message {
	return web.Message{UserID: userID, Kind: web.MsgTour, Title: "「" + clip(t.Title, 60) + "」" + what,
		Body: body, URL: fmt.Sprintf("/tours/%d", t.ID)}
}

// tell posts the messages to the people's inbox in the change's transaction.
func (s *Store) tell(ctx context.Context, tx *sqlx.Tx, msgs ...web.Message) error {
	if s.post == nil || len(msgs) == 0 {
		return nil
	}
	return s.post(ctx, tx, msgs...)
}

// clip shortens s to at most n characters, the last of them "…", for a message's title.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
