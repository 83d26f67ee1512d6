package courses

// Pages of the learners and the home cards: parse, call the Store, render.

import (
	"context"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/figures"
	"zhibu/app/web"
)

// GET /courses?category=理论|实务
func (h *handlers) listPage(c *fiber.Ctx) error {
	sum, list, err := h.store.Study(c.UserContext(), web.Me(c).UserID, h.year())
	if err != nil {
		return err
	}
	cat := c.Query("category")
	if cat != "理论" && cat != "实务" {
		cat = ""
	}
	var required, others []MyCourse
	for _, m := range list {
		if m.Required() {
			required = append(required, m)
		} else if cat == "" || m.Category == cat {
			others = append(others, m)
		}
	}
	return h.srv.Render.Page(c, "courses/list", fiber.Map{"Title": "学习", "Summary": sum, "Required": required,
		"Others": others, "Category": cat, "HoursText": FormatHours(sum.HoursEarned), "TargetText": FormatHours(sum.TargetHours),
		"SplitText": hoursSplit(sum)})
}

// hoursSplit is the 线上 / 线下 line under a big 学时 figure (the ledger's split).
func hoursSplit(sum *StudySummary) string {
	return "线上 " + FormatHours(sum.Online) + " · 线下 " + FormatHours(sum.Offline)
}

// GET /courses/:id
func (h *handlers) coursePage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	mc, ls, err := h.store.CourseDetail(c.UserContext(), web.Me(c), h.year(), id)
	if err != nil {
		return err
	}
	next := ResumeLesson(*mc, ls)
	if next == 0 && len(ls) > 0 {
		next = ls[0].ID
	}
	rule, err := h.store.YearRule(c.UserContext(), h.year())
	if err != nil {
		return err
	}
	chk := CheckCredit(mc.CreditHours, mc.LessonCount, mc.TotalMinSeconds, rule)
	d := fiber.Map{"Title": mc.Title, "Course": mc, "Lessons": ls, "Next": next,
		"Hours": FormatHours(CreditHours(mc.CreditHours, mc.TotalMinSeconds, rule)), "EarnedText": FormatHours(mc.HoursEarned)}
	if chk.NeedsReason() && mc.CreditReason != "" {
		// Why this course counts more than its study time gives: learners are told.
		d["CreditNote"] = "本课程学时按 " + FormatHours(chk.Declared) + " 学时认定（按最短学习时间折算为 " + FormatHours(chk.Converted) +
			" 学时）：" + mc.CreditReason
	}
	return h.srv.Render.Page(c, "courses/course", d)
}

// GET /lessons/:id
func (h *handlers) lessonPage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	l, mc, err := h.store.LessonDetail(c.UserContext(), web.Me(c), h.year(), id)
	if err != nil {
		return err
	}
	if l.MinSeconds, err = h.store.MinSeconds(c.UserContext(), l.MinSeconds); err != nil {
		return err
	}
	ls, err := h.store.Lessons(c.UserContext(), l.CourseID)
	if err != nil {
		return err
	}
	var prev, next *Lesson
	index := 0 // of the course's lessons (course_lessons): an archived one is never shown
	for i := range ls {
		if ls[i].ID == l.ID {
			index = i
			if i > 0 {
				prev = &ls[i-1]
			}
			if i+1 < len(ls) {
				next = &ls[i+1]
			}
		}
	}
	return h.srv.Render.Page(c, "courses/lesson", fiber.Map{"Title": l.Title, "Lesson": l, "Course": mc,
		"Body": web.Markdown(l.BodyMD), "State": l, "Done": l.Completed, "Prev": prev, "Next": next,
		"Index": index + 1, "Count": len(ls), "Attachments": l.Attachments, "Published": mc.Published,
		"Interval": int(h.deps.HeartbeatInterval.Milliseconds()), "StudiedText": FormatDuration(l.Seconds),
		// The countdown as of this render; study.js keeps it running between heartbeats.
		"TimeEnough": l.Seconds >= l.MinSeconds, "LeftText": FormatDuration(l.MinSeconds - l.Seconds),
		"NotYet": NotYetText(l.Completed, l.MinSeconds-l.Seconds, l.ReachedEnd)})
}

