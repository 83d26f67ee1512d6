package courses

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// Admin and organizer pages: HTML forms posting back to the page paths and calling the
// same Store operations as the API; a refusal re-renders the form with its Chinese message.

// formFloat reads an optional decimal form field (0 when empty); ok is false for anything
// but a finite number ("NaN", "Inf" and "1e400" included).
func formFloat(c *fiber.Ctx, name string) (float64, bool) {
	v := strings.TrimSpace(c.FormValue(name))
	if v == "" {
		return 0, true
	}
	f, err := strconv.ParseFloat(v, 64)
	return f, err == nil && finite(f)
}

func formInt(c *fiber.Ctx, name string) (int, bool) {
	v := strings.TrimSpace(c.FormValue(name))
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

// unparsed merges the form fields that were not numbers into the input's own check, so
// that the form names every bad field at once; nil when the form parsed.
func unparsed(bad web.FieldErrors, check func() web.FieldErrors) error {
	if len(bad) == 0 {
		return nil
	}
	f := web.FieldErrors{}
	for k, v := range check() {
		f[k] = v
	}
	for k, v := range bad {
		f[k] = v
	}
	return f
}

func courseForm(c *fiber.Ctx) (CourseInput, error) {
	in := CourseInput{Title: c.FormValue("title"), Category: c.FormValue("category"), Topic: c.FormValue("topic"), Summary: c.FormValue("summary")}
	hours, ok := formFloat(c, "credit_hours")
	in.CreditHours = hours
	if !ok {
		return in, unparsed(web.FieldErrors{"credit_hours": "学时应为数字"}, in.Validate)
	}
	return in, nil
}

func lessonForm(c *fiber.Ctx) (LessonInput, error) {
	in := LessonInput{Title: c.FormValue("title"), Body: c.FormValue("body_markdown"), VideoURL: c.FormValue("video_url")}
	mins, ok := formFloat(c, "min_minutes")
	if ok && (mins < 0 || mins > 600) {
		mins = -1 // out of range before the conversion to whole seconds can overflow: Validate names it
	}
	in.MinSeconds = int(mins * 60)
	if !ok {
		return in, unparsed(web.FieldErrors{"min_seconds": "最少学习时长应为数字（分钟）"}, in.Validate)
	}
	return in, nil
}

var fieldOrder = []string{"title", "category", "topic", "summary", "credit_hours", "body_markdown", "video_url", "min_seconds",
	"year", "scope", "township_ids", "branch_kinds", "due_date", "target_hours", "minutes_per_hour", "published", "file"}

func fieldsMessage(f map[string]string) string {
	var parts []string
	for _, k := range fieldOrder {
		if m, ok := f[k]; ok {
			parts = append(parts, m)
		}
	}
	return strings.Join(parts, "；")
}

// refusal is what a form shows for an operation's error: the message and status, or
// ok false for errors that are not about the form (not found, server errors), which go
// to the error page.
func (h *handlers) refusal(err error) (msg string, status int, ok bool) {
	we := h.srv.AsError(err)
	if we.Status == http.StatusNotFound || we.Status >= 500 {
		return "", 0, false
	}
	var f web.FieldErrors
	if errors.As(err, &f) {
		return fieldsMessage(f), we.Status, true
	}
	return we.Message, we.Status, true
}

// formDone redirects with the message after a form's operation succeeded, or re-renders
// the form with the refusal.
func (h *handlers) formDone(c *fiber.Ctx, err error, rerender func(msg string, status int) error, to, message string) error {
	if err != nil {
		msg, status, ok := h.refusal(err)
		if !ok {
			return err
		}
		return rerender(msg, status)
	}
	return web.RedirectOK(c, to, message)
}

func courseEditPath(id int64) string { return "/admin/courses/" + strconv.FormatInt(id, 10) + "/edit" }
func lessonEditPath(id int64) string { return "/admin/lessons/" + strconv.FormatInt(id, 10) + "/edit" }

// --- course list and years ---

// GET /admin/courses
func (h *handlers) adminList(c *fiber.Ctx) error {
	return h.renderAdminList(c, "", http.StatusOK)
}

func (h *handlers) renderAdminList(c *fiber.Ctx, errMsg string, status int) error {
	me := web.Me(c)
	ctx := c.UserContext()
	all, err := h.store.Courses(ctx, withDrafts(me))
	if err != nil {
		return err
	}
	year := h.year()
	stats, err := h.store.RequiredStats(ctx, year, web.ScopeOf(me))
	if err != nil {
		return err
	}
	byCourse := map[int64]RequiredStat{}
	for _, s := range stats {
		byCourse[s.CourseID] = s
	}
	years, err := h.store.YearRules(ctx)
	if err != nil {
		return err
	}
	rule, err := h.store.YearRule(ctx, year)
	if err != nil {
		return err
	}
	c.Status(status)
	return h.srv.Render.Page(c, "courses/admin_list", fiber.Map{"Title": "课程管理", "Courses": all, "Stats": byCourse,
		"Year": year, "Years": years, "Rule": rule, "IsAdmin": me.Role == web.RoleAdmin, "Error": errMsg})
}

func (h *handlers) listAgain(c *fiber.Ctx) func(string, int) error {
	return func(msg string, status int) error { return h.renderAdminList(c, msg, status) }
}

// POST /admin/courses
func (h *handlers) createCourseForm(c *fiber.Ctx) error {
	in, err := courseForm(c)
	var co *Course
	if err == nil {
		co, err = h.store.CreateCourse(c.UserContext(), in)
	}
	to := ""
	if co != nil {
		to = courseEditPath(co.ID)
	}
	return h.formDone(c, err, h.listAgain(c), to, "课程已创建，请添加课时")
}

// POST /admin/course-years
func (h *handlers) saveYearForm(c *fiber.Ctx) error {
	y, ok1 := formInt(c, "year")
	t, ok2 := formFloat(c, "target_hours")
	m, ok3 := formInt(c, "minutes_per_hour")
	r := YearRule{Year: y, TargetHours: t, MinutesPerHour: m}
	bad := web.FieldErrors{}
	for field, ok := range map[string]bool{"year": ok1, "target_hours": ok2, "minutes_per_hour": ok3} {
		if !ok {
			bad[field] = "请填写数字"
		}
	}
	err := unparsed(bad, r.Validate)
	if err == nil {
		_, err = h.store.SaveYearRule(c.UserContext(), r)
	}
	return h.formDone(c, err, h.listAgain(c), "/admin/courses", "年度学时设置已保存")
}

// --- one course ---

// GET /admin/courses/:id/edit
func (h *handlers) editCoursePage(c *fiber.Ctx) error {
	return h.renderEdit(c, "", http.StatusOK)
}

func (h *handlers) renderEdit(c *fiber.Ctx, errMsg string, status int) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	co, err := h.store.Course(ctx, id)
	if err != nil {
		return err
	}
	ls, err := h.store.Lessons(ctx, id)
	if err != nil {
		return err
	}
	as, err := h.store.Assignments(ctx, id)
	if err != nil {
		return err
	}
	ts, err := h.store.Townships(ctx, web.ScopeOf(web.Me(c)))
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, t := range ts {
		names[t.ID] = t.Name
	}
	type assignmentView struct {
		Assignment
		Who string
	}
	views := make([]assignmentView, len(as))
	for i, a := range as {
		who := "全县"
		switch a.Scope {
		case "townships":
			var n []string
			for _, id := range a.TownshipIDs {
				n = append(n, names[id])
			}
			who = strings.Join(n, "、")
		case "kinds":
			who = strings.Join(a.BranchKinds, "、") + "党支部"
		}
		views[i] = assignmentView{a, who}
	}
	c.Status(status)
	return h.srv.Render.Page(c, "courses/admin_course", fiber.Map{"Title": "编辑课程", "Course": co, "Lessons": ls,
		"Assignments": views, "Townships": ts, "Kinds": branchKinds, "Year": h.year(), "Error": errMsg})
}

