package exams

import (
	"context"
	"database/sql"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

// Store holds all SQL of the exam feature (store_*.go by area) and the state shared by
// handlers: the pools of question ids and a cache of the immutable part of open attempts
// (owner, shape, deadline) so that a save costs one UPDATE. Methods return the domain
// errors of errors.go.
type Store struct {
	DB    *sqlx.DB
	Pools Pools
	Log   *slog.Logger

	onPassed        func(ctx context.Context, userID, examID, courseID int64) error
	retakeAfterPass func(ctx context.Context) (bool, error)
	startGuard      func(ctx context.Context, userID, examID int64) (string, error)
	post            web.Post // nil: nobody is told (Deps.Post)

	stmtMu   sync.Mutex
	saveOne  *sql.Stmt // store_attempts.go stmt
	saveMany *sql.Stmt

	metaMu sync.RWMutex
	meta   map[int64]attemptMeta
	rngMu  sync.Mutex
	rng    *rand.Rand
}

type attemptMeta struct {
	userID   int64
	shape    Shape
	deadline time.Time
}

// NewStore builds a Store; deps.OnPassed runs after an attempt passes.
func NewStore(db *sqlx.DB, log *slog.Logger, deps Deps) *Store {
	if log == nil {
		log = slog.Default()
	}
	var seed [32]byte
	for i := range seed {
		seed[i] = byte(rand.Uint32())
	}
	return &Store{DB: db, Log: log, onPassed: deps.OnPassed, retakeAfterPass: deps.RetakeAfterPass,
		startGuard: deps.StartGuard, post: deps.Post, meta: map[int64]attemptMeta{}, rng: rand.New(rand.NewChaCha8(seed))}
}

// RetakeAfterPass is the county setting 「通过后不可补考」 read through Deps (false when
// not wired): may a candidate who passed use the attempts left?
func (s *Store) RetakeAfterPass(ctx context.Context) (bool, error) {
	if s.retakeAfterPass == nil {
		return false, nil
	}
	return s.retakeAfterPass(ctx)
}

// StartRefusal is why the start guard (Deps.StartGuard) refuses the user a new attempt
// at the exam ("" = it does not, or no guard is wired).
func (s *Store) StartRefusal(ctx context.Context, userID, examID int64) (string, error) {
	if s.startGuard == nil {
		return "", nil
	}
	return s.startGuard(ctx, userID, examID)
}

// startRefusals fills Refusal for the class exams of list (the only exams the guard
// refuses today) at which a new attempt could start now: no attempt in progress, the
// window open and an attempt left. Other exams cost nothing.
func (s *Store) startRefusals(ctx context.Context, userID int64, list []ExamForUser) error {
	if s.startGuard == nil {
		return nil
	}
	for i := range list {
		e := &list[i]
		if !e.ClassExam || e.OpenAttempt.Valid || e.Now.Before(e.OpensAt) || !e.Now.Before(e.ClosesAt) || e.AttemptsLeft() == 0 {
			continue
		}
		reason, err := s.startGuard(ctx, userID, e.ID)
		if err != nil {
			return err
		}
		e.Refusal = reason
	}
	return nil
}

// seed is a fresh seed for one draw.
func (s *Store) seed() uint64 {
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	return s.rng.Uint64()
}

// afterFinalize calls OnPassed (Deps) for the passed attempts among those just finished,
// after their commit, from what finishing them read: no query.
func (s *Store) afterFinalize(ctx context.Context, done ...*Attempt) {
	if s.onPassed == nil {
		return
	}
	for _, a := range done {
		if a == nil || !a.Passed.Valid || !a.Passed.Bool {
			continue
		}
		if err := s.onPassed(ctx, a.UserID, a.ExamID, a.CourseID); err != nil {
			s.Log.Warn("after an exam pass", "user", a.UserID, "exam", a.ExamID, "course", a.CourseID, "err", err)
		}
	}
}
