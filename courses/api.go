package courses

import (
	"bytes"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/lib/pq"

	"zhibu/app/web"
)

// --- validation (pure) ---

// ValidateCourse trims the input and returns a Chinese message per bad field.
func ValidateCourse(in *CourseInput) map[string]string {
	in.Title, in.Category = strings.TrimSpace(in.Title), strings.TrimSpace(in.Category)
	in.Topic, in.Summary = strings.TrimSpace(in.Topic), strings.TrimSpace(in.Summary)
	f := map[string]string{}
	if in.Title == "" {
		f["title"] = "请填写课程名称"
	} else if utf8.RuneCountInString(in.Title) > 100 {
		f["title"] = "课程名称不能超过 100 个字"
	}
	if in.Category != "理论" && in.Category != "实务" {
		f["category"] = "类别应为“理论”或“实务”"
	}
	if utf8.RuneCountInString(in.Topic) > 30 {
		f["topic"] = "专题不能超过 30 个字"
	}
	if utf8.RuneCountInString(in.Summary) > 1000 {
		f["summary"] = "简介不能超过 1000 个字"
	}
	if !finite(in.CreditHours) || in.CreditHours < 0 || in.CreditHours > 200 {
		f["credit_hours"] = "学时应在 0 到 200 之间（0 表示按最少学习时长折算）"
	}
	badText(f, "title", in.Title, false)
	badText(f, "category", in.Category, false)
	badText(f, "topic", in.Topic, false)
	badText(f, "summary", in.Summary, true)
	return f
}

// badText names the field when its text cannot be stored (NUL, invalid UTF-8) or would
// display as something else (control and bidi characters); see web.BadText.
func badText(f map[string]string, field, value string, multiline bool) {
	if web.BadText(value, multiline) {
		f[field] = web.BadTextMessage
	}
}

// finite tells whether v is a real number (not NaN or ±Inf): every number a person
// enters must be, before any range check (NaN fails every comparison).
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// ValidateLesson trims the input and returns a Chinese message per bad field.
func ValidateLesson(in *LessonInput) map[string]string {
	in.Title, in.VideoURL = strings.TrimSpace(in.Title), strings.TrimSpace(in.VideoURL)
	f := map[string]string{}
	if in.Title == "" {
		f["title"] = "请填写课时标题"
	} else if utf8.RuneCountInString(in.Title) > 100 {
		f["title"] = "课时标题不能超过 100 个字"
	}
	if len(in.Body) > 200_000 {
		f["body_markdown"] = "正文过长，请拆分为多个课时"
	}
	if in.VideoURL != "" {
		u, err := url.Parse(in.VideoURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			f["video_url"] = "视频链接应以 http:// 或 https:// 开头"
		}
	}
	if in.MinSeconds < 0 || in.MinSeconds > 36000 {
		f["min_seconds"] = "最少学习时长应在 0 到 36000 秒之间"
	}
	badText(f, "title", in.Title, false)
	badText(f, "body_markdown", in.Body, true)
	badText(f, "video_url", in.VideoURL, false)
	return f
}

// CheckPDF refuses anything that is not a PDF within the size limit.
func CheckPDF(filename string, data []byte) error {
	if len(data) > MaxAttachment {
		return web.Err(fiber.StatusRequestEntityTooLarge, "payload_too_large", "附件过大，请不要超过 50 MB")
	}
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		return web.Invalid("附件只支持 PDF 文件", map[string]string{"file": "不是有效的 PDF 文件"})
	}
	if strings.TrimSpace(filename) == "" || utf8.RuneCountInString(filename) > 200 {
		return web.Invalid("文件名不正确", map[string]string{"file": "文件名为空或过长"})
	}
	if web.BadText(filename, false) {
		return web.Invalid("文件名"+web.BadTextMessage, map[string]string{"file": "文件名" + web.BadTextMessage})
	}
	return nil
}

// AssignmentInput is what authoring sends to make a course 必修.
type AssignmentInput struct {
	Year        int      `json:"year"`
	Scope       string   `json:"scope"`
	TownshipIDs []int64  `json:"township_ids"`
	BranchKinds []string `json:"branch_kinds"`
	DueDate     string   `json:"due_date"` // YYYY-MM-DD
}

var branchKinds = []string{"农村", "社区", "机关", "企业", "学校", "事业单位", "联合", "产业", "其他"}

