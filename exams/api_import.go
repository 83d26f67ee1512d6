package exams

import (
	"github.com/gofiber/fiber/v2"

	"zhibu/app/imports"
	"zhibu/app/web"
)

// GET /api/v1/questions/template.xlsx
func (h *handlers) apiTemplate(c *fiber.Ctx) error {
	b, err := TemplateWorkbook()
	if err != nil {
		return err
	}
	web.Attachment(c, "题库导入模板.xlsx", "zhibu-question-template.xlsx", web.XLSXType)
	return c.Send(b)
}

// POST /api/v1/questions/import[?dry_run=1] (multipart "file"): the pipeline's answers
// (app/imports/http.go); a saved import adds "created" and "updated".
func (h *handlers) apiImport(c *fiber.Ctx) error {
	return imports.API(c, bankSpec(h.st), func(res *imports.Result[Question]) error {
		saved := res.Saved.(ImportSaved)
		return c.JSON(imports.Imported(res, fiber.Map{"created": saved.Created, "updated": saved.Updated}))
	})
}
