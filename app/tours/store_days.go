package tours

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"zhibu/app/roll"
	"zhibu/app/web"
)

// A tour's days (考察日程) and their roll call (migrations/00076_tour_days.sql). The roll
// call is app/roll, the one classes use too: on a day's roll are the tour's confirmed
// participants; an organizer marks the own township's, an admin everyone.

// The days' errors (beside errors.go, so the days stay one part of the tours that can be
// read alone); Mount maps dayErrorTable, and roll.Errors for the roll call's refusals.
var (
	ErrDayNotFound   = errors.New("tour day not found")
	ErrDayTaken      = errors.New("tour day exists")
	ErrDayMarked     = errors.New("tour day has attendance")
	ErrDayNotOpen    = errors.New("tour day's roll call not open")
	ErrDaysAdminOnly = errors.New("tour days are the county's")
)

var dayErrorTable = web.ErrorTable{
	ErrDayNotFound:   web.NotFound("找不到该考察日程"),
	ErrDayTaken:      web.Conflict("day_exists", "这一天已在日程中"),
	ErrDayMarked:     web.Conflict("day_marked", "这一天已经点过名，不能删除"),
	ErrDayNotOpen:    web.Conflict("roll_closed", "现在不能为这一天点名"),
	ErrDaysAdminOnly: web.Forbidden("考察日程由县委组织部安排"),
}

// dayTables are the tours' roll-call tables.
var dayTables = roll.Tables{Owner: "tour_id", Sessions: "tour_days", People: "tour_signups",
	Counts: "p.status = 'confirmed'", Attendance: "tour_attendance", Session: "day_id"}

// Locking: adding or deleting a day holds the tour row FOR UPDATE (its dates cannot
// change meanwhile), then the day row. A roll call holds the tour row FOR SHARE, the day
// row FOR SHARE (days are marked in parallel; deleting one waits), then the sign-up rows
// of the people it marks FOR UPDATE in user id order (roll.Tables.Mark). A sign-up change
// (app/seats) takes the tour FOR SHARE, the quota row, then one sign-up row; a roll call
// never takes a quota row.

// Day is one day of a tour with its roll call at a glance (of the viewer's scope).
type Day struct {
	ID       int64  `db:"id" json:"id"`
	TourID   int64  `db:"tour_id" json:"tour_id"`
	Day      string `db:"day" json:"day"` // YYYY-MM-DD
	Title    string `db:"title" json:"title"`
	People   int    `db:"people" json:"people"`     // confirmed participants on the roll
	Marked   int    `db:"marked" json:"marked"`     // of them, marked
	Attended int    `db:"attended" json:"attended"` // of them, present or late
}

// Date is the day as a date.
func (d Day) Date() time.Time { t, _ := time.Parse(web.DateLayout, d.Day); return t }

// Label is the day as people read it: 5月12日 第一天.
func (d Day) Label() string {
	l := d.Date().Format("1月2日")
	if d.Title != "" {
		l += " " + d.Title
	}
	return l
}

// DayInput is a day to add: {"day":"2026-05-12","title":"瞻仰革命旧址"}.
type DayInput struct {
	Day   string `json:"day"`
	Title string `json:"title"`
}

// MaxDayTitle bounds a day's title (runes).
const MaxDayTitle = 50

// validate checks the input against the tour's dates.
func (in *DayInput) validate(t Tour) error {
	in.Title = strings.TrimSpace(in.Title)
	errs := web.FieldErrors{}
	d, ok := web.ParseDate(in.Day)
	first, last := t.StartsOn.Format(web.DateLayout), t.EndsOn.Format(web.DateLayout)
	switch {
	case strings.TrimSpace(in.Day) == "":
		errs["day"] = "请选择日期"
	case !ok:
		errs["day"] = "日期格式应为 2026-05-12"
	case d.Format(web.DateLayout) < first || d.Format(web.DateLayout) > last:
		errs["day"] = fmt.Sprintf("应在考察日期 %s 至 %s 之内", first, last)
	}
	if ok {
		in.Day = d.Format(web.DateLayout)
	}
	switch {
	case utf8.RuneCountInString(in.Title) > MaxDayTitle:
		errs["title"] = fmt.Sprintf("不能超过 %d 字", MaxDayTitle)
	case web.BadText(in.Title, false):
		errs["title"] = web.BadTextMessage
	}
	if len(errs) > 0 {
		return web.Invalidf("请检查日程", errs)
	}
	return nil
}

