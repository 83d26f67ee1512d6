package exams

import (
	"encoding/json"
	"fmt"
	"time"
)

// The exam guard: practice never reveals what an open exam can draw.
//
// A question is guarded for a user at a moment when some exam
//   - is live: opened, and not closed for longer than Grace (ExamLive — the last saves of
//     an attempt whose deadline is the close are accepted until then), and
//   - has the user as a candidate: the exam is for the user's township (visible in
//     store_exams.go, the same test that lists and starts exams) or the user has sat it
//     (candidateSQL in store_guard.go), and
//   - has a draw rule whose pool admits the question (PoolKey.Admits, the definition the
//     draw itself uses in store_questions.go).
//
// Guarded questions lose their key and 解析 everywhere a key could leak: practice answers
// (409 question_in_open_exam), practice lists, the 错题本, and the review of finished
// attempts — of any exam, this one included. Retirement does not lift the guard: a paper
// drawn before a question was retired may still hold it.
//
// The database part (which exams, the clock, the questions' kind/category/tags) is one
// lock-free query per request (store_guard.go); the decision is the pure code below.

// ExamLive tells whether an exam opened at opens and closing at closes still guards its
// pools at now: until closes plus Grace, boundary included, as long as an attempt whose
// deadline is the close still accepts saves (savesOpenSQL in store_attempts.go).
func ExamLive(opens, closes, now time.Time) bool {
	return !now.Before(opens) && !now.After(closes.Add(Grace))
}

// liveExam is what the guard needs of an exam the user is a candidate of.
type liveExam struct {
	OpensAt  time.Time `json:"opens_at"`
	ClosesAt time.Time `json:"closes_at"`
	Rules    []Rule    `json:"rules"`
}

// liveExams is the JSON array the guard query returns.
type liveExams []liveExam

// Scan reads the JSON array.
func (l *liveExams) Scan(src any) error {
	switch v := src.(type) {
	case []byte:
		return json.Unmarshal(v, (*[]liveExam)(l))
	case string:
		return json.Unmarshal([]byte(v), (*[]liveExam)(l))
	case nil:
		*l = nil
		return nil
	}
	return fmt.Errorf("liveExams: cannot scan %T", src)
}

// Guard is, for one user at one moment, the pools that live exams may draw from. The
// zero Guard hides nothing.
type Guard struct{ keys []PoolKey }

// GuardOf builds the guard of the user's candidate exams at now.
func GuardOf(exams []liveExam, now time.Time) Guard {
	var g Guard
	seen := map[PoolKey]bool{}
	for _, e := range exams {
		if !ExamLive(e.OpensAt, e.ClosesAt, now) {
			continue
		}
		for _, r := range e.Rules {
			if k := r.Key(); !seen[k] {
				seen[k] = true
				g.keys = append(g.keys, k)
			}
		}
	}
	return g
}

// Empty tells whether the guard hides nothing.
func (g Guard) Empty() bool { return len(g.keys) == 0 }

// Hides tells whether a question of this kind, category and tags must not show its key.
func (g Guard) Hides(kind, category string, tags []string) bool {
	for _, k := range g.keys {
		if k.Admits(kind, category, tags) {
			return true
		}
	}
	return false
}
