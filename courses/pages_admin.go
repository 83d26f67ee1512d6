package courses

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

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
	in := CourseInput{Title: c.FormValue("title"), Category: c.FormValue("category"), Topic: c.FormValue("topic"), Summary: c.FormValue("summary"),
		CreditReason: c.FormValue("credit_reason")}
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

// formErr is a refused form: which form of the page it was (so that only that form
// shows what was typed), the headline, and each field's message for beside the field.
type formErr struct {
	Form    string
	Message string
	Fields  map[string]string
	Status  int
}

// formFields are the fields each form shows a message beside; a field message with no
// place on its form joins the headline, so nothing is lost.
var formFields = map[string][]string{
	"new":        {"title", "category", "topic", "summary", "credit_hours"},
	"course":     {"title", "category", "topic", "summary", "credit_hours", "credit_reason"},
	"year":       {"year", "target_hours", "minutes_per_hour"},
	"lesson":     {"title", "body_markdown", "video_url", "min_seconds"},
	"newlesson":  {"title", "min_seconds"},
	"assignment": {"year", "scope", "township_ids", "branch_kinds", "due_date"},
	"upload":     {"file"},
}

// errsFor is the field messages of form when it is the refused one (nil otherwise).
func errsFor(fe *formErr, form string) map[string]string {
	if fe == nil || fe.Form != form {
		return nil
	}
	return fe.Fields
}

// refusal turns an operation's error into what the form shows, or ok false for errors
// that are not about the form (not found, server errors), which go to the error page.
func (h *handlers) refusal(form string, err error) (*formErr, bool) {
	we := h.srv.AsError(err)
	if we.Status == http.StatusNotFound || we.Status >= 500 {
		return nil, false
	}
	fe := &formErr{Form: form, Message: we.Message, Fields: map[string]string{}, Status: we.Status}
	placed := map[string]bool{}
	for _, k := range formFields[form] {
		placed[k] = true
	}
	var rest []string
	for k, v := range we.Fields {
		fe.Fields[k] = v
		if !placed[k] {
			rest = append(rest, v)
		}
	}
	if len(we.Fields) > 0 {
		fe.Message = "请按标出的提示修改后再提交"
		if len(rest) > 0 {
			sort.Strings(rest)
			fe.Message += "：" + strings.Join(rest, "；")
		}
	}
	return fe, true
}

// formDone redirects with the message after a form's operation succeeded, or re-renders
// the page with the refused form as typed and its messages.
func (h *handlers) formDone(c *fiber.Ctx, form string, err error, rerender func(fe *formErr) error, to, message string) error {
	if err != nil {
		fe, ok := h.refusal(form, err)
		if !ok {
			return err
		}
		return rerender(fe)
	}
	return web.RedirectOK(c, to, message)
}

func courseEditPath(id int64) string { return "/admin/courses/" + strconv.FormatInt(id, 10) + "/edit" }
func lessonEditPath(id int64) string { return "/admin/lessons/" + strconv.FormatInt(id, 10) + "/edit" }

// courseValues are the course form's fields as text, as stored or as typed.
type courseValues struct{ Title, Category, Topic, Summary, CreditHours, CreditReason string }

func courseValuesOf(co *Course) courseValues {
	return courseValues{co.Title, co.Category, co.Topic, co.Summary, strconv.FormatFloat(co.CreditHours, 'f', -1, 64), co.CreditReason}
}

func courseValuesTyped(c *fiber.Ctx) courseValues {
	return courseValues{c.FormValue("title"), c.FormValue("category"), c.FormValue("topic"), c.FormValue("summary"), c.FormValue("credit_hours"),
		c.FormValue("credit_reason")}
}

// --- course list and years ---

// GET /admin/courses?q=&page=
func (h *handlers) adminList(c *fiber.Ctx) error {
	return h.renderAdminList(c, nil)
}

