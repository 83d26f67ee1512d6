package exams

import (
	"encoding/json"
	"errors"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"zhibu/app/web"
)

// inputError fails unless err is what a handler answers for bad input: a 400 or a 422.
func inputError(t *testing.T, err error) {
	t.Helper()
	var we *web.Error
	if !errors.As(err, &we) || (we.Status != 400 && we.Status != 422) {
		t.Fatalf("bad input gave %v, want a 400 or 422 *web.Error", err)
	}
	if we.Status == 422 && len(we.Fields) == 0 {
		t.Fatalf("422 without a field: %+v", we)
	}
}

// FuzzAnswerBody: any body sent to the save endpoint (or as a practice answer) is either
// refused with a Chinese reason or gives a sorted, distinct, existing key string of the
// right count, which builds a save statement of the one fixed form (it is sent as text).
func FuzzAnswerBody(f *testing.F) {
	for _, s := range []string{`{"answer":["A","C"]}`, `{"answer":[]}`, `{"answer":["对"]}`, `{"answer":["ａ","Ｃ"]}`,
		`{"answer":["A\u0000"]}`, `{"answer":["\u0000"]}`, `{"answer":["\t"]}`, `{"answer":[" "]}`, `{"answer":"A"}`,
		`{"answer":[1]}`, `{"answer":null}`, `{"answer":NaN}`, `{"answer":["A"],"x":1}`, `{"answer":["A'; DROP TABLE attempts;--"]}`,
		`{"answer":["A","B","C","D","E","F","A"]}`, `{"question_id":1,"answer":["B"]}`, `{"question_id":"1"}`, "\x00", ""} {
		for k := uint8(0); k < 3; k++ {
			f.Add([]byte(s), k, uint8(2))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, k, n uint8) {
		kind := []string{KindSingle, KindMultiple, KindJudge}[int(k)%3]
		nOpts := 2 + int(n)%5
		if kind == KindJudge {
			nOpts = 2
		}
		if ans, err := ParseAnswer(body, kind, nOpts); err != nil {
			var ae *AnswerError
			if !errors.As(err, &ae) || ae.Msg == "" {
				t.Fatalf("refusal without a reason: %v", err)
			}
		} else {
			for i := 0; i < len(ans); i++ {
				if ans[i] < 'A' || int(ans[i]-'A') >= nOpts || (i > 0 && ans[i] <= ans[i-1]) {
					t.Fatalf("accepted %q for %s of %d options", ans, kind, nOpts)
				}
			}
			if kind != KindMultiple && len(ans) > 1 {
				t.Fatalf("%s accepted %q", kind, ans)
			}
			var sent struct{ Answer []string }
			if ans == "" && (json.Unmarshal(body, &sent) != nil || len(sent.Answer) != 0) {
				t.Fatalf("%s answer %q taken as clearing the answer", kind, body)
			}
			// What the page sends back for an accepted answer is accepted as the same.
			again, _ := json.Marshal(map[string][]string{"answer": KeysOf(ans)})
			if a2, err := ParseAnswer(again, kind, nOpts); err != nil || a2 != ans {
				t.Fatalf("round trip %q → %q, %v", ans, a2, err)
			}
		}
		var in struct {
			QuestionID int64    `json:"question_id"`
			Answer     []string `json:"answer"`
		}
		if err := web.DecodeJSON(body, &in); err != nil {
			inputError(t, err)
		}
	})
}

// FuzzExamBody: any body for POST/PUT /api/v1/exams and POST /api/v1/questions is either a
// 400/422, or an exam (question) whose every text can be stored and every number is finite
// and in range — what reaches PostgreSQL cannot make it fail.
func FuzzExamBody(f *testing.F) {
	good, _ := json.Marshal(DemoExamInput(time.Date(2026, 5, 1, 8, 0, 0, 0, web.China)))
	f.Add(good)
	for _, s := range []string{`{"title":"t","opens_at":"2026-01-01","closes_at":"2026-02-01","duration_minutes":30,"pass_score":NaN,"rules":[{"kind":"judge","count":1,"points":1}]}`,
		`{"title":"\u0000","rules":[{"kind":"single","count":1e9,"points":-Infinity}]}`, `{"pass_score":1e400}`, `{"township_ids":[-1,"a"]}`,
		`{"kind":"single","stem":"题","options":["a","b"],"answer":"A","points":NaN}`, `{"kind":"judge","stem":"x\u0000","answer":"对","tags":["\u0001"]}`,
		`{"kind":"multiple","stem":"s","options":["a","b","c"],"answer":"A、C","points":2.5,"category":"c","tags":["t"]}`, `[]`, `{`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in ExamInput
		if err := web.DecodeJSON(body, &in); err != nil {
			inputError(t, err)
		} else if e, errs := in.ToExam(); len(errs) == 0 {
			texts := []string{e.Title, e.MultiRule, e.ReviewPolicy}
			for _, r := range e.Rules {
				texts = append(texts, r.Kind, r.Category, r.Tag)
				if r.Count < 1 || r.Count > 200 || !(r.Points > 0 && r.Points <= 100) {
					t.Fatalf("accepted rule %+v", r)
				}
			}
			for _, s := range texts {
				if web.BadText(s, false) {
					t.Fatalf("accepted text %q", s)
				}
			}
			if web.BadText(e.Description, true) || !finite(e.PassScore) || !finite(e.TotalPoints) || e.TotalPoints <= 0 ||
				e.TotalPoints > 99999 || e.PassScore < 0 || e.PassScore > e.TotalPoints || e.DurationMinutes < 1 ||
				e.DurationMinutes > 600 || e.AttemptsAllowed < 1 || e.AttemptsAllowed > 20 || e.OpensAt.Year() < 2000 || e.ClosesAt.Year() > 2200 {
				t.Fatalf("accepted exam %+v", e)
			}
		}
		var qi QuestionInput
		if err := web.DecodeJSON(body, &qi); err != nil {
			inputError(t, err)
			return
		}
		if q, errs := qi.Question(); len(errs) == 0 {
			if q.Stem == "" || web.BadText(q.Stem, true) || web.BadText(q.Category, false) || web.BadText(q.Explanation, true) ||
				math.IsNaN(q.Points) || q.Points <= 0 || q.Points > 100 || !regexp.MustCompile(`^[A-F]+$`).MatchString(q.Answer) {
				t.Fatalf("accepted question %+v", q)
			}
			for _, s := range append(append([]string{}, q.Options...), q.Tags...) {
				if web.BadText(s, true) || strings.TrimSpace(s) == "" {
					t.Fatalf("accepted option or tag %q", s)
				}
			}
		}
	})
}
