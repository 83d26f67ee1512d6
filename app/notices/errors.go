package notices

import (
	"errors"
	"net/http"

	"zhibu/app/web"
)

// The notices' domain errors. The store returns them; errorTable says what a user sees.
var (
	ErrNotFound           = errors.New("notice not found or not meant for the caller")
	ErrAttachmentNotFound = errors.New("notice attachment not found")
	ErrNotManager         = errors.New("notice of another scope")
	ErrCannotPublish      = errors.New("the caller's role does not publish notices")
	ErrOutsideScope       = errors.New("audience outside the caller's township")
	ErrNoAudience         = errors.New("no township chosen")
	ErrUnknownTownship    = errors.New("unknown township in the audience")
	ErrAlreadyPublished   = errors.New("a published notice cannot become a draft again")
	ErrTooLarge           = errors.New("attachment over the size limit")
	ErrNotPDF             = errors.New("attachment is not a PDF")
	ErrBadFilename        = errors.New("attachment file name empty or too long")
	ErrFilenameText       = errors.New("attachment file name has bad text")
	ErrTooManyFiles       = errors.New("notice has MaxAttachments attachments")
)

var errorTable = web.ErrorTable{
	ErrNotFound:           web.NotFound("找不到该通知，可能已被删除或不是发给您的"),
	ErrAttachmentNotFound: web.NotFound("找不到该附件"),
	ErrNotManager:         web.Forbidden("只能修改或删除本级发布的通知"),
	ErrCannotPublish:      web.Forbidden("只有县委组织部和乡镇组织委员可以发布通知"),
	ErrOutsideScope:       web.Forbidden("乡镇组织委员只能向本乡镇发布通知"),
	ErrNoAudience:         web.Invalid("请选择通知发给哪些乡镇，或选择全县", map[string]string{"township_ids": "请选择乡镇"}),
	ErrUnknownTownship:    web.Invalid("所选乡镇不存在，请刷新后重新选择", map[string]string{"township_ids": "所选乡镇不存在"}),
	ErrAlreadyPublished:   web.Conflict("already_published", "通知已经发布，不能改回草稿；如需撤回请删除"),
	ErrTooLarge:           web.Err(http.StatusRequestEntityTooLarge, "payload_too_large", "附件过大，请不要超过 50 MB"),
	ErrNotPDF:             web.Invalid("附件只支持 PDF 文件", map[string]string{"file": "不是有效的 PDF 文件"}),
	ErrBadFilename:        web.Invalid("文件名不正确", map[string]string{"file": "文件名为空或过长"}),
	ErrFilenameText:       web.Invalid("文件名"+web.BadTextMessage, map[string]string{"file": "文件名" + web.BadTextMessage}),
	ErrTooManyFiles:       web.Conflict("too_many_attachments", "每条通知最多 10 个附件，请先删除不需要的附件"),
}
