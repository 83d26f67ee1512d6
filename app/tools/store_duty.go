package tools

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

// DutyStore holds all SQL of the 履职清单 (tool_duty_ticks, tool_duty_terms,
// migrations/00073). Everything is the caller's own: every query is bound to me.UserID,
// whatever the role; nobody reads another person's ticks or term start.
type DutyStore struct {
	db  *sqlx.DB
	now func() time.Time // the clock; time.Now in production
}

// NewDutyStore returns the 履职清单's store on db.
func NewDutyStore(db *sqlx.DB) *DutyStore { return &DutyStore{db: db, now: time.Now} }

// today is the current day in China.
func (s *DutyStore) today() time.Time { return s.now().In(web.China) }

// DutyState is what the caller has stored for a year, plus the kind of their branch.
type DutyState struct {
	Kind      string               // the caller's branch kind, "" without a branch
	TermStart *time.Time           // the date of the last 换届, nil when not entered
	Ticks     map[string]time.Time // item key → when it was ticked
}

// State reads the caller's branch kind, term start and ticks of year, in one read-only
// transaction. Locks: none (reads).
func (s *DutyStore) State(ctx context.Context, me *web.Identity, year int) (DutyState, error) {
	st := DutyState{Ticks: map[string]time.Time{}}
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return st, err
	}
	defer tx.Rollback()
	if me.BranchID != 0 {
		err := tx.GetContext(ctx, &st.Kind, `SELECT kind FROM branches WHERE id = $1`, me.BranchID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return st, err
		}
	}
	var start time.Time
	err = tx.GetContext(ctx, &start, `SELECT term_start FROM tool_duty_terms WHERE user_id = $1`, me.UserID)
	switch {
	case err == nil:
		d := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, web.China)
		st.TermStart = &d
	case !errors.Is(err, sql.ErrNoRows):
		return st, err
	}
	var rows []struct {
		Key string    `db:"item_key"`
		At  time.Time `db:"ticked_at"`
	}
	if err := tx.SelectContext(ctx, &rows, `SELECT item_key, ticked_at FROM tool_duty_ticks
		WHERE user_id = $1 AND year = $2`, me.UserID, year); err != nil {
		return st, err
	}
	for _, r := range rows {
		st.Ticks[r.Key] = r.At
	}
	return st, tx.Commit()
}

// Tick marks the caller's item key done. Ticking twice keeps the first tick (idempotent).
// A key that is no item of an allowed year is a field error. One statement. Locks: the
// tick's primary key.
func (s *DutyStore) Tick(ctx context.Context, me *web.Identity, key string) error {
	year, fe := CheckDutyKey(key, s.today())
	if fe != nil {
		return web.Invalidf(dutyMessage(fe), fe)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO tool_duty_ticks (user_id, year, item_key) VALUES ($1, $2, $3)
		ON CONFLICT (user_id, year, item_key) DO NOTHING`, me.UserID, year, key)
	return err
}

// Untick removes the caller's tick of key; removing a tick that is not there is fine.
// One statement. Locks: the tick's primary key.
func (s *DutyStore) Untick(ctx context.Context, me *web.Identity, key string) error {
	year, fe := CheckDutyKey(key, s.today())
	if fe != nil {
		return web.Invalidf(dutyMessage(fe), fe)
	}
	_, err := s.db.ExecContext(ctx, `DELETE FROM tool_duty_ticks WHERE user_id = $1 AND year = $2 AND item_key = $3`,
		me.UserID, year, key)
	return err
}

// SetTerm stores the date of the caller's branch's last 换届 (nil clears it). A date after
// today or before 2000 is a field error. One statement. Locks: the caller's
// tool_duty_terms row.
func (s *DutyStore) SetTerm(ctx context.Context, me *web.Identity, start *time.Time) error {
	if start == nil {
		_, err := s.db.ExecContext(ctx, `DELETE FROM tool_duty_terms WHERE user_id = $1`, me.UserID)
		return err
	}
	if fe := CheckTermStart(*start, s.today()); fe != nil {
		return web.Invalidf(dutyMessage(fe), fe)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO tool_duty_terms (user_id, term_start) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET term_start = EXCLUDED.term_start, updated_at = now()`,
		me.UserID, start.Format(web.DateLayout))
	return err
}

// dutyMessage is the message of a 履职清单 field error (each check names one field).
func dutyMessage(fe map[string]string) string {
	for _, f := range []string{"key", "year", "term_start"} {
		if m, ok := fe[f]; ok {
			return m
		}
	}
	return "提交的内容有误，请检查后重试"
}
