package courses

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// JSON handlers (docs/courses.md): parse the request, call the Store operation, write JSON.

type courseJSON struct {
	MyCourse
	Required bool `json:"required"`
	Percent  int  `json:"percent"`
}

func toJSON(m MyCourse) courseJSON { return courseJSON{m, m.Required(), m.Percent()} }

// --- learners ---

// GET /api/v1/courses?category=理论
func (h *handlers) apiList(c *fiber.Ctx) error {
	list, err := h.store.MyCourses(c.UserContext(), web.Me(c).UserID, h.year(), 0, false)
	if err != nil {
		return err
	}
	cat := c.Query("category")
	out := make([]courseJSON, 0, len(list))
	for _, m := range list {
		if cat == "" || m.Category == cat {
			out = append(out, toJSON(m))
		}
	}
	return c.JSON(fiber.Map{"year": h.year(), "courses": out})
}

// GET /api/v1/courses/:id
func (h *handlers) apiCourse(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	mc, ls, err := h.store.CourseDetail(c.UserContext(), web.Me(c), h.year(), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"course": toJSON(*mc), "lessons": ls})
}

// GET /api/v1/lessons/:id
func (h *handlers) apiLesson(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	lv, _, err := h.store.LessonDetail(c.UserContext(), web.Me(c), h.year(), id)
	if err != nil {
		return err
	}
	lv.HTML = string(web.Markdown(lv.BodyMD))
	return c.JSON(fiber.Map{"lesson": lv})
}

// POST /api/v1/lessons/:id/heartbeat
func (h *handlers) apiHeartbeat(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in BeatInput
	if len(c.Body()) > 0 {
		if err := web.BindJSON(c, &in); err != nil {
			return err
		}
	}
	res, err := h.store.Heartbeat(c.UserContext(), web.Me(c).UserID, id, in)
	if err != nil {
		return err
	}
	return c.JSON(res)
}

// GET /api/v1/me/study?year=
func (h *handlers) apiMyStudy(c *fiber.Ctx) error {
	year, err := h.queryYear(c)
	if err != nil {
		return err
	}
	sum, _, err := h.store.Study(c.UserContext(), web.Me(c).UserID, year)
	if err != nil {
		return err
	}
	return c.JSON(sum)
}

// queryYear reads ?year= (this year when missing).
func (h *handlers) queryYear(c *fiber.Ctx) (int, error) {
	y, err := web.QueryInt(c, "year")
	if err != nil || (y != 0 && (y < 2000 || y > 2100)) {
		return 0, ErrBadYear
	}
	if y == 0 {
		return h.year(), nil
	}
	return int(y), nil
}

// --- oversight ---

// narrow resolves the caller's scope narrowed by ?township= and ?branch=. A malformed id
// is a forged one: not found, like an id outside the scope.
func (h *handlers) narrow(c *fiber.Ctx) (web.Scope, int64, error) {
	t, err := web.QueryInt(c, "township")
	if err != nil {
		t = -1
	}
	b, err := web.QueryInt(c, "branch")
	if err != nil {
		b = -1
	}
	return h.store.Narrow(c.UserContext(), web.Me(c), t, b)
}

// GET /api/v1/courses/:id/progress?year=&township=&branch=&status=done|studying|notstarted|behind&q=
// Every learner of the filter (no paging), with the counts per status.
func (h *handlers) apiProgress(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	year, err := h.queryYear(c)
	if err != nil {
		return err
	}
	scope, branch, err := h.narrow(c)
	if err != nil {
		return err
	}
	f := ProgressFilter{Scope: scope, BranchID: branch, Status: c.Query("status"), Query: c.Query("q")}
	_, counts, rows, err := h.store.Progress(c.UserContext(), web.Me(c), id, year, f)
	if err != nil {
		return err
	}
	type row struct {
		Learner
		Status string `json:"status"`
		Behind bool   `json:"behind"`
	}
	out := make([]row, len(rows))
	for i, r := range rows {
		out[i] = row{r, r.Status(), r.Behind()}
	}
	return c.JSON(fiber.Map{"course_id": id, "year": year, "counts": counts, "learners": out})
}

// GET /api/v1/course-stats?year=&township=
func (h *handlers) apiStats(c *fiber.Ctx) error {
	year, err := h.queryYear(c)
	if err != nil {
		return err
	}
	scope, _, err := h.narrow(c)
	if err != nil {
		return err
	}
	stats, err := h.store.RequiredStats(c.UserContext(), year, scope)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"year": year, "required": stats})
}

// GET /api/v1/course-years
func (h *handlers) apiYears(c *fiber.Ctx) error {
	list, err := h.store.YearRules(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"years": list})
}

// --- authoring ---

// withID runs an operation on the route's :id with the JSON body and answers
// {key: result} with the status.
func withID[In, Out any](c *fiber.Ctx, status int, key string, op func(context.Context, int64, In) (Out, error)) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in In
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	out, err := op(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.Status(status).JSON(fiber.Map{key: out})
}

// POST /api/v1/courses
func (h *handlers) apiCreateCourse(c *fiber.Ctx) error {
	var in CourseInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	co, err := h.store.CreateCourse(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"course": co})
}

// PUT /api/v1/courses/:id
func (h *handlers) apiUpdateCourse(c *fiber.Ctx) error {
	return withID(c, fiber.StatusOK, "course", h.store.UpdateCourse)
}

