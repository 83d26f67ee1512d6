package tours

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

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
	RequireCourses bool      `db:"require_courses" json:"require_courses"`
	Status         string    `db:"status" json:"status"`
	CreatedAt      time.Time `db:"created_at" json:"-"`
	UpdatedAt      time.Time `db:"updated_at" json:"-"`
}

func (t Tour) window() Window {
	return Window{Status: t.Status, OpensAt: t.SignupOpensAt, ClosesAt: t.SignupClosesAt, CancelDeadline: t.CancelDeadline}
}

// Eligibility tells why a user may not (yet) sign up for a tour that requires the
// year's required courses ("" = eligible).
type Eligibility func(ctx context.Context, q sqlx.QueryerContext, userID int64, year int) (reason string, err error)

// CheckEligibility is used at sign-up for tours with require_courses. The default asks
// the SQL function zhibu_required_courses_left(user_id bigint, year integer) → integer,
// which the courses feature provides; while it does not exist, everyone is eligible.
var CheckEligibility Eligibility = sqlEligibility

func sqlEligibility(ctx context.Context, q sqlx.QueryerContext, userID int64, year int) (string, error) {
	var exists bool
	if err := sqlx.GetContext(ctx, q, &exists,
		`SELECT to_regprocedure('zhibu_required_courses_left(bigint,integer)') IS NOT NULL`); err != nil {
		return "", err
	}
	if !exists {
		return "", nil
	}
	var left int
	if err := sqlx.GetContext(ctx, q, &left, `SELECT zhibu_required_courses_left($1, $2)`, userID, year); err != nil {
		return "", err
	}
	if left > 0 {
		return fmt.Sprintf("报名本次考察需先完成 %d 年度全部必修课程，您还有 %d 门未完成", year, left), nil
	}
	return "", nil
}

// Store holds the tours' SQL.
type Store struct {
	DB  *sqlx.DB
	Now func() time.Time
}

// NewStore returns a store on db.
func NewStore(db *sqlx.DB) *Store { return &Store{DB: db, Now: time.Now} }

const tourCols = `t.id, t.title, t.destination, t.itinerary, t.starts_on, t.ends_on, t.total_seats, t.signup_opens_at,
	t.signup_closes_at, t.cancel_deadline, t.require_courses, t.status, t.created_at, t.updated_at`

// Locking: a change to a tour's settings (quotas, total) locks the tour row FOR UPDATE.
// A change to sign-ups locks the tour row FOR SHARE (so settings cannot change under it)
// and then the township's quota row FOR UPDATE: sign-ups of one township are serialized,
// different townships proceed in parallel. Seats of a township never exceed its quota,
// and quotas add up to at most the total, so the tour never exceeds its total either.

// withTour runs fn in a transaction holding the tour's row lock exclusively.
func (s *Store) withTour(ctx context.Context, tourID int64, fn func(tx *sqlx.Tx, t Tour) error) error {
	return s.withLock(ctx, tourID, 0, fn)
}

// withLock runs fn in a transaction holding the tour's row in share mode and the
// township's quota row exclusively (townshipID 0: the whole tour exclusively).
func (s *Store) withLock(ctx context.Context, tourID, townshipID int64, fn func(tx *sqlx.Tx, t Tour) error) error {
	tx, err := s.DB.BeginTxx(ctx, nil)
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
		return web.NotFound("找不到该考察活动")
	}
	if err != nil {
		return err
	}
	if townshipID != 0 {
		// No quota row: the township holds no seats, so there is nothing to guard.
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM tour_quotas WHERE tour_id = $1 AND township_id = $2 FOR UPDATE`,
			tourID, townshipID); err != nil {
			return err
		}
	}
	if err := fn(tx, t); err != nil {
		return err
	}
	return tx.Commit()
}

// signupTownship finds the township a sign-up belongs to, before locking it.
func (s *Store) signupTownship(ctx context.Context, where string, args ...any) (int64, error) {
	var tid int64
	err := s.DB.GetContext(ctx, &tid, `SELECT township_id FROM tour_signups WHERE `+where, args...)
	return tid, err
}

var errMoved = web.Conflict("retry", "报名信息刚刚发生变化，请刷新后重试")

// Tour returns one tour.
func (s *Store) Tour(ctx context.Context, id int64) (Tour, error) {
	var t Tour
	err := s.DB.GetContext(ctx, &t, `SELECT `+tourCols+` FROM tours t WHERE t.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return t, web.NotFound("找不到该考察活动")
	}
	return t, err
}

