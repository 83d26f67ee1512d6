package notices

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// Page and form handlers: each parses the form, calls the same store operation as its
// JSON twin in api.go, and renders or redirects.

// GET /notices?q=&page=: the published notices meant for the caller.
func (h *handlers) listPage(c *fiber.Ctx) error {
	return h.list(c, ModeRead, "notices/list", "通知公告")
}

// GET /admin/notices?q=&page=: the notices the caller manages, drafts included.
func (h *handlers) adminListPage(c *fiber.Ctx) error {
	return h.list(c, ModeManage, "notices/admin_list", "通知管理")
}

func (h *handlers) list(c *fiber.Ctx, mode, page, title string) error {
	n, err := web.PageParam(c)
	if err != nil {
		return err
	}
	q, err := searchQuery(c)
	if err != nil {
		return err
	}
	me := web.Me(c)
	list, total, err := h.store.List(c.UserContext(), me, ListFilter{Mode: mode, Q: q,
		Offset: (n - 1) * web.PageSize, Limit: web.PageSize})
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, page, fiber.Map{"Title": title, "Notices": list, "Total": total, "Query": q,
		"Pager": web.NewPager(c, n, total, web.PageSize), "CanPublish": CanPublish(me)})
}

// GET /notices/:id
func (h *handlers) noticePage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	n, err := h.store.Get(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "notices/notice", fiber.Map{"Title": n.Title, "N": n, "Body": web.Markdown(n.Body)})
}

// formState is what the notice form shows: the input as typed and its errors.
type formState struct {
	ID       int64
	In       NoticeInput
	Selected map[int64]bool
	Errors   map[string]string
	Message  string
	// UploadError is the message of a refused attachment, shown by the upload field.
	UploadError string
}

// inputFromForm reads the notice form: title, body, audience (all | townships) with
// township_ids, pinned, draft. A township id that is no number is refused as unknown.
func inputFromForm(c *fiber.Ctx) (NoticeInput, error) {
	args, _ := url.ParseQuery(string(c.Body()))
	in := NoticeInput{Title: args.Get("title"), Body: args.Get("body"), AllTownships: args.Get("audience") == "all",
		Pinned: args.Get("pinned") != "", Draft: args.Get("draft") != ""}
	if !in.AllTownships {
		for _, v := range args["township_ids"] {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return in, ErrUnknownTownship
			}
			in.TownshipIDs = append(in.TownshipIDs, id)
		}
	}
	return in, nil
}

// formPage renders the new (id 0) or edit form with st; a 422 keeps its status.
func (h *handlers) formPage(c *fiber.Ctx, st formState, status int) error {
	me := web.Me(c)
	ctx := c.UserContext()
	data := fiber.Map{"Title": "发布通知", "F": st, "CanDraft": st.ID == 0, "MaxText": formatSize(h.store.maxAttachment)}
	owner := OwnerOf(me)
	if st.ID != 0 {
		n, err := h.store.ForEdit(ctx, me, st.ID)
		if err != nil {
			return err
		}
		data["Title"], data["N"], owner = "修改通知", n, n.Owner
		data["Issuer"], data["CanDraft"] = n.Issuer, n.Draft
	} else if owner != 0 {
		ts, err := h.store.Townships(ctx)
		if err != nil {
			return err
		}
		for _, t := range ts {
			if t.ID == owner {
				data["Issuer"] = t.Name
			}
		}
	}
	data["County"] = owner == 0
	if owner == 0 {
		ts, err := h.store.Townships(ctx)
		if err != nil {
			return err
		}
		data["Townships"] = ts
	}
	if st.Selected == nil {
		st.Selected = map[int64]bool{}
		for _, id := range st.In.TownshipIDs {
			st.Selected[id] = true
		}
		data["F"] = st
	}
	if status != 0 {
		c.Status(status)
	}
	return h.srv.Render.Page(c, "notices/form", data)
}

// GET /admin/notices/new
func (h *handlers) newPage(c *fiber.Ctx) error {
	if !CanPublish(web.Me(c)) {
		return ErrCannotPublish
	}
	return h.formPage(c, formState{In: NoticeInput{AllTownships: OwnerOf(web.Me(c)) == 0}}, 0)
}

// GET /admin/notices/:id/edit
func (h *handlers) editPage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	n, err := h.store.ForEdit(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	in := NoticeInput{Title: n.Title, Body: n.Body, AllTownships: n.AllTownships, TownshipIDs: n.TownshipIDs,
		Pinned: n.Pinned, Draft: n.Draft}
	return h.formPage(c, formState{ID: id, In: in}, 0)
}

