package tools

import (
	"strings"
	"testing"
)

func TestCheckVote(t *testing.T) {
	w := func(f, a int) *Written { return &Written{For: f, Against: a} }
	cases := []struct {
		name         string
		in           VoteInput
		valid, pass  bool
		rule         string
		explainParts []string
	}{
		// 一般事项: 半数以上 到会 includes exactly half.
		{"general 20/10 may vote", VoteInput{Decision: "general", Eligible: 20, Present: 10, For: 10}, true, false, ruleGeneral,
			[]string{"应到 20 人，实到 10 人", "需至少 11 票", "未通过"}},
		{"general 20/9 may not", VoteInput{Decision: "general", Eligible: 20, Present: 9, For: 9}, false, false, ruleGeneral,
			[]string{"应到 20 人，实到 9 人，不到半数（需至少 10 人）", "不能表决"}},
		{"general 20 passes with 11", VoteInput{Decision: "general", Eligible: 20, Present: 12, For: 11, Against: 1}, true, true, ruleGeneral,
			[]string{"赞成 11 票", "通过"}},
		{"general odd 7/4 passes with 4", VoteInput{Decision: "general", Eligible: 7, Present: 4, For: 4}, true, true, ruleGeneral, nil},
		{"general odd 7/3 not", VoteInput{Decision: "general", Eligible: 7, Present: 3, For: 3}, false, false, ruleGeneral,
			[]string{"需至少 4 人"}},
		{"general odd 7: 3 for not passed", VoteInput{Decision: "general", Eligible: 7, Present: 7, For: 3, Against: 4}, true, false, ruleGeneral, nil},
		// 接收预备党员: 到会 must be more than half — the 20/10 trap.
		{"admit 20/10 may not", VoteInput{Decision: "admit", Eligible: 20, Present: 10, For: 10}, false, false, ruleAdmit,
			[]string{"应到 20 人，实到 10 人，未超过半数（需至少 11 人），不能表决接收预备党员", "预备党员没有表决权"}},
		{"admit 20/11 for 11 passes", VoteInput{Decision: "admit", Eligible: 20, Present: 11, For: 11}, true, true, ruleAdmit,
			[]string{"无记名投票", "逐个表决"}},
		{"admit for exactly half not passed", VoteInput{Decision: "admit", Eligible: 20, Present: 15, For: 10, Against: 5}, true, false, ruleAdmit,
			[]string{"未通过"}},
		{"admit written opinions tip it", VoteInput{Decision: "admit", Eligible: 20, Present: 15, For: 10, Against: 5, Written: w(1, 0)}, true, true, ruleAdmit,
			[]string{"赞成 11 票", "含会前书面同意 1 票"}},
		{"admit written do not make the meeting", VoteInput{Decision: "admit", Eligible: 20, Present: 10, For: 10, Written: w(5, 0)}, false, false, ruleAdmit,
			[]string{"书面意见不算到会"}},
		{"admit written against counts against", VoteInput{Decision: "admit", Eligible: 9, Present: 6, For: 4, Against: 2, Written: w(0, 3)}, true, false, ruleAdmit,
			[]string{"反对 5 票（含会前书面不同意 3 票）"}},
		{"admit odd 9/5", VoteInput{Decision: "admit", Eligible: 9, Present: 5, For: 5}, true, true, ruleAdmit, nil},
		{"admit odd 9/4", VoteInput{Decision: "admit", Eligible: 9, Present: 4, For: 4}, false, false, ruleAdmit, nil},
		{"confirm 20/11 written tips", VoteInput{Decision: "confirm", Eligible: 20, Present: 11, For: 9, Written: w(2, 0)}, true, true, ruleConfirm, nil},
		{"extend 20/10 may not", VoteInput{Decision: "extend", Eligible: 20, Present: 10, For: 10}, false, false, ruleConfirm,
			[]string{"不能表决延长预备期"}},
		// 选举: 五分之四.
		{"election 10/8 valid", VoteInput{Decision: "election", Eligible: 10, Present: 8, For: 6}, true, true, ruleElection,
			[]string{"需至少 8 人", "当选"}},
		{"election 10/7 not", VoteInput{Decision: "election", Eligible: 10, Present: 7, For: 7}, false, false, ruleElection,
			[]string{"不足五分之四（需至少 8 人）"}},
		{"election 10: 5 for not elected", VoteInput{Decision: "election", Eligible: 10, Present: 10, For: 5, Against: 5}, true, false, ruleElection,
			[]string{"未当选"}},
		{"election 11/9 valid", VoteInput{Decision: "election", Eligible: 11, Present: 9, For: 6}, true, true, ruleElection, nil},
		{"election 11/8 not", VoteInput{Decision: "election", Eligible: 11, Present: 8, For: 8}, false, false, ruleElection,
			[]string{"需至少 9 人"}},
		{"single member", VoteInput{Decision: "general", Eligible: 1, Present: 1, For: 1}, true, true, ruleGeneral, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if fe := tc.in.Validate(); fe != nil {
				t.Fatalf("case input invalid: %v", fe)
			}
			r := CheckVote(tc.in)
			if r.MeetingValid != tc.valid || r.Passed != tc.pass || r.Rule != tc.rule {
				t.Fatalf("got valid=%v passed=%v rule=%s, want %v %v %s: %s", r.MeetingValid, r.Passed, r.Rule,
					tc.valid, tc.pass, tc.rule, r.Explanation)
			}
			if !strings.Contains(r.Explanation, "预备党员没有表决权，不计入应到会和实到人数") {
				t.Fatalf("explanation lacks the 预备党员 note: %s", r.Explanation)
			}
			for _, p := range tc.explainParts {
				if !strings.Contains(r.Explanation, p) {
					t.Fatalf("explanation lacks %q: %s", p, r.Explanation)
				}
			}
		})
	}
}

