package tools

import (
	"io"
	"net/url"
	"strings"
	"testing"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

type clients struct{ anon, sec, org, org2, admin *webtest.Client }

func setup(t *testing.T) clients {
	t.Helper()
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := webtest.Server(t, db, web.Config{}, func(s *web.Server) error { return Mount(s, Deps{}) })
	return clients{
		anon:  webtest.New(t, srv.App),
		sec:   webtest.AsUser(t, srv, c.Secretaries[0][0]),
		org:   webtest.AsUser(t, srv, c.Organizers[0]),
		org2:  webtest.AsUser(t, srv, c.Organizers[1]),
		admin: webtest.AsUser(t, srv, c.Admin),
	}
}

// Every role may use the calculator; anonymous visitors may not.
func TestVoteCheckRoles(t *testing.T) {
	cl := setup(t)
	body := map[string]any{"decision": "admit", "eligible": 20, "present": 15, "written": map[string]int{"for": 1},
		"for": 10, "against": 5}
	st, out := cl.anon.JSON("POST", "/api/v1/tools/vote-check", body)
	if st != 401 && st != 403 { // the CSRF check may answer first
		t.Fatalf("anonymous: %d %s", st, out)
	}
	if st, _ := cl.anon.Get("/tools/vote"); st != 302 && st != 303 {
		t.Fatalf("anonymous page: %d, want a redirect to the login", st)
	}
	for name, c := range map[string]*webtest.Client{"secretary": cl.sec, "organizer": cl.org, "other organizer": cl.org2, "admin": cl.admin} {
		st, out := c.JSON("POST", "/api/v1/tools/vote-check", body)
		if st != 200 {
			t.Fatalf("%s: %d %s", name, st, out)
		}
		var r VoteResult
		webtest.Decode(t, out, &r)
		if !r.MeetingValid || !r.Passed || r.Rule != ruleAdmit || !strings.Contains(r.Explanation, "预备党员没有表决权") {
			t.Fatalf("%s: %s", name, out)
		}
		if st, page := c.Get("/tools/vote"); st != 200 || !strings.Contains(page, "表决计算器") {
			t.Fatalf("%s page: %d", name, st)
		}
	}
	// The 20/10 trap through the API.
	st, out = cl.sec.JSON("POST", "/api/v1/tools/vote-check", map[string]any{"decision": "admit", "eligible": 20, "present": 10, "for": 10})
	var r VoteResult
	webtest.Decode(t, out, &r)
	if st != 200 || r.MeetingValid || r.Passed || !strings.Contains(r.Explanation, "需至少 11 人") {
		t.Fatalf("20/10 admit: %d %s", st, out)
	}
}

// Bad input is a 422 naming the field, never a 500.
func TestVoteCheckBadInput(t *testing.T) {
	cl := setup(t)
	cases := []struct {
		name  string
		raw   string
		field string
	}{
		{"unknown decision", `{"decision":"coup","eligible":5,"present":3}`, "decision"},
		{"no decision", `{"eligible":5,"present":3}`, "decision"},
		{"present over eligible", `{"decision":"general","eligible":5,"present":6}`, "present"},
		{"eligible zero", `{"decision":"general","eligible":0,"present":0}`, "eligible"},
		{"eligible huge", `{"decision":"general","eligible":99999999999,"present":1}`, "eligible"},
		{"eligible too big for int", `{"decision":"general","eligible":1e30,"present":1}`, "eligible"},
		{"eligible string", `{"decision":"general","eligible":"20","present":1}`, "eligible"},
		{"eligible fraction", `{"decision":"general","eligible":2.5,"present":1}`, "eligible"},
		{"votes over present", `{"decision":"general","eligible":5,"present":3,"for":2,"against":2}`, "for"},
		{"huge votes", `{"decision":"general","eligible":5,"present":3,"for":9223372036854775807,"against":9223372036854775807}`, "for"},
		{"written for general", `{"decision":"general","eligible":5,"present":3,"written":{"for":1}}`, "written"},
		{"written over absent", `{"decision":"admit","eligible":5,"present":3,"written":{"for":2,"against":1}}`, "written"},
		{"written wrong type", `{"decision":"admit","eligible":5,"present":3,"written":{"for":"x"}}`, "written.for"},
		{"nul in decision", `{"decision":"admit\u0000","eligible":5,"present":3}`, "decision"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := cl.sec.Do("POST", "/api/v1/tools/vote-check", strings.NewReader(tc.raw), "application/json")
			defer resp.Body.Close()
			out, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 422 || webtest.ErrorCode(out) != "validation_failed" || !strings.Contains(string(out), `"`+tc.field+`"`) {
				t.Fatalf("status %d, want 422 naming %s: %s", resp.StatusCode, tc.field, out)
			}
		})
	}
	for _, raw := range []string{``, `not json`, `[1,2]`} {
		resp := cl.sec.Do("POST", "/api/v1/tools/vote-check", strings.NewReader(raw), "application/json")
		resp.Body.Close()
		if resp.StatusCode != 400 && resp.StatusCode != 422 {
			t.Fatalf("%q: %d", raw, resp.StatusCode)
		}
	}
}

// The page posts to itself, shows the result and keeps what was typed; bad input shows
// the field's message with the values kept.
func TestVotePage(t *testing.T) {
	cl := setup(t)
	st, page := cl.sec.Get("/tools/vote")
	if st != 200 || !strings.Contains(page, `inputmode="numeric"`) || !strings.Contains(page, `value="general" checked`) {
		t.Fatalf("page: %d %s", st, page)
	}
	form := url.Values{"decision": {"admit"}, "eligible": {"20"}, "present": {"10"}, "for": {"10"}}
	resp := cl.sec.Form("POST", "/tools/vote", form)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page = string(b)
	if resp.StatusCode != 200 || !strings.Contains(page, "不能表决") || !strings.Contains(page, "需至少 11 人") ||
		!strings.Contains(page, `value="admit" checked`) || !strings.Contains(page, `name="eligible" type="number" inputmode="numeric" min="1" max="10000" step="1" required value="20"`) {
		t.Fatalf("result page: %d %s", resp.StatusCode, page)
	}
	form = url.Values{"decision": {"admit"}, "eligible": {"20"}, "present": {"15"}, "for": {"10"}, "against": {"5"}, "written_for": {"1"}}
	resp = cl.sec.Form("POST", "/tools/vote", form)
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	page = string(b)
	if resp.StatusCode != 200 || !strings.Contains(page, "会议有效") || !strings.Contains(page, ">通过<") || !strings.Contains(page, ruleAdmit) {
		t.Fatalf("passed page: %d %s", resp.StatusCode, page)
	}
	form = url.Values{"decision": {"general"}, "eligible": {"20"}, "present": {"21"}, "for": {"abc"}}
	resp = cl.sec.Form("POST", "/tools/vote", form)
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	page = string(b)
	if resp.StatusCode != 422 || !strings.Contains(page, "实到人数不能超过应到人数") || !strings.Contains(page, "请填写整数") ||
		!strings.Contains(page, `value="abc"`) || !strings.Contains(page, `value="general" checked`) || strings.Contains(page, "会议有效") {
		t.Fatalf("bad form: %d %s", resp.StatusCode, page)
	}
	resp = cl.sec.Form("POST", "/tools/vote", url.Values{"decision": {"x\x00"}})
	resp.Body.Close()
	if resp.StatusCode != 422 {
		t.Fatalf("empty form: %d", resp.StatusCode)
	}
}
