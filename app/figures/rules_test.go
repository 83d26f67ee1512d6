package figures

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// Exams with different full marks are combined by 平均得分率, never by raw scores: 10 of 60
// and 25 of 100 are 16.7% and 25%, on average 20.8% — not 17.5 "分".
func TestScoreRateCombinesDifferentFullMarks(t *testing.T) {
	for _, c := range []struct {
		name     string
		sittings [][]Sitting // per person
		want     float64
		text     string
	}{
		{"one person, two exams", [][]Sitting{{{Finished: 1, Best: 10, Full: 60}, {Finished: 1, Best: 25, Full: 100}}}, (10.0/60 + 0.25) / 2, "20.8%"},
		{"two people, one exam each", [][]Sitting{{{Finished: 1, Best: 10, Full: 60}}, {{Finished: 2, Best: 25, Full: 100}}}, (10.0/60 + 0.25) / 2, "20.8%"},
		{"full marks", [][]Sitting{{{Finished: 1, Best: 60, Full: 60}}, {{Finished: 1, Best: 100, Full: 100}}}, 1, "100.0%"},
		{"not taken does not count", [][]Sitting{{{Finished: 1, Best: 30, Full: 60}, {Finished: 0, Full: 100}}}, 0.5, "50.0%"},
		{"zero full marks is skipped", [][]Sitting{{{Finished: 1, Best: 30, Full: 60}, {Finished: 1, Best: 5, Full: 0}}}, 0.5, "50.0%"},
		{"nobody took an exam", [][]Sitting{{{Full: 100}}}, 0, "0.0%"},
		{"nobody", nil, 0, "0.0%"},
	} {
		var y Year
		for _, ss := range c.sittings {
			var p Person
			for _, s := range ss {
				p.Sit(s)
			}
			y.Add(&p, 50)
		}
		y.Finish()
		if !near(y.ScoreRate, c.want) || Pct(y.ScoreRate) != c.text {
			t.Errorf("%s: 平均得分率 %v (%s), want %v (%s)", c.name, y.ScoreRate, Pct(y.ScoreRate), c.want, c.text)
		}
	}
}

func TestPersonRules(t *testing.T) {
	for _, c := range []struct {
		name                        string
		required, done              int
		sittings                    []Sitting
		completed, cand, took, pass bool
	}{
		{"no 必修 course applies: not completed", 0, 0, nil, false, false, false, false},
		{"all done", 2, 2, nil, true, false, false, false},
		{"one left", 2, 1, nil, false, false, false, false},
		{"open attempt only is not 参考", 1, 1, []Sitting{{Finished: 0}}, true, true, false, false},
		{"passed one of two", 0, 0, []Sitting{{Finished: 1, Best: 80, Full: 100, Passed: true}, {Finished: 1, Best: 10, Full: 100}}, false, true, true, false},
		{"passed both", 0, 0, []Sitting{{Finished: 1, Passed: true}, {Finished: 3, Passed: true}}, false, true, true, true},
	} {
		p := Person{}
		for i := 0; i < c.required; i++ {
			p.Require(i < c.done)
		}
		for _, s := range c.sittings {
			p.Sit(s)
		}
		if p.CompletedRequired() != c.completed || p.Candidate() != c.cand || p.TookExam() != c.took || p.PassedExams() != c.pass {
			t.Errorf("%s: completed %v candidate %v took %v passed %v", c.name, p.CompletedRequired(), p.Candidate(), p.TookExam(), p.PassedExams())
		}
	}
}

// 通过率 and 参考率 divide by 应考人数; 参考通过率 by 参考人数; 平均分 is over one exam's
// examinees; every rate is 0 when its denominator is.
func TestExamFigures(t *testing.T) {
	for _, c := range []struct {
		name                          string
		sittings                      []Sitting
		cand, took, passed            int
		examRate, passRate, takenPass float64
		avg                           float64
	}{
		{"no candidates", nil, 0, 0, 0, 0, 0, 0, 0},
		{"nobody took it", []Sitting{{}, {}}, 2, 0, 0, 0, 0, 0, 0},
		{"4 candidates, 2 took, 1 passed", []Sitting{{Finished: 1, Best: 80, Passed: true}, {Finished: 2, Best: 40}, {}, {}}, 4, 2, 1, 0.5, 0.25, 0.5, 60},
		{"an open attempt is not taken", []Sitting{{Finished: 0, Best: 0}, {Finished: 1, Best: 90, Passed: true}}, 2, 1, 1, 0.5, 0.5, 1, 90},
		{"pass score boundary: passed as graded", []Sitting{{Finished: 1, Best: 60, Passed: true}, {Finished: 1, Best: 59.5}}, 2, 2, 1, 1, 0.5, 0.5, 59.75},
	} {
		var e Exam
		for _, s := range c.sittings {
			e.Add(s)
		}
		e.Finish()
		if e.Candidates != c.cand || e.Examinees != c.took || e.Passed != c.passed || !near(e.ExamRate, c.examRate) ||
			!near(e.PassRate, c.passRate) || !near(e.TakenPassRate, c.takenPass) || !near(e.AvgScore, c.avg) {
			t.Errorf("%s: %+v", c.name, e)
		}
	}
}

