package roll

import (
	"strings"
	"testing"
	"time"

	"zhibu/app/web"
)

func TestMarks(t *testing.T) {
	for _, c := range []struct {
		status        string
		valid, filter bool
		attended      bool
		label         string
	}{
		{Present, true, true, true, "出勤"},
		{Late, true, true, true, "迟到"},
		{Leave, true, true, false, "请假"},
		{Absent, true, true, false, "缺勤"},
		{"", false, true, false, "未点名"},
		{Unmarked, false, true, false, "未点名"},
		{"PRESENT", false, false, false, "未点名"},
		{"excused", false, false, false, "未点名"},
	} {
		if got := Valid(c.status); got != c.valid {
			t.Errorf("Valid(%q) = %v", c.status, got)
		}
		if got := ValidFilter(c.status); got != c.filter {
			t.Errorf("ValidFilter(%q) = %v", c.status, got)
		}
		if got := Attended(c.status); got != c.attended {
			t.Errorf("Attended(%q) = %v", c.status, got)
		}
		if got := Label(c.status); got != c.label {
			t.Errorf("Label(%q) = %q", c.status, got)
		}
	}
	if len(Statuses) != 4 || Statuses[0] != Present {
		t.Fatalf("buttons: %v", Statuses)
	}
}

func TestValidate(t *testing.T) {
	many := make([]Record, MaxRecords+1)
	for i := range many {
		many[i] = Record{UserID: int64(i + 1), Status: Present}
	}
	for _, c := range []struct {
		name string
		in   Input
		want string // part of the records message; "" valid
	}{
		{"one", Input{Records: []Record{{7, Present}}}, ""},
		{"every mark", Input{Records: []Record{{1, Present}, {2, Late}, {3, Leave}, {4, Absent}}}, ""},
		{"none", Input{}, "至少"},
		{"too many", Input{Records: many}, "最多"},
		{"no person", Input{Records: []Record{{7, Present}, {0, Present}}}, "第 2 条缺少人员"},
		{"bad mark", Input{Records: []Record{{7, "here"}}}, "第 1 条的考勤状态"},
		{"unmarked is no mark", Input{Records: []Record{{7, Unmarked}}}, "考勤状态"},
		{"twice", Input{Records: []Record{{7, Present}, {7, Absent}}}, "第 2 条重复"},
	} {
		errs := c.in.Validate()
		if c.want == "" {
			if errs != nil {
				t.Errorf("%s: %v", c.name, errs)
			}
			continue
		}
		if !strings.Contains(errs["records"], c.want) {
			t.Errorf("%s: %v, want %q", c.name, errs, c.want)
		}
	}
}

func TestDayRefusal(t *testing.T) {
	day := time.Date(2026, 5, 12, 0, 0, 0, 0, time.UTC) // a date as the database gives it
	for _, c := range []struct {
		name string
		now  time.Time
		open bool
	}{
		{"the day before, late evening in China", time.Date(2026, 5, 11, 23, 59, 0, 0, web.China), false},
		{"the day, first minute in China (still the 11th in UTC)", time.Date(2026, 5, 12, 0, 0, 0, 0, web.China), true},
		{"the day, evening", time.Date(2026, 5, 12, 22, 0, 0, 0, web.China), true},
		{"days later (a correction)", time.Date(2026, 6, 1, 9, 0, 0, 0, web.China), true},
	} {
		why := DayRefusal(c.now, day)
		if (why == "") != c.open {
			t.Errorf("%s: %q", c.name, why)
		}
	}
}

func TestTally(t *testing.T) {
	tl := Tally{People: 10, Present: 4, Late: 1, Leave: 2, Absent: 1, Unmarked: 2}
	if tl.Marked() != 8 || tl.Attended() != 5 {
		t.Fatalf("marked %d attended %d", tl.Marked(), tl.Attended())
	}
	for st, n := range map[string]int{"": 10, Unmarked: 2, Present: 4, Late: 1, Leave: 2, Absent: 1, "x": 0} {
		if tl.Of(st) != n {
			t.Errorf("Of(%q) = %d, want %d", st, tl.Of(st), n)
		}
	}
}

func TestBackTo(t *testing.T) {
	base := "/admin/tours/7/days/3"
	for back, want := range map[string]string{
		base + "?status=unmarked&page=2": base + "?status=unmarked&page=2#u9",
		base:                             base + "#u9",
		"https://evil.example/":          base + "#u9",
		base + "0?x=1":                   base + "#u9",
		"":                               base + "#u9",
	} {
		if got := BackTo(back, base, 9); got != want {
			t.Errorf("BackTo(%q) = %q, want %q", back, got, want)
		}
	}
}

// AttendedSQL says what Attended says, for every mark and for none: the SQL that counts
// attendance (reports, the 学习档案, a tour's roster) and the Go that credits 学时 agree.
func TestAttendedSQL(t *testing.T) {
	list := strings.TrimSuffix(strings.TrimPrefix(AttendedSQL, "a.status IN ("), ")")
	if list == AttendedSQL {
		t.Fatalf("AttendedSQL %q is not of the form a.status IN (…)", AttendedSQL)
	}
	inSQL := map[string]bool{}
	for _, v := range strings.Split(list, ",") {
		inSQL[strings.Trim(strings.TrimSpace(v), "'")] = true
	}
	for _, s := range append(append([]string{}, Statuses...), "", Unmarked) {
		if inSQL[s] != Attended(s) {
			t.Errorf("mark %q: AttendedSQL counts it %v, Attended says %v", s, inSQL[s], Attended(s))
		}
	}
}
