package reports

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRankSharesTiesAndSkips(t *testing.T) {
	rows := []Summary{
		{Name: "a", CompletionRate: 0.5, PassRate: 0.9},
		{Name: "b", CompletionRate: 0.9, PassRate: 0.1},
		{Name: "c", CompletionRate: 0.5, PassRate: 0.9},
		{Name: "d", CompletionRate: 0.5, PassRate: 0.9, AvgScore: 70},
		{Name: "e", CompletionRate: 0.1},
	}
	Rank(rows)
	got := ""
	for _, r := range rows {
		got += r.Name + ":" + string(rune('0'+r.Rank)) + " "
	}
	// b first; d beats a and c on the average score; a and c tie at 3; e is 5th.
	if got != "a:3 b:1 c:3 d:2 e:5 " {
		t.Errorf("ranks %s", got)
	}
}

func TestSummarizeTotalsAreNotAveragesOfRates(t *testing.T) {
	done := []CourseCell{{Applies: true, Done: true}}
	open := []CourseCell{{Applies: true}}
	secs := []Secretary{
		{TownshipID: 1, Courses: done, Hours: 4, Exams: []ExamCell{{Applies: true, Attempts: 1, Best: 90, Passed: true}}},
		{TownshipID: 2, Courses: open, Hours: 1, Exams: []ExamCell{{Applies: true}}},
		{TownshipID: 2, Courses: open, Hours: 1, Exams: []ExamCell{{Applies: true, Attempts: 2, Best: 40}}, Tours: []string{"x"}},
		{TownshipID: 2, Courses: done, Hours: 2, Exams: []ExamCell{{Applies: false}}},
	}
	rows, total := Summarize([]Township{{1, "一"}, {2, "二"}}, secs, 0.5)
	if rows[0].CompletionRate != 1 || rows[0].BelowTarget || rows[1].Expected != 3 || rows[1].Completed != 1 ||
		rows[1].Examinees != 1 || rows[1].Passed != 0 || rows[1].AvgScore != 40 || rows[1].Tourists != 1 || !rows[1].BelowTarget {
		t.Errorf("rows %+v", rows)
	}
	// 2 of 4 completed = 50% (the mean of 100% and 33% would be 67%).
	if total.CompletionRate != 0.5 || total.AvgHours != 2 || total.PassRate != 0.5 || total.AvgScore != 65 || total.BelowTarget {
		t.Errorf("total %+v", total)
	}
}

func TestSecretaryRules(t *testing.T) {
	s := Secretary{}
	if s.CompletedRequired() || s.PassedExams() {
		t.Error("nothing required means nothing completed")
	}
	s.Courses = []CourseCell{{Applies: false}, {Applies: true, Done: true}}
	if !s.CompletedRequired() {
		t.Error("courses not required of someone do not block completion")
	}
	s.Exams = []ExamCell{{Applies: true, Attempts: 1, Best: 59.5}, {Applies: true}}
	got := strings.Join(s.MissingExams([]Exam{{Title: "甲"}, {Title: "乙"}}), "；")
	if got != "《甲》未通过（最高59.5分）；《乙》未参加" || !s.TookExam() || s.PassedExams() {
		t.Errorf("missing exams %q", got)
	}
}

func TestSheetNames(t *testing.T) {
	long := strings.Repeat("长", 40)
	got := SheetNames([]Township{{1, "城关镇"}, {2, "城关镇"}, {3, "汇总"}, {4, "a/b:c?"}, {5, long}, {6, long}, {7, "  "}})
	want := []string{"城关镇", "城关镇(2)", "汇总(2)", "a_b_c_", strings.Repeat("长", 31), strings.Repeat("长", 28) + "(2)", "乡镇7"}
	for i := range want {
		if got[i] != want[i] || utf8.RuneCountInString(got[i]) > 31 {
			t.Errorf("sheet %d: %q, want %q", i, got[i], want[i])
		}
	}
}