func (h *handlers) editAgain(c *fiber.Ctx) func(string, int) error {
	return func(msg string, status int) error { return h.renderEdit(c, msg, status) }
}

// POST /admin/courses/:id
func (h *handlers) updateCourseForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	in, err := courseForm(c)
	if err == nil {
		_, err = h.store.UpdateCourse(c.UserContext(), id, in)
	}
	return h.formDone(c, err, h.editAgain(c), courseEditPath(id), "课程已保存")
}

// POST /admin/courses/:id/publish (published=1|0)
func (h *handlers) publishForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	pub := c.FormValue("published") == "1"
	_, err = h.store.SetPublished(c.UserContext(), id, pub)
	msg := "课程已撤回为草稿"
	if pub {
		msg = "课程已发布"
	}
	return h.formDone(c, err, h.editAgain(c), courseEditPath(id), msg)
}

// POST /admin/courses/:id/lessons
func (h *handlers) createLessonForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	in, err := lessonForm(c)
	if c.FormValue("min_minutes") == "" {
		in.MinSeconds = 300
	}
	var l *Lesson
	if err == nil {
		l, err = h.store.CreateLesson(c.UserContext(), id, in)
	}
	to := ""
	if l != nil {
		to = lessonEditPath(l.ID)
	}
	return h.formDone(c, err, h.editAgain(c), to, "课时已添加，请编写正文")
}

