package exams

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/web"
)

// Paper is the frozen list of items, stored as JSONB.
type Paper []Item

// Scan reads JSONB.
func (p *Paper) Scan(src any) error {
	b, ok := src.([]byte)
	if !ok {
		return errors.New("Paper: not bytes")
	}
	return json.Unmarshal(b, (*[]Item)(p))
}

// Answers maps position ("7") to the sorted key string ("AC").
type Answers map[string]string

// Scan reads JSONB.
func (a *Answers) Scan(src any) error {
	b, ok := src.([]byte)
	if !ok {
		return errors.New("Answers: not bytes")
	}
	return json.Unmarshal(b, (*map[string]string)(a))
}

// Attempt is one candidate's sitting of an exam.
type Attempt struct {
	ID           int64           `db:"id"`
	ExamID       int64           `db:"exam_id"`
	UserID       int64           `db:"user_id"`
	TownshipID   sql.NullInt64   `db:"township_id"`
	Seq          int             `db:"seq"`
	Status       string          `db:"status"`
	StartedAt    time.Time       `db:"started_at"`
	Deadline     time.Time       `db:"deadline"`
	FinishedAt   sql.NullTime    `db:"finished_at"`
	FinishReason sql.NullString  `db:"finish_reason"`
	Paper        Paper           `db:"paper"`
	Answers      Answers         `db:"answers"`
	Score        sql.NullFloat64 `db:"score"`
	MaxScore     float64         `db:"max_score"`
	Passed       sql.NullBool    `db:"passed"`
	Now          time.Time       `db:"now"`
	Expired      bool            `db:"expired"` // past savesOpenSQL: in progress only until finalized

	// From the exam.
	ExamTitle    string    `db:"exam_title"`
	ClosesAt     time.Time `db:"closes_at"`
	PassScore    float64   `db:"pass_score"`
	ReviewPolicy string    `db:"review_policy"`
	MultiRule    string    `db:"multi_rule"`
	CourseID     int64     `db:"course_id"` // 0: the exam belongs to no course
}

var attemptCols = `a.id, a.exam_id, a.user_id, a.township_id, a.seq, a.status, a.started_at, a.deadline, a.finished_at,
	a.finish_reason, a.paper, a.answers, a.score, a.max_score, a.passed, now() AS now, NOT (` + savesOpenSQL + `) AS expired,
	e.title AS exam_title, e.closes_at, e.pass_score, e.review_policy, e.multi_rule, COALESCE(e.course_id, 0) AS course_id`

// Finished tells whether the attempt is over.
func (a *Attempt) Finished() bool { return a.Status == "finished" }

// savesOpenSQL is the one definition of the save deadline, on the database clock: an
// attempt (alias a) accepts saves while now() is at most its deadline plus Grace, the
// boundary included. The save statement (saveSQL) accepts by it; past it the attempt is
// expired (the expired column of attemptCols, StartAttempt, finalizeTx and the sweeper).
// save_deadline_test.go checks it just before, at and just after the boundary.
var savesOpenSQL = "now() <= a.deadline + interval '" + itoa(int(Grace.Seconds())) + " seconds'"

