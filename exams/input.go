package exams

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"zhibu/app/web"
)

// Bad input never reaches the database as a 500: bodies are decoded by web.BindJSON (a
// value that does not fit its field is a 422 naming the field) and every text and number
// is checked by the pure validators (ToExam, ValidateRules, Question.Normalize) with
// web.BadText and finite.

// finite tells whether f is a real number (not NaN or ±Inf).
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// twoDecimals tells whether f has at most two decimals (points and scores are stored so).
func twoDecimals(f float64) bool {
	c := f * 100
	return finite(c) && math.Abs(c-math.Round(c)) < 1e-6
}

// ExamInput is what an admin sends to create or change an exam.
type ExamInput struct {
	Title            string  `json:"title"`
	Description      string  `json:"description"`
	CourseID         *int64  `json:"course_id"`
	OpensAt          string  `json:"opens_at"`
	ClosesAt         string  `json:"closes_at"`
	DurationMinutes  int     `json:"duration_minutes"`
	PassScore        float64 `json:"pass_score"`
	AttemptsAllowed  int     `json:"attempts_allowed"`
	ShuffleQuestions *bool   `json:"shuffle_questions"`
	ShuffleOptions   *bool   `json:"shuffle_options"`
	MultiRule        string  `json:"multi_rule"`
	ReviewPolicy     string  `json:"review_policy"`
	TownshipIDs      []int64 `json:"township_ids"`
	Rules            []Rule  `json:"rules"`
	// Draft, on create only, saves a draft that no candidate sees until it is published
	// (POST /api/v1/exams/:id/publish); absent or false publishes at once, as before.
	// A change (PUT) keeps the exam's state and ignores it.
	Draft bool `json:"draft"`
}

// ToExam validates the input (pure) and builds the exam; errors are field → message.
func (in ExamInput) ToExam() (Exam, map[string]string) {
	errs := ValidateRules(in.Rules)
	e := Exam{Title: strings.TrimSpace(in.Title), Description: strings.TrimSpace(in.Description),
		DurationMinutes: in.DurationMinutes, PassScore: in.PassScore, AttemptsAllowed: in.AttemptsAllowed,
		ShuffleQuestions: true, ShuffleOptions: true, MultiRule: in.MultiRule, ReviewPolicy: in.ReviewPolicy,
		Rules: in.Rules, AllTownships: len(in.TownshipIDs) == 0, TownshipIDs: in.TownshipIDs}
	if in.CourseID != nil && *in.CourseID > 0 {
		e.CourseID = sql.NullInt64{Int64: *in.CourseID, Valid: true}
	}
	if in.ShuffleQuestions != nil {
		e.ShuffleQuestions = *in.ShuffleQuestions
	}
	if in.ShuffleOptions != nil {
		e.ShuffleOptions = *in.ShuffleOptions
	}
	if e.AttemptsAllowed == 0 {
		e.AttemptsAllowed = 2
	}
	if e.MultiRule == "" {
		e.MultiRule = MultiStrict
	}
	if e.ReviewPolicy == "" {
		e.ReviewPolicy = ReviewAfterClose
	}
	if e.Title == "" || len([]rune(e.Title)) > 100 {
		errs["title"] = "请填写考试名称（不超过 100 字）"
	} else if web.BadText(e.Title, false) {
		errs["title"] = "考试名称" + web.BadTextMessage
	}
	if len([]rune(e.Description)) > 2000 {
		errs["description"] = "考试说明不能超过 2000 字"
	} else if web.BadText(e.Description, true) {
		errs["description"] = "考试说明" + web.BadTextMessage
	}
	var ok bool
	if e.OpensAt, ok = web.ParseDateTime(in.OpensAt); !ok {
		errs["opens_at"] = "请填写开始时间"
	} else if y := e.OpensAt.Year(); y < 2000 || y > 2200 {
		errs["opens_at"] = "开始时间超出范围"
	}
	if e.ClosesAt, ok = web.ParseDateTime(in.ClosesAt); !ok {
		errs["closes_at"] = "请填写结束时间"
	} else if y := e.ClosesAt.Year(); y < 2000 || y > 2200 {
		errs["closes_at"] = "结束时间超出范围"
	} else if !e.ClosesAt.After(e.OpensAt) {
		errs["closes_at"] = "结束时间应晚于开始时间"
	}
	if len(e.TownshipIDs) > 1000 {
		errs["township_ids"] = "乡镇过多"
	}
	for _, id := range e.TownshipIDs {
		if id <= 0 {
			errs["township_ids"] = "包含不存在的乡镇"
		}
	}
	if e.DurationMinutes < 1 || e.DurationMinutes > 600 {
		errs["duration_minutes"] = "考试时长应在 1 到 600 分钟之间"
	}
	if e.AttemptsAllowed < 1 || e.AttemptsAllowed > 20 {
		errs["attempts_allowed"] = "考试次数应在 1 到 20 之间"
	}
	switch e.MultiRule {
	case MultiStrict, MultiPartial, MultiHalf:
	default:
		errs["multi_rule"] = "请选择多选评分规则（少选不得分、少选按比例得分或少选得一半分）"
	}
	switch e.ReviewPolicy {
	case ReviewAfterClose, ReviewImmediate, ReviewScoreOnly:
	default:
		errs["review_policy"] = "请选择查看答案的方式"
	}
	for _, r := range e.Rules { // meaningful only when the rules passed ValidateRules
		e.TotalPoints += float64(r.Count) * r.Points
	}
	e.TotalPoints = round2(e.TotalPoints)
	if !finite(e.PassScore) || e.PassScore < 0 || (e.TotalPoints > 0 && e.PassScore > e.TotalPoints) {
		errs["pass_score"] = fmt.Sprintf("及格分应在 0 到总分 %g 之间", e.TotalPoints)
	}
	return e, errs
}

