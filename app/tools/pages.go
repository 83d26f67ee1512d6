package tools

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// Page and form handlers: the form is parsed into the same VoteInput the API takes and
// checked by the same Validate and CheckVote.

// formFields are the number fields of the form, in form order ("written_for" and
// "written_against" are written.for and written.against).
var formFields = []string{"eligible", "present", "written_for", "written_against", "for", "against", "abstain"}

// GET /tools/vote
func (h *handlers) votePage(c *fiber.Ctx) error {
	return h.render(c, map[string]string{"decision": DecisionGeneral}, nil, nil)
}

// POST /tools/vote (form: decision, eligible, present, written_for, written_against, for,
// against, abstain): the result on the same page, with what was typed.
func (h *handlers) voteForm(c *fiber.Ctx) error {
	vals := map[string]string{"decision": c.FormValue("decision")}
	for _, f := range formFields {
		vals[f] = strings.TrimSpace(c.FormValue(f))
	}
	in, fe := voteInputFromForm(vals)
	for k, v := range in.Validate() {
		if _, ok := fe[k]; !ok {
			fe[k] = v
		}
	}
	if len(fe) > 0 {
		return h.render(c, vals, nil, web.Invalid(firstMessage(fe), fe))
	}
	res := CheckVote(in)
	return h.render(c, vals, &res, nil)
}

// voteInputFromForm reads the form's numbers: an empty count is 0, except 应到 and 实到
// which must be filled in; what is not a whole number is refused by field.
func voteInputFromForm(vals map[string]string) (VoteInput, web.FieldErrors) {
	fe := web.FieldErrors{}
	num := func(form, field string, required bool) int {
		s := vals[form]
		if s == "" {
			if required {
				fe[field] = "请填写人数"
			}
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			fe[field] = "请填写整数"
			return 0
		}
		return n
	}
	in := VoteInput{Decision: vals["decision"],
		Eligible: num("eligible", "eligible", true), Present: num("present", "present", true),
		For: num("for", "for", false), Against: num("against", "against", false), Abstain: num("abstain", "abstain", false)}
	in.Written = &Written{For: num("written_for", "written.for", false), Against: num("written_against", "written.against", false)}
	return in, fe
}

func (h *handlers) render(c *fiber.Ctx, vals map[string]string, res *VoteResult, failed *web.Error) error {
	d := fiber.Map{"Title": "表决计算器", "Vals": vals, "Decisions": Decisions, "Result": res,
		"Lesson": h.lesson(c.UserContext(), "三会一课")}
	if failed != nil {
		c.Status(failed.Status)
		d["Error"], d["Errors"] = failed.Message, failed.Fields
	}
	return h.srv.Render.Page(c, "tools/vote", d)
}