// GET /attachments/:id
func (h *handlers) attachment(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	name, data, err := h.store.AttachmentFile(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	web.Attachment(c, name, "zhibu-attachment-"+strconv.FormatInt(id, 10)+".pdf", "application/pdf")
	return c.Send(data)
}

// homeCards: secretaries see their 学时, required courses left and where to continue;
// organizers and admins see the completion of required courses in their scope.
func (h *handlers) homeCards(ctx context.Context, me *web.Identity) ([]web.Card, error) {
	year := h.year()
	if me.Role != web.RoleSecretary {
		return h.staffCards(ctx, me, year)
	}
	sum, list, err := h.store.Study(ctx, me.UserID, year)
	if err != nil {
		return nil, err
	}
	// The ledger's year (app/hours): the same figures as 我的学时, which the card opens.
	hours := web.Card{Title: fmt.Sprintf("%d 年学时", year), Big: FormatHours(sum.HoursEarned) + " / " + FormatHours(sum.TargetHours),
		Bar: true, Percent: sum.Percent, Order: 10, Link: "/me/hours", LinkText: "我的学时", Lines: []string{hoursSplit(sum)}}
	if sum.Reached {
		hours.Lines = append(hours.Lines, "已完成本年度学时目标")
	} else {
		hours.Lines = append(hours.Lines, "还差 "+FormatHours(sum.Left)+" 学时")
	}
	cards := []web.Card{hours}

	// One next step (NextCourse): the 必修 card leads to it while 必修 courses are left;
	// the 继续学习 card only when none is, so the two never point at different courses.
	var left []MyCourse
	for _, m := range list {
		if m.Required() && !m.Done() {
			left = append(left, m)
		}
	}
	next := NextCourse(list)
	req := web.Card{Title: "必修课程", Order: 11}
	if len(left) == 0 {
		req.Big = "已全部完成"
		req.Lines = []string{"本年度没有待完成的必修课程"}
	} else {
		req.Big = fmt.Sprintf("还有 %d 门", len(left))
		req.Accent, req.Due = true, next.DueDate.In(web.China)
		for i, m := range left {
			if i == 3 {
				req.Lines = append(req.Lines, fmt.Sprintf("…… 共 %d 门", len(left)))
				break
			}
			req.Lines = append(req.Lines, fmt.Sprintf("%s · %s 截止", m.Title, m.DueDate.In(web.China).Format("1月2日")))
		}
		req.Link, req.LinkText = studyLink(*next)
	}
	cards = append(cards, req)
	if next != nil && !next.Required() {
		link, _ := studyLink(*next)
		cards = append(cards, web.Card{Title: "继续学习", Big: next.Title, Bar: true, Percent: next.Percent(), Accent: true,
			Lines: []string{fmt.Sprintf("已完成 %d / %d 课时", next.LessonsDone, next.LessonCount)},
			Link:  link, LinkText: "从上次停下的地方继续", Order: 5})
	}
	return cards, nil
}

// studyLink is where the next step in a course leads, and its words: the lesson to resume
// (ResumeLesson) once started, else the course's page.
func studyLink(m MyCourse) (link, text string) {
	name := "《" + m.Title + "》"
	if utf8.RuneCountInString(m.Title) > 12 {
		name = "下一门必修课"
		if !m.Required() {
			name = "这门课"
		}
	}
	if id := ResumeLesson(m, nil); id != 0 && !m.AwaitsExam() {
		return "/lessons/" + strconv.FormatInt(id, 10), "继续学习" + name
	}
	if m.AwaitsExam() {
		return "/courses/" + strconv.FormatInt(m.ID, 10), "完成" + name + "的考试"
	}
	return "/courses/" + strconv.FormatInt(m.ID, 10), "学习" + name
}

func (h *handlers) staffCards(ctx context.Context, me *web.Identity, year int) ([]web.Card, error) {
	stats, err := h.store.RequiredStats(ctx, year, web.ScopeOf(me))
	if err != nil {
		return nil, err
	}
	card := web.Card{Title: fmt.Sprintf("%d 年%s", year, figures.CompletionRate.Label), Order: 20, Link: "/admin/courses", LinkText: "查看学习进度"}
	if me.Role == web.RoleOrganizer {
		card.Title = fmt.Sprintf("本乡镇 %d 年%s", year, figures.CompletionRate.Label)
	}
	if len(stats) == 0 {
		card.Big = "—"
		card.Lines = []string{"本年度还没有安排必修课程"}
		return []web.Card{card}, nil
	}
	// The same 必修完成率 as the report of the year and scope (app/figures): people who
	// completed every 必修 course that applies to them ÷ 应参训人数.
	y, err := figures.LoadYear(ctx, h.srv.DB, year, web.ScopeOf(me).Township())
	if err != nil {
		return nil, err
	}
	card.Big, card.Bar, card.Percent = figures.Pct(y.CompletionRate), true, figures.Bar(y.CompletionRate)
	card.Lines = []string{fmt.Sprintf("%s %d / %s %d", figures.Completed.Label, y.Completed, figures.Expected.Label, y.Expected)}
	for _, s := range stats {
		card.Lines = append(card.Lines, fmt.Sprintf("%s：%d / %d 人完成", s.Title, s.Done, s.Required))
	}
	// A deadline close with people behind: the next step is to remind them (app/reminders).
	if p := PushFor(stats, h.deps.Now()); p != nil {
		card.Accent, card.Due = true, time.Date(p.DueDate.Year(), p.DueDate.Month(), p.DueDate.Day(), 23, 59, 59, 0, web.China)
		card.Lines = append(card.Lines, fmt.Sprintf("「%s」%s截止，还有 %d 人未完成", p.Title, p.DueDate.Format("1月2日"), p.Required-p.Done))
		card.Link = fmt.Sprintf("/admin/reminders/new?target=course&target_id=%d", p.CourseID)
		card.LinkText = "提醒未完成的人"
	}
	return []web.Card{card}, nil
}
