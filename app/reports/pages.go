package reports

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// GET /admin/reports
func (h *handlers) page(c *fiber.Ctx) error {
	q, err := h.query(c)
	if err != nil {
		return err
	}
	me := web.Me(c)
	o, err := h.store.Overview(c.UserContext(), q, web.ScopeOf(me).Township(), h.now())
	if err != nil {
		return err
	}
	r := o.Report
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
	return h.srv.Render.Page(c, "reports/index", fiber.Map{
		"Title":       "培训完成情况报表",
		"Report":      r,
		"Cards":       summaryCards(r),
		"Townships":   o.Townships,
		"Years":       years,
		"Selected":    q.Township.Int64,
		"Admin":       me.Role == web.RoleAdmin,
		"XLSXURL":     "/api/v1/reports/completion.xlsx?" + params,
		"Exams":       o.Exams,
		"Tours":       o.Tours,
		"Missing":     shown,
		"MissingN":    len(missing),
		"TargetPct":   FormatNumber(q.Target * 100),
		"ShowMissing": !r.County,
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
