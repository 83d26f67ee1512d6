package exams

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"zhibu/app/web"
)

// Rule is one draw rule of an exam: Count questions of Kind (optionally of a category
// and/or carrying a tag), Points each.
type Rule struct {
	Kind     string  `json:"kind"`
	Category string  `json:"category,omitempty"`
	Tag      string  `json:"tag,omitempty"`
	Count    int     `json:"count"`
	Points   float64 `json:"points"`
}

// PoolKey identifies the pool of active questions a rule draws from.
type PoolKey struct{ Kind, Category, Tag string }

// Key is the rule's pool.
func (r Rule) Key() PoolKey { return PoolKey{r.Kind, r.Category, r.Tag} }

// Admits tells whether a question of this kind, category and tags belongs to the pool
// (among active questions: the pools hold no retired question). It is the one definition
// of a pool, used by the draw (poolSnapshot.Get) and by the exam guard (guard.go).
func (k PoolKey) Admits(kind, category string, tags []string) bool {
	return kind == k.Kind && (k.Category == "" || category == k.Category) && (k.Tag == "" || contains(tags, k.Tag))
}

// Describe names the rule in Chinese, e.g. "单选（发展党员）".
func (r Rule) Describe() string {
	s := KindName(r.Kind)
	var f []string
	if r.Category != "" {
		f = append(f, "分类“"+r.Category+"”")
	}
	if r.Tag != "" {
		f = append(f, "标签“"+r.Tag+"”")
	}
	if len(f) > 0 {
		s += "（" + strings.Join(f, "，") + "）"
	}
	return s
}

// ValidateRules checks the rules' own shape (not the bank). Returns field → message.
func ValidateRules(rules []Rule) map[string]string {
	errs := map[string]string{}
	if len(rules) == 0 {
		errs["rules"] = "请至少设置一条抽题规则"
	}
	if len(rules) > MaxRules {
		errs["rules"] = fmt.Sprintf("抽题规则不能超过 %d 条", MaxRules)
	}
	total := 0
	for i, r := range rules {
		k := fmt.Sprintf("rules[%d]", i)
		switch {
		case r.Kind != KindSingle && r.Kind != KindMultiple && r.Kind != KindJudge:
			errs[k] = "题型应为单选、多选或判断"
		case r.Count < 1 || r.Count > MaxPaperQuestions:
			errs[k] = fmt.Sprintf("题目数量应在 1 到 %d 之间", MaxPaperQuestions)
		case !(r.Points > 0 && r.Points <= 100) || !twoDecimals(r.Points): // NaN fails both
			errs[k] = "每题分值应大于 0 且不超过 100，最多两位小数"
		case len(r.Category) > 100 || len(r.Tag) > 100:
			errs[k] = "分类或标签过长"
		case web.BadText(r.Category, false) || web.BadText(r.Tag, false):
			errs[k] = "分类或标签" + web.BadTextMessage
		}
		if r.Count > 0 {
			total += min(r.Count, 1000)
		}
	}
	if total > MaxPaperQuestions {
		errs["rules"] = fmt.Sprintf("一张试卷最多 %d 题（各条规则的题数之和）", MaxPaperQuestions)
	}
	return errs
}

// Shortage says a rule's pool lacks questions.
type Shortage struct {
	Rule    int
	Need    int
	Have    int
	Message string
}

// CheckSupply compares what the rules need with the pools' sizes. Rules drawing from the
// same pool add up. It returns one shortage per short rule, in Chinese.
func CheckSupply(rules []Rule, poolSize func(PoolKey) int) []Shortage {
	need := map[PoolKey]int{}
	for _, r := range rules {
		need[r.Key()] += r.Count
	}
	var out []Shortage
	for i, r := range rules {
		have, n := poolSize(r.Key()), need[r.Key()]
		if have < n {
			out = append(out, Shortage{Rule: i, Need: n, Have: have,
				Message: fmt.Sprintf("第 %d 条规则 %s 需要 %d 题，题库只有 %d 题，还差 %d 题", i+1, r.Describe(), n, have, n-have)})
		}
	}
	return out
}

