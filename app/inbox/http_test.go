package inbox

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"zhibu/app/accounts"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// newServer mounts the accounts (home page, 我的) and the inbox, as app/features.go does.
func newServer(t testing.TB, db *sqlx.DB) *web.Server {
	t.Helper()
	return webtest.Server(t, db, web.Config{}, accounts.Mount, func(s *web.Server) error { return Mount(s, Deps{}) })
}

type listResponse struct {
	Unread   int       `json:"unread"`
	Messages []Message `json:"messages"`
	Total    int       `json:"total"`
	Page     int       `json:"page"`
}

func list(t *testing.T, cl *webtest.Client, path string) listResponse {
	t.Helper()
	st, body := cl.JSON("GET", path, nil)
	if st != 200 {
		t.Fatalf("GET %s: %d %s", path, st, body)
	}
	var r listResponse
	webtest.Decode(t, body, &r)
	return r
}

// Every role reads and marks only the own messages, through the API and the pages;
// reading never marks anything read; forged ids are 404 and change nothing.
func TestInboxByRole(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := newServer(t, db)
	sec, other := c.Secretaries[0][0], c.Secretaries[1][0]
	people := []struct {
		who string
		id  int64
	}{{"secretary", sec}, {"organizer", c.Organizers[0]}, {"organizer of another township", c.Organizers[1]}, {"admin", c.Admin}}
	for _, p := range people {
		post(t, db, web.Message{UserID: p.id, Kind: web.MsgFeedback, Title: "回复：" + p.who, Body: "已处理。", URL: "/me"},
			web.Message{UserID: p.id, Kind: web.MsgNotice, Title: "通知：" + p.who})
	}
	post(t, db, web.Message{UserID: other, Kind: web.MsgTour, Title: "别人的消息", URL: "/tours/1"})
	theirs := ids(t, db, other)[0]

	// Anonymous: nothing.
	anon := webtest.New(t, srv.App)
	if st, body := anon.JSON("GET", "/api/v1/messages", nil); st != 401 {
		t.Fatalf("anonymous list: %d %s", st, body)
	}
	if st, _ := anon.Get("/messages"); st == 200 {
		t.Fatal("anonymous /messages answered 200")
	}
	if st, _ := anon.JSON("POST", "/api/v1/messages/read", nil); st != 401 && st != 403 {
		t.Fatalf("anonymous read all: %d", st)
	}

	for _, p := range people {
		cl := webtest.AsUser(t, srv, p.id)
		r := list(t, cl, "/api/v1/messages")
		if r.Unread != 2 || r.Total != 2 || len(r.Messages) != 2 || r.Page != 1 {
			t.Fatalf("%s: %+v", p.who, r)
		}
		// Newest first, only the own.
		if r.Messages[0].Title != "通知："+p.who || r.Messages[1].Title != "回复："+p.who || r.Messages[0].Kind != web.MsgNotice {
			t.Fatalf("%s sees %+v", p.who, r.Messages)
		}
		// Reading the list and the page twice marks nothing read.
		for i := 0; i < 2; i++ {
			st, html := cl.Get("/messages")
			if st != 200 || !strings.Contains(html, "2 条未读") || !strings.Contains(html, "回复："+p.who) || strings.Contains(html, "别人的消息") ||
				!strings.Contains(html, "全部标为已读") || !strings.Contains(html, "查看") {
				t.Fatalf("%s /messages: %d", p.who, st)
			}
		}
		if unread(t, db, p.id) != 2 || list(t, cl, "/api/v1/messages").Unread != 2 {
			t.Fatalf("%s: reading marked messages read", p.who)
		}
		// Forged ids, another person's message: 404 through both doors, nothing changes.
		for _, id := range []string{fmt.Sprint(theirs), "0", "-1", "abc", "1e3", "%00", "1%00", "9223372036854775807",
			"9223372036854775808", strings.Repeat("9", 400)} {
			st, body := cl.JSON("POST", "/api/v1/messages/"+id+"/read", nil)
			if st != 404 || webtest.ErrorCode(body) != "not_found" {
				t.Fatalf("%s marks %s: %d %s", p.who, id, st, body)
			}
			if resp := cl.Form("POST", "/messages/"+id+"/read", nil); resp.StatusCode != 404 {
				t.Fatalf("%s form marks %s: %d", p.who, id, resp.StatusCode)
			}
		}
		if unread(t, db, other) != 1 || unread(t, db, p.id) != 2 {
			t.Fatalf("%s: a refused mark changed messages", p.who)
		}
		// Bad pages: 400 with a Chinese message, never 500.
		for _, q := range []string{"0", "-1", "x", "1%00", "99999999999999999999"} {
			if st, body := cl.JSON("GET", "/api/v1/messages?page="+q, nil); st != 400 || !strings.Contains(string(body), "页码") {
				t.Fatalf("%s page %s: %d %s", p.who, q, st, body)
			}
			if st, _ := cl.Get("/messages?page=" + q); st != 400 {
				t.Fatalf("%s page %s (page): %d", p.who, q, st)
			}
		}
		if r := list(t, cl, "/api/v1/messages?page=2"); len(r.Messages) != 0 || r.Unread != 2 || r.Total != 2 {
			t.Fatalf("%s page 2: %+v", p.who, r)
		}

		// The own actions: 查看 marks the message read and opens its page (303)...
		mine := ids(t, db, p.id)
		resp := cl.Form("POST", fmt.Sprintf("/messages/%d/read", mine[1]), nil)
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/me" || unread(t, db, p.id) != 1 {
			t.Fatalf("%s 查看: %d %s", p.who, resp.StatusCode, resp.Header.Get("Location"))
		}
		// ...a message without a page comes back to the list; the API says the count.
		st, body := cl.JSON("POST", fmt.Sprintf("/api/v1/messages/%d/read", mine[0]), nil)
		var one struct {
			Message Message `json:"message"`
			Unread  int     `json:"unread"`
		}
		webtest.Decode(t, body, &one)
		if st != 200 || one.Unread != 0 || one.Message.ReadAt == nil || one.Message.ID != mine[0] {
			t.Fatalf("%s API read: %d %s", p.who, st, body)
		}
		// Marking again keeps when it was read.
		first := *one.Message.ReadAt
		_, body = cl.JSON("POST", fmt.Sprintf("/api/v1/messages/%d/read", mine[0]), nil)
		webtest.Decode(t, body, &one)
		if !one.Message.ReadAt.Equal(first) {
			t.Fatalf("%s: marking again moved read_at", p.who)
		}
		if _, html := cl.Get("/messages"); strings.Contains(html, "条未读") || !strings.Contains(html, "没有未读消息") {
			t.Fatalf("%s: read messages still counted", p.who)
		}
	}
	if unread(t, db, other) != 1 {
		t.Fatal("someone else's message was marked read")
	}

	// Without the CSRF token nothing is marked.
	bare := webtest.AsUser(t, srv, other)
	bare.CSRF = ""
	if resp := bare.Form("POST", fmt.Sprintf("/messages/%d/read", theirs), nil); resp.StatusCode != 403 || unread(t, db, other) != 1 {
		t.Fatalf("form without CSRF: %d", resp.StatusCode)
	}
	if st, _ := bare.JSON("POST", "/api/v1/messages/read", nil); st != 403 || unread(t, db, other) != 1 {
		t.Fatalf("API without CSRF: %d", st)
	}
	// 全部标为已读 by form and by API.
	cl := webtest.AsUser(t, srv, other)
	post(t, db, web.Message{UserID: other, Kind: web.MsgTour, Title: "第二条"})
	if resp := cl.Form("POST", "/messages/read", nil); resp.StatusCode != 303 || resp.Header.Get("Location") != "/messages" || unread(t, db, other) != 0 {
		t.Fatalf("form read all: %d", resp.StatusCode)
	}
	post(t, db, web.Message{UserID: other, Kind: web.MsgTour, Title: "第三条"})
	if st, body := cl.JSON("POST", "/api/v1/messages/read", nil); st != 200 || !strings.Contains(string(body), `"marked":1`) || unread(t, db, other) != 0 {
		t.Fatalf("API read all: %d %s", st, body)
	}
}

