package exams

import (
	"strings"
	"testing"
	"time"
	"unicode"
)

// The embedded demo bank loads, every question is valid and keyed once, and it can fill
// the demo exam's rules.
func TestDemoQuestionsLoad(t *testing.T) {
	qs, keys, err := DemoQuestions()
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 167 || len(keys) != len(qs) {
		t.Fatalf("%d questions, %d keys; want 167", len(qs), len(keys))
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

// demoCategories are the demo bank's categories: a question under any other name (a typo,
// a stray topic) would make a category of its own in practice and in exam rules.
var demoCategories = map[string]bool{
	"发展党员": true, "三会一课": true, "组织生活会": true, "党章党规": true, "党纪处分条例": true, "学习教育": true,
	"三中全会": true, "四中全会": true, "乡村振兴": true, "培训学时": true, "红色教育": true,
}

// stemKey is a stem with case, whitespace and punctuation (ASCII and full-width) left out,
// so that "预备期…？" and "预备期… ?" are the same stem.
func stemKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Every demo question is under a known category, no two share a stem (normalized), and
// the scenario (案例) questions are there, each explained by the rule it applies.
func TestDemoCategoriesAndStems(t *testing.T) {
	qs, _, err := DemoQuestions()
	if err != nil {
		t.Fatal(err)
	}
	first := map[string]int{}
	cases := 0
	for i, q := range qs {
		if !demoCategories[q.Category] {
			t.Errorf("question %d (%s): unknown category %q", i+1, q.Stem, q.Category)
		}
		k := stemKey(q.Stem)
		if j, ok := first[k]; ok {
			t.Errorf("questions %d and %d share the stem %q", j, i+1, q.Stem)
		} else {
			first[k] = i + 1
		}
		if contains(q.Tags, "案例") {
			cases++
			if !strings.ContainsAny(q.Explanation, "《") && !strings.Contains(q.Explanation, "规定") {
				t.Errorf("案例 question %d (%s) does not cite its rule: %s", i+1, q.Stem, q.Explanation)
			}
		}
	}
	if cases < 30 {
		t.Errorf("%d 案例 questions, want at least 30", cases)
	}
	for _, c := range []struct{ a, b string }{{"预备期从何时算起？", " 预备期从何时算起?"}, {"《细则》第十条", "细则 第十条"}} {
		if stemKey(c.a) != stemKey(c.b) {
			t.Errorf("stemKey(%q) = %q, stemKey(%q) = %q", c.a, stemKey(c.a), c.b, stemKey(c.b))
		}
	}
}
