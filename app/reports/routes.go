package reports

import (
	"bufio"
	"context"
	"database/sql"
	"embed"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"

	"zhibu/app/web"
)

//go:embed templates/*.html
var templates embed.FS

type handlers struct {
	db  *sqlx.DB
	srv *web.Server
	now func() time.Time
}

// Mount adds the report page, the summary JSON and the workbook downloads. Only admins
// (the county) and organizers (their own township) may see reports.
func Mount(s *web.Server) error {
	if err := s.Render.AddPages("reports", templates, "templates/*.html"); err != nil {
		return err
	}
	h := &handlers{db: s.DB, srv: s, now: time.Now}
	staff := web.Auth(web.RoleAdmin, web.RoleOrganizer)
	a := s.App
	a.Get("/admin/reports", staff, h.page)
	a.Get("/api/v1/reports/completion", staff, h.apiCompletion)
	a.Get("/api/v1/reports/completion.xlsx", staff, h.completionXLSX)
	a.Get("/api/v1/reports/exams/:id.xlsx", staff, h.examXLSX)
	return nil
}

// query is a parsed report request: a year, a township scope and a target.
type query struct {
	Year     int
	Township sql.NullInt64 // NULL = the whole county
	Target   float64
}

// parseQuery reads ?year=&township=&target= and narrows the township to the caller's
// scope: an organizer always gets the own township, another township's id is 404.
func (h *handlers) parseQuery(c *fiber.Ctx) (query, error) {
	me := web.Me(c)
	q := query{Year: h.now().In(web.China).Year(), Target: DefaultTarget}
	if v := c.Query("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 2000 || y > 2100 {
			return q, web.Invalid("年份应为 2000 至 2100 之间的四位数字", map[string]string{"year": "年份不正确"})
		}
		q.Year = y
	}
	if v := c.Query("target"); v != "" {
		t, err := strconv.ParseFloat(v, 64)
		// Written so that NaN (which fails every comparison) is refused too.
		if err != nil || !(t > 0 && t <= 100) {
			return q, web.Invalid("完成率目标应为 1 至 100 之间的百分数", map[string]string{"target": "目标不正确"})
		}
		q.Target = t / 100
	}
	// A malformed or negative township id is a forged one: not found, like another
	// township's id.
	tid, err := web.QueryInt(c, "township")
	if err != nil || tid < 0 {
		return q, web.NotFound("找不到该乡镇，或不在您的管理范围内")
	}
	scope, err := web.ScopeOf(me).Narrow(tid)
	if err != nil {
		return q, err
	}
	q.Township = scope.Township()
	if q.Township.Valid {
		ok, err := TownshipExists(c.UserContext(), h.db, q.Township.Int64)
		if err != nil {
			return q, err
		}
		if !ok {
			return q, web.NotFound("找不到该乡镇，或不在您的管理范围内")
		}
	}
	return q, nil
}

func (h *handlers) load(ctx context.Context, q query) (*Report, error) {
	return Load(ctx, h.db, q.Year, q.Township, q.Target, h.now())
}

func (h *handlers) apiCompletion(c *fiber.Ctx) error {
	q, err := h.parseQuery(c)
	if err != nil {
		return err
	}
	r, err := h.load(c.UserContext(), q)
	if err != nil {
		return err
	}
	out := fiber.Map{"year": r.Year, "target": r.Target, "county": r.County, "townships": r.Summary,
		"missing": len(r.MissingRows())}
	if r.County {
		out["total"] = r.Total
	}
	return c.JSON(out)
}

func (h *handlers) completionXLSX(c *fiber.Ctx) error {
	q, err := h.parseQuery(c)
	if err != nil {
		return err
	}
	r, err := h.load(c.UserContext(), q)
	if err != nil {
		return err
	}
	f, err := CompletionFile(r)
	if err != nil {
		return err
	}
	web.Attachment(c, r.FileName(), web.XLSXType)
	h.stream(c, f)
	return nil
}

// stream sends the workbook while it is being zipped, instead of building the whole
// file in memory first. Errors past this point can only be logged: the status is sent.
func (h *handlers) stream(c *fiber.Ctx, f *excelize.File) {
	path := c.Path()
	log := h.srv.Logger()
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer f.Close()
		if _, err := f.WriteTo(w); err != nil {
			log.Error("report download", "path", path, "err", err)
			return
		}
		w.Flush()
	})
}

// summaryCards are the county (or township) figures at the top of the page.
func summaryCards(r *Report) []web.Card {
	t := r.Total
	if !r.County && len(r.Summary) == 1 {
		t = r.Summary[0]
	}
	return []web.Card{
		{Title: "应参训人数", Big: strconv.Itoa(t.Expected), Lines: []string{"必修完成 " + strconv.Itoa(t.Completed) + " 人"}},
		{Title: "必修完成率", Big: pctText(t.CompletionRate), Bar: true, Percent: t.Percent(), Accent: true,
			Lines: []string{"目标 " + pctText(r.Target)}},
		{Title: "考试通过率", Big: pctText(t.PassRate), Bar: true, Percent: t.PassPercent(),
			Lines: []string{"通过 " + strconv.Itoa(t.Passed) + "/" + strconv.Itoa(t.Examinees) + " 人", "平均分 " + oneDecimal(t.AvgScore)}},
		{Title: "人均学时", Big: oneDecimal(t.AvgHours), Lines: []string{"参加考察 " + strconv.Itoa(t.Tourists) + " 人"}},
	}
}

func pctText(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) + "%" }

func oneDecimal(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func (h *handlers) page(c *fiber.Ctx) error {
	q, err := h.parseQuery(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	me := web.Me(c)
	r, err := h.load(ctx, q)
	if err != nil {
		return err
	}
	all, err := Townships(ctx, h.db, web.ScopeOf(me).Township())
	if err != nil {
		return err
	}
	exams, err := examsOfYear(ctx, h.db, q.Year, q.Township)
	if err != nil {
		return err
	}
	tours, err := toursOfYear(ctx, h.db, q.Year)
	if err != nil {
		return err
	}
	this := h.now().In(web.China).Year()
	var years []int
	for y := this + 1; y >= this-4; y-- {
		years = append(years, y)
	}
	params := "year=" + strconv.Itoa(q.Year)
	if q.Township.Valid {
		params += "&township=" + strconv.FormatInt(q.Township.Int64, 10)
	}
	if q.Target != DefaultTarget {
		params += "&target=" + FormatNumber(q.Target*100)
	}
	missing := r.MissingRows()
	shown := missing
	if len(shown) > 50 {
		shown = shown[:50]
	}
	return h.render(c, fiber.Map{
		"Title":       "培训完成情况报表",
		"Report":      r,
		"Cards":       summaryCards(r),
		"Townships":   all,
		"Years":       years,
		"Selected":    q.Township.Int64,
		"Admin":       me.Role == web.RoleAdmin,
		"XLSXURL":     "/api/v1/reports/completion.xlsx?" + params,
		"Exams":       exams,
		"Tours":       tours,
		"Missing":     shown,
		"MissingN":    len(missing),
		"TargetPct":   FormatNumber(q.Target * 100),
		"ShowMissing": !r.County,
	})
}

func (h *handlers) render(c *fiber.Ctx, data fiber.Map) error {
	return h.srv.Render.Page(c, "reports/index", data)
}
