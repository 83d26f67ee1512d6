package tools

import (
	"fmt"
	"strings"
)

// VoteResult is the answer of the 表决计算器.
type VoteResult struct {
	MeetingValid bool   `json:"meeting_valid"`
	Passed       bool   `json:"passed"`
	Rule         string `json:"rule"`
	Explanation  string `json:"explanation"`
}

// The rules the calculator applies (the ✅ facts of the project's domain notes):
//
//   - 一般事项 (《中国共产党支部工作条例（试行）》第十一条): 半数以上有表决权的党员到会
//     (以上 includes half: present*2 >= eligible); passed when 赞成 超过应到会有表决权的
//     党员的半数 (for*2 > eligible).
//   - 接收预备党员, 转正, 延长预备期 (《中国共产党发展党员工作细则》第二十、二十一、三十三条):
//     到会 超过 应到会的半数 (present*2 > eligible); 赞成 — counting the written opinions
//     of absent full members handed in before the meeting — 超过应到会的半数.
//   - 选举: 到会 不少于 应到会的五分之四 (present*5 >= eligible*4); a candidate is elected
//     when 赞成 超过应到会的半数.
//
// 预备党员 have no vote (党章第七条): they are in neither eligible nor present. Absent
// members who wrote are not present.
const (
	ruleGeneral  = "《中国共产党支部工作条例（试行）》第十一条"
	ruleAdmit    = "《中国共产党发展党员工作细则》第二十条、第二十一条"
	ruleConfirm  = "《中国共产党发展党员工作细则》第三十三条"
	ruleElection = "《中国共产党基层组织选举工作条例》"
)

const noProbationers = "预备党员没有表决权，不计入应到会和实到人数。"

// moreThanHalf is the least n with n*2 > total.
func moreThanHalf(total int) int { return total/2 + 1 }

// atLeastHalf is the least n with n*2 >= total.
func atLeastHalf(total int) int { return (total + 1) / 2 }

// atLeastFourFifths is the least n with n*5 >= total*4.
func atLeastFourFifths(total int) int { return (total*4 + 4) / 5 }

// CheckVote applies the rule of in.Decision to valid input (VoteInput.Validate).
func CheckVote(in VoteInput) VoteResult {
	var r VoteResult
	var needPresent int
	var quorumMet, quorumMissed string
	switch in.Decision {
	case DecisionGeneral:
		r.Rule, needPresent = ruleGeneral, atLeastHalf(in.Eligible)
		quorumMet, quorumMissed = "达到半数", "不到半数"
	case DecisionElection:
		r.Rule, needPresent = ruleElection, atLeastFourFifths(in.Eligible)
		quorumMet, quorumMissed = "达到五分之四", "不足五分之四"
	case DecisionConfirm, DecisionExtend:
		r.Rule, needPresent = ruleConfirm, moreThanHalf(in.Eligible)
		quorumMet, quorumMissed = "超过半数", "未超过半数"
	default:
		r.Rule, needPresent = ruleAdmit, moreThanHalf(in.Eligible)
		quorumMet, quorumMissed = "超过半数", "未超过半数"
	}
	name := decisionName(in.Decision)
	if in.Decision == DecisionGeneral {
		name = "这一事项"
	}
	var b strings.Builder
	r.MeetingValid = in.Present >= needPresent
	if !r.MeetingValid {
		fmt.Fprintf(&b, "应到 %d 人，实到 %d 人，%s（需至少 %d 人），不能表决%s。", in.Eligible, in.Present,
			quorumMissed, needPresent, name)
		if takesWritten(in.Decision) {
			b.WriteString("缺席党员的书面意见不算到会。")
		}
		b.WriteString(noProbationers)
		r.Explanation = b.String()
		return r
	}
	fmt.Fprintf(&b, "应到 %d 人，实到 %d 人，%s（需至少 %d 人），可以表决。", in.Eligible, in.Present, quorumMet, needPresent)

	votesFor, votesAgainst := in.For, in.Against
	var w Written
	if in.Written != nil && takesWritten(in.Decision) {
		w = *in.Written
	}
	votesFor += w.For
	votesAgainst += w.Against
	needFor := moreThanHalf(in.Eligible)
	r.Passed = votesFor*2 > in.Eligible
	if in.Decision == DecisionElection {
		fmt.Fprintf(&b, "被选举人得赞成票 %d 票，", votesFor)
	} else {
		fmt.Fprintf(&b, "赞成 %d 票", votesFor)
		if w.For > 0 {
			fmt.Fprintf(&b, "（含会前书面同意 %d 票）", w.For)
		}
		fmt.Fprintf(&b, "，反对 %d 票", votesAgainst)
		if w.Against > 0 {
			fmt.Fprintf(&b, "（含会前书面不同意 %d 票）", w.Against)
		}
		fmt.Fprintf(&b, "，弃权 %d 票，", in.Abstain)
	}
	verdict := map[bool]string{true: "通过", false: "未通过"}[r.Passed]
	if in.Decision == DecisionElection {
		verdict = map[bool]string{true: "当选", false: "未当选"}[r.Passed]
	}
	if r.Passed {
		fmt.Fprintf(&b, "超过应到会人数的半数（需至少 %d 票），%s。", needFor, verdict)
	} else {
		fmt.Fprintf(&b, "未超过应到会人数的半数（需至少 %d 票），%s。", needFor, verdict)
	}
	switch in.Decision {
	case DecisionAdmit, DecisionConfirm, DecisionExtend:
		b.WriteString("须采取无记名投票；有两名以上对象的，逐个讨论、逐个表决，每人分别计票。会前正式提交书面意见的缺席正式党员，其意见计入票数，但不算到会。")
	case DecisionElection:
		b.WriteString("每名被选举人分别计票。")
	}
	b.WriteString(noProbationers)
	r.Explanation = b.String()
	return r
}
