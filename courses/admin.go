package courses

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// Admin and organizer pages: HTML forms posting back, errors re-rendered in Chinese.

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

func courseForm(c *fiber.Ctx) (CourseInput, map[string]string) {
	in := CourseInput{Title: c.FormValue("title"), Category: c.FormValue("category"), Topic: c.FormValue("topic"), Summary: c.FormValue("summary")}
	hours, ok := formFloat(c, "credit_hours")
	in.CreditHours = hours
	f := ValidateCourse(&in)
	if !ok {
		f["credit_hours"] = "学时应为数字"
	}
	return in, f
}

func lessonForm(c *fiber.Ctx) (LessonInput, map[string]string) {
	in := LessonInput{Title: c.FormValue("title"), Body: c.FormValue("body_markdown"), VideoURL: c.FormValue("video_url")}
	mins, ok := formFloat(c, "min_minutes")
	if ok && (mins < 0 || mins > 600) {
		mins = -1 // out of range before the conversion to whole seconds can overflow: ValidateLesson names it
	}
	in.MinSeconds = int(mins * 60)
	f := ValidateLesson(&in)
	if !ok {
		f["min_seconds"] = "最少学习时长应为数字（分钟）"
	}
	return in, f
}

func fieldsMessage(f map[string]string) string {
	var parts []string
	for _, k := range []string{"title", "category", "topic", "summary", "credit_hours", "body_markdown", "video_url", "min_seconds",
		"year", "scope", "township_ids", "branch_kinds", "due_date", "target_hours", "minutes_per_hour", "published", "file"} {
		if m, ok := f[k]; ok {
			parts = append(parts, m)
		}
	}
	return strings.Join(parts, "；")
}

// GET /admin/courses
func (h *handlers) adminList(c *fiber.Ctx) error {
	return h.renderAdminList(c, "", 200)
}

func (h *handlers) renderAdminList(c *fiber.Ctx, errMsg string, status int) error {
	me := web.Me(c)
	ctx := c.UserContext()
	all, err := allCourses(ctx, h.db)
	if err != nil {
		return err
	}
	if me.Role != web.RoleAdmin {
		pub := all[:0:0]
		for _, co := range all {
			if co.Published {
				pub = append(pub, co)
			}
		}
		all = pub
	}
	year := h.year()
	stats, err := requiredStats(ctx, h.db, year, web.ScopeOf(me).Township())
	if err != nil {
		return err
	}
	byCourse := map[int64]RequiredStat{}
	for _, s := range stats {
		byCourse[s.CourseID] = s
	}
	years, err := listYearRules(ctx, h.db)
	if err != nil {
		return err
	}
	rule, err := yearRule(ctx, h.db, year)
	if err != nil {
		return err
	}
	c.Status(status)
	return h.srv.Render.Page(c, "courses/admin_list", fiber.Map{"Title": "课程管理", "Courses": all, "Stats": byCourse,
		"Year": year, "Years": years, "Rule": rule, "IsAdmin": me.Role == web.RoleAdmin, "Error": errMsg})
}

// POST /admin/courses
func (h *handlers) adminCreateCourse(c *fiber.Ctx) error {
	in, f := courseForm(c)
	if len(f) > 0 {
		return h.renderAdminList(c, fieldsMessage(f), fiber.StatusUnprocessableEntity)
	}
	id, err := createCourse(c.UserContext(), h.db, in)
	if we, ok := err.(*web.Error); ok {
		return h.renderAdminList(c, we.Message, we.Status)
	}
	if err != nil {
		return err
	}
	return web.RedirectOK(c, "/admin/courses/"+strconv.FormatInt(id, 10)+"/edit", "课程已创建，请添加课时")
}

