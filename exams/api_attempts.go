package exams

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

type optionView struct {
	Key  string `json:"key"`
	Text string `json:"text"`
	// For the review on the result page: the option is a correct key (set only when the
	// review shows answers) or was chosen.
	IsCorrect bool `json:"-"`
	Chosen    bool `json:"-"`
}

type itemView struct {
	Position    int          `json:"position"`
	Kind        string       `json:"kind"`
	Stem        string       `json:"stem"`
	Points      float64      `json:"points"`
	Options     []optionView `json:"options"`
	Answer      []string     `json:"answer"`
	Correct     []string     `json:"correct,omitempty"`
	Explanation string       `json:"explanation,omitempty"`
	Right       *bool        `json:"right,omitempty"`
	Earned      *float64     `json:"earned,omitempty"`
	IsRight     bool         `json:"-"`
	Pts         float64      `json:"-"` // Earned for templates
	// Withheld: the review policy allows answers, but a live exam may draw the question.
	Withheld bool `json:"withheld,omitempty"`
}

type attemptView struct {
	ID           int64      `json:"id"`
	ExamID       int64      `json:"exam_id"`
	ExamTitle    string     `json:"exam_title"`
	Seq          int        `json:"seq"`
	Status       string     `json:"status"`
	StartedAt    time.Time  `json:"started_at"`
	Deadline     time.Time  `json:"deadline"`
	ServerTime   time.Time  `json:"server_time"`
	GraceSeconds int        `json:"grace_seconds"`
	FinishedAt   *time.Time `json:"finished_at,omitempty"`
	Score        *float64   `json:"score,omitempty"`
	MaxScore     float64    `json:"max_score"`
	PassScore    float64    `json:"pass_score"`
	Passed       *bool      `json:"passed,omitempty"`
	IsPassed     bool       `json:"-"`
	Review       bool       `json:"review"`
	ReviewPolicy string     `json:"review_policy"`
	Answered     int        `json:"answered"`
	Withheld     int        `json:"withheld"`
	Wrong        int        `json:"-"` // reviewed items not fully right (unanswered included)
	Items        []itemView `json:"items"`
}

// viewOf turns an attempt into its JSON; correct keys and 解析 only when the attempt is
// finished and the review policy allows, and never for the questions in hidden (the
// viewer's exam guard, see reviewOf).
func viewOf(a *Attempt, hidden map[int64]bool) attemptView {
	v := attemptView{ID: a.ID, ExamID: a.ExamID, ExamTitle: a.ExamTitle, Seq: a.Seq, Status: a.Status, StartedAt: a.StartedAt,
		Deadline: a.Deadline, ServerTime: a.Now, GraceSeconds: int(Grace.Seconds()), MaxScore: a.MaxScore,
		PassScore: a.PassScore, ReviewPolicy: a.ReviewPolicy, Items: make([]itemView, 0, len(a.Paper))}
	if a.FinishedAt.Valid {
		t := a.FinishedAt.Time
		v.FinishedAt = &t
	}
	if a.Score.Valid {
		sc := a.Score.Float64
		v.Score = &sc
	}
	if a.Passed.Valid {
		p := a.Passed.Bool
		v.Passed, v.IsPassed = &p, p
	}
	v.Review = ReviewAllowed(a.ReviewPolicy, a.Finished(), a.ClosesAt, a.Now)
	for _, it := range a.Paper {
		iv := itemView{Position: it.Position, Kind: it.Kind, Stem: it.Stem, Points: it.Points,
			Options: make([]optionView, len(it.Options)), Answer: KeysOf(a.Answers[itoa(it.Position)])}
		for i, o := range it.Options {
			iv.Options[i] = optionView{Key: KeyOf(i), Text: o, Chosen: strings.Contains(a.Answers[itoa(it.Position)], KeyOf(i))}
		}
		if len(iv.Answer) > 0 {
			v.Answered++
		}
		if v.Review && hidden[it.QuestionID] {
			iv.Withheld = true
			v.Withheld++
		} else if v.Review {
			iv.Correct = KeysOf(it.Correct)
			iv.Explanation = it.Explanation
			right := a.Answers[itoa(it.Position)] == it.Correct
			earned := Score(it, a.Answers[itoa(it.Position)], a.MultiRule)
			iv.Right, iv.Earned, iv.IsRight, iv.Pts = &right, &earned, right, earned
			for i := range iv.Options {
				iv.Options[i].IsCorrect = strings.Contains(it.Correct, iv.Options[i].Key)
			}
			if !right {
				v.Wrong++
			}
		}
		v.Items = append(v.Items, iv)
	}
	return v
}

