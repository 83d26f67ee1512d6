package accounts

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/lib/pq"

	"zhibu/app/imports"
	"zhibu/app/web"
)

const (
	rosterStashKind    = "roster"
	credentialsName    = "初始密码表.xlsx"
	rosterDoneCookie   = "zhibu_roster_done"
	previewRowsShown   = 100
	previewErrorsShown = 500
)

// rosterCheck is a roster file read and checked, before anything is saved.
type rosterCheck struct {
	Rows    []RosterRow
	Total   int
	Errors  []RowError
	Created int // accounts the import would create
	Updated int // secretaries it would update
}

// errNotXLSXUpload answers a file that is not a readable workbook.
var errNotXLSXUpload = web.Err(fiber.StatusUnprocessableEntity, "not_xlsx", notXLSXMessage)

// checkRosterFile reads, parses and checks an upload against the county, all without saving.
func (h *handlers) checkRosterFile(ctx context.Context, me *web.Identity, data []byte) (*rosterCheck, error) {
	sheet, err := readSheetRows(data, maxRosterRows)
	if errors.Is(err, errNotXLSX) {
		return nil, errNotXLSXUpload
	}
	// Too many rows, content too far right: a problem of the sheet, listed like a row error.
	var sheetErr *imports.Error
	if errors.As(err, &sheetErr) {
		return &rosterCheck{Errors: []RowError{{Row: sheetErr.Row, Message: sheetErr.Message}}}, nil
	}
	if err != nil {
		return nil, err
	}
	towns, err := townshipIDs(ctx, h.db)
	if err != nil {
		return nil, err
	}
	rows, errs, total := parseRosterCount(sheet, towns)
	if me.Role != web.RoleAdmin {
		name := ""
		for n, id := range towns {
			if id == me.TownshipID {
				name = n
			}
		}
		errs = append(errs, onlyTownship(rows, me.TownshipID, name)...)
	}
	dbErrs, err := checkRosterAgainstDB(ctx, h.db, rows, ownTownship(me))
	if err != nil {
		return nil, err
	}
	errs = append(errs, dbErrs...)
	sortRowErrors(errs)
	chk := &rosterCheck{Rows: rows, Total: total, Errors: nonNil(errs)}
	if len(rows) > 0 {
		var existing int
		if err := h.db.GetContext(ctx, &existing, `SELECT count(*) FROM users WHERE phone = ANY($1)`, pq.Array(rosterPhones(rows))); err != nil {
			return nil, err
		}
		chk.Updated, chk.Created = existing, len(rows)-existing
	}
	return chk, nil
}

// importRoster checks and, when there is no error at all, saves the roster.
func (h *handlers) importRoster(ctx context.Context, me *web.Identity, data []byte) (*rosterCheck, *rosterResult, error) {
	chk, err := h.checkRosterFile(ctx, me, data)
	if err != nil || len(chk.Errors) > 0 {
		return chk, nil, err
	}
	res, errs, err := saveRoster(ctx, h.db, chk.Rows, ownTownship(me))
	if err != nil {
		return nil, nil, err
	}
	if len(errs) > 0 {
		chk.Errors = errs
		return chk, nil, nil
	}
	return chk, res, nil
}

// GET /api/v1/roster/template.xlsx
func (h *handlers) rosterTemplate(c *fiber.Ctx) error {
	b, err := rosterTemplate()
	if err != nil {
		return err
	}
	web.Attachment(c, "支部书记花名册模板.xlsx", web.XLSXType)
	return c.Send(b)
}

// importFailed answers an import with errors: 422, nothing saved.
func importFailed(c *fiber.Ctx, total int, errs []RowError) error {
	e := web.Err(fiber.StatusUnprocessableEntity, "import_invalid", fmt.Sprintf("文件中有 %d 处错误，未导入任何数据，请改正后重新上传", len(errs)))
	if len(errs) == 1 && errs[0].Message == notXLSXMessage {
		e = errNotXLSXUpload
	}
	return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{
		"error":    e,
		"rows":     total,
		"imported": 0,
		"errors":   errs,
	})
}

// POST /api/v1/roster/import[?dry_run=1][&format=xlsx] (multipart field "file")
func (h *handlers) apiRosterImport(c *fiber.Ctx) error {
	_, data, err := web.FormFile(c, rosterMaxUpload)
	if err != nil {
		return err
	}
	me := web.Me(c)
	if dry := c.Query("dry_run"); dry == "1" || dry == "true" {
		chk, err := h.checkRosterFile(c.UserContext(), me, data)
		if err != nil {
			if errors.Is(err, errNotXLSXUpload) {
				return importFailed(c, 0, []RowError{{Message: notXLSXMessage}})
			}
			return err
		}
		return c.JSON(fiber.Map{"rows": chk.Total, "imported": 0, "errors": chk.Errors,
			"would_create": chk.Created, "would_update": chk.Updated})
	}
	chk, res, err := h.importRoster(c.UserContext(), me, data)
	if errors.Is(err, errNotXLSXUpload) {
		return importFailed(c, 0, []RowError{{Message: notXLSXMessage}})
	}
	if err != nil {
		return err
	}
	if res == nil {
		return importFailed(c, chk.Total, chk.Errors)
	}
	if c.Query("format") == "xlsx" {
		b, err := credentialsWorkbook(res.Credentials)
		if err != nil {
			return err
		}
		web.Attachment(c, credentialsName, web.XLSXType)
		return c.Send(b)
	}
	return c.JSON(fiber.Map{"rows": chk.Total, "imported": len(chk.Rows), "errors": []RowError{},
		"created": res.Created, "updated": res.Updated, "new_branches": res.NewBranches,
		"credentials": nonNil(res.Credentials)})
}

