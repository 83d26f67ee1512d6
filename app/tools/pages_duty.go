package tools

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// The 履职清单 pages and API: the year's calendar of the caller's branch kind with the
// caller's own ticks, the tick form and the term start form. Every read and write is the
// caller's own (DutyStore); nothing is reported to anyone.

// dutyYear reads ?year= (empty: this year in China).
func dutyYear(c *fiber.Ctx, today time.Time) (int, error) {
	s := strings.TrimSpace(c.Query("year"))
	if s == "" {
		return today.Year(), nil
	}
	y, err := strconv.Atoi(s)
	if err != nil || !ValidDutyYear(y, today) {
		msg := fmt.Sprintf("年份须在 %d 年到 %d 年之间", firstDutyYear, today.Year()+1)
		return 0, web.Invalidf(msg, web.FieldErrors{"year": msg})
	}
	return y, nil
}

// dutyView is the calendar with the caller's ticks, as the page and the API show it.
type dutyView struct {
	DutyCalendar
	TermStart *string  `json:"term_start"` // YYYY-MM-DD, null when not entered
	TermNote  string   `json:"term_note"`
	ThisMonth []string `json:"this_month"` // keys of 「本月要做」 (this year only; else empty)
	OwnKind   bool     `json:"own_kind"`   // the kind is the caller's branch's (not chosen)

	thisMonth []*DutyItem
	month     int
}

// duty builds the caller's view of year. The kind is the caller's branch's; a caller
// without a branch (staff) may choose one with ?kind=.
func (h *dutyHandlers) duty(c *fiber.Ctx, year int) (*dutyView, error) {
	me := web.Me(c)
	st, err := h.store.State(c.UserContext(), me, year)
	if err != nil {
		return nil, err
	}
	kind, own := st.Kind, st.Kind != ""
	if !own {
		if k := c.Query("kind"); k != "" {
			if _, ok := TermYears(k); ok {
				kind = k
			}
		}
	}
	today := h.store.today()
	v := &dutyView{DutyCalendar: DutyCalendarFor(kind, year, st.TermStart), OwnKind: own, ThisMonth: []string{}}
	for _, it := range v.Items() {
		if at, ok := st.Ticks[it.Key]; ok {
			at := at
			it.Ticked, it.TickedAt = true, &at
		}
	}
	if st.TermStart != nil {
		s := st.TermStart.Format(web.DateLayout)
		v.TermStart = &s
	}
	v.TermNote = TermNote(kind, st.TermStart, today)
	if year == today.Year() {
		v.month = int(today.Month())
		v.thisMonth = v.Month(v.month)
		for _, it := range v.thisMonth {
			v.ThisMonth = append(v.ThisMonth, it.Key)
		}
	}
	return v, nil
}

// dutyHandlers are the 履职清单's handlers, on their own store.
type dutyHandlers struct {
	*handlers
	store *DutyStore
}

// GET /tools/duty?year=&kind=
func (h *dutyHandlers) dutyPage(c *fiber.Ctx) error {
	year, err := dutyYear(c, h.store.today())
	if err != nil {
		return err
	}
	return h.renderDuty(c, year, "", nil)
}

func (h *dutyHandlers) renderDuty(c *fiber.Ctx, year int, typedTerm string, failed *web.Error) error {
	v, err := h.duty(c, year)
	if err != nil {
		return err
	}
	today := h.store.today()
	ctx := c.UserContext()
	d := fiber.Map{"Title": "履职清单", "V": v, "Month": v.month, "Quarter": (v.month + 2) / 3, "ThisMonth": v.thisMonth,
		"Kinds": BranchKinds, "Prev": year - 1, "Next": year + 1,
		"HasPrev": ValidDutyYear(year-1, today), "HasNext": ValidDutyYear(year+1, today),
		"Today": today.Format(web.DateLayout), "Back": dutyBack(year, v.Kind, v.OwnKind),
		"Lessons": fiber.Map{"三会一课": h.lesson(ctx, "三会一课"), "组织生活会": h.lesson(ctx, "组织生活会"), "党章党规": h.lesson(ctx, "党章党规")},
	}
	d["TermValue"] = typedTerm
	if typedTerm == "" && v.TermStart != nil {
		d["TermValue"] = *v.TermStart
	}
	if failed != nil {
		c.Status(failed.Status)
		d["Error"], d["Errors"] = failed.Message, failed.Fields
	}
	return h.srv.Render.Page(c, "tools/duty", d)
}

// dutyBack is the calendar's address for year (with the chosen kind of a caller without
// a branch).
func dutyBack(year int, kind string, own bool) string {
	q := url.Values{"year": {strconv.Itoa(year)}}
	if kind != "" && !own {
		q.Set("kind", kind)
	}
	return "/tools/duty?" + q.Encode()
}

