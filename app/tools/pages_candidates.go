package tools

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// The 发展党员 planner's pages: the caller's list, one person's plan with the form of its
// dates, and deletion behind a confirmation. Forms call the same store operations as the
// API; a refused form is shown again with what was typed.

// candHandlers are the planner's handlers: the job aids' handlers and the planner's store.
type candHandlers struct {
	*handlers
	store *Store
}

// candForm is the planner's form as typed (strings, so a refused form shows them again).
type candForm struct {
	Name, Note                  string
	Dates                       map[string]string
	TrainingDays, TrainingHours string
	Ext                         [MaxExtensions]struct{ On, Months string }
}

func formOf(c Candidate) candForm {
	f := candForm{Name: c.Name, Note: c.Note, Dates: c.Dates}
	if c.Training.Days > 0 {
		f.TrainingDays = strconv.Itoa(c.Training.Days)
	}
	if c.Training.Hours > 0 {
		f.TrainingHours = strconv.Itoa(c.Training.Hours)
	}
	for i, e := range c.Extensions {
		if i < MaxExtensions {
			f.Ext[i].On, f.Ext[i].Months = e.DecidedOn, strconv.Itoa(e.Months)
		}
	}
	if f.Dates == nil {
		f.Dates = map[string]string{}
	}
	return f
}

// candFormOf reads the posted form: name, note, date_<step key>, training_days,
// training_hours, ext<i>_on, ext<i>_months.
func candFormOf(c *fiber.Ctx) candForm {
	f := candForm{Name: c.FormValue("name"), Note: c.FormValue("note"), Dates: map[string]string{},
		TrainingDays: strings.TrimSpace(c.FormValue("training_days")), TrainingHours: strings.TrimSpace(c.FormValue("training_hours"))}
	for _, s := range DevSteps {
		if v := strings.TrimSpace(c.FormValue("date_" + s.Key)); v != "" {
			f.Dates[s.Key] = v
		}
	}
	for i := range f.Ext {
		f.Ext[i].On = strings.TrimSpace(c.FormValue(fmt.Sprintf("ext%d_on", i)))
		f.Ext[i].Months = strings.TrimSpace(c.FormValue(fmt.Sprintf("ext%d_months", i)))
	}
	return f
}

// input turns the form into the API's input; numbers that are not whole numbers are
// refused by field (the rest is CandidateInput.Check's).
func (f candForm) input() (CandidateInput, web.FieldErrors) {
	fe := web.FieldErrors{}
	num := func(s, field string) int {
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			fe[field] = "请填写整数"
		}
		return n
	}
	in := CandidateInput{Name: f.Name, Note: f.Note, Dates: f.Dates,
		Training: CandidateTraining{Days: num(f.TrainingDays, "training.days"), Hours: num(f.TrainingHours, "training.hours")}}
	for i, e := range f.Ext {
		in.Extensions = append(in.Extensions, ExtensionInput{DecidedOn: e.On, Months: num(e.Months, fmt.Sprintf("extensions.%d.months", i))})
	}
	return in, fe
}

// stepHints are the time rules as each step's form row reminds them (rules_candidates.go).
var stepHints = map[int]string{
	stepTalk:         "收到入党申请书后1个月内",
	stepCandidate:    "确定为入党积极分子满一年以上",
	stepTraining:     "不少于三天（或不少于二十四个学时）",
	stepApproval:     "支部大会通过后3个月内，特殊情况最长不超过6个月",
	stepFullApply:    "预备期满（支部大会通过之日起一年）后",
	stepFullApproval: "支部大会讨论后3个月内",
}

var statusNames = map[string]string{StepDone: "已完成", StepNext: "下一步", StepTodo: "未到"}

// formRow is one step of the page: its plan status and its date field.
type formRow struct {
	DevStepView
	StatusName, Hint, Value, Error string
}

type formStage struct {
	Name string
	Rows []formRow
}