// The list is newest first in pages of web.PageSize, with the pager's links.
func TestInboxPaging(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := newServer(t, db)
	me := c.Secretaries[0][1]
	var msgs []web.Message
	for i := 1; i <= web.PageSize+3; i++ {
		msgs = append(msgs, web.Message{UserID: me, Kind: web.MsgReminder, Title: fmt.Sprintf("第%d条", i)})
	}
	post(t, db, msgs...)
	post(t, db, web.Message{UserID: me, Kind: web.MsgReminder, Title: "最新的一条"})
	cl := webtest.AsUser(t, srv, me)
	p1 := list(t, cl, "/api/v1/messages")
	p2 := list(t, cl, "/api/v1/messages?page=2")
	if len(p1.Messages) != web.PageSize || len(p2.Messages) != 4 || p1.Total != web.PageSize+4 || p1.Messages[0].Title != "最新的一条" {
		t.Fatalf("pages: %d + %d of %d, first %q", len(p1.Messages), len(p2.Messages), p1.Total, p1.Messages[0].Title)
	}
	seen := map[int64]bool{}
	for _, m := range append(p1.Messages, p2.Messages...) {
		if seen[m.ID] {
			t.Fatalf("message %d on two pages", m.ID)
		}
		seen[m.ID] = true
	}
	st, html := cl.Get("/messages")
	if st != 200 || !strings.Contains(html, `href="/messages?page=2"`) || !strings.Contains(html, "最新的一条") {
		t.Fatalf("page 1: %d", st)
	}
	if st, html := cl.Get("/messages?page=2"); st != 200 || !strings.Contains(html, "第1条") {
		t.Fatalf("page 2: %d", st)
	}
	// The JSON shape integrators rely on (docs/inbox.md).
	_, body := cl.JSON("GET", "/api/v1/messages?page=2", nil)
	var raw struct {
		Unread   *int             `json:"unread"`
		Messages []map[string]any `json:"messages"`
	}
	if err := json.Unmarshal(body, &raw); err != nil || raw.Unread == nil {
		t.Fatalf("shape: %v %s", err, body)
	}
	for _, k := range []string{"id", "kind", "title", "body", "url", "read_at", "created_at"} {
		if _, ok := raw.Messages[0][k]; !ok {
			t.Fatalf("message without %q: %s", k, body)
		}
	}
}

