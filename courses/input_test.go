package courses

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"zhibu/app/testdb"
	"zhibu/app/web/webtest"
)

// fieldsOf returns error.fields of an API error body.
func fieldsOf(body []byte) map[string]string {
	var e struct {
		Error struct {
			Code   string            `json:"code"`
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	json.Unmarshal(body, &e)
	if e.Error.Code != "validation_failed" {
		return nil
	}
	return e.Error.Fields
}

// wantField checks a 422 validation_failed naming the field.
func wantField(t *testing.T, what string, st int, body []byte, field string) {
	t.Helper()
	if st != 422 || fieldsOf(body)[field] == "" {
		t.Errorf("%s: %d, want 422 naming %q: %.300s", what, st, field, body)
	}
}

// Text PostgreSQL refuses (NUL, invalid UTF-8) or that displays as something else (control
// and bidi characters) is a 422 naming the field on every text input of the courses,
// never a 500; line breaks and tabs stay allowed in lesson bodies and summaries.
func TestControlCharactersRefused(t *testing.T) {
	f := setup(t)
	c, l := id(f.course), id(f.lessons[0])
	course := func(field, v string) map[string]any {
		in := map[string]any{"title": "控制字符测试课", "category": "实务", "topic": "三会一课", "summary": "简介", "credit_hours": 2}
		in[field] = v
		return in
	}
	lesson := func(field, v string) map[string]any {
		in := map[string]any{"title": "第一课", "body_markdown": "## 正文", "video_url": "", "min_seconds": 60}
		in[field] = v
		return in
	}
	assignment := func(field string, v any) map[string]any {
		in := map[string]any{"year": 2026, "scope": "kinds", "branch_kinds": []string{"农村"}, "due_date": "2026-12-31"}
		in[field] = v
		return in
	}
	for _, bad := range []string{"\x00", "\u202e", "\x1b", "\ufeff", "\u0085"} {
		for _, field := range []string{"title", "topic", "summary", "category"} {
			v := "党支部" + bad + "工作"
			st, body := f.admin.JSON("POST", "/api/v1/courses", course(field, v))
			wantField(t, fmt.Sprintf("create course %s %q", field, bad), st, body, field)
			st, body = f.admin.JSON("PUT", "/api/v1/courses/"+c, course(field, v))
			wantField(t, fmt.Sprintf("update course %s %q", field, bad), st, body, field)
		}
		for _, field := range []string{"title", "body_markdown", "video_url"} {
			v := "第一" + bad + "课"
			if field == "video_url" {
				v = "https://example.org/a" + bad + "b"
			}
			st, body := f.admin.JSON("POST", "/api/v1/courses/"+c+"/lessons", lesson(field, v))
			wantField(t, fmt.Sprintf("create lesson %s %q", field, bad), st, body, field)
			st, body = f.admin.JSON("PUT", "/api/v1/lessons/"+l, lesson(field, v))
			wantField(t, fmt.Sprintf("update lesson %s %q", field, bad), st, body, field)
		}
		st, body := f.admin.JSON("POST", "/api/v1/courses/"+c+"/assignments", assignment("branch_kinds", []string{"农村" + bad}))
		wantField(t, fmt.Sprintf("assignment branch kind %q", bad), st, body, "branch_kinds")
		if strings.Contains(string(body), bad) && bad != "" {
			t.Errorf("the refused text is echoed back: %q", body)
		}
		st, body = f.admin.JSON("POST", "/api/v1/courses/"+c+"/assignments", assignment("due_date", "2026-12"+bad+"-31"))
		wantField(t, fmt.Sprintf("assignment due date %q", bad), st, body, "due_date")
		st, body = f.admin.JSON("POST", "/api/v1/courses/"+c+"/assignments", assignment("scope", "all"+bad))
		wantField(t, fmt.Sprintf("assignment scope %q", bad), st, body, "scope")
		st, body = f.admin.JSON("POST", "/api/v1/markdown/preview", map[string]any{"markdown": "# 标题" + bad})
		wantField(t, fmt.Sprintf("preview %q", bad), st, body, "markdown")
	}
	// Attachment names: bidi and invalid UTF-8 over HTTP (the multipart parser itself
	// refuses a NUL in a header, so CheckPDF is asked about that directly).
	pdf := []byte("%PDF-1.4\n%%EOF")
	for _, name := range []string{"细则\u202efdp.exe", "细则\xff.pdf", "\ufeff细则.pdf"} {
		st, body := f.admin.Upload("/api/v1/lessons/"+l+"/attachments", name, pdf, nil)
		wantField(t, fmt.Sprintf("attachment name %q", name), st, body, "file")
	}
	if err := CheckPDF("细则\x00.pdf", pdf); err == nil {
		t.Error("CheckPDF accepts a NUL in the file name")
	}
	var n int
	testdb.Get(t, f.srv.DB, &n, `SELECT count(*) FROM lesson_attachments`)
	if n != 0 {
		t.Errorf("%d refused attachments saved", n)
	}

	// Forms, where invalid UTF-8 arrives as it is.
	for _, tc := range []struct {
		path   string
		values url.Values
	}{
		{"/admin/courses", url.Values{"title": {"党章\xff学习"}, "category": {"理论"}}},
		{"/admin/courses", url.Values{"title": {"党章学习"}, "category": {"理论"}, "summary": {"简介\x00"}}},
		{"/admin/courses/" + c, url.Values{"title": {"党章学习\x00"}, "category": {"理论"}}},
		{"/admin/courses/" + c + "/lessons", url.Values{"title": {"第\xff课"}}},
		{"/admin/lessons/" + l, url.Values{"title": {"第一课"}, "body_markdown": {"正文\x00"}}},
		{"/admin/lessons/" + l, url.Values{"title": {"第一课"}, "video_url": {"https://example.org/\u202e"}}},
	} {
		if resp := f.admin.Form("POST", tc.path, tc.values); resp.StatusCode != 422 {
			t.Errorf("form %s %q: %d, want 422", tc.path, tc.values, resp.StatusCode)
		}
	}

	// Multi-line bodies and summaries keep their line breaks and tabs.
	st, body := f.admin.JSON("PUT", "/api/v1/lessons/"+l, lesson("body_markdown", "## 正文\r\n\n\t缩进\n- 列表"))
	if st != 200 {
		t.Fatalf("multi-line body: %d %s", st, body)
	}
	st, body = f.admin.JSON("POST", "/api/v1/courses", course("summary", "第一行\n第二行\t完"))
	if st != 201 {
		t.Fatalf("multi-line summary: %d %s", st, body)
	}
	// One-line fields do not take line breaks.
	st, body = f.admin.JSON("POST", "/api/v1/courses", course("title", "标题\n换行"))
	wantField(t, "title with a line break", st, body, "title")
}

// Numbers out of range, NaN and infinities are a 422 naming the field, never a 500.
func TestNumbersOutOfRange(t *testing.T) {
	f := setup(t)
	c, l := id(f.course), id(f.lessons[0])

	// The yearly 学时 target through the admin form: NaN and infinities included.
	for _, tc := range []struct{ field, value string }{
		{"target_hours", "NaN"}, {"target_hours", "Inf"}, {"target_hours", "-Inf"}, {"target_hours", "1e400"},
		{"target_hours", "1001"}, {"target_hours", "0"}, {"target_hours", "abc"},
		{"minutes_per_hour", "0"}, {"minutes_per_hour", "601"}, {"minutes_per_hour", "2147483648"},
		{"year", "1999"}, {"year", "99999"}, {"year", "abc"},
	} {
		v := url.Values{"year": {"2026"}, "target_hours": {"50"}, "minutes_per_hour": {"45"}}
		v.Set(tc.field, tc.value)
		if resp := f.admin.Form("POST", "/admin/course-years", v); resp.StatusCode != 422 {
			t.Errorf("course-years form %s=%s: %d, want 422", tc.field, tc.value, resp.StatusCode)
		}
	}
	st, body := f.admin.JSON("GET", "/api/v1/course-years", nil)
	if st != 200 || strings.Contains(string(body), "NaN") {
		t.Fatalf("course years after refused input: %d %s", st, body)
	}
	for _, tc := range []struct {
		path  string
		body  any
		field string
	}{
		{"/api/v1/course-years/2026", map[string]any{"target_hours": 1001, "minutes_per_hour": 45}, "target_hours"},
		{"/api/v1/course-years/2026", map[string]any{"target_hours": -1, "minutes_per_hour": 45}, "target_hours"},
		{"/api/v1/course-years/2026", map[string]any{"target_hours": 50, "minutes_per_hour": 1 << 31}, "minutes_per_hour"},
		{"/api/v1/course-years/2147483648", map[string]any{"target_hours": 50, "minutes_per_hour": 45}, "year"},
		{"/api/v1/course-years/1999", map[string]any{"target_hours": 50, "minutes_per_hour": 45}, "year"},
	} {
		st, body := f.admin.JSON("PUT", tc.path, tc.body)
		wantField(t, fmt.Sprintf("PUT %s %v", tc.path, tc.body), st, body, tc.field)
	}

	// Credit hours and minimum study time, by API and by form.
	for _, h := range []float64{-1, 200.01, 1e300} {
		st, body := f.admin.JSON("PUT", "/api/v1/courses/"+c, map[string]any{"title": "党章学习", "category": "理论", "credit_hours": h})
		wantField(t, fmt.Sprintf("credit_hours %v", h), st, body, "credit_hours")
	}
	for _, v := range []string{"NaN", "Inf", "-Inf", "1e400", "201", "-0.5"} {
		for _, p := range []string{"/admin/courses", "/admin/courses/" + c} {
			if resp := f.admin.Form("POST", p, url.Values{"title": {"学时测试课"}, "category": {"理论"}, "credit_hours": {v}}); resp.StatusCode != 422 {
				t.Errorf("form %s credit_hours=%s: %d, want 422", p, v, resp.StatusCode)
			}
		}
	}
	var nan int
	testdb.Get(t, f.srv.DB, &nan, `SELECT count(*) FROM courses WHERE credit_hours = 'NaN' OR title = '学时测试课'`)
	if nan != 0 {
		t.Fatal("a refused course was saved")
	}
	for _, s := range []int64{-1, 36001, 1 << 31, 1 << 40} {
		st, body := f.admin.JSON("PUT", "/api/v1/lessons/"+l, map[string]any{"title": "第一课", "min_seconds": s})
		wantField(t, fmt.Sprintf("min_seconds %d", s), st, body, "min_seconds")
	}
	for _, v := range []string{"NaN", "Inf", "-Inf", "1e300", "-1e300", "601", "-1", "153722867280912930"} {
		for _, p := range []string{"/admin/lessons/" + l, "/admin/courses/" + c + "/lessons"} {
			if resp := f.admin.Form("POST", p, url.Values{"title": {"第一课"}, "min_minutes": {v}}); resp.StatusCode != 422 {
				t.Errorf("form %s min_minutes=%s: %d, want 422", p, v, resp.StatusCode)
			}
		}
	}

	// Assignment years and township ids.
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"year": 1 << 31, "scope": "all", "due_date": "2026-12-31"}, "year"},
		{map[string]any{"year": -2026, "scope": "all", "due_date": "2026-12-31"}, "year"},
		{map[string]any{"year": 2026, "scope": "townships", "township_ids": []int64{-1}, "due_date": "2026-12-31"}, "township_ids"},
		{map[string]any{"year": 2026, "scope": "townships", "township_ids": []int64{9223372036854775807}, "due_date": "2026-12-31"}, "township_ids"},
		{map[string]any{"year": 2026, "scope": "all", "due_date": "0000-01-01"}, "due_date"},
	} {
		st, body := f.admin.JSON("POST", "/api/v1/courses/"+c+"/assignments", tc.body)
		wantField(t, fmt.Sprintf("assignment %v", tc.body), st, body, tc.field)
	}

	// Years in query strings: 422 naming year.
	for _, y := range []string{"abc", "1e3", "1999", "2101", "99999999999999999999", "-2026"} {
		for _, p := range []string{"/api/v1/me/study", "/api/v1/course-stats", "/api/v1/courses/" + c + "/progress"} {
			st, body := f.admin.JSON("GET", p+"?year="+url.QueryEscape(y), nil)
			wantField(t, p+" year="+y, st, body, "year")
		}
	}
}