func (h *handlers) renderAdminList(c *fiber.Ctx, fe *formErr) error {
	me := web.Me(c)
	ctx := c.UserContext()
	page, err := web.PageParam(c)
	if err != nil {
		return err
	}
	q := clip(c.Query("q"), 50)
	f := CourseFilter{WithDrafts: withDrafts(me), Query: q, Limit: web.PageSize, Offset: (page - 1) * web.PageSize}
	all, total, err := h.store.Courses(ctx, f)
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
	d := fiber.Map{"Title": "课程管理", "Courses": all, "Stats": byCourse, "Year": year, "Years": years, "Rule": rule,
		"IsAdmin": me.Role == web.RoleAdmin, "Pager": web.NewPager(c, page, total, web.PageSize), "Total": total, "Query": q,
		"New": courseValues{Category: "理论", CreditHours: "0"}, "NewErrs": errsFor(fe, "new"), "YearErrs": errsFor(fe, "year"),
		"YearForm": map[string]string{"year": strconv.Itoa(rule.Year), "target_hours": strconv.FormatFloat(rule.TargetHours, 'f', -1, 64),
			"minutes_per_hour": strconv.Itoa(rule.MinutesPerHour)}}
	if me.Role != web.RoleAdmin {
		d["Title"] = "课程学习进度"
	}
	if fe != nil {
		d["Error"] = fe.Message
		c.Status(fe.Status)
		switch fe.Form {
		case "new":
			d["New"] = courseValuesTyped(c)
		case "year":
			d["YearForm"] = map[string]string{"year": c.FormValue("year"), "target_hours": c.FormValue("target_hours"),
				"minutes_per_hour": c.FormValue("minutes_per_hour")}
		}
	}
	return h.srv.Render.Page(c, "courses/admin_list", d)
}

func (h *handlers) listAgain(c *fiber.Ctx) func(*formErr) error {
	return func(fe *formErr) error { return h.renderAdminList(c, fe) }
}

// clip trims s and keeps at most n characters of it.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n])
	}
	return s
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
	return h.formDone(c, "new", err, h.listAgain(c), to, "课程已创建，请添加课时")
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
	return h.formDone(c, "year", err, h.listAgain(c), "/admin/courses", "年度学时设置已保存")
}

// --- one course ---

// GET /admin/courses/:id/edit
func (h *handlers) editCoursePage(c *fiber.Ctx) error {
	return h.renderEdit(c, nil)
}

// assignmentWho says in words whom an assignment covers.
func assignmentWho(a Assignment, townshipNames map[int64]string) string {
	switch a.Scope {
	case "townships":
		var n []string
		for _, id := range a.TownshipIDs {
			n = append(n, townshipNames[id])
		}
		return strings.Join(n, "、")
	case "kinds":
		return strings.Join(a.BranchKinds, "、") + "党支部"
	}
	return "全县"
}

func (h *handlers) townshipNames(ctx context.Context, me *web.Identity) ([]Township, map[int64]string, error) {
	ts, err := h.store.Townships(ctx, web.ScopeOf(me))
	names := map[int64]string{}
	for _, t := range ts {
		names[t.ID] = t.Name
	}
	return ts, names, err
}

// assignValues are the assignment form's fields, as typed (or the defaults).
type assignValues struct {
	Year, DueDate, Scope string
	Townships            map[int64]bool
	Kinds                map[string]bool
}

func (h *handlers) renderEdit(c *fiber.Ctx, fe *formErr) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	co, err := h.store.Course(ctx, id)
	if err != nil {
		return err
	}
	all, err := h.store.AllLessons(ctx, id)
	if err != nil {
		return err
	}
	var ls, archived []Lesson
	for _, l := range all {
		if l.Archived() {
			archived = append(archived, l)
		} else {
			ls = append(ls, l)
		}
	}
	as, err := h.store.Assignments(ctx, id)
	if err != nil {
		return err
	}
	ts, names, err := h.townshipNames(ctx, web.Me(c))
	if err != nil {
		return err
	}
	type assignmentView struct {
		Assignment
		Who string
	}
	views := make([]assignmentView, len(as))
	for i, a := range as {
		views[i] = assignmentView{a, assignmentWho(a, names)}
	}
	rule, err := h.store.YearRule(ctx, h.year())
	if err != nil {
		return err
	}
	chk := CheckCredit(co.CreditHours, co.LessonCount, co.TotalMinSeconds, rule)
	d := fiber.Map{"Title": "编辑课程", "Course": co, "Lessons": ls, "Archived": archived, "Rule": rule, "Credit": chk,
		"ConvertedText": FormatHours(chk.Converted), "DeclaredText": FormatHours(chk.Declared), "MinTotalText": FormatMinutes(co.TotalMinSeconds),
		"Assignments": views, "Townships": ts, "Kinds": branchKinds,
		"CourseForm": courseValuesOf(co), "NewLesson": map[string]string{"title": "", "min_minutes": "5"},
		"Assign":     assignValues{Year: strconv.Itoa(h.year()), Scope: "all"},
		"CourseErrs": errsFor(fe, "course"), "LessonErrs": errsFor(fe, "newlesson"), "AssignErrs": errsFor(fe, "assignment")}
	if fe != nil {
		d["Error"] = fe.Message
		c.Status(fe.Status)
		switch fe.Form {
		case "course":
			d["CourseForm"] = courseValuesTyped(c)
		case "newlesson":
			d["NewLesson"] = map[string]string{"title": c.FormValue("title"), "min_minutes": c.FormValue("min_minutes")}
		case "assignment":
			a := assignValues{Year: c.FormValue("year"), DueDate: c.FormValue("due_date"), Scope: c.FormValue("scope"),
				Townships: map[int64]bool{}, Kinds: map[string]bool{}}
			args := c.Request().PostArgs()
			for _, v := range args.PeekMulti("township_ids") {
				if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
					a.Townships[n] = true
				}
			}
			for _, v := range args.PeekMulti("branch_kinds") {
				a.Kinds[string(v)] = true
			}
			d["Assign"] = a
		}
	}
	return h.srv.Render.Page(c, "courses/admin_course", d)
}