// formError shows the form again, as typed, with the fields of a 422; any other error
// is answered as it is.
func (h *handlers) formError(c *fiber.Ctx, id int64, in NoticeInput, err error) error {
	we := h.srv.AsError(err)
	if we.Status != fiber.StatusUnprocessableEntity {
		return err
	}
	return h.formPage(c, formState{ID: id, In: in, Errors: we.Fields, Message: we.Message}, we.Status)
}

// POST /admin/notices
func (h *handlers) createForm(c *fiber.Ctx) error {
	in, err := inputFromForm(c)
	if err != nil {
		return h.formError(c, 0, in, err)
	}
	n, err := h.store.Create(c.UserContext(), web.Me(c), in)
	if err != nil {
		return h.formError(c, 0, in, err)
	}
	if n.Draft {
		return web.RedirectOK(c, fmt.Sprintf("/admin/notices/%d/edit", n.ID), "草稿已保存，可以上传附件，准备好后再发布")
	}
	return web.RedirectOK(c, fmt.Sprintf("/notices/%d", n.ID), "通知已发布")
}

// POST /admin/notices/:id
func (h *handlers) updateForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	in, err := inputFromForm(c)
	if err != nil {
		return h.formError(c, id, in, err)
	}
	n, err := h.store.Update(c.UserContext(), web.Me(c), id, in)
	if err != nil {
		return h.formError(c, id, in, err)
	}
	if n.Draft {
		return web.RedirectOK(c, fmt.Sprintf("/admin/notices/%d/edit", id), "草稿已保存")
	}
	return web.RedirectOK(c, fmt.Sprintf("/notices/%d", id), "通知已保存")
}

// GET /admin/notices/:id/delete: what deleting the notice does, and the button.
func (h *handlers) deletePage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	n, err := h.store.ForEdit(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	what := []string{"删除后，收到通知的人将不能再打开这条通知和它的附件，不能恢复。"}
	if n.Draft {
		what = []string{"这是一条草稿，还没有发给任何人。删除后不能恢复。"}
	}
	if n.Files > 0 {
		what = append(what, fmt.Sprintf("通知的 %d 个附件一并删除。", n.Files))
	}
	return h.srv.RenderConfirm(c, web.Confirm{Question: "确定删除通知「" + n.Title + "」吗？", Consequences: what,
		Action: c.Path(), Yes: "确定删除", Back: fmt.Sprintf("/admin/notices/%d/edit", id), Danger: true})
}

// POST /admin/notices/:id/delete
func (h *handlers) deleteForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	title, err := h.store.Delete(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	return web.RedirectOK(c, "/admin/notices", "已删除通知「"+title+"」")
}

// POST /admin/notices/:id/attachments
func (h *handlers) uploadForm(c *fiber.Ctx) error {
	id, _, err := h.upload(c)
	if err != nil {
		we := h.srv.AsError(err)
		if id == 0 || (we.Status != fiber.StatusUnprocessableEntity && we.Status != fiber.StatusRequestEntityTooLarge &&
			we.Status != fiber.StatusConflict) {
			return err
		}
		n, ferr := h.store.ForEdit(c.UserContext(), web.Me(c), id)
		if ferr != nil {
			return ferr
		}
		in := NoticeInput{Title: n.Title, Body: n.Body, AllTownships: n.AllTownships, TownshipIDs: n.TownshipIDs,
			Pinned: n.Pinned, Draft: n.Draft}
		return h.formPage(c, formState{ID: id, In: in, UploadError: we.Message}, we.Status)
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/notices/%d/edit", id), "附件已上传")
}

// GET /admin/notices/:id/attachments/:aid/delete
func (h *handlers) deleteAttachmentPage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	aid, err := web.ParamID(c, "aid")
	if err != nil {
		return err
	}
	a, n, err := h.store.AttachmentInfo(c.UserContext(), web.Me(c), id, aid)
	if err != nil {
		return err
	}
	return h.srv.RenderConfirm(c, web.Confirm{Question: "确定删除附件「" + a.Filename + "」吗？",
		Consequences: []string{"删除后，通知「" + n.Title + "」的读者将不能再下载这个附件，不能恢复。"},
		Action:       c.Path(), Yes: "确定删除", Back: fmt.Sprintf("/admin/notices/%d/edit", id), Danger: true})
}

// POST /admin/notices/:id/attachments/:aid/delete
func (h *handlers) deleteAttachmentForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	aid, err := web.ParamID(c, "aid")
	if err != nil {
		return err
	}
	if err := h.store.DeleteAttachment(c.UserContext(), web.Me(c), id, aid); err != nil {
		return err
	}
	return web.RedirectOK(c, fmt.Sprintf("/admin/notices/%d/edit", id), "附件已删除")
}