// PUT /api/v1/courses/:id/published {"published":true}
func (h *handlers) apiPublish(c *fiber.Ctx) error {
	return withID(c, fiber.StatusOK, "course", func(ctx context.Context, id int64, in PublishInput) (*Course, error) {
		if in.Published == nil {
			return nil, web.FieldErrors{"published": "请给出 true 或 false"}
		}
		return h.store.SetPublished(ctx, id, *in.Published)
	})
}

// POST /api/v1/courses/:id/lessons
func (h *handlers) apiCreateLesson(c *fiber.Ctx) error {
	return withID(c, fiber.StatusCreated, "lesson", h.store.CreateLesson)
}

// PUT /api/v1/courses/:id/lesson-order {"lesson_ids":[3,1,2]}
func (h *handlers) apiReorder(c *fiber.Ctx) error {
	return withID(c, fiber.StatusOK, "lessons", func(ctx context.Context, id int64, in ReorderInput) ([]Lesson, error) {
		ls, err := h.store.ReorderLessons(ctx, id, in.LessonIDs)
		for i := range ls {
			ls[i].BodyMD = ""
		}
		return ls, err
	})
}

// PUT /api/v1/lessons/:id
func (h *handlers) apiUpdateLesson(c *fiber.Ctx) error {
	return withID(c, fiber.StatusOK, "lesson", h.store.UpdateLesson)
}

// DELETE /api/v1/lessons/:id
func (h *handlers) apiDeleteLesson(c *fiber.Ctx) error {
	return h.apiDelete(c, h.store.DeleteLesson)
}

// POST /api/v1/lessons/:id/archive → {"lesson": …} with archived_at
func (h *handlers) apiArchiveLesson(c *fiber.Ctx) error {
	return h.apiLessonAction(c, h.store.ArchiveLesson)
}

// POST /api/v1/lessons/:id/restore → {"lesson": …}
func (h *handlers) apiRestoreLesson(c *fiber.Ctx) error {
	return h.apiLessonAction(c, h.store.RestoreLesson)
}

func (h *handlers) apiLessonAction(c *fiber.Ctx, op func(ctx context.Context, id int64) (int64, error)) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	if _, err := op(c.UserContext(), id); err != nil {
		return err
	}
	l, err := h.store.Lesson(c.UserContext(), id)
	if err != nil {
		return err
	}
	l.BodyMD = ""
	return c.JSON(fiber.Map{"lesson": l})
}

// DELETE /api/v1/attachments/:id
func (h *handlers) apiDeleteAttachment(c *fiber.Ctx) error {
	return h.apiDelete(c, h.store.DeleteAttachment)
}

// DELETE /api/v1/assignments/:id
func (h *handlers) apiDeleteAssignment(c *fiber.Ctx) error {
	return h.apiDelete(c, h.store.DeleteAssignment)
}

// apiDelete answers 204 after a delete operation of the :id.
func (h *handlers) apiDelete(c *fiber.Ctx, del func(ctx context.Context, id int64) (int64, error)) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	if _, err := del(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// upload reads the multipart field "file" and stores it for the lesson :id.
func (h *handlers) upload(c *fiber.Ctx) (lessonID, attachmentID int64, err error) {
	if lessonID, err = web.ParamID(c, "id"); err != nil {
		return 0, 0, err
	}
	name, data, err := web.FormFile(c, MaxAttachment)
	if err != nil {
		return 0, 0, err
	}
	attachmentID, err = h.store.AddAttachment(c.UserContext(), lessonID, name, data)
	return lessonID, attachmentID, err
}

// POST /api/v1/lessons/:id/attachments (multipart field "file")
func (h *handlers) apiUpload(c *fiber.Ctx) error {
	_, aid, err := h.upload(c)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"attachment": fiber.Map{"id": aid, "url": "/attachments/" + strconv.FormatInt(aid, 10)}})
}

// GET /api/v1/courses/:id/assignments
func (h *handlers) apiAssignments(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	list, err := h.store.Assignments(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"assignments": list})
}

// POST /api/v1/courses/:id/assignments
func (h *handlers) apiCreateAssignment(c *fiber.Ctx) error {
	return withID(c, fiber.StatusCreated, "assignment", func(ctx context.Context, id int64, in AssignmentInput) (fiber.Map, error) {
		aid, err := h.store.CreateAssignment(ctx, id, in)
		return fiber.Map{"id": aid}, err
	})
}

// PUT /api/v1/course-years/:year {"target_hours":50,"minutes_per_hour":45}
func (h *handlers) apiSaveYear(c *fiber.Ctx) error {
	y, err := strconv.Atoi(c.Params("year"))
	if err != nil {
		return web.NotFound("")
	}
	var r YearRule
	if err := web.BindJSON(c, &r); err != nil {
		return err
	}
	r.Year = y
	if r, err = h.store.SaveYearRule(c.UserContext(), r); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"year": r})
}

// POST /api/v1/markdown/preview {"markdown":"..."} → {"html":"..."}
func (h *handlers) apiPreview(c *fiber.Ctx) error {
	var in struct {
		Markdown string `json:"markdown"`
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	if len(in.Markdown) > 200_000 {
		return web.Invalid("正文过长", map[string]string{"markdown": "正文过长"})
	}
	if e := web.CheckText("markdown", in.Markdown, true); e != nil {
		return e
	}
	return c.JSON(fiber.Map{"html": string(web.Markdown(in.Markdown))})
}