func TestYearFigures(t *testing.T) {
	mk := func(req, done int, hours float64, sit ...Sitting) Person {
		p := Person{Hours: hours}
		for i := 0; i < req; i++ {
			p.Require(i < done)
		}
		for _, s := range sit {
			p.Sit(s)
		}
		return p
	}
	for _, c := range []struct {
		name   string
		people []Person
		want   Year
	}{
		{"nobody: every rate 0", nil, Year{}},
		{"no 必修 course and no exam", []Person{mk(0, 0, 0)}, Year{Expected: 1}},
		{"hours at the target count as met", []Person{mk(1, 1, 50), mk(1, 0, 49.5), mk(0, 0, 10)},
			Year{Expected: 3, Completed: 1, CompletionRate: 1.0 / 3, HoursTotal: 109.5, AvgHours: 36.5, HoursMet: 1, HoursMetRate: 1.0 / 3}},
		{"通过率 ÷ 应考, not ÷ 参考", []Person{
			mk(0, 0, 0, Sitting{Finished: 1, Best: 50, Full: 100, Passed: true}),
			mk(0, 0, 0, Sitting{Finished: 1, Best: 30, Full: 100}),
			mk(0, 0, 0, Sitting{Full: 100}),
			mk(0, 0, 0, Sitting{Full: 100}),
			mk(0, 0, 0)},
			Year{Expected: 5, Candidates: 4, Examinees: 2, ExamRate: 0.5, Passed: 1, PassRate: 0.25, ScoreRate: 0.4}},
	} {
		var y Year
		for i := range c.people {
			y.Add(&c.people[i], 50)
		}
		y.Finish()
		y.rateSum, y.rated = 0, 0
		g, w := y, c.want
		if g.Expected != w.Expected || g.Completed != w.Completed || !near(g.CompletionRate, w.CompletionRate) ||
			!near(g.HoursTotal, w.HoursTotal) || !near(g.AvgHours, w.AvgHours) || g.HoursMet != w.HoursMet ||
			!near(g.HoursMetRate, w.HoursMetRate) || g.Candidates != w.Candidates || g.Examinees != w.Examinees ||
			!near(g.ExamRate, w.ExamRate) || g.Passed != w.Passed || !near(g.PassRate, w.PassRate) || !near(g.ScoreRate, w.ScoreRate) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, g, w)
		}
	}
}

func TestKindsInBranchKindOrder(t *testing.T) {
	var k Kinds
	for _, kind := range []string{"企业", "农村", "新类", "机关", "农村"} {
		p := Person{}
		p.Require(kind == "农村")
		k.Add(kind, &p, 50)
	}
	got := k.Finish()
	want := []struct {
		kind string
		n    int
		rate float64
	}{{"机关", 1, 0}, {"农村", 2, 1}, {"企业", 1, 0}, {"新类", 1, 0}}
	if len(got) != len(want) {
		t.Fatalf("kinds %+v", got)
	}
	for i, w := range want {
		if got[i].Kind != w.kind || got[i].Expected != w.n || got[i].CompletionRate != w.rate {
			t.Errorf("kind %d: %+v, want %+v", i, got[i], w)
		}
	}
}

func TestTableNamesEveryFigureOnce(t *testing.T) {
	labels := map[string]bool{}
	for _, f := range Table {
		if f.Name == "" || f.Label == "" || f.Def == "" || f.Of == 0 || labels[f.Label] {
			t.Errorf("figure %+v: empty or repeated", f)
		}
		labels[f.Label] = true
	}
	if len(For(OfYear)) == 0 || len(For(OfExam)) == 0 {
		t.Error("no figures for a report")
	}
}

func TestFormats(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Pct(0), "0.0%"}, {Pct(1), "100.0%"}, {Pct(0.2916666), "29.2%"}, {Pct(1.0 / 3), "33.3%"}, {Num(17.5), "17.5"},
	} {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
	if Bar(-0.1) != 0 || Bar(1.2) != 100 || Bar(0.245) != 25 || Bar(0.244) != 24 {
		t.Error("Bar")
	}
	if Rate(1, 0) != 0 || Mean(3, 0) != 0 {
		t.Error("zero denominators")
	}
}