// Draw picks, for each rule, Count distinct question ids uniformly at random from the
// rule's pool, never the same id twice in one paper. It runs a partial Fisher-Yates
// shuffle over a sparse swap map, so its cost depends on the counts drawn, not on the
// size of the pools; pools are never modified.
func Draw(rules []Rule, pool func(PoolKey) []int64, rng *rand.Rand) ([][]int64, error) {
	chosen := make(map[int64]bool, 64)
	out := make([][]int64, len(rules))
	for ri, r := range rules {
		ids := pool(r.Key())
		n := len(ids)
		swapped := make(map[int]int64, r.Count*2)
		at := func(i int) int64 {
			if v, ok := swapped[i]; ok {
				return v
			}
			return ids[i]
		}
		picked := make([]int64, 0, r.Count)
		for i := 0; i < n && len(picked) < r.Count; i++ {
			j := i + rng.IntN(n-i)
			vj, vi := at(j), at(i)
			swapped[j], swapped[i] = vi, vj
			if chosen[vj] {
				continue // already drawn by an earlier rule
			}
			chosen[vj] = true
			picked = append(picked, vj)
		}
		if len(picked) < r.Count {
			return nil, fmt.Errorf("第 %d 条规则 %s 需要 %d 题，题库只有 %d 题可用", ri+1, r.Describe(), r.Count, len(picked))
		}
		out[ri] = picked
	}
	return out, nil
}

// BankQuestion is what a paper snapshots of a question.
type BankQuestion struct {
	ID          int64    `db:"id"`
	Kind        string   `db:"kind"`
	Category    string   `db:"category"`
	Stem        string   `db:"stem"`
	Options     []string `db:"-"`
	Answer      string   `db:"answer"`
	Explanation string   `db:"explanation"`
}

// Assemble freezes the drawn questions into a paper: rule by rule, questions shuffled
// within their rule's section (or kept in draw order), options shuffled (except 判断)
// with the correct keys remapped, positions numbered from 1.
func Assemble(rules []Rule, picks [][]int64, bank map[int64]BankQuestion, shuffleQuestions, shuffleOptions bool, rng *rand.Rand) ([]Item, error) {
	var paper []Item
	for ri, ids := range picks {
		ids = append([]int64(nil), ids...)
		if shuffleQuestions {
			rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		}
		for _, id := range ids {
			q, ok := bank[id]
			if !ok {
				return nil, fmt.Errorf("question %d vanished during the draw", id)
			}
			it := Item{Position: len(paper) + 1, QuestionID: q.ID, Kind: q.Kind, Category: q.Category, Stem: q.Stem,
				Points: rules[ri].Points, Explanation: q.Explanation}
			if q.Kind == KindJudge {
				it.Options = append([]string(nil), JudgeOptions...)
				it.Correct = q.Answer
			} else {
				order := make([]int, len(q.Options))
				for i := range order {
					order[i] = i
				}
				if shuffleOptions {
					rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
				}
				it.Options = make([]string, len(order))
				newKey := make(map[byte]byte, len(order))
				for newPos, oldPos := range order {
					it.Options[newPos] = q.Options[oldPos]
					newKey[byte('A'+oldPos)] = byte('A' + newPos)
				}
				var keys []byte
				for i := 0; i < len(q.Answer); i++ {
					keys = append(keys, newKey[q.Answer[i]])
				}
				it.Correct, _ = NormalizeKeys(string(keys), q.Kind, len(it.Options))
			}
			paper = append(paper, it)
		}
	}
	return paper, nil
}

// ShapeOf is the paper's shape.
func ShapeOf(paper []Item) Shape {
	s := make(Shape, len(paper))
	for i, it := range paper {
		s[i] = ItemShape{it.Kind, len(it.Options)}
	}
	return s
}
