package web

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"zhibu/static"
)

func TestNavSectionCoversEveryPageOfASection(t *testing.T) {
	for path, want := range map[string]string{
		"/":                        "home",
		"/courses":                 "courses",
		"/courses/12":              "courses",
		"/lessons/5":               "courses",
		"/attachments/3":           "courses",
		"/admin/courses/4/edit":    "courses",
		"/admin/lessons/8/edit":    "courses",
		"/admin/course-years":      "courses",
		"/exams":                   "exams",
		"/exams/attempts/9/result": "exams",
		"/attempts/9":              "exams",
		"/admin/exams/3":           "exams",
		"/admin/questions/import":  "exams",
		"/tours/4":                 "tours",
		"/admin/tours/4/nominate":  "tours",
		"/admin/users/7":           "users",
		"/admin/roster/preview":    "users",
		"/admin/org":               "org",
		"/admin/org/branches/2":    "org",
		"/admin/reports":           "reports",
		"/me":                      "me",
		"/password":                "me",
		"/tools/candidates/3":      "me",
		"/admin/record/people/5":   "reports",
		"/coursesx":                "",
		"/admin/organizer":         "",
		"/admin/settings":          "",
		"/login":                   "",
	} {
		if got := NavSection(path); got != want {
			t.Errorf("NavSection(%q) = %q, want %q", path, got, want)
		}
	}
	for _, tc := range []struct{ path, section, href, want string }{
		{"/courses", "courses", "/courses", "page"},
		{"/courses/12", "courses", "/courses", "true"},
		{"/courses/12", "exams", "/exams", ""},
		{"/", "home", "/", "page"},
		{"/me", "home", "/", ""},
	} {
		if got := navCurrent(tc.path, tc.section, tc.href); got != tc.want {
			t.Errorf("navCurrent(%q, %q, %q) = %q, want %q", tc.path, tc.section, tc.href, got, tc.want)
		}
	}
}

// Tab labels, deadlines and other small grey text stay readable on a phone: at least
// 14 px and a grey at least as dark as #595959.
func TestSmallTextIsReadable(t *testing.T) {
	b, err := static.FS.ReadFile("css/app.css")
	if err != nil {
		t.Fatal(err)
	}
	css := string(b)
	for _, sel := range []string{".tabbar a", ".small", ".hint", ".tag"} {
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sel) + `\{[^}]*font-size:([0-9.]+)(rem|px)`).FindStringSubmatch(css)
		if m == nil {
			t.Errorf("%s: no font-size", sel)
			continue
		}
		px, _ := strconv.ParseFloat(m[1], 64)
		if m[2] == "rem" {
			px *= 16
		}
		if px < 14 {
			t.Errorf("%s: font-size %s%s is under 14px", sel, m[1], m[2])
		}
	}
	m := regexp.MustCompile(`--muted:#([0-9a-fA-F]{6})`).FindStringSubmatch(css)
	if m == nil {
		t.Fatal("no --muted colour")
	}
	for i := 0; i < 6; i += 2 {
		if v, _ := strconv.ParseUint(strings.ToLower(m[1][i:i+2]), 16, 8); v > 0x59 {
			t.Errorf("--muted #%s is lighter than #595959", m[1])
		}
	}
}