// ValidateAssignment checks an assignment and builds it.
func ValidateAssignment(courseID int64, in AssignmentInput) (Assignment, map[string]string) {
	f := map[string]string{}
	a := Assignment{CourseID: courseID, Year: in.Year, Scope: in.Scope, TownshipIDs: pq.Int64Array{}, BranchKinds: pq.StringArray{}}
	if in.Year < 2000 || in.Year > 2100 {
		f["year"] = "请填写正确的年度"
	}
	switch in.Scope {
	case "all":
	case "townships":
		if len(in.TownshipIDs) == 0 {
			f["township_ids"] = "请至少选择一个乡镇"
		}
		a.TownshipIDs = in.TownshipIDs
	case "kinds":
		if len(in.BranchKinds) == 0 {
			f["branch_kinds"] = "请至少选择一种支部类型"
		}
		for _, k := range in.BranchKinds {
			ok := false
			for _, known := range branchKinds {
				ok = ok || k == known
			}
			switch {
			case web.BadText(k, false):
				f["branch_kinds"] = "支部类型" + web.BadTextMessage
			case !ok:
				f["branch_kinds"] = "支部类型不正确：" + k
			}
		}
		a.BranchKinds = in.BranchKinds
	default:
		f["scope"] = "范围应为 all（全县）、townships（指定乡镇）或 kinds（指定支部类型）"
	}
	d, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(in.DueDate), web.China)
	if err != nil {
		f["due_date"] = "请填写截止日期，格式如 2026-12-31"
	} else {
		a.DueDate = d
		if d.Year() != in.Year && d.Year() != in.Year+1 {
			f["due_date"] = "截止日期应在该年度内（或次年初）"
		}
	}
	return a, f
}

// ValidateYear checks a year's 学时 policy.
func ValidateYear(r YearRule) map[string]string {
	f := map[string]string{}
	if r.Year < 2000 || r.Year > 2100 {
		f["year"] = "请填写正确的年度"
	}
	if !finite(r.TargetHours) || r.TargetHours <= 0 || r.TargetHours > 1000 {
		f["target_hours"] = "年度目标学时应在 0 到 1000 之间"
	}
	if r.MinutesPerHour < 1 || r.MinutesPerHour > 600 {
		f["minutes_per_hour"] = "每学时分钟数应在 1 到 600 之间"
	}
	return f
}

func invalid(f map[string]string) error {
	if len(f) == 0 {
		return nil
	}
	return web.Invalid("", f)
}

// --- learner API ---

type courseJSON struct {
	MyCourse
	Required bool `json:"required"`
	Percent  int  `json:"percent"`
}

func toJSON(m MyCourse) courseJSON { return courseJSON{m, m.Required(), m.Percent()} }

// GET /api/v1/courses?category=理论
func (h *handlers) apiList(c *fiber.Ctx) error {
	me := web.Me(c)
	list, err := myCourses(c.UserContext(), h.db, me.UserID, h.year(), 0, false)
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

type lessonJSON struct {
	Lesson
	HTML        string       `json:"html,omitempty"`
	Seconds     int          `json:"seconds"`
	ReachedEnd  bool         `json:"reached_end"`
	Completed   bool         `json:"completed"`
	Attachments []Attachment `json:"attachments"`
}

// courseDetail loads a visible course with its lessons, the caller's states and attachments.
func (h *handlers) courseDetail(c *fiber.Ctx, id int64) (*MyCourse, []lessonJSON, error) {
	mc, err := h.visibleCourse(c, id)
	if err != nil {
		return nil, nil, err
	}
	ctx := c.UserContext()
	ls, err := lessonsOf(ctx, h.db, id)
	if err != nil {
		return nil, nil, err
	}
	states, err := lessonStates(ctx, h.db, web.Me(c).UserID, id)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, len(ls))
	for i, l := range ls {
		ids[i] = l.ID
	}
	atts, err := attachmentsOf(ctx, h.db, ids)
	if err != nil {
		return nil, nil, err
	}
	out := make([]lessonJSON, len(ls))
	for i, l := range ls {
		st := states[l.ID]
		l.BodyMD = ""
		out[i] = lessonJSON{Lesson: l, Seconds: st.Seconds, ReachedEnd: st.ReachedEnd, Completed: st.CompletedAt != nil,
			Attachments: append([]Attachment{}, atts[l.ID]...)}
	}
	return mc, out, nil
}

