package web

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// PageSize is the length of a page of every staff list (people, progress, oversight,
// question bank, sign-ups, rolls): small enough for an old phone, large enough to scan.
const PageSize = 50

// MaxPage bounds ?page= so offsets stay far from overflowing.
const MaxPage = 100000

// Pager is one page of a staff list: which page, how many in all, and the links to the
// neighbouring pages that keep every other filter of the query. Render it with
// {{template "pager" .Pager}} (app/web/templates/partials.html).
type Pager struct {
	Page, Pages, Total, Size int
	PrevURL, NextURL         string
}

// Offset is the SQL OFFSET of the page.
func (p Pager) Offset() int { return (p.Page - 1) * p.Size }

// Limit is the SQL LIMIT of the page.
func (p Pager) Limit() int { return p.Size }

// PageParam reads ?page= (1 when absent); anything else than 1..MaxPage is a 400 with a
// Chinese message.
func PageParam(c *fiber.Ctx) (int, error) {
	v := c.Query("page")
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxPage {
		return 0, BadRequest("页码应为 1 到 " + strconv.Itoa(MaxPage) + " 之间的数字")
	}
	return n, nil
}

// NewPager builds the pager of page (from PageParam) once the total is known. A page past
// the end is shown as the last page's links so the user can get back.
func NewPager(c *fiber.Ctx, page, total, size int) Pager {
	if size <= 0 {
		size = PageSize
	}
	p := Pager{Page: page, Total: total, Size: size, Pages: (total + size - 1) / size}
	link := func(n int) string {
		q := url.Values{}
		c.Context().QueryArgs().VisitAll(func(k, v []byte) { q.Add(string(k), string(v)) })
		if n == 1 {
			q.Del("page")
		} else {
			q.Set("page", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return c.Path()
		}
		return c.Path() + "?" + q.Encode()
	}
	if page > 1 {
		p.PrevURL = link(min(page-1, max(p.Pages, 1)))
	}
	if page < p.Pages {
		p.NextURL = link(page + 1)
	}
	return p
}
