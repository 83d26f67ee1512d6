package courses

import (
	"bytes"
	"math"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/lib/pq"

	"zhibu/app/web"
)

// Request shapes of the courses operations and their pure checks. A check trims its
// input in place and returns a Chinese message per bad field (nil when all is well).

// MaxAttachment is the largest PDF a lesson accepts.
const MaxAttachment = 50 << 20

// CourseInput is what authoring sends for a course.
type CourseInput struct {
	Title       string  `json:"title"`
	Category    string  `json:"category"`
	Topic       string  `json:"topic"`
	Summary     string  `json:"summary"`
	CreditHours float64 `json:"credit_hours"`
	// CreditReason says why the course declares more 学时 than its lessons' minimum times
	// give (CreditCheck.NeedsReason); the store requires it then.
	CreditReason string `json:"credit_reason"`
}

// MaxCreditReason bounds the reason (characters); the database checks the same.
const MaxCreditReason = 200

// Validate trims the input and names each bad field.
func (in *CourseInput) Validate() web.FieldErrors {
	in.Title, in.Category = strings.TrimSpace(in.Title), strings.TrimSpace(in.Category)
	in.Topic, in.Summary = strings.TrimSpace(in.Topic), strings.TrimSpace(in.Summary)
	in.CreditReason = strings.TrimSpace(in.CreditReason)
	f := web.FieldErrors{}
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
	if utf8.RuneCountInString(in.CreditReason) > MaxCreditReason {
		f["credit_reason"] = "学时认定理由不能超过 200 个字"
	}
	badText(f, "summary", in.Summary, true)
	badText(f, "credit_reason", in.CreditReason, true)
	return orNil(f)
}

// LessonInput is what authoring sends for a lesson.
type LessonInput struct {
	Title      string `json:"title"`
	Body       string `json:"body_markdown"`
	VideoURL   string `json:"video_url"`
	MinSeconds int    `json:"min_seconds"`
}

// Validate trims the input and names each bad field.
func (in *LessonInput) Validate() web.FieldErrors {
	in.Title, in.VideoURL = strings.TrimSpace(in.Title), strings.TrimSpace(in.VideoURL)
	f := web.FieldErrors{}
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
	return orNil(f)
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

// Assignment checks the input and builds the assignment of the course. Whether the
// townships exist is the store's check.
func (in AssignmentInput) Assignment(courseID int64) (Assignment, web.FieldErrors) {
	f := web.FieldErrors{}
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
			switch {
			case web.BadText(k, false):
				f["branch_kinds"] = "支部类型" + web.BadTextMessage
			case !knownKind(k):
				f["branch_kinds"] = "支部类型不正确：" + k
			}
		}
		a.BranchKinds = in.BranchKinds
	default:
		f["scope"] = "范围应为 all（全县）、townships（指定乡镇）或 kinds（指定支部类型）"
	}
	d, ok := web.ParseDate(in.DueDate)
	if !ok {
		f["due_date"] = "请填写截止日期，格式如 2026-12-31"
	} else {
		a.DueDate = d
		if d.Year() != in.Year && d.Year() != in.Year+1 {
			f["due_date"] = "截止日期应在该年度内（或次年初）"
		}
	}
	return a, orNil(f)
}

func knownKind(k string) bool {
	for _, known := range branchKinds {
		if k == known {
			return true
		}
	}
	return false
}

// Validate checks a year's 学时 policy.
func (r YearRule) Validate() web.FieldErrors {
	f := web.FieldErrors{}
	if r.Year < 2000 || r.Year > 2100 {
		f["year"] = "请填写正确的年度"
	}
	if !finite(r.TargetHours) || r.TargetHours <= 0 || r.TargetHours > 1000 {
		f["target_hours"] = "年度目标学时应在 0 到 1000 之间"
	}
	if r.MinutesPerHour < 1 || r.MinutesPerHour > 600 {
		f["minutes_per_hour"] = "每学时分钟数应在 1 到 600 之间"
	}
	return orNil(f)
}

// BeatInput is one heartbeat of the lesson page.
type BeatInput struct {
	ReachedEnd bool    `json:"reached_end"`
	Resume     bool    `json:"resume"`  // page opened or shown again: start the clock, credit nothing
	Elapsed    float64 `json:"elapsed"` // the page's own measure of visible seconds since its last beat
}

// Validate refuses a measure no page can have taken.
func (in BeatInput) Validate() web.FieldErrors {
	if !finite(in.Elapsed) || in.Elapsed < 0 || in.Elapsed > 86400 {
		return web.FieldErrors{"elapsed": "应为 0 到 86400 秒"}
	}
	return nil
}

// PublishInput publishes or withdraws a course.
type PublishInput struct {
	Published *bool `json:"published"`
}

// ReorderInput is the new order of all of a course's lessons.
type ReorderInput struct {
	LessonIDs []int64 `json:"lesson_ids"`
}

// CheckPDF refuses anything that is not a PDF within the size limit.
func CheckPDF(filename string, data []byte) error {
	if len(data) > MaxAttachment {
		return ErrTooLarge
	}
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		return ErrNotPDF
	}
	if strings.TrimSpace(filename) == "" || utf8.RuneCountInString(filename) > 200 {
		return ErrBadFilename
	}
	if web.BadText(filename, false) {
		return ErrFilenameText
	}
	return nil
}

// badText names the field when its text cannot be stored (NUL, invalid UTF-8) or would
// display as something else (control and bidi characters); see web.BadText.
func badText(f web.FieldErrors, field, value string, multiline bool) {
	if web.BadText(value, multiline) {
		f[field] = web.BadTextMessage
	}
}

// finite tells whether v is a real number (not NaN or ±Inf): every number a person
// enters must be, before any range check (NaN fails every comparison).
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// orNil returns nil for no bad field, so that a check's result can be returned as an error.
func orNil(f web.FieldErrors) web.FieldErrors {
	if len(f) == 0 {
		return nil
	}
	return f
}

var fieldOrder = []string{"title", "category", "topic", "summary", "credit_hours", "credit_reason", "body_markdown", "video_url", "min_seconds",
	"year", "scope", "township_ids", "branch_kinds", "due_date", "target_hours", "minutes_per_hour", "published", "file"}

// fieldsMessage joins the messages of f in the order of the forms' fields.
func fieldsMessage(f map[string]string) string {
	var parts []string
	for _, k := range fieldOrder {
		if m, ok := f[k]; ok {
			parts = append(parts, m)
		}
	}
	return strings.Join(parts, "；")
}
