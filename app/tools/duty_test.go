package tools

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

func thisYear() int { return time.Now().In(web.China).Year() }

// tick posts the tick form and returns the status and where it went.
func tick(c *webtest.Client, key, done string) (int, string) {
	c.T.Helper()
	resp := c.Form("POST", "/tools/duty/ticks", url.Values{"key": {key}, "done": {done}})
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Location")
}

// ticked tells whether the item of key shows as ticked on the caller's calendar.
func ticked(t *testing.T, c *webtest.Client, year int, key string) bool {
	t.Helper()
	st, page := c.Get(fmt.Sprintf("/tools/duty?year=%d", year))
	if st != 200 {
		t.Fatalf("calendar %d: %d", year, st)
	}
	i := strings.Index(page, `id="`+key+`"`)
	if i < 0 {
		t.Fatalf("calendar %d has no item %s", year, key)
	}
	item := page[i:]
	item = item[:strings.Index(item, "</li>")]
	return strings.Contains(item, "☑ 已做")
}

// The calendar renders for every role; 「本月要做」 holds this month's items.
func TestDutyPage(t *testing.T) {
	cl := setupAids(t)
	y := thisYear()
	m := int(time.Now().In(web.China).Month())
	for role, c := range cl.roles() {
		st, page := c.Get("/tools/duty")
		if st != 200 || !strings.Contains(page, fmt.Sprintf("%d年履职清单", y)) || !strings.Contains(page, "本月要做") {
			t.Fatalf("%s: %d", role, st)
		}
		if !strings.Contains(page, fmt.Sprintf(`id="%d-%02d-zwh"`, y, m)) || !strings.Contains(page, "duty-month-current") {
			t.Errorf("%s: this month missing", role)
		}
		if !strings.Contains(page, "/courses/lesson-of-") || !strings.Contains(page, "《中国共产党支部工作条例（试行）》第十二条") {
			t.Errorf("%s: no lesson or rule", role)
		}
		if st, page := c.Get(fmt.Sprintf("/tools/duty?year=%d", y-1)); st != 200 || strings.Contains(page, "本月要做") {
			t.Errorf("%s: last year %d", role, st)
		}
	}
	// The secretary's kind is the branch's: 农村, 5 years; staff choose one.
	_, page := cl.secA.Get("/tools/duty")
	if !strings.Contains(page, "「农村」（支委会每届任期5年）") || strings.Contains(page, `<select id="kind"`) {
		t.Error("secretary: branch kind not used")
	}
	_, page = cl.secA.Get("/tools/duty?kind=" + url.QueryEscape("机关"))
	if !strings.Contains(page, "「农村」") {
		t.Error("a secretary's kind was overridden by ?kind=")
	}
	_, page = cl.org.Get("/tools/duty")
	if !strings.Contains(page, `<select id="kind"`) || !strings.Contains(page, "选择支部类型") {
		t.Error("organizer: no kind chooser")
	}
	_, page = cl.org.Get("/tools/duty?kind=" + url.QueryEscape("机关"))
	if !strings.Contains(page, "「机关」（支委会每届任期3年）") {
		t.Error("organizer: chosen kind not used")
	}
	for _, q := range []string{"year=abc", "year=1800", fmt.Sprintf("year=%d", y+2), "year=2018"} {
		if st, page := cl.secA.Get("/tools/duty?" + q); st != 422 || !strings.Contains(page, "年份须在") {
			t.Errorf("%s: %d", q, st)
		}
		if st, out := cl.secA.JSON("GET", "/api/v1/tools/duty?"+q, nil); st != 422 || webtest.ErrorCode(out) != "validation_failed" {
			t.Errorf("api %s: %d %s", q, st, out)
		}
	}
	if st, _ := cl.anon.Get("/tools/duty"); st != 302 && st != 303 {
		t.Errorf("anonymous: %d, want a redirect to the login", st)
	}
	if st, _ := cl.anon.JSON("GET", "/api/v1/tools/duty", nil); st != 401 {
		t.Errorf("anonymous api: %d", st)
	}
}