// GET /api/v1/courses/:id
func (h *handlers) apiCourse(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	mc, ls, err := h.courseDetail(c, id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"course": toJSON(*mc), "lessons": ls})
}

// visibleLesson returns a lesson whose course the caller may see.
func (h *handlers) visibleLesson(c *fiber.Ctx) (*Lesson, *MyCourse, error) {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return nil, nil, err
	}
	l, err := lessonByID(c.UserContext(), h.db, id)
	if err != nil {
		return nil, nil, err
	}
	mc, err := h.visibleCourse(c, l.CourseID)
	if err != nil {
		return nil, nil, web.NotFound("找不到该课时")
	}
	return l, mc, nil
}

// GET /api/v1/lessons/:id
func (h *handlers) apiLesson(c *fiber.Ctx) error {
	l, _, err := h.visibleLesson(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	states, err := lessonStates(ctx, h.db, web.Me(c).UserID, l.CourseID)
	if err != nil {
		return err
	}
	atts, err := attachmentsOf(ctx, h.db, []int64{l.ID})
	if err != nil {
		return err
	}
	st := states[l.ID]
	out := lessonJSON{Lesson: *l, HTML: string(web.Markdown(l.BodyMD)), Seconds: st.Seconds, ReachedEnd: st.ReachedEnd,
		Completed: st.CompletedAt != nil, Attachments: append([]Attachment{}, atts[l.ID]...)}
	return c.JSON(fiber.Map{"lesson": out})
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
	res, err := heartbeat(c.UserContext(), h.db, web.Me(c).UserID, id, in, h.now())
	if err != nil {
		return err
	}
	return c.JSON(res)
}

// StudySummary is a learner's year at a glance.
type StudySummary struct {
	Year        int     `json:"year"`
	TargetHours float64 `json:"target_hours"`
	HoursEarned float64 `json:"hours_earned"`
	Percent     int     `json:"percent"`
	RequiredDue int     `json:"required_left"`
}

func (h *handlers) summary(c *fiber.Ctx, userID int64, year int) (*StudySummary, []MyCourse, error) {
	ctx := c.UserContext()
	rule, err := yearRule(ctx, h.db, year)
	if err != nil {
		return nil, nil, err
	}
	earned, err := hoursEarned(ctx, h.db, userID, year)
	if err != nil {
		return nil, nil, err
	}
	list, err := myCourses(ctx, h.db, userID, year, 0, false)
	if err != nil {
		return nil, nil, err
	}
	s := &StudySummary{Year: year, TargetHours: rule.TargetHours, HoursEarned: earned, Percent: HoursPercent(earned, rule.TargetHours)}
	for _, m := range list {
		if m.Required() && !m.Done() {
			s.RequiredDue++
		}
	}
	return s, list, nil
}

// GET /api/v1/me/study?year=
func (h *handlers) apiMyStudy(c *fiber.Ctx) error {
	year, err := h.queryYear(c)
	if err != nil {
		return err
	}
	s, _, err := h.summary(c, web.Me(c).UserID, year)
	if err != nil {
		return err
	}
	return c.JSON(s)
}

func (h *handlers) queryYear(c *fiber.Ctx) (int, error) {
	y, err := web.QueryInt(c, "year")
	if err != nil {
		return 0, web.Invalid("年度应为 2000 至 2100 之间的四位数字", map[string]string{"year": "年度不正确"})
	}
	if y == 0 {
		return h.year(), nil
	}
	if y < 2000 || y > 2100 {
		return 0, web.Invalid("年度应为 2000 至 2100 之间的四位数字", map[string]string{"year": "年度不正确"})
	}
	return int(y), nil
}

// --- oversight API ---

// queryID reads an optional id filter of the query string (0 when missing or 0). A
// malformed or negative id is a forged one: not found, like an id outside the scope.
func queryID(c *fiber.Ctx, name, notFound string) (int64, error) {
	id, err := web.QueryInt(c, name)
	if err != nil || id < 0 {
		return 0, web.NotFound(notFound)
	}
	return id, nil
}

// scopeAndBranch resolves the caller's township scope, narrowed by ?township= and ?branch=.
func (h *handlers) scopeAndBranch(c *fiber.Ctx) (web.Scope, int64, error) {
	scope := web.ScopeOf(web.Me(c))
	t, err := queryID(c, "township", "找不到该乡镇，或不在您的管理范围内")
	if err != nil {
		return scope, 0, err
	}
	if scope, err = scope.Narrow(t); err != nil {
		return scope, 0, err
	}
	b, err := queryID(c, "branch", "找不到该支部，或不在您的管理范围内")
	if err != nil || b == 0 {
		return scope, 0, err
	}
	bt, err := branchTownship(c.UserContext(), h.db, b)
	if err != nil || !scope.Allows(bt) {
		return scope, 0, web.NotFound("找不到该支部，或不在您的管理范围内")
	}
	return scope, b, nil
}

// GET /api/v1/courses/:id/progress?year=&township=&branch=&status=done|behind
func (h *handlers) apiProgress(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	co, err := courseByID(c.UserContext(), h.db, id)
	if err != nil {
		return err
	}
	if !co.Published && !withDrafts(web.Me(c)) {
		return web.NotFound("找不到该课程")
	}
	year, err := h.queryYear(c)
	if err != nil {
		return err
	}
	scope, branch, err := h.scopeAndBranch(c)
	if err != nil {
		return err
	}
	rows, err := learners(c.UserContext(), h.db, id, year, scope.Township(), branch)
	if err != nil {
		return err
	}
	rows = filterStatus(rows, c.Query("status"))
	type row struct {
		Learner
		Status string `json:"status"`
		Behind bool   `json:"behind"`
	}
	out := make([]row, len(rows))
	for i, r := range rows {
		out[i] = row{r, r.Status(), r.Behind()}
	}
	return c.JSON(fiber.Map{"course_id": id, "year": year, "learners": out})
}

func filterStatus(rows []Learner, status string) []Learner {
	if status == "" {
		return rows
	}
	out := rows[:0:0]
	for _, r := range rows {
		if (status == "done" && r.CompletedAt != nil) || (status == "behind" && r.Behind()) ||
			(status == "notstarted" && r.StartedAt == nil) {
			out = append(out, r)
		}
	}
	return out
}

// GET /api/v1/course-stats?year=&township=
func (h *handlers) apiStats(c *fiber.Ctx) error {
	year, err := h.queryYear(c)
	if err != nil {
		return err
	}
	scope, _, err := h.scopeAndBranch(c)
	if err != nil {
		return err
	}
	stats, err := requiredStats(c.UserContext(), h.db, year, scope.Township())
	if err != nil {
		return err
	}
	if stats == nil {
		stats = []RequiredStat{}
	}
	return c.JSON(fiber.Map{"year": year, "required": stats})
}

// --- authoring API ---

// POST /api/v1/courses
func (h *handlers) apiCreateCourse(c *fiber.Ctx) error {
	var in CourseInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	if err := invalid(ValidateCourse(&in)); err != nil {
		return err
	}
	id, err := createCourse(c.UserContext(), h.db, in)
	if err != nil {
		return err
	}
	co, err := courseByID(c.UserContext(), h.db, id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"course": co})
}

