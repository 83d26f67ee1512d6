package classes

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/roll"
	"zhibu/app/web"
)

// Kinds of a class: 理论 (吃得透) or 实务 (会干).
var Kinds = []string{"理论", "实务"}

// ClassInput is the class form (POST /api/v1/classes, PUT /api/v1/classes/:id).
type ClassInput struct {
	Title       string `json:"title"`
	Kind        string `json:"kind"`
	Venue       string `json:"venue"`
	Description string `json:"description"`
	ExamID      int64  `json:"exam_id"`     // the 结业 exam; 0 = none
	AbsenceNum  int    `json:"absence_num"` // absence limit num/den of the class's 学时; 0/0 = 1/7
	AbsenceDen  int    `json:"absence_den"`
}

// Validate checks the class and fills the default absence limit.
func (in *ClassInput) Validate() web.FieldErrors {
	errs := web.FieldErrors{}
	in.Title, in.Venue, in.Description = strings.TrimSpace(in.Title), strings.TrimSpace(in.Venue), strings.TrimSpace(in.Description)
	text(errs, "title", in.Title, 100, true, "请填写培训班名称")
	text(errs, "venue", in.Venue, 100, false, "")
	if utf8.RuneCountInString(in.Description) > 2000 {
		errs["description"] = "不能超过 2000 字"
	} else if web.BadText(in.Description, true) {
		errs["description"] = web.BadTextMessage
	}
	if in.Kind != "理论" && in.Kind != "实务" {
		errs["kind"] = "请选择理论或实务"
	}
	if in.ExamID < 0 {
		errs["exam_id"] = "考试编号有误"
	}
	if in.AbsenceNum == 0 && in.AbsenceDen == 0 {
		in.AbsenceNum, in.AbsenceDen = DefaultAbsenceNum, DefaultAbsenceDen
	}
	if in.AbsenceDen < 1 || in.AbsenceDen > 100 || in.AbsenceNum < 0 || in.AbsenceNum > in.AbsenceDen {
		errs["absence_num"] = "请假缺勤上限应为 0 到 1 之间的分数，如 1/7"
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// SessionInput is one session (POST /api/v1/classes/:id/sessions).
type SessionInput struct {
	Date    string  `json:"date"`  // 2026-12-08
	Start   string  `json:"start"` // 09:00
	End     string  `json:"end"`   // 11:30
	Topic   string  `json:"topic"`
	Teacher string  `json:"teacher"`
	Hours   float64 `json:"hours"`

	starts, ends time.Time
}

// Validate checks the session and resolves its times in China time.
func (in *SessionInput) Validate() web.FieldErrors {
	errs := web.FieldErrors{}
	in.Topic, in.Teacher = strings.TrimSpace(in.Topic), strings.TrimSpace(in.Teacher)
	text(errs, "topic", in.Topic, 100, true, "请填写这节课的主题")
	text(errs, "teacher", in.Teacher, 50, false, "")
	day, ok := web.ParseDate(in.Date)
	if !ok {
		errs["date"] = "请填写日期，如 2026-12-08"
	}
	clock := func(field, v string) time.Time {
		t, err := time.ParseInLocation("15:04", strings.TrimSpace(v), web.China)
		if err != nil {
			errs[field] = "请填写时间，如 09:00"
		}
		return t
	}
	st, en := clock("start", in.Start), clock("end", in.End)
	if len(errs) == 0 {
		in.starts = time.Date(day.Year(), day.Month(), day.Day(), st.Hour(), st.Minute(), 0, 0, web.China)
		in.ends = time.Date(day.Year(), day.Month(), day.Day(), en.Hour(), en.Minute(), 0, 0, web.China)
		if !in.ends.After(in.starts) {
			errs["end"] = "结束时间应晚于开始时间"
		}
	}
	switch {
	case math.IsNaN(in.Hours) || in.Hours <= 0:
		errs["hours"] = "学时应大于 0"
	case in.Hours > 24:
		errs["hours"] = "一节课不能超过 24 学时"
	case math.Round(in.Hours*100) != in.Hours*100:
		errs["hours"] = "学时最多保留两位小数"
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// ParticipantsInput picks the people to add (POST /api/v1/classes/:id/participants): all
// active secretaries of a township (optionally of one branch kind), and/or a pasted list
// of phone numbers or names, one per line.
type ParticipantsInput struct {
	TownshipID int64    `json:"township_id"`
	BranchKind string   `json:"branch_kind"`
	People     []string `json:"people"`
}

// MaxPeople bounds a pasted list.
const MaxPeople = 3000

// Validate checks the selection.
func (in *ParticipantsInput) Validate() web.FieldErrors {
	errs := web.FieldErrors{}
	var people []string
	for _, p := range in.People {
		if p = strings.TrimSpace(p); p != "" {
			people = append(people, p)
		}
	}
	in.People = people
	in.BranchKind = strings.TrimSpace(in.BranchKind)
	switch {
	case len(people) > MaxPeople:
		errs["people"] = fmt.Sprintf("一次最多添加 %d 人", MaxPeople)
	case in.TownshipID <= 0 && len(people) == 0:
		errs["people"] = "请选择乡镇，或粘贴手机号、姓名（每行一个）"
	}
	for _, p := range people {
		if utf8.RuneCountInString(p) > 50 || web.BadText(p, false) {
			errs["people"] = "名单中有过长或无法识别的内容：" + string([]rune(p)[:min(10, utf8.RuneCountInString(p))])
			break
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// Record is one line of a roll call (PUT …/attendance): roll.Record, the roll call
// classes and tours share.
type Record roll.Record

// AttendanceInput is a roll call.
type AttendanceInput struct {
	Records []Record `json:"records"`
}

// MaxRecords bounds one roll call request.
const MaxRecords = roll.MaxRecords

// Roll is the roll call as app/roll takes it.
func (in AttendanceInput) Roll() roll.Input {
	out := roll.Input{Records: make([]roll.Record, len(in.Records))}
	for i, r := range in.Records {
		out.Records[i] = roll.Record(r)
	}
	return out
}

// Validate checks every record (roll.Input.Validate).
func (in AttendanceInput) Validate() web.FieldErrors { return in.Roll().Validate() }

// LeaveInput is a leave request (POST …/leave).
type LeaveInput struct {
	Reason string `json:"reason"`
}

// Validate checks the reason.
func (in *LeaveInput) Validate() web.FieldErrors {
	errs := web.FieldErrors{}
	in.Reason = strings.TrimSpace(in.Reason)
	text(errs, "reason", in.Reason, 200, true, "请填写请假事由")
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func text(errs web.FieldErrors, field, v string, max int, required bool, missing string) {
	switch {
	case v == "" && required:
		errs[field] = missing
	case utf8.RuneCountInString(v) > max:
		errs[field] = fmt.Sprintf("不能超过 %d 字", max)
	case web.BadText(v, false):
		errs[field] = web.BadTextMessage
	}
}

// rollFilter reads the participant list's filters: session, q, status and page.
func rollFilter(c *fiber.Ctx) (RollFilter, int, error) {
	session, err := web.QueryInt(c, "session")
	if err != nil || session < 0 {
		return RollFilter{}, 0, web.BadRequest("参数 session 应为数字")
	}
	page, err := web.PageParam(c)
	if err != nil {
		return RollFilter{}, 0, err
	}
	q := strings.TrimSpace(c.Query("q"))
	if utf8.RuneCountInString(q) > 50 || web.BadText(q, false) {
		return RollFilter{}, 0, web.BadRequest("搜索内容太长或含有无法识别的字符")
	}
	status := c.Query("status")
	if status != "" && status != "unmarked" && !ValidStatus(status) {
		return RollFilter{}, 0, web.BadRequest("考勤状态筛选有误")
	}
	return RollFilter{SessionID: session, Query: q, Status: status, Limit: web.PageSize, Offset: (page - 1) * web.PageSize}, page, nil
}