// AnswerInput is the body of a save, {"answer":["A","C"]}, and the answer of a practice
// question; AnswerInput.Keys (rules.go) checks it against the item.
type AnswerInput struct {
	Answer []string `json:"answer"`
}

// ParseAnswerBody reads the body of a save strictly: exactly {"answer":[…]} of at most
// 512 bytes (an answer is a handful of letters). Another shape or unknown fields are
// refused with the Chinese reason (*AnswerError, 422 invalid_answer).
func ParseAnswerBody(body []byte) (AnswerInput, error) {
	var in AnswerInput
	if len(body) > 512 {
		return in, answerErr("请求内容过长")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return in, answerErr("请求内容应为 {\"answer\":[\"A\"]}")
	}
	a, ok := raw["answer"]
	if !ok || len(raw) != 1 {
		return in, answerErr("请求内容应只含 answer 字段")
	}
	if err := json.Unmarshal(a, &in.Answer); err != nil || in.Answer == nil {
		return in, answerErr("answer 应为选项字母的数组，如 [\"A\",\"C\"]")
	}
	return in, nil
}

// AnswersInput is the body of PUT /api/v1/attempts/:id/answers: the answers a phone
// queued while offline, saved together.
type AnswersInput struct {
	Answers []PositionAnswer `json:"answers"`
}

// PositionAnswer is one queued answer.
type PositionAnswer struct {
	Position int      `json:"position"`
	Answer   []string `json:"answer"`
}

// MaxBatchAnswers bounds a batch: more than any paper holds.
const MaxBatchAnswers = 200

// ParseAnswersBody reads a batch strictly: {"answers":[{"position":N,"answer":[…]},…]}
// of 1–MaxBatchAnswers items, each position once, at most 32 KB; otherwise the Chinese
// reason (*AnswerError, 422 invalid_answer). Each answer is checked against its item
// by the store, as a single save's is.
func ParseAnswersBody(body []byte) (AnswersInput, error) {
	var in AnswersInput
	if len(body) > 32<<10 {
		return in, answerErr("请求内容过长")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || dec.More() {
		return in, answerErr("请求内容应为 {\"answers\":[{\"position\":1,\"answer\":[\"A\"]}]}")
	}
	if len(in.Answers) == 0 || len(in.Answers) > MaxBatchAnswers {
		return in, answerErr(fmt.Sprintf("answers 应含 1 至 %d 个答案", MaxBatchAnswers))
	}
	seen := map[int]bool{}
	for _, a := range in.Answers {
		if a.Answer == nil {
			return in, answerErr("每个答案都应含 answer 数组，如 [\"A\",\"C\"]")
		}
		if seen[a.Position] {
			return in, answerErr(fmt.Sprintf("第 %d 题重复出现", a.Position))
		}
		seen[a.Position] = true
	}
	return in, nil
}

// ParseAnswer is ParseAnswerBody then AnswerInput.Keys: a save body as the key string
// for an item of the kind with nOptions options.
func ParseAnswer(body []byte, kind string, nOptions int) (string, error) {
	in, err := ParseAnswerBody(body)
	if err != nil {
		return "", err
	}
	return in.Keys(kind, nOptions)
}

// PracticeAnswerInput is the body of POST /api/v1/practice/answer.
type PracticeAnswerInput struct {
	QuestionID int64    `json:"question_id"`
	Answer     []string `json:"answer"`
}

// QuestionInput is what an admin may write of a question (API body and form).
type QuestionInput struct {
	Kind        string   `json:"kind"`
	Category    string   `json:"category"`
	Tags        []string `json:"tags"`
	Difficulty  string   `json:"difficulty"`
	Stem        string   `json:"stem"`
	Options     []string `json:"options"`
	Answer      string   `json:"answer"`
	Points      float64  `json:"points"`
	Explanation string   `json:"explanation"`
}

// Question is the normalized question of the input, or the field errors (pure).
func (in QuestionInput) Question() (Question, web.FieldErrors) {
	q := Question{Kind: in.Kind, Category: in.Category, Tags: in.Tags, Difficulty: in.Difficulty, Stem: in.Stem,
		Options: in.Options, Answer: in.Answer, Points: in.Points, Explanation: in.Explanation}
	if errs := q.Normalize(); len(errs) > 0 {
		return q, errs
	}
	return q, nil
}

// RetireInput is the body of POST /api/v1/questions/retire (a whole tag) and of
// POST /api/v1/questions/:id/retire (Tag unused); Retired defaults to true.
type RetireInput struct {
	Tag     string `json:"tag"`
	Retired *bool  `json:"retired"`
}

// Retire is what to set retired to.
func (in RetireInput) Retire() bool { return in.Retired == nil || *in.Retired }
