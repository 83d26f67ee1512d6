package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"zhibu/app/accounts"
	"zhibu/app/web/webtest"
)

// Every route of the whole platform, as every role, with forged ids in its path,
// hostile query strings and hostile bodies: the answer is never a 5xx. (Each feature
// tests its own rules; this is the net under all of them.)
func TestHostileRequestsNeverAnswer5xx(t *testing.T) {
	if testing.Short() {
		t.Skip("walks every route")
	}
	db, srv := demoServer(t, accounts.DemoSize{Townships: 2, Secretaries: 6})
	clients := map[string]*webtest.Client{"anonymous": webtest.New(t, srv.App)}
	for _, name := range []string{"admin", "organizer", "secretary"} {
		var id int64
		if err := db.Get(&id, `SELECT id FROM users WHERE username = $1`, name); err != nil {
			t.Fatal(err)
		}
		db.MustExec(`UPDATE users SET must_change_password = false WHERE id = $1`, id)
		clients[name] = webtest.AsUser(t, srv, id)
	}

	forgedIDs := []string{"0", "-1", "9223372036854775807", "99999999999999999999", "abc", "1e3", "%00", "1%27"}
	hostileQuery := "?year=NaN&year2=99999999999&page=-1&per_page=99999999999999999999&township=abc&township_id=-5" +
		"&q=%00%01&category=%00&status=%00&kind=%00&course=1e999&exam=-1&next=%2F%09%2Fevil.example"
	keys := []string{"title", "name", "username", "phone", "password", "note", "reason", "text", "body", "stem",
		"options", "answer", "year", "target", "total_seats", "seats", "quota", "quotas", "duration_minutes",
		"pass_score", "opens_at", "closes_at", "starts_on", "ends_on", "signup_opens_at", "signup_closes_at",
		"cancel_deadline", "township_id", "branch_id", "user_id", "hours", "rules", "count", "points", "category",
		"kind", "tags", "destination", "itinerary", "decision", "status", "comment", "records", "course_id",
		"exam_id", "lesson_id", "min_seconds", "markdown", "content", "description", "credit_hours", "required",
		"townships", "kinds", "current_password", "new_password", "role", "active", "question_id", "position",
		"attempts_allowed", "review", "multi_scoring", "due_date", "explanation", "difficulty", "url", "ids"}
	values := []any{"\x00", "a\x00b", "\u202e", 1e308, -1, 2147483648, 9223372036854775807.0, []any{"\x00", -1},
		map[string]any{"\x00": "\x00"}, nil, true, strings.Repeat("长", 200)}
	var bodies [][]byte
	for _, v := range values {
		obj := map[string]any{}
		for _, k := range keys {
			obj[k] = v
		}
		b, _ := json.Marshal(obj)
		bodies = append(bodies, b)
	}
	bodies = append(bodies, []byte(`{"title":"x","year":NaN}`), []byte("{"), []byte("[]"), []byte("null"),
		[]byte(`"\u0000"`), bytes.Repeat([]byte("["), 20000), []byte(`{"answer":["A","\u0000"],"year":1e400}`))

	param := regexp.MustCompile(`:[A-Za-z_]+\??`)
	type failure struct {
		who, method, path string
		status            int
		body              string
	}
	var failures []failure
	requests := 0
	hist := map[int]int{}
	send := func(who string, cl *webtest.Client, method, path string, body []byte, ctype string) {
		requests++
		var r io.Reader
		if body != nil {
			r = bytes.NewReader(body)
		}
		resp := cl.Do(method, path, r, ctype)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		hist[resp.StatusCode]++
		if resp.StatusCode >= 500 {
			failures = append(failures, failure{who, method, path, resp.StatusCode, string(b)})
		}
	}
	seen := map[string]bool{}
	for _, rt := range srv.App.GetRoutes(true) {
		if rt.Method == http.MethodHead || rt.Method == http.MethodOptions || strings.HasPrefix(rt.Path, "/static") ||
			rt.Path == "/" && rt.Method == "USE" {
			continue
		}
		key := rt.Method + " " + rt.Path
		if seen[key] {
			continue
		}
		seen[key] = true
		// Signing out would end the client's session for the rest of the walk.
		if strings.HasSuffix(rt.Path, "/session") && rt.Method == http.MethodDelete || rt.Path == "/logout" {
			continue
		}
		paths := []string{rt.Path}
		if param.MatchString(rt.Path) {
			paths = paths[:0]
			for _, id := range forgedIDs {
				paths = append(paths, param.ReplaceAllString(rt.Path, id))
			}
		}
		names := make([]string, 0, len(clients))
		for n := range clients {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, who := range names {
			cl := clients[who]
			for _, p := range paths {
				if rt.Method == http.MethodGet {
					send(who, cl, rt.Method, p+hostileQuery, nil, "")
					continue
				}
				send(who, cl, rt.Method, p, []byte("{}"), "application/json")
			}
			if rt.Method == http.MethodGet {
				continue
			}
			p := param.ReplaceAllString(rt.Path, "1")
			for _, b := range bodies {
				send(who, cl, rt.Method, p, b, "application/json")
			}
			form := url.Values{"title": {"a\x00"}, "name": {"\x00"}, "note": {"\x00"}, "year": {"NaN"},
				"total_seats": {"2147483648"}, "target": {"NaN"}, "next": {"/\t/evil"}}
			send(who, cl, rt.Method, p, []byte(form.Encode()), "application/x-www-form-urlencoded")
		}
	}
	for i, f := range failures {
		if i == 30 {
			t.Errorf("… and %d more", len(failures)-30)
			break
		}
		t.Errorf("%s %s as %s → %d %s", f.method, f.path, f.who, f.status, f.body)
	}
	t.Logf("statuses %v", hist)
	t.Logf("%d routes, %d hostile requests, %d answered 5xx", len(seen), requests, len(failures))
	if len(seen) < 50 {
		t.Fatalf("only %d routes found: the walk is not seeing the platform", len(seen))
	}
}
