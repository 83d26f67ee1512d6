package exams

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"zhibu/app/web"
)

func TestNormalizeKeys(t *testing.T) {
	cases := []struct {
		in, kind string
		n        int
		want     string
		bad      bool
	}{
		{"AC", KindMultiple, 4, "AC", false},
		{"C,A", KindMultiple, 4, "AC", false},
		{"A、C", KindMultiple, 4, "AC", false},
		{"ａｃ", KindMultiple, 4, "AC", false},
		{"ＡＣ", KindMultiple, 4, "AC", false},
		{"A C A", KindMultiple, 4, "AC", false},
		{"E", KindMultiple, 4, "", true},
		{"AB", KindSingle, 4, "", true},
		{"b", KindSingle, 4, "B", false},
		{"对", KindJudge, 2, "A", false},
		{"错误", KindJudge, 2, "B", false},
		{"√", KindJudge, 2, "A", false},
		{"×", KindJudge, 2, "B", false},
		{"是", KindJudge, 2, "A", false},
		{"否", KindJudge, 2, "B", false},
		{"也许", KindJudge, 2, "", true},
		{"A1", KindMultiple, 4, "", true},
		{"", KindSingle, 4, "", false},
	}
	for _, c := range cases {
		got, err := NormalizeKeys(c.in, c.kind, c.n)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("NormalizeKeys(%q,%s,%d) = %q,%v; want %q bad=%v", c.in, c.kind, c.n, got, err, c.want, c.bad)
		}
	}
}

func TestParseAnswer(t *testing.T) {
	ok := []struct {
		body, kind string
		n          int
		want       string
	}{
		{`{"answer":["A","C"]}`, KindMultiple, 4, "AC"},
		{`{"answer":["c","a"]}`, KindMultiple, 4, "AC"},
		{`{"answer":["B"]}`, KindSingle, 4, "B"},
		{`{"answer":[]}`, KindSingle, 4, ""},
		{`{"answer":["A"]}`, KindJudge, 2, "A"},
		{`{"answer":["错"]}`, KindJudge, 2, "B"},
	}
	for _, c := range ok {
		got, err := ParseAnswer([]byte(c.body), c.kind, c.n)
		if err != nil || got != c.want {
			t.Errorf("ParseAnswer(%s) = %q, %v; want %q", c.body, got, err, c.want)
		}
	}
	bad := []struct {
		body, kind string
		n          int
	}{
		{`{"answer":"A"}`, KindSingle, 4},                              // wrong shape
		{`{"answer":[1]}`, KindSingle, 4},                              // wrong shape
		{`{"answer":null}`, KindSingle, 4},                             // wrong shape
		{`["A"]`, KindSingle, 4},                                       // wrong shape
		{`{"answer":["A"],"x":1}`, KindSingle, 4},                      // unknown field
		{`{"answers":["A"]}`, KindSingle, 4},                           // unknown field
		{`{"answer":["E"]}`, KindSingle, 4},                            // unknown key
		{`{"answer":["A","B"]}`, KindSingle, 4},                        // two for single
		{`{"answer":["AB"]}`, KindMultiple, 4},                         // not one letter each
		{`{"answer":["A","B"]}`, KindJudge, 2},                         // two for judge
		{`{"answer":["C"]}`, KindJudge, 2},                             // no such judge key
		{`not json`, KindSingle, 4},                                    // broken
		{`{"answer":["A"]}` + strings.Repeat(" ", 600), KindSingle, 4}, // too long
		{`{"answer":["A","B","C","D","E","F","A"]}`, KindMultiple, 6},
	}
	for _, c := range bad {
		if got, err := ParseAnswer([]byte(c.body), c.kind, c.n); err == nil {
			t.Errorf("ParseAnswer(%s, %s) = %q, want error", c.body, c.kind, got)
		}
	}
}

func TestScoreRules(t *testing.T) {
	multi := Item{Kind: KindMultiple, Correct: "ACD", Points: 2}
	cases := []struct {
		ans, rule string
		want      float64
	}{
		{"ACD", MultiStrict, 2}, {"ACD", MultiPartial, 2}, {"ACD", MultiHalf, 2},
		{"AC", MultiStrict, 0}, {"AC", MultiPartial, 1.33}, {"AC", MultiHalf, 1},
		{"A", MultiPartial, 0.67}, {"A", MultiHalf, 1},
		{"AB", MultiStrict, 0}, {"AB", MultiPartial, 0}, {"AB", MultiHalf, 0}, // any wrong option → 0
		{"ABCD", MultiPartial, 0}, {"", MultiPartial, 0},
	}
	for _, c := range cases {
		if got := Score(multi, c.ans, c.rule); math.Abs(got-c.want) > 0.001 {
			t.Errorf("Score(%q, %s) = %v, want %v", c.ans, c.rule, got, c.want)
		}
	}
	judge := Item{Kind: KindJudge, Correct: "B", Points: 1}
	if Score(judge, "B", MultiHalf) != 1 || Score(judge, "A", MultiHalf) != 0 || Score(judge, "", MultiHalf) != 0 {
		t.Error("judge scoring wrong")
	}
	single := Item{Kind: KindSingle, Correct: "C", Points: 1}
	if Score(single, "C", MultiStrict) != 1 || Score(single, "A", MultiPartial) != 0 {
		t.Error("single scoring wrong")
	}
}

