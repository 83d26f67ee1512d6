package roll

import (
	"embed"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// The roll call every feature with roll calls shows (templates/roll.html): the one tap
// for everyone, what to do next, the list with its filter and counts and a button per
// mark for each person, and the roll per township. The feature reads the query
// (ReadFilter), asks its store for the page and the tally, builds the Sheet (NewSheet)
// and shows it in its own page with {{.Sheet.HTML}}, {{.Sheet.TownshipsHTML}} and
// {{template "pager" .Sheet.Pager}}. The buttons post to the feature's own routes under
// Sheet.Base: /all-present and /mark (form: user_id, status, back).
//
// The sheet renders itself from the mechanism's own templates, parsed once, so a feature
// needs no order of mounting to show it.

//go:embed templates/*.html
var templates embed.FS

// sheetTemplates are the roll call's templates; read-only once parsed.
var sheetTemplates = template.Must(template.New("roll").Funcs(web.Funcs).ParseFS(templates, "templates/*.html"))

// HTML is the roll call: the one tap, the filter, the counts and the list.
func (s Sheet) HTML() (template.HTML, error) { return s.render("roll-call") }

// TownshipsHTML is the roll per township ("" when the sheet has none).
func (s Sheet) TownshipsHTML() (template.HTML, error) { return s.render("roll-townships") }

func (s Sheet) render(name string) (template.HTML, error) {
	var b strings.Builder
	if err := sheetTemplates.ExecuteTemplate(&b, name, s); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

// Mount adds the roll call's errors to the server (a feature that says them in its own
// words, as the classes do, needs not).
func Mount(s *web.Server) { s.MapErrors(Errors) }

// ReadFilter reads the roll listing's query: ?q= (name, phone, branch; at most 50
// characters), ?status= ("", unmarked or a mark), ?township= (admins only: an organizer's
// roll is always their own township) and ?page=. What cannot be read is a 400.
func ReadFilter(c *fiber.Ctx, me *web.Identity) (Filter, int, error) {
	var f Filter
	f.Query = strings.TrimSpace(c.Query("q"))
	if utf8.RuneCountInString(f.Query) > 50 || web.BadText(f.Query, false) {
		return f, 0, web.BadRequest("搜索内容太长或含有无法识别的字符")
	}
	f.Status = c.Query("status")
	if !ValidFilter(f.Status) {
		return f, 0, web.BadRequest("考勤状态筛选有误")
	}
	if v := c.Query("township"); v != "" && me.Role == web.RoleAdmin {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return f, 0, web.BadRequest("乡镇筛选不正确，请从列表中选择乡镇")
		}
		f.TownshipID = id
	}
	page, err := web.PageParam(c)
	if err != nil {
		return f, 0, err
	}
	f.Limit, f.Offset = web.PageSize, (page-1)*web.PageSize
	return f, page, nil
}

// Option is a mark's button, or a filter's choice with its count and link.
type Option struct {
	Value, Label, URL string
	N                 int
	On                bool
}

// Link is a feature's own action beside the one tap (a class's check-in QR code).
type Link struct{ ID, URL, Label string }

// Sheet is what the roll-call templates show.
type Sheet struct {
	Base      string // the roll-call page, e.g. /admin/tours/7/days/3; the buttons post under it
	CSRF      string
	Back      string // where a mark returns to (the page as filtered)
	Why       string // why roll cannot be taken now ("": it can; the buttons show)
	Noun      string // who is on the roll: 学员, 参加人员
	Admin     bool
	F         Filter
	Tally     Tally // of the query and township, whatever the status filter
	Total     int   // what the list pages through
	Rows      []Person
	Marks     []Option // the buttons, in Statuses order
	Filters   []Option // 全部, 未点名 and each mark, with counts and links
	Townships []TownshipRoll
	Links     []Link
	Pager     web.Pager
	Next      string // what to do next
}

// SheetInput is what the feature read for the sheet.
type SheetInput struct {
	Base, Why, Noun string
	Filter          Filter
	Page            int
	Tally           Tally
	Rows            []Person
	Townships       []TownshipRoll // per township, for the summary and the admin's filter
	Links           []Link
}

// NewSheet builds the roll-call sheet for the viewer.
func NewSheet(c *fiber.Ctx, me *web.Identity, in SheetInput) Sheet {
	f := in.Filter
	s := Sheet{Base: in.Base, CSRF: web.CSRFToken(c), Back: c.OriginalURL(), Why: in.Why, Noun: in.Noun,
		Admin: me.Role == web.RoleAdmin, F: f, Tally: in.Tally, Total: in.Tally.Of(f.Status), Rows: in.Rows,
		Townships: in.Townships, Links: in.Links}
	if s.Noun == "" {
		s.Noun = "人员"
	}
	s.Pager = web.NewPager(c, in.Page, s.Total, web.PageSize)
	for _, st := range Statuses {
		s.Marks = append(s.Marks, Option{Value: st, Label: Label(st)})
	}
	for _, st := range append([]string{"", Unmarked}, Statuses...) {
		label := Label(st)
		if st == "" {
			label = "全部"
		}
		g := f
		g.Status = st
		s.Filters = append(s.Filters, Option{Value: st, Label: label, N: in.Tally.Of(st), On: f.Status == st, URL: filterURL(c, g)})
	}
	switch t := in.Tally; {
	case t.People == 0:
		s.Next = "名单中还没有" + s.Noun + "。"
	case t.Unmarked == t.People:
		s.Next = "第一步：点「未点名的全部记为出勤」；第二步：把缺勤、请假、迟到的人逐个改过来。"
	case t.Unmarked > 0:
		s.Next = fmt.Sprintf("还有 %d 人未点名：可再点「未点名的全部记为出勤」，再把例外逐个改过来。", t.Unmarked)
	default:
		s.Next = fmt.Sprintf("已全部点名：出勤（含迟到）%d 人，请假 %d 人，缺勤 %d 人。有变动时点对应的按钮即可修改。", t.Attended(), t.Leave, t.Absent)
	}
	return s
}

// filterURL is the page's address with the filter f (no page).
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

// BackTo is where a mark returns: back when it is the roll-call page base (as filtered),
// else base; with the person's anchor.
func BackTo(back, base string, userID int64) string {
	if back != base && !strings.HasPrefix(back, base+"?") {
		back = base
	}
	return back + fmt.Sprintf("#u%d", userID)
}
