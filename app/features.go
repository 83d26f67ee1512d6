package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/accounts"
	"zhibu/app/classes"
	"zhibu/app/hours"
	"zhibu/app/reports"
	"zhibu/app/settings"
	"zhibu/app/tours"
	"zhibu/app/web"
	"zhibu/courses"
	"zhibu/exams"
)

// mountFeatures is the one place that lists the features: each mounts its pages, routes
// and home cards on the shared shell.
func mountFeatures(s *web.Server) error {
	for _, mount := range []func(*web.Server) error{
		accounts.Mount,
		func(s *web.Server) error { return courses.Mount(s, courses.Deps{}) },
		func(s *web.Server) error { return exams.Mount(s, examsDeps(s.DB)) },
		func(s *web.Server) error {
			return tours.Mount(s, tours.Deps{RequiredCoursesLeft: courses.RequiredCoursesLeft})
		},
		func(s *web.Server) error { return settings.Mount(s, settings.Deps{}) },
		func(s *web.Server) error { return hours.Mount(s, hours.Deps{}) },
		func(s *web.Server) error { return classes.Mount(s, classesDeps(s.DB)) },
		func(s *web.Server) error { return reports.Mount(s, reportsDeps(s.DB)) },
	} {
		if err := mount(s); err != nil {
			return err
		}
	}
	return nil
}

// examsDeps: features do not import each other; a passed course exam may complete the
// course, the county setting 「通过后不可补考」 decides retakes after a pass, and a class's
// absence limit decides whether a participant may start its 结业 exam.
func examsDeps(db *sqlx.DB) exams.Deps {
	return exams.Deps{OnPassed: func(ctx context.Context, userID, courseID int64) error {
		return courses.RecheckCompletion(ctx, db, userID, courseID)
	}, RetakeAfterPass: settings.NewStore(db).RetakeAfterPass,
		// A class's 结业 exam refuses a participant over the class's absence limit.
		StartGuard: func(ctx context.Context, userID, examID int64) (string, error) {
			return classes.ExamRefusalFor(ctx, db, userID, examID, time.Now())
		}}
}

// classesDeps: a class picks its 结业 exam among the exams.
func classesDeps(db *sqlx.DB) classes.Deps {
	return classes.Deps{ExamChoices: func(ctx context.Context) ([]classes.ExamChoice, error) {
		list, err := exams.Choices(ctx, db)
		out := make([]classes.ExamChoice, len(list))
		for i, e := range list {
			out[i] = classes.ExamChoice{ID: e.ID, Title: e.Title, ClosesAt: e.ClosesAt}
		}
		return out, err
	}}
}

// reportsDeps: the reports show the townships' 排名 only when the county switched it on
// in its settings.
func reportsDeps(db *sqlx.DB) reports.Deps {
	return reports.Deps{Ranking: settings.NewStore(db).ShowRanking}
}

// startBackground starts the features' background jobs; they stop with ctx.
func startBackground(ctx context.Context, db *sqlx.DB, s *web.Server, log *slog.Logger) {
	go accounts.RunSweeper(ctx, db, s.Sessions, log)
	go exams.RunSweeper(ctx, db, log, examsDeps(db))
}

// seedDemo fills every feature with demo content, idempotently.
func seedDemo(ctx context.Context, db *sqlx.DB, size accounts.DemoSize, log *slog.Logger) error {
	if err := accounts.SeedDemo(ctx, db, size); err != nil {
		return err
	}
	if err := courses.SeedDemo(ctx, db); err != nil {
		return err
	}
	if err := exams.SeedDemo(ctx, db); err != nil {
		return err
	}
	if err := tours.SeedDemo(ctx, db); err != nil {
		return err
	}
	if err := classes.SeedDemo(ctx, db); err != nil {
		return err
	}
	return nil
}
