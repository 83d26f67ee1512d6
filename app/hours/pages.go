package hours

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// GET /me/hours?year= : 我的学时.
func (h *handlers) minePage(c *fiber.Ctx) error {
	year, err := yearParam(c)
	if err != nil {
		return err
	}
	sum, err := h.store.Mine(c.UserContext(), web.Me(c).UserID, year)
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "hours/mine", fiber.Map{"Title": "我的学时", "S": sum, "Years": yearsAround(year)})
}

// GET /admin/hours?year=&township=&q=&page= : every secretary's 学时 of the year.
func (h *handlers) peoplePage(c *fiber.Ctx) error {
	f, page, err := filterOf(c)
	if err != nil {
		return err
	}
	me := web.Me(c)
	scope := web.ScopeOf(me)
	list, total, reached, target, err := h.store.People(c.UserContext(), scope, f)
	if err != nil {
		return err
	}
	towns, err := h.store.Townships(c.UserContext(), scope)
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "hours/people", fiber.Map{"Title": "学时台账", "People": list, "Total": total,
		"Reached": reached, "Target": target, "F": f, "Townships": towns, "IsAdmin": me.Role == web.RoleAdmin,
		"Years": yearsAround(f.Year), "Pager": web.NewPager(c, page, total, web.PageSize)})
}

// GET /admin/hours/people/:id?year= : one secretary's entries, revoked ones too.
func (h *handlers) personPage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	year, err := yearParam(c)
	if err != nil {
		return err
	}
	me := web.Me(c)
	p, sum, err := h.store.PersonLedger(c.UserContext(), web.ScopeOf(me), id, year)
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "hours/person", fiber.Map{"Title": p.Name + "的学时", "P": p, "S": sum,
		"IsAdmin": me.Role == web.RoleAdmin, "Years": yearsAround(year)})
}

// GET /admin/hours/new?user=&year= : the manual credit form.
func (h *handlers) creditPage(c *fiber.Ctx) error {
	in := CreditInput{Year: thisYear()}
	if v, err := strconv.ParseInt(c.Query("user"), 10, 64); err == nil {
		in.UserID = v
	}
	if y, err := yearParam(c); err == nil && c.Query("year") != "" {
		in.Year = y
	}
	return h.creditFormPage(c, in, "", nil)
}

func (h *handlers) creditFormPage(c *fiber.Ctx, in CreditInput, hours string, failed *web.Error) error {
	d := fiber.Map{"Title": "认定学时", "In": in, "Hours": hours, "Max": MaxHours, "MaxNote": MaxNote}
	if in.UserID > 0 {
		if p, _, err := h.store.PersonLedger(c.UserContext(), web.ScopeOf(web.Me(c)), in.UserID, in.Year); err == nil {
			d["Person"] = p
		}
	}
	if failed != nil {
		c.Status(failed.Status)
		d["Error"], d["Errors"] = failed.Message, failed.Fields
	}
	return h.srv.Render.Page(c, "hours/credit", d)
}

// POST /admin/hours (form) : credit outside training.
func (h *handlers) creditForm(c *fiber.Ctx) error {
	in := CreditInput{Note: c.FormValue("note")}
	in.UserID, _ = strconv.ParseInt(c.FormValue("user_id"), 10, 64)
	in.Year, _ = strconv.Atoi(c.FormValue("year"))
	hours := strings.TrimSpace(c.FormValue("hours"))
	if v, err := strconv.ParseFloat(hours, 64); err == nil {
		in.Hours = v
	} else {
		in.Hours = -1 // refused by Validate with the field named
	}
	e, err := h.store.CreditManual(c.UserContext(), web.Me(c), in)
	if err != nil {
		we := h.srv.AsError(err)
		if we.Status >= 500 {
			return err
		}
		return h.creditFormPage(c, in, hours, we)
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/hours/people/%d?year=%d", e.UserID, e.Year),
		fmt.Sprintf("已认定 %s 学时：%s", web.FormatNumber(e.Hours), e.Note))
}

// GET /admin/hours/:id/revoke : what revoking does, and the reason.
func (h *handlers) revokePage(c *fiber.Ctx) error {
	return h.revokeFormPage(c, RevokeInput{}, nil)
}

func (h *handlers) revokeFormPage(c *fiber.Ctx, in RevokeInput, failed *web.Error) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	e, err := h.store.Entry(c.UserContext(), web.ScopeOf(web.Me(c)), id)
	if err != nil {
		return err
	}
	d := fiber.Map{"Title": "撤销学时", "E": e, "In": in, "MaxNote": MaxNote}
	if failed != nil {
		c.Status(failed.Status)
		d["Error"], d["Errors"] = failed.Message, failed.Fields
	}
	return h.srv.Render.Page(c, "hours/revoke", d)
}

// POST /admin/hours/:id/revoke (form: reason)
func (h *handlers) revokeForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	in := RevokeInput{Reason: c.FormValue("reason")}
	e, err := h.store.Revoke(c.UserContext(), web.Me(c), id, in)
	if err != nil {
		we := h.srv.AsError(err)
		if we.Status >= 500 || we.Status == fiber.StatusNotFound {
			return err
		}
		return h.revokeFormPage(c, in, we)
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/hours/people/%d?year=%d", e.UserID, e.Year),
		fmt.Sprintf("已撤销 %s 学时（%s）", web.FormatNumber(e.Hours), e.Note))
}

func thisYear() int { return time.Now().In(web.China).Year() }

// yearsAround are the years a year selector offers.
func yearsAround(year int) []int {
	now := thisYear()
	out := []int{}
	for y := now; y >= now-4; y-- {
		out = append(out, y)
	}
	if year > now || year < now-4 {
		out = append([]int{year}, out...)
	}
	return out
}
