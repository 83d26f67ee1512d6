package tools

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// aidClients are a county's users on a server whose lessons are known, with the
// secretaries of one branch (A, B) and of another township (C).
type aidClients struct {
	anon, secA, secB, secC, org, admin *webtest.Client
	srv                                *web.Server
	county                             testdb.County
}

func setupAids(t *testing.T) aidClients {
	t.Helper()
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	lesson := func(_ context.Context, topic string) (string, error) {
		return "/courses/lesson-of-" + url.PathEscape(topic), nil
	}
	srv := webtest.Server(t, db, web.Config{}, func(s *web.Server) error { return Mount(s, Deps{Lesson: lesson}) })
	return aidClients{
		anon:  webtest.New(t, srv.App),
		secA:  webtest.AsUser(t, srv, c.Secretaries[0][0]), // township 1, branch 农村
		secB:  webtest.AsUser(t, srv, c.Secretaries[0][1]), // the same branch
		secC:  webtest.AsUser(t, srv, c.Secretaries[1][2]), // township 2, branch 社区
		org:   webtest.AsUser(t, srv, c.Organizers[0]),
		admin: webtest.AsUser(t, srv, c.Admin),
		srv:   srv, county: c,
	}
}

func (a aidClients) roles() map[string]*webtest.Client {
	return map[string]*webtest.Client{"secretary": a.secA, "other secretary": a.secC, "organizer": a.org, "admin": a.admin}
}

// Every page of every meeting renders for every role, links the lesson of its topic
// and names its rule; the print page holds every record element of its kind.
func TestMeetingPages(t *testing.T) {
	cl := setupAids(t)
	for role, c := range cl.roles() {
		st, page := c.Get("/tools/meetings")
		if st != 200 || !strings.Contains(page, "会议记录清单") {
			t.Fatalf("%s: list %d", role, st)
		}
		for _, m := range Meetings {
			if !strings.Contains(page, `href="/tools/meetings/`+m.Key+`"`) || !strings.Contains(page, `href="/tools/meetings/`+m.Key+`/print"`) {
				t.Errorf("%s: list lacks %s", role, m.Key)
			}
			st, page := c.Get("/tools/meetings/" + m.Key)
			if st != 200 || !strings.Contains(page, "<h1>"+m.Name+"</h1>") {
				t.Fatalf("%s %s: %d", role, m.Key, st)
			}
			if !strings.Contains(page, `href="/courses/lesson-of-`+url.PathEscape(m.Topic)+`"`) {
				t.Errorf("%s %s: no lesson link", role, m.Key)
			}
			if !strings.Contains(page, m.Sources[0].Doc+m.Sources[0].Article) {
				t.Errorf("%s %s: no rule %s%s", role, m.Key, m.Sources[0].Doc, m.Sources[0].Article)
			}
			for _, e := range m.Elements {
				if !strings.Contains(page, e.Label) {
					t.Errorf("%s %s: checklist lacks %q", role, m.Key, e.Label)
				}
			}
			if m.FrequencyIsLocal() != strings.Contains(page, "各地规定不同，请按本地要求") {
				t.Errorf("%s %s: local rule shown wrongly", role, m.Key)
			}
			st, sheet := c.Get("/tools/meetings/" + m.Key + "/print")
			if st != 200 || !strings.Contains(sheet, m.Name+"记录") || !strings.Contains(sheet, "data-print") {
				t.Fatalf("%s %s print: %d", role, m.Key, st)
			}
			form := sheet[strings.Index(sheet, `class="print-form"`):]
			for _, e := range m.Elements {
				if !strings.Contains(form, "<th scope=\"row\">"+e.Label) {
					t.Errorf("%s %s print: lacks the blank %q", role, m.Key, e.Label)
				}
			}
			if n := strings.Count(form, "<tr class=\"print-row"); n != len(m.Elements) {
				t.Errorf("%s %s print: %d rows, want %d", role, m.Key, n, len(m.Elements))
			}
		}
	}
	// The 党员大会's record holds the 发展党员 elements; the 党小组会's does not.
	_, congress := cl.secA.Get("/tools/meetings/dydh/print")
	_, group := cl.secA.Get("/tools/meetings/dxzh/print")
	if !strings.Contains(congress, "参会的预备党员名单") || strings.Contains(group, "参会的预备党员名单") {
		t.Error("发展党员 elements on the wrong record")
	}
}

func TestMeetingUnknownKind(t *testing.T) {
	cl := setupAids(t)
	for _, p := range []string{"/tools/meetings/nope", "/tools/meetings/nope/print", "/tools/meetings/DYDH", "/tools/meetings/%E5%85%9A"} {
		st, page := cl.secA.Get(p)
		if st != 404 || !strings.Contains(page, "没有这种会议") {
			t.Errorf("%s: %d", p, st)
		}
	}
	for _, p := range []string{"/tools/meetings", "/tools/meetings/dydh", "/tools/meetings/dydh/print"} {
		if st, _ := cl.anon.Get(p); st != 302 && st != 303 {
			t.Errorf("anonymous %s: %d, want a redirect to the login", p, st)
		}
	}
}