// TourInput is what an admin enters for a tour.
type TourInput struct {
	Title          string        `json:"title"`
	Destination    string        `json:"destination"`
	Itinerary      string        `json:"itinerary"`
	StartsOn       string        `json:"starts_on"` // YYYY-MM-DD
	EndsOn         string        `json:"ends_on"`
	TotalSeats     int           `json:"total_seats"`
	SignupOpensAt  string        `json:"signup_opens_at"` // RFC 3339 or "YYYY-MM-DDTHH:MM" (China time)
	SignupClosesAt string        `json:"signup_closes_at"`
	CancelDeadline string        `json:"cancel_deadline"`
	RequireCourses bool          `json:"require_courses"`
	Status         string        `json:"status"`
	Quotas         map[int64]int `json:"quotas"` // township id → seats
}

type parsedTour struct {
	startsOn, endsOn, opens, closes, cancel time.Time
}

// validate checks the fields that do not depend on stored data.
func (in *TourInput) validate() (parsedTour, map[string]string) {
	var p parsedTour
	f := map[string]string{}
	if in.Title == "" {
		f["title"] = "请填写考察名称"
	} else if len([]rune(in.Title)) > 100 {
		f["title"] = "名称不能超过 100 字"
	}
	if in.Destination == "" {
		f["destination"] = "请填写考察地点"
	} else if len([]rune(in.Destination)) > 100 {
		f["destination"] = "考察地点不能超过 100 字"
	}
	if len(in.Itinerary) > 50000 {
		f["itinerary"] = "行程安排过长"
	}
	// Text PostgreSQL cannot store (NUL, invalid UTF-8) or that would display as something
	// else (control and bidi characters) is refused by field, never passed on.
	for _, t := range []struct {
		field, value string
		multiline    bool
	}{{"title", in.Title, false}, {"destination", in.Destination, false}, {"itinerary", in.Itinerary, true},
		{"status", in.Status, false}} {
		if web.BadText(t.value, t.multiline) {
			f[t.field] = web.BadTextMessage
		}
	}
	when := func(field, v string, parse func(string) (time.Time, bool), missing string) time.Time {
		t, ok := parse(v)
		switch {
		case !ok:
			f[field] = missing
		case t.In(web.China).Year() < minYear || t.In(web.China).Year() > maxYear:
			f[field] = fmt.Sprintf("日期应在 %d 年至 %d 年之间", minYear, maxYear)
			return time.Time{}
		}
		return t
	}
	p.startsOn = when("starts_on", in.StartsOn, parseDate, "请填写出发日期")
	p.endsOn = when("ends_on", in.EndsOn, parseDate, "请填写返回日期")
	if f["ends_on"] == "" && !p.startsOn.IsZero() && p.endsOn.Before(p.startsOn) {
		f["ends_on"] = "返回日期不能早于出发日期"
	}
	p.opens = when("signup_opens_at", in.SignupOpensAt, parseWhen, "请填写报名开始时间")
	p.closes = when("signup_closes_at", in.SignupClosesAt, parseWhen, "请填写报名截止时间")
	if f["signup_closes_at"] == "" && !p.opens.IsZero() && !p.closes.After(p.opens) {
		f["signup_closes_at"] = "报名截止时间应晚于开始时间"
	}
	p.cancel = when("cancel_deadline", in.CancelDeadline, parseWhen, "请填写取消报名截止时间")
	switch {
	case f["status"] != "":
	case in.Status == TourDraft, in.Status == TourOpen, in.Status == TourClosed, in.Status == TourDone:
	case in.Status == "":
		in.Status = TourDraft
	default:
		f["status"] = "状态不正确"
	}
	return p, f
}

// minYear and maxYear bound every date of a tour: a mistyped year (0000, 0026) is refused
// as a field error instead of reaching PostgreSQL, which cannot store year 0.
const minYear, maxYear = 2000, 2100

func parseDate(v string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02", v, time.UTC)
	return t, err == nil
}

