package exams

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"

	"zhibu/app/testdb"
	"zhibu/app/web/webtest"
)

// raw sends body as JSON and returns the status and the error's fields.
func raw(t *testing.T, cl *webtest.Client, method, path, body string) (int, map[string]string, string) {
	t.Helper()
	resp := cl.Do(method, path, strings.NewReader(body), "application/json")
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out struct {
		Error struct {
			Code   string            `json:"code"`
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	json.Unmarshal(b, &out)
	return resp.StatusCode, out.Error.Fields, string(b)
}

// Bad input for the exam API is a 422 naming the field — never a 500, never saved:
// control characters and NUL, huge arrays, wrong types, numbers out of range or NaN.
func TestBadInputIs422NamingTheField(t *testing.T) {
	e := newEnv(t)
	admin := webtest.AsUser(t, e.srv, e.county.Admin)
	examID := e.exam(t, nil)

	// exam builds a valid exam body with one field replaced by a raw JSON value.
	exam := func(field, value string) string {
		m := map[string]json.RawMessage{}
		good, _ := json.Marshal(ExamInput{Title: "校验", OpensAt: "2026-01-01T08:00", ClosesAt: "2030-01-01T08:00", DurationMinutes: 30,
			PassScore: 1, Rules: []Rule{{Kind: KindJudge, Category: e.cat, Count: 2, Points: 1}}})
		json.Unmarshal(good, &m)
		m[field] = json.RawMessage(`"__V__"`)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Replace(string(b), `"__V__"`, value, 1)
	}
	rule := func(field, value string) string {
		r := map[string]string{"kind": `"judge"`, "category": fmt.Sprintf("%q", e.cat), "count": "2", "points": "1"}
		r[field] = value
		var parts []string
		for k, v := range r {
			parts = append(parts, fmt.Sprintf("%q:%s", k, v))
		}
		return exam("rules", "[{"+strings.Join(parts, ",")+"}]")
	}
	many := func(n int, item string) string {
		return "[" + strings.TrimSuffix(strings.Repeat(item+",", n), ",") + "]"
	}
	examCases := []struct{ body, field string }{
		{exam("duration_minutes", "NaN"), "duration_minutes"},
		{exam("duration_minutes", `"60"`), "duration_minutes"},
		{exam("duration_minutes", "2.5"), "duration_minutes"},
		{exam("duration_minutes", "1e400"), "duration_minutes"},
		{exam("duration_minutes", "99999999999999999999"), "duration_minutes"},
		{exam("duration_minutes", "-5"), "duration_minutes"},
		{exam("duration_minutes", "601"), "duration_minutes"},
		{exam("pass_score", "NaN"), "pass_score"},
		{exam("pass_score", "Infinity"), "pass_score"},
		{exam("pass_score", "-Infinity"), "pass_score"},
		{exam("pass_score", "1e400"), "pass_score"},
		{exam("pass_score", "-1"), "pass_score"},
		{exam("pass_score", "3"), "pass_score"}, // above the total (2)
		{exam("pass_score", `"36"`), "pass_score"},
		{exam("attempts_allowed", "21"), "attempts_allowed"},
		{exam("attempts_allowed", "-1"), "attempts_allowed"},
		{exam("attempts_allowed", `"two"`), "attempts_allowed"},
		{exam("attempts_allowed", "null"), ""}, // null leaves the default: fine
		{exam("title", `"\u0000"`), "title"},
		{exam("title", `"考试\u0007"`), "title"},
		{exam("title", `"a\nb"`), "title"},
		{exam("title", "12"), "title"},
		{exam("description", `"说明\u0000"`), "description"},
		{exam("description", `"`+strings.Repeat("长", 2001)+`"`), "description"},
		{exam("opens_at", `"0001-01-01T00:00:00Z"`), "opens_at"},
		{exam("closes_at", `"9999-01-01T00:00:00Z"`), "closes_at"},
		{exam("opens_at", "20260101"), "opens_at"},
		{exam("township_ids", "[-1]"), "township_ids"},
		{exam("township_ids", `["1"]`), "township_ids"},
		{exam("township_ids", many(1001, "1")), "township_ids"},
		{exam("shuffle_options", `"yes"`), "shuffle_options"},
		{exam("course_id", `"x"`), "course_id"},
		{exam("rules", `"all"`), "rules"},
		{exam("rules", "[]"), "rules"},
		{exam("rules", many(5000, `{"kind":"judge","count":1,"points":1}`)), "rules"},
		{rule("count", "1e9"), "rules.count"},
		{rule("count", "2.5"), "rules.count"},
		{rule("count", "100000"), "rules[0]"},
		{rule("count", "-2"), "rules[0]"},
		{rule("points", "NaN"), "rules.points"},
		{rule("points", "1e400"), "rules.points"},
		{rule("points", "1e300"), "rules[0]"},
		{rule("points", "0.001"), "rules[0]"},
		{rule("points", "-1"), "rules[0]"},
		{rule("points", `"1"`), "rules.points"},
		{rule("category", `"\u0000"`), "rules[0]"},
		{rule("tag", `"a\u001fb"`), "rules[0]"},
		{rule("kind", "1"), "rules.kind"},
	}
	var before int
	testdb.Get(t, e.db, &before, `SELECT count(*) FROM exams`)
	for _, c := range examCases {
		for _, req := range [][2]string{{"POST", "/api/v1/exams"}, {"PUT", fmt.Sprintf("/api/v1/exams/%d", examID)}} {
			st, fields, body := raw(t, admin, req[0], req[1], c.body)
			if c.field == "" {
				if st >= 300 {
					t.Errorf("%s %.120s → %d %s", req[0], c.body, st, body)
				}
				continue
			}
			if _, ok := fields[c.field]; st != 422 || !ok {
				t.Errorf("%s with %s bad (%.80s…) → %d %s, want 422 naming %s", req[0], c.field, c.body, st, body, c.field)
			}
		}
	}
	var after int
	testdb.Get(t, e.db, &after, `SELECT count(*) FROM exams`)
	if after != before+1 { // only the null case saved one
		t.Errorf("bad exams saved: %d → %d", before, after)
	}
	// Malformed JSON stays a 400.
	if st, _, body := raw(t, admin, "POST", "/api/v1/exams", `{"title":"x",`); st != 400 {
		t.Errorf("truncated JSON → %d %s", st, body)
	}

	// Questions.
	question := func(field, value string) string {
		q := map[string]string{"kind": `"single"`, "stem": `"题干"`, "options": `["甲","乙"]`, "answer": `"A"`, "category": fmt.Sprintf("%q", e.cat)}
		q[field] = value
		var parts []string
		for k, v := range q {
			parts = append(parts, fmt.Sprintf("%q:%s", k, v))
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	for _, c := range []struct{ body, field string }{
		{question("points", "NaN"), "points"},
		{question("points", "1e400"), "points"},
		{question("points", `"2"`), "points"},
		{question("points", "-1"), "points"},
		{question("points", "101"), "points"},
		{question("stem", `"题\u0000干"`), "stem"},
		{question("stem", `"题\u0008干"`), "stem"},
		{question("options", `["甲","\u0000"]`), "options"},
		{question("options", `"甲乙"`), "options"},
		{question("options", many(7, `"x"`)), "options"},
		{question("tags", `["\u0000"]`), "tags"},
		{question("tags", many(21, `"t"`)), "tags"},
		{question("tags", `"t"`), "tags"},
		{question("category", `"分类\u0001"`), "category"},
		{question("explanation", `"解析\u0000"`), "explanation"},
		{question("kind", "5"), "kind"},
		{question("kind", `"essay"`), "kind"},
		{question("answer", `["A"]`), "answer"},
		{question("answer", `"Z"`), "answer"},
		{question("difficulty", `"极难"`), "difficulty"},
	} {
		st, fields, body := raw(t, admin, "POST", "/api/v1/questions", c.body)
		if _, ok := fields[c.field]; st != 422 || !ok {
			t.Errorf("question with %s bad (%.80s) → %d %s", c.field, c.body, st, body)
		}
	}
	if st, _, body := raw(t, admin, "POST", "/api/v1/questions/retire", `{"tag":"\u0000"}`); st != 422 {
		t.Errorf("retire tag NUL → %d %s", st, body)
	}
	for _, q := range []string{"%00", "a%07", url.QueryEscape(strings.Repeat("长", 200))} {
		if st, _ := admin.JSON("GET", "/api/v1/questions?q="+q, nil); st != 400 {
			t.Errorf("search q=%s → %d", q, st)
		}
		if st, _ := admin.Get("/admin/questions?category=" + q); st != 400 {
			t.Errorf("bank page category=%s → %d", q, st)
		}
	}

	// Forms: unreadable or NaN numbers are refused, not taken as 0.
	form := url.Values{"title": {"表单"}, "opens_at": {"2026-01-01T08:00"}, "closes_at": {"2030-01-01T08:00"}, "duration_minutes": {"30"},
		"pass_score": {"1"}, "attempts_allowed": {"2"}, "kind0": {"judge"}, "category0": {e.cat}, "count0": {"2"}, "points0": {"1"}}
	for _, kv := range [][2]string{{"pass_score", "NaN"}, {"points0", "NaN"}, {"points0", "Inf"}, {"count0", "二"}, {"duration_minutes", "1e3"},
		{"title", "a\x00b"}, {"category0", "\x00"}} {
		k, v := kv[0], kv[1]
		f := url.Values{}
		for kk, vv := range form {
			f[kk] = vv
		}
		f.Set(k, v)
		if r := admin.Form("POST", "/admin/exams/new", f); r.StatusCode != 422 {
			t.Errorf("exam form %s=%q → %d", k, v, r.StatusCode)
		}
	}
	qform := url.Values{"kind": {"single"}, "stem": {"表单题"}, "option": {"甲", "乙"}, "answer": {"A"}, "points": {"1"}, "difficulty": {"中"}}
	for k, v := range map[string]string{"points": "NaN", "stem": "题\x00", "answer": "\x00", "tags": "a\x01"} {
		f := url.Values{}
		for kk, vv := range qform {
			f[kk] = vv
		}
		f.Set(k, v)
		if r := admin.Form("POST", "/admin/questions/new", f); r.StatusCode != 422 {
			t.Errorf("question form %s=%q → %d", k, v, r.StatusCode)
		}
	}

	// Answers: practice and the exam save.
	sec := webtest.AsUser(t, e.srv, e.county.Secretaries[0][0])
	var qid int64
	testdb.Get(t, e.db, &qid, `SELECT id FROM questions WHERE category = $1 AND kind = 'single' LIMIT 1`, e.cat)
	testdb.Exec(t, e.db, `UPDATE exams SET closes_at = now() - interval '1 hour', opens_at = now() - interval '2 hours' WHERE id = $1`, examID) // no guard
	for _, c := range []struct{ body, field string }{
		{`{"question_id":"1","answer":["A"]}`, "question_id"},
		{`{"question_id":1.5,"answer":["A"]}`, "question_id"},
		{`{"question_id":1e30,"answer":["A"]}`, "question_id"},
		{fmt.Sprintf(`{"question_id":%d,"answer":["\u0000"]}`, qid), "answer"},
		{fmt.Sprintf(`{"question_id":%d,"answer":["A\u0000"]}`, qid), "answer"},
		{fmt.Sprintf(`{"question_id":%d,"answer":["\u001b"]}`, qid), "answer"},
		{fmt.Sprintf(`{"question_id":%d,"answer":"A"}`, qid), "answer"},
		{fmt.Sprintf(`{"question_id":%d,"answer":[1]}`, qid), "answer"},
		{fmt.Sprintf(`{"question_id":%d,"answer":%s}`, qid, many(100000, `"A"`)), "answer"},
		{fmt.Sprintf(`{"question_id":%d}`, qid), "answer"},
		{fmt.Sprintf(`{"question_id":%d,"answer":[]}`, qid), "answer"},
	} {
		st, fields, body := raw(t, sec, "POST", "/api/v1/practice/answer", c.body)
		if _, ok := fields[c.field]; st != 422 || !ok {
			t.Errorf("practice %.80s → %d %.200s, want 422 naming %s", c.body, st, body, c.field)
		}
	}
	testdb.Exec(t, e.db, `UPDATE exams SET opens_at = now() - interval '1 hour', closes_at = now() + interval '1 day' WHERE id = $1`, examID)
	a := start(t, sec, examID, 201)
	for _, body := range []string{`{"answer":["\u0000"]}`, `{"answer":["A\u0000"]}`, `{"answer":["\u0007"]}`, `{"answer":["\t"]}`,
		`{"answer":` + many(100000, `"A"`) + `}`, `{"answer":[1]}`, `{"answer":{"A":true}}`, `{"answer":NaN}`, `{"answer":["A"]` + "\x00}",
		"\x00", `{"answer":["Ａ","\u200b"]}`, `{"answer":[" "]}`, `{"answer":["对\u0000"]}`} {
		for _, it := range a.Items {
			st, fields, resp := raw(t, sec, "PUT", fmt.Sprintf("/api/v1/attempts/%d/answers/%d", a.ID, it.Position), body)
			if _, ok := fields["answer"]; st != 422 || !ok {
				t.Errorf("save %.60q to a %s item → %d %.200s, want 422 naming answer", body, it.Kind, st, resp)
			}
		}
	}
}
