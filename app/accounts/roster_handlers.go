package accounts

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"zhibu/app/imports"
	"zhibu/app/web"
)

const (
	rosterStashKind    = "roster"
	credentialsName    = "初始密码表.xlsx"
	credentialsASCII   = "zhibu-initial-passwords.xlsx"
	rosterDoneCookie   = "zhibu_roster_done"
	previewRowsShown   = 100
	previewErrorsShown = 500
)

// rosterSpec is the roster import for one caller: an organizer imports only their own
// township's secretaries.
func (h *handlers) rosterSpec(ctx context.Context, me *web.Identity) (*imports.Spec[RosterRow], error) {
	towns, err := townshipIDs(ctx, h.db)
	if err != nil {
		return nil, err
	}
	return newRosterSpec(towns, ownTownship(me), h.db), nil
}

// newRosterSpec is the roster import against the county's townships (name → id), for
// the rows of township own (0: any). With db nil it has no checks against stored
// accounts and no saver (parsing tests).
func newRosterSpec(towns map[string]int64, own int64, db *sqlx.DB) *imports.Spec[RosterRow] {
	ownName := ""
	for n, id := range towns {
		if id == own {
			ownName = n
		}
	}
	spec := &imports.Spec[RosterRow]{
		Kind: rosterStashKind, Noun: "人员", Columns: rosterColumns, DB: db,
		Parse: func(r imports.Record) (RosterRow, []RowError) { return parseRosterRow(r, towns) },
		// The template's example row passes Parse unchecked and is left out of every check
		// and of the save; skipExamples takes it out of what the caller shows.
		Check: func(all []imports.Item[RosterRow]) []RowError {
			rows := withoutExamples(all)
			errs := append(onlyExamples(all), rosterWithin(rows)...)
			if own != 0 {
				errs = append(errs, onlyTownship(rows, own, ownName)...)
			}
			return errs
		},
	}
	if db != nil {
		spec.CheckDB = func(ctx context.Context, rows []imports.Item[RosterRow]) ([]RowError, error) {
			real := withoutExamples(rows)
			errs, err := checkRoster(ctx, db, real, own)
			if len(real) != len(rows) { // a copy: carry its marks back
				exist := map[int]bool{}
				for _, r := range real {
					exist[r.Num] = r.Exist
				}
				for i := range rows {
					rows[i].Exist = exist[rows[i].Num]
				}
			}
			return errs, err
		}
		spec.Save = func(ctx context.Context, rows []imports.Item[RosterRow]) (any, []RowError, error) {
			return saveRoster(ctx, db, withoutExamples(rows), own)
		}
	}
	return spec
}

// GET /api/v1/roster/template.xlsx
func (h *handlers) rosterTemplate(c *fiber.Ctx) error {
	b, err := rosterTemplate()
	if err != nil {
		return err
	}
	web.Attachment(c, "支部书记花名册模板.xlsx", "zhibu-roster-template.xlsx", web.XLSXType)
	return c.Send(b)
}

// POST /api/v1/roster/import[?dry_run=1][&format=xlsx] (multipart field "file")
func (h *handlers) apiRosterImport(c *fiber.Ctx) error {
	spec, err := h.rosterSpec(c.UserContext(), web.Me(c))
	if err != nil {
		return err
	}
	return imports.API(c, spec, func(res *imports.Result[RosterRow]) error {
		saved := res.Saved.(*rosterResult)
		skipExamples(res)
		if c.Query("format") == "xlsx" {
			b, err := credentialsWorkbook(saved.Credentials, time.Now())
			if err != nil {
				return err
			}
			web.Attachment(c, credentialsName, credentialsASCII, web.XLSXType)
			return c.Send(b)
		}
		return c.JSON(imports.Imported(res, fiber.Map{"created": saved.Created, "updated": saved.Updated,
			"new_branches": saved.NewBranches, "credentials": nonNil(saved.Credentials)}))
	})
}

// ---- pages ----

func (h *handlers) rosterData(me *web.Identity) fiber.Map {
	return fiber.Map{"Title": "花名册导入", "MaxRows": imports.MaxRows, "Kinds": BranchKinds,
		"IsAdmin": me.Role == web.RoleAdmin}
}

// GET /admin/roster
func (h *handlers) rosterPage(c *fiber.Ctx) error {
	return h.srv.Render.Page(c, "accounts/roster", h.rosterData(web.Me(c)))
}

// renderPreview shows a checked file: every error, the first rows, and the confirm form
// when the file is clean.
func (h *handlers) renderPreview(c *fiber.Ctx, p *imports.Page[RosterRow]) error {
	d := h.rosterData(web.Me(c))
	d["Title"] = "导入预览"
	d["P"] = p
	d["Skipped"] = skipExamples(p.Result)
	errs := p.Errors
	if len(errs) > previewErrorsShown {
		d["MoreErrors"] = len(errs) - previewErrorsShown
		errs = errs[:previewErrorsShown]
	}
	d["Errors"] = errs
	rows := p.Rows
	if len(rows) > previewRowsShown {
		d["MoreRows"] = len(rows) - previewRowsShown
		rows = rows[:previewRowsShown]
	}
	d["PreviewRows"] = rows
	// The credentials are the confirm POST's answer, once: WeChat's browser cannot save it
	// and a one-time link (app/web/download.go) cannot serve it again.
	d["WeChat"] = web.IsWeChat(c)
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
	spec, err := h.rosterSpec(c.UserContext(), web.Me(c))
	if err != nil {
		return err
	}
	p, err := imports.PreviewPage(c, spec)
	if err != nil {
		return h.renderRosterError(c, err)
	}
	return h.renderPreview(c, p)
}

// POST /admin/roster/confirm: imports the stashed file; the answer is the credentials
// workbook (a download), or a redirect when no account was created.
func (h *handlers) rosterConfirm(c *fiber.Ctx) error {
	spec, err := h.rosterSpec(c.UserContext(), web.Me(c))
	if err != nil {
		return err
	}
	p, err := imports.ConfirmPage(c, spec)
	if err != nil {
		return h.renderRosterError(c, err)
	}
	if len(p.Errors) > 0 {
		return h.renderPreview(c, p)
	}
	skipExamples(p.Result)
	res := p.Saved.(*rosterResult)
	summary := fmt.Sprintf("已导入 %d 人：新建账号 %d 个，更新 %d 人，新建支部 %d 个", len(p.Rows), res.Created, res.Updated, res.NewBranches)
	if res.Created == 0 {
		return web.RedirectOK(c, "/admin/users", summary+"。没有新账号，无需下载初始密码表")
	}
	b, err := credentialsWorkbook(res.Credentials, time.Now())
	if err != nil {
		return err
	}
	// The page stays on the preview while the browser downloads; roster.js reads this
	// short-lived cookie to tell the user what happened.
	c.Cookie(&fiber.Cookie{Name: rosterDoneCookie, Path: "/admin/roster", MaxAge: 120, SameSite: fiber.CookieSameSiteStrictMode,
		Value: strconv.Itoa(len(p.Rows)) + "-" + strconv.Itoa(res.Created) + "-" + strconv.Itoa(res.Updated) + "-" + strconv.Itoa(res.NewBranches)})
	web.Attachment(c, credentialsName, credentialsASCII, web.XLSXType)
	return c.Send(b)
}

// ownTownship is the township an organizer's import is confined to (0 for admins).
func ownTownship(me *web.Identity) int64 {
	if me.Role == web.RoleAdmin {
		return 0
	}
	return me.TownshipID
}