// StartAttempt returns the user's attempt in progress, or draws and freezes a new paper
// when the retake rule (rules_retake.go) allows one and the start guard (Deps.StartGuard)
// does not refuse it; otherwise its error (ErrNotOpen, ErrClosed, ErrAlreadyPassed,
// ErrNoAttempts, ErrStartRefused with the guard's reason). Resuming is never refused.
// Concurrent starts end in one attempt (unique index on the open attempt).
func (s *Store) StartAttempt(ctx context.Context, examID, userID int64, township sql.NullInt64) (*Attempt, bool, error) {
	e, err := s.GetExam(ctx, examID, userID, township)
	if err != nil {
		return nil, false, err
	}
	guarded := false // asked the guard once already (a lost race retries the loop)
	for try := 0; try < 3; try++ {
		// One query: the open attempt (if any), the number of attempts and the clock.
		var st struct {
			Open    sql.NullInt64 `db:"open"`
			Expired bool          `db:"expired"`
			Used    int           `db:"used"`
			Passed  bool          `db:"passed"`
			Now     time.Time     `db:"now"`
		}
		if err := s.DB.GetContext(ctx, &st, `SELECT max(a.id) FILTER (WHERE a.status = 'in_progress') AS open,
			COALESCE(bool_or(a.status = 'in_progress' AND NOT (`+savesOpenSQL+`)), false) AS expired, count(*) AS used,
			COALESCE(bool_or(a.passed), false) AS passed, now() AS now
			FROM attempts a WHERE a.exam_id = $1 AND a.user_id = $2`, examID, userID); err != nil {
			return nil, false, err
		}
		if st.Open.Valid {
			if !st.Expired {
				a, err := s.GetAttempt(ctx, st.Open.Int64)
				return a, false, err
			}
			if err := s.Finalize(ctx, st.Open.Int64, "expired"); err != nil {
				return nil, false, err
			}
			continue
		}
		retakeAfterPass := false
		if st.Passed { // the setting matters only after a pass: no query otherwise
			if retakeAfterPass, err = s.RetakeAfterPass(ctx); err != nil {
				return nil, false, err
			}
		}
		if err := retakeRule(st.Used, e.AttemptsAllowed, st.Passed, retakeAfterPass, st.Now, e.OpensAt, e.ClosesAt); err != nil {
			return nil, false, err
		}
		if !guarded {
			reason, err := s.StartRefusal(ctx, userID, examID)
			if err != nil {
				return nil, false, err
			}
			if reason != "" {
				return nil, false, startRefused(reason)
			}
			guarded = true
		}
		paper, err := s.drawPaper(ctx, e)
		if err != nil {
			return nil, false, err
		}
		pb, _ := json.Marshal(paper)
		deadline := Deadline(st.Now, time.Duration(e.DurationMinutes)*time.Minute, e.ClosesAt)
		a := &Attempt{ExamID: examID, UserID: userID, TownshipID: township, Seq: st.Used + 1, Status: "in_progress",
			StartedAt: st.Now, Deadline: deadline, Paper: paper, Answers: Answers{}, MaxScore: e.TotalPoints, Now: st.Now,
			ExamTitle: e.Title, ClosesAt: e.ClosesAt, PassScore: e.PassScore, ReviewPolicy: e.ReviewPolicy, MultiRule: e.MultiRule}
		err = s.DB.GetContext(ctx, &a.ID, `
			INSERT INTO attempts (exam_id, user_id, township_id, seq, started_at, deadline, paper, shape, max_score)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT DO NOTHING RETURNING id`,
			examID, userID, township, a.Seq, st.Now, deadline, pb, ShapeOf(paper).String(), e.TotalPoints)
		if errors.Is(err, sql.ErrNoRows) {
			continue // a concurrent start won: resume its attempt
		}
		if err != nil {
			return nil, false, err
		}
		// The new attempt is returned as built, without reading it back.
		return a, true, nil
	}
	return nil, false, errors.New("could not start attempt after retries")
}

// RetakeFacts are what the retake rule needs about one candidate and exam, for the
// result page.
type RetakeFacts struct {
	AttemptsUsed    int           `db:"used"`
	AttemptsAllowed int           `db:"attempts_allowed"`
	Passed          bool          `db:"passed"`
	OpenAttempt     sql.NullInt64 `db:"open"`
	OpensAt         time.Time     `db:"opens_at"`
	ClosesAt        time.Time     `db:"closes_at"`
	Now             time.Time     `db:"now"`
	ClassExam       bool          `db:"class_exam"`
	RetakeAfterPass bool          `db:"-"`
	Refusal         string        `db:"-"` // the start guard's reason, asked as for the exams list (startRefusals)
}