// Ticks are idempotent, can be undone, and are private: nobody else — not the other
// secretary of the same branch, not the organizer or admin — sees them.
func TestDutyTicksPrivate(t *testing.T) {
	cl := setupAids(t)
	y := thisYear()
	key := fmt.Sprintf("%d-03-zwh", y)
	for i := 0; i < 2; i++ { // twice: still one tick
		st, loc := tick(cl.secA, key, "1")
		if st != 303 || loc != fmt.Sprintf("/tools/duty?year=%d#%s", y, key) {
			t.Fatalf("tick: %d %s", st, loc)
		}
	}
	var n int
	testdb.Get(t, cl.srv.DB, &n, `SELECT count(*) FROM tool_duty_ticks WHERE item_key = $1 AND user_id = $2`, key, cl.county.Secretaries[0][0])
	if n != 1 {
		t.Fatalf("%d ticks after ticking twice", n)
	}
	if !ticked(t, cl.secA, y, key) {
		t.Fatal("A does not see the tick")
	}
	for name, c := range map[string]*webtest.Client{"B": cl.secB, "C": cl.secC, "organizer": cl.org, "admin": cl.admin} {
		if ticked(t, c, y, key) {
			t.Errorf("%s sees A's tick", name)
		}
		_, out := c.JSON("GET", fmt.Sprintf("/api/v1/tools/duty?year=%d", y), nil)
		if strings.Contains(string(out), `"ticked":true`) {
			t.Errorf("%s's API shows a tick", name)
		}
	}
	// B's own tick of the same key is B's alone; A's stays.
	if st, out := cl.secB.JSON("PUT", "/api/v1/tools/duty/ticks/"+key, nil); st != 200 || !strings.Contains(string(out), `"ticked":true`) {
		t.Fatalf("B api tick: %d %s", st, out)
	}
	if st, _ := cl.secB.JSON("DELETE", "/api/v1/tools/duty/ticks/"+key, nil); st != 200 {
		t.Fatalf("B api untick: %d", st)
	}
	if !ticked(t, cl.secA, y, key) {
		t.Fatal("B's untick removed A's tick")
	}
	var v dutyView
	_, out := cl.secA.JSON("GET", fmt.Sprintf("/api/v1/tools/duty?year=%d", y), nil)
	webtest.Decode(t, out, &v)
	if v.Year != y || v.Kind != "农村" || v.TermYears != 5 || len(v.Quarters) != 4 || !v.Quarters[0].Months[2].Items[0].Ticked ||
		v.Quarters[0].Months[2].Items[0].Key != key || v.Quarters[0].Months[2].Items[1].Ticked {
		t.Fatalf("api view: %s", out)
	}
	// Untick by the form, twice: gone, no error.
	for i := 0; i < 2; i++ {
		if st, _ := tick(cl.secA, key, "0"); st != 303 {
			t.Fatalf("untick: %d", st)
		}
	}
	if ticked(t, cl.secA, y, key) {
		t.Fatal("untick kept the tick")
	}
	// Staff tick their own.
	if st, _ := tick(cl.admin, fmt.Sprintf("%d-q4-zzshh", y), "1"); st != 303 || !ticked(t, cl.admin, y, fmt.Sprintf("%d-q4-zzshh", y)) {
		t.Fatal("admin cannot tick")
	}
	if ticked(t, cl.org, y, fmt.Sprintf("%d-q4-zzshh", y)) {
		t.Fatal("the organizer sees the admin's tick")
	}
}

// Forged keys and years are refused with 422, by the form and the API; nothing is stored.
func TestDutyForgedKeys(t *testing.T) {
	cl := setupAids(t)
	y := thisYear()
	for _, key := range []string{"", "x", fmt.Sprintf("%d-13-zwh", y), fmt.Sprintf("%d-03-evil", y), fmt.Sprintf("%d-q2-zzshh", y),
		fmt.Sprintf("%d-03-zwh", y+2), "1800-03-zwh", "2018-q1-dydh", fmt.Sprintf("%d-03-zwh'; DROP TABLE x", y),
		strings.Repeat("9", 60)} {
		if st, _ := tick(cl.secA, key, "1"); st != 422 {
			t.Errorf("form %q: %d", key, st)
		}
		if key == "" {
			continue
		}
		st, out := cl.secA.JSON("PUT", "/api/v1/tools/duty/ticks/"+url.PathEscape(key), nil)
		if st != 422 || webtest.ErrorCode(out) != "validation_failed" {
			t.Errorf("api %q: %d %s", key, st, out)
		}
		if st, _ := cl.secA.JSON("DELETE", "/api/v1/tools/duty/ticks/"+url.PathEscape(key), nil); st != 422 {
			t.Errorf("api delete %q: %d", key, st)
		}
	}
	var n int
	testdb.Get(t, cl.srv.DB, &n, `SELECT count(*) FROM tool_duty_ticks WHERE user_id = $1`, cl.county.Secretaries[0][0])
	if n != 0 {
		t.Fatalf("%d ticks stored", n)
	}
	if st, _ := cl.anon.JSON("PUT", fmt.Sprintf("/api/v1/tools/duty/ticks/%d-03-zwh", y), nil); st != 401 && st != 403 {
		t.Errorf("anonymous tick: %d", st)
	}
}

