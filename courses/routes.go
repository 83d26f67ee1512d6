// Package courses owns the course catalogue (理论/实务), lessons with Markdown bodies and
// PDF attachments, 必修 assignments, server-side study time from heartbeats, lesson and
// course completion, yearly 学时, the secretaries' home cards and the oversight pages.
package courses

import (
	"embed"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

//go:embed templates/*.html
var templates embed.FS

// MaxAttachment is the largest PDF a lesson accepts.
const MaxAttachment = 50 << 20

type handlers struct {
	db  *sqlx.DB
	srv *web.Server
	now func() time.Time
}

// Mount adds the courses pages, API and home cards to the server.
func Mount(s *web.Server) error {
	if err := s.Render.AddPages("courses", templates, "templates/*.html"); err != nil {
		return err
	}
	h := &handlers{db: s.DB, srv: s, now: time.Now}
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

	// Authoring (admins).
	a.Post("/admin/courses", admin, h.adminCreateCourse)
	a.Get("/admin/courses/:id/edit", admin, h.adminEditPage)
	a.Post("/admin/courses/:id", admin, h.adminSaveCourse)
	a.Post("/admin/courses/:id/publish", admin, h.adminPublish)
	a.Post("/admin/courses/:id/lessons", admin, h.adminCreateLesson)
	a.Post("/admin/courses/:id/assignments", admin, h.adminCreateAssignment)
	a.Post("/admin/assignments/:id/delete", admin, h.adminDeleteAssignment)
	a.Get("/admin/lessons/:id/edit", admin, h.adminLessonPage)
	a.Post("/admin/lessons/:id", admin, h.adminSaveLesson)
	a.Post("/admin/lessons/:id/move", admin, h.adminMoveLesson)
	a.Post("/admin/lessons/:id/delete", admin, h.adminDeleteLesson)
	a.Post("/admin/lessons/:id/attachments", admin, h.adminUpload)
	a.Post("/admin/attachments/:id/delete", admin, h.adminDeleteAttachment)
	a.Post("/admin/course-years", admin, h.adminSaveYear)

	a.Post("/api/v1/courses", admin, h.apiCreateCourse)
	a.Put("/api/v1/courses/:id", admin, h.apiUpdateCourse)
	a.Put("/api/v1/courses/:id/published", admin, h.apiPublish)
	a.Post("/api/v1/courses/:id/lessons", admin, h.apiCreateLesson)
	a.Put("/api/v1/courses/:id/lesson-order", admin, h.apiReorder)
	a.Put("/api/v1/lessons/:id", admin, h.apiUpdateLesson)
	a.Delete("/api/v1/lessons/:id", admin, h.apiDeleteLesson)
	a.Post("/api/v1/lessons/:id/attachments", admin, h.apiUpload)
	a.Delete("/api/v1/attachments/:id", admin, h.apiDeleteAttachment)
	a.Get("/api/v1/courses/:id/assignments", admin, h.apiAssignments)
	a.Post("/api/v1/courses/:id/assignments", admin, h.apiCreateAssignment)
	a.Delete("/api/v1/assignments/:id", admin, h.apiDeleteAssignment)
	a.Get("/api/v1/course-years", staff, h.apiYears)
	a.Put("/api/v1/course-years/:year", admin, h.apiSaveYear)
	a.Post("/api/v1/markdown/preview", admin, h.apiPreview)

	s.AddHomeCards(h.homeCards)
	return nil
}

func (h *handlers) year() int { return YearOf(h.now()) }

// withDrafts: admins may open unpublished courses (to preview them); nobody else.
func withDrafts(me *web.Identity) bool { return me != nil && me.Role == web.RoleAdmin }

// visibleCourse returns the caller's view of one course, or 404 (unknown or unpublished).
func (h *handlers) visibleCourse(c *fiber.Ctx, id int64) (*MyCourse, error) {
	me := web.Me(c)
	list, err := myCourses(c.UserContext(), h.db, me.UserID, h.year(), id, withDrafts(me))
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, web.NotFound("找不到该课程，或课程尚未发布")
	}
	return &list[0], nil
}