func (h *handlers) editAgain(c *fiber.Ctx) func(*formErr) error {
	return func(fe *formErr) error { return h.renderEdit(c, fe) }
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
	return h.formDone(c, "course", err, h.editAgain(c), courseEditPath(id), "课程已保存")
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
	return h.formDone(c, "publish", err, h.editAgain(c), courseEditPath(id), msg)
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
	return h.formDone(c, "newlesson", err, h.editAgain(c), to, "课时已添加，请编写正文")
}

// POST /admin/courses/:id/assignments
func (h *handlers) createAssignmentForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	y, ok := formInt(c, "year")
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
	if !ok {
		err = unparsed(web.FieldErrors{"year": "年度应为四位数字"}, func() web.FieldErrors { _, f := in.Assignment(id); return f })
	} else {
		_, err = h.store.CreateAssignment(c.UserContext(), id, in)
	}
	return h.formDone(c, "assignment", err, h.editAgain(c), courseEditPath(id), "已设为必修")
}

// GET /admin/assignments/:id/delete: what deleting the assignment does, and the button.
func (h *handlers) deleteAssignmentPage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	a, err := h.store.Assignment(ctx, id)
	if err != nil {
		return err
	}
	co, err := h.store.Course(ctx, a.CourseID)
	if err != nil {
		return err
	}
	_, names, err := h.townshipNames(ctx, web.Me(c))
	if err != nil {
		return err
	}
	return h.srv.RenderConfirm(c, web.Confirm{
		Question: "确定删除这项必修安排吗？",
		Consequences: []string{
			fmt.Sprintf("《%s》将不再是 %d 年%s的必修课程（原定 %s 截止）。", co.Title, a.Year, assignmentWho(*a, names), a.DueDate.Format("2006年1月2日")),
			"已学完的记录和学时不受影响；还没学完的人不再计入必修完成率，也不会再被提醒。",
		},
		Action: c.Path(), Yes: "确定删除", Back: courseEditPath(a.CourseID), Danger: true})
}

// POST /admin/assignments/:id/delete
func (h *handlers) deleteAssignmentForm(c *fiber.Ctx) error {
	return h.deleteForm(c, h.store.DeleteAssignment, courseEditPath, "必修安排已删除")
}

// --- one lesson ---

// GET /admin/lessons/:id/edit
func (h *handlers) editLessonPage(c *fiber.Ctx) error {
	return h.renderLessonEdit(c, nil)
}

