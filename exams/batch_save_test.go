package exams

import (
	"fmt"
	"strings"
	"testing"

	"zhibu/app/web/webtest"
)

// The offline queue's batch save (PUT /api/v1/attempts/:id/answers): each answer checked
// as a single save checks it, all saved together or none, and only by the attempt's owner.
func TestBatchSave(t *testing.T) {
	e := newEnv(t)
	examID := e.exam(t, nil)
	cl := webtest.AsUser(t, e.srv, e.county.Secretaries[0][0])
	other := webtest.AsUser(t, e.srv, e.county.Secretaries[0][1])
	a := start(t, cl, examID, 201)
	path := fmt.Sprintf("/api/v1/attempts/%d/answers", a.ID)
	// A key one past the item's options, and for a multiple-choice item a valid pair.
	tooFar := func(i int) string { return string(rune('A' + len(a.Items[i].Options))) }
	answers := func() []string {
		var got attemptJSON
		st, body := cl.JSON("GET", fmt.Sprintf("/api/v1/attempts/%d", a.ID), nil)
		if st != 200 {
			t.Fatalf("get: %d %s", st, body)
		}
		webtest.Decode(t, body, &got)
		out := make([]string, len(got.Items))
		for i, it := range got.Items {
			out[i] = strings.Join(it.Answer, "")
		}
		return out
	}

	st, body := cl.JSON("PUT", path, map[string]any{"answers": []map[string]any{
		{"position": 1, "answer": []string{"A"}}, {"position": 2, "answer": []string{"b"}}, {"position": 3, "answer": []string{"A"}}}})
	if st != 200 || !strings.Contains(string(body), `"saved":3`) {
		t.Fatalf("batch: %d %s", st, body)
	}
	if got := answers(); got[0] != "A" || got[1] != "B" || got[2] != "A" {
		t.Fatalf("after batch: %v", got)
	}
	// Clearing one and setting another in the same batch.
	if st, body := cl.JSON("PUT", path, map[string]any{"answers": []map[string]any{
		{"position": 1, "answer": []string{}}, {"position": 4, "answer": []string{"B"}}}}); st != 200 {
		t.Fatalf("clear: %d %s", st, body)
	}
	if got := answers(); got[0] != "" || got[3] != "B" || got[1] != "B" {
		t.Fatalf("after clearing: %v", got)
	}

	// One bad answer refuses the whole batch and names it; nothing of it is saved.
	before := answers()
	st, body = cl.JSON("PUT", path, map[string]any{"answers": []map[string]any{
		{"position": 5, "answer": []string{"A"}}, {"position": 6, "answer": []string{tooFar(5)}}}})
	if st != 422 || webtest.ErrorCode(body) != "invalid_answer" || !strings.Contains(string(body), `"6"`) {
		t.Fatalf("bad item: %d %s", st, body)
	}
	if got := answers(); strings.Join(got, ",") != strings.Join(before, ",") {
		t.Fatalf("a refused batch changed the answers: %v → %v", before, got)
	}
	for name, raw := range map[string]string{
		"not in paper":   `{"answers":[{"position":1,"answer":["A"]},{"position":999,"answer":["A"]}]}`,
		"position zero":  `{"answers":[{"position":0,"answer":["A"]}]}`,
		"duplicate":      `{"answers":[{"position":1,"answer":["A"]},{"position":1,"answer":["B"]}]}`,
		"empty list":     `{"answers":[]}`,
		"no answer":      `{"answers":[{"position":1}]}`,
		"string answer":  `{"answers":[{"position":1,"answer":"A"}]}`,
		"unknown field":  `{"answers":[{"position":1,"answer":["A"]}],"x":1}`,
		"huge position":  `{"answers":[{"position":99999999999999999999,"answer":["A"]}]}`,
		"NUL in key":     `{"answers":[{"position":1,"answer":["A\u0000"]}]}`,
		"not json":       `answers=A`,
		"trailing value": `{"answers":[{"position":1,"answer":["A"]}]} {}`,
	} {
		resp := cl.Do("PUT", path, strings.NewReader(raw), "application/json")
		resp.Body.Close()
		if resp.StatusCode != 422 {
			t.Errorf("%s: %d, want 422", name, resp.StatusCode)
		}
	}
	if got := answers(); strings.Join(got, ",") != strings.Join(before, ",") {
		t.Fatalf("refused batches changed the answers: %v → %v", before, got)
	}
	// Another secretary's attempt is not found.
	if st, body := other.JSON("PUT", path, map[string]any{"answers": []map[string]any{{"position": 1, "answer": []string{"A"}}}}); st != 404 {
		t.Fatalf("someone else's attempt: %d %s", st, body)
	}
	// After submitting, a batch is refused as a single save is.
	if st, body := cl.JSON("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", a.ID), map[string]any{}); st != 200 {
		t.Fatalf("submit: %d %s", st, body)
	}
	if st, body := cl.JSON("PUT", path, map[string]any{"answers": []map[string]any{{"position": 1, "answer": []string{"A"}}}}); st != 409 {
		t.Fatalf("batch after submit: %d %s", st, body)
	}
}
