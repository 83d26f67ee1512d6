package notices

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"zhibu/app/web"
)

// Limits of a notice.
const (
	MaxTitle = 100   // runes
	MaxBody  = 20000 // runes of Markdown
	// MaxAttachment is the largest PDF a notice accepts, as for lessons (courses.MaxAttachment).
	MaxAttachment = 50 << 20
	// MaxAttachments bounds the files of one notice.
	MaxAttachments = 10
)

// NoticeInput is a notice as written (POST and PUT /api/v1/notices, the notice form).
type NoticeInput struct {
	Title        string  `json:"title"`
	Body         string  `json:"body"`
	TownshipIDs  []int64 `json:"township_ids"`
	AllTownships bool    `json:"all_townships"`
	Pinned       bool    `json:"pinned"`
	// Draft keeps the notice unpublished (only its managers see it, nobody is told);
	// saving it later without Draft publishes it.
	Draft bool `json:"draft"`
}

// Validate trims the title and names every field that cannot be saved.
func (in *NoticeInput) Validate() error {
	in.Title = strings.TrimSpace(in.Title)
	f := web.FieldErrors{}
	switch {
	case web.BadText(in.Title, false):
		f["title"] = web.BadTextMessage
	case in.Title == "":
		f["title"] = "请填写标题"
	case utf8.RuneCountInString(in.Title) > MaxTitle:
		f["title"] = "标题不能超过 100 字"
	}
	switch {
	case web.BadText(in.Body, true):
		f["body"] = web.BadTextMessage
	case utf8.RuneCountInString(in.Body) > MaxBody:
		f["body"] = "正文不能超过 20000 字"
	}
	if len(f) == 0 {
		return nil
	}
	msg := "提交的内容有误，请检查标红的项目"
	if len(f) == 1 {
		for _, m := range f {
			msg = m
		}
		if _, ok := f["title"]; ok {
			msg = "标题：" + msg
		} else {
			msg = "正文：" + msg
		}
	}
	return web.Invalidf(msg, f)
}

// CheckPDF refuses anything that is not a PDF within max bytes, as courses.CheckPDF does
// for lessons: the content must begin with %PDF-, whatever the file is called.
func CheckPDF(filename string, data []byte, max int64) error {
	if int64(len(data)) > max {
		return web.Refuse(ErrTooLarge, "附件过大，请不要超过 "+formatSize(max))
	}
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		return ErrNotPDF
	}
	if strings.TrimSpace(filename) == "" || utf8.RuneCountInString(filename) > 200 {
		return ErrBadFilename
	}
	if web.BadText(filename, false) {
		return ErrFilenameText
	}
	return nil
}
