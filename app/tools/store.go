package tools

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

// Store holds the 发展党员 planner's records (table tool_candidates). Every record
// belongs to the user who made it and every query reads and writes WHERE user_id = the
// caller: another user's id is ErrCandidateNotFound, whatever the caller's role.
type Store struct {
	db  *sqlx.DB
	now func() time.Time
}

// NewStore builds the planner's store on db.
func NewStore(db *sqlx.DB) *Store { return &Store{db: db, now: time.Now} }

// Today is the store's day in China time (the day future dates are measured against).
func (s *Store) Today() time.Time { return chinaDay(s.now()) }

// Candidate is one person's record as stored and answered by the API.
type Candidate struct {
	ID         int64             `json:"id"`
	Name       string            `json:"name"`
	Note       string            `json:"note"`
	Dates      map[string]string `json:"dates"`
	Training   CandidateTraining `json:"training"`
	Extensions []ExtensionInput  `json:"extensions"`
	CreatedAt  time.Time         `json:"created_at"`
	UpdatedAt  time.Time         `json:"updated_at"`
}

// Facts are the record's dates as the rules read them (stored dates were checked on the
// way in; one that no longer parses is left out).
func (c Candidate) Facts() CandidateFacts {
	var f CandidateFacts
	for key, v := range c.Dates {
		if s, ok := devStepByKey(key); ok {
			if t, ok := web.ParseDate(v); ok {
				f.Dates[s.No] = t
			}
		}
	}
	f.Training = c.Training
	for _, e := range c.Extensions {
		if t, ok := web.ParseDate(e.DecidedOn); ok {
			f.Extensions = append(f.Extensions, CandidateExtension{DecidedOn: t, Months: e.Months})
		}
	}
	return f
}

// Input is the record as an edit form or a PUT body holds it.
func (c Candidate) Input() CandidateInput {
	return CandidateInput{Name: c.Name, Note: c.Note, Dates: c.Dates, Training: c.Training, Extensions: c.Extensions}
}

type candidateRow struct {
	ID            int64     `db:"id"`
	Name          string    `db:"name"`
	Note          string    `db:"note"`
	Dates         []byte    `db:"dates"`
	TrainingDays  int       `db:"training_days"`
	TrainingHours int       `db:"training_hours"`
	Extensions    []byte    `db:"extensions"`
	CreatedAt     time.Time `db:"created_at"`
	UpdatedAt     time.Time `db:"updated_at"`
}

const candidateCols = `id, name, note, dates, training_days, training_hours, extensions, created_at, updated_at`

func (r candidateRow) candidate() (Candidate, error) {
	c := Candidate{ID: r.ID, Name: r.Name, Note: r.Note, Training: CandidateTraining{Days: r.TrainingDays, Hours: r.TrainingHours},
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Dates: map[string]string{}, Extensions: []ExtensionInput{}}
	if err := json.Unmarshal(r.Dates, &c.Dates); err != nil {
		return c, fmt.Errorf("candidate %d dates: %w", r.ID, err)
	}
	if err := json.Unmarshal(r.Extensions, &c.Extensions); err != nil {
		return c, fmt.Errorf("candidate %d extensions: %w", r.ID, err)
	}
	return c, nil
}

// List is the caller's records, the last changed first.
func (s *Store) List(ctx context.Context, me *web.Identity) ([]Candidate, error) {
	var rows []candidateRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+candidateCols+` FROM tool_candidates
		WHERE user_id = $1 ORDER BY updated_at DESC, id DESC`, me.UserID); err != nil {
		return nil, err
	}
	out := make([]Candidate, 0, len(rows))
	for _, r := range rows {
		c, err := r.candidate()
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Get is one of the caller's records; anyone else's is ErrCandidateNotFound.
func (s *Store) Get(ctx context.Context, me *web.Identity, id int64) (Candidate, error) {
	var r candidateRow
	err := s.db.GetContext(ctx, &r, `SELECT `+candidateCols+` FROM tool_candidates WHERE id = $1 AND user_id = $2`, id, me.UserID)
	if errors.Is(err, sql.ErrNoRows) {
		return Candidate{}, ErrCandidateNotFound
	}
	if err != nil {
		return Candidate{}, err
	}
	return r.candidate()
}

// Create checks in and stores a new record of the caller, refusing the (MaxCandidates+1)th.
// Lock order: the caller's users row (FOR NO KEY UPDATE: two creates of one user count in
// turn), then the insert.
func (s *Store) Create(ctx context.Context, me *web.Identity, in CandidateInput) (Candidate, error) {
	clean, _, err := in.Check(s.Today())
	if err != nil {
		return Candidate{}, err
	}
	dates, exts, err := candidateJSON(clean)
	if err != nil {
		return Candidate{}, err
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Candidate{}, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.GetContext(ctx, &n, `SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE`, me.UserID); err != nil {
		return Candidate{}, err
	}
	if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM tool_candidates WHERE user_id = $1`, me.UserID); err != nil {
		return Candidate{}, err
	}
	if n >= MaxCandidates {
		return Candidate{}, ErrTooManyCandidates
	}
	var r candidateRow
	if err := tx.GetContext(ctx, &r, `INSERT INTO tool_candidates (user_id, name, note, dates, training_days, training_hours, extensions)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+candidateCols,
		me.UserID, clean.Name, clean.Note, dates, clean.Training.Days, clean.Training.Hours, exts); err != nil {
		return Candidate{}, err
	}
	if err := tx.Commit(); err != nil {
		return Candidate{}, err
	}
	return r.candidate()
}

// Update checks in and replaces the caller's record id with it (the whole record: a date
// left out is a date removed). Lock order: the record's row (the UPDATE itself).
func (s *Store) Update(ctx context.Context, me *web.Identity, id int64, in CandidateInput) (Candidate, error) {
	clean, _, err := in.Check(s.Today())
	if err != nil {
		return Candidate{}, err
	}
	dates, exts, err := candidateJSON(clean)
	if err != nil {
		return Candidate{}, err
	}
	var r candidateRow
	err = s.db.GetContext(ctx, &r, `UPDATE tool_candidates SET name = $3, note = $4, dates = $5, training_days = $6,
		training_hours = $7, extensions = $8, updated_at = now()
		WHERE id = $1 AND user_id = $2 RETURNING `+candidateCols,
		id, me.UserID, clean.Name, clean.Note, dates, clean.Training.Days, clean.Training.Hours, exts)
	if errors.Is(err, sql.ErrNoRows) {
		return Candidate{}, ErrCandidateNotFound
	}
	if err != nil {
		return Candidate{}, err
	}
	return r.candidate()
}

// Delete removes the caller's record id for good. Lock order: the record's row.
func (s *Store) Delete(ctx context.Context, me *web.Identity, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM tool_candidates WHERE id = $1 AND user_id = $2`, id, me.UserID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ErrCandidateNotFound
	}
	return nil
}

func candidateJSON(in CandidateInput) (dates, exts []byte, err error) {
	if dates, err = json.Marshal(in.Dates); err != nil {
		return nil, nil, err
	}
	if exts, err = json.Marshal(in.Extensions); err != nil {
		return nil, nil, err
	}
	return dates, exts, nil
}