// Forged ids in route parameters and query strings answer 404 (403 for a role that may
// not call the route), never 500 or 400.
func TestForgedIDs(t *testing.T) {
	f := setup(t)
	c := id(f.course)
	forged := []string{"0", "-1", "9223372036854775807", "9223372036854775808", "1e3", "abc", "1.5", "%00"}
	for _, x := range forged {
		for _, r := range []struct {
			who          *webtest.Client
			method, path string
			body         any
		}{
			{f.sec, "GET", "/api/v1/courses/" + x, nil},
			{f.sec, "GET", "/api/v1/lessons/" + x, nil},
			{f.sec, "POST", "/api/v1/lessons/" + x + "/heartbeat", map[string]any{"resume": true}},
			{f.org, "GET", "/api/v1/courses/" + x + "/progress", nil},
			{f.admin, "PUT", "/api/v1/courses/" + x, map[string]any{"title": "x", "category": "理论"}},
			{f.admin, "PUT", "/api/v1/courses/" + x + "/published", map[string]any{"published": true}},
			{f.admin, "POST", "/api/v1/courses/" + x + "/lessons", map[string]any{"title": "x"}},
			{f.admin, "PUT", "/api/v1/courses/" + x + "/lesson-order", map[string]any{"lesson_ids": []int64{}}},
			{f.admin, "PUT", "/api/v1/lessons/" + x, map[string]any{"title": "x"}},
			{f.admin, "DELETE", "/api/v1/lessons/" + x, nil},
			{f.admin, "DELETE", "/api/v1/attachments/" + x, nil},
			{f.admin, "GET", "/api/v1/courses/" + x + "/assignments", nil},
			{f.admin, "POST", "/api/v1/courses/" + x + "/assignments", map[string]any{"year": 2026, "scope": "all", "due_date": "2026-12-31"}},
			{f.admin, "DELETE", "/api/v1/assignments/" + x, nil},
			{f.sec, "GET", "/courses/" + x, nil},
			{f.sec, "GET", "/lessons/" + x, nil},
			{f.sec, "GET", "/attachments/" + x, nil},
			{f.org, "GET", "/admin/courses/" + x + "/progress", nil},
			{f.admin, "GET", "/admin/courses/" + x + "/edit", nil},
			{f.admin, "GET", "/admin/lessons/" + x + "/edit", nil},
			// Township and branch filters of the oversight routes.
			{f.org, "GET", "/api/v1/courses/" + c + "/progress?township=" + x, nil},
			{f.admin, "GET", "/api/v1/courses/" + c + "/progress?branch=" + x, nil},
			{f.org, "GET", "/api/v1/course-stats?township=" + x, nil},
			{f.org, "GET", "/admin/courses/" + c + "/progress?branch=" + x, nil},
		} {
			want := 404
			if x == "0" && strings.Contains(r.path, "?") {
				want = 200 // 0 is no filter
			}
			st, body := r.who.JSON(r.method, r.path, r.body)
			if st != want {
				t.Errorf("%s %s: %d, want %d: %.200s", r.method, r.path, st, want, body)
			}
		}
		for _, p := range []string{"/admin/courses/" + x, "/admin/courses/" + x + "/publish", "/admin/courses/" + x + "/lessons",
			"/admin/courses/" + x + "/assignments", "/admin/assignments/" + x + "/delete", "/admin/lessons/" + x,
			"/admin/lessons/" + x + "/move", "/admin/lessons/" + x + "/delete", "/admin/attachments/" + x + "/delete"} {
			if resp := f.admin.Form("POST", p, url.Values{"title": {"x"}, "category": {"理论"}, "year": {"2026"}, "scope": {"all"},
				"due_date": {"2026-12-31"}, "published": {"1"}}); resp.StatusCode != 404 {
				t.Errorf("POST %s: %d, want 404", p, resp.StatusCode)
			}
		}
	}
	// Another township or its branch: 404 for an organizer.
	var otherBranch int64
	testdb.Get(t, f.srv.DB, &otherBranch, `SELECT branch_id FROM users WHERE id = $1`, f.county.Secretaries[1][0])
	for _, p := range []string{
		"/api/v1/courses/" + c + "/progress?township=" + id(f.county.Townships[1]),
		"/api/v1/courses/" + c + "/progress?branch=" + id(otherBranch),
		"/api/v1/course-stats?township=" + id(f.county.Townships[1]),
		"/admin/courses/" + c + "/progress?branch=" + id(otherBranch),
	} {
		if st, body := f.org.JSON("GET", p, nil); st != 404 {
			t.Errorf("organizer %s: %d, want 404: %.200s", p, st, body)
		}
	}
}
