package exams

import (
	"database/sql"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/lib/pq"

	"zhibu/app/web"
)

// Practice is untimed and not counted: questions by topic (or from the 错题本), each
// checked at once with its 解析. Practice draws from the same bank; exam papers are
// frozen copies, and exam mistakes enter the 错题本 only once their exam's review policy
// shows answers.

type practiceItem struct {
	QuestionID int64        `json:"question_id"`
	Kind       string       `json:"kind"`
	Category   string       `json:"category"`
	Stem       string       `json:"stem"`
	Options    []optionView `json:"options"`
}

// mistakesSQL lists the user's questions whose latest visible result was wrong.
const mistakesSQL = `
	SELECT DISTINCT ON (r.question_id) r.question_id, r.correct, r.at
	FROM question_results r
	LEFT JOIN attempts a ON a.id = r.attempt_id
	LEFT JOIN exams e ON e.id = a.exam_id
	WHERE r.user_id = $1 AND (r.attempt_id IS NULL OR e.review_policy = 'immediate' OR
	      (e.review_policy = 'after_close' AND e.closes_at <= now()))
	ORDER BY r.question_id, r.at DESC, r.id DESC`

// GET /api/v1/practice?category=&count=10&mistakes=1
func (h *handlers) apiPractice(c *fiber.Ctx) error {
	n, err := web.QueryInt(c, "count")
	if err != nil {
		return err
	}
	if n <= 0 || n > 50 {
		n = 10
	}
	ctx := c.UserContext()
	var ids []int64
	if c.Query("mistakes") == "1" {
		if err := h.st.DB.SelectContext(ctx, &ids, `SELECT question_id FROM (`+mistakesSQL+`) m
			JOIN questions q ON q.id = m.question_id WHERE NOT m.correct AND NOT q.retired ORDER BY m.at DESC LIMIT $2`,
			web.Me(c).UserID, n); err != nil {
			return err
		}
	} else {
		snap, err := h.st.Pools.Snapshot(ctx, h.st.DB)
		if err != nil {
			return err
		}
		cat := c.Query("category")
		var pool []int64
		for _, k := range []string{KindSingle, KindMultiple, KindJudge} {
			pool = append(pool, snap.Get(PoolKey{Kind: k, Category: cat})...)
		}
		if len(pool) == 0 {
			return web.NotFound("该分类下暂无题目")
		}
		picks, _ := Draw([]Rule{{Kind: "any", Count: min(int(n), len(pool)), Points: 1}},
			func(PoolKey) []int64 { return pool }, rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(web.Me(c).UserID))))
		ids = picks[0]
	}
	bank, err := loadBankQuestions(ctx, h.st.DB, ids)
	if err != nil {
		return err
	}
	items := make([]practiceItem, 0, len(ids))
	for _, id := range ids {
		q, ok := bank[id]
		if !ok {
			continue
		}
		it := practiceItem{QuestionID: id, Kind: q.Kind, Category: q.Category, Stem: q.Stem}
		opts := q.Options
		if q.Kind == KindJudge {
			opts = JudgeOptions
		}
		for i, o := range opts {
			it.Options = append(it.Options, optionView{KeyOf(i), o})
		}
		items = append(items, it)
	}
	return c.JSON(fiber.Map{"items": items})
}

// POST /api/v1/practice/answer {"question_id":1,"answer":["A"]}
func (h *handlers) apiPracticeAnswer(c *fiber.Ctx) error {
	var in struct {
		QuestionID int64    `json:"question_id"`
		Answer     []string `json:"answer"`
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	q, err := GetQuestion(c.UserContext(), h.st.DB, in.QuestionID)
	if err != nil || q.Retired {
		return web.NotFound("题目不存在或已停用")
	}
	n := len(q.Options)
	if q.Kind == KindJudge {
		n = 2
	}
	body, _ := jsonMarshal(map[string]any{"answer": in.Answer})
	ans, err := ParseAnswer(body, q.Kind, n)
	if err != nil {
		return apiErr(err)
	}
	if ans == "" {
		return web.Invalid("请先选择答案", map[string]string{"answer": "不能为空"})
	}
	correct := ans == q.Answer
	if _, err := h.st.DB.ExecContext(c.UserContext(), `INSERT INTO question_results (user_id, question_id, correct, answer)
		VALUES ($1,$2,$3,$4)`, web.Me(c).UserID, q.ID, correct, ans); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"question_id": q.ID, "correct": correct, "answer": KeysOf(ans),
		"correct_answer": KeysOf(q.Answer), "explanation": q.Explanation})
}

// Mistake is one entry of the 错题本.
type Mistake struct {
	QuestionID int64     `db:"question_id" json:"question_id"`
	Kind       string    `db:"kind" json:"kind"`
	Category   string    `db:"category" json:"category"`
	Stem       string    `db:"stem" json:"stem"`
	Wrong      int       `db:"wrong" json:"wrong_count"`
	At         time.Time `db:"at" json:"last_at"`
}

// Mistakes lists the questions the user last got wrong (exams once reviewable, practice).
func (h *handlers) mistakes(c *fiber.Ctx) ([]Mistake, error) {
	out := []Mistake{}
	err := h.st.DB.SelectContext(c.UserContext(), &out, `
		SELECT m.question_id, q.kind, q.category, q.stem, m.at,
		       (SELECT count(*) FROM question_results r2 WHERE r2.user_id = $1 AND r2.question_id = m.question_id AND NOT r2.correct) AS wrong
		FROM (`+mistakesSQL+`) m JOIN questions q ON q.id = m.question_id
		WHERE NOT m.correct AND NOT q.retired ORDER BY m.at DESC LIMIT 500`, web.Me(c).UserID)
	return out, err
}

// GET /api/v1/mistakes
func (h *handlers) apiMistakes(c *fiber.Ctx) error {
	m, err := h.mistakes(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": m})
}

// GET /api/v1/questions/categories — for the practice picker.
func (h *handlers) apiCategories(c *fiber.Ctx) error {
	cats, err := Categories(c.UserContext(), h.st.DB)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"categories": cats})
}

var _ = errors.Is
var _ = sql.ErrNoRows
var _ = pq.Array
