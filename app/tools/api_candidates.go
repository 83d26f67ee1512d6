package tools

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// The 发展党员 planner's API (docs/tools.md): the caller's own records only. Each handler
// parses the request, calls one store operation and answers the record with its plan.

// candidateView is a record with the plan of its dates (the API's answer).
type candidateView struct {
	Candidate
	Plan CandidatePlan `json:"plan"`
}

// candidateSummary is a record as the list shows it: no dates, the plan's headline.
type candidateSummary struct {
	ID         int64        `json:"id"`
	Name       string       `json:"name"`
	UpdatedAt  time.Time    `json:"updated_at"`
	Done       int          `json:"done"`
	Next       *DevNextStep `json:"next"`
	Violations int          `json:"violations"`
}

func (h *candHandlers) view(c Candidate) candidateView {
	return candidateView{Candidate: c, Plan: PlanCandidate(c.Facts(), h.store.Today())}
}

func (h *candHandlers) summaries(cs []Candidate) []candidateSummary {
	out := make([]candidateSummary, 0, len(cs))
	for _, c := range cs {
		p := PlanCandidate(c.Facts(), h.store.Today())
		out = append(out, candidateSummary{ID: c.ID, Name: c.Name, UpdatedAt: c.UpdatedAt, Done: p.Done, Next: p.Next, Violations: len(p.Violations)})
	}
	return out
}

// GET /api/v1/tools/candidates
func (h *candHandlers) apiList(c *fiber.Ctx) error {
	cs, err := h.store.List(c.UserContext(), web.Me(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"candidates": h.summaries(cs), "max": MaxCandidates})
}

// POST /api/v1/tools/candidates
func (h *candHandlers) apiCreate(c *fiber.Ctx) error {
	var in CandidateInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	cand, err := h.store.Create(c.UserContext(), web.Me(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(h.view(cand))
}

// GET /api/v1/tools/candidates/:id
func (h *candHandlers) apiGet(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	cand, err := h.store.Get(c.UserContext(), web.Me(c), id)
	if err != nil {
		return err
	}
	return c.JSON(h.view(cand))
}

// PUT /api/v1/tools/candidates/:id
func (h *candHandlers) apiUpdate(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in CandidateInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	cand, err := h.store.Update(c.UserContext(), web.Me(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(h.view(cand))
}

// DELETE /api/v1/tools/candidates/:id
func (h *candHandlers) apiDelete(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	if err := h.store.Delete(c.UserContext(), web.Me(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
