package exams

import (
	"testing"
	"time"
)

// The embedded demo bank loads, every question is valid and keyed once, and it can fill
// the demo exam's rules.
func TestDemoQuestionsLoad(t *testing.T) {
	qs, keys, err := DemoQuestions()
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 139 || len(keys) != len(qs) {
		t.Fatalf("%d questions, %d keys; want 139", len(qs), len(keys))
	}
	seen := map[string]bool{}
	kinds := map[string]int{}
	for i, q := range qs {
		again := q
		if errs := again.Normalize(); len(errs) > 0 || q.Explanation == "" || q.Category == "" || len(q.Tags) == 0 {
			t.Errorf("question %d (%s): %v", i, q.Stem, errs)
		}
		if seen[keys[i]] {
			t.Errorf("question %d (%s): key %s twice", i, q.Stem, keys[i])
		}
		seen[keys[i]] = true
		kinds[q.Kind]++
	}
	for _, r := range DemoExamInput(time.Now()).Rules {
		if kinds[r.Kind] < r.Count {
			t.Errorf("demo bank has %d %s, the demo exam draws %d", kinds[r.Kind], r.Kind, r.Count)
		}
	}
	// The first question as written, under the key databases seeded before already hold.
	if q := qs[0]; q.Kind != KindSingle || q.Answer != "D" || q.Options[3] != "2014年" || keys[0] != "demo:db63faea2c5ad2d6" {
		t.Errorf("first demo question = %+v (%s)", q, keys[0])
	}
}
