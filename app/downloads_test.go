package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
	"zhibu/app/workbook/workbooktest"
)

const wechatUA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.48(0x18003029) NetType/WIFI Language/zh_CN"

// get sends a GET with the user agent and the user's session (none when userID is 0).
func get(t *testing.T, srv *web.Server, db *sqlx.DB, path, ua string, userID int64) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", ua)
	if userID != 0 {
		token, _, err := srv.Sessions.Create(t.Context(), userID, "127.0.0.1", ua)
		if err != nil {
			t.Fatal(err)
		}
		req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: token})
	}
	resp, err := srv.App.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// Every workbook download of the app (each GET route ending in .xlsx) answers WeChat
// with a one-time link instead of the file (app/web/download.go).
func TestEveryWorkbookDownloadHandlesWeChat(t *testing.T) {
	db := testdb.DB(t)
	srv := webtest.Server(t, db, web.Config{}, mountFeatures)
	c := testdb.MakeCounty(t, db)
	n := 0
	for _, r := range srv.App.GetRoutes(true) {
		if r.Method != http.MethodGet || !strings.HasSuffix(r.Path, ".xlsx") {
			continue
		}
		n++
		// A user holds at most web.DownloadLinksPerUser live links: start each route afresh.
		testdb.Exec(t, db, `DELETE FROM download_links WHERE user_id = $1`, c.Admin)
		path := strings.ReplaceAll(r.Path, ":id", "1")
		resp, body := get(t, srv, db, path, wechatUA, c.Admin)
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/dl/") {
			t.Errorf("WeChat GET %s: %d %q %.100s", path, resp.StatusCode, loc, body)
		}
	}
	if n < 6 {
		t.Errorf("found %d workbook downloads, want at least 6", n)
	}
}

// The real completion workbook through a link: WeChat gets the page, the phone's browser
// (not signed in) the workbook of the organizer's own township, once.
func TestCompletionWorkbookThroughLink(t *testing.T) {
	db := testdb.DB(t)
	srv := webtest.Server(t, db, web.Config{}, mountFeatures)
	c := testdb.MakeCounty(t, db)
	resp, _ := get(t, srv, db, "/api/v1/reports/completion.xlsx", wechatUA, c.Organizers[0])
	link := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(link, "/dl/") {
		t.Fatalf("WeChat: %d %q", resp.StatusCode, link)
	}
	resp, page := get(t, srv, db, link, wechatUA, c.Organizers[0])
	if resp.StatusCode != 200 || !strings.Contains(string(page), "点击右上角 ⋯，选择在浏览器打开") {
		t.Fatalf("WeChat page: %d", resp.StatusCode)
	}
	resp, data := get(t, srv, db, link, "Mozilla/5.0 (Linux; Android 13) Chrome/116.0 Mobile Safari/537.36", 0)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != web.XLSXType {
		t.Fatalf("browser: %d %.200s", resp.StatusCode, data)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="zhibu-completion-`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	var own, other string
	testdb.Get(t, db, &own, `SELECT name FROM townships WHERE id = $1`, c.Townships[0])
	testdb.Get(t, db, &other, `SELECT name FROM townships WHERE id = $1`, c.Townships[1])
	sheets := workbooktest.Read(t, data)
	if _, ok := sheets[own]; !ok {
		t.Errorf("the organizer's workbook lacks the own township: %d sheets", len(sheets))
	}
	if _, ok := sheets[other]; ok {
		t.Errorf("the organizer's link served another township")
	}
	if resp, _ := get(t, srv, db, link, "Mozilla/5.0 (Linux; Android 13) Chrome/116.0 Mobile Safari/537.36", 0); resp.StatusCode != http.StatusGone {
		t.Errorf("second use: %d", resp.StatusCode)
	}
}
