package outbox

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// StatusAll is the ?status= of every status; no ?status= is StatusFailed.
const StatusAll = "all"

// MaxQuery bounds a search (runes).
const MaxQuery = 50

// listQuery reads a list's ?status= (failed when absent, all for every status), ?q= (a
// person's name or phone) and ?page=; it returns the filter of that page and the page.
func listQuery(c *fiber.Ctx) (Filter, int, error) {
	status := c.Query("status", StatusFailed)
	if status == StatusAll {
		status = ""
	} else if !slices.Contains(Statuses, status) {
		return Filter{}, 0, ErrBadStatus
	}
	q := strings.TrimSpace(c.Query("q"))
	if utf8.RuneCountInString(q) > MaxQuery || web.BadText(q, false) {
		return Filter{}, 0, ErrBadQuery
	}
	page, err := web.PageParam(c)
	if err != nil {
		return Filter{}, 0, err
	}
	return Filter{Status: status, Query: q, Offset: (page - 1) * web.PageSize, Limit: web.PageSize}, page, nil
}
