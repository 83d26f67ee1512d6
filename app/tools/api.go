package tools

import (
	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// POST /api/v1/tools/vote-check
func (h *handlers) apiVoteCheck(c *fiber.Ctx) error {
	var in VoteInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	if fe := in.Validate(); len(fe) > 0 {
		return web.Invalidf(firstMessage(fe), fe)
	}
	return c.JSON(CheckVote(in))
}
