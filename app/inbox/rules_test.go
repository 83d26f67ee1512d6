package inbox

import (
	"strings"
	"testing"

	"zhibu/app/web"
)

func TestCheck(t *testing.T) {
	ok := web.Message{UserID: 1, Kind: web.MsgTour, Title: "「井冈山考察」报名已通过终审", Body: "请按时参加。", URL: "/tours/3"}
	with := func(f func(m *web.Message)) web.Message {
		m := ok
		f(&m)
		return m
	}
	for _, c := range []struct {
		name string
		m    web.Message
		bad  bool
	}{
		{"ok", ok, false},
		{"no body, no url", with(func(m *web.Message) { m.Body, m.URL = "", "" }), false},
		{"every kind", with(func(m *web.Message) { m.Kind = web.MsgFeedback }), false},
		{"title of 100", with(func(m *web.Message) { m.Title = strings.Repeat("学", 100) }), false},
		{"body of 1000 with lines", with(func(m *web.Message) { m.Body = strings.Repeat("学", 998) + "\n习" }), false},
		{"url with query", with(func(m *web.Message) { m.URL = "/messages?page=2#top" }), false},
		{"no person", with(func(m *web.Message) { m.UserID = 0 }), true},
		{"negative person", with(func(m *web.Message) { m.UserID = -3 }), true},
		{"no kind", with(func(m *web.Message) { m.Kind = "" }), true},
		{"unknown kind", with(func(m *web.Message) { m.Kind = "spam" }), true},
		{"empty title", with(func(m *web.Message) { m.Title = "" }), true},
		{"blank title", with(func(m *web.Message) { m.Title = " \u3000 " }), true},
		{"title of 101", with(func(m *web.Message) { m.Title = strings.Repeat("学", 101) }), true},
		{"title of two lines", with(func(m *web.Message) { m.Title = "第一行\n第二行" }), true},
		{"NUL in title", with(func(m *web.Message) { m.Title = "标题\x00" }), true},
		{"bidi override in title", with(func(m *web.Message) { m.Title = "标题\u202e" }), true},
		{"invalid UTF-8 body", with(func(m *web.Message) { m.Body = "\xff\xfe" }), true},
		{"body of 1001", with(func(m *web.Message) { m.Body = strings.Repeat("学", 1001) }), true},
		{"NUL in body", with(func(m *web.Message) { m.Body = "正文\x00" }), true},
		{"another site", with(func(m *web.Message) { m.URL = "https://evil.example/" }), true},
		{"scheme-relative", with(func(m *web.Message) { m.URL = "//evil.example/" }), true},
		{"backslash", with(func(m *web.Message) { m.URL = "/\\evil.example" }), true},
		{"javascript", with(func(m *web.Message) { m.URL = "javascript:alert(1)" }), true},
		{"relative", with(func(m *web.Message) { m.URL = "tours/3" }), true},
		{"space", with(func(m *web.Message) { m.URL = "/tours/3 x" }), true},
		{"NUL in url", with(func(m *web.Message) { m.URL = "/tours/\x00" }), true},
		{"newline in url", with(func(m *web.Message) { m.URL = "/tours/3\r\nSet-Cookie: x" }), true},
		{"url too long", with(func(m *web.Message) { m.URL = "/" + strings.Repeat("a", MaxURL) }), true},
		{"ref", with(func(m *web.Message) { m.Ref = "reminder:12" }), false},
		{"ref too long", with(func(m *web.Message) { m.Ref = strings.Repeat("r", MaxRef+1) }), true},
		{"ref of two lines", with(func(m *web.Message) { m.Ref = "reminder:\n12" }), true},
	} {
		if why := Check(c.m); (why != "") != c.bad {
			t.Errorf("%s: Check = %q, want bad=%v", c.name, why, c.bad)
		}
	}
}

func TestKindName(t *testing.T) {
	if KindName(web.MsgTour) != "考察" || KindName(web.MsgClass) != "培训班" || KindName("other") != "消息" {
		t.Fatal("kind names")
	}
}