// POST /tools/duty/ticks (form: key, done=1 to tick or 0 to untick, kind, at=this-month
// from 「本月要做」): back to the calendar at the item (or at 「本月要做」). Ticking twice or unticking what is not ticked changes nothing.
func (h *dutyHandlers) tickForm(c *fiber.Ctx) error {
	key := strings.TrimSpace(c.FormValue("key"))
	var err error
	if c.FormValue("done") == "0" {
		err = h.store.Untick(c.UserContext(), web.Me(c), key)
	} else {
		err = h.store.Tick(c.UserContext(), web.Me(c), key)
	}
	if err != nil {
		return err
	}
	year, _ := DutyKeyYear(key)
	back := "/tools/duty?year=" + strconv.Itoa(year)
	if k := c.FormValue("kind"); k != "" {
		if _, ok := TermYears(k); ok {
			back += "&kind=" + url.QueryEscape(k)
		}
	}
	at := key
	if c.FormValue("at") == "this-month" {
		at = "this-month"
	}
	return c.Redirect(back+"#"+at, fiber.StatusSeeOther)
}

// POST /tools/duty/term (form: term_start YYYY-MM-DD, empty to clear; year, kind): the
// calendar again, with the message of a bad date.
func (h *dutyHandlers) termForm(c *fiber.Ctx) error {
	today := h.store.today()
	year, err := strconv.Atoi(c.FormValue("year"))
	if err != nil || !ValidDutyYear(year, today) {
		year = today.Year()
	}
	typed := strings.TrimSpace(c.FormValue("term_start"))
	start, fe := parseTermStart(typed)
	if fe == nil {
		err = h.store.SetTerm(c.UserContext(), web.Me(c), start)
	} else {
		err = web.Invalidf(dutyMessage(fe), fe)
	}
	if err != nil {
		if we := h.srv.AsError(err); we.Status == fiber.StatusUnprocessableEntity {
			c.Request().URI().QueryArgs().Set("kind", c.FormValue("kind"))
			return h.renderDuty(c, year, typed, we)
		}
		return err
	}
	msg := "已保存上次换届时间"
	if start == nil {
		msg = "已清除上次换届时间"
	}
	back := "/tools/duty?year=" + strconv.Itoa(year)
	if k := c.FormValue("kind"); k != "" {
		if _, ok := TermYears(k); ok {
			back += "&kind=" + url.QueryEscape(k)
		}
	}
	return web.RedirectOK(c, back, msg)
}

// parseTermStart reads a term start: "" clears it (nil), else a YYYY-MM-DD day.
func parseTermStart(s string) (*time.Time, map[string]string) {
	if s == "" {
		return nil, nil
	}
	t, ok := web.ParseDate(s)
	if !ok {
		return nil, map[string]string{"term_start": "请填写日期，如 2024-03-01"}
	}
	return &t, nil
}

// GET /api/v1/tools/duty?year=&kind=
func (h *dutyHandlers) apiDuty(c *fiber.Ctx) error {
	year, err := dutyYear(c, h.store.today())
	if err != nil {
		return err
	}
	v, err := h.duty(c, year)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// PUT /api/v1/tools/duty/ticks/:key
func (h *dutyHandlers) apiTick(c *fiber.Ctx) error {
	key, _ := url.PathUnescape(c.Params("key"))
	if err := h.store.Tick(c.UserContext(), web.Me(c), key); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"key": key, "ticked": true})
}

// DELETE /api/v1/tools/duty/ticks/:key
func (h *dutyHandlers) apiUntick(c *fiber.Ctx) error {
	key, _ := url.PathUnescape(c.Params("key"))
	if err := h.store.Untick(c.UserContext(), web.Me(c), key); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"key": key, "ticked": false})
}

// PUT /api/v1/tools/duty/term {"term_start":"2024-03-01"} (null or "" clears it)
func (h *dutyHandlers) apiTerm(c *fiber.Ctx) error {
	var in struct {
		TermStart *string `json:"term_start"`
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	s := ""
	if in.TermStart != nil {
		s = strings.TrimSpace(*in.TermStart)
	}
	start, fe := parseTermStart(s)
	if fe != nil {
		return web.Invalidf(dutyMessage(fe), fe)
	}
	if err := h.store.SetTerm(c.UserContext(), web.Me(c), start); err != nil {
		return err
	}
	var out *string
	if start != nil {
		f := start.Format(web.DateLayout)
		out = &f
	}
	st, err := h.store.State(c.UserContext(), web.Me(c), h.store.today().Year())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"term_start": out, "term_note": TermNote(st.Kind, st.TermStart, h.store.today())})
}
