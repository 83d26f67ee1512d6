package web_test

import (
	"io"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

var (
	mainRe = regexp.MustCompile(`(?s)<main[^>]*>(.*)</main>`)
	tagRe  = regexp.MustCompile(`(?s)<[^>]*>`)
	latin  = regexp.MustCompile(`[A-Za-z0-9]`)
	backRe = regexp.MustCompile(`<a [^>]*href="([^"]*)"[^>]*data-back[^>]*>返回上一页</a>`)
)

// errorPage fetches path as a browser would and returns the status and the <main> markup.
func errorPage(t *testing.T, app *fiber.App, path, referer string) (int, string) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil) // Host: example.com
	req.Header.Set("Accept", "text/html")
	if referer != "" {
		req.Header.Set("Referer", referer)
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	m := mainRe.FindStringSubmatch(string(body))
	if m == nil {
		t.Fatalf("%s: no <main> in %s", path, body)
	}
	return resp.StatusCode, m[1]
}

func TestErrorPagesSpeakChineseAndOfferAWayOn(t *testing.T) {
	srv := newServer(t)
	for _, p := range []string{"/page/forbidden", "/api/v1/forbidden"} {
		srv.App.Get(p, func(c *fiber.Ctx) error { return web.Forbidden("") })
	}
	for _, p := range []string{"/page/invalid", "/api/v1/invalid"} {
		srv.App.Get(p, func(c *fiber.Ctx) error {
			return web.Invalid("请检查填写的内容", map[string]string{"name": "姓名不能为空", "phone": "手机号格式不对"})
		})
	}
	srv.NotFoundLast()

	for _, tc := range []struct {
		path     string
		status   int
		code     string
		headline string
		shows    []string
	}{
		{"/no-such-page", 404, "not_found", "找不到这个页面", []string{"找不到您要的页面"}},
		{"/page/forbidden", 403, "forbidden", "没有权限", []string{"您没有权限进行此操作"}},
		{"/page/invalid", 422, "validation_failed", "填写的内容有误", []string{"请检查填写的内容", "<li>姓名不能为空</li>", "<li>手机号格式不对</li>"}},
	} {
		st, main := errorPage(t, srv.App, tc.path, "")
		if st != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, st, tc.status)
		}
		// What a person reads holds no status number, no snake_case code, no Latin at all.
		if text := tagRe.ReplaceAllString(main, " "); latin.MatchString(text) {
			t.Errorf("%s: page text shows Latin or digits: %q", tc.path, strings.Join(strings.Fields(text), " "))
		}
		if strings.Contains(main, tc.code) {
			t.Errorf("%s: page shows the code %s", tc.path, tc.code)
		}
		for _, want := range append([]string{"<h1>" + tc.headline + "</h1>"}, tc.shows...) {
			if !strings.Contains(main, want) {
				t.Errorf("%s: page lacks %q:\n%s", tc.path, want, main)
			}
		}
		if b := backRe.FindStringSubmatch(main); b == nil || b[1] != "/" {
			t.Errorf("%s: no 返回上一页 link to / without a Referer:\n%s", tc.path, main)
		}
		if !strings.Contains(main, `<a class="btn" href="/">回到首页</a>`) {
			t.Errorf("%s: no 回到首页 link:\n%s", tc.path, main)
		}
	}

	// 返回上一页 without script goes to a same-site Referer, never to another site.
	for referer, want := range map[string]string{
		"http://example.com/courses/12?tab=2": "/courses/12?tab=2",
		"https://example.com/me":              "/me",
		"https://evil.example/phish":          "/",
		"javascript:alert(1)":                 "/",
		"http://example.com/no-such-page":     "/",
	} {
		_, main := errorPage(t, srv.App, "/no-such-page", referer)
		if b := backRe.FindStringSubmatch(main); b == nil || b[1] != want {
			t.Errorf("Referer %s: back link %v, want %s", referer, b, want)
		}
	}

	// The JSON API keeps its codes.
	cl := webtest.New(t, srv.App)
	for path, code := range map[string]string{"/api/v1/nothing": "not_found", "/api/v1/forbidden": "forbidden", "/api/v1/invalid": "validation_failed"} {
		if _, body := cl.JSON("GET", path, nil); webtest.ErrorCode(body) != code {
			t.Errorf("%s: %s, want code %s", path, body, code)
		}
	}
}