// reviewOf is the attempt as the caller may see it: when the review would show answers,
// the caller's exam guard (one query) withholds the questions a live exam may draw.
func (h *handlers) reviewOf(c *fiber.Ctx, a *Attempt) (attemptView, error) {
	if !ReviewAllowed(a.ReviewPolicy, a.Finished(), a.ClosesAt, a.Now) {
		return viewOf(a, nil), nil
	}
	ids := make([]int64, 0, len(a.Paper))
	for _, it := range a.Paper {
		ids = append(ids, it.QuestionID)
	}
	me := web.Me(c)
	_, hidden, err := h.st.Guard(c.UserContext(), me.UserID, web.ScopeOf(me).Township(), ids)
	if err != nil {
		return attemptView{}, err
	}
	return viewOf(a, hidden), nil
}

// POST /api/v1/exams/:id/attempts — start, or resume the attempt in progress.
func (h *handlers) apiStart(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	me := web.Me(c)
	a, created, err := h.st.StartAttempt(c.UserContext(), id, me.UserID, web.ScopeOf(me).Township())
	if err != nil {
		return err
	}
	if created {
		c.Status(fiber.StatusCreated)
	}
	v, err := h.reviewOf(c, a) // in progress: no review, no query
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// loadAttemptFor loads an attempt the caller may see: the owner, or staff whose scope
// holds the attempt's township. Anyone else gets 404.
func (h *handlers) loadAttemptFor(c *fiber.Ctx) (*Attempt, error) {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return nil, err
	}
	a, err := h.st.GetAttempt(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	me := web.Me(c)
	if a.UserID == me.UserID {
		return a, nil
	}
	if me.Role != web.RoleSecretary && web.ScopeOf(me).Allows(a.TownshipID.Int64) {
		return a, nil
	}
	return nil, ErrNotFound
}

// GET /api/v1/attempts/:id
func (h *handlers) apiAttempt(c *fiber.Ctx) error {
	a, err := h.loadAttemptFor(c)
	if err != nil {
		return err
	}
	v, err := h.reviewOf(c, a)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// PUT /api/v1/attempts/:id/answers/:position {"answer":["A","C"]}
func (h *handlers) apiSave(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	pos, err := strconv.Atoi(c.Params("position"))
	if err != nil {
		return ErrNoPosition
	}
	in, err := ParseAnswerBody(c.Body())
	if err != nil {
		return err
	}
	answer, err := h.st.SaveAnswer(c.UserContext(), id, web.Me(c).UserID, pos, in)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"position": pos, "answer": KeysOf(answer), "saved": true})
}

// PUT /api/v1/attempts/:id/answers {"answers":[{"position":1,"answer":["A","C"]},…]}: the
// page's offline queue, saved together or not at all (Store.SaveAnswers).
func (h *handlers) apiSaveBatch(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	in, err := ParseAnswersBody(c.Body())
	if err != nil {
		return err
	}
	saved, err := h.st.SaveAnswers(c.UserContext(), id, web.Me(c).UserID, in)
	if err != nil {
		return err
	}
	out := make([]fiber.Map, 0, len(in.Answers))
	for _, a := range in.Answers {
		out = append(out, fiber.Map{"position": a.Position, "answer": KeysOf(saved[a.Position])})
	}
	return c.JSON(fiber.Map{"saved": len(out), "answers": out})
}

// POST /api/v1/attempts/:id/submit — idempotent.
func (h *handlers) apiSubmit(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	a, err := h.st.Submit(c.UserContext(), id, web.Me(c).UserID)
	if err != nil {
		return err
	}
	v := viewOf(a, nil) // only the summary below leaves
	return c.JSON(fiber.Map{"id": v.ID, "status": v.Status, "score": v.Score, "max_score": v.MaxScore,
		"pass_score": v.PassScore, "passed": v.Passed, "review": v.Review, "answered": v.Answered})
}

