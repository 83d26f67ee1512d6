package exams

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// shuffleBank: five single-choice questions of four options (key B = "b<id>") and three
// judge questions, drawn as two sections.
func shuffleBank() (map[int64]BankQuestion, []Rule, [][]int64) {
	bank := map[int64]BankQuestion{}
	for id := int64(1); id <= 5; id++ {
		bank[id] = BankQuestion{ID: id, Kind: KindSingle, Stem: "s", Answer: "B",
			Options: []string{"a" + itoa(int(id)), "b" + itoa(int(id)), "c" + itoa(int(id)), "d" + itoa(int(id))}}
	}
	for id := int64(6); id <= 8; id++ {
		bank[id] = BankQuestion{ID: id, Kind: KindJudge, Stem: "j", Answer: "A"}
	}
	rules := []Rule{{Kind: KindSingle, Count: 5, Points: 2}, {Kind: KindJudge, Count: 3, Points: 1}}
	return bank, rules, [][]int64{{1, 2, 3, 4, 5}, {6, 7, 8}}
}

// seenAt records that k showed at position pos.
func seenAt[K comparable](positions map[K]map[int]bool, k K, pos int) {
	if positions[k] == nil {
		positions[k] = map[int]bool{}
	}
	positions[k][pos] = true
}

// moved fails for each k that always showed at the same position.
func moved[K comparable](t *testing.T, what string, positions map[K]map[int]bool) {
	t.Helper()
	for k, seen := range positions {
		if len(seen) < 2 {
			t.Errorf("%s %v always at position %v: not shuffled", what, k, seen)
		}
	}
}

// Options are shuffled: over many draws every option shows in more than one position,
// and the remapped key still points at the right text and grades full marks.
func TestAssembleShufflesOptions(t *testing.T) {
	bank, rules, picks := shuffleBank()
	positions := map[string]map[int]bool{} // option text → positions seen
	rng := rand.New(rand.NewPCG(3, 9))
	for draw := 0; draw < 200; draw++ {
		paper, err := Assemble(rules, picks, bank, false, true, rng)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range paper[:5] {
			for i, o := range it.Options {
				seenAt(positions, o, i)
			}
			if it.Options[it.Correct[0]-'A'] != "b"+itoa(int(it.QuestionID)) {
				t.Fatalf("key %s points at %q", it.Correct, it.Options[it.Correct[0]-'A'])
			}
			if Score(it, it.Correct, MultiStrict) != it.Points || Score(it, KeyOf(int(it.Correct[0]-'A'+1)%4), MultiStrict) != 0 {
				t.Fatalf("remapped key does not grade: %+v", it)
			}
		}
		for _, it := range paper[5:] { // 判断 keep 对/错
			if !slices.Equal(it.Options, JudgeOptions) || it.Correct != "A" {
				t.Fatalf("judge item shuffled: %+v", it)
			}
		}
	}
	if len(positions) != 20 {
		t.Fatalf("options seen: %d, want 20", len(positions))
	}
	moved(t, "option", positions)
}

// Questions are shuffled within their section, never across sections: over many draws
// the order varies and every question shows in more than one position of its section.
func TestAssembleShufflesQuestionsWithinSections(t *testing.T) {
	bank, rules, picks := shuffleBank()
	orders := map[string]bool{}
	positions := map[int64]map[int]bool{}
	rng := rand.New(rand.NewPCG(5, 1))
	for draw := 0; draw < 200; draw++ {
		paper, err := Assemble(rules, picks, bank, true, false, rng)
		if err != nil {
			t.Fatal(err)
		}
		order := ""
		for i, it := range paper {
			if it.Position != i+1 || (i < 5) != (it.Kind == KindSingle) {
				t.Fatalf("position %d holds %+v: sections mixed or misnumbered", i+1, it)
			}
			seenAt(positions, it.QuestionID, it.Position)
			order += itoa(int(it.QuestionID))
		}
		orders[order] = true
	}
	if len(orders) < 10 {
		t.Fatalf("%d distinct question orders over 200 draws: questions are not shuffled", len(orders))
	}
	moved(t, "question", positions)
}

// Without shuffle_questions and shuffle_options the paper keeps the draw order and the
// bank's option order and keys, whatever the random source.
func TestAssembleWithoutShuffleIsStable(t *testing.T) {
	bank, rules, picks := shuffleBank()
	for seed := uint64(0); seed < 20; seed++ {
		paper, err := Assemble(rules, picks, bank, false, false, rand.New(rand.NewPCG(seed, seed)))
		if err != nil {
			t.Fatal(err)
		}
		for i, it := range paper {
			q := bank[int64(i+1)]
			if it.QuestionID != q.ID || it.Correct != q.Answer || (q.Kind == KindSingle && !slices.Equal(it.Options, q.Options)) {
				t.Fatalf("seed %d position %d = %+v, want question %d as in the bank", seed, i+1, it, q.ID)
			}
		}
	}
}