// Retake applies CanRetake to the facts; when it allows a new attempt but the start guard
// refuses it, the guard's reason.
func (f RetakeFacts) Retake() (ok bool, reason string) {
	ok, reason = CanRetake(f.AttemptsUsed, f.AttemptsAllowed, f.Passed, f.RetakeAfterPass, f.Now, f.OpensAt, f.ClosesAt)
	if ok && f.Refusal != "" {
		return false, f.Refusal
	}
	return ok, reason
}

// AttemptsLeft is how many attempts remain.
func (f RetakeFacts) AttemptsLeft() int { return max(0, f.AttemptsAllowed-f.AttemptsUsed) }

// RetakeFactsOf reads the user's attempts at the exam (one query, no lock), the county
// setting and, for a class exam a new attempt could start at, the start guard.
func (s *Store) RetakeFactsOf(ctx context.Context, examID, userID int64) (RetakeFacts, error) {
	var f RetakeFacts
	err := s.DB.GetContext(ctx, &f, `SELECT e.attempts_allowed, e.opens_at, e.closes_at, now() AS now, `+classExamSQL+` AS class_exam,
		COALESCE(s.used, 0) AS used, COALESCE(s.passed, false) AS passed, s.open
		FROM exams e LEFT JOIN LATERAL (
			SELECT count(*) AS used, bool_or(a.passed) AS passed, max(a.id) FILTER (WHERE a.status = 'in_progress') AS open
			FROM attempts a WHERE a.exam_id = e.id AND a.user_id = $2) s ON true
		WHERE e.id = $1`, examID, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return f, ErrNotFound
	}
	if err != nil {
		return f, err
	}
	if f.Passed {
		if f.RetakeAfterPass, err = s.RetakeAfterPass(ctx); err != nil {
			return f, err
		}
	}
	if ok, _ := f.Retake(); ok && f.ClassExam && !f.OpenAttempt.Valid {
		f.Refusal, err = s.StartRefusal(ctx, userID, examID)
	}
	return f, err
}

// drawPaper draws the exam's rules from the pools and freezes the chosen questions.
func (s *Store) drawPaper(ctx context.Context, e *Exam) ([]Item, error) {
	snap, err := s.Pools.Snapshot(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(s.seed(), uint64(e.ID)))
	picks, err := Draw(e.Rules, snap.Get, rng)
	if err != nil {
		return nil, &DrawError{Msg: err.Error()}
	}
	var ids []int64
	for _, p := range picks {
		ids = append(ids, p...)
	}
	bank, err := loadBankQuestions(ctx, s.DB, ids)
	if err != nil {
		return nil, err
	}
	return Assemble(e.Rules, picks, bank, e.ShuffleQuestions, e.ShuffleOptions, rng)
}

