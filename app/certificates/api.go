package certificates

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// throttle counts the request against its client address's minute window; over the limit
// it answers 429 with Retry-After (seconds to the next window).
func (h *handlers) throttle(c *fiber.Ctx) error {
	now := h.deps.Now()
	win := Window(now)
	n, err := h.store.Hit(c.UserContext(), c.IP(), win)
	if err != nil {
		return err
	}
	if Limited(n, h.deps.VerifyLimit) {
		wait := int(win.Add(time.Minute).Sub(now).Seconds()) + 1
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(wait, 1)))
		return ErrTooManyVerifications
	}
	return nil
}

// GET /api/v1/verify/:code — public, no session: {"name","programme","issued_on","valid",
// "revoked_reason","issuer"}; an unknown or malformed code is 404, too many requests 429.
func (h *handlers) apiVerify(c *fiber.Ctx) error {
	if err := h.throttle(c); err != nil {
		return err
	}
	v, err := h.store.Verify(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	if v.Issuer, err = h.issuer(c.UserContext()); err != nil {
		return err
	}
	c.Set("X-Robots-Tag", "noindex")
	return c.JSON(v)
}

// issueMine is trigger (3): a secretary who opens their certificates gets those now due.
// A failure is logged, never shown: the list still answers.
func (h *handlers) issueMine(c *fiber.Ctx) {
	me := web.Me(c)
	if me.Role != web.RoleSecretary {
		return
	}
	if _, err := h.store.IssueForUser(c.UserContext(), me.UserID); err != nil {
		h.srv.Logger().Warn("certificates: issue on open", "user", me.UserID, "err", err)
	}
}

// mine is the caller's certificates with their verification addresses.
func (h *handlers) mine(c *fiber.Ctx) ([]Certificate, error) {
	h.issueMine(c)
	list, err := h.store.Mine(c.UserContext(), web.Me(c).UserID)
	for i := range list {
		list[i].VerifyURL = VerifyURL(h.deps.PublicURL, c.BaseURL(), list[i].Code)
	}
	return list, err
}

// GET /api/v1/me/certificates
func (h *handlers) apiMine(c *fiber.Ctx) error {
	list, err := h.mine(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"certificates": list})
}

// GET /api/v1/certificates?q=&programme=&page= (admin)
func (h *handlers) apiList(c *fiber.Ctx) error {
	f, err := filterOf(c)
	if err != nil {
		return err
	}
	list, total, err := h.store.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"certificates": list, "total": total, "page": f.Page, "page_size": web.PageSize})
}

// POST /api/v1/certificates/:id/revoke {"reason"} (admin)
func (h *handlers) apiRevoke(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in RevokeInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	cert, err := h.store.Revoke(c.UserContext(), web.Me(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(cert)
}

// GET /api/v1/certificate-programmes (admin)
func (h *handlers) apiProgrammes(c *fiber.Ctx) error {
	list, err := h.store.Programmes(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"programmes": list})
}

// POST /api/v1/certificate-programmes (admin)
func (h *handlers) apiCreateProgramme(c *fiber.Ctx) error {
	var in ProgrammeInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	p, err := h.store.CreateProgramme(c.UserContext(), web.Me(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

// PUT /api/v1/certificate-programmes/:id (admin)
func (h *handlers) apiUpdateProgramme(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	var in ProgrammeInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	p, err := h.store.UpdateProgramme(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// POST /api/v1/certificate-programmes/:id/issue (admin) — 「立即核发」: everyone qualified.
func (h *handlers) apiIssue(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	n, err := h.store.Issue(c.UserContext(), id, nil)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"issued": n})
}

// filterOf reads ?q=, ?programme= and ?page=.
func filterOf(c *fiber.Ctx) (Filter, error) {
	page, err := web.PageParam(c)
	if err != nil {
		return Filter{}, err
	}
	q := c.Query("q")
	if web.BadText(q, false) {
		return Filter{}, web.CheckText("q", q, false)
	}
	if len([]rune(q)) > 50 {
		q = string([]rune(q)[:50])
	}
	pid, err := web.QueryInt(c, "programme")
	if err != nil {
		return Filter{}, err
	}
	return Filter{Query: q, ProgrammeID: pid, Page: page}, nil
}
