package exams

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/web"
)

// StringList is a []string kept as a JSON array in PostgreSQL.
type StringList []string

// Scan reads a JSON array.
func (l *StringList) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case []byte:
		b = v
	case string:
		b = []byte(v)
	case nil:
		*l = nil
		return nil
	default:
		return fmt.Errorf("StringList: cannot scan %T", src)
	}
	return json.Unmarshal(b, (*[]string)(l))
}

// Value writes a JSON array.
func (l StringList) Value() (driver.Value, error) {
	if l == nil {
		return []byte("[]"), nil
	}
	return json.Marshal([]string(l))
}

// Question is one question of the bank.
type Question struct {
	ID          int64          `db:"id" json:"id"`
	Kind        string         `db:"kind" json:"kind"`
	Category    string         `db:"category" json:"category"`
	Tags        pq.StringArray `db:"tags" json:"tags"`
	Difficulty  string         `db:"difficulty" json:"difficulty"`
	Stem        string         `db:"stem" json:"stem"`
	Options     StringList     `db:"options" json:"options"`
	Answer      string         `db:"answer" json:"answer"`
	Points      float64        `db:"points" json:"points"`
	Explanation string         `db:"explanation" json:"explanation"`
	Retired     bool           `db:"retired" json:"retired"`
	UpdatedAt   time.Time      `db:"updated_at" json:"updated_at"`
}