// ---- pages ----

func (h *handlers) rosterData(me *web.Identity) fiber.Map {
	return fiber.Map{"Title": "花名册导入", "MaxRows": maxRosterRows, "Kinds": BranchKinds,
		"IsAdmin": me.Role == web.RoleAdmin}
}

// GET /admin/roster
func (h *handlers) rosterPage(c *fiber.Ctx) error {
	return h.srv.Render.Page(c, "accounts/roster", h.rosterData(web.Me(c)))
}

// renderPreview shows a checked file: every error, the first rows, and the confirm form
// when the file is clean.
func (h *handlers) renderPreview(c *fiber.Ctx, stashID, filename string, chk *rosterCheck) error {
	d := h.rosterData(web.Me(c))
	d["Title"] = "导入预览"
	d["StashID"], d["Filename"], d["Check"] = stashID, filename, chk
	errs := chk.Errors
	if len(errs) > previewErrorsShown {
		d["MoreErrors"] = len(errs) - previewErrorsShown
		errs = errs[:previewErrorsShown]
	}
	d["Errors"] = errs
	rows := chk.Rows
	if len(rows) > previewRowsShown {
		d["MoreRows"] = len(rows) - previewRowsShown
		rows = rows[:previewRowsShown]
	}
	d["PreviewRows"] = rows
	if len(chk.Errors) > 0 {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return h.srv.Render.Page(c, "accounts/roster_preview", d)
}

// renderRosterError re-shows the upload form with a message.
func (h *handlers) renderRosterError(c *fiber.Ctx, err error) error {
	we := web.AsError(err)
	if we.Status >= 500 {
		return err
	}
	d := h.rosterData(web.Me(c))
	d["Error"] = we.Message
	c.Status(we.Status)
	return h.srv.Render.Page(c, "accounts/roster", d)
}

// POST /admin/roster/preview
func (h *handlers) rosterPreview(c *fiber.Ctx) error {
	me := web.Me(c)
	name, data, err := web.FormFile(c, rosterMaxUpload)
	if err != nil {
		return h.renderRosterError(c, err)
	}
	chk, err := h.checkRosterFile(c.UserContext(), me, data)
	if err != nil {
		return h.renderRosterError(c, err)
	}
	stashID := ""
	if len(chk.Errors) == 0 {
		if stashID, err = web.Stash(c.UserContext(), h.db, me.UserID, rosterStashKind, name, data); err != nil {
			return err
		}
	}
	return h.renderPreview(c, stashID, name, chk)
}

// POST /admin/roster/confirm: imports the stashed file; the answer is the credentials
// workbook (a download), or a redirect when no account was created.
func (h *handlers) rosterConfirm(c *fiber.Ctx) error {
	me := web.Me(c)
	stashID := c.FormValue("stash_id")
	name, data, err := web.Unstash(c.UserContext(), h.db, me.UserID, rosterStashKind, stashID)
	if err != nil {
		return h.renderRosterError(c, err)
	}
	chk, res, err := h.importRoster(c.UserContext(), me, data)
	if err != nil {
		return h.renderRosterError(c, err)
	}
	if res == nil {
		return h.renderPreview(c, "", name, chk)
	}
	web.DropStash(c.UserContext(), h.db, stashID)
	summary := fmt.Sprintf("已导入 %d 人：新建账号 %d 个，更新 %d 人，新建支部 %d 个", len(chk.Rows), res.Created, res.Updated, res.NewBranches)
	if res.Created == 0 {
		return web.RedirectOK(c, "/admin/users", summary+"。没有新账号，无需下载初始密码表")
	}
	b, err := credentialsWorkbook(res.Credentials)
	if err != nil {
		return err
	}
	// The page stays on the preview while the browser downloads; roster.js reads this
	// short-lived cookie to tell the user what happened.
	c.Cookie(&fiber.Cookie{Name: rosterDoneCookie, Path: "/admin/roster", MaxAge: 120, SameSite: fiber.CookieSameSiteStrictMode,
		Value: strconv.Itoa(len(chk.Rows)) + "-" + strconv.Itoa(res.Created) + "-" + strconv.Itoa(res.Updated) + "-" + strconv.Itoa(res.NewBranches)})
	web.Attachment(c, credentialsName, web.XLSXType)
	return c.Send(b)
}

// ownTownship is the township an organizer's import is confined to (0 for admins).
func ownTownship(me *web.Identity) int64 {
	if me.Role == web.RoleAdmin {
		return 0
	}
	return me.TownshipID
}
