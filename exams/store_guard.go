package exams

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// candidateSQL admits the exams e that user $u of township $t (NULL for admins, who sit
// no exam) is a candidate of: the user may list and start it — takerVisible(), the test
// that lists and starts exams (a class's 结业 exam only for its participants) — or the
// user has sat it (e.g. before moving township).
func candidateSQL(u, t int) string {
	return fmt.Sprintf(`(($%d::bigint IS NOT NULL AND %s) OR EXISTS (SELECT 1 FROM attempts ca WHERE ca.user_id = $%d AND ca.exam_id = e.id))`,
		t, takerVisible(u, t), u)
}

// liveExamsSQL is a scalar subquery: the exams user $u of township $t is a candidate of
// that closed less than a day ago or close later, as a JSON array of {opens_at,
// closes_at, rules}. The day is only a coarse bound for exams_window_idx (far wider than
// Grace); GuardOf decides with ExamLive at the database clock. It reads with a plain
// snapshot (no row locks) through that index, the exam's townships and attempts_user_idx.
func liveExamsSQL(u, t int) string {
	return fmt.Sprintf(`(SELECT COALESCE(jsonb_agg(jsonb_build_object('opens_at', e.opens_at, 'closes_at', e.closes_at, 'rules', e.rules)), '[]')
		FROM exams e WHERE e.closes_at > now() - interval '1 day' AND %s)`, candidateSQL(u, t))
}

// questionFacts are what a pool looks at: kind, category, tags (current bank values).
type questionFacts struct {
	ID       int64    `json:"id"`
	Kind     string   `json:"kind"`
	Category string   `json:"category"`
	Tags     []string `json:"tags"`
}

type factsList []questionFacts

func (f *factsList) Scan(src any) error {
	b, ok := src.([]byte)
	if !ok {
		return fmt.Errorf("factsList: cannot scan %T", src)
	}
	return json.Unmarshal(b, (*[]questionFacts)(f))
}

// Guard reads, in one lock-free query, the user's guard now and which of the questions
// ids (may be empty) it hides. A question missing from the bank is in no pool.
func (s *Store) Guard(ctx context.Context, userID int64, township sql.NullInt64, ids []int64) (Guard, map[int64]bool, error) {
	var row struct {
		Now   time.Time `db:"now"`
		Live  liveExams `db:"live"`
		Facts factsList `db:"facts"`
	}
	if ids == nil {
		ids = []int64{}
	}
	err := s.DB.GetContext(ctx, &row, `SELECT now() AS now, `+liveExamsSQL(1, 2)+` AS live,
		(SELECT COALESCE(jsonb_agg(jsonb_build_object('id', q.id, 'kind', q.kind, 'category', q.category, 'tags', to_jsonb(q.tags))), '[]')
		 FROM questions q WHERE q.id = ANY($3)) AS facts`, userID, township, pq.Array(ids))
	if err != nil {
		return Guard{}, nil, err
	}
	g := GuardOf(row.Live, row.Now)
	hidden := map[int64]bool{}
	if !g.Empty() {
		for _, f := range row.Facts {
			if g.Hides(f.Kind, f.Category, f.Tags) {
				hidden[f.ID] = true
			}
		}
	}
	return g, hidden, nil
}
