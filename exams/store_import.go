package exams

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/database"
	"zhibu/app/imports"
)

// importLock serialises bank imports: the new/update split decided under it holds until
// the commit.
const importLock = `SELECT pg_advisory_xact_lock(hashtext('zhibu.question_import'))`

// msgLiveUpdate refuses an update of a question an open exam may draw. Its stored key
// and 解析 are hidden from candidates until the exam closes (guard.go); changing them, or
// moving the question in or out of the exam's pools, would change papers in flight or
// un-hide a key on them. The message does not tell what the stored question holds.
const msgLiveUpdate = "这道题在正在进行的考试的抽题范围内，考试结束后才能通过导入修改；未修改的题可以照原样导入"

// ImportSaved is what a saved bank import reports.
type ImportSaved struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
}

// checkBank matches every row to the stored question with its natural key
// (question_key, migrations/00053_question_key.sql) and finds the problems: two rows of
// the file that are the same question, and a change to a question an open exam may draw.
// Matched rows are marked Exist and take the stored id. The preview runs it, and
// SaveImport again under its lock.
func checkBank(ctx context.Context, db sqlx.QueryerContext, rows []imports.Item[Question]) ([]RowError, error) {
	kinds, stems := make([]string, len(rows)), make([]string, len(rows))
	for i, r := range rows {
		kinds[i], stems[i] = r.Value.Kind, r.Value.Stem
	}
	var found []struct {
		I   int           `db:"i"`
		Key string        `db:"key"`
		ID  sql.NullInt64 `db:"id"`
	}
	if err := sqlx.SelectContext(ctx, db, &found, `
		SELECT x.i, question_key(x.k, x.s) AS key, q.id
		FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(k, s, i)
		LEFT JOIN questions q ON q.stem_key = question_key(x.k, x.s)
		ORDER BY x.i`, pq.Array(kinds), pq.Array(stems)); err != nil {
		return nil, err
	}
	var errs []RowError
	firstRow := map[string]int{}
	var ids []int64
	for _, f := range found {
		r := &rows[f.I-1]
		if first, dup := firstRow[f.Key]; dup {
			errs = append(errs, RowError{Row: r.Num, Column: "题干", Message: fmt.Sprintf("与第 %d 行是同一道题（题型和题干相同），每道题只能填写一行", first)})
			continue
		}
		firstRow[f.Key] = r.Num
		r.Exist, r.Value.ID = f.ID.Valid, f.ID.Int64
		if f.ID.Valid {
			ids = append(ids, f.ID.Int64)
		}
	}
	if len(ids) == 0 {
		return errs, nil
	}
	var live struct {
		Now   time.Time `db:"now"`
		Exams liveExams `db:"exams"`
	}
	stored := []Question{}
	if err := sqlx.GetContext(ctx, db, &live, `SELECT now() AS now,
		(SELECT COALESCE(jsonb_agg(jsonb_build_object('opens_at', e.opens_at, 'closes_at', e.closes_at, 'rules', e.rules)), '[]')
		 FROM exams e WHERE e.closes_at > now() - interval '1 day' AND e.opens_at <= now() AND `+publishedSQL+`) AS exams`); err != nil {
		return nil, err
	}
	guard := GuardOf(live.Exams, live.Now)
	if guard.Empty() {
		return errs, nil
	}
	if err := sqlx.SelectContext(ctx, db, &stored, `SELECT `+questionCols+` FROM questions WHERE id = ANY($1)`, pq.Array(ids)); err != nil {
		return nil, err
	}
	byID := map[int64]Question{}
	for _, q := range stored {
		byID[q.ID] = q
	}
	for _, r := range rows {
		old, ok := byID[r.Value.ID]
		if !ok || !r.Exist || sameContent(old, r.Value) {
			continue
		}
		if guard.Hides(old.Kind, old.Category, old.Tags) || guard.Hides(r.Value.Kind, r.Value.Category, r.Value.Tags) {
			errs = append(errs, RowError{Row: r.Num, Column: "题干", Message: msgLiveUpdate})
		}
	}
	return errs, nil
}

// sameContent tells whether an import row would leave the stored question as it is.
func sameContent(a, b Question) bool {
	strip := func(q Question) Question {
		q.ID, q.Retired, q.UpdatedAt = 0, false, time.Time{}
		if len(q.Tags) == 0 {
			q.Tags = nil
		}
		if len(q.Options) == 0 {
			q.Options = nil
		}
		return q
	}
	return reflect.DeepEqual(strip(a), strip(b))
}

// SaveImport writes a checked bank file in one transaction: rows matching a stored
// question update it (kind, stem, options, answer, points, 解析, category, tags,
// difficulty; retirement stays), the others are inserted. Lock order: the import lock,
// then the questions rows. checkBank runs again under the lock, since another import or
// an edit may have added a question with the same key since the preview; its problems
// come back as row errors with nothing saved.
func (s *Store) SaveImport(ctx context.Context, rows []imports.Item[Question]) (any, []RowError, error) {
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, importLock); err != nil {
		return nil, nil, err
	}
	if errs, err := checkBank(ctx, tx, rows); err != nil || len(errs) > 0 {
		return nil, errs, err
	}
	var news, updates []Question
	for _, r := range rows {
		if r.Exist {
			updates = append(updates, r.Value)
		} else {
			news = append(news, r.Value)
		}
	}
	if err := updateQuestions(ctx, tx, updates); err != nil {
		return nil, nil, err
	}
	n, err := insertQuestions(ctx, tx, news, nil)
	if database.IsUniqueViolation(err, "") {
		return nil, []RowError{{Column: "题干", Message: "有题目在预览之后被其他人添加了（题型和题干相同），请重新上传预览"}}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return ImportSaved{Created: n, Updated: len(updates)}, nil, tx.Commit()
}

// updateQuestions rewrites stored questions (by ID) in one statement.
func updateQuestions(ctx context.Context, tx *sqlx.Tx, qs []Question) error {
	if len(qs) == 0 {
		return nil
	}
	n := len(qs)
	ids, kinds, cats, tags, diffs, stems, opts, answers, points, expl := make([]int64, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]float64, n), make([]string, n)
	for i, q := range qs {
		ids[i], kinds[i], cats[i], diffs[i], stems[i], answers[i], points[i], expl[i] = q.ID, q.Kind, q.Category, q.Difficulty, q.Stem, q.Answer, q.Points, q.Explanation
		tb, _ := json.Marshal(append([]string{}, q.Tags...))
		ob, _ := q.Options.Value()
		tags[i], opts[i] = string(tb), string(ob.([]byte))
	}
	_, err := tx.ExecContext(ctx, `
		UPDATE questions q SET kind = u.k, category = u.c, tags = ARRAY(SELECT jsonb_array_elements_text(u.t::jsonb)),
		       difficulty = u.d, stem = u.s, options = u.o::jsonb, answer = u.a, points = u.p, explanation = u.e, updated_at = now()
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::numeric[], $10::text[])
		     AS u(id, k, c, t, d, s, o, a, p, e)
		WHERE q.id = u.id`,
		pq.Array(ids), pq.Array(kinds), pq.Array(cats), pq.Array(tags), pq.Array(diffs), pq.Array(stems), pq.Array(opts),
		pq.Array(answers), pq.Array(points), pq.Array(expl))
	return err
}
