// Package webtest drives a web.Server in tests through real HTTP requests (app.Test),
// keeping cookies and the CSRF token like a browser would.
package webtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

// Client is one browser-like visitor.
type Client struct {
	T       testing.TB
	App     *fiber.App
	Cookies map[string]string
	CSRF    string
}

// New returns an anonymous client.
func New(t testing.TB, app *fiber.App) *Client {
	return &Client{T: t, App: app, Cookies: map[string]string{}}
}

// AsUser returns a client already signed in as the user, without going through the login
// form (so feature tests do not depend on the accounts package).
func AsUser(t testing.TB, srv *web.Server, userID int64) *Client {
	t.Helper()
	token, csrf, err := srv.Sessions.Create(context.Background(), userID, "127.0.0.1", "webtest")
	if err != nil {
		t.Fatalf("create session: %v", err)
	}
	c := New(t, srv.App)
	c.Cookies[web.SessionCookie] = token
	c.CSRF = csrf
	return c
}

// Do sends a request with the client's cookies and CSRF header and records new cookies.
func (c *Client) Do(method, path string, body io.Reader, contentType string) *http.Response {
	c.T.Helper()
	req, err := http.NewRequest(method, path, body)
	if err != nil {
		c.T.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.CSRF != "" {
		req.Header.Set("X-CSRF-Token", c.CSRF)
	}
	for k, v := range c.Cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := c.App.Test(req, -1)
	if err != nil {
		c.T.Fatalf("%s %s: %v", method, path, err)
	}
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.Cookies, ck.Name)
		} else {
			c.Cookies[ck.Name] = ck.Value
		}
	}
	return resp
}

// JSON sends in (if not nil) as JSON and returns the status and body.
func (c *Client) JSON(method, path string, in any) (int, []byte) {
	c.T.Helper()
	var body io.Reader
	ct := ""
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			c.T.Fatal(err)
		}
		body, ct = bytes.NewReader(b), "application/json"
	}
	resp := c.Do(method, path, body, ct)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// Form posts url-encoded form values (adding _csrf) and returns the response.
func (c *Client) Form(method, path string, values url.Values) *http.Response {
	c.T.Helper()
	if values == nil {
		values = url.Values{}
	}
	if c.CSRF != "" && values.Get("_csrf") == "" {
		values.Set("_csrf", c.CSRF)
	}
	return c.Do(method, path, strings.NewReader(values.Encode()), "application/x-www-form-urlencoded")
}

// Upload posts a multipart form with the file in field "file" plus extra fields.
func (c *Client) Upload(path, filename string, data []byte, fields map[string]string) (int, []byte) {
	c.T.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	fw, err := w.CreateFormFile("file", filename)
	if err != nil {
		c.T.Fatal(err)
	}
	fw.Write(data)
	w.Close()
	resp := c.Do("POST", path, &buf, w.FormDataContentType())
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// Get fetches a page and returns status and body.
func (c *Client) Get(path string) (int, string) {
	c.T.Helper()
	resp := c.Do("GET", path, nil, "")
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// ErrorCode extracts error.code from an API error body ("" if none).
func ErrorCode(body []byte) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	json.Unmarshal(body, &e)
	return e.Error.Code
}

// Decode unmarshals a JSON body or fails the test.
func Decode(t testing.TB, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
}

// Mount is a feature's Mount with its dependencies bound.
type Mount func(*web.Server) error

// Server builds the shell on db with cfg and mounts the features in order, failing the
// test on any error: the one way a test assembles a server.
func Server(t testing.TB, db *sqlx.DB, cfg web.Config, mounts ...Mount) *web.Server {
	t.Helper()
	srv, err := web.New(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mounts {
		if err := m(srv); err != nil {
			t.Fatal(err)
		}
	}
	srv.NotFoundLast()
	return srv
}