func TestGradePaper(t *testing.T) {
	paper := []Item{
		{Position: 1, Kind: KindSingle, Correct: "A", Points: 1},
		{Position: 2, Kind: KindMultiple, Correct: "BC", Points: 2},
		{Position: 3, Kind: KindJudge, Correct: "A", Points: 1},
		{Position: 10, Kind: KindJudge, Correct: "B", Points: 1},
	}
	r := Grade(paper, map[string]string{"1": "A", "2": "B", "10": "B"}, MultiHalf, 3)
	if r.Score != 3 || r.Max != 5 || !r.Passed || r.Answered != 3 || !r.Correct[10] || r.Correct[2] || r.Correct[3] {
		t.Fatalf("grade = %+v", r)
	}
	r = Grade(paper, map[string]string{"1": "A", "2": "B"}, MultiStrict, 3)
	if r.Score != 1 || r.Passed {
		t.Fatalf("strict grade = %+v", r)
	}
}

func TestDeadlineAndReview(t *testing.T) {
	start := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	closes := start.Add(30 * time.Minute)
	if d := Deadline(start, time.Hour, closes); !d.Equal(closes) {
		t.Errorf("deadline should be capped by closes_at, got %v", d)
	}
	if d := Deadline(start, 20*time.Minute, closes); !d.Equal(start.Add(20 * time.Minute)) {
		t.Errorf("deadline should be start+duration, got %v", d)
	}
	if ReviewAllowed(ReviewImmediate, false, closes, closes.Add(time.Hour)) {
		t.Error("no review before finished")
	}
	if ReviewAllowed(ReviewAfterClose, true, closes, closes.Add(-time.Second)) || !ReviewAllowed(ReviewAfterClose, true, closes, closes) {
		t.Error("after_close review wrong")
	}
	if !ReviewAllowed(ReviewImmediate, true, closes, start) || ReviewAllowed(ReviewScoreOnly, true, closes, closes.Add(time.Hour)) {
		t.Error("immediate/score_only review wrong")
	}
}

func TestShapeRoundTrip(t *testing.T) {
	s := Shape{{KindSingle, 4}, {KindMultiple, 6}, {KindJudge, 2}}
	got, err := ParseShape(s.String())
	if err != nil || len(got) != 3 || got[1] != s[1] {
		t.Fatalf("shape %q → %v %v", s.String(), got, err)
	}
	for _, bad := range []string{"s", "x4", "s9", "s1"} {
		if _, err := ParseShape(bad); err == nil {
			t.Errorf("ParseShape(%q) should fail", bad)
		}
	}
}

func pools(n int) map[PoolKey][]int64 {
	m := map[PoolKey][]int64{}
	for i := 0; i < n; i++ {
		k := PoolKey{Kind: []string{KindSingle, KindMultiple, KindJudge}[i%3]}
		m[k] = append(m[k], int64(i+1))
	}
	return m
}

var demoRules = []Rule{{Kind: KindSingle, Count: 30, Points: 1}, {Kind: KindMultiple, Count: 10, Points: 2}, {Kind: KindJudge, Count: 10, Points: 1}}

func TestDrawRulesSatisfiedNoDuplicates(t *testing.T) {
	p := pools(300)
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200; round++ {
		picks, err := Draw(demoRules, func(k PoolKey) []int64 { return p[k] }, rng)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int64]bool{}
		for ri, ids := range picks {
			if len(ids) != demoRules[ri].Count {
				t.Fatalf("rule %d drew %d", ri, len(ids))
			}
			for _, id := range ids {
				if seen[id] {
					t.Fatalf("duplicate %d", id)
				}
				seen[id] = true
				kind := []string{KindSingle, KindMultiple, KindJudge}[(id-1)%3]
				if kind != demoRules[ri].Kind {
					t.Fatalf("id %d of kind %s drawn for rule %s", id, kind, demoRules[ri].Kind)
				}
			}
		}
	}
	// The pools themselves are never reordered.
	for i, id := range p[PoolKey{Kind: KindSingle}] {
		if id != int64(i*3+1) {
			t.Fatal("Draw modified the pool")
		}
	}
}