func (h *handlers) renderLessonEdit(c *fiber.Ctx, fe *formErr) error {
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
	mins := strconv.FormatFloat(float64(l.MinSeconds)/60, 'f', -1, 64)
	d := fiber.Map{"Title": "编辑课时", "Lesson": l, "Course": co, "Attachments": atts[id],
		"LessonErrs": errsFor(fe, "lesson"), "UploadErrs": errsFor(fe, "upload")}
	if fe != nil {
		d["Error"] = fe.Message
		c.Status(fe.Status)
		if fe.Form == "lesson" {
			l.Title, l.BodyMD, l.VideoURL = c.FormValue("title"), c.FormValue("body_markdown"), c.FormValue("video_url")
			mins = c.FormValue("min_minutes")
		}
	}
	d["Preview"], d["MinMinutes"] = web.Markdown(l.BodyMD), mins
	return h.srv.Render.Page(c, "courses/admin_lesson", d)
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
	again := func(fe *formErr) error { return h.renderLessonEdit(c, fe) }
	return h.formDone(c, "lesson", err, again, lessonEditPath(id), "课时已保存")
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

// GET /admin/lessons/:id/delete: what deleting the lesson does, and the button; for a
// lesson somebody has started, why it cannot be deleted and the offer to archive it.
func (h *handlers) deleteLessonPage(c *fiber.Ctx) error {
	return h.renderDeleteLesson(c, false)
}

func (h *handlers) renderDeleteLesson(c *fiber.Ctx, refused bool) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	l, err := h.store.Lesson(ctx, id)
	if err != nil {
		return err
	}
	n, err := h.store.LessonLearners(ctx, id)
	if err != nil {
		return err
	}
	path := "/admin/lessons/" + strconv.FormatInt(id, 10)
	back := courseEditPath(l.CourseID)
	if n == 0 && !refused {
		return h.srv.RenderConfirm(c, web.Confirm{
			Question: "确定删除课时「" + l.Title + "」吗？",
			Consequences: []string{"课时的正文和附件将一并删除，不能恢复。",
				"目前还没有学员学习过这个课时。"},
			Action: path + "/delete", Yes: "确定删除", Back: back, Danger: true})
	}
	if refused {
		c.Status(http.StatusConflict)
	}
	cf := web.Confirm{
		Title:    "课时不能删除",
		Question: "课时「" + l.Title + "」不能删除",
		Consequences: []string{
			fmt.Sprintf("已有 %d 位学员学习过这个课时，删除会丢掉他们的学习记录。", max(n, 1)),
			"可以改为归档：学员将看不到这个课时，它也不再计入课程完成条件；学习记录保留，之后还能恢复。",
		},
		Action: path + "/archive", Yes: "归档这个课时", No: "不，返回", Back: back}
	if l.Archived() {
		cf.Consequences[1] = "这个课时已经归档：学员看不到它，它也不计入课程完成条件；学习记录保留。需要时可以恢复。"
		cf.Action, cf.Yes = path+"/restore", "恢复这个课时"
	}
	return h.srv.RenderConfirm(c, cf)
}

// POST /admin/lessons/:id/delete: refused (409, with the offer to archive) when anybody
// has started the lesson.
func (h *handlers) deleteLessonForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	courseID, err := h.store.DeleteLesson(c.UserContext(), id)
	if errors.Is(err, ErrLessonHasProgress) {
		return h.renderDeleteLesson(c, true)
	}
	if err != nil {
		return err
	}
	return web.RedirectOK(c, courseEditPath(courseID), "课时已删除")
}

// POST /admin/lessons/:id/archive
func (h *handlers) archiveLessonForm(c *fiber.Ctx) error {
	return h.deleteForm(c, h.store.ArchiveLesson, courseEditPath, "课时已归档：学员看不到它，它也不再计入课程完成条件")
}

// POST /admin/lessons/:id/restore
func (h *handlers) restoreLessonForm(c *fiber.Ctx) error {
	return h.deleteForm(c, h.store.RestoreLesson, courseEditPath, "课时已恢复，排在课程最后")
}

// POST /admin/lessons/:id/attachments
func (h *handlers) uploadForm(c *fiber.Ctx) error {
	id, _, err := h.upload(c)
	again := func(fe *formErr) error { return h.renderLessonEdit(c, fe) }
	return h.formDone(c, "upload", err, again, lessonEditPath(id), "附件已上传")
}

// GET /admin/attachments/:id/delete: what deleting the attachment does, and the button.
func (h *handlers) deleteAttachmentPage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	a, lesson, err := h.store.AttachmentInfo(c.UserContext(), id)
	if err != nil {
		return err
	}
	return h.srv.RenderConfirm(c, web.Confirm{
		Question:     "确定删除附件「" + a.Filename + "」吗？",
		Consequences: []string{"删除后，学员在课时「" + lesson + "」里将不能再下载这个附件，不能恢复。"},
		Action:       c.Path(), Yes: "确定删除", Back: lessonEditPath(a.LessonID), Danger: true})
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

