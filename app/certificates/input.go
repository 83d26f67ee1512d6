package certificates

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// MaxTitle and MaxReason bound a programme's title and a revocation's reason.
const (
	MaxTitle  = 100
	MaxReason = 200
)

// ProgrammeInput is the body of POST /api/v1/certificate-programmes and of PUT
// /api/v1/certificate-programmes/:id: a class programme names its class; a year programme
// its year and, optionally, the exam to pass (none: any exam passed that year).
type ProgrammeInput struct {
	Title   string `json:"title"`
	Kind    string `json:"kind"`
	ClassID int64  `json:"class_id,omitempty"`
	Year    int    `json:"year,omitempty"`
	ExamID  int64  `json:"exam_id,omitempty"`
	Active  *bool  `json:"active,omitempty"` // nil: active
}

// Validate trims the title and checks the fields the kind needs.
func (in *ProgrammeInput) Validate() web.FieldErrors {
	fe := web.FieldErrors{}
	in.Title = strings.TrimSpace(in.Title)
	switch {
	case in.Title == "":
		fe["title"] = "请填写证书项目名称"
	case utf8.RuneCountInString(in.Title) > MaxTitle:
		fe["title"] = fmt.Sprintf("名称不能超过 %d 字", MaxTitle)
	case web.BadText(in.Title, false):
		fe["title"] = web.BadTextMessage
	}
	switch in.Kind {
	case KindClass:
		if in.ClassID <= 0 {
			fe["class_id"] = "请选择培训班"
		}
		if in.Year != 0 {
			fe["year"] = "培训班结业证书不填年度"
		}
		if in.ExamID != 0 {
			fe["exam_id"] = "培训班结业证书不选考试（结业以结班结果为准）"
		}
	case KindYear:
		if in.Year < 2000 || in.Year > 2100 {
			fe["year"] = "请填写 2000 到 2100 之间的年度"
		}
		if in.ClassID != 0 {
			fe["class_id"] = "年度学习证书不选培训班"
		}
		if in.ExamID < 0 {
			fe["exam_id"] = "考试编号有误"
		}
	default:
		fe["kind"] = "请选择证书类型（培训班结业或年度学习）"
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// IsActive is the programme's switch (nil: on).
func (in ProgrammeInput) IsActive() bool { return in.Active == nil || *in.Active }

// programmeInputFromForm reads the programme form; a number that is not one is refused by field.
func programmeInputFromForm(c *fiber.Ctx) (ProgrammeInput, web.FieldErrors) {
	fe := web.FieldErrors{}
	num := func(field string) int64 {
		s := strings.TrimSpace(c.FormValue(field))
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			fe[field] = "请填写正整数"
			return 0
		}
		return n
	}
	in := ProgrammeInput{Title: c.FormValue("title"), Kind: c.FormValue("kind")}
	switch in.Kind {
	case KindClass:
		in.ClassID = num("class_id")
	case KindYear:
		y := num("year")
		if y > 9999 {
			y = 9999
		}
		in.Year = int(y)
		in.ExamID = num("exam_id")
	}
	active := c.FormValue("active") == "1"
	in.Active = &active
	return in, fe
}

// RevokeInput is the body of POST /api/v1/certificates/:id/revoke.
type RevokeInput struct {
	Reason string `json:"reason"`
}

// Validate requires a reason of at most MaxReason characters of storable text.
func (in *RevokeInput) Validate() web.FieldErrors {
	in.Reason = strings.TrimSpace(in.Reason)
	switch {
	case in.Reason == "":
		return web.FieldErrors{"reason": "请填写撤销原因"}
	case utf8.RuneCountInString(in.Reason) > MaxReason:
		return web.FieldErrors{"reason": fmt.Sprintf("撤销原因不能超过 %d 字", MaxReason)}
	case web.BadText(in.Reason, false):
		return web.FieldErrors{"reason": web.BadTextMessage}
	}
	return nil
}

// firstMessage is the headline of a refusal.
func firstMessage(fe web.FieldErrors) string {
	for _, f := range []string{"title", "kind", "class_id", "year", "exam_id", "reason"} {
		if m, ok := fe[f]; ok {
			return m
		}
	}
	return "提交的内容有误，请检查后重试"
}
