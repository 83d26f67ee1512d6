package exams

import "math"

// Item is one frozen question of a paper: the snapshot taken when the attempt started,
// with options in the order shown to this candidate and the correct keys remapped.
type Item struct {
	Position    int      `json:"position"`
	QuestionID  int64    `json:"question_id"`
	Kind        string   `json:"kind"`
	Category    string   `json:"category"`
	Stem        string   `json:"stem"`
	Options     []string `json:"options"`
	Correct     string   `json:"correct"`
	Points      float64  `json:"points"`
	Explanation string   `json:"explanation"`
}

// Score grades one answer (sorted key string) of an item under the multi-choice rule.
// Any wrong option scores 0; a complete answer scores the item's points; a partial
// multi-choice answer scores nothing (strict), its share of correct keys (partial) or half.
func Score(it Item, answer, multiRule string) float64 {
	if answer == "" {
		return 0
	}
	if answer == it.Correct {
		return it.Points
	}
	if it.Kind != KindMultiple {
		return 0
	}
	hit := 0
	for i := 0; i < len(answer); i++ {
		found := false
		for j := 0; j < len(it.Correct); j++ {
			if answer[i] == it.Correct[j] {
				found = true
				break
			}
		}
		if !found {
			return 0
		}
		hit++
	}
	switch multiRule {
	case MultiPartial:
		return round2(it.Points * float64(hit) / float64(len(it.Correct)))
	case MultiHalf:
		return round2(it.Points / 2)
	}
	return 0
}

// Result is a graded paper.
type Result struct {
	Score    float64
	Max      float64
	Passed   bool
	Correct  map[int]bool // per position: fully right
	ItemPts  map[int]float64
	Answered int
}

// Grade grades a whole paper.
func Grade(paper []Item, answers map[string]string, multiRule string, passScore float64) Result {
	r := Result{Correct: make(map[int]bool, len(paper)), ItemPts: make(map[int]float64, len(paper))}
	for _, it := range paper {
		a := answers[itoa(it.Position)]
		if a != "" {
			r.Answered++
		}
		p := Score(it, a, multiRule)
		r.ItemPts[it.Position] = p
		r.Correct[it.Position] = a != "" && a == it.Correct
		r.Score += p
		r.Max += it.Points
	}
	r.Score = round2(r.Score)
	r.Max = round2(r.Max)
	r.Passed = r.Score >= passScore
	return r
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func itoa(n int) string {
	if n >= 0 && n < 10 {
		return string(rune('0' + n))
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