// PUT /api/v1/courses/:id
func (h *handlers) apiUpdateCourse(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in CourseInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	if err := invalid(ValidateCourse(&in)); err != nil {
		return err
	}
	if err := updateCourse(c.UserContext(), h.db, id, in); err != nil {
		return err
	}
	co, err := courseByID(c.UserContext(), h.db, id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"course": co})
}

// PUT /api/v1/courses/:id/published {"published":true}
func (h *handlers) apiPublish(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Published *bool `json:"published"`
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	if in.Published == nil {
		return web.Invalid("", map[string]string{"published": "请给出 true 或 false"})
	}
	if err := setPublished(c.UserContext(), h.db, id, *in.Published); err != nil {
		return err
	}
	co, err := courseByID(c.UserContext(), h.db, id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"course": co})
}

// POST /api/v1/courses/:id/lessons
func (h *handlers) apiCreateLesson(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in LessonInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	if err := invalid(ValidateLesson(&in)); err != nil {
		return err
	}
	lid, err := createLesson(c.UserContext(), h.db, id, in)
	if err != nil {
		return err
	}
	l, err := lessonByID(c.UserContext(), h.db, lid)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"lesson": l})
}

// PUT /api/v1/courses/:id/lesson-order {"lesson_ids":[3,1,2]}
func (h *handlers) apiReorder(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	if _, err := courseByID(c.UserContext(), h.db, id); err != nil {
		return err
	}
	var in struct {
		LessonIDs []int64 `json:"lesson_ids"`
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	if err := reorderLessons(c.UserContext(), h.db, id, in.LessonIDs); err != nil {
		return err
	}
	ls, err := lessonsOf(c.UserContext(), h.db, id)
	if err != nil {
		return err
	}
	for i := range ls {
		ls[i].BodyMD = ""
	}
	return c.JSON(fiber.Map{"lessons": ls})
}

// PUT /api/v1/lessons/:id
func (h *handlers) apiUpdateLesson(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in LessonInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	if err := invalid(ValidateLesson(&in)); err != nil {
		return err
	}
	if err := updateLesson(c.UserContext(), h.db, id, in); err != nil {
		return err
	}
	l, err := lessonByID(c.UserContext(), h.db, id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"lesson": l})
}

