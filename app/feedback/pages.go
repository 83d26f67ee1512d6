package feedback

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// Page and form handlers: each parses the form, calls the same store operation as its
// JSON twin in api.go, and renders or redirects.

// GET /feedback: the form and the caller's own feedback with the replies.
func (h *handlers) minePage(c *fiber.Ctx) error {
	return h.mine(c, SendInput{Kind: KindSuggestion}, nil)
}

func (h *handlers) mine(c *fiber.Ctx, in SendInput, failed *web.Error) error {
	page, err := web.PageParam(c)
	if err != nil {
		return err
	}
	me := web.Me(c)
	p, err := h.store.List(c.UserContext(), me, Filter{Mine: true, Limit: web.PageSize, Offset: (page - 1) * web.PageSize})
	if err != nil {
		return err
	}
	d := fiber.Map{"Title": "投诉建议", "In": in, "Kinds": Kinds, "Categories": Categories, "Items": p.Items,
		"Total": p.Total, "Pager": web.NewPager(c, page, p.Total, web.PageSize), "IsAdmin": me.Role == web.RoleAdmin,
		"Max": MaxText, "Limit": DailyLimit, "IsStaff": me.Role != web.RoleSecretary}
	if failed != nil {
		c.Status(failed.Status)
		d["Error"], d["Errors"] = failed.Message, failed.Fields
	}
	return h.srv.Render.Page(c, "feedback/mine", d)
}

// POST /feedback (form: kind, category, text, anonymous)
func (h *handlers) sendForm(c *fiber.Ctx) error {
	in := SendInput{Kind: c.FormValue("kind"), Category: c.FormValue("category"), Text: c.FormValue("text"),
		Anonymous: c.FormValue("anonymous") == "1"}
	if _, err := h.store.Send(c.UserContext(), web.Me(c), in); err != nil {
		we := h.srv.AsError(err)
		if we.Status >= 500 {
			return err
		}
		return h.mine(c, in, we)
	}
	return web.RedirectOK(c, "/feedback", "已提交，处理结果会显示在下面，答复后会通知您")
}

// statusLink is one count of the staff list's status row.
type statusLink struct {
	Label string
	N     int
	URL   string
	On    bool
}

// GET /admin/feedback?status=&category=&kind=&q=&page=
func (h *handlers) adminListPage(c *fiber.Ctx) error {
	f, page, err := filterOf(c)
	if err != nil {
		return err
	}
	f.Mine = false
	me := web.Me(c)
	p, err := h.store.List(c.UserContext(), me, f)
	if err != nil {
		return err
	}
	link := func(status string) string {
		q := url.Values{}
		for k, v := range map[string]string{"status": status, "category": f.Category, "kind": f.Kind, "q": f.Query} {
			if v != "" {
				q.Set(k, v)
			}
		}
		if len(q) == 0 {
			return "/admin/feedback"
		}
		return "/admin/feedback?" + q.Encode()
	}
	all := 0
	for _, n := range p.Counts {
		all += n
	}
	counts := []statusLink{{Label: "全部", N: all, URL: link(""), On: f.Status == ""}}
	for _, st := range Statuses {
		counts = append(counts, statusLink{Label: st.Label, N: p.Counts[st.Value], URL: link(st.Value), On: f.Status == st.Value})
	}
	return h.srv.Render.Page(c, "feedback/admin_list", fiber.Map{"Title": "投诉建议", "Items": p.Items, "Total": p.Total,
		"Pager": web.NewPager(c, page, p.Total, web.PageSize), "F": f, "Counts": counts, "Kinds": Kinds,
		"Categories": Categories, "Statuses": Statuses, "IsAdmin": me.Role == web.RoleAdmin,
		"Filtered": f.Status != "" || f.Category != "" || f.Kind != "" || f.Query != ""})
}

// GET /admin/feedback/:id: one piece of feedback and the reply form.
func (h *handlers) adminItemPage(c *fiber.Ctx) error {
	return h.item(c, ReplyInput{}, nil)
}

func (h *handlers) item(c *fiber.Ctx, in ReplyInput, failed *web.Error) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	me := web.Me(c)
	it, err := h.store.Get(c.UserContext(), me, id)
	if err != nil {
		return err
	}
	if in.Status == "" {
		in.Status = StatusReplied
	}
	d := fiber.Map{"Title": it.KindName + "详情", "It": it, "In": in, "ReplyStatuses": ReplyStatuses, "Max": MaxText,
		"IsAdmin": me.Role == web.RoleAdmin}
	if failed != nil {
		c.Status(failed.Status)
		d["Error"], d["Errors"] = failed.Message, failed.Fields
	}
	return h.srv.Render.Page(c, "feedback/admin_item", d)
}

// POST /admin/feedback/:id/reply (form: text, status)
func (h *handlers) replyForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	in := ReplyInput{Text: c.FormValue("text"), Status: c.FormValue("status")}
	it, err := h.store.Answer(c.UserContext(), web.Me(c), id, in)
	if err != nil {
		we := h.srv.AsError(err)
		if we.Status >= 500 || we.Status == fiber.StatusNotFound {
			return err
		}
		return h.item(c, in, we)
	}
	msg := "已设为“" + it.StatusName + "”"
	if strings.TrimSpace(in.Text) != "" {
		msg = "已答复，提交人会看到答复（状态：" + it.StatusName + "）"
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/feedback/%d", id), msg)
}