func parseWhen(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05"} {
		var t time.Time
		var err error
		if layout == time.RFC3339 {
			t, err = time.Parse(layout, v)
		} else {
			t, err = time.ParseInLocation(layout, v, web.China)
		}
		if err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// townshipNames returns id → name for every township.
func (s *Store) townshipNames(ctx context.Context, q sqlx.QueryerContext) (map[int64]string, error) {
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

func quotaFieldsCheck(in TourInput, names map[int64]string, f map[string]string) {
	for tid := range in.Quotas {
		if _, ok := names[tid]; !ok {
			f[fmt.Sprintf("quota_%d", tid)] = "乡镇不存在"
		}
	}
}

// CreateTour saves a new tour with its quotas.
func (s *Store) CreateTour(ctx context.Context, in TourInput, actorID int64) (int64, error) {
	p, f := in.validate()
	names, err := s.townshipNames(ctx, s.DB)
	if err != nil {
		return 0, err
	}
	quotaFieldsCheck(in, names, f)
	for k, v := range QuotaProblems(in.TotalSeats, in.Quotas, nil, names) {
		f[k] = v
	}
	if len(f) > 0 {
		return 0, web.Invalid("", f)
	}
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var id int64
	err = tx.GetContext(ctx, &id, `INSERT INTO tours (title, destination, itinerary, starts_on, ends_on, total_seats,
		signup_opens_at, signup_closes_at, cancel_deadline, require_courses, status, created_by)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,NULLIF($12,0::bigint)) RETURNING id`,
		in.Title, in.Destination, in.Itinerary, p.startsOn, p.endsOn, in.TotalSeats, p.opens, p.closes, p.cancel,
		in.RequireCourses, in.Status, actorID)
	if err != nil {
		return 0, err
	}
	if err := saveQuotas(ctx, tx, id, in.Quotas); err != nil {
		return 0, err
	}
	if err := event(ctx, tx, id, 0, actorID, "create", "", in.Status, ""); err != nil {
		return 0, err
	}
	return id, tx.Commit()
}

func saveQuotas(ctx context.Context, tx *sqlx.Tx, tourID int64, quotas map[int64]int) error {
	ids, seats := make([]int64, 0, len(quotas)), make([]int64, 0, len(quotas))
	for tid, q := range quotas {
		ids, seats = append(ids, tid), append(seats, int64(q))
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM tour_quotas WHERE tour_id = $1 AND NOT (township_id = ANY($2))`, tourID, pq.Array(ids)); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO tour_quotas (tour_id, township_id, seats)
		SELECT $1, * FROM unnest($2::bigint[], $3::int[])
		ON CONFLICT (tour_id, township_id) DO UPDATE SET seats = EXCLUDED.seats`, tourID, pq.Array(ids), pq.Array(seats))
	return err
}

// heldByTownship counts the seats each township holds on the tour.
func heldByTownship(ctx context.Context, q sqlx.QueryerContext, tourID int64) (map[int64]int, error) {
	var rows []struct {
		TownshipID int64 `db:"township_id"`
		N          int   `db:"n"`
	}
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT township_id, count(*) AS n FROM tour_signups
		WHERE tour_id = $1 AND status IN ('pending','approved','confirmed') GROUP BY township_id`, tourID)
	m := map[int64]int{}
	for _, r := range rows {
		m[r.TownshipID] = r.N
	}
	return m, err
}

// UpdateTour changes a tour. Quotas may shrink only down to the seats already held; when
// they grow, the waiting lists move up at once.
func (s *Store) UpdateTour(ctx context.Context, id int64, in TourInput, actorID int64) error {
	p, f := in.validate()
	return s.withTour(ctx, id, func(tx *sqlx.Tx, old Tour) error {
		names, err := s.townshipNames(ctx, tx)
		if err != nil {
			return err
		}
		quotaFieldsCheck(in, names, f)
		held, err := heldByTownship(ctx, tx, id)
		if err != nil {
			return err
		}
		for k, v := range QuotaProblems(in.TotalSeats, in.Quotas, held, names) {
			f[k] = v
		}
		if len(f) > 0 {
			return web.Invalid("", f)
		}
		_, err = tx.ExecContext(ctx, `UPDATE tours SET title=$2, destination=$3, itinerary=$4, starts_on=$5, ends_on=$6,
			total_seats=$7, signup_opens_at=$8, signup_closes_at=$9, cancel_deadline=$10, require_courses=$11, status=$12,
			updated_at=now() WHERE id=$1`,
			id, in.Title, in.Destination, in.Itinerary, p.startsOn, p.endsOn, in.TotalSeats, p.opens, p.closes, p.cancel,
			in.RequireCourses, in.Status)
		if err != nil {
			return err
		}
		if err := saveQuotas(ctx, tx, id, in.Quotas); err != nil {
			return err
		}
		if err := event(ctx, tx, id, 0, actorID, "update", old.Status, in.Status, ""); err != nil {
			return err
		}
		for tid := range in.Quotas {
			if err := promote(ctx, tx, id, tid, actorID); err != nil {
				return err
			}
		}
		return nil
	})
}

func event(ctx context.Context, tx *sqlx.Tx, tourID, signupID, actorID int64, action, from, to, reason string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO tour_events (tour_id, signup_id, actor_id, action, from_status, to_status, reason)
		VALUES ($1, NULLIF($2,0::bigint), NULLIF($3,0::bigint), $4, $5, $6, $7)`, tourID, signupID, actorID, action, from, to, reason)
	return err
}

func message(ctx context.Context, tx *sqlx.Tx, userID, tourID int64, body string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO tour_messages (user_id, tour_id, body) VALUES ($1, $2, $3)`, userID, tourID, body)
	return err
}

// seats returns the township's quota, the seats it holds and the seats the whole tour holds.
func seats(ctx context.Context, tx *sqlx.Tx, tourID, townshipID int64) (quota, held, totalHeld int, err error) {
	err = tx.QueryRowxContext(ctx, `SELECT
		COALESCE((SELECT seats FROM tour_quotas WHERE tour_id = $1 AND township_id = $2), 0),
		count(*) FILTER (WHERE township_id = $2),
		count(*)
		FROM tour_signups WHERE tour_id = $1 AND status IN ('pending','approved','confirmed')`, tourID, townshipID).
		Scan(&quota, &held, &totalHeld)
	return
}

// promote moves the township's earliest waiters into the seats it has free.
func promote(ctx context.Context, tx *sqlx.Tx, tourID, townshipID, actorID int64) error {
	var t struct {
		Title string `db:"title"`
		Total int    `db:"total_seats"`
	}
	if err := tx.GetContext(ctx, &t, `SELECT title, total_seats FROM tours WHERE id = $1`, tourID); err != nil {
		return err
	}
	quota, held, totalHeld, err := seats(ctx, tx, tourID, townshipID)
	if err != nil {
		return err
	}
	// Quotas add up to at most the total, but stay safe should they ever not.
	if room := held + t.Total - totalHeld; room < quota {
		quota = room
	}
	if held >= quota {
		return nil
	}
	var rows []struct {
		ID     int64 `db:"id"`
		UserID int64 `db:"user_id"`
		Seq    int64 `db:"queue_seq"`
	}
	if err := tx.SelectContext(ctx, &rows, `SELECT id, user_id, queue_seq FROM tour_signups
		WHERE tour_id = $1 AND township_id = $2 AND status = 'waitlisted' ORDER BY queue_seq LIMIT $3`,
		tourID, townshipID, quota-held); err != nil {
		return err
	}
	waiting := make([]Waiter, len(rows))
	users := map[int64]int64{}
	for i, r := range rows {
		waiting[i] = Waiter{SignupID: r.ID, QueueSeq: r.Seq}
		users[r.ID] = r.UserID
	}
	for _, w := range Promote(quota, held, waiting) {
		if _, err := tx.ExecContext(ctx, `UPDATE tour_signups SET status = 'pending', updated_at = now() WHERE id = $1`, w.SignupID); err != nil {
			return err
		}
		if err := event(ctx, tx, tourID, w.SignupID, actorID, "promote", StatusWaitlisted, StatusPending, "有名额空出，按候补顺序递补"); err != nil {
			return err
		}
		if err := message(ctx, tx, users[w.SignupID], tourID, "您在「"+t.Title+"」的候补已递补为正式名额，等待乡镇组织委员审核。"); err != nil {
			return err
		}
	}
	return nil
}

// Signup signs the user up for the tour: a seat while the township's quota lasts, else
// its waiting list. nominatorID is the organizer who nominated the user (0 = self).
func (s *Store) Signup(ctx context.Context, tourID, userID int64, note string, nominatorID int64) (status string, err error) {
	var u struct {
		Role       string        `db:"role"`
		Active     bool          `db:"active"`
		TownshipID sql.NullInt64 `db:"township_id"`
	}
	err = s.DB.GetContext(ctx, &u, `SELECT role, active, township_id FROM users WHERE id = $1`, userID)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (u.Role != "secretary" || !u.Active || !u.TownshipID.Valid) {
		return "", web.NotFound("找不到该支部书记")
	}
	if err != nil {
		return "", err
	}
	township := u.TownshipID.Int64
	err = s.withLock(ctx, tourID, township, func(tx *sqlx.Tx, t Tour) error {
		if t.Status == TourDraft {
			return web.NotFound("找不到该考察活动")
		}
		if why := SignupRefusal(t.window(), s.Now()); why != "" {
			return web.Conflict("signup_closed", why)
		}
		var prev struct {
			Status string `db:"status"`
		}
		err := tx.GetContext(ctx, &prev, `SELECT status FROM tour_signups WHERE tour_id = $1 AND user_id = $2 FOR UPDATE`, tourID, userID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		switch {
		case Active(prev.Status):
			return web.Conflict("already_signed_up", "已报名该考察活动（"+StatusName(prev.Status)+"），不能重复报名")
		case prev.Status == StatusRejected:
			return web.Conflict("already_rejected", "该报名未通过审核，不能再次报名；如有疑问请联系乡镇组织委员")
		}
		if t.RequireCourses {
			why, err := CheckEligibility(ctx, tx, userID, t.StartsOn.Year())
			if err != nil {
				return err
			}
			if why != "" {
				return web.Conflict("not_eligible", why)
			}
		}
		quota, held, totalHeld, err := seats(ctx, tx, tourID, township)
		if err != nil {
			return err
		}
		if quota == 0 {
			return web.Conflict("no_quota", "本次考察没有给您所在乡镇分配名额")
		}
		status = Place(quota, held)
		if status == StatusPending && totalHeld >= t.TotalSeats {
			status = StatusWaitlisted
		}
		var id int64
		err = tx.GetContext(ctx, &id, `INSERT INTO tour_signups (tour_id, user_id, township_id, status, note, nominated_by)
			VALUES ($1, $2, $3, $4, $5, NULLIF($6,0::bigint))
			ON CONFLICT (tour_id, user_id) DO UPDATE SET status = EXCLUDED.status, note = EXCLUDED.note, reason = '',
				nominated_by = EXCLUDED.nominated_by, township_id = EXCLUDED.township_id,
				queue_seq = nextval('tour_queue_seq'), created_at = now(), updated_at = now()
			RETURNING id`, tourID, userID, township, status, note, nominatorID)
		if err != nil {
			return err
		}
		action := "signup"
		if nominatorID != 0 {
			action = "nominate"
		}
		if err := event(ctx, tx, tourID, id, pick(nominatorID, userID), action, prev.Status, status, note); err != nil {
			return err
		}
		body := "您已报名「" + t.Title + "」，等待乡镇组织委员审核。"
		if nominatorID != 0 {
			body = "乡镇组织委员推荐您参加「" + t.Title + "」，等待审核。"
		}
		if status == StatusWaitlisted {
			body = "「" + t.Title + "」本乡镇名额已满，您已进入候补名单，有名额空出时将按顺序自动递补。"
		}
		return message(ctx, tx, userID, tourID, body)
	})
	return status, err
}

func pick(a, b int64) int64 {
	if a != 0 {
		return a
	}
	return b
}

// Cancel withdraws the user's sign-up before the cancellation deadline; a freed seat goes
// to the first waiter of the same township.
func (s *Store) Cancel(ctx context.Context, tourID, userID int64) error {
	township, err := s.signupTownship(ctx, `tour_id = $1 AND user_id = $2`, tourID, userID)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := s.Tour(ctx, tourID); err != nil {
			return err
		}
		return web.NotFound("您没有报名该考察活动")
	}
	if err != nil {
		return err
	}
	return s.withLock(ctx, tourID, township, func(tx *sqlx.Tx, t Tour) error {
		var su struct {
			ID         int64  `db:"id"`
			Status     string `db:"status"`
			TownshipID int64  `db:"township_id"`
		}
		err := tx.GetContext(ctx, &su, `SELECT id, status, township_id FROM tour_signups WHERE tour_id = $1 AND user_id = $2 FOR UPDATE`, tourID, userID)
		if err != nil {
			return err
		}
		if su.TownshipID != township {
			return errMoved
		}
		if !Active(su.Status) {
			return web.NotFound("您没有可取消的报名")
		}
		if why := CancelRefusal(t.window(), su.Status, s.Now()); why != "" {
			return web.Conflict("cancel_deadline_passed", why)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tour_signups SET status = 'cancelled', updated_at = now() WHERE id = $1`, su.ID); err != nil {
			return err
		}
		if err := event(ctx, tx, tourID, su.ID, userID, "cancel", su.Status, StatusCancelled, ""); err != nil {
			return err
		}
		if err := message(ctx, tx, userID, tourID, "您已取消「"+t.Title+"」的报名。"); err != nil {
			return err
		}
		if HoldsSeat(su.Status) {
			return promote(ctx, tx, tourID, su.TownshipID, userID)
		}
		return nil
	})
}

