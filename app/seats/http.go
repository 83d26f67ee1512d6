package seats

import (
	"embed"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// The staff desk every feature with seats shows (templates/desk.html): the quota use, the
// sign-up list with its filter, counts and actions, and the nominee search. The feature
// reads the query (ReadQuery), asks its store for the page, the nominees and the usage,
// and renders its page with {{template "seats-usage" .Desk}}, {{template "seats-signups"
// .Desk}} and {{template "seats-nominate" .Desk}}. The actions post to the feature's own
// routes under Desk.Base: /nominate, /signups/:sid/approve, /signups/:sid/reject.

//go:embed templates/*.html
var templates embed.FS

// Mount adds the desk's templates and the mechanism's errors to the server; every feature
// with seats calls it before adding its own pages (a second call adds nothing).
func Mount(s *web.Server) error {
	if err := s.Render.AddPartials("seats", templates, "templates/*.html"); err != nil {
		return err
	}
	s.MapErrors(Errors)
	return nil
}

// NomineeLimit is how many secretaries one nominee search shows.
const NomineeLimit = 20

// maxQuery bounds a search text (runes): longer than any name, phone or branch.
const maxQuery = 50

// SearchParam reads a search text from the query: trimmed, at most maxQuery characters,
// refused (400) when it holds text that cannot be searched.
func SearchParam(c *fiber.Ctx, name string) (string, error) {
	q := strings.TrimSpace(c.Query(name))
	if web.BadText(q, false) {
		return "", web.BadRequest("搜索内容" + web.BadTextMessage)
	}
	if r := []rune(q); len(r) > maxQuery {
		q = string(r[:maxQuery])
	}
	return q, nil
}

// Query is what the desk was asked for.
type Query struct {
	Filter Filter
	Page   int
	Who    string // the nominee search ("": none)
}

// ReadQuery reads the desk's query: ?q= (name, phone, branch), ?township= (admins only:
// an organizer's list is always their own township, whatever the query says), ?status=
// (one of Statuses), ?page= and ?who= (the nominee search). What cannot be read is a 400.
func ReadQuery(c *fiber.Ctx, me *web.Identity) (Query, error) {
	var q Query
	var err error
	if q.Filter.Query, err = SearchParam(c, "q"); err != nil {
		return q, err
	}
	if v := c.Query("township"); v != "" && me.Role == web.RoleAdmin {
		if q.Filter.TownshipID, err = strconv.ParseInt(v, 10, 64); err != nil || q.Filter.TownshipID <= 0 {
			return q, web.BadRequest("乡镇筛选不正确，请从列表中选择乡镇")
		}
	}
	q.Filter.Status = c.Query("status")
	if q.Filter.Status != "" && !KnownStatus(q.Filter.Status) {
		return q, web.BadRequest("状态筛选不正确，请从列表中选择状态")
	}
	if q.Page, err = web.PageParam(c); err != nil {
		return q, err
	}
	q.Who, err = SearchParam(c, "who")
	return q, err
}

// Pager is the page of the sign-up list the query asks for (its Offset and Limit).
func (q Query) Pager(c *fiber.Ctx) web.Pager { return web.NewPager(c, q.Page, 0, web.PageSize) }

// DeskRow is one sign-up with what the viewer may do to it.
type DeskRow struct {
	Row
	CanApprove, CanReject bool
}

// StatusCount is one status of the counts above the list, with the link that filters by it.
type StatusCount struct {
	Status, Name, URL string
	N                 int
	On                bool
}

// Desk is what the desk's templates show.
type Desk struct {
	Base         string // the feature's page of the owner, e.g. /admin/tours/7; actions post under it
	CSRF         string
	Admin        bool
	F            Filter
	Statuses     []StatusCount // the status filter's options
	Counts       []StatusCount // the counts with their links
	Rows         []DeskRow
	Total        int
	ToDo         string // the viewer's to-do status, named
	Filtered     bool
	Pager        web.Pager
	Who          string
	Nominees     []Row
	MoreNominees bool
	CanNominate  bool
	Usage        []Use
	TotalSeats   int
	TotalHeld    int
}

// DeskInput is what the feature read for the desk.
type DeskInput struct {
	Base        string
	Query       Query
	Page        Page
	Nominees    []Row // NomineeLimit+1 read, so more can be told
	Usage       []Use
	TotalSeats  int
	CanNominate bool
}

// NewDesk builds the desk for the viewer.
func NewDesk(c *fiber.Ctx, me *web.Identity, in DeskInput) Desk {
	f := in.Query.Filter
	d := Desk{Base: in.Base, CSRF: web.CSRFToken(c), Admin: me.Role == web.RoleAdmin, F: f, Total: in.Page.Total,
		ToDo: StatusName(ToDo(me.Role)), Filtered: f != Filter{}, Who: in.Query.Who, Nominees: in.Nominees,
		CanNominate: in.CanNominate, Usage: in.Usage, TotalSeats: in.TotalSeats,
		Pager: web.NewPager(c, in.Query.Page, in.Page.Total, web.PageSize)}
	for _, u := range in.Usage {
		d.TotalHeld += u.Held()
	}
	d.Rows = make([]DeskRow, len(in.Page.Rows))
	for i, r := range in.Page.Rows {
		d.Rows[i] = DeskRow{Row: r, CanApprove: Approve(me.Role, r.Status).To != "", CanReject: Reject(me.Role, r.Status).To != ""}
	}
	all := f
	all.Status = ""
	d.Counts = []StatusCount{{Name: "全部", URL: filterURL(c, all), N: in.Page.Active, On: f.Status == ""}}
	for _, st := range Statuses {
		g := f
		g.Status = st
		d.Counts = append(d.Counts, StatusCount{Status: st, Name: StatusName(st), URL: filterURL(c, g), N: in.Page.Counts[st], On: f.Status == st})
		d.Statuses = append(d.Statuses, StatusCount{Status: st, Name: StatusName(st), On: f.Status == st})
	}
	if len(d.Nominees) > NomineeLimit {
		d.Nominees, d.MoreNominees = d.Nominees[:NomineeLimit], true
	}
	return d
}

// filterURL is the desk's address with the filter f (no page, no nominee search).
func filterURL(c *fiber.Ctx, f Filter) string {
	q := url.Values{}
	if f.Query != "" {
		q.Set("q", f.Query)
	}
	if f.TownshipID > 0 {
		q.Set("township", strconv.FormatInt(f.TownshipID, 10))
	}
	if f.Status != "" {
		q.Set("status", f.Status)
	}
	if len(q) == 0 {
		return c.Path()
	}
	return c.Path() + "?" + q.Encode()
}
