package record

import (
	"errors"
	"testing"
	"time"

	"zhibu/app/figures"
	"zhibu/app/hours"
	"zhibu/app/web"
)

func TestReportState(t *testing.T) {
	for _, tc := range []struct {
		status string
		asked  bool
		want   string
		label  string
	}{
		{"", false, ReportNone, "无需提交"},
		{"", true, ReportMissing, "未交"},
		{"submitted", true, ReportSubmitted, "已交待审"},
		{"accepted", true, ReportAccepted, "已通过"},
		{"returned", true, ReportReturned, "已退回"},
		{"accepted", false, ReportAccepted, "已通过"}, // a report is shown even if no longer asked for
		{"bogus", true, ReportMissing, "未交"},
	} {
		got := ReportState(tc.status, tc.asked)
		if got != tc.want || ReportLabel(got) != tc.label {
			t.Errorf("ReportState(%q, %v) = %q %q, want %q %q", tc.status, tc.asked, got, ReportLabel(got), tc.want, tc.label)
		}
	}
}

// 得分率 is figures': best ÷ full marks, only for an exam taken.
func TestScoreRate(t *testing.T) {
	for _, tc := range []struct {
		s    figures.Sitting
		want float64
		ok   bool
	}{
		{figures.Sitting{Finished: 2, Best: 75, Full: 100, Passed: true}, 0.75, true},
		{figures.Sitting{Finished: 1, Best: 30, Full: 40}, 0.75, true},
		{figures.Sitting{Finished: 1, Best: 0, Full: 100}, 0, true},
		{figures.Sitting{Finished: 0, Best: 0, Full: 100}, 0, false},
		{figures.Sitting{Finished: 1, Best: 5, Full: 0}, 0, false},
	} {
		got, ok := ScoreRate(tc.s)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ScoreRate(%+v) = %v %v, want %v %v", tc.s, got, ok, tc.want, tc.ok)
		}
	}
}

// Attach books every entry on an item — one the record did not list yet too — so the
// items always add up to the ledger's total, with the ledger's own rounding.
func TestAttachAddsUpToTheLedger(t *testing.T) {
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, web.China)
	for _, tc := range []struct {
		name    string
		entries []Entry
		total   float64
		online  float64
		courses int
		classes int
		tours   int
		credits int
		reached bool
	}{
		{"nothing", nil, 0, 0, 2, 1, 1, 0, false},
		{"on listed items", []Entry{
			{Source: hours.SourceCourse, SourceID: 1, Online: true, Hours: 0.1},
			{Source: hours.SourceCourse, SourceID: 2, Online: true, Hours: 0.2},
			{Source: hours.SourceClass, SourceID: 7, Hours: 4},
			{Source: hours.SourceTour, SourceID: 9, Hours: 5},
			{ID: 11, Source: hours.SourceManual, Hours: 8, Note: "党校"},
		}, 17.3, 0.3, 2, 1, 1, 1, false},
		{"items the record did not list", []Entry{
			{Source: hours.SourceCourse, SourceID: 3, Online: true, Hours: 1, Note: "旧课程", CreditedAt: at},
			{Source: hours.SourceClass, SourceID: 8, Hours: 2, Note: "另一个班"},
			{Source: hours.SourceTour, SourceID: 10, Hours: 3, Note: "跨年考察"},
		}, 6, 1, 3, 2, 2, 0, false},
		{"reaching the target exactly", []Entry{{ID: 1, Source: hours.SourceManual, Hours: 30}, {ID: 2, Source: hours.SourceManual, Hours: 20}}, 50, 0, 2, 1, 1, 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &Record{Target: 50,
				Courses: []Course{{CourseID: 1, Required: true, Completed: true}, {CourseID: 2}},
				Classes: []Class{{ClassID: 7}}, Tours: []Tour{{TourID: 9}}}
			Attach(r, tc.entries)
			if r.Total != tc.total || r.Online != tc.online || r.ItemHours() != r.Total || r.Reached != tc.reached {
				t.Errorf("total %v online %v items %v reached %v; want %v %v %v", r.Total, r.Online, r.ItemHours(), r.Reached, tc.total, tc.online, tc.reached)
			}
			if len(r.Courses) != tc.courses || len(r.Classes) != tc.classes || len(r.Tours) != tc.tours || len(r.Credits) != tc.credits {
				t.Errorf("items %d %d %d %d; want %d %d %d %d", len(r.Courses), len(r.Classes), len(r.Tours), len(r.Credits),
					tc.courses, tc.classes, tc.tours, tc.credits)
			}
		})
	}
}

func TestTownshipFor(t *testing.T) {
	admin, org := web.Scope{All: true}, web.Scope{TownshipID: 3}
	for _, tc := range []struct {
		scope     web.Scope
		requested int64
		want      int64
		err       error
	}{
		{org, 0, 3, nil},
		{org, 3, 3, nil},
		{org, 4, 0, ErrTownshipNotFound},
		{admin, 0, 0, ErrTownshipRequired},
		{admin, 4, 4, nil},
	} {
		got, err := TownshipFor(tc.scope, tc.requested)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("TownshipFor(%+v, %d) = %d %v, want %d %v", tc.scope, tc.requested, got, err, tc.want, tc.err)
		}
	}
}

func TestParseInput(t *testing.T) {
	now := time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC) // already 2027 in China
	for v, want := range map[string]int{"": 2027, "2026": 2026, "2000": 2000, "2100": 2100} {
		if y, err := ParseYear(v, now); y != want || err != nil {
			t.Errorf("ParseYear(%q) = %d %v", v, y, err)
		}
	}
	for _, v := range []string{"1999", "2101", "abc", "20.5", "-2026"} {
		if _, err := ParseYear(v, now); !errors.Is(err, ErrBadYear) {
			t.Errorf("ParseYear(%q): %v", v, err)
		}
	}
	for v, want := range map[string]error{"": nil, "7": nil, "abc": ErrBadTownship, "-1": ErrTownshipNotFound, "0": ErrTownshipNotFound} {
		if _, err := ParseTownship(v); !errors.Is(err, want) {
			t.Errorf("ParseTownship(%q): %v, want %v", v, err, want)
		}
	}
}
