package reports

import (
	"strings"
	"testing"
	"unicode/utf8"

	"zhibu/app/figures"
)

func TestRankSharesTiesAndSkips(t *testing.T) {
	row := func(name string, completion, pass, score float64) Summary {
		return Summary{Name: name, Year: figures.Year{CompletionRate: completion, PassRate: pass, ScoreRate: score}}
	}
	rows := []Summary{row("a", 0.5, 0.9, 0), row("b", 0.9, 0.1, 0), row("c", 0.5, 0.9, 0), row("d", 0.5, 0.9, 0.7), row("e", 0.1, 0, 0)}
	Rank(rows)
	got := ""
	for _, r := range rows {
		got += r.Name + ":" + string(rune('0'+r.Rank)) + " "
	}
	// b first; d beats a and c on 平均得分率; a and c tie at 3; e is 5th.
	if got != "a:3 b:1 c:3 d:2 e:5 " {
		t.Errorf("ranks %s", got)
	}
}

func TestSummarizeTotalsAreNotAveragesOfRates(t *testing.T) {
	done := []CourseCell{{Applies: true, Done: true}}
	open := []CourseCell{{Applies: true}}
	exam := func(finished int, best float64, passed bool) []ExamCell {
		return []ExamCell{{Applies: true, Sitting: figures.Sitting{Finished: finished, Best: best, Full: 100, Passed: passed}}}
	}
	secs := []Secretary{
		{TownshipID: 1, BranchKind: "农村", Courses: done, Hours: 4, Exams: exam(1, 90, true)},
		{TownshipID: 2, BranchKind: "农村", Courses: open, Hours: 1, Exams: exam(0, 0, false)},
		{TownshipID: 2, BranchKind: "社区", Courses: open, Hours: 1, Exams: exam(2, 40, false), Tours: []string{"x"}},
		{TownshipID: 2, BranchKind: "农村", Courses: done, Hours: 2, Exams: []ExamCell{{Applies: false}}},
	}
	rows, total := Summarize([]Township{{1, "一"}, {2, "二"}}, secs, 0.5, 2)
	if rows[0].CompletionRate != 1 || rows[0].BelowTarget || rows[1].Expected != 3 || rows[1].Completed != 1 ||
		rows[1].Candidates != 2 || rows[1].Examinees != 1 || rows[1].Passed != 0 || rows[1].ScoreRate != 0.4 ||
		rows[1].Tourists != 1 || rows[1].HoursMet != 1 || !rows[1].BelowTarget {
		t.Errorf("rows %+v", rows)
	}
	// 2 of 4 completed = 50% (the mean of 100% and 33% would be 67%); 1 passed of 3
	// candidates.
	if total.CompletionRate != 0.5 || total.AvgHours != 2 || total.PassRate != 1.0/3 || total.ScoreRate != 0.65 || total.BelowTarget {
		t.Errorf("total %+v", total)
	}
	// By kind: 社区 1 (none completed), 农村 3 people (2 completed), in figures.BranchKinds' order.
	if k := total.Kinds; len(k) != 2 || k[0].Kind != "社区" || k[0].Expected != 1 || k[0].Completed != 0 ||
		k[1].Kind != "农村" || k[1].Expected != 3 || k[1].Completed != 2 {
		t.Errorf("kinds %+v", k)
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
	s.Exams = []ExamCell{{Applies: true, Sitting: figures.Sitting{Finished: 1, Best: 59.5}}, {Applies: true}}
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