// GetAttempt loads an attempt with its exam's settings; an open attempt past its deadline
// and grace is finalized first (the check on every access).
func (s *Store) GetAttempt(ctx context.Context, id int64) (*Attempt, error) {
	for i := 0; i < 2; i++ {
		var a Attempt
		err := s.DB.GetContext(ctx, &a, `SELECT `+attemptCols+` FROM attempts a JOIN exams e ON e.id = a.exam_id WHERE a.id = $1`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		if err != nil {
			return nil, err
		}
		if a.Status == "in_progress" && a.Expired && i == 0 {
			if err := s.Finalize(ctx, id, "expired"); err != nil {
				return nil, err
			}
			continue
		}
		return &a, nil
	}
	return nil, errors.New("attempt reload failed")
}

func (s *Store) attemptMeta(ctx context.Context, id int64) (attemptMeta, error) {
	s.metaMu.RLock()
	m, ok := s.meta[id]
	s.metaMu.RUnlock()
	if ok {
		return m, nil
	}
	var row struct {
		UserID int64  `db:"user_id"`
		Shape  string `db:"shape"`
	}
	err := s.DB.GetContext(ctx, &row, `SELECT user_id, shape FROM attempts WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNotFound
	}
	if err != nil {
		return m, err
	}
	shape, err := ParseShape(row.Shape)
	if err != nil {
		return m, err
	}
	m = attemptMeta{userID: row.UserID, shape: shape}
	s.metaMu.Lock()
	if len(s.meta) > 20000 { // bounded: owners and shapes never change, so dropping is safe
		s.meta = map[int64]attemptMeta{}
	}
	s.meta[id] = m
	s.metaMu.Unlock()
	return m, nil
}

// SaveAnswer stores one answer durably (one UPDATE in autocommit) if the attempt belongs
// to the user, is in progress and accepts saves (savesOpenSQL). It returns the sorted key
// string saved.
func (s *Store) SaveAnswer(ctx context.Context, id, userID int64, position int, in AnswerInput) (string, error) {
	m, err := s.attemptMeta(ctx, id)
	if err != nil {
		return "", err
	}
	if m.userID != userID {
		return "", ErrNotFound
	}
	if position < 1 || position > len(m.shape) {
		return "", ErrNoPosition
	}
	it := m.shape[position-1]
	answer, err := in.Keys(it.Kind, it.NOptions)
	if err != nil {
		return "", err
	}
	res, err := s.exec(ctx, &s.saveOne, saveOneSQL, id, strconv.Itoa(position), answer)
	if err != nil {
		return "", err
	}
	return answer, s.savedOrClosed(ctx, id, res)
}

// SaveAnswers stores a batch of the user's answers (a phone's offline queue) together:
// every answer is checked as SaveAnswer checks one, and either all are saved durably, in
// one UPDATE in autocommit under the same deadline and grace, or none (a refused answer:
// *BatchAnswerError naming each; a closed attempt: ErrAttemptClosed). It returns the
// saved key strings by position.
func (s *Store) SaveAnswers(ctx context.Context, id, userID int64, in AnswersInput) (map[int]string, error) {
	m, err := s.attemptMeta(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.userID != userID {
		return nil, ErrNotFound
	}
	saved := make(map[int]string, len(in.Answers))
	set := map[string]string{}
	var cleared []string
	refused := map[string]string{}
	for _, a := range in.Answers {
		pos := strconv.Itoa(a.Position)
		if a.Position < 1 || a.Position > len(m.shape) {
			refused[pos] = "试卷中没有这道题"
			continue
		}
		it := m.shape[a.Position-1]
		answer, err := AnswerInput{Answer: a.Answer}.Keys(it.Kind, it.NOptions)
		if err != nil {
			refused[pos] = err.Error()
			continue
		}
		saved[a.Position] = answer
		if answer == "" {
			cleared = append(cleared, pos)
		} else {
			set[pos] = answer
		}
	}
	if len(refused) > 0 {
		return nil, &BatchAnswerError{Fields: refused}
	}
	setJSON, err := json.Marshal(set)
	if err != nil {
		return nil, err
	}
	if cleared == nil {
		cleared = []string{}
	}
	res, err := s.exec(ctx, &s.saveMany, saveManySQL, id, pq.Array(cleared), string(setJSON))
	if err != nil {
		return nil, err
	}
	return saved, s.savedOrClosed(ctx, id, res)
}

// savedOrClosed reads a save's result: no row means the attempt no longer accepts saves,
// and an expired one gets its score now.
func (s *Store) savedOrClosed(ctx context.Context, id int64, res sql.Result) error {
	if n, _ := res.RowsAffected(); n == 0 {
		if err := s.Finalize(ctx, id, "expired"); err != nil {
			s.Log.Warn("finalize after late save", "attempt", id, "err", err)
		}
		return ErrAttemptClosed
	}
	return nil
}

// The save statements. Each is prepared once per pooled connection (database/sql's Stmt),
// so a save is one round trip — Bind and Execute of the named statement — with its values
// as parameters, never as text. Measured against the earlier SQL-as-text save (the simple
// protocol, also one round trip) in exams/roundtrips_bench_test.go; see README 「性能」.
const (
	// $1 attempt, $2 position, $3 the sorted keys ('' clears the answer).
	saveOneSQL = `UPDATE attempts a SET answers = CASE WHEN $3::text = '' THEN a.answers - $2::text
		ELSE jsonb_set(a.answers, ARRAY[$2::text], to_jsonb($3::text)) END
		WHERE a.id = $1 AND a.status = 'in_progress' AND `
	// $1 attempt, $2 the positions to clear, $3 the object of positions to set.
	saveManySQL = `UPDATE attempts a SET answers = (a.answers - $2::text[]) || $3::jsonb
		WHERE a.id = $1 AND a.status = 'in_progress' AND `
)

// exec runs the prepared statement of q (plus savesOpenSQL), preparing it on first use
// (a database that cannot be reached then is an error like any other, tried again next
// time).
func (s *Store) exec(ctx context.Context, slot **sql.Stmt, q string, args ...any) (sql.Result, error) {
	s.stmtMu.Lock()
	st := *slot
	if st == nil {
		var err error
		if st, err = s.DB.PrepareContext(ctx, q+savesOpenSQL); err != nil {
			s.stmtMu.Unlock()
			return nil, err
		}
		*slot = st
	}
	s.stmtMu.Unlock()
	return st.ExecContext(ctx, args...)
}

// Submit finishes the user's attempt (idempotent) and returns it graded.
func (s *Store) Submit(ctx context.Context, id, userID int64) (*Attempt, error) {
	m, err := s.attemptMeta(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.userID != userID {
		return nil, ErrNotFound
	}
	// The attempt as finished (or as it was, when already finished), without reading
	// it back.
	return s.finalize(ctx, id, "submitted")
}

// Finalize grades and closes an open attempt; a finished one is left alone. "expired"
// only closes attempts past their deadline and grace. It is the one way an attempt is
// finished (submit, the check on every access, the sweeper's batches run finalizeTx the
// same way): BEGIN, finalizeTx's three statements (SELECT … FOR UPDATE, UPDATE attempts,
// INSERT question_results), the taker's result message (one INSERT through Deps.Post),
// COMMIT. A failing Post rolls the finish back: the attempt stays in progress (its answers
// are saved) and the caller gets the error.
func (s *Store) Finalize(ctx context.Context, id int64, reason string) error {
	_, err := s.finalize(ctx, id, reason)
	return err
}

// finalize is Finalize returning the attempt as it stands after it (what finalizeTx read
// under its lock, with the finish applied).
func (s *Store) finalize(ctx context.Context, id int64, reason string) (*Attempt, error) {
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	msg, a, err := finalizeTx(ctx, tx, id, reason)
	if err != nil || msg == nil {
		return a, err
	}
	if err := s.postResults(ctx, tx, *msg); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	s.afterFinalize(ctx, a)
	return a, nil
}

// postResults posts the result messages of attempts finalized in tx (nothing without
// Deps.Post): one statement for any number of them.
func (s *Store) postResults(ctx context.Context, tx *sqlx.Tx, msgs ...web.Message) error {
	if s.post == nil || len(msgs) == 0 {
		return nil
	}
	return s.post(ctx, tx, msgs...)
}

// finalizeTx grades and closes the open attempt id in tx and returns the message that
// tells its taker the result (ResultMessage, built from what the first SELECT read: no
// extra query), or nil when there was nothing to finish. The caller posts it in tx.
func finalizeTx(ctx context.Context, tx *sqlx.Tx, id int64, reason string) (*web.Message, *Attempt, error) {
	var a Attempt
	err := tx.GetContext(ctx, &a, `SELECT `+attemptCols+` FROM attempts a JOIN exams e ON e.id = a.exam_id
		WHERE a.id = $1 FOR UPDATE OF a`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	if a.Status != "in_progress" || (reason == "expired" && !a.Expired) {
		return nil, &a, nil
	}
	r := Grade(a.Paper, a.Answers, a.MultiRule, a.PassScore)
	if _, err := tx.ExecContext(ctx, `UPDATE attempts SET status = 'finished', finished_at = now(), finish_reason = $2,
		score = $3, passed = $4 WHERE id = $1`, id, reason, r.Score, r.Passed); err != nil {
		return nil, nil, err
	}
	// The attempt as the UPDATE left it (now() is the transaction's, as a.Now).
	a.Status, a.FinishedAt, a.FinishReason = "finished", sql.NullTime{Time: a.Now, Valid: true}, sql.NullString{String: reason, Valid: true}
	a.Score, a.Passed = sql.NullFloat64{Float64: r.Score, Valid: true}, sql.NullBool{Bool: r.Passed, Valid: true}
	qids, correct, answers := make([]int64, 0, len(a.Paper)), make([]bool, 0, len(a.Paper)), make([]string, 0, len(a.Paper))
	for _, it := range a.Paper {
		qids = append(qids, it.QuestionID)
		correct = append(correct, r.Correct[it.Position])
		answers = append(answers, a.Answers[itoa(it.Position)])
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO question_results (user_id, question_id, attempt_id, correct, answer)
		SELECT $1, q, $2, c, ans FROM unnest($3::bigint[], $4::bool[], $5::text[]) AS u(q, c, ans)
		WHERE EXISTS (SELECT 1 FROM questions WHERE id = u.q)`,
		a.UserID, id, pq.Array(qids), pq.Array(correct), pq.Array(answers))
	if err != nil {
		return nil, nil, err
	}
	msg := ResultMessage(&a, r)
	return &msg, &a, nil
}

// sweepSQL picks a batch of expired attempts; SKIP LOCKED lets several app instances
// sweep together without waiting on each other.
var sweepSQL = `SELECT a.id FROM attempts a WHERE a.status = 'in_progress' AND NOT (` + savesOpenSQL + `)
	ORDER BY a.deadline LIMIT 50 FOR UPDATE SKIP LOCKED`

// SweepExpired finalizes open attempts past their deadline and grace, a batch at a time.
// SKIP LOCKED lets several app instances sweep together without waiting on each other.
func (s *Store) SweepExpired(ctx context.Context) (int, error) {
	total := 0
	for {
		tx, err := s.DB.BeginTxx(ctx, nil)
		if err != nil {
			return total, err
		}
		var ids []int64
		if err := tx.SelectContext(ctx, &ids, sweepSQL); err != nil {
			tx.Rollback()
			return total, err
		}
		msgs := make([]web.Message, 0, len(ids))
		done := make([]*Attempt, 0, len(ids))
		for _, id := range ids {
			msg, a, err := finalizeTx(ctx, tx, id, "expired")
			if err != nil {
				tx.Rollback()
				return total, err
			}
			if msg != nil {
				msgs = append(msgs, *msg)
				done = append(done, a)
			}
		}
		// The batch's result messages in one statement; a failure rolls the batch back
		// (tried again at the next sweep).
		if err := s.postResults(ctx, tx, msgs...); err != nil {
			tx.Rollback()
			return total, err
		}
		if err := tx.Commit(); err != nil {
			return total, err
		}
		s.afterFinalize(ctx, done...)
		total += len(ids)
		if len(ids) < 50 {
			return total, nil
		}
	}
}

// RunSweeper finalizes expired attempts every interval until ctx ends.
func (s *Store) RunSweeper(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.SweepExpired(ctx); err != nil && ctx.Err() == nil {
			s.Log.Warn("sweep expired attempts", "err", err)
		} else if n > 0 {
			s.Log.Info("finalized expired attempts", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