// Normalize trims the question and checks it; it returns field → Chinese message.
// Answers may use the tolerant notations (A,C / 对 / √ …); they become sorted keys.
func (q *Question) Normalize() map[string]string {
	errs := map[string]string{}
	q.Stem = strings.TrimSpace(q.Stem)
	q.Category = strings.TrimSpace(q.Category)
	q.Explanation = strings.TrimSpace(q.Explanation)
	if q.Difficulty == "" {
		q.Difficulty = "中"
	}
	if q.Points == 0 {
		q.Points = 1
	}
	var tags []string
	for _, t := range q.Tags {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	q.Tags = tags
	if q.Tags == nil {
		q.Tags = pq.StringArray{}
	}
	switch q.Kind {
	case KindSingle, KindMultiple:
		var opts []string
		for _, o := range q.Options {
			opts = append(opts, strings.TrimSpace(o))
		}
		for len(opts) > 0 && opts[len(opts)-1] == "" { // trailing empty option columns
			opts = opts[:len(opts)-1]
		}
		q.Options = opts
		for i, o := range opts {
			if o == "" {
				errs["options"] = "选项" + KeyOf(i) + "为空，选项应连续填写"
			}
		}
		if len(opts) < 2 || len(opts) > MaxOptions {
			errs["options"] = "选择题应有 2 到 6 个选项"
		}
	case KindJudge:
		q.Options = StringList{}
	default:
		errs["kind"] = "题型应为单选、多选或判断"
	}
	if q.Stem == "" {
		errs["stem"] = "题干不能为空"
	} else if len([]rune(q.Stem)) > 2000 {
		errs["stem"] = "题干不能超过 2000 字"
	}
	if _, ok := errs["kind"]; !ok {
		n := len(q.Options)
		if q.Kind == KindJudge {
			n = 2
		}
		a, err := NormalizeKeys(q.Answer, q.Kind, n)
		switch {
		case err != nil:
			errs["answer"] = err.Error()
		case a == "":
			errs["answer"] = "答案不能为空"
		case q.Kind == KindMultiple && len(a) < 2:
			errs["answer"] = "多选题至少应有两个正确选项"
		default:
			q.Answer = a
		}
	}
	switch q.Difficulty {
	case "易", "中", "难":
	default:
		errs["difficulty"] = "难度应为易、中或难"
	}
	if !(q.Points > 0 && q.Points <= 100) { // NaN fails too
		errs["points"] = "分值应在 0 到 100 之间"
	}
	if len([]rune(q.Category)) > 100 {
		errs["category"] = "分类不能超过 100 字"
	} else if web.BadText(q.Category, false) {
		errs["category"] = "分类" + web.BadTextMessage
	}
	if len([]rune(q.Explanation)) > 4000 {
		errs["explanation"] = "解析不能超过 4000 字"
	} else if web.BadText(q.Explanation, true) {
		errs["explanation"] = "解析" + web.BadTextMessage
	}
	if q.Stem != "" && web.BadText(q.Stem, true) {
		errs["stem"] = "题干" + web.BadTextMessage
	}
	for _, o := range q.Options {
		if len([]rune(o)) > 500 {
			errs["options"] = "每个选项不能超过 500 字"
		} else if web.BadText(o, true) {
			errs["options"] = "选项" + web.BadTextMessage
		}
	}
	if len(q.Tags) > 20 {
		errs["tags"] = "标签不能超过 20 个"
	}
	for _, t := range q.Tags {
		if len([]rune(t)) > 50 {
			errs["tags"] = "每个标签不能超过 50 字"
		} else if web.BadText(t, false) {
			errs["tags"] = "标签" + web.BadTextMessage
		}
	}
	return errs
}

const questionCols = `id, kind, category, tags, difficulty, stem, options, answer, points, explanation, retired, updated_at`

// insertQuestions saves normalized questions in one statement.
func insertQuestions(ctx context.Context, tx *sqlx.Tx, qs []Question, sourceKeys []string) (int, error) {
	if len(qs) == 0 {
		return 0, nil
	}
	kinds, cats, tags, diffs, stems, opts, answers, points, expl, keys := make([]string, len(qs)), make([]string, len(qs)),
		make([]string, len(qs)), make([]string, len(qs)), make([]string, len(qs)), make([]string, len(qs)),
		make([]string, len(qs)), make([]float64, len(qs)), make([]string, len(qs)), make([]sql.NullString, len(qs))
	for i, q := range qs {
		kinds[i], cats[i], diffs[i], stems[i], answers[i], points[i], expl[i] = q.Kind, q.Category, q.Difficulty, q.Stem, q.Answer, q.Points, q.Explanation
		tb := []byte("[]")
		if len(q.Tags) > 0 {
			tb, _ = json.Marshal([]string(q.Tags))
		}
		tags[i] = string(tb)
		ob, _ := q.Options.Value()
		opts[i] = string(ob.([]byte))
		if sourceKeys != nil {
			keys[i] = sql.NullString{String: sourceKeys[i], Valid: true}
		}
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO questions (kind, category, tags, difficulty, stem, options, answer, points, explanation, source_key)
		SELECT k, c, ARRAY(SELECT jsonb_array_elements_text(t::jsonb)), d, s, o::jsonb, a, p, e, sk
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::numeric[], $9::text[], $10::text[])
		     AS u(k, c, t, d, s, o, a, p, e, sk)
		ON CONFLICT (source_key) DO NOTHING`,
		pq.Array(kinds), pq.Array(cats), pq.Array(tags), pq.Array(diffs), pq.Array(stems), pq.Array(opts),
		pq.Array(answers), pq.Array(points), pq.Array(expl), pq.Array(keys))
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// SaveQuestion is the one operation behind creating (id 0) and changing a question, by
// the API and by the form: it normalizes the input (*web.InputError) and writes the row
// (one statement). Started and finished attempts keep their frozen copy.
func (s *Store) SaveQuestion(ctx context.Context, id int64, in QuestionInput) (*Question, error) {
	q, errs := in.Question()
	if errs != nil {
		return nil, web.Invalidf("题目内容有误，请检查", errs)
	}
	var err error
	if id == 0 {
		err = s.DB.GetContext(ctx, &q, `
			INSERT INTO questions (kind, category, tags, difficulty, stem, options, answer, points, explanation)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING `+questionCols,
			q.Kind, q.Category, q.Tags, q.Difficulty, q.Stem, q.Options, q.Answer, q.Points, q.Explanation)
	} else {
		err = s.DB.GetContext(ctx, &q, `
			UPDATE questions SET kind=$2, category=$3, tags=$4, difficulty=$5, stem=$6, options=$7, answer=$8, points=$9,
			       explanation=$10, updated_at=now()
			WHERE id = $1 RETURNING `+questionCols,
			id, q.Kind, q.Category, q.Tags, q.Difficulty, q.Stem, q.Options, q.Answer, q.Points, q.Explanation)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &q, nil
}

// GetQuestion loads one question.
func (s *Store) GetQuestion(ctx context.Context, id int64) (*Question, error) {
	var q Question
	err := s.DB.GetContext(ctx, &q, `SELECT `+questionCols+` FROM questions WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &q, err
}

// AllQuestions is the whole bank for the export, active questions first.
func (s *Store) AllQuestions(ctx context.Context) ([]Question, error) {
	qs := []Question{}
	err := s.DB.SelectContext(ctx, &qs, `SELECT `+questionCols+` FROM questions ORDER BY retired, id`)
	return qs, err
}

// RetireQuestion retires (or restores) one question; it returns how many changed (0 when
// it already was so).
func (s *Store) RetireQuestion(ctx context.Context, id int64, retired bool) (int, error) {
	var n int
	err := s.DB.GetContext(ctx, &n, `WITH q AS (SELECT id FROM questions WHERE id = $1),
		u AS (UPDATE questions SET retired = $2, updated_at = now() WHERE id = $1 AND retired <> $2 RETURNING id)
		SELECT CASE WHEN EXISTS (SELECT 1 FROM q) THEN (SELECT count(*) FROM u) ELSE -1 END`, id, retired)
	if err == nil && n < 0 {
		return 0, ErrNotFound
	}
	return n, err
}

// RetireTag retires (or restores) every question carrying the tag; it returns how many
// changed.
func (s *Store) RetireTag(ctx context.Context, in RetireInput) (int, error) {
	switch {
	case in.Tag == "":
		return 0, ErrNoTag
	case web.BadText(in.Tag, false) || len(in.Tag) > 400:
		return 0, ErrBadTag
	}
	res, err := s.DB.ExecContext(ctx, `UPDATE questions SET retired = $2, updated_at = now()
		WHERE retired <> $2 AND $1 = ANY(tags)`, in.Tag, in.Retire())
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// QuestionFilter narrows a bank search.
type QuestionFilter struct {
	Q, Kind, Category, Tag string
	Retired                bool
	Limit, Offset          int
}

// Valid tells whether the filter's texts can be searched for (no control characters,
// not absurdly long).
func (f QuestionFilter) Valid() bool {
	for _, s := range []string{f.Q, f.Kind, f.Category, f.Tag} {
		if len(s) > 400 || web.BadText(s, false) {
			return false
		}
	}
	return true
}

// SearchQuestions lists the bank, newest first, with the total count.
func (s *Store) SearchQuestions(ctx context.Context, f QuestionFilter) ([]Question, int, error) {
	if !f.Valid() {
		return nil, 0, ErrBadSearch
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	where := `retired = $1 AND ($2 = '' OR kind = $2) AND ($3 = '' OR category = $3) AND ($4 = '' OR $4 = ANY(tags))
		AND ($5 = '' OR stem ILIKE '%' || $5 || '%')`
	args := []any{f.Retired, f.Kind, f.Category, f.Tag, escapeLike(f.Q)}
	var total int
	if err := s.DB.GetContext(ctx, &total, `SELECT count(*) FROM questions WHERE `+where, args...); err != nil {
		return nil, 0, err
	}
	qs := []Question{}
	err := s.DB.SelectContext(ctx, &qs, `SELECT `+questionCols+` FROM questions WHERE `+where+
		` ORDER BY id DESC LIMIT $6 OFFSET $7`, append(args, f.Limit, f.Offset)...)
	return qs, total, err
}

// CountQuestions counts the questions of the filter but its Retired: in use and retired.
func (s *Store) CountQuestions(ctx context.Context, f QuestionFilter) (active, retired int, err error) {
	if !f.Valid() {
		return 0, 0, ErrBadSearch
	}
	var row struct {
		Active  int `db:"active"`
		Retired int `db:"retired"`
	}
	err = s.DB.GetContext(ctx, &row, `SELECT count(*) FILTER (WHERE NOT retired) AS active, count(*) FILTER (WHERE retired) AS retired
		FROM questions WHERE ($1 = '' OR kind = $1) AND ($2 = '' OR category = $2) AND ($3 = '' OR $3 = ANY(tags))
		AND ($4 = '' OR stem ILIKE '%' || $4 || '%')`, f.Kind, f.Category, f.Tag, escapeLike(f.Q))
	return row.Active, row.Retired, err
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.TrimSpace(s))
}

// Categories lists the categories of active questions with their counts.
func (s *Store) Categories(ctx context.Context) ([]CategoryCount, error) {
	out := []CategoryCount{}
	err := s.DB.SelectContext(ctx, &out, `SELECT category, count(*) AS n FROM questions WHERE NOT retired AND category <> ''
		GROUP BY category ORDER BY n DESC, category`)
	return out, err
}

// CategoryCount is a category and how many active questions it has.
type CategoryCount struct {
	Category string `db:"category" json:"category"`
	N        int    `db:"n" json:"count"`
}

// Pools keeps, per app instance, the ids of the active questions grouped by pool, so a
// draw samples ids without touching the bank. It is tied to the bank version kept in
// PostgreSQL: any change of the bank (by any instance) bumps the version and the next
// draw reloads. Pools for a (kind, category, tag) key are built lazily from the loaded
// rows and memoized for that version.
type Pools struct {
	mu   sync.Mutex
	snap *poolSnapshot
}

type poolRow struct {
	ID       int64          `db:"id"`
	Kind     string         `db:"kind"`
	Category string         `db:"category"`
	Tags     pq.StringArray `db:"tags"`
}

type poolSnapshot struct {
	version int64
	rows    []poolRow
	mu      sync.Mutex
	memo    map[PoolKey][]int64
}

// Get returns the ids of the pool; the slice must not be modified.
func (s *poolSnapshot) Get(k PoolKey) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ids, ok := s.memo[k]; ok {
		return ids
	}
	ids := s.Where(k, nil)
	s.memo[k] = ids
	return ids
}

// Where returns the ids of the pool k that drop does not refuse (not memoized; drop nil
// keeps every id).
func (s *poolSnapshot) Where(k PoolKey, drop func(kind, category string, tags []string) bool) []int64 {
	ids := []int64{}
	for _, r := range s.rows {
		if !k.Admits(r.Kind, r.Category, r.Tags) || (drop != nil && drop(r.Kind, r.Category, r.Tags)) {
			continue
		}
		ids = append(ids, r.ID)
	}
	return ids
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Snapshot returns the pools of the current bank version (one tiny query when fresh).
func (p *Pools) Snapshot(ctx context.Context, db *sqlx.DB) (*poolSnapshot, error) {
	var version int64
	if err := db.GetContext(ctx, &version, `SELECT version FROM question_bank_version WHERE id = 1`); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.snap != nil && p.snap.version == version {
		return p.snap, nil
	}
	// Version and rows from one snapshot so that they agree.
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	snap := &poolSnapshot{memo: map[PoolKey][]int64{}}
	if err := tx.GetContext(ctx, &snap.version, `SELECT version FROM question_bank_version WHERE id = 1`); err != nil {
		return nil, err
	}
	if err := tx.SelectContext(ctx, &snap.rows, `SELECT id, kind, category, tags FROM questions WHERE NOT retired ORDER BY id`); err != nil {
		return nil, err
	}
	p.snap = snap
	return snap, nil
}

// loadBankQuestions fetches only the drawn rows.
func loadBankQuestions(ctx context.Context, db sqlx.QueryerContext, ids []int64) (map[int64]BankQuestion, error) {
	var rows []struct {
		BankQuestion
		Opts StringList `db:"options"`
	}
	if err := sqlx.SelectContext(ctx, db, &rows, `SELECT id, kind, category, stem, options, answer, explanation
		FROM questions WHERE id = ANY($1)`, pq.Array(ids)); err != nil {
		return nil, err
	}
	out := make(map[int64]BankQuestion, len(rows))
	for _, r := range rows {
		q := r.BankQuestion
		q.Options = r.Opts
		out[q.ID] = q
	}
	return out, nil
}
