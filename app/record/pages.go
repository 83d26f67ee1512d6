package record

import (
	"bufio"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
	"zhibu/app/workbook"
)

// GET /me/record?year= : 我的学习档案.
func (h *handlers) minePage(c *fiber.Ctx) error {
	r, err := h.mine(c)
	if err != nil {
		return err
	}
	y := strconv.Itoa(r.Year)
	return h.page(c, r, "/me/record", "/me/record.xlsx?year="+y, "", "我的学习档案")
}

// GET /admin/record/people/:id?year= : a secretary's 学习档案, for staff.
func (h *handlers) personPage(c *fiber.Ctx) error {
	r, err := h.person(c)
	if err != nil {
		return err
	}
	y := strconv.Itoa(r.Year)
	path := "/admin/record/people/" + strconv.FormatInt(r.Person.UserID, 10)
	return h.page(c, r, path, path+".xlsx?year="+y, "/admin/hours/people/"+strconv.FormatInt(r.Person.UserID, 10)+"?year="+y,
		r.Person.Name+"的学习档案")
}

func (h *handlers) page(c *fiber.Ctx, r *Record, action, xlsx, ledger, title string) error {
	reqDone, reqAll := r.RequiredCounts()
	passed, exams := r.PassedCounts()
	return h.srv.Render.Page(c, "record/record", fiber.Map{
		"Title": title, "R": r, "Action": action, "XLSXURL": xlsx, "LedgerURL": ledger,
		"Staff": ledger != "", "Years": yearsAround(r.Year, h.now()),
		"ReqDone": reqDone, "ReqAll": reqAll, "Passed": passed, "ExamsN": exams,
		"Printed": h.now(),
	})
}

// GET /me/record.xlsx?year=
func (h *handlers) mineXLSX(c *fiber.Ctx) error {
	r, err := h.mine(c)
	if err != nil {
		return err
	}
	b, err := PersonFile(r, h.now())
	return h.send(c, r.FileName(), "zhibu-record-"+strconv.Itoa(r.Year)+".xlsx", b, err)
}

// GET /admin/record/people/:id.xlsx?year=
func (h *handlers) personXLSX(c *fiber.Ctx) error {
	r, err := h.person(c)
	if err != nil {
		return err
	}
	b, err := PersonFile(r, h.now())
	return h.send(c, r.FileName(), "zhibu-record-"+strconv.Itoa(r.Year)+"-"+strconv.FormatInt(r.Person.UserID, 10)+".xlsx", b, err)
}

// GET /admin/record/township.xlsx?year=&township= : every active secretary's 学习档案 of
// a township in one workbook (organizer: the own township; admin: the one chosen).
func (h *handlers) townshipXLSX(c *fiber.Ctx) error {
	year, err := yearOf(c, h.now())
	if err != nil {
		return err
	}
	req, err := ParseTownship(c.Query("township"))
	if err != nil {
		return err
	}
	scope := web.ScopeOf(web.Me(c))
	tid, err := TownshipFor(scope, req)
	if err != nil {
		return err
	}
	t, recs, err := h.store.Township(c.UserContext(), scope, tid, year)
	if err != nil {
		return err
	}
	b, err := TownshipFile(t, year, recs, h.now())
	return h.send(c, TownshipFileName(t, year), "zhibu-records-"+strconv.Itoa(year)+"-township-"+strconv.FormatInt(t.ID, 10)+".xlsx", b, err)
}

// send streams a built workbook as an attachment while it is being zipped. Errors past
// this point can only be logged: the status is sent.
func (h *handlers) send(c *fiber.Ctx, name, ascii string, b *workbook.Book, err error) error {
	if err != nil {
		return err
	}
	web.Attachment(c, name, ascii, web.XLSXType)
	path, log := c.Path(), h.srv.Logger()
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer b.Close()
		if _, err := b.WriteTo(w); err != nil {
			log.Error("record download", "path", path, "err", err)
			return
		}
		w.Flush()
	})
	return nil
}
