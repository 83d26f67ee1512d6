package tools

import (
	"fmt"

	"zhibu/app/web"
)

// Decisions a 支部党员大会 votes on, as the API names them.
const (
	DecisionGeneral  = "general"  // 一般事项
	DecisionAdmit    = "admit"    // 接收预备党员
	DecisionConfirm  = "confirm"  // 预备党员转正
	DecisionExtend   = "extend"   // 延长预备期
	DecisionElection = "election" // 选举
)

// Decision is one choice of the form: the API value and its Chinese name.
type Decision struct {
	Value, Label string
}

// Decisions lists the decisions in the order the form shows them.
var Decisions = []Decision{
	{DecisionGeneral, "一般事项"},
	{DecisionAdmit, "接收预备党员"},
	{DecisionConfirm, "预备党员转正"},
	{DecisionExtend, "延长预备期"},
	{DecisionElection, "选举支部委员"},
}

// MaxPeople bounds every count: no branch has more members.
const MaxPeople = 10000

// Written are the written opinions of absent full members handed in before the meeting.
type Written struct {
	For     int `json:"for"`
	Against int `json:"against"`
}

// VoteInput is the body of POST /api/v1/tools/vote-check: the members with a vote
// (正式党员; 预备党员 have none) who should attend (Eligible) and did (Present), the
// written opinions of absent members and the votes cast at the meeting.
type VoteInput struct {
	Decision string   `json:"decision"`
	Eligible int      `json:"eligible"`
	Present  int      `json:"present"`
	Written  *Written `json:"written,omitempty"`
	For      int      `json:"for"`
	Against  int      `json:"against"`
	Abstain  int      `json:"abstain"`
}

// fieldOrder is the order the fields are checked and their first message is shown in.
var fieldOrder = []string{"decision", "eligible", "present", "written.for", "written.against", "written", "for", "against", "abstain"}

// firstMessage is the headline of a refusal: the message of the first field in form order.
func firstMessage(fe web.FieldErrors) string {
	for _, f := range fieldOrder {
		if m, ok := fe[f]; ok {
			return m
		}
	}
	return "提交的内容有误，请检查后重试"
}

// decisionName is the Chinese name of a decision ("" when unknown).
func decisionName(d string) string {
	for _, x := range Decisions {
		if x.Value == d {
			return x.Label
		}
	}
	return ""
}

// takesWritten: only 接收预备党员, 转正 and 延长预备期 count absent members' written
// opinions (《中国共产党发展党员工作细则》第二十一条).
func takesWritten(d string) bool {
	return d == DecisionAdmit || d == DecisionConfirm || d == DecisionExtend
}

// Validate checks the numbers against each other; every refusal names its field.
func (in VoteInput) Validate() web.FieldErrors {
	fe := web.FieldErrors{}
	if decisionName(in.Decision) == "" {
		fe["decision"] = "请选择表决事项（一般事项、接收预备党员、预备党员转正、延长预备期或选举）"
	}
	count := func(field, name string, n int) bool {
		if n < 0 || n > MaxPeople {
			fe[field] = fmt.Sprintf("%s须在 0 到 %d 之间", name, MaxPeople)
			return false
		}
		return true
	}
	okEligible := true
	if in.Eligible < 1 || in.Eligible > MaxPeople {
		fe["eligible"] = fmt.Sprintf("应到人数须在 1 到 %d 之间", MaxPeople)
		okEligible = false
	}
	okPresent := count("present", "实到人数", in.Present)
	if okPresent && okEligible && in.Present > in.Eligible {
		fe["present"] = "实到人数不能超过应到人数"
		okPresent = false
	}
	if w := in.Written; w != nil && (w.For != 0 || w.Against != 0) {
		okFor := count("written.for", "书面同意人数", w.For)
		okAgainst := count("written.against", "书面不同意人数", w.Against)
		switch {
		case in.Decision != "" && decisionName(in.Decision) != "" && !takesWritten(in.Decision):
			fe["written"] = "只有接收预备党员、预备党员转正和延长预备期可以计入缺席党员的书面意见"
		case okFor && okAgainst && okEligible && okPresent && w.For+w.Against > in.Eligible-in.Present:
			fe["written"] = fmt.Sprintf("书面意见共 %d 份，超过缺席人数 %d（只有缺席的正式党员可以提交书面意见）",
				w.For+w.Against, in.Eligible-in.Present)
		}
	}
	okVotes := count("for", "赞成票数", in.For)
	okVotes = count("against", "反对票数", in.Against) && okVotes
	okVotes = count("abstain", "弃权票数", in.Abstain) && okVotes
	if okVotes && okPresent && in.For+in.Against+in.Abstain > in.Present {
		fe["for"] = fmt.Sprintf("赞成、反对、弃权合计 %d 票，超过实到人数 %d", in.For+in.Against+in.Abstain, in.Present)
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}
