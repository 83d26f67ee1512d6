package exams

import (
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"zhibu/app/web"
)

// Question kinds.
const (
	KindSingle   = "single"
	KindMultiple = "multiple"
	KindJudge    = "judge"
)

// KindName is the Chinese name of a kind.
func KindName(kind string) string {
	switch kind {
	case KindSingle:
		return "单选"
	case KindMultiple:
		return "多选"
	case KindJudge:
		return "判断"
	}
	return kind
}

// KindFromName accepts 单选/多选/判断 (and the English codes).
func KindFromName(s string) (string, bool) {
	switch strings.TrimSpace(s) {
	case "单选", "单选题", "single":
		return KindSingle, true
	case "多选", "多选题", "multiple":
		return KindMultiple, true
	case "判断", "判断题", "judge":
		return KindJudge, true
	}
	return "", false
}

// JudgeOptions are the two options of every 判断 question, in this order (A=对, B=错).
var JudgeOptions = []string{"对", "错"}

// MaxOptions is the number of option columns (A–F).
const MaxOptions = 6

// Multi-choice scoring rules.
const (
	MultiStrict  = "strict"  // 少选不得分
	MultiPartial = "partial" // 少选得部分分 (in proportion to the correct keys chosen)
	MultiHalf    = "half"    // 少选得一半分
)

// Review policies.
const (
	ReviewAfterClose = "after_close" // score at once, answers and 解析 after the window closes
	ReviewImmediate  = "immediate"   // answers and 解析 as soon as the attempt is finished
	ReviewScoreOnly  = "score_only"  // only the score
)

// Grace is how long after the deadline in-flight saves are still accepted.
const Grace = 30 * time.Second

// Deadline is min(start + duration, closes): the server's clock decides.
func Deadline(start time.Time, duration time.Duration, closes time.Time) time.Time {
	d := start.Add(duration)
	if closes.Before(d) {
		return closes
	}
	return d
}

// ReviewAllowed tells whether correct answers and 解析 may be shown for a finished attempt.
func ReviewAllowed(policy string, finished bool, closes, now time.Time) bool {
	if !finished {
		return false
	}
	switch policy {
	case ReviewImmediate:
		return true
	case ReviewAfterClose:
		return !now.Before(closes)
	}
	return false
}

// KeyOf is the option key of position i (0 → "A").
func KeyOf(i int) string { return string(rune('A' + i)) }

