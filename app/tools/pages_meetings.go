package tools

import (
	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// The 会议记录清单 pages: the six meetings as cards, one meeting's checklist, and its
// blank record form for A4 printing. Static content (rules_meetings.go).

// GET /tools/meetings
func (h *handlers) meetingsPage(c *fiber.Ctx) error {
	return h.srv.Render.Page(c, "tools/meetings", fiber.Map{"Title": "会议记录清单", "Meetings": Meetings,
		"Lesson": h.lesson(c.UserContext(), "三会一课"), "ReviewLesson": h.lesson(c.UserContext(), "组织生活会"),
		"LocalRule": meetingLocalRule})
}

// meeting is the :kind of the path; an unknown kind is a 404.
func meeting(c *fiber.Ctx) (Meeting, error) {
	m, ok := MeetingByKey(c.Params("kind"))
	if !ok {
		return m, web.NotFound("没有这种会议。请从「会议记录清单」选择：党员大会、支委会、党小组会、党课、组织生活会或主题党日。")
	}
	return m, nil
}

// GET /tools/meetings/:kind
func (h *handlers) meetingPage(c *fiber.Ctx) error {
	m, err := meeting(c)
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "tools/meeting", fiber.Map{"Title": m.Name, "M": m,
		"Lesson": h.lesson(c.UserContext(), m.Topic), "RecordBasis": recordBasis, "LocalRule": meetingLocalRule})
}

// GET /tools/meetings/:kind/print
func (h *handlers) meetingPrintPage(c *fiber.Ctx) error {
	m, err := meeting(c)
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "tools/meeting_print", fiber.Map{"Title": m.Name + "记录（空白）", "M": m})
}
