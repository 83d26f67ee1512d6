package exams

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// DemoExamKey marks the demo exam so seeding stays idempotent.
const DemoExamKey = "demo-exam"

// demoFiles holds the demo question bank, written from the ✅ facts of
// shared/domain-facts.md: a JSON array of {kind, category, tags, difficulty, stem,
// options (none for judge), answer, explanation}.
//
//go:embed demo/questions.json
var demoFiles embed.FS

// DemoQuestions reads the embedded demo bank, normalized, with each question's source key
// (a hash of kind and stem, so that seeding stays idempotent). Unknown fields and invalid
// questions are errors.
func DemoQuestions() ([]Question, []string, error) {
	b, err := demoFiles.ReadFile("demo/questions.json")
	if err != nil {
		return nil, nil, err
	}
	var in []QuestionInput
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, nil, fmt.Errorf("demo/questions.json: %w", err)
	}
	qs := make([]Question, 0, len(in))
	keys := make([]string, 0, len(in))
	for i, d := range in {
		q, errs := d.Question()
		if errs != nil {
			return nil, nil, fmt.Errorf("demo question %d (%s): %v", i, d.Stem, map[string]string(errs))
		}
		sum := sha256.Sum256([]byte(d.Kind + "|" + d.Stem))
		qs = append(qs, q)
		keys = append(keys, "demo:"+hex.EncodeToString(sum[:8]))
	}
	return qs, keys, nil
}

// SeedDemo loads the demo question bank (idempotently, keyed by a hash of each stem) and
// creates the demo exam, open now for all townships for about 30 days: 50 questions
// (30 单选 × 1 + 10 多选 × 2 + 10 判断 × 1 = 60 points, pass 36 — 60%), 60 minutes.
func SeedDemo(ctx context.Context, db *sqlx.DB) error {
	qs, keys, err := DemoQuestions()
	if err != nil {
		return err
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := insertQuestions(ctx, tx, qs, keys); err != nil {
		return err
	}
	in := DemoExamInput(time.Now())
	e, errs := in.ToExam()
	if len(errs) > 0 {
		return fmt.Errorf("demo exam: %v", errs)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO exams (title, description, opens_at, closes_at, duration_minutes, pass_score,
		total_points, attempts_allowed, shuffle_questions, shuffle_options, multi_rule, review_policy, all_townships, rules, demo_key)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,true,$13,$14) ON CONFLICT (demo_key) DO NOTHING`,
		e.Title, e.Description, e.OpensAt, e.ClosesAt, e.DurationMinutes, e.PassScore, e.TotalPoints, e.AttemptsAllowed,
		e.ShuffleQuestions, e.ShuffleOptions, e.MultiRule, e.ReviewPolicy, e.Rules, DemoExamKey); err != nil {
		return err
	}
	return tx.Commit()
}

// DemoExamInput is the demo exam's definition, opening a day before now.
func DemoExamInput(now time.Time) ExamInput {
	return ExamInput{
		Title:           "2026年度支部书记应知应会测试",
		Description:     "党章党规、发展党员、三会一课等基础知识，50 题，60 分钟，可考 2 次（取最好成绩）。",
		OpensAt:         now.Add(-24 * time.Hour).Format(time.RFC3339),
		ClosesAt:        now.Add(30 * 24 * time.Hour).Format(time.RFC3339),
		DurationMinutes: 60, PassScore: 36, AttemptsAllowed: 2, MultiRule: MultiStrict, ReviewPolicy: ReviewAfterClose,
		Rules: []Rule{{Kind: KindSingle, Count: 30, Points: 1}, {Kind: KindMultiple, Count: 10, Points: 2}, {Kind: KindJudge, Count: 10, Points: 1}},
	}
}
