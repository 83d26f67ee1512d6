package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/accounts"
	"zhibu/app/certificates"
	"zhibu/app/classes"
	"zhibu/app/feedback"
	"zhibu/app/hours"
	"zhibu/app/inbox"
	"zhibu/app/notices"
	"zhibu/app/outbox"
	"zhibu/app/record"
	"zhibu/app/reminders"
	"zhibu/app/reports"
	"zhibu/app/settings"
	"zhibu/app/tools"
	"zhibu/app/tours"
	"zhibu/app/web"
	"zhibu/courses"
	"zhibu/exams"
)

// mountFeatures mounts every feature with the outbound channel off (the tests' shell).
func mountFeatures(s *web.Server) error { return mountFeaturesWith(s, nil) }

// mountFeaturesWith is the one place that lists the features: each mounts its pages,
// routes and home cards on the shared shell. ob is the optional outbound channel (nil:
// off); features post through post, the inbox and ob's outbound copy (postWith).
func mountFeaturesWith(s *web.Server, ob *outbox.Outbox) error {
	post := postWith(ob, inbox.Post)
	for _, mount := range []func(*web.Server) error{
		accounts.Mount,
		func(s *web.Server) error { return inbox.Mount(s, inbox.Deps{}) },
		func(s *web.Server) error {
			return courses.Mount(s, courses.Deps{MinTimeGuard: settings.NewStore(s.DB).LessonMinTime, Post: post})
		},
		func(s *web.Server) error { return exams.Mount(s, examsDeps(s.DB, post)) },
		func(s *web.Server) error {
			return tours.Mount(s, tours.Deps{RequiredCoursesLeft: courses.RequiredCoursesLeft, Post: post, Courses: tourCourses(s.DB)})
		},
		func(s *web.Server) error { return settings.Mount(s, settings.Deps{}) },
		func(s *web.Server) error { return hours.Mount(s, hours.Deps{}) },
		func(s *web.Server) error { return classes.Mount(s, classesDeps(s.DB, post)) },
		func(s *web.Server) error { return reports.Mount(s, reportsDeps(s.DB)) },
		func(s *web.Server) error { return record.Mount(s, record.Deps{}) },
		func(s *web.Server) error { return feedback.Mount(s, feedback.Deps{Post: post}) },
		func(s *web.Server) error { return notices.Mount(s, notices.Deps{Post: post}) },
		func(s *web.Server) error { return reminders.Mount(s, remindersDeps(s.DB, post)) },
		func(s *web.Server) error { return certificates.Mount(s, certificatesDeps(s.DB)) },
		func(s *web.Server) error { return outbox.Mount(s, outbox.Deps{Outbox: ob}) },
		func(s *web.Server) error {
			return tools.Mount(s, tools.Deps{Lesson: func(ctx context.Context, topic string) (string, error) {
				return courses.TopicURL(ctx, s.DB, topic)
			}})
		},
	} {
		if err := mount(s); err != nil {
			return err
		}
	}
	return nil
}

// examsDeps: features do not import each other; a passed course exam may complete the
// course, the county setting 「通过后不可补考」 decides retakes after a pass, and a class's
// absence limit decides whether a participant may start its 结业 exam; exam openings and
// results go to the candidates' inbox (post).
func examsDeps(db *sqlx.DB, post web.Post) exams.Deps {
	return exams.Deps{Post: post, OnPassed: func(ctx context.Context, userID, examID, courseID int64) error {
		if courseID != 0 {
			if err := courses.RecheckCompletion(ctx, db, userID, courseID); err != nil {
				return err
			}
		}
		// The pass (and the course it completed) may earn a 结业证书.
		return certificates.IssueForUser(ctx, db, userID)
	}, RetakeAfterPass: settings.NewStore(db).RetakeAfterPass,
		// A class's 结业 exam refuses a participant over the class's absence limit.
		StartGuard: func(ctx context.Context, userID, examID int64) (string, error) {
			return classes.ExamRefusalFor(ctx, db, userID, examID, time.Now())
		}}
}

