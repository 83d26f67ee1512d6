package imports

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// Upload reads the multipart field "file" of an import: at most MaxFileBytes (413
// payload_too_large beyond), its name cleaned of characters a page must not show.
func Upload(c *fiber.Ctx) (name string, data []byte, err error) {
	name, data, err = web.FormFile(c, MaxFileBytes)
	if err != nil {
		return "", nil, err
	}
	name = strings.ToValidUTF8(strings.Map(func(r rune) rune {
		if web.BadText(string(r), false) {
			return -1
		}
		return r
	}, name), "")
	return name, data, nil
}

// API answers POST /api/v1/…/import[?dry_run=1] (multipart "file"). A dry run answers
// 200 with the check: {"rows","imported":0,"errors","would_create","would_update",
// "update_rows"}. An import with any error answers 422 import_invalid and saves nothing;
// a saved import is answered by done (Result.Saved holds what Save returned).
func API[T any](c *fiber.Ctx, s *Spec[T], done func(res *Result[T]) error) error {
	_, data, err := Upload(c)
	if err != nil {
		return err
	}
	if dry := c.Query("dry_run"); dry == "1" || dry == "true" {
		res, err := s.Preview(c.UserContext(), data)
		if err != nil {
			return answerFile(c, err)
		}
		updates := []int{}
		for _, r := range res.Rows {
			if r.Exist {
				updates = append(updates, r.Num)
			}
		}
		return c.JSON(fiber.Map{"rows": res.Total, "imported": 0, "errors": res.Errors,
			"would_create": res.Create, "would_update": res.Update, "update_rows": updates})
	}
	res, err := s.Import(c.UserContext(), data)
	if err != nil {
		return answerFile(c, err)
	}
	if len(res.Errors) > 0 {
		return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"error": Invalid(res.Errors),
			"rows": res.Total, "imported": 0, "errors": res.Errors})
	}
	return done(res)
}

// Imported is the JSON of a saved import: {"rows","imported","errors":[]} and the
// feature's own fields.
func Imported[T any](res *Result[T], extra fiber.Map) fiber.Map {
	m := fiber.Map{"rows": res.Total, "imported": len(res.Rows), "errors": []RowError{}}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// Invalid is the error of an import refused for its row errors.
func Invalid(errs []RowError) *web.Error {
	return web.Err(fiber.StatusUnprocessableEntity, "import_invalid",
		fmt.Sprintf("文件中有 %d 处错误，未导入任何数据，请改正后重新上传", len(errs)))
}

// answerFile answers an unreadable file in the shape of row errors; other errors go
// to the server's error handler.
func answerFile(c *fiber.Ctx, err error) error {
	var we *web.Error
	if !errors.As(err, &we) || we.Code != NotXLSX.Code {
		return err
	}
	return c.Status(we.Status).JSON(fiber.Map{"error": we, "rows": 0, "imported": 0,
		"errors": []RowError{{Message: we.Message}}})
}

// Page is what an import's preview page shows.
type Page[T any] struct {
	*Result[T]
	File    string
	StashID string // set when the file is clean: the confirm form posts it as "stash_id"
}

// PreviewPage checks the uploaded file for the preview page and stashes it when it is
// clean. An unreadable file is NotXLSX (422); row errors are listed with 200.
func PreviewPage[T any](c *fiber.Ctx, s *Spec[T]) (*Page[T], error) {
	name, data, err := Upload(c)
	if err != nil {
		return nil, err
	}
	res, err := s.Preview(c.UserContext(), data)
	if err != nil {
		return nil, err
	}
	p := &Page[T]{Result: res, File: name}
	if len(res.Errors) == 0 {
		if p.StashID, err = Stash(c.UserContext(), s.DB, web.Me(c).UserID, s.Kind, name, data); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// ConfirmPage imports the stashed file of the form's "stash_id". When new problems
// appeared since the preview, the status is 422 and the page lists them; once saved, the
// stash is dropped, so a second confirm is 404.
func ConfirmPage[T any](c *fiber.Ctx, s *Spec[T]) (*Page[T], error) {
	id := c.FormValue("stash_id")
	name, data, err := Unstash(c.UserContext(), s.DB, web.Me(c).UserID, s.Kind, id)
	if err != nil {
		return nil, err
	}
	res, err := s.Import(c.UserContext(), data)
	if err != nil {
		return nil, err
	}
	if len(res.Errors) > 0 {
		c.Status(fiber.StatusUnprocessableEntity)
	} else {
		DropStash(c.UserContext(), s.DB, id)
	}
	return &Page[T]{Result: res, File: name}, nil
}
