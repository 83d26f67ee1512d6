package main

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"

	"zhibu/app/settings"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
	"zhibu/app/workbook/workbooktest"
)

// Ranking is off until the county switches it on (国办函〔2026〕12号): the reports page shows
// no rank badge and the 汇总 sheet no 排名 column; only an admin may switch it, through
// the settings API or the /admin/settings form, and reports follow the setting.
func TestRankingIsOffUntilTheCountySwitchesItOn(t *testing.T) {
	db := testdb.DB(t)
	srv := webtest.Server(t, db, web.Config{}, mountFeatures)
	c := testdb.MakeCounty(t, db)
	admin := webtest.AsUser(t, srv, c.Admin)

	st, body := admin.JSON("GET", "/api/v1/settings", nil)
	if st != 200 || !strings.Contains(string(body), `"ranking_enabled":false`) {
		t.Fatalf("default settings: %d %s", st, body)
	}
	checkRanking(t, "by default", admin, false)

	// Organizers and secretaries neither see nor change the switch.
	for _, id := range []int64{c.Organizers[0], c.Secretaries[0][0]} {
		cl := webtest.AsUser(t, srv, id)
		if st, body := cl.JSON("PUT", "/api/v1/settings", map[string]any{"ranking_enabled": true}); st != 403 {
			t.Errorf("user %d PUT: %d %s", id, st, body)
		}
		if resp := cl.Form("POST", "/admin/settings", url.Values{"ranking_enabled": {"1"}}); resp.StatusCode != 403 {
			t.Errorf("user %d form: %d", id, resp.StatusCode)
		}
		for _, p := range []string{"/admin/settings", "/api/v1/settings"} {
			if st, _ := cl.Get(p); st != 403 {
				t.Errorf("user %d GET %s: %d", id, p, st)
			}
		}
	}
	// Bad input is a Chinese 422, a missing CSRF token 403; nothing changes.
	for _, in := range []any{map[string]any{}, map[string]any{"ranking_enabled": "yes"}, map[string]any{"ranking_enabled": nil},
		map[string]any{"ranking_enabled": true}, map[string]any{"ranking_enabled": false, "retake_after_pass": "no"}} {
		if st, body := admin.JSON("PUT", "/api/v1/settings", in); st != 422 || webtest.ErrorCode(body) != "validation_failed" {
			t.Errorf("PUT %v: %d %s", in, st, body)
		}
	}
	resp := admin.Form("POST", "/admin/settings", url.Values{"ranking_enabled": {"2"}})
	if page := readAll(t, resp.Body); resp.StatusCode != 422 || !strings.Contains(page, "请选择是否显示乡镇排名") {
		t.Errorf("form with a bad value: %d", resp.StatusCode)
	}
	noToken := *admin
	noToken.CSRF = ""
	if st, _ := noToken.JSON("PUT", "/api/v1/settings", map[string]any{"ranking_enabled": true}); st != 403 {
		t.Errorf("PUT without CSRF token: %d", st)
	}
	checkRanking(t, "after refused changes", admin, false)

	// The admin switches it on through the API…
	st, body = admin.JSON("PUT", "/api/v1/settings", map[string]any{"ranking_enabled": true, "retake_after_pass": false})
	if st != 200 || !strings.Contains(string(body), `"ranking_enabled":true`) || !strings.Contains(string(body), "测试admin") {
		t.Fatalf("admin PUT: %d %s", st, body)
	}
	checkRanking(t, "switched on", admin, true)
	// retake_after_pass is its own switch, read by exams through settings.Store.RetakeAfterPass.
	if st, body := admin.JSON("PUT", "/api/v1/settings", map[string]any{"ranking_enabled": true, "retake_after_pass": true}); st != 200 ||
		!strings.Contains(string(body), `"retake_after_pass":true`) {
		t.Fatalf("retake on: %d %s", st, body)
	}
	if on, err := settings.NewStore(db).RetakeAfterPass(context.Background()); err != nil || !on {
		t.Fatalf("RetakeAfterPass after switching on: %v %v", on, err)
	}
	// …an organizer still sees only the own township, never a rank…
	if _, page := webtest.AsUser(t, srv, c.Organizers[0]).Get("/admin/reports"); strings.Contains(page, `class="rank-no`) {
		t.Errorf("an organizer's page ranks")
	}
	// …and off again through the form.
	resp = admin.Form("POST", "/admin/settings", url.Values{"ranking_enabled": {"0"}, "retake_after_pass": {"0"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/admin/settings" {
		t.Fatalf("form: %d", resp.StatusCode)
	}
	if st, page := admin.Get("/admin/settings"); st != 200 || !strings.Contains(page, "设置已保存") || !strings.Contains(page, "国办函〔2026〕12号") {
		t.Errorf("settings page after saving: %d", st)
	}
	checkRanking(t, "switched off", admin, false)
}

// checkRanking looks for the rank in the county's completion workbook (汇总, read back by
// openpyxl), on the reports page and in the summary JSON.
func checkRanking(t *testing.T, when string, admin *webtest.Client, on bool) {
	t.Helper()
	resp := admin.Do("GET", "/api/v1/reports/completion.xlsx", nil, "")
	data := readAll(t, resp.Body)
	if resp.StatusCode != 200 || !bytes.HasPrefix([]byte(data), []byte("PK")) {
		t.Fatalf("%s: completion.xlsx %d %.200s", when, resp.StatusCode, data)
	}
	summary := workbooktest.Read(t, []byte(data))["汇总"]
	if len(summary.Rows) < 3 {
		t.Fatalf("%s: 汇总 has %d rows", when, len(summary.Rows))
	}
	if got := slices.Contains(summary.Rows[1], "排名"); got != on {
		t.Errorf("%s: 汇总 header %v, 排名 shown %v", when, summary.Rows[1], got)
	}
	noted := false
	for _, r := range summary.Rows {
		noted = noted || len(r) > 0 && strings.HasPrefix(r[0], "排名依次按")
	}
	if noted != on {
		t.Errorf("%s: note on ranking shown %v", when, noted)
	}
	_, page := admin.Get("/admin/reports")
	if got := strings.Contains(page, `class="rank-no`); got != on {
		t.Errorf("%s: rank badge on the page %v", when, got)
	}
	if got := strings.Contains(page, "rank-first"); got != on {
		t.Errorf("%s: gold badge on the page %v", when, got)
	}
	_, body := admin.JSON("GET", "/api/v1/reports/completion", nil)
	if got := strings.Contains(string(body), `"rank":`); got != on {
		t.Errorf("%s: rank in the JSON %v", when, got)
	}
}

func readAll(t *testing.T, r io.ReadCloser) string {
	t.Helper()
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