// dayCols reads a day with its roll at a glance in the township $2 (NULL: all).
const dayCols = `d.id, d.tour_id, to_char(d.day, 'YYYY-MM-DD') AS day, d.title,
	count(p.user_id) AS people, count(a.user_id) AS marked,
	count(a.user_id) FILTER (WHERE ` + roll.AttendedSQL + `) AS attended`

const dayFrom = ` FROM tour_days d
	LEFT JOIN tour_signups p ON p.tour_id = d.tour_id AND p.status = 'confirmed' AND ($2::bigint IS NULL OR p.township_id = $2)
	LEFT JOIN tour_attendance a ON a.day_id = d.id AND a.user_id = p.user_id`

// Days returns the tour as the viewer sees it (drafts: admins only) and its days with
// the roll of the viewer's scope. Locks: none.
func (s *Store) Days(ctx context.Context, me *web.Identity, tourID int64) (TourView, []Day, error) {
	v, err := s.View(ctx, me, tourID)
	if err != nil {
		return v, nil, err
	}
	days := []Day{}
	err = s.db.SelectContext(ctx, &days, `SELECT `+dayCols+dayFrom+`
		WHERE d.tour_id = $1 GROUP BY d.id ORDER BY d.day`, tourID, web.ScopeOf(me).Township())
	return v, days, err
}

// OneDay returns a day of the tour with the roll of the viewer's scope (ErrDayNotFound:
// none, or another tour's). Locks: none.
func (s *Store) OneDay(ctx context.Context, me *web.Identity, tourID, dayID int64) (TourView, Day, error) {
	v, err := s.View(ctx, me, tourID)
	if err != nil {
		return v, Day{}, err
	}
	var d Day
	err = s.db.GetContext(ctx, &d, `SELECT `+dayCols+dayFrom+`
		WHERE d.tour_id = $1 AND d.id = $3 GROUP BY d.id`, tourID, web.ScopeOf(me).Township(), dayID)
	if errors.Is(err, sql.ErrNoRows) {
		return v, d, ErrDayNotFound
	}
	return v, d, err
}

// AddDay adds a day within the tour's dates (admins; each date once). Locks: the tour row.
func (s *Store) AddDay(ctx context.Context, me *web.Identity, tourID int64, in DayInput) (Day, error) {
	var d Day
	err := s.withTour(ctx, tourID, func(tx *sqlx.Tx, t Tour) error {
		if me.Role != web.RoleAdmin {
			return ErrDaysAdminOnly
		}
		if err := in.validate(t); err != nil {
			return err
		}
		err := tx.GetContext(ctx, &d, `INSERT INTO tour_days (tour_id, day, title) VALUES ($1, $2, $3)
			ON CONFLICT (tour_id, day) DO NOTHING
			RETURNING id, tour_id, to_char(day, 'YYYY-MM-DD') AS day, title`, tourID, in.Day, in.Title)
		if errors.Is(err, sql.ErrNoRows) {
			return refuse(ErrDayTaken, in.Day+" 已在日程中，不能重复添加")
		}
		return err
	})
	return d, err
}

