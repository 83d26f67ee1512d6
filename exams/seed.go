package exams

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// DemoExamKey marks the demo exam so seeding stays idempotent.
const DemoExamKey = "demo-exam"

// SeedDemo loads the demo question bank (idempotently, keyed by a hash of each stem) and
// creates the demo exam, open now for all townships for about 30 days: 50 questions
// (30 单选 × 1 + 10 多选 × 2 + 10 判断 × 1 = 60 points, pass 36 — 60%), 60 minutes.
func SeedDemo(ctx context.Context, db *sqlx.DB) error {
	qs := make([]Question, 0, len(demoQuestions))
	keys := make([]string, 0, len(demoQuestions))
	for i, d := range demoQuestions {
		q := Question{Kind: d.Kind, Category: d.Category, Tags: d.Tags, Difficulty: d.Difficulty, Stem: d.Stem,
			Options: d.Options, Answer: d.Answer, Explanation: d.Explanation}
		if errs := q.Normalize(); len(errs) > 0 {
			return fmt.Errorf("demo question %d (%s): %v", i, d.Stem, errs)
		}
		sum := sha256.Sum256([]byte(d.Kind + "|" + d.Stem))
		qs = append(qs, q)
		keys = append(keys, "demo:"+hex.EncodeToString(sum[:8]))
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
