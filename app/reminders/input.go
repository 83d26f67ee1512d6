package reminders

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// Filter narrows the people a reminder goes to, inside the sender's scope: due_within_days
// (course: only people whose due date is within so many days, 0 = all), branch, township
// (admins; an organizer may only name their own) and absent_only (class: only people with
// an absence).
type Filter struct {
	DueWithinDays int   `json:"due_within_days,omitempty"`
	Branch        int64 `json:"branch,omitempty"`
	Township      int64 `json:"township,omitempty"`
	AbsentOnly    bool  `json:"absent_only,omitempty"`
}

// SendInput is POST /api/v1/reminders (and the send form).
type SendInput struct {
	Target   string `json:"target"`
	TargetID int64  `json:"target_id"`
	Filter   Filter `json:"filter"`
	Text     string `json:"text"`
}

// Validate checks the request; the text only when sending (a preview needs none).
func (in *SendInput) Validate(sending bool) web.FieldErrors {
	errs := web.FieldErrors{}
	if TargetName(in.Target) == "" {
		errs["target"] = "请选择提醒什么：课程、考试、培训班或考察学习报告"
	}
	if in.TargetID <= 0 {
		errs["target_id"] = "请选择要提醒的课程、考试、培训班或考察"
	}
	if in.Filter.DueWithinDays < 0 || in.Filter.DueWithinDays > MaxFilterDays {
		errs["filter.due_within_days"] = "天数应在 0 到 366 之间"
	}
	if in.Filter.Branch < 0 {
		errs["filter.branch"] = "支部不正确"
	}
	if in.Filter.Township < 0 {
		errs["filter.township"] = "乡镇不正确"
	}
	if sending || in.Text != "" {
		t, why := CheckText(in.Text)
		if why != "" {
			errs["text"] = why
		}
		in.Text = t
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// inputFromValues reads the target and filter of the preview page and the send form (the
// form posts the same fields); numbers that are none are field errors.
func inputFromValues(get func(string) string) (SendInput, web.FieldErrors) {
	bad := web.FieldErrors{}
	num := func(name, field string) int64 {
		v := get(name)
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			bad[field] = "应为数字"
		}
		return n
	}
	in := SendInput{Target: get("target"), TargetID: num("target_id", "target_id"), Text: get("text")}
	in.Filter.Branch = num("branch", "filter.branch")
	in.Filter.Township = num("township", "filter.township")
	days := num("due_within_days", "filter.due_within_days")
	if days < 0 || days > MaxFilterDays {
		bad["filter.due_within_days"] = "天数应在 0 到 366 之间"
	} else {
		in.Filter.DueWithinDays = int(days)
	}
	in.Filter.AbsentOnly = get("absent_only") == "1"
	if len(bad) > 0 {
		return in, bad
	}
	return in, nil
}

func inputFromQuery(c *fiber.Ctx) (SendInput, web.FieldErrors) {
	return inputFromValues(func(k string) string { return strings.Clone(c.Query(k)) })
}

func inputFromForm(c *fiber.Ctx) (SendInput, web.FieldErrors) {
	return inputFromValues(func(k string) string { return strings.Clone(c.FormValue(k)) })
}