func TestDrawOverlappingRulesAndShortage(t *testing.T) {
	all := []int64{1, 2, 3, 4, 5}
	rules := []Rule{{Kind: KindSingle, Category: "A", Count: 3, Points: 1}, {Kind: KindSingle, Count: 2, Points: 1}}
	pool := func(k PoolKey) []int64 {
		if k.Category == "A" {
			return all[:3]
		}
		return all
	}
	for i := 0; i < 100; i++ {
		picks, err := Draw(rules, pool, rand.New(rand.NewPCG(uint64(i), 9)))
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int64]bool{}
		for _, ids := range picks {
			for _, id := range ids {
				if seen[id] {
					t.Fatal("duplicate across rules")
				}
				seen[id] = true
			}
		}
	}
	if _, err := Draw([]Rule{{Kind: KindSingle, Count: 6, Points: 1}}, pool, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Fatal("short pool must fail")
	}
	short := CheckSupply([]Rule{{Kind: KindJudge, Count: 10, Points: 1}, {Kind: KindJudge, Count: 5, Points: 1}},
		func(PoolKey) int { return 12 })
	if len(short) != 2 || short[0].Need != 15 || short[0].Have != 12 {
		t.Fatalf("shortage = %+v", short)
	}
	if short[0].Message == "" {
		t.Fatal("shortage needs a message")
	}
}

func TestDrawRoughlyUniform(t *testing.T) {
	ids := make([]int64, 100)
	for i := range ids {
		ids[i] = int64(i)
	}
	counts := make([]int, 100)
	rng := rand.New(rand.NewPCG(7, 7))
	const rounds = 20000
	for r := 0; r < rounds; r++ {
		picks, _ := Draw([]Rule{{Kind: KindSingle, Count: 10, Points: 1}}, func(PoolKey) []int64 { return ids }, rng)
		for _, id := range picks[0] {
			counts[id]++
		}
	}
	want := float64(rounds) * 10 / 100 // 2000 each
	for id, c := range counts {
		if math.Abs(float64(c)-want) > want*0.12 {
			t.Errorf("id %d drawn %d times, want about %.0f", id, c, want)
		}
	}
}

func TestAssembleFreezesAndRemapsOptions(t *testing.T) {
	bank := map[int64]BankQuestion{
		1: {ID: 1, Kind: KindMultiple, Stem: "m", Options: []string{"o1", "o2", "o3", "o4"}, Answer: "AC", Explanation: "e"},
		2: {ID: 2, Kind: KindJudge, Stem: "j", Answer: "B"},
	}
	rules := []Rule{{Kind: KindMultiple, Count: 1, Points: 2}, {Kind: KindJudge, Count: 1, Points: 1}}
	for seed := uint64(0); seed < 50; seed++ {
		paper, err := Assemble(rules, [][]int64{{1}, {2}}, bank, true, true, rand.New(rand.NewPCG(seed, 1)))
		if err != nil {
			t.Fatal(err)
		}
		m := paper[0]
		var correctTexts []string
		for i := 0; i < len(m.Correct); i++ {
			correctTexts = append(correctTexts, m.Options[m.Correct[i]-'A'])
		}
		if len(correctTexts) != 2 || !(contains(correctTexts, "o1") && contains(correctTexts, "o3")) {
			t.Fatalf("remapped keys point at %v", correctTexts)
		}
		if paper[1].Correct != "B" || paper[1].Options[1] != "错" || m.Points != 2 || m.Position != 1 || paper[1].Position != 2 {
			t.Fatalf("paper = %+v", paper)
		}
	}
	// Frozen: changing the bank afterwards does not change the paper.
	paper, _ := Assemble(rules, [][]int64{{1}, {2}}, bank, false, false, rand.New(rand.NewPCG(1, 1)))
	q := bank[1]
	q.Options[0] = "changed"
	q.Stem = "changed"
	bank[1] = q
	if paper[0].Stem != "m" || paper[0].Options[0] != "o1" {
		t.Fatal("paper shares memory with the bank")
	}
}

// The staff's exam card turns into 催学 when the exam closes within RemindWithin with
// candidates who have not taken it.
func TestTurnoutBehind(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, web.China)
	for _, tc := range []struct {
		name string
		t    Turnout
		want bool
	}{
		{"closes tomorrow, 3 not taken", Turnout{ClosesAt: now.Add(24 * time.Hour), Taken: 7, Candidates: 10}, true},
		{"closes in exactly 3 days", Turnout{ClosesAt: now.Add(RemindWithin), Taken: 7, Candidates: 10}, true},
		{"closes in 4 days", Turnout{ClosesAt: now.Add(4 * 24 * time.Hour), Taken: 7, Candidates: 10}, false},
		{"everyone took it", Turnout{ClosesAt: now.Add(time.Hour), Taken: 10, Candidates: 10}, false},
		{"already closed", Turnout{ClosesAt: now.Add(-time.Minute), Taken: 7, Candidates: 10}, false},
	} {
		if got := tc.t.Behind(now); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
