package outbox

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// Page and form handlers: each parses the request, calls the same store operation as its
// JSON twin in api.go, and renders or redirects.

// statusLink is one status of the page's counts: how many, and the list of that status.
type statusLink struct {
	Label string
	N     int
	URL   string
	On    bool
}

// GET /admin/outbox?status=failed&q=&page= (admin): whether the channel is on, the counts
// per status (each a link to its list), and one page of the rows of a status, newest
// first, searchable by name or phone; a failed or skipped row links to its retry.
func (h *handlers) page(c *fiber.Ctx) error {
	f, page, err := listQuery(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	counts, err := h.store.Counts(ctx)
	if err != nil {
		return err
	}
	rows, total, err := h.store.List(ctx, f)
	if err != nil {
		return err
	}
	var links []statusLink
	for _, st := range append(append([]string{}, Statuses...), StatusAll) {
		v := url.Values{"status": {st}}
		if f.Query != "" {
			v.Set("q", f.Query)
		}
		label := StatusName(st)
		if st == StatusAll {
			label = "全部"
		}
		links = append(links, statusLink{Label: label, N: counts.Of(st), URL: "/admin/outbox?" + v.Encode(),
			On: st == f.Status || (st == StatusAll && f.Status == "")})
	}
	status := f.Status
	if status == "" {
		status = StatusAll
	}
	return h.srv.Render.Page(c, "outbox/admin", fiber.Map{"Title": "短信与微信通知", "On": h.on, "Counts": counts,
		"Links": links, "Rows": rows, "Total": total, "FStatus": status, "FQuery": f.Query, "Filtered": f.Query != "",
		"Pager": web.NewPager(c, page, total, web.PageSize)})
}

// GET /admin/outbox/:id/retry (admin): asks before sending a row again.
func (h *handlers) retryPage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	r, err := h.store.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	if !r.Retryable() {
		return ErrNotRetryable
	}
	lines := []string{
		fmt.Sprintf("收件人：%s%s", r.Name, prefixed("（", r.Township, "）")),
		"内容：" + strings.TrimSuffix(r.Text, "\n"+r.URL), // the link is the site's own address
		"上次结果：" + StatusName(r.Status) + fmt.Sprintf("，已尝试 %d 次", r.Attempts),
		"确定后这条消息重新排队，尝试次数从零算起；站内消息早已送达，不受影响。",
	}
	if !h.on {
		lines = append(lines, "注意：短信与微信通知目前未开启，开启后才会发出。")
	}
	return h.srv.RenderConfirm(c, web.Confirm{Title: "重新发送", Question: "重新发送这条短信或微信通知吗？",
		Consequences: lines, Action: fmt.Sprintf("/admin/outbox/%d/retry", r.ID), Yes: "确定重新发送",
		Back: "/admin/outbox?status=" + r.Status})
}

func prefixed(before, s, after string) string {
	if s == "" {
		return ""
	}
	return before + s + after
}

// POST /admin/outbox/:id/retry (admin, from retryPage).
func (h *handlers) retryForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	r, err := h.store.Retry(c.UserContext(), id)
	if err != nil {
		return err
	}
	msg := "已重新排队，稍后发送"
	if !h.on {
		msg = "已重新排队；短信与微信通知开启后发送"
	}
	return web.RedirectOK(c, "/admin/outbox", msg+"："+r.Name)
}