// DELETE /api/v1/lessons/:id
func (h *handlers) apiDeleteLesson(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	if _, err := deleteLesson(c.UserContext(), h.db, id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// upload reads, checks and stores a PDF for the lesson.
func (h *handlers) upload(c *fiber.Ctx) (int64, int64, error) {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return 0, 0, err
	}
	name, data, err := web.FormFile(c, MaxAttachment)
	if err != nil {
		return 0, 0, err
	}
	if err := CheckPDF(name, data); err != nil {
		return 0, 0, err
	}
	aid, err := addAttachment(c.UserContext(), h.db, id, strings.Clone(name), data)
	return id, aid, err
}

// POST /api/v1/lessons/:id/attachments (multipart field "file")
func (h *handlers) apiUpload(c *fiber.Ctx) error {
	_, aid, err := h.upload(c)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"attachment": fiber.Map{"id": aid, "url": "/attachments/" + strconv.FormatInt(aid, 10)}})
}

// DELETE /api/v1/attachments/:id
func (h *handlers) apiDeleteAttachment(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	if _, err := deleteAttachment(c.UserContext(), h.db, id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// GET /api/v1/courses/:id/assignments
func (h *handlers) apiAssignments(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	if _, err := courseByID(c.UserContext(), h.db, id); err != nil {
		return err
	}
	list, err := assignmentsOf(c.UserContext(), h.db, id)
	if err != nil {
		return err
	}
	if list == nil {
		list = []Assignment{}
	}
	return c.JSON(fiber.Map{"assignments": list})
}

func (h *handlers) saveAssignment(c *fiber.Ctx, courseID int64, in AssignmentInput) (int64, error) {
	if _, err := courseByID(c.UserContext(), h.db, courseID); err != nil {
		return 0, err
	}
	a, f := ValidateAssignment(courseID, in)
	if err := invalid(f); err != nil {
		return 0, err
	}
	if a.Scope == "townships" {
		n, err := existingTownships(c.UserContext(), h.db, a.TownshipIDs)
		if err != nil {
			return 0, err
		}
		if n != len(uniq(a.TownshipIDs)) {
			return 0, web.Invalid("", map[string]string{"township_ids": "有乡镇不存在"})
		}
	}
	return createAssignment(c.UserContext(), h.db, a)
}

func uniq(ids []int64) map[int64]bool {
	m := map[int64]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// POST /api/v1/courses/:id/assignments
func (h *handlers) apiCreateAssignment(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in AssignmentInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	aid, err := h.saveAssignment(c, id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"assignment": fiber.Map{"id": aid}})
}

// DELETE /api/v1/assignments/:id
func (h *handlers) apiDeleteAssignment(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	if _, err := deleteAssignment(c.UserContext(), h.db, id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// GET /api/v1/course-years
func (h *handlers) apiYears(c *fiber.Ctx) error {
	list, err := listYearRules(c.UserContext(), h.db)
	if err != nil {
		return err
	}
	if list == nil {
		list = []YearRule{}
	}
	return c.JSON(fiber.Map{"years": list})
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
	if err := invalid(ValidateYear(r)); err != nil {
		return err
	}
	if err := saveYearRule(c.UserContext(), h.db, r); err != nil {
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