// Actor is who approves or rejects.
type Actor struct {
	UserID int64
	Role   string
	Scope  web.Scope
}

// Decide approves (reason ignored) or rejects a sign-up of the tour. Sign-ups outside the
// actor's township are refused (403), as the issue asks.
func (s *Store) Decide(ctx context.Context, tourID, signupID int64, a Actor, approve bool, reason string) (status string, err error) {
	if !approve && reason == "" {
		return "", web.Invalid("请填写驳回理由", map[string]string{"reason": "请填写驳回理由"})
	}
	if len([]rune(reason)) > 500 {
		return "", web.Invalid("驳回理由不能超过 500 字", map[string]string{"reason": "不能超过 500 字"})
	}
	if e := web.CheckText("reason", reason, true); e != nil {
		return "", e
	}
	township, err := s.signupTownship(ctx, `id = $1 AND tour_id = $2`, signupID, tourID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", web.NotFound("找不到该报名记录")
	}
	if err != nil {
		return "", err
	}
	if !a.Scope.Allows(township) {
		return "", web.Forbidden("该报名不属于您管理的乡镇，只能审核本乡镇的报名")
	}
	err = s.withLock(ctx, tourID, township, func(tx *sqlx.Tx, t Tour) error {
		var su struct {
			UserID     int64  `db:"user_id"`
			Status     string `db:"status"`
			TownshipID int64  `db:"township_id"`
		}
		err := tx.GetContext(ctx, &su, `SELECT user_id, status, township_id FROM tour_signups
			WHERE id = $1 AND tour_id = $2 FOR UPDATE`, signupID, tourID)
		if err != nil {
			return err
		}
		if su.TownshipID != township {
			return errMoved
		}
		var d Decision
		if approve {
			d = Approve(a.Role, su.Status)
		} else {
			d = Reject(a.Role, su.Status)
		}
		if d.Refuse != "" {
			return web.Conflict("invalid_transition", d.Refuse)
		}
		status = d.To
		if _, err := tx.ExecContext(ctx, `UPDATE tour_signups SET status = $2, reason = $3, updated_at = now() WHERE id = $1`,
			signupID, d.To, reason); err != nil {
			return err
		}
		action := map[bool]string{true: "approve", false: "reject"}[approve]
		if approve && a.Role == "admin" {
			action = "final_approve"
		}
		if err := event(ctx, tx, tourID, signupID, a.UserID, action, su.Status, d.To, reason); err != nil {
			return err
		}
		var body string
		switch {
		case d.To == StatusApproved:
			body = "您报名的「" + t.Title + "」已通过乡镇审核，等待县委组织部终审。"
		case d.To == StatusConfirmed:
			body = "您报名的「" + t.Title + "」已通过县委组织部终审，请按时参加。"
		default:
			body = "您报名的「" + t.Title + "」未通过审核。理由：" + reason
		}
		if err := message(ctx, tx, su.UserID, tourID, body); err != nil {
			return err
		}
		if d.To == StatusRejected && HoldsSeat(su.Status) {
			return promote(ctx, tx, tourID, su.TownshipID, a.UserID)
		}
		return nil
	})
	return status, err
}
