package courses

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Demo courses are Markdown files in demo/: front matter between "---" lines (title,
// category, topic, hours, summary, required, min_minutes, reason), then lessons, each
// starting with a line "# 课时标题". A file's hours agree with its lessons' minimum times
// under the demo year's conversion, or the file gives the reason (CreditCheck; checked by
// TestDemoHoursConsistent).
//
//go:embed demo
var demoFS embed.FS

// DemoCourse is one parsed demo file.
type DemoCourse struct {
	Course     CourseInput
	Required   bool
	MinSeconds int // per lesson
	Lessons    []LessonInput
}

// ParseDemo parses one demo course file.
func ParseDemo(name string, src []byte) (DemoCourse, error) {
	var d DemoCourse
	text := strings.ReplaceAll(string(src), "\r\n", "\n")
	text = strings.TrimPrefix(text, "\ufeff")
	lines := strings.Split(text, "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		return d, fmt.Errorf("%s: must start with a --- front matter line", name)
	}
	end := -1
	for i := 1; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "---" {
			end = i
			break
		}
	}
	if end < 0 {
		return d, fmt.Errorf("%s: front matter is not closed by ---", name)
	}
	d.MinSeconds = 300
	for _, l := range lines[1:end] {
		k, v, ok := strings.Cut(l, ":")
		if !ok || strings.TrimSpace(l) == "" {
			continue
		}
		k, v = strings.TrimSpace(k), strings.Trim(strings.TrimSpace(v), `"'`)
		switch k {
		case "title":
			d.Course.Title = v
		case "category":
			d.Course.Category = v
		case "topic":
			d.Course.Topic = v
		case "summary":
			d.Course.Summary = v
		case "hours":
			h, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return d, fmt.Errorf("%s: hours %q is not a number", name, v)
			}
			d.Course.CreditHours = h
		case "reason":
			d.Course.CreditReason = v
		case "required":
			d.Required = v == "true" || v == "yes" || v == "是"
		case "min_minutes":
			m, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return d, fmt.Errorf("%s: min_minutes %q is not a number", name, v)
			}
			d.MinSeconds = int(m * 60)
		}
	}
	var cur *LessonInput
	var body []string
	fenced := false
	flush := func() {
		if cur != nil {
			cur.Body = strings.TrimSpace(strings.Join(body, "\n")) + "\n"
			d.Lessons = append(d.Lessons, *cur)
		}
		body = nil
	}
	for _, l := range lines[end+1:] {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			fenced = !fenced
		}
		if !fenced && strings.HasPrefix(l, "# ") {
			flush()
			cur = &LessonInput{Title: strings.TrimSpace(l[2:]), MinSeconds: d.MinSeconds}
			continue
		}
		if cur == nil {
			if strings.TrimSpace(l) != "" {
				return d, fmt.Errorf("%s: text before the first lesson heading (# 标题)", name)
			}
			continue
		}
		body = append(body, l)
	}
	flush()
	if f := d.Course.Validate(); f != nil {
		return d, fmt.Errorf("%s: %s", name, fieldsMessage(f))
	}
	if len(d.Lessons) == 0 {
		return d, fmt.Errorf("%s: no lessons (lines starting with \"# \")", name)
	}
	for i := range d.Lessons {
		if f := d.Lessons[i].Validate(); f != nil {
			return d, fmt.Errorf("%s lesson %d: %s", name, i+1, fieldsMessage(f))
		}
	}
	return d, nil
}

// DemoCourses parses every embedded demo file, in file name order.
func DemoCourses() ([]DemoCourse, error) {
	files, err := fs.Glob(demoFS, "demo/*.md")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []DemoCourse
	for _, f := range files {
		src, err := demoFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		d, err := ParseDemo(path.Base(f), src)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// DemoTargetHours is the demo year's 学时 target (course_years), set by SeedDemo: what
// the demo content can reach — the demo courses' 学时 (7, all of them completed) plus a
// little offline training, such as one half-day session (3 学时) of the demo class — so
// that a demo secretary can see the target met. It is no national figure: a year nobody
// configured keeps figures.DefaultTargetHours. TestDemoHoursConsistent checks the sum.
const DemoTargetHours = 10

// demoOfflineHours bounds the "little offline" DemoTargetHours counts on.
const demoOfflineHours = 4

// SeedDemo loads the demo courses (idempotently, by title: an existing course gets the
// file's current text), publishes them, makes the required ones 必修 for this year for
// the whole county due in about two months, and sets this year's target to
// DemoTargetHours unless an admin changed it from the placeholder.
func SeedDemo(ctx context.Context, db *sqlx.DB) error {
	list, err := DemoCourses()
	if err != nil {
		return err
	}
	s, now := NewStore(db, Deps{}), time.Now()
	if err := s.seedCourses(ctx, list, now); err != nil {
		return err
	}
	return s.seedProgress(ctx, list, now)
}
