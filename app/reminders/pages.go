package reminders

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// Page and form handlers: each parses the form or query, calls the same store operation
// as its JSON twin in api.go, and renders or redirects.

// GET /admin/reminders?q=&page=
func (h *handlers) listPage(c *fiber.Ctx) error {
	page, err := web.PageParam(c)
	if err != nil {
		return err
	}
	q := strings.Clone(c.Query("q"))
	pg := web.NewPager(c, page, 0, web.PageSize)
	list, total, err := h.store.List(c.UserContext(), web.Me(c), q, pg.Offset(), pg.Limit())
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "reminders/list", fiber.Map{"Title": "催学记录", "Reminders": list, "Total": total, "Query": q,
		"Pager": web.NewPager(c, page, total, web.PageSize)})
}

// GET /admin/reminders/new?target=&target_id=&township=&branch=&due_within_days=&absent_only=&page=
// Without a target: the items there is somebody to remind about. With one: the filter,
// the count and the people (paged), the text and 「发送」.
func (h *handlers) newPage(c *fiber.Ctx) error {
	in, bad := inputFromQuery(c)
	if bad != nil {
		return web.Invalidf("筛选条件不正确", bad)
	}
	if in.Target == "" && c.Query("target_id") == "" {
		return h.choicesPage(c, in.Filter.Township)
	}
	page, err := web.PageParam(c)
	if err != nil {
		return err
	}
	return h.renderNew(c, in, page, nil)
}

// choicesPage lists what the caller may remind about (Choices).
func (h *handlers) choicesPage(c *fiber.Ctx, township int64) error {
	me := web.Me(c)
	if me.Role != web.RoleAdmin {
		township = 0
	}
	list, err := h.store.Choices(c.UserContext(), me, township)
	if err != nil {
		return err
	}
	var courses, exams, classes, tours []Choice
	for _, ch := range list {
		switch ch.Kind {
		case TargetCourse:
			courses = append(courses, ch)
		case TargetExam:
			exams = append(exams, ch)
		case TargetTourReport:
			tours = append(tours, ch)
		default:
			classes = append(classes, ch)
		}
	}
	data := fiber.Map{"Title": "催学", "Courses": courses, "Exams": exams, "Classes": classes, "Tours": tours, "TownshipID": township,
		"IsAdmin": me.Role == web.RoleAdmin}
	if me.Role == web.RoleAdmin {
		towns, err := h.store.Townships(c.UserContext())
		if err != nil {
			return err
		}
		data["Townships"] = towns
	}
	return h.srv.Render.Page(c, "reminders/choose", data)
}

// renderNew shows the preview of in (page of its people) with the send form; failed is
// the refusal of a send, shown above the form with the text as typed.
func (h *handlers) renderNew(c *fiber.Ctx, in SendInput, page int, failed *web.Error) error {
	me := web.Me(c)
	ctx := c.UserContext()
	preview := in
	preview.Text = ""
	p, err := h.store.Preview(ctx, me, preview)
	if err != nil {
		return err
	}
	text := in.Text
	if text == "" && failed == nil {
		due := p.Target.Due
		if due != nil {
			text = DefaultText(p.Target.Kind, p.Target.Title, *due)
		} else {
			text = DefaultText(p.Target.Kind, p.Target.Title, zeroTime)
		}
	}
	pg := web.NewPager(c, page, len(p.People), web.PageSize)
	from, to := min(pg.Offset(), len(p.People)), min(pg.Offset()+pg.Limit(), len(p.People))
	if c.Method() != fiber.MethodGet {
		pg = web.Pager{Page: 1, Total: len(p.People), Size: web.PageSize}
		from, to = 0, min(web.PageSize, len(p.People))
	}
	data := fiber.Map{"Title": "催学：" + p.Target.Title, "P": p, "In": in, "Text": text, "Rows": p.People[from:to],
		"Pager": pg, "IsAdmin": me.Role == web.RoleAdmin, "TargetName": TargetName(p.Target.Kind), "Max": MaxText,
		"TownshipID": p.Township.Int64, "Hidden": hiddenFields(in)}
	if me.Role == web.RoleAdmin {
		towns, err := h.store.Townships(ctx)
		if err != nil {
			return err
		}
		data["Townships"] = towns
	}
	if p.Township.Valid {
		bs, err := h.store.Branches(ctx, p.Township.Int64)
		if err != nil {
			return err
		}
		data["Branches"] = bs
	}
	if failed != nil {
		c.Status(failed.Status)
		data["Error"] = failed.Message
		data["Errors"] = failed.Fields
	}
	return h.srv.Render.Page(c, "reminders/new", data)
}

