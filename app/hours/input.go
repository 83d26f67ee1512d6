package hours

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// CreditInput is a manual credit (POST /api/v1/hours): outside training the county
// recognizes, e.g. a 党校 class elsewhere.
type CreditInput struct {
	UserID int64   `json:"user_id"`
	Year   int     `json:"year"`
	Hours  float64 `json:"hours"`
	Note   string  `json:"note"`
}

// Validate checks the credit; the note (what training, where) is required.
func (in *CreditInput) Validate() web.FieldErrors {
	errs := web.FieldErrors{}
	in.Note = strings.TrimSpace(in.Note)
	if in.UserID <= 0 {
		errs["user_id"] = "请选择支部书记"
	}
	if in.Year < 2000 || in.Year > 2100 {
		errs["year"] = "年度应为 2000 到 2100 之间的年份"
	}
	switch {
	case math.IsNaN(in.Hours) || in.Hours <= 0:
		errs["hours"] = "学时应大于 0"
	case in.Hours > MaxHours:
		errs["hours"] = fmt.Sprintf("一次认定不能超过 %d 学时", MaxHours)
	case math.Round(in.Hours*100) != in.Hours*100:
		errs["hours"] = "学时最多保留两位小数"
	}
	noteErrors(errs, "note", in.Note, "请写明培训名称、主办单位和时间")
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// RevokeInput is the reason of a revocation (DELETE /api/v1/hours/:id).
type RevokeInput struct {
	Reason string `json:"reason"`
}

// Validate checks that a reason is given.
func (in *RevokeInput) Validate() web.FieldErrors {
	errs := web.FieldErrors{}
	in.Reason = strings.TrimSpace(in.Reason)
	noteErrors(errs, "reason", in.Reason, "请写明撤销原因")
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func noteErrors(errs web.FieldErrors, field, v, missing string) {
	switch {
	case v == "":
		errs[field] = missing
	case utf8.RuneCountInString(v) > MaxNote:
		errs[field] = fmt.Sprintf("不能超过 %d 字", MaxNote)
	case web.BadText(v, false):
		errs[field] = web.BadTextMessage
	}
}

// yearParam reads ?year= (this year in China when absent).
func yearParam(c *fiber.Ctx) (int, error) {
	v := c.Query("year")
	if v == "" {
		return thisYear(), nil
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < 2000 || y > 2100 {
		return 0, web.BadRequest("年度应为 2000 到 2100 之间的年份")
	}
	return y, nil
}

// filterOf reads the staff ledger's filters: year, township, q and page.
func filterOf(c *fiber.Ctx) (Filter, int, error) {
	year, err := yearParam(c)
	if err != nil {
		return Filter{}, 0, err
	}
	township, err := web.QueryInt(c, "township")
	if err != nil || township < 0 {
		return Filter{}, 0, web.BadRequest("乡镇参数有误")
	}
	page, err := web.PageParam(c)
	if err != nil {
		return Filter{}, 0, err
	}
	q := strings.TrimSpace(c.Query("q"))
	if utf8.RuneCountInString(q) > 50 || web.BadText(q, false) {
		return Filter{}, 0, web.BadRequest("搜索内容太长或含有无法识别的字符")
	}
	return Filter{Year: year, TownshipID: township, Query: q, Limit: web.PageSize, Offset: (page - 1) * web.PageSize}, page, nil
}