// GET /admin/courses/:id/progress?township=&branch=&status=&q=&page=
// One page of the course's learners. An admin may pick a township, then a branch of it
// (a branch of another township than the chosen one is dropped, with a note); an
// organizer always sees their own township, whatever ?township= says, and another
// township's branch is not found.
func (h *handlers) progressPage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	page, err := web.PageParam(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	me := web.Me(c)
	isAdmin := me.Role == web.RoleAdmin
	tid := me.TownshipID
	towns, _, err := h.townshipNames(ctx, me)
	if err != nil {
		return err
	}
	// A malformed or unknown id is a forged one: not found (TestForgedIDs), like an id
	// outside the caller's scope.
	if isAdmin {
		t, err := web.QueryInt(c, "township")
		if err != nil || t < 0 || (t > 0 && !hasTownship(towns, t)) {
			return ErrTownshipNotFound
		}
		tid = t
	}
	b, err := web.QueryInt(c, "branch")
	if err != nil || b < 0 {
		return ErrBranchNotFound
	}
	var branch int64
	dropped := false
	if b > 0 {
		bt, err := h.store.BranchTownship(ctx, b)
		switch {
		case err != nil:
			return err
		case !isAdmin && bt != tid:
			return ErrBranchNotFound
		case tid == 0:
			tid, branch = bt, b // an admin's link with a branch only: show its township
		case bt == tid:
			branch = b
		default:
			dropped = true // an admin changed the township: the old township's branch no longer fits
		}
	}
	scope := web.Scope{TownshipID: tid}
	if tid == 0 {
		scope = web.Scope{All: true}
	}
	status := c.Query("status")
	if !ValidStatus(status) {
		return ErrBadStatus
	}
	q := clip(c.Query("q"), 50)
	f := ProgressFilter{Scope: scope, BranchID: branch, Status: status, Query: q, Limit: web.PageSize, Offset: (page - 1) * web.PageSize}
	co, counts, rows, err := h.store.Progress(ctx, me, id, h.year(), f)
	if err != nil {
		return err
	}
	var branches []Branch
	if tid != 0 {
		if branches, err = h.store.Branches(ctx, web.Scope{TownshipID: tid}); err != nil {
			return err
		}
	}
	// statusURL keeps every filter but the status and the page.
	statusURL := func(s string) string {
		v := url.Values{}
		c.Context().QueryArgs().VisitAll(func(k, val []byte) { v.Add(string(k), string(val)) })
		v.Del("page")
		v.Del("status")
		if s != "" {
			v.Set("status", s)
		}
		if len(v) == 0 {
			return c.Path()
		}
		return c.Path() + "?" + v.Encode()
	}
	type statusLink struct {
		Value, Label, URL string
		N                 int
		On                bool
	}
	var links []statusLink
	for _, s := range []string{StatusDone, StatusStudying, StatusNotStarted} {
		links = append(links, statusLink{s, StatusLabel(s), statusURL(s), counts.Of(s), s == status})
	}
	statuses := []statusLink{{Value: "", Label: "全部"}}
	for _, s := range []string{StatusNotStarted, StatusStudying, StatusDone, StatusBehind} {
		statuses = append(statuses, statusLink{Value: s, Label: StatusLabel(s)})
	}
	return h.srv.Render.Page(c, "courses/admin_progress", fiber.Map{"Title": co.Title + " · 学习进度", "Course": co,
		"Rows": rows, "Counts": counts, "StatusLinks": links, "AllURL": statusURL(""), "Statuses": statuses,
		"Pager": web.NewPager(c, page, counts.Of(status), web.PageSize), "Shown": counts.Of(status),
		"IsAdmin": isAdmin, "Townships": towns, "TownshipID": tid, "Branches": branches, "BranchID": branch, "Dropped": dropped,
		"Status": status, "StatusLabel": StatusLabel(status), "Query": q, "Year": h.year(), "ShowTownship": tid == 0,
		"Filtered": (isAdmin && tid != 0) || branch != 0 || status != "" || q != ""})
}

func hasTownship(ts []Township, id int64) bool {
	for _, t := range ts {
		if t.ID == id {
			return true
		}
	}
	return false
}
