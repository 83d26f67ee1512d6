package settings

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

// Store holds all SQL of the settings: the one row of county_settings.
type Store struct {
	db *sqlx.DB
}

// NewStore returns the settings' store on db.
func NewStore(db *sqlx.DB) *Store { return &Store{db: db} }

// Settings are the county's settings as the page and the API show them.
type Settings struct {
	ShowRanking     bool      `db:"show_ranking" json:"ranking_enabled"`
	RetakeAfterPass bool      `db:"retake_after_pass" json:"retake_after_pass"`
	UpdatedAt       time.Time `db:"updated_at" json:"updated_at"`
	UpdatedBy       string    `db:"updated_by" json:"updated_by"` // the admin's name; "" before any change
}

const selectSQL = `
	SELECT cs.show_ranking, cs.retake_after_pass, cs.updated_at, COALESCE(u.name, '') AS updated_by
	FROM county_settings cs LEFT JOIN users u ON u.id = cs.updated_by`

// Get reads the settings. Locks: none.
func (s *Store) Get(ctx context.Context) (Settings, error) {
	var st Settings
	err := s.db.GetContext(ctx, &st, selectSQL)
	if errors.Is(err, sql.ErrNoRows) {
		return st, ErrMissing
	}
	return st, err
}

// ShowRanking tells whether the townships' 排名 is shown (reports.Deps.Ranking).
// Locks: none.
func (s *Store) ShowRanking(ctx context.Context) (bool, error) {
	st, err := s.Get(ctx)
	return st.ShowRanking, err
}

// RetakeAfterPass tells whether a secretary who passed an exam may still use the attempts
// left (exams.Deps.RetakeAfterPass); off by default. Locks: none.
func (s *Store) RetakeAfterPass(ctx context.Context) (bool, error) {
	st, err := s.Get(ctx)
	return st.RetakeAfterPass, err
}

// Update saves the settings as the admin me and returns them.
// Locks: the county_settings row.
func (s *Store) Update(ctx context.Context, me *web.Identity, in Input) (Settings, error) {
	if errs := in.Validate(); errs != nil {
		return Settings{}, errs
	}
	var st Settings
	err := s.db.GetContext(ctx, &st, `
		WITH saved AS (
			UPDATE county_settings SET show_ranking = $1, retake_after_pass = $3, updated_at = now(), updated_by = $2
			RETURNING show_ranking, retake_after_pass, updated_at, updated_by)
		SELECT saved.show_ranking, saved.retake_after_pass, saved.updated_at, COALESCE(u.name, '') AS updated_by
		FROM saved LEFT JOIN users u ON u.id = saved.updated_by`, *in.ShowRanking, me.UserID, *in.RetakeAfterPass)
	if errors.Is(err, sql.ErrNoRows) {
		return st, ErrMissing
	}
	return st, err
}