type examView struct {
	ID              int64      `json:"id"`
	Title           string     `json:"title"`
	Description     string     `json:"description"`
	OpensAt         time.Time  `json:"opens_at"`
	ClosesAt        time.Time  `json:"closes_at"`
	DurationMinutes int        `json:"duration_minutes"`
	TotalPoints     float64    `json:"total_points"`
	PassScore       float64    `json:"pass_score"`
	Questions       int        `json:"questions"`
	AttemptsAllowed int        `json:"attempts_allowed"`
	AttemptsUsed    int        `json:"attempts_used"`
	AttemptsLeft    int        `json:"attempts_left"`
	BestScore       *float64   `json:"best_score"`
	Best            float64    `json:"-"`
	Passed          bool       `json:"passed"`
	State           string     `json:"state"`
	Reason          string     `json:"-"` // why a new attempt may not start (rules_retake.go)
	OpenAttemptID   *int64     `json:"open_attempt_id,omitempty"`
	CourseID        *int64     `json:"course_id"`
	Rules           []Rule     `json:"rules,omitempty"`
	TownshipIDs     []int64    `json:"township_ids,omitempty"`
	Now             *time.Time `json:"-"`
}

// examViewOf is the exam as the candidate sees it; its state follows the retake rule
// under the county's retakeAfterPass.
func examViewOf(e ExamForUser, staff, retakeAfterPass bool) examView {
	_, reason := e.Retake(retakeAfterPass)
	v := examView{ID: e.ID, Title: e.Title, Description: e.Description, OpensAt: e.OpensAt, ClosesAt: e.ClosesAt,
		DurationMinutes: e.DurationMinutes, TotalPoints: e.TotalPoints, PassScore: e.PassScore,
		AttemptsAllowed: e.AttemptsAllowed, AttemptsUsed: e.AttemptsUsed, AttemptsLeft: e.AttemptsLeft(),
		Passed: e.Passed, State: e.StateFor(retakeAfterPass), Reason: reason}
	for _, r := range e.Rules {
		v.Questions += r.Count
	}
	if e.BestScore.Valid {
		b := e.BestScore.Float64
		v.BestScore, v.Best = &b, b
	}
	if e.OpenAttempt.Valid {
		id := e.OpenAttempt.Int64
		v.OpenAttemptID = &id
	}
	if e.CourseID.Valid {
		id := e.CourseID.Int64
		v.CourseID = &id
	}
	if staff {
		v.Rules, v.TownshipIDs = e.Rules, e.TownshipIDs
	}
	return v
}

// examViews lists the exams the caller may take or oversee (onlyOpen: open now); staff
// views carry the rules and townships.
func (h *handlers) examViews(c *fiber.Ctx, onlyOpen, staff bool) ([]examView, error) {
	me := web.Me(c)
	list, err := h.st.ExamsForUser(c.UserContext(), me.UserID, web.ScopeOf(me).Township(), onlyOpen)
	if err != nil {
		return nil, err
	}
	retake, err := h.retakeSetting(c.UserContext(), list)
	if err != nil {
		return nil, err
	}
	out := make([]examView, 0, len(list))
	for _, e := range list {
		out = append(out, examViewOf(e, staff, retake))
	}
	return out, nil
}

// retakeSetting is the county's 「通过后不可补考」 setting (Deps.RetakeAfterPass), read
// only when one of the exams is passed: otherwise it cannot change the rule.
func (h *handlers) retakeSetting(ctx context.Context, list []ExamForUser) (bool, error) {
	for _, e := range list {
		if e.Passed {
			return h.st.RetakeAfterPass(ctx)
		}
	}
	return false, nil
}

// GET /api/v1/exams — the exams the caller may take (staff: every exam in scope).
func (h *handlers) apiExams(c *fiber.Ctx) error {
	out, err := h.examViews(c, c.Query("open") == "1", web.Me(c).Role != web.RoleSecretary)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"exams": out})
}

// GET /api/v1/exams/:id
func (h *handlers) apiExam(c *fiber.Ctx) error {
	id, err := web.ParamID(c, "id")
	if err != nil {
		return err
	}
	me := web.Me(c)
	list, err := h.st.ExamsForUser(c.UserContext(), me.UserID, web.ScopeOf(me).Township(), false)
	if err != nil {
		return err
	}
	for _, e := range list {
		if e.ID == id {
			retake, err := h.retakeSetting(c.UserContext(), []ExamForUser{e})
			if err != nil {
				return err
			}
			return c.JSON(examViewOf(e, me.Role != web.RoleSecretary, retake))
		}
	}
	return ErrNotFound
}
