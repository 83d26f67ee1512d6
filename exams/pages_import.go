package exams

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/imports"
	"zhibu/app/web"
)

// previewRowsShown and previewErrorsShown bound the rows and the errors listed on the
// preview page (as the roster's preview does), so a 20,000-row file stays a light page.
const (
	previewRowsShown   = 200
	previewErrorsShown = 500
)

// POST /admin/questions/import — every row error, or each row as 新增/更新, before
// anything is saved.
func (h *handlers) pageImportPreview(c *fiber.Ctx) error {
	p, err := imports.PreviewPage(c, bankSpec(h.st))
	if err != nil {
		return err
	}
	return h.renderImport(c, p)
}

// POST /admin/questions/import/confirm (form: stash_id)
func (h *handlers) pageImportConfirm(c *fiber.Ctx) error {
	p, err := imports.ConfirmPage(c, bankSpec(h.st))
	if err != nil {
		return err
	}
	if len(p.Errors) > 0 {
		return h.renderImport(c, p)
	}
	saved := p.Saved.(ImportSaved)
	return web.RedirectOK(c, "/admin/questions", fmt.Sprintf("已导入 %d 道题：新增 %d 道，更新 %d 道", len(p.Rows), saved.Created, saved.Updated))
}

func (h *handlers) renderImport(c *fiber.Ctx, p *imports.Page[Question]) error {
	rows, more := p.Rows, 0
	if len(rows) > previewRowsShown {
		rows, more = rows[:previewRowsShown], len(rows)-previewRowsShown
	}
	errs, moreErrs := p.Errors, 0
	if len(errs) > previewErrorsShown {
		errs, moreErrs = errs[:previewErrorsShown], len(errs)-previewErrorsShown
	}
	return h.s.Render.Page(c, "exams/admin_import", fiber.Map{"Title": "导入预览", "P": p, "Shown": rows, "MoreRows": more,
		"Errors": errs, "MoreErrors": moreErrs})
}
