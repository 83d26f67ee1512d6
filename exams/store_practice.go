package exams

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/lib/pq"
)

// Practice is untimed and not counted: questions by topic (or from the 错题本), each
// checked at once with its 解析. Practice draws from the same bank; exam papers are
// frozen copies, and exam mistakes enter the 错题本 only once their exam's review policy
// shows answers. Questions guarded by a live exam of the user (guard.go) are left out of
// practice sets and the 错题本, and their answers are refused.

// mistakesSQL lists the user's questions whose latest visible result was wrong.
const mistakesSQL = `
	SELECT DISTINCT ON (r.question_id) r.question_id, r.correct, r.at
	FROM question_results r
	LEFT JOIN attempts a ON a.id = r.attempt_id
	LEFT JOIN exams e ON e.id = a.exam_id
	WHERE r.user_id = $1 AND (r.attempt_id IS NULL OR e.review_policy = 'immediate' OR
	      (e.review_policy = 'after_close' AND e.closes_at <= now()))
	ORDER BY r.question_id, r.at DESC, r.id DESC`

// Mistake is one entry of the 错题本.
type Mistake struct {
	QuestionID int64          `db:"question_id" json:"question_id"`
	Kind       string         `db:"kind" json:"kind"`
	Category   string         `db:"category" json:"category"`
	Tags       pq.StringArray `db:"tags" json:"-"`
	Stem       string         `db:"stem" json:"stem"`
	Wrong      int            `db:"wrong" json:"wrong_count"`
	At         time.Time      `db:"at" json:"last_at"`
}

// Mistakes lists the questions the user last got wrong (exams once reviewable, practice),
// newest first, without those the guard hides; withheld counts those.
func (s *Store) Mistakes(ctx context.Context, userID int64, township sql.NullInt64) (list []Mistake, withheld int, err error) {
	all := []Mistake{}
	if err := s.DB.SelectContext(ctx, &all, `
		SELECT m.question_id, q.kind, q.category, q.tags, q.stem, m.at,
		       (SELECT count(*) FROM question_results r2 WHERE r2.user_id = $1 AND r2.question_id = m.question_id AND NOT r2.correct) AS wrong
		FROM (`+mistakesSQL+`) m JOIN questions q ON q.id = m.question_id
		WHERE NOT m.correct AND NOT q.retired ORDER BY m.at DESC LIMIT 500`, userID); err != nil {
		return nil, 0, err
	}
	if len(all) == 0 {
		return all, 0, nil
	}
	g, _, err := s.Guard(ctx, userID, township, nil)
	if err != nil {
		return nil, 0, err
	}
	list = all[:0:0]
	for _, m := range all {
		if g.Hides(m.Kind, m.Category, m.Tags) {
			withheld++
			continue
		}
		list = append(list, m)
	}
	return list, withheld, nil
}

// PracticeSet picks up to n questions to practise: at random from a category (all when
// empty), or the latest mistakes. Guarded questions are left out and counted in withheld;
// when there were some but all are guarded, it answers ErrAllInOpenExam. The guard costs
// one query; the random draw samples the in-memory pools (no bank scan in SQL).
func (s *Store) PracticeSet(ctx context.Context, userID int64, township sql.NullInt64, category string, n int, mistakes bool) ([]BankQuestion, int, error) {
	var ids []int64
	withheld := 0
	if mistakes {
		list, w, err := s.Mistakes(ctx, userID, township)
		if err != nil {
			return nil, 0, err
		}
		withheld = w
		for _, m := range list {
			if len(ids) == n {
				break
			}
			ids = append(ids, m.QuestionID)
		}
	} else {
		snap, err := s.Pools.Snapshot(ctx, s.DB)
		if err != nil {
			return nil, 0, err
		}
		g, _, err := s.Guard(ctx, userID, township, nil)
		if err != nil {
			return nil, 0, err
		}
		var pool []int64
		for _, k := range []string{KindSingle, KindMultiple, KindJudge} {
			key := PoolKey{Kind: k, Category: category}
			all := snap.Get(key)
			if g.Empty() {
				pool = append(pool, all...)
				continue
			}
			open := snap.Where(key, g.Hides)
			withheld += len(all) - len(open)
			pool = append(pool, open...)
		}
		if len(pool) == 0 {
			if withheld > 0 {
				return nil, withheld, ErrAllInOpenExam
			}
			return nil, 0, ErrNoPractice
		}
		picks, _ := Draw([]Rule{{Kind: "any", Count: min(n, len(pool)), Points: 1}},
			func(PoolKey) []int64 { return pool }, rand.New(rand.NewPCG(s.seed(), uint64(userID))))
		ids = picks[0]
	}
	if len(ids) == 0 && withheld > 0 {
		return nil, withheld, ErrAllInOpenExam
	}
	bank, err := loadBankQuestions(ctx, s.DB, ids)
	if err != nil {
		return nil, 0, err
	}
	out := make([]BankQuestion, 0, len(ids))
	for _, id := range ids {
		if q, ok := bank[id]; ok {
			out = append(out, q)
		}
	}
	return out, withheld, nil
}

// PracticeResult is the check of one practice answer.
type PracticeResult struct {
	QuestionID  int64
	Correct     bool
	Answer      string
	Key         string
	Explanation string
}

// PracticeAnswer checks and records one practice answer. The question and the user's
// guard come from one lock-free query; a guarded question is refused (ErrInOpenExam)
// before its answer is even checked, an unknown or retired one is ErrQuestionGone. Then
// one INSERT records the result for the 错题本. A missing answer is 422 「请先选择答案」.
func (s *Store) PracticeAnswer(ctx context.Context, userID int64, township sql.NullInt64, in PracticeAnswerInput) (*PracticeResult, error) {
	if len(in.Answer) == 0 { // missing or empty: say so in Chinese before anything else
		return nil, answerErr("请先选择答案")
	}
	var q struct {
		ID          int64          `db:"id"`
		Kind        string         `db:"kind"`
		Category    string         `db:"category"`
		Tags        pq.StringArray `db:"tags"`
		Options     StringList     `db:"options"`
		Answer      string         `db:"answer"`
		Explanation string         `db:"explanation"`
		Retired     bool           `db:"retired"`
		Now         time.Time      `db:"now"`
		Live        liveExams      `db:"live"`
	}
	err := s.DB.GetContext(ctx, &q, `SELECT q.id, q.kind, q.category, q.tags, q.options, q.answer, q.explanation, q.retired,
		now() AS now, `+liveExamsSQL(2, 3)+` AS live
		FROM questions q WHERE q.id = $1`, in.QuestionID, userID, township)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && q.Retired) {
		return nil, ErrQuestionGone
	}
	if err != nil {
		return nil, err
	}
	if GuardOf(q.Live, q.Now).Hides(q.Kind, q.Category, q.Tags) {
		return nil, ErrInOpenExam
	}
	n := len(q.Options)
	if q.Kind == KindJudge {
		n = 2
	}
	ans, err := AnswerInput{Answer: in.Answer}.Keys(q.Kind, n)
	if err != nil {
		return nil, err
	}
	if ans == "" {
		return nil, answerErr("请先选择答案")
	}
	r := &PracticeResult{QuestionID: q.ID, Correct: ans == q.Answer, Answer: ans, Key: q.Answer, Explanation: q.Explanation}
	if _, err := s.DB.ExecContext(ctx, `INSERT INTO question_results (user_id, question_id, correct, answer) VALUES ($1,$2,$3,$4)`,
		userID, q.ID, r.Correct, ans); err != nil {
		return nil, err
	}
	return r, nil
}
