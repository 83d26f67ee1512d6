package web

import (
	"strings"
	"testing"
)

// XSS payloads must come out inert.
func TestMarkdownSanitizes(t *testing.T) {
	payloads := []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror=alert(1)>`,
		`[点我](javascript:alert(1))`,
		`[点我](JaVaScRiPt:alert(1))`,
		`[点我](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
		`![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)`,
		`<iframe src="https://evil.example"></iframe>`,
		`<svg onload=alert(1)>`,
		`<a href="javascript:alert(1)">x</a>`,
		`<div style="background:url(javascript:alert(1))">x</div>`,
		`<object data="x.swf"></object><embed src="x">`,
		`<form action="https://evil.example"><input name=p></form>`,
		`<p onclick="alert(1)">x</p>`,
		"<scr<script>ipt>alert(1)</script>",
		`[x](&#106;avascript:alert(1))`,
		`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	}
	bad := []string{"<script", "onerror", "onload", "onclick", "javascript:", "data:", "<iframe", "<svg", "<object", "<embed", "<form", "style=", "<style"}
	for _, p := range payloads {
		out := strings.ToLower(string(Markdown(p)))
		for _, b := range bad {
			if strings.Contains(out, b) {
				t.Errorf("payload %q rendered %q containing %q", p, out, b)
			}
		}
	}
	good := string(Markdown("## 标题\n\n- **一**\n- [链接](https://www.12371.cn)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"))
	for _, want := range []string{"<h2", "<strong>一</strong>", `href="https://www.12371.cn"`, "<table>"} {
		if !strings.Contains(good, want) {
			t.Errorf("safe Markdown lost %q: %s", want, good)
		}
	}
}
