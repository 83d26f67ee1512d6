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
	RemindCourses   bool      `db:"remind_courses" json:"remind_courses"`           // automatic 即将截止 for 必修 courses
	RemindExams     bool      `db:"remind_exams" json:"remind_exams"`               // automatic 即将截止 for exams
	RemindDays      int       `db:"remind_days" json:"remind_days"`                 // how many days before
	LessonMinTime   bool      `db:"lesson_min_time" json:"lesson_min_time_enabled"` // lessons need their minimum study time
	IssuerName      string    `db:"issuer_name" json:"issuer_name"`                 // the certificates' issuing body; "": none set
	UpdatedAt       time.Time `db:"updated_at" json:"updated_at"`
	UpdatedBy       string    `db:"updated_by" json:"updated_by"` // the admin's name; "" before any change
}

const selectSQL = `
	SELECT cs.show_ranking, cs.retake_after_pass, cs.remind_courses, cs.remind_exams, cs.remind_days, cs.lesson_min_time, cs.issuer_name, cs.updated_at, COALESCE(u.name, '') AS updated_by
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

// LessonMinTime tells whether a lesson needs its minimum study time before it counts as
// completed (courses.Deps.MinTimeGuard); on by default. Locks: none.
func (s *Store) LessonMinTime(ctx context.Context) (bool, error) {
	st, err := s.Get(ctx)
	return st.LessonMinTime, err
}

// IssuerName is the issuing body the county named for its certificates
// (certificates.Deps.IssuerName; "" while none is set, and the certificates fall back to
// certificates.DefaultIssuer). Locks: none.
func (s *Store) IssuerName(ctx context.Context) (string, error) {
	st, err := s.Get(ctx)
	return st.IssuerName, err
}

// AutoReminders reads the switches of the automatic 即将截止 reminders (app/reminders
// Deps.Switches): for 必修 courses, for exams, and how many days before. Locks: none.
func (s *Store) AutoReminders(ctx context.Context) (courses, exams bool, days int, err error) {
	st, err := s.Get(ctx)
	return st.RemindCourses, st.RemindExams, st.RemindDays, err
}

// Update saves the settings as the admin me and returns them.
// Locks: the county_settings row.
func (s *Store) Update(ctx context.Context, me *web.Identity, in Input) (Settings, error) {
	if errs := in.Validate(); errs != nil {
		return Settings{}, web.Invalidf(headline(errs), errs)
	}
	var st Settings
	err := s.db.GetContext(ctx, &st, `
		WITH saved AS (
			UPDATE county_settings SET show_ranking = $1, retake_after_pass = $3, updated_at = now(), updated_by = $2,
				remind_courses = COALESCE($4, remind_courses), remind_exams = COALESCE($5, remind_exams), remind_days = COALESCE($6, remind_days),
				lesson_min_time = COALESCE($7, lesson_min_time), issuer_name = COALESCE($8, issuer_name)
			RETURNING show_ranking, retake_after_pass, remind_courses, remind_exams, remind_days, lesson_min_time, issuer_name, updated_at, updated_by)
		SELECT saved.show_ranking, saved.retake_after_pass, saved.remind_courses, saved.remind_exams, saved.remind_days,
			saved.lesson_min_time, saved.issuer_name, saved.updated_at, COALESCE(u.name, '') AS updated_by
		FROM saved LEFT JOIN users u ON u.id = saved.updated_by`, *in.ShowRanking, me.UserID, *in.RetakeAfterPass,
		in.RemindCourses, in.RemindExams, in.RemindDays, in.LessonMinTime, in.IssuerName)
	if errors.Is(err, sql.ErrNoRows) {
		return st, ErrMissing
	}
	return st, err
}

// headline is what a person reads first when the input is refused: the message of the one
// field that failed, else the general one.
func headline(errs web.FieldErrors) string {
	if len(errs) == 1 {
		for _, msg := range errs {
			return msg
		}
	}
	return ""
}