// classesDeps: a class picks its 结业 exam among the exams; its decisions and 结业 go to
// the participants' inbox (post).
func classesDeps(db *sqlx.DB, post web.Post) classes.Deps {
	return classes.Deps{Post: post, OnClosed: func(ctx context.Context, classID int64) error {
		return certificates.IssueForClass(ctx, db, classID) // 结业 at 结班 may earn a 结业证书
	}, ExamChoices: func(ctx context.Context) ([]classes.ExamChoice, error) {
		list, err := exams.Choices(ctx, db)
		out := make([]classes.ExamChoice, len(list))
		for i, e := range list {
			out[i] = classes.ExamChoice{ID: e.ID, Title: e.Title, ClosesAt: e.ClosesAt}
		}
		return out, err
	}}
}

// tourCourses: a tour links a published course as pre-reading (tours do not import courses).
func tourCourses(db *sqlx.DB) tours.CourseList {
	return func(ctx context.Context) ([]tours.CourseRef, error) {
		list, _, err := courses.NewStore(db, courses.Deps{}).Courses(ctx, courses.CourseFilter{})
		out := make([]tours.CourseRef, len(list))
		for i, c := range list {
			out[i] = tours.CourseRef{ID: c.ID, Title: c.Title, URL: fmt.Sprintf("/courses/%d", c.ID)}
		}
		return out, err
	}
}

// reportsDeps: the reports show the townships' 排名 only when the county switched it on
// in its settings.
func reportsDeps(db *sqlx.DB) reports.Deps {
	return reports.Deps{Ranking: settings.NewStore(db).ShowRanking}
}

// remindersDeps: reminders reach people through post (the inbox), and the automatic
// 即将截止 reminders follow the county's switches (app/settings).
func remindersDeps(db *sqlx.DB, post web.Post) reminders.Deps {
	st := settings.NewStore(db)
	return reminders.Deps{Post: post, Switches: func(ctx context.Context) (reminders.Switches, error) {
		courses, exams, days, err := st.AutoReminders(ctx)
		return reminders.Switches{Courses: courses, Exams: exams, Days: days}, err
	}}
}

// startBackground starts the features' background jobs; they stop with ctx. The outbox's
// worker runs only when the outbound channel is configured.
func startBackground(ctx context.Context, db *sqlx.DB, s *web.Server, log *slog.Logger, ob *outbox.Outbox) {
	go accounts.RunSweeper(ctx, db, s.Sessions, log)
	go exams.RunSweeper(ctx, db, log, examsDeps(db, postWith(ob, inbox.Post)))
	go reminders.Run(ctx, db, remindersDeps(db, postWith(ob, inbox.Post)), log)
	if ob.Enabled() {
		go outbox.Run(ctx, db, ob, log)
	}
}

// postWith is how features post messages (web.Post): the inbox's post (inboxPost), then
// in the same transaction the outbound copy of the messages of an outbound kind
// (outbox.OutboundKinds) for SMS or WeChat. The in-app message never depends on it: off
// (ob nil or not configured), it is inboxPost itself. New features that post get post
// from mountFeaturesWith, not inbox.Post.
func postWith(ob *outbox.Outbox, inboxPost web.Post) web.Post { return ob.Wrap(inboxPost) }

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
	if err := tours.SeedDemo(ctx, db, inbox.Post, tourCourses(db)); err != nil {
		return err
	}
	if err := classes.SeedDemo(ctx, db); err != nil {
		return err
	}
	if err := feedback.SeedDemo(ctx, db); err != nil {
		return err
	}
	if err := notices.SeedDemo(ctx, db); err != nil {
		return err
	}
	if err := certificates.SeedDemo(ctx, db); err != nil {
		return err
	}
	if err := settings.SeedDemo(ctx, db); err != nil {
		return err
	}
	return nil
}

// certificatesDeps: the QR code and short link of a 结业证书 point at the site's public
// address (ZHIBU_PUBLIC_URL, checked at start-up by loadConfig); unset, at the request's.
// The issuing body on the certificate and its verification page is the county setting
// (settings.Store.IssuerName).
func certificatesDeps(db *sqlx.DB) certificates.Deps {
	return certificates.Deps{PublicURL: strings.TrimSpace(os.Getenv("ZHIBU_PUBLIC_URL")),
		IssuerName: settings.NewStore(db).IssuerName}
}
