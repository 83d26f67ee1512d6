// Package courses owns the course catalogue (理论/实务), lessons with Markdown bodies and
// PDF attachments, 必修 assignments, server-side study time from heartbeats, lesson and
// course completion (writing each completed course's entry in the 学时 ledger, app/hours),
// yearly 学时 read from that ledger, the secretaries' home cards and the oversight pages.
//
// Files follow docs/conventions.md: errors.go (domain errors and their table), rules.go
// (pure rules), input.go (request shapes and their checks), store*.go (all SQL, one
// method per operation), api.go (JSON handlers), pages.go and pages_admin.go (pages and
// forms calling the same operations), demo.go (demo content).
package courses

import (
	"context"
	"embed"
	"time"

	"zhibu/app/web"
)

//go:embed templates/*.html
var templates embed.FS

// DefaultHeartbeatInterval is how often the lesson page reports while visible, in
// production. The server never credits more than BeatCap(interval) between two beats.
const DefaultHeartbeatInterval = 15 * time.Second

// Deps is what the courses feature is given at Mount. Zero fields take production
// defaults; tests set them.
type Deps struct {
	// HeartbeatInterval is how often the lesson page beats (DefaultHeartbeatInterval).
	HeartbeatInterval time.Duration
	// Now is the clock (time.Now).
	Now func() time.Time
	// MinTimeGuard tells whether a lesson needs its minimum study time before it counts
	// as completed (the county setting lesson_min_time, wired in app/features.go); nil:
	// always. Off, a lesson is completed by reaching its end.
	MinTimeGuard func(ctx context.Context) (bool, error)
	// Post tells secretaries in their inbox that a published course became 必修 for them
	// (assigning it, or publishing a course already assigned), in the transaction of the
	// change (inbox.Post, wired in app/features.go); nil: nobody is told.
	Post web.Post
}

func (d Deps) withDefaults() Deps {
	if d.HeartbeatInterval <= 0 {
		d.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return d
}

type handlers struct {
	store *Store
	srv   *web.Server
	deps  Deps
}

// Mount adds the courses pages, API and home cards to the server.
func Mount(s *web.Server, deps Deps) error {
	if err := s.Render.AddPages("courses", templates, "templates/*.html"); err != nil {
		return err
	}
	deps = deps.withDefaults()
	s.MapErrors(errorTable)
	h := &handlers{store: NewStore(s.DB, deps), srv: s, deps: deps}
	a := s.App
	anyone := web.Auth()
	admin := web.Auth(web.RoleAdmin)
	staff := web.Auth(web.RoleAdmin, web.RoleOrganizer)

	// Learners (every role may read and study published courses).
	a.Get("/courses", anyone, h.listPage)
	a.Get("/courses/:id", anyone, h.coursePage)
	a.Get("/lessons/:id", anyone, h.lessonPage)
	a.Get("/attachments/:id", anyone, h.attachment)
	a.Get("/api/v1/courses", anyone, h.apiList)
	a.Get("/api/v1/courses/:id", anyone, h.apiCourse)
	a.Get("/api/v1/lessons/:id", anyone, h.apiLesson)
	a.Post("/api/v1/lessons/:id/heartbeat", anyone, h.apiHeartbeat)
	a.Get("/api/v1/me/study", anyone, h.apiMyStudy)

	// Oversight (organizers: their township; admins: the county).
	a.Get("/admin/courses", staff, h.adminList)
	a.Get("/admin/courses/:id/progress", staff, h.progressPage)
	a.Get("/api/v1/courses/:id/progress", staff, h.apiProgress)
	a.Get("/api/v1/course-stats", staff, h.apiStats)
	a.Get("/api/v1/course-years", staff, h.apiYears)

	// Authoring pages and forms (admins).
	a.Post("/admin/courses", admin, h.createCourseForm)
	a.Get("/admin/courses/:id/edit", admin, h.editCoursePage)
	a.Post("/admin/courses/:id", admin, h.updateCourseForm)
	a.Post("/admin/courses/:id/publish", admin, h.publishForm)
	a.Post("/admin/courses/:id/lessons", admin, h.createLessonForm)
	a.Post("/admin/courses/:id/assignments", admin, h.createAssignmentForm)
	a.Get("/admin/assignments/:id/delete", admin, h.deleteAssignmentPage) // asks first (web.Confirm)
	a.Post("/admin/assignments/:id/delete", admin, h.deleteAssignmentForm)
	a.Get("/admin/lessons/:id/edit", admin, h.editLessonPage)
	a.Post("/admin/lessons/:id", admin, h.updateLessonForm)
	a.Post("/admin/lessons/:id/move", admin, h.moveLessonForm)
	a.Get("/admin/lessons/:id/delete", admin, h.deleteLessonPage) // asks first, or offers to archive
	a.Post("/admin/lessons/:id/delete", admin, h.deleteLessonForm)
	a.Post("/admin/lessons/:id/archive", admin, h.archiveLessonForm)
	a.Post("/admin/lessons/:id/restore", admin, h.restoreLessonForm)
	a.Post("/admin/lessons/:id/attachments", admin, h.uploadForm)
	a.Get("/admin/attachments/:id/delete", admin, h.deleteAttachmentPage) // asks first
	a.Post("/admin/attachments/:id/delete", admin, h.deleteAttachmentForm)
	a.Post("/admin/course-years", admin, h.saveYearForm)

	// Authoring API (admins; docs/courses.md).
	a.Post("/api/v1/courses", admin, h.apiCreateCourse)
	a.Put("/api/v1/courses/:id", admin, h.apiUpdateCourse)
	a.Put("/api/v1/courses/:id/published", admin, h.apiPublish)
	a.Post("/api/v1/courses/:id/lessons", admin, h.apiCreateLesson)
	a.Put("/api/v1/courses/:id/lesson-order", admin, h.apiReorder)
	a.Put("/api/v1/lessons/:id", admin, h.apiUpdateLesson)
	a.Delete("/api/v1/lessons/:id", admin, h.apiDeleteLesson) // 409 once anybody started it
	a.Post("/api/v1/lessons/:id/archive", admin, h.apiArchiveLesson)
	a.Post("/api/v1/lessons/:id/restore", admin, h.apiRestoreLesson)
	a.Post("/api/v1/lessons/:id/attachments", admin, h.apiUpload)
	a.Delete("/api/v1/attachments/:id", admin, h.apiDeleteAttachment)
	a.Get("/api/v1/courses/:id/assignments", admin, h.apiAssignments)
	a.Post("/api/v1/courses/:id/assignments", admin, h.apiCreateAssignment)
	a.Delete("/api/v1/assignments/:id", admin, h.apiDeleteAssignment)
	a.Put("/api/v1/course-years/:year", admin, h.apiSaveYear)
	a.Post("/api/v1/markdown/preview", admin, h.apiPreview)

	s.AddHomeCards(h.homeCards)
	return nil
}

func (h *handlers) year() int { return YearOf(h.deps.Now()) }