// hiddenFields are the target and filter of in, for the send form.
func hiddenFields(in SendInput) map[string]string {
	f := map[string]string{"target": in.Target, "target_id": strconv.FormatInt(in.TargetID, 10)}
	if in.Filter.Township > 0 {
		f["township"] = strconv.FormatInt(in.Filter.Township, 10)
	}
	if in.Filter.Branch > 0 {
		f["branch"] = strconv.FormatInt(in.Filter.Branch, 10)
	}
	if in.Filter.DueWithinDays > 0 {
		f["due_within_days"] = strconv.Itoa(in.Filter.DueWithinDays)
	}
	if in.Filter.AbsentOnly {
		f["absent_only"] = "1"
	}
	return f
}

// POST /admin/reminders: send; a refusal (text, nobody to remind, closed) brings the
// preview back with the message and the text as typed.
func (h *handlers) sendForm(c *fiber.Ctx) error {
	in, bad := inputFromForm(c)
	if bad != nil {
		return web.Invalidf("筛选条件不正确", bad)
	}
	res, err := h.store.Send(c.UserContext(), web.Me(c), in)
	if err != nil {
		we := h.srv.AsError(err)
		if we.Status >= 500 || we.Status == fiber.StatusNotFound || we.Status == fiber.StatusForbidden || we.Fields["target"] != "" {
			return err
		}
		return h.renderNew(c, in, 1, we)
	}
	msg := fmt.Sprintf("已提醒 %d 人", res.Recipients)
	if res.Skipped > 0 {
		msg += fmt.Sprintf("，%d 人 7 天内已提醒过，这次没有再发", res.Skipped)
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/reminders/%d", res.ID), msg)
}

// GET /admin/reminders/:id?show=&q=&page=
func (h *handlers) reminderPage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	page, err := web.PageParam(c)
	if err != nil {
		return err
	}
	show := c.Query("show")
	if !ValidShow(show) {
		show = ""
	}
	q := strings.Clone(c.Query("q"))
	r, err := h.store.Get(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	pg := web.NewPager(c, page, 0, web.PageSize)
	rows, n, err := h.store.Recipients(c.UserContext(), r, show, q, pg.Offset(), pg.Limit())
	if err != nil {
		return err
	}
	type link struct {
		Label, URL string
		N          int
		On         bool
	}
	var links []link
	for _, v := range []string{"", ShowRead, ShowUnread, ShowFinished, ShowUnfinished, ShowSkipped} {
		if v == ShowSkipped && n.Skipped == 0 {
			continue
		}
		u := url.Values{}
		if v != "" {
			u.Set("show", v)
		}
		if q != "" {
			u.Set("q", q)
		}
		href := fmt.Sprintf("/admin/reminders/%d", r.ID)
		if len(u) > 0 {
			href += "?" + u.Encode()
		}
		links = append(links, link{Label: ShowLabel(v), URL: href, N: n.Of(v), On: v == show})
	}
	return h.srv.Render.Page(c, "reminders/reminder", fiber.Map{"Title": "催学：" + r.Title, "R": r, "Rows": rows, "N": n,
		"Links": links, "Show": show, "Query": q, "Pager": web.NewPager(c, page, n.Of(show), web.PageSize),
		"Cards": []web.Card{
			{Title: "已送达", Big: fmt.Sprintf("%d 人", n.Sent)},
			{Title: "已读", Big: fmt.Sprintf("%d 人", n.Read), Bar: true, Percent: pct(n.Read, n.Sent)},
			{Title: "提醒后已完成", Big: fmt.Sprintf("%d 人", n.Finished), Bar: true, Percent: pct(n.Finished, n.All)},
		}})
}

func pct(a, b int) int {
	if b <= 0 {
		return 0
	}
	return min(100, a*100/b)
}
