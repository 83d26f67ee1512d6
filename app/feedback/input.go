package feedback

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// SendInput is a complaint or suggestion (POST /api/v1/feedback, the form of /feedback).
type SendInput struct {
	Kind      string `json:"kind"` // complaint, suggestion (when omitted) or question
	Category  string `json:"category"`
	Text      string `json:"text"`
	Anonymous bool   `json:"anonymous"` // 对乡镇匿名
}

// Validate trims the text and checks every field.
func (in *SendInput) Validate() web.FieldErrors {
	errs := web.FieldErrors{}
	in.Text = strings.TrimSpace(in.Text)
	if in.Kind == "" {
		in.Kind = KindSuggestion
	}
	if !known(Kinds, in.Kind) {
		errs["kind"] = "请选择投诉、建议或咨询"
	}
	if !known(Categories, in.Category) {
		errs["category"] = "请选择反映的方面"
	}
	textErrors(errs, "text", in.Text, "请填写具体内容")
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// ReplyInput is staff's answer (POST /api/v1/feedback/{id}/reply, the form of
// /admin/feedback/:id): the reply text and the status to set (rules.go Reply).
type ReplyInput struct {
	Text   string `json:"text"`
	Status string `json:"status"`
}

// Validate trims the text and checks what can be checked without the stored feedback.
func (in *ReplyInput) Validate() web.FieldErrors {
	errs := web.FieldErrors{}
	in.Text = strings.TrimSpace(in.Text)
	in.Status = strings.TrimSpace(in.Status)
	if in.Text != "" {
		textErrors(errs, "text", in.Text, "")
	}
	if _, f := Reply(in.Status, in.Text, ""); f != nil {
		for k, v := range f {
			if errs[k] == "" {
				errs[k] = v
			}
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func textErrors(errs web.FieldErrors, field, v, missing string) {
	switch {
	case v == "":
		errs[field] = missing
	case utf8.RuneCountInString(v) > MaxText:
		errs[field] = fmt.Sprintf("不能超过 %d 字（现在 %d 字）", MaxText, utf8.RuneCountInString(v))
	case web.BadText(v, true):
		errs[field] = web.BadTextMessage
	}
}

// headline is the message above a form's fields for the field errors of errs.
func headline(errs web.FieldErrors) error {
	if errs == nil {
		return nil
	}
	return web.Invalidf("提交的内容有误，请按提示修改后重试", errs)
}

// Filter is a staff list's query: ?status=&category=&kind=&q=&page=.
type Filter struct {
	Status, Category, Kind, Query string
	Mine                          bool // only the caller's own (secretaries always)
	Offset, Limit                 int
}

// filterOf reads the list's filters; an unknown value is a 400 naming it.
func filterOf(c *fiber.Ctx) (Filter, int, error) {
	f := Filter{Status: c.Query("status"), Category: c.Query("category"), Kind: c.Query("kind"),
		Query: strings.TrimSpace(c.Query("q")), Mine: c.Query("mine") == "1"}
	if f.Status != "" && !known(Statuses, f.Status) {
		return f, 0, web.BadRequest("状态参数有误")
	}
	if f.Category != "" && !known(Categories, f.Category) {
		return f, 0, web.BadRequest("方面参数有误")
	}
	if f.Kind != "" && !known(Kinds, f.Kind) {
		return f, 0, web.BadRequest("类型参数有误")
	}
	if utf8.RuneCountInString(f.Query) > 50 || web.BadText(f.Query, false) {
		return f, 0, web.BadRequest("搜索内容太长或含有无法识别的字符")
	}
	page, err := web.PageParam(c)
	if err != nil {
		return f, 0, err
	}
	f.Limit, f.Offset = web.PageSize, (page-1)*web.PageSize
	return f, page, nil
}