// The home card: only while something is unread, with the count and the 3 newest unread
// titles; 我的 links to the inbox with the count.
func TestHomeCardAndMe(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	srv := newServer(t, db)
	me := c.Secretaries[1][1]
	cl := webtest.AsUser(t, srv, me)
	card := func() *web.Card {
		t.Helper()
		cards, err := srv.HomeCards(t.Context(), &web.Identity{UserID: me, Role: web.RoleSecretary})
		if err != nil {
			t.Fatal(err)
		}
		for i := range cards {
			if cards[i].Link == "/messages" {
				return &cards[i]
			}
		}
		return nil
	}
	if card() != nil {
		t.Fatal("a card without messages")
	}
	if st, html := cl.Get("/me"); st != 200 || !strings.Contains(html, `href="/messages"`) || strings.Contains(html, "条未读") {
		t.Fatalf("/me without messages: %d", st)
	}
	post(t, db, web.Message{UserID: me, Kind: web.MsgExamOpened, Title: "第一条"},
		web.Message{UserID: me, Kind: web.MsgExamOpened, Title: "第二条"})
	post(t, db, web.Message{UserID: me, Kind: web.MsgExamOpened, Title: "第三条"},
		web.Message{UserID: me, Kind: web.MsgExamOpened, Title: "第四条"})
	post(t, db, web.Message{UserID: c.Secretaries[1][0], Kind: web.MsgExamOpened, Title: "别人的"})
	k := card()
	if k == nil || k.Big != "4 条未读" || strings.Join(k.Lines, "|") != "第四条|第三条|第二条" || k.Accent {
		t.Fatalf("card: %+v", k)
	}
	if st, html := cl.Get("/"); st != 200 || !strings.Contains(html, "4 条未读") || !strings.Contains(html, "第四条") || strings.Contains(html, "第一条") {
		t.Fatalf("home page: %d", st)
	}
	if st, html := cl.Get("/me"); st != 200 || !strings.Contains(html, "4 条未读") {
		t.Fatalf("/me: %d", st)
	}
	if unread(t, db, me) != 4 {
		t.Fatal("the home page or 我的 marked messages read")
	}
	// Read one: the card shows the next; read all: no card.
	if resp := cl.Form("POST", fmt.Sprintf("/messages/%d/read", ids(t, db, me)[0]), url.Values{}); resp.StatusCode != 303 {
		t.Fatalf("read: %d", resp.StatusCode)
	}
	if k := card(); k == nil || k.Big != "3 条未读" || strings.Join(k.Lines, "|") != "第三条|第二条|第一条" {
		t.Fatalf("card after one read: %+v", k)
	}
	cl.Form("POST", "/messages/read", nil)
	if card() != nil {
		t.Fatal("a card with nothing unread")
	}
}
