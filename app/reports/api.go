package reports

import (
	"bufio"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
	"zhibu/app/workbook"
)

// query parses ?year=&township=&target= and narrows the township to the caller's scope:
// an organizer always gets the own township; another township's id, or a malformed or
// negative one (a forged id), is not found.
func (h *handlers) query(c *fiber.Ctx) (Query, error) {
	var q Query
	var err error
	if q.Year, err = parseYear(c.Query("year"), h.now().In(web.China).Year()); err != nil {
		return q, err
	}
	if q.Target, err = parseTarget(c.Query("target")); err != nil {
		return q, err
	}
	tid, err := web.QueryInt(c, "township")
	if err != nil || tid < 0 {
		return q, ErrTownshipNotFound
	}
	scope, err := web.ScopeOf(web.Me(c)).Narrow(tid)
	if err != nil {
		return q, ErrTownshipNotFound
	}
	q.Township = scope.Township()
	if !q.Township.Valid && h.deps.Ranking != nil {
		if q.Ranked, err = h.deps.Ranking(c.UserContext()); err != nil {
			return q, err
		}
	}
	return q, nil
}

// report loads the completion report the request asks for.
func (h *handlers) report(c *fiber.Ctx) (*Report, error) {
	q, err := h.query(c)
	if err != nil {
		return nil, err
	}
	return h.store.Load(c.UserContext(), q, h.now())
}

// GET /api/v1/reports/completion
func (h *handlers) apiCompletion(c *fiber.Ctx) error {
	r, err := h.report(c)
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

// GET /api/v1/reports/completion.xlsx
func (h *handlers) completionXLSX(c *fiber.Ctx) error {
	r, err := h.report(c)
	if err != nil {
		return err
	}
	b, err := CompletionFile(r)
	return h.send(c, r.FileName(), r.ASCIIName(), b, err)
}

// GET /api/v1/reports/exams/:id.xlsx
func (h *handlers) examXLSX(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	r, err := h.store.LoadExam(c.UserContext(), id, web.ScopeOf(web.Me(c)).Township(), h.now())
	if err != nil {
		return err
	}
	b, err := ExamFile(r)
	return h.send(c, r.FileName(), r.ASCIIName(), b, err)
}

// send streams a built workbook as an attachment while it is being zipped, instead of
// building the whole file in memory first. Errors past this point can only be logged:
// the status is sent.
func (h *handlers) send(c *fiber.Ctx, name, ascii string, b *workbook.Book, err error) error {
	if err != nil {
		return err
	}
	web.Attachment(c, name, ascii, web.XLSXType)
	path, log := c.Path(), h.srv.Logger()
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer b.Close()
		if _, err := b.WriteTo(w); err != nil {
			log.Error("report download", "path", path, "err", err)
			return
		}
		w.Flush()
	})
	return nil
}