// POST /admin/course-years
func (h *handlers) adminSaveYear(c *fiber.Ctx) error {
	y, ok1 := formInt(c, "year")
	t, ok2 := formFloat(c, "target_hours")
	m, ok3 := formInt(c, "minutes_per_hour")
	r := YearRule{Year: y, TargetHours: t, MinutesPerHour: m}
	f := ValidateYear(r)
	for field, ok := range map[string]bool{"year": ok1, "target_hours": ok2, "minutes_per_hour": ok3} {
		if !ok {
			f[field] = "请填写数字"
		}
	}
	if len(f) > 0 {
		return h.renderAdminList(c, fieldsMessage(f), fiber.StatusUnprocessableEntity)
	}
	if err := saveYearRule(c.UserContext(), h.db, r); err != nil {
		return err
	}
	return web.RedirectOK(c, "/admin/courses", "年度学时设置已保存")
}

// GET /admin/courses/:id/edit
func (h *handlers) adminEditPage(c *fiber.Ctx) error {
	return h.renderEdit(c, "", 200)
}

func (h *handlers) renderEdit(c *fiber.Ctx, errMsg string, status int) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	co, err := courseByID(ctx, h.db, id)
	if err != nil {
		return err
	}
	ls, err := lessonsOf(ctx, h.db, id)
	if err != nil {
		return err
	}
	as, err := assignmentsOf(ctx, h.db, id)
	if err != nil {
		return err
	}
	ts, err := townships(ctx, h.db, web.ScopeOf(web.Me(c)).Township())
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

// POST /admin/courses/:id
func (h *handlers) adminSaveCourse(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	in, f := courseForm(c)
	if len(f) > 0 {
		return h.renderEdit(c, fieldsMessage(f), fiber.StatusUnprocessableEntity)
	}
	if err := updateCourse(c.UserContext(), h.db, id, in); err != nil {
		if we, ok := err.(*web.Error); ok && we.Status == fiber.StatusConflict {
			return h.renderEdit(c, we.Message, we.Status)
		}
		return err
	}
	return web.RedirectOK(c, "/admin/courses/"+strconv.FormatInt(id, 10)+"/edit", "课程已保存")
}

// POST /admin/courses/:id/publish (published=1|0)
func (h *handlers) adminPublish(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	pub := c.FormValue("published") == "1"
	if err := setPublished(c.UserContext(), h.db, id, pub); err != nil {
		if we, ok := err.(*web.Error); ok && we.Status == fiber.StatusUnprocessableEntity {
			return h.renderEdit(c, we.Message, we.Status)
		}
		return err
	}
	msg := "课程已撤回为草稿"
	if pub {
		msg = "课程已发布"
	}
	return web.RedirectOK(c, "/admin/courses/"+strconv.FormatInt(id, 10)+"/edit", msg)
}

// POST /admin/courses/:id/lessons
func (h *handlers) adminCreateLesson(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	in, f := lessonForm(c)
	if c.FormValue("min_minutes") == "" {
		in.MinSeconds = 300
	}
	if len(f) > 0 {
		return h.renderEdit(c, fieldsMessage(f), fiber.StatusUnprocessableEntity)
	}
	lid, err := createLesson(c.UserContext(), h.db, id, in)
	if err != nil {
		return err
	}
	return web.RedirectOK(c, "/admin/lessons/"+strconv.FormatInt(lid, 10)+"/edit", "课时已添加，请编写正文")
}

// POST /admin/courses/:id/assignments
func (h *handlers) adminCreateAssignment(c *fiber.Ctx) error {
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
	if _, err := h.saveAssignment(c, id, in); err != nil {
		if we, ok := err.(*web.Error); ok && we.Status == fiber.StatusUnprocessableEntity {
			return h.renderEdit(c, fieldsMessage(we.Fields), we.Status)
		}
		return err
	}
	return web.RedirectOK(c, "/admin/courses/"+strconv.FormatInt(id, 10)+"/edit", "已设为必修")
}

