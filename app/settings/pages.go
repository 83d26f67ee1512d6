package settings

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// GET /admin/settings
func (h *handlers) page(c *fiber.Ctx) error {
	st, err := h.store.Get(c.UserContext())
	if err != nil {
		return err
	}
	return h.render(c, st, nil)
}

func (h *handlers) render(c *fiber.Ctx, st Settings, failed *web.Error) error {
	data := fiber.Map{"Title": "县级设置", "S": st}
	if failed != nil {
		c.Status(failed.Status)
		data["Error"] = failed.Message
		data["Errors"] = failed.Fields
	}
	return h.srv.Render.Page(c, "settings/index", data)
}

// inputFromForm reads the form: each setting is "1" (on) or "0" (off); anything else is
// left out and refused by Validate. The issuer name is text; a form without the field
// keeps the saved name, an empty field clears it.
func inputFromForm(c *fiber.Ctx) Input {
	in := Input{ShowRanking: formBool(c, "ranking_enabled"), RetakeAfterPass: formBool(c, "retake_after_pass"),
		RemindCourses: formBool(c, "remind_courses"), RemindExams: formBool(c, "remind_exams"),
		LessonMinTime: formBool(c, "lesson_min_time"), IssuerName: formText(c, "issuer_name")}
	if v := c.FormValue("remind_days"); v != "" {
		d, err := strconv.Atoi(v)
		if err != nil {
			d = -1 // refused by Validate
		}
		in.RemindDays = &d
	}
	return in
}

// formText is the posted value of the field (copied: Fiber reuses its buffers), or nil
// when the form does not have the field.
func formText(c *fiber.Ctx, name string) *string {
	if !c.Request().PostArgs().Has(name) {
		if f, err := c.MultipartForm(); err != nil || len(f.Value[name]) == 0 {
			return nil
		}
	}
	v := strings.Clone(c.FormValue(name))
	return &v
}

func formBool(c *fiber.Ctx, name string) *bool {
	var v bool
	switch c.FormValue(name) {
	case "1":
		v = true
	case "0":
		v = false
	default:
		return nil
	}
	return &v
}

// POST /admin/settings
func (h *handlers) updateForm(c *fiber.Ctx) error {
	in := inputFromForm(c)
	st, err := h.store.Update(c.UserContext(), web.Me(c), in)
	if err != nil {
		we := h.srv.AsError(err)
		if we.Status >= 500 {
			return err
		}
		cur, gerr := h.store.Get(c.UserContext())
		if gerr != nil {
			return gerr
		}
		if in.IssuerName != nil {
			cur.IssuerName = *in.IssuerName // the form shows what was typed
		}
		return h.render(c, cur, we)
	}
	return web.RedirectOK(c, "/admin/settings", "设置已保存："+rankingText(st.ShowRanking))
}