// NormalizeKeys reads tolerant notations of keys — "AC", "A,C", "A、C", "ａｃ", "A C" —
// and judge words (对/错/正确/错误/√/×/是/否 when judge) into the sorted key string.
// It checks every key exists among nOptions and the count suits the kind. An empty
// input gives "" (no answer).
func NormalizeKeys(s, kind string, nOptions int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if kind == KindJudge {
		switch s {
		case "对", "正确", "√", "✓", "✔", "是", "T", "t", "true", "A", "a", "Ａ":
			return "A", nil
		case "错", "错误", "×", "✗", "✘", "否", "F", "f", "false", "B", "b", "Ｂ":
			return "B", nil
		}
		return "", answerErr("判断题答案应为“对”或“错”")
	}
	seen := map[byte]bool{}
	for _, r := range s {
		switch {
		case r >= 'Ａ' && r <= 'Ｚ':
			r = r - 'Ａ' + 'A'
		case r >= 'ａ' && r <= 'ｚ':
			r = r - 'ａ' + 'A'
		case r >= 'a' && r <= 'z':
			r = r - 'a' + 'A'
		}
		switch {
		case r >= 'A' && r <= 'Z':
			if int(r-'A') >= nOptions {
				return "", answerErr("选项 " + string(r) + " 不存在")
			}
			seen[byte(r)] = true
		case r == ',' || r == '，' || r == '、' || r == ' ' || r == '　' || r == ';' || r == '；' || r == '/':
		default:
			return "", answerErr("答案只能是选项字母，如 A 或 AC")
		}
	}
	keys := make([]byte, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	if kind == KindSingle && len(keys) != 1 {
		return "", answerErr("单选题只能选一个答案")
	}
	if len(keys) == 0 {
		return "", nil
	}
	return string(keys), nil
}

// Keys checks the answer for an item of the kind with nOptions options and gives the
// sorted key string. An empty list clears the answer. Blanks, control characters, unknown
// keys, two keys for a single choice are refused with the Chinese reason (*AnswerError).
func (in AnswerInput) Keys(kind string, nOptions int) (string, error) {
	keys := in.Answer
	if keys == nil {
		return "", answerErr("answer 应为选项字母的数组，如 [\"A\",\"C\"]")
	}
	if len(keys) > MaxOptions {
		return "", answerErr("选项过多")
	}
	for _, k := range keys {
		t := strings.TrimSpace(k)
		if t == "" || web.BadText(k, false) || (len([]rune(t)) != 1 && !(kind == KindJudge && len(keys) == 1)) {
			return "", answerErr("每个答案应是一个选项字母")
		}
	}
	if kind == KindJudge && len(keys) > 1 {
		return "", answerErr("判断题只能选一个答案")
	}
	return NormalizeKeys(strings.Join(keys, ","), kind, nOptions)
}

// KeysOf splits a key string into a list ("AC" → ["A","C"]); "" gives an empty list.
func KeysOf(s string) []string {
	out := make([]string, 0, len(s))
	for _, r := range s {
		out = append(out, string(r))
	}
	return out
}

var errNoShape = errors.New("bad shape")

// Shape is the compact description of a paper kept beside it: per position the kind
// letter and the option count ("s4m5j2"), enough to validate a save without the paper.
type Shape []ItemShape

// ItemShape is one position's kind and option count.
type ItemShape struct {
	Kind     string
	NOptions int
}

// String encodes the shape.
func (s Shape) String() string {
	var b strings.Builder
	for _, it := range s {
		b.WriteByte(it.Kind[0])
		b.WriteByte(byte('0' + it.NOptions))
	}
	return b.String()
}

// ParseShape decodes String's form.
func ParseShape(s string) (Shape, error) {
	if len(s)%2 != 0 {
		return nil, errNoShape
	}
	out := make(Shape, 0, len(s)/2)
	for i := 0; i < len(s); i += 2 {
		var kind string
		switch s[i] {
		case 's':
			kind = KindSingle
		case 'm':
			kind = KindMultiple
		case 'j':
			kind = KindJudge
		default:
			return nil, errNoShape
		}
		n := int(s[i+1] - '0')
		if n < 2 || n > MaxOptions {
			return nil, errNoShape
		}
		out = append(out, ItemShape{kind, n})
	}
	return out, nil
}

// CandidateFacts is what decides whether a user is a candidate of an exam.
type CandidateFacts struct {
	Role       string // web.RoleSecretary, web.RoleOrganizer, web.RoleAdmin
	Active     bool
	TownshipID int64 // 0 when none
	HasAttempt bool  // the user has an attempt at the exam
	InClass    bool  // the user is a participant of the class whose 结业 exam it is (Exam.ClassExam)
}

// IsCandidate is who a published exam is for (a draft is for nobody): for the 结业 exam of
// a 集中培训班 (Exam.ClassExam) every active participant of the class, whatever the exam's
// townships say; for any other exam every active secretary of a township the exam is for
// (every township when AllTownships); and for both every secretary who has an attempt at
// it, so that nobody who sat it drops out of its results after being deactivated, moved or
// taken off the class. It is the Go mirror of the view exam_candidates (latest definition
// migrations/00063_class_exam_candidates.sql), which the results, the reports and the
// staff home card read; candidates_test.go compares the two.
func IsCandidate(e *Exam, u CandidateFacts) bool {
	if u.Role != web.RoleSecretary || !e.Published() {
		return false
	}
	if u.HasAttempt {
		return true
	}
	if !u.Active {
		return false
	}
	if e.ClassExam {
		return u.InClass
	}
	return e.AllTownships || slices.Contains([]int64(e.TownshipIDs), u.TownshipID)
}

// MaxPaperQuestions is the most questions one paper holds (the sum of its rules' counts,
// so also the most one rule may ask for) and MaxRules the most draw rules of an exam: the
// validator (ValidateRules), the exam form's hint and its max attributes all read them.
const (
	MaxPaperQuestions = 200
	MaxRules          = 20
)

// Published tells whether candidates may see the exam (the Go mirror of publishedSQL).
func (e *Exam) Published() bool { return e.PublishedAt != nil }

// SafeAfterStart names what an exam's editor may still change once anyone started it;
// LockedChanges refuses the rest.
const SafeAfterStart = "考试名称、说明、结束时间（只能延后）和可考次数（只能增加）"

// LockedChanges lists, in Chinese, what next changes of old that may not change once a
// candidate started the exam: the paper's shape (draw rules, points, shuffling), how it
// is scored and reviewed (pass score, multi-choice rule, review policy), its timing
// (opening, duration), who it is for and its course. Closing may only move later and
// attempts only grow. Started papers are frozen, but everyone must sit the same exam.
func LockedChanges(old, next *Exam) []string {
	var out []string
	add := func(changed bool, name string) {
		if changed {
			out = append(out, name)
		}
	}
	add(!sameRules(old.Rules, next.Rules), "抽题规则和分值")
	add(old.PassScore != next.PassScore, "及格分")
	add(old.DurationMinutes != next.DurationMinutes, "考试时长")
	add(!old.OpensAt.Equal(next.OpensAt), "开始时间")
	add(next.ClosesAt.Before(old.ClosesAt), "结束时间（只能延后）")
	add(next.AttemptsAllowed < old.AttemptsAllowed, "可考次数（只能增加）")
	add(old.MultiRule != next.MultiRule, "多选评分")
	add(old.ReviewPolicy != next.ReviewPolicy, "查看答案")
	add(old.ShuffleQuestions != next.ShuffleQuestions || old.ShuffleOptions != next.ShuffleOptions, "乱序")
	add(old.AllTownships != next.AllTownships || !sameSet(old.TownshipIDs, next.TownshipIDs), "参考范围")
	add(old.CourseID != next.CourseID, "关联课程")
	return out
}

func sameRules(a, b Rules) bool {
	return slices.EqualFunc(a, b, func(x, y Rule) bool { return x == y })
}

func sameSet(a, b []int64) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

// RulePreview is one draw rule of a paper's preview: what it draws, how many, the points
// and whether the bank holds enough for it.
type RulePreview struct {
	Rule
	Describe string
	Subtotal float64
	Have     int
	Enough   bool
}

// PaperPreview is the shape of an exam's paper before anyone sits it.
type PaperPreview struct {
	Rules      []RulePreview
	Questions  int
	Total      float64
	PassScore  float64
	PassPct    float64 // pass mark as a percentage of the total
	Enough     bool    // the bank can fill every rule
	Shortages  []Shortage
	PassTooBig bool
}

// PreviewPaper describes the paper of rules (counts, points, total, the pass mark
// relative to the total) and whether the pools can fill it (pure).
func PreviewPaper(rules []Rule, pass float64, poolSize func(PoolKey) int) PaperPreview {
	p := PaperPreview{PassScore: pass, Enough: true}
	p.Shortages = CheckSupply(rules, poolSize)
	short := map[int]bool{}
	for _, s := range p.Shortages {
		short[s.Rule] = true
	}
	for i, r := range rules {
		sub := round2(float64(r.Count) * r.Points)
		p.Rules = append(p.Rules, RulePreview{Rule: r, Describe: r.Describe(), Subtotal: sub, Have: poolSize(r.Key()), Enough: !short[i]})
		p.Questions += r.Count
		p.Total += sub
	}
	p.Total = round2(p.Total)
	p.Enough = len(p.Shortages) == 0
	if p.Total > 0 {
		p.PassPct = round2(pass * 100 / p.Total)
	}
	p.PassTooBig = pass > p.Total
	return p
}
