package reports

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/figures"
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
		"Title":         "培训完成情况报表",
		"Report":        r,
		"Cards":         summaryCards(r),
		"Townships":     o.Townships,
		"Years":         years,
		"Selected":      q.Township.Int64,
		"Admin":         me.Role == web.RoleAdmin,
		"XLSXURL":       "/api/v1/reports/completion.xlsx?" + params,
		"Exams":         o.Exams,
		"Tours":         o.Tours,
		"Missing":       shown,
		"MissingN":      len(missing),
		"TargetPct":     FormatNumber(q.Target * 100),
		"ShowMissing":   !r.County,
		"Kinds":         kindTable(scopeSummary(r).Kinds),
		"TownshipKinds": townshipKinds(r),
		"KindsTitle":    kindsTitle,
		"Defs":          figures.For(figures.OfYear),
	})
}

// scopeSummary is the figures of the report's scope: the county total, or the township.
func scopeSummary(r *Report) Summary {
	if !r.County && len(r.Summary) == 1 {
		return r.Summary[0]
	}
	return r.Total
}

// summaryCards are the county (or township) figures at the top of the page.
func summaryCards(r *Report) []web.Card {
	t := scopeSummary(r)
	n := strconv.Itoa
	return []web.Card{
		{Title: figures.Expected.Label, Big: n(t.Expected), Lines: []string{figures.Completed.Label + " " + n(t.Completed) + " 人"}},
		{Title: figures.CompletionRate.Label, Big: figures.Pct(t.CompletionRate), Bar: true, Percent: t.Percent(), Accent: true,
			Lines: []string{"目标 " + figures.Pct(r.Target)}},
		{Title: figures.PassRate.Label, Big: figures.Pct(t.PassRate), Bar: true, Percent: t.PassPercent(),
			Lines: []string{figures.Passed.Label + " " + n(t.Passed) + " / " + figures.Candidates.Label + " " + n(t.Candidates),
				figures.ExamRate.Label + " " + figures.Pct(t.ExamRate), figures.ScoreRate.Label + " " + figures.Pct(t.ScoreRate)}},
		{Title: figures.AvgHours.Label, Big: figures.Num(t.AvgHours), Link: "/admin/hours?year=" + n(r.Year), LinkText: "查看每个人的学时",
			Lines: []string{"人均" + figures.HoursOnline.Label + " " + figures.Num(figures.Mean(t.HoursOnline, t.Expected)) +
				" · " + figures.HoursOffline.Label + " " + figures.Num(figures.Mean(t.HoursOffline, t.Expected)),
				figures.HoursMetRate.Label + " " + figures.Pct(t.HoursMetRate) + "（目标 " + FormatNumber(r.TargetHours) + " 学时）",
				figures.Tourists.Label + " " + n(t.Tourists) + " 人"}},
	}
}

// table is a small table of texts for a page.
type table struct {
	Headers []string
	Rows    [][]string
}

// kindTable shows figures by 支部类型 (kindColumns).
func kindTable(kinds []figures.KindYear) table {
	t := table{Headers: append([]string{"支部类型"}, columnLabels(kindColumns)...)}
	for _, k := range kinds {
		row := []string{k.Kind}
		for _, v := range columnValues(kindColumns, &k.Year) {
			switch v := v.(type) {
			case int:
				row = append(row, strconv.Itoa(v))
			case float64:
				row = append(row, figureText(v, kindColumns[len(row)-1].kind))
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// figureText shows a figure's value as every page does.
func figureText(v float64, k cellKind) string {
	if k == kindPct {
		return figures.Pct(v)
	}
	return figures.Num(v)
}

// townshipKinds is each township's kindTable, aligned with the report's Summary.
func townshipKinds(r *Report) []table {
	out := make([]table, len(r.Summary))
	for i := range r.Summary {
		out[i] = kindTable(r.Summary[i].Kinds)
	}
	return out
}
