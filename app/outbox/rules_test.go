package outbox

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"zhibu/app/web"
)

func TestText(t *testing.T) {
	base := "https://zhibu.example.gov.cn/"
	for _, tc := range []struct {
		m          web.Message
		base       string
		text, link string
	}{
		{web.Message{Title: "考察报名已通过", URL: "/tours/3"}, base, "考察报名已通过\nhttps://zhibu.example.gov.cn/tours/3", "https://zhibu.example.gov.cn/tours/3"},
		{web.Message{Title: "考察报名已通过", Body: "请按时集合。\r\n\r\n\t带好证件", URL: "/tours/3"}, "", "考察报名已通过\n请按时集合。\n带好证件", "/tours/3"},
		{web.Message{Title: "  通知 ", URL: "//evil.example/x"}, base, "通知", ""},
		{web.Message{Title: "通知", URL: "https://evil.example/"}, base, "通知", ""},
		{web.Message{Title: "通知"}, base, "通知", ""},
		{web.Message{Title: "a\x00b\u202ec"}, "", "abc", ""},
	} {
		text, link := Text(tc.m, tc.base)
		if text != tc.text || link != tc.link {
			t.Errorf("Text(%+v, %q) = %q, %q; want %q, %q", tc.m, tc.base, text, link, tc.text, tc.link)
		}
	}
	long := web.Message{Title: strings.Repeat("长", 100), Body: strings.Repeat("文", 1000), URL: "/notices/1"}
	text, _ := Text(long, base)
	if n := utf8.RuneCountInString(text); n != MaxText || !strings.HasSuffix(text, "…\nhttps://zhibu.example.gov.cn/notices/1") {
		t.Fatalf("long text: %d runes, %q", n, text)
	}
	text, _ = Text(long, "https://"+strings.Repeat("x", 200)+".cn")
	if n := utf8.RuneCountInString(text); n != MaxText || strings.Contains(text, "https") {
		t.Fatalf("a link too long to send in the text: %d runes", n)
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour, time.Hour}
	for i, w := range want {
		if got := Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	if Backoff(1000) != MaxBackoff || Backoff(0) != time.Minute {
		t.Error("Backoff out of range")
	}
}

func TestRetryable(t *testing.T) {
	for status, want := range map[int]bool{500: true, 502: true, 503: true, 408: true, 429: true, 400: false, 401: false, 403: false, 404: false, 410: false, 422: false, 302: true} {
		if Retryable(status) != want {
			t.Errorf("Retryable(%d) = %v", status, !want)
		}
	}
}

func TestSignature(t *testing.T) {
	// HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), a published test vector.
	got := Sign([]byte("key"), []byte("The quick brown fox jumps over the lazy dog"))
	if got != "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8" {
		t.Fatalf("Sign = %s", got)
	}
	if !Verify([]byte("key"), []byte("The quick brown fox jumps over the lazy dog"), got) || Verify([]byte("key"), []byte("the quick"), got) {
		t.Fatal("Verify")
	}
}