// POST /admin/courses/:id/assignments
func (h *handlers) createAssignmentForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	y, _ := formInt(c, "year")
	in := AssignmentInput{Year: y, Scope: c.FormValue("scope"), DueDate: c.FormValue("due_date")}
	args := c.Request().PostArgs()
	for _, v := range args.PeekMulti("township_ids") {
		if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			in.TownshipIDs = append(in.TownshipIDs, n)
		}
	}
	for _, v := range args.PeekMulti("branch_kinds") {
		in.BranchKinds = append(in.BranchKinds, string(v))
	}
	_, err = h.store.CreateAssignment(c.UserContext(), id, in)
	return h.formDone(c, err, h.editAgain(c), courseEditPath(id), "已设为必修")
}

// POST /admin/assignments/:id/delete
func (h *handlers) deleteAssignmentForm(c *fiber.Ctx) error {
	return h.deleteForm(c, h.store.DeleteAssignment, courseEditPath, "必修安排已删除")
}

// --- one lesson ---

// GET /admin/lessons/:id/edit
func (h *handlers) editLessonPage(c *fiber.Ctx) error {
	return h.renderLessonEdit(c, nil, "", http.StatusOK)
}

func (h *handlers) renderLessonEdit(c *fiber.Ctx, in *LessonInput, errMsg string, status int) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	l, err := h.store.Lesson(ctx, id)
	if err != nil {
		return err
	}
	co, err := h.store.Course(ctx, l.CourseID)
	if err != nil {
		return err
	}
	atts, err := h.store.Attachments(ctx, id)
	if err != nil {
		return err
	}
	if in != nil {
		l.Title, l.BodyMD, l.VideoURL, l.MinSeconds = in.Title, in.Body, in.VideoURL, in.MinSeconds
	}
	c.Status(status)
	return h.srv.Render.Page(c, "courses/admin_lesson", fiber.Map{"Title": "编辑课时", "Lesson": l, "Course": co,
		"Preview": web.Markdown(l.BodyMD), "Attachments": atts[id], "MinMinutes": strconv.FormatFloat(float64(l.MinSeconds)/60, 'f', -1, 64),
		"Error": errMsg})
}

// POST /admin/lessons/:id
func (h *handlers) updateLessonForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	in, err := lessonForm(c)
	if err == nil {
		_, err = h.store.UpdateLesson(c.UserContext(), id, in)
	}
	again := func(msg string, status int) error { return h.renderLessonEdit(c, &in, msg, status) }
	return h.formDone(c, err, again, lessonEditPath(id), "课时已保存")
}

// POST /admin/lessons/:id/move (dir=up|down)
func (h *handlers) moveLessonForm(c *fiber.Ctx) error {
	delta := 1
	if c.FormValue("dir") == "up" {
		delta = -1
	}
	move := func(ctx context.Context, id int64) (int64, error) { return h.store.MoveLesson(ctx, id, delta) }
	return h.deleteForm(c, move, courseEditPath, "顺序已调整")
}

// POST /admin/lessons/:id/delete
func (h *handlers) deleteLessonForm(c *fiber.Ctx) error {
	return h.deleteForm(c, h.store.DeleteLesson, courseEditPath, "课时已删除")
}

// POST /admin/lessons/:id/attachments
func (h *handlers) uploadForm(c *fiber.Ctx) error {
	id, _, err := h.upload(c)
	again := func(msg string, status int) error { return h.renderLessonEdit(c, nil, msg, status) }
	return h.formDone(c, err, again, lessonEditPath(id), "附件已上传")
}

// POST /admin/attachments/:id/delete
func (h *handlers) deleteAttachmentForm(c *fiber.Ctx) error {
	return h.deleteForm(c, h.store.DeleteAttachment, lessonEditPath, "附件已删除")
}

// deleteForm runs an operation on :id that returns the parent (course or lesson) and
// redirects to the parent's edit page.
func (h *handlers) deleteForm(c *fiber.Ctx, op func(ctx context.Context, id int64) (int64, error), parent func(int64) string, message string) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	parentID, err := op(c.UserContext(), id)
	if err != nil {
		return err
	}
	return web.RedirectOK(c, parent(parentID), message)
}

// --- oversight ---

// GET /admin/courses/:id/progress?branch=&status=
func (h *handlers) progressPage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	me := web.Me(c)
	year := h.year()
	scope, branch, err := h.narrow(c)
	if err != nil {
		return err
	}
	co, all, err := h.store.Progress(ctx, me, id, year, scope, branch)
	if err != nil {
		return err
	}
	var done, behind, required int
	for _, r := range all {
		if r.CompletedAt != nil {
			done++
		}
		if r.DueDate != nil {
			required++
		}
		if r.Behind() {
			behind++
		}
	}
	status := c.Query("status")
	rows := FilterStatus(all, status)
	bs, err := h.store.Branches(ctx, web.ScopeOf(me))
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "courses/admin_progress", fiber.Map{"Title": co.Title + " · 学习进度", "Course": co,
		"Rows": rows, "Total": len(all), "Done": done, "Behind": behind, "Required": required, "Branches": bs,
		"BranchID": branch, "Status": status, "Year": year, "ShowTownship": scope.All})
}