// rows lays the plan's stages out with the form's values and errors.
func rows(p CandidatePlan, f candForm, errs web.FieldErrors) []formStage {
	var out []formStage
	for _, st := range p.Stages {
		fs := formStage{Name: st.Name}
		for _, s := range st.Steps {
			fs.Rows = append(fs.Rows, formRow{DevStepView: s, StatusName: statusNames[s.Status], Hint: stepHints[s.No],
				Value: f.Dates[s.Key], Error: errs["dates."+s.Key]})
		}
		out = append(out, fs)
	}
	return out
}

// GET /tools/candidates
func (h *candHandlers) listPage(c *fiber.Ctx) error {
	cs, err := h.store.List(c.UserContext(), web.Me(c))
	if err != nil {
		return err
	}
	return h.srv.Render.Page(c, "tools/candidates", fiber.Map{"Title": "发展党员进度", "Items": h.summaries(cs),
		"Max": MaxCandidates, "Full": len(cs) >= MaxCandidates, "Lesson": h.lesson(c.UserContext(), "发展党员")})
}

// GET /tools/candidates/new
func (h *candHandlers) newPage(c *fiber.Ctx) error {
	return h.page(c, nil, candForm{Dates: map[string]string{}}, nil)
}

// POST /tools/candidates
func (h *candHandlers) createForm(c *fiber.Ctx) error {
	f := candFormOf(c)
	in, fe := f.input()
	if len(fe) > 0 {
		return h.page(c, nil, f, web.Invalid(candidateHeadline(fe), fe))
	}
	cand, err := h.store.Create(c.UserContext(), web.Me(c), in)
	if err != nil {
		return h.page(c, nil, f, h.srv.AsError(err))
	}
	return web.RedirectOK(c, fmt.Sprintf("/tools/candidates/%d", cand.ID), "已保存「"+cand.Name+"」的发展党员进度")
}

// GET /tools/candidates/:id
func (h *candHandlers) candidatePage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	cand, err := h.store.Get(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	return h.page(c, &cand, formOf(cand), nil)
}

// POST /tools/candidates/:id
func (h *candHandlers) updateForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	cand, err := h.store.Get(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	f := candFormOf(c)
	in, fe := f.input()
	if len(fe) > 0 {
		return h.page(c, &cand, f, web.Invalid(candidateHeadline(fe), fe))
	}
	saved, err := h.store.Update(c.UserContext(), web.Me(c), id, in)
	if err != nil {
		return h.page(c, &cand, f, h.srv.AsError(err))
	}
	return web.RedirectOK(c, fmt.Sprintf("/tools/candidates/%d", saved.ID), "已保存")
}

// page renders one person's plan (cand nil: the new form) with the form f.
func (h *candHandlers) page(c *fiber.Ctx, cand *Candidate, f candForm, failed *web.Error) error {
	d := fiber.Map{"Title": "新建发展党员进度", "F": f, "Lesson": h.lesson(c.UserContext(), "发展党员"), "LocalRule": LocalRuleNote}
	var errs web.FieldErrors
	if failed != nil {
		c.Status(failed.Status)
		d["Error"], d["Errors"] = failed.Message, failed.Fields
		errs = failed.Fields
	}
	plan := PlanCandidate(CandidateFacts{}, h.store.Today())
	if cand != nil {
		plan = PlanCandidate(cand.Facts(), h.store.Today())
		d["Title"], d["C"], d["Plan"] = cand.Name+" · 发展党员进度", cand, plan
	}
	d["Stages"] = rows(plan, f, errs)
	return h.srv.Render.Page(c, "tools/candidate", d)
}

// GET /tools/candidates/:id/delete: the confirmation.
func (h *candHandlers) deletePage(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	cand, err := h.store.Get(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	back := fmt.Sprintf("/tools/candidates/%d", id)
	return h.srv.RenderConfirm(c, web.Confirm{Question: "确定删除「" + cand.Name + "」的发展党员进度吗？",
		Consequences: []string{"删除后，这个人的各步骤日期和备注都将清除，不能恢复。"},
		Action:       back + "/delete", Yes: "确定删除", Danger: true, Back: back})
}

// POST /tools/candidates/:id/delete
func (h *candHandlers) deleteForm(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	if err := h.store.Delete(c.UserContext(), web.Me(c), id); err != nil {
		return err
	}
	return web.RedirectOK(c, "/tools/candidates", "已删除")
}