func TestVoteInputValidate(t *testing.T) {
	ok := VoteInput{Decision: "admit", Eligible: 20, Present: 15, For: 10, Against: 3, Abstain: 2, Written: &Written{For: 3, Against: 2}}
	if fe := ok.Validate(); fe != nil {
		t.Fatalf("valid input refused: %v", fe)
	}
	cases := []struct {
		name  string
		edit  func(*VoteInput)
		field string
		msg   string
	}{
		{"unknown decision", func(in *VoteInput) { in.Decision = "coup" }, "decision", "请选择表决事项"},
		{"empty decision", func(in *VoteInput) { in.Decision = "" }, "decision", ""},
		{"eligible 0", func(in *VoteInput) {
			in.Eligible = 0
			in.Present = 0
			in.For, in.Against, in.Abstain = 0, 0, 0
			in.Written = nil
		}, "eligible", "1 到 10000"},
		{"eligible huge", func(in *VoteInput) { in.Eligible = 10001 }, "eligible", ""},
		{"present over eligible", func(in *VoteInput) { in.Present = 21 }, "present", "实到人数不能超过应到人数"},
		{"present negative", func(in *VoteInput) { in.Present = -1 }, "present", ""},
		{"votes over present", func(in *VoteInput) { in.Abstain = 3 }, "for", "超过实到人数 15"},
		{"negative against", func(in *VoteInput) { in.Against = -1 }, "against", ""},
		{"huge for", func(in *VoteInput) { in.For = 1 << 62; in.Against = 1 << 62 }, "for", ""},
		{"written over absent", func(in *VoteInput) { in.Written = &Written{For: 4, Against: 2} }, "written", "超过缺席人数 5"},
		{"written negative", func(in *VoteInput) { in.Written = &Written{For: -1} }, "written.for", ""},
		{"written for general", func(in *VoteInput) { in.Decision = "general" }, "written", "只有接收预备党员"},
		{"written for election", func(in *VoteInput) { in.Decision = "election" }, "written", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := ok
			w := *ok.Written
			in.Written = &w
			tc.edit(&in)
			fe := in.Validate()
			if fe[tc.field] == "" || !strings.Contains(fe[tc.field], tc.msg) {
				t.Fatalf("field %s: got %v", tc.field, fe)
			}
		})
	}
	// Zero written opinions are fine for any decision.
	g := VoteInput{Decision: "general", Eligible: 5, Present: 3, For: 2, Written: &Written{}}
	if fe := g.Validate(); fe != nil {
		t.Fatalf("zero written for general refused: %v", fe)
	}
}
