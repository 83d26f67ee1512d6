package web

import "github.com/gofiber/fiber/v2"

// Confirm is the page that stands between one tap and an action that cannot be undone
// (cancel a sign-up, delete, reset, deactivate, reject, publish): a question, what will
// happen in plain Chinese, one button that POSTs the action and one way back. It is a
// plain form, so it works without JavaScript. A feature serves it on GET <action-url>
// or GET <thing>/<verb> and keeps the POST as the action.
type Confirm struct {
	Title        string            // page title; the Question when empty
	Question     string            // 「确定删除课时「……」吗？」
	Consequences []string          // what will happen, one sentence per line
	Action       string            // the POST target
	Fields       map[string]string // hidden fields besides _csrf
	Yes          string            // the button: 「确定删除」
	No           string            // the way back's text (「不，返回」 when empty)
	Back         string            // where 「不，返回」 goes
	Danger       bool              // red button for destructive actions
}

// RenderConfirm renders the confirmation page.
func (s *Server) RenderConfirm(c *fiber.Ctx, cf Confirm) error {
	title := cf.Title
	if title == "" {
		title = cf.Question
	}
	if cf.Back == "" {
		cf.Back = "/"
	}
	return s.Render.Page(c, "web/confirm", fiber.Map{"Title": title, "Confirm": cf})
}