// POST /admin/assignments/:id/delete
func (h *handlers) adminDeleteAssignment(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	courseID, err := deleteAssignment(c.UserContext(), h.db, id)
	if err != nil {
		return err
	}
	return web.RedirectOK(c, "/admin/courses/"+strconv.FormatInt(courseID, 10)+"/edit", "必修安排已删除")
}

// GET /admin/lessons/:id/edit
func (h *handlers) adminLessonPage(c *fiber.Ctx) error {
	return h.renderLessonEdit(c, nil, "", 200)
}

func (h *handlers) renderLessonEdit(c *fiber.Ctx, in *LessonInput, errMsg string, status int) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	l, err := lessonByID(ctx, h.db, id)
	if err != nil {
		return err
	}
	co, err := courseByID(ctx, h.db, l.CourseID)
	if err != nil {
		return err
	}
	atts, err := attachmentsOf(ctx, h.db, []int64{id})
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
func (h *handlers) adminSaveLesson(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	in, f := lessonForm(c)
	if len(f) > 0 {
		return h.renderLessonEdit(c, &in, fieldsMessage(f), fiber.StatusUnprocessableEntity)
	}
	if err := updateLesson(c.UserContext(), h.db, id, in); err != nil {
		return err
	}
	return web.RedirectOK(c, "/admin/lessons/"+strconv.FormatInt(id, 10)+"/edit", "课时已保存")
}

// POST /admin/lessons/:id/move (dir=up|down)
func (h *handlers) adminMoveLesson(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	delta := 1
	if c.FormValue("dir") == "up" {
		delta = -1
	}
	courseID, err := moveLesson(c.UserContext(), h.db, id, delta)
	if err != nil {
		return err
	}
	return web.RedirectOK(c, "/admin/courses/"+strconv.FormatInt(courseID, 10)+"/edit", "顺序已调整")
}

// POST /admin/lessons/:id/delete
func (h *handlers) adminDeleteLesson(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	courseID, err := deleteLesson(c.UserContext(), h.db, id)
	if err != nil {
		return err
	}
	return web.RedirectOK(c, "/admin/courses/"+strconv.FormatInt(courseID, 10)+"/edit", "课时已删除")
}

// POST /admin/lessons/:id/attachments
func (h *handlers) adminUpload(c *fiber.Ctx) error {
	id, _, err := h.upload(c)
	if err != nil {
		if we, ok := err.(*web.Error); ok && we.Status < 500 && we.Status != fiber.StatusNotFound {
			return h.renderLessonEdit(c, nil, we.Message, we.Status)
		}
		return err
	}
	return web.RedirectOK(c, "/admin/lessons/"+strconv.FormatInt(id, 10)+"/edit", "附件已上传")
}

// POST /admin/attachments/:id/delete
func (h *handlers) adminDeleteAttachment(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	lessonID, err := deleteAttachment(c.UserContext(), h.db, id)
	if err != nil {
		return err
	}
	return web.RedirectOK(c, "/admin/lessons/"+strconv.FormatInt(lessonID, 10)+"/edit", "附件已删除")
}

// GET /admin/courses/:id/progress?branch=&status=
func (h *handlers) progressPage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	co, err := courseByID(ctx, h.db, id)
	if err != nil {
		return err
	}
	if !co.Published && web.Me(c).Role != web.RoleAdmin {
		return web.NotFound("找不到该课程")
	}
	year := h.year()
	scope, branch, err := h.scopeAndBranch(c)
	if err != nil {
		return err
	}
	all, err := learners(ctx, h.db, id, year, scope.Township(), branch)
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
	rows := filterStatus(all, status)
	bs, err := branchesIn(ctx, h.db, web.ScopeOf(web.Me(c)).Township())
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "courses/admin_progress", fiber.Map{"Title": co.Title + " · 学习进度", "Course": co,
		"Rows": rows, "Total": len(all), "Done": done, "Behind": behind, "Required": required, "Branches": bs,
		"BranchID": branch, "Status": status, "Year": year, "ShowTownship": scope.All})
}