// DeleteDay deletes a day nobody was marked at yet (admins). Locks: the tour row, the day row.
func (s *Store) DeleteDay(ctx context.Context, me *web.Identity, tourID, dayID int64) error {
	return s.withTour(ctx, tourID, func(tx *sqlx.Tx, t Tour) error {
		if me.Role != web.RoleAdmin {
			return ErrDaysAdminOnly
		}
		var id int64
		err := tx.GetContext(ctx, &id, `SELECT id FROM tour_days WHERE id = $1 AND tour_id = $2 FOR UPDATE`, dayID, tourID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrDayNotFound
		}
		if err != nil {
			return err
		}
		marked, err := dayTables.Marked(ctx, tx, dayID)
		if err != nil {
			return err
		}
		if marked {
			return ErrDayMarked
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM tour_days WHERE id = $1`, dayID)
		return err
	})
}

// withDay runs fn in a transaction holding the tour row and the day row in share mode,
// once the viewer may take the day's roll call now (a draft is not found for organizers;
// a day to come refused: roll.DayRefusal).
func (s *Store) withDay(ctx context.Context, me *web.Identity, tourID, dayID int64, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var status string
	err = tx.GetContext(ctx, &status, `SELECT status FROM tours WHERE id = $1 FOR SHARE`, tourID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && status == TourDraft && me.Role != web.RoleAdmin) {
		return ErrTourNotFound
	}
	if err != nil {
		return err
	}
	var day time.Time
	err = tx.GetContext(ctx, &day, `SELECT day FROM tour_days WHERE id = $1 AND tour_id = $2 FOR SHARE`, dayID, tourID)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrDayNotFound
	}
	if err != nil {
		return err
	}
	if why := roll.DayRefusal(s.now(), day); why != "" {
		return refuse(ErrDayNotOpen, why)
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// MarkDay records a day's roll call (roll.Tables.Mark): every record must be a confirmed
// participant of the viewer's scope, or nothing is saved and the refusal names the
// record. Locks: as withDay, then the sign-up rows in user id order.
func (s *Store) MarkDay(ctx context.Context, me *web.Identity, tourID, dayID int64, in roll.Input) (int, error) {
	if errs := in.Validate(); errs != nil {
		return 0, web.Invalidf("请检查考勤记录", errs)
	}
	n := 0
	err := s.withDay(ctx, me, tourID, dayID, func(tx *sqlx.Tx) error {
		var err error
		n, err = dayTables.Mark(ctx, tx, tourID, dayID, web.ScopeOf(me).Township(), in, me.UserID)
		return err
	})
	return n, err
}

// MarkDayAll marks every confirmed participant of the viewer's scope not marked yet at
// the day present (roll.Tables.MarkAll). Locks: as withDay.
func (s *Store) MarkDayAll(ctx context.Context, me *web.Identity, tourID, dayID int64) (int, error) {
	n := 0
	err := s.withDay(ctx, me, tourID, dayID, func(tx *sqlx.Tx) error {
		var err error
		n, err = dayTables.MarkAll(ctx, tx, tourID, dayID, web.ScopeOf(me).Township(), me.UserID)
		return err
	})
	return n, err
}

// DayRoll is one page of a day's roll call as the viewer sees it.
type DayRoll struct {
	Tour      TourView
	Day       Day
	Why       string // why the roll call cannot be taken now ("": it can)
	Tally     roll.Tally
	People    []roll.Person
	Townships []roll.TownshipRoll
}

// DayRoll reads a page of the day's roll (roll.List) in the viewer's scope with its tally
// and the roll per township. Locks: none.
func (s *Store) DayRoll(ctx context.Context, me *web.Identity, tourID, dayID int64, f roll.Filter) (DayRoll, error) {
	var r DayRoll
	var err error
	if r.Tour, r.Day, err = s.OneDay(ctx, me, tourID, dayID); err != nil {
		return r, err
	}
	r.Why = roll.DayRefusal(s.now(), r.Day.Date())
	scope := web.ScopeOf(me).Township()
	if r.Tally, err = dayTables.Count(ctx, s.db, tourID, dayID, scope, f); err != nil {
		return r, err
	}
	if r.People, err = roll.List[roll.Person](ctx, s.db, dayTables, tourID, dayID, scope, f); err != nil {
		return r, err
	}
	r.Townships, err = dayTables.ByTownship(ctx, s.db, tourID, dayID, scope)
	return r, err
}

// DayToDo is today's tour day with people of the viewer's scope still unmarked (the
// home card 今日点名).
type DayToDo struct {
	Day
	Tour string `db:"tour"` // the tour's title
}

// TodayDay finds today's (China) day of a tour past draft whose roll in the viewer's
// scope (an organizer's township, an admin's all) still has people unmarked, and returns
// the first (nil: none). One round trip. Locks: none.
func (s *Store) TodayDay(ctx context.Context, me *web.Identity) (*DayToDo, error) {
	var rows []DayToDo
	err := s.db.SelectContext(ctx, &rows, `SELECT `+dayCols+`, t.title AS tour`+dayFrom+`
		JOIN tours t ON t.id = d.tour_id AND t.status <> $3
		WHERE d.day = $1::date GROUP BY d.id, t.title HAVING count(p.user_id) > count(a.user_id)
		ORDER BY d.tour_id, d.id LIMIT 1`, s.now().In(web.China).Format(web.DateLayout), web.ScopeOf(me).Township(), TourDraft)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return &rows[0], nil
}

// DaysAttended is the roster's 「出勤天数」 (AttendanceColumn): how many days the tour has,
// and for each person how many of them they attended (roll.AttendedSQL). One round trip.
// Locks: none.
func (s *Store) DaysAttended(ctx context.Context, tourID int64) (days int, attended map[int64]int, err error) {
	var rows []struct {
		UserID   int64 `db:"user_id"`
		Days     int   `db:"days"`
		Attended int   `db:"attended"`
	}
	// The days' count rides on every row, and on a row of user 0 when nobody attended.
	err = s.db.SelectContext(ctx, &rows, `
		WITH d AS (SELECT id FROM tour_days WHERE tour_id = $1)
		SELECT a.user_id, (SELECT count(*) FROM d) AS days, count(*) AS attended
		FROM tour_attendance a WHERE a.day_id IN (SELECT id FROM d) AND `+roll.AttendedSQL+`
		GROUP BY a.user_id
		UNION ALL SELECT 0, (SELECT count(*) FROM d), 0`, tourID)
	attended = make(map[int64]int, len(rows))
	for _, r := range rows {
		days = r.Days
		if r.UserID != 0 {
			attended[r.UserID] = r.Attended
		}
	}
	return days, attended, err
}

// seedDays gives a demo tour a day per date; a tour that is over gets its roll call:
// everyone present, on the last day one person absent and another on leave.
func (s *Store) seedDays(ctx context.Context, t Tour, admin int64, over bool) error {
	me := &web.Identity{UserID: admin, Role: web.RoleAdmin}
	names := []string{"第一天", "第二天", "第三天", "第四天", "第五天", "第六天", "第七天"}
	var last Day
	for i, d := 0, t.StartsOn; !d.After(t.EndsOn) && i < len(names); i, d = i+1, d.AddDate(0, 0, 1) {
		day, err := s.AddDay(ctx, me, t.ID, DayInput{Day: d.Format(web.DateLayout), Title: names[i]})
		if errors.Is(err, ErrDayTaken) {
			continue
		}
		if err != nil {
			return err
		}
		if over {
			if _, err := s.MarkDayAll(ctx, me, t.ID, day.ID); err != nil {
				return err
			}
		}
		last = day
	}
	if !over || last.ID == 0 {
		return nil
	}
	// The exceptions of the last day: one person absent, another on leave.
	_, err := s.db.ExecContext(ctx, `UPDATE tour_attendance a SET status = CASE WHEN a.user_id = x.hi THEN 'absent' ELSE 'leave' END
		FROM (SELECT max(user_id) AS hi, min(user_id) AS lo FROM tour_signups WHERE tour_id = $2 AND status = 'confirmed') x
		WHERE a.day_id = $1 AND a.user_id IN (x.hi, x.lo)`, last.ID, t.ID)
	return err
}
