package exams

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/imports"
	"zhibu/app/web"
)

// previewRowsShown bounds the rows listed on the preview page.
const previewRowsShown = 200

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
	return h.s.Render.Page(c, "exams/admin_import", fiber.Map{"Title": "导入预览", "P": p, "Shown": rows, "MoreRows": more})
}