// The term start is private, validated, and drives the 换届 note and items.
func TestDutyTerm(t *testing.T) {
	cl := setupAids(t)
	today := time.Now().In(web.China)
	// 农村: 5 years. A term that started 4 years and 7 months ago ends in 5 months: the
	// reminder has come.
	start := time.Date(today.Year()-4, today.Month()-7, 1, 0, 0, 0, 0, web.China)
	resp := cl.secA.Form("POST", "/tools/duty/term", url.Values{"term_start": {start.Format("2006-01-02")}, "year": {fmt.Sprint(today.Year())}})
	resp.Body.Close()
	if resp.StatusCode != 303 {
		t.Fatalf("term: %d", resp.StatusCode)
	}
	_, page := cl.secA.Get("/tools/duty")
	if !strings.Contains(page, "已不足6个月") || !strings.Contains(page, `value="`+start.Format("2006-01-02")+`"`) {
		t.Fatal("the reminder is not shown")
	}
	end, remind := TermEnd(time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC), 5)
	_, out := cl.secA.JSON("GET", fmt.Sprintf("/api/v1/tools/duty?year=%d", remind.Year()), nil)
	if !strings.Contains(string(out), fmt.Sprintf(`"key":"%d-%02d-hjtx"`, remind.Year(), remind.Month())) {
		t.Fatalf("no reminder item in %d: %s", remind.Year(), out)
	}
	_, out = cl.secA.JSON("GET", fmt.Sprintf("/api/v1/tools/duty?year=%d", end.Year()), nil)
	if !strings.Contains(string(out), fmt.Sprintf(`"key":"%d-%02d-hj"`, end.Year(), end.Month())) {
		t.Fatalf("no term end item in %d", end.Year())
	}
	// B of the same branch has entered nothing.
	_, page = cl.secB.Get("/tools/duty")
	if !strings.Contains(page, "填写上次换届时间后可提醒") || strings.Contains(page, start.Format("2006-01-02")) {
		t.Fatal("B sees A's term start")
	}
	// Bad dates: 422 with the message, the typed value kept, nothing changed.
	for _, bad := range []string{"2026-02-30", "明年", today.AddDate(0, 0, 2).Format("2006-01-02"), "1999-12-31"} {
		resp := cl.secA.Form("POST", "/tools/duty/term", url.Values{"term_start": {bad}})
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 422 || !strings.Contains(string(body), "上次换届时间") || !strings.Contains(string(body), "field-error") {
			t.Errorf("term %q: %d", bad, resp.StatusCode)
		}
		st, out := cl.secA.JSON("PUT", "/api/v1/tools/duty/term", map[string]any{"term_start": bad})
		if st != 422 || !strings.Contains(string(out), `"term_start"`) {
			t.Errorf("api term %q: %d %s", bad, st, out)
		}
	}
	if st, out := cl.secA.JSON("PUT", "/api/v1/tools/duty/term", map[string]any{"term_start": 20240301}); st != 422 {
		t.Errorf("api term number: %d %s", st, out)
	}
	var got string
	testdb.Get(t, cl.srv.DB, &got, `SELECT term_start::text FROM tool_duty_terms WHERE user_id = $1`, cl.county.Secretaries[0][0])
	if got != start.Format("2006-01-02") {
		t.Fatalf("term start %s after bad input", got)
	}
	// The API sets and clears.
	st, out := cl.secA.JSON("PUT", "/api/v1/tools/duty/term", map[string]any{"term_start": nil})
	if st != 200 || !strings.Contains(string(out), "填写上次换届时间后可提醒") {
		t.Fatalf("clear: %d %s", st, out)
	}
	st, out = cl.secC.JSON("PUT", "/api/v1/tools/duty/term", map[string]any{"term_start": "2021-01-10"})
	if st != 200 || !strings.Contains(string(out), `"term_start":"2021-01-10"`) {
		t.Fatalf("C set: %d %s", st, out)
	}
	var rows int
	testdb.Get(t, cl.srv.DB, &rows, `SELECT count(*) FROM tool_duty_terms WHERE user_id = ANY($1)`,
		pq.Array([]int64{cl.county.Secretaries[0][0], cl.county.Secretaries[0][1], cl.county.Secretaries[1][2]}))
	if rows != 1 {
		t.Fatalf("%d term rows, want C's only", rows)
	}
}
