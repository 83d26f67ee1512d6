package classes

import (
	"context"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/imports"
	"zhibu/app/web"
)

// The 名单 import's handlers: the spec (import.go, store_import.go) for one caller and
// class, the template, the API and the preview → confirm pages.

// listRowsShown and listErrorsShown bound what the preview page lists, as the other
// imports' previews do.
const (
	listRowsShown   = 200
	listErrorsShown = 500
)

// listSpec is the 名单 import into one class for one caller; the class must be open and
// the caller its staff (403/404/409 before any file is read).
func (h *handlers) listSpec(ctx context.Context, me *web.Identity, classID int64) (*imports.Spec[ListRow], error) {
	sc, err := h.store.ListScope(ctx, me, classID)
	if err != nil {
		return nil, err
	}
	return &imports.Spec[ListRow]{
		Kind: listKind(classID), Noun: "人员", Columns: listColumns, DB: h.store.db,
		Parse: parseListRow,
		Check: listWithin,
		CheckDB: func(ctx context.Context, rows []imports.Item[ListRow]) ([]imports.RowError, error) {
			return h.store.CheckList(ctx, sc, rows)
		},
		Save: func(ctx context.Context, rows []imports.Item[ListRow]) (any, []imports.RowError, error) {
			return h.store.SaveList(ctx, me, classID, rows)
		},
	}, nil
}

// GET /api/v1/classes/:id/participants/template.xlsx
func (h *handlers) apiListTemplate(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	cl, err := h.store.Class(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	if !staffOf(web.Me(c), cl) {
		return ErrNotManager
	}
	b, err := listTemplate()
	if err != nil {
		return err
	}
	web.Attachment(c, "培训班学员名单模板.xlsx", "zhibu-class-participants-template.xlsx", web.XLSXType)
	return c.Send(b)
}

// POST /api/v1/classes/:id/participants/import[?dry_run=1] (multipart field "file")
func (h *handlers) apiListImport(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	spec, err := h.listSpec(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	return imports.API(c, spec, func(res *imports.Result[ListRow]) error {
		saved := res.Saved.(ListSaved)
		skipped := skipListExamples(res)
		if skipped == nil {
			skipped = []int{}
		}
		return c.JSON(imports.Imported(res, fiber.Map{"added": saved.Added, "already": saved.Already, "skipped_rows": skipped}))
	})
}

// POST /admin/classes/:id/participants/import (multipart: file) — every row error, or
// each row with the person it names, before anything is saved.
func (h *handlers) listPreviewForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	spec, err := h.listSpec(c.UserContext(), web.Me(c), id)
	if err != nil {
		return h.classPageError(c, err, "import", nil)
	}
	p, err := imports.PreviewPage(c, spec)
	if err != nil {
		return h.classPageError(c, err, "import", nil)
	}
	return h.renderListImport(c, id, p)
}

// POST /admin/classes/:id/participants/import/confirm (form: stash_id)
func (h *handlers) listConfirmForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	spec, err := h.listSpec(c.UserContext(), web.Me(c), id)
	if err != nil {
		return h.classPageError(c, err, "import", nil)
	}
	p, err := imports.ConfirmPage(c, spec)
	if err != nil {
		return h.classPageError(c, err, "import", nil)
	}
	if len(p.Errors) > 0 {
		return h.renderListImport(c, id, p)
	}
	skipListExamples(p.Result)
	saved := p.Saved.(ListSaved)
	msg := fmt.Sprintf("已从名单添加 %d 名学员", saved.Added)
	if saved.Already > 0 {
		msg += fmt.Sprintf("，另有 %d 人已经是学员", saved.Already)
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/classes/%d#people", id), msg)
}

func (h *handlers) renderListImport(c *fiber.Ctx, classID int64, p *imports.Page[ListRow]) error {
	cl, err := h.store.Class(c.UserContext(), web.Me(c), classID)
	if err != nil {
		return err
	}
	skipped := skipListExamples(p.Result)
	rows, more := p.Rows, 0
	if len(rows) > listRowsShown {
		rows, more = rows[:listRowsShown], len(rows)-listRowsShown
	}
	errs, moreErrs := p.Errors, 0
	if len(errs) > listErrorsShown {
		errs, moreErrs = errs[:listErrorsShown], len(errs)-listErrorsShown
	}
	return h.srv.Render.Page(c, "classes/import", fiber.Map{"Title": "导入名单预览", "C": cl, "P": p, "Shown": rows,
		"MoreRows": more, "Errors": errs, "MoreErrors": moreErrs, "Skipped": skipped})
}
