// Package figures is the one definition of every figure the platform reports: its Go name,
// its Chinese label and its 口径 (Table), the pure rules that compute it (rules.go) and the
// set-based queries that feed those rules (store.go), read from the views
// course_requirements (migrations/00051_course_requirements.sql) and exam_candidates
// (migrations/00052_exam_candidates.sql), course_progress, attempts and course_years.
//
// Every screen and file that shows a figure — the staff home card (courses), the report
// page, its JSON and workbook (app/reports), the exam oversight page, its JSON and the
// results workbook (exams, app/reports) — computes it here and labels it with Table, so
// one label always means one number. Like app/web it imports no feature; features import
// it. docs/reports.md lists the figures.
package figures

// Figure is one figure: the name of the field that holds it (in Year or Exam), the label
// every screen and file uses, and its definition (口径) in one sentence.
type Figure struct {
	Name  string
	Label string
	Def   string
	Of    Of // which reports show it
}

// Of says which reports a figure belongs to.
type Of int

const (
	// OfYear: the completion report of a year (home card, report page, completion workbook).
	OfYear Of = 1 << iota
	// OfExam: the results of one exam (oversight page, results JSON, results workbook).
	OfExam
)

// The figures. Their order is the order of the 口径说明 sheet and the page's 统计口径.
var (
	Expected       = Figure{"Expected", "应参训人数", "统计范围内账号在用的支部书记人数（已停用的不计）。", OfYear}
	Completed      = Figure{"Completed", "必修完成人数", "应参训人员中，本年度适用于本人的必修课程（面向全县、所在乡镇或支部类型）全部完成的人数；本年度没有适用必修课程的人不算完成，仍计入应参训人数。", OfYear}
	CompletionRate = Figure{"CompletionRate", "必修完成率", "必修完成人数 ÷ 应参训人数。", OfYear}
	HoursOnline    = Figure{"HoursOnline", "线上学时", "应参训人员本年度（北京时间自然年）完成线上课程（必修和选修）记入学时台账的学时之和。", OfYear}
	HoursOffline   = Figure{"HoursOffline", "线下学时", "应参训人员本年度参加集中培训班（结班时按出勤计）、确认参加的考察学习和县委组织部认定的其他培训记入学时台账的学时之和。", OfYear}
	HoursTotal     = Figure{"HoursTotal", "学时合计", "线上学时与线下学时之和，即学时台账中本年度未撤销的记录之和；不按在线时长累计。", OfYear}
	AvgHours       = Figure{"AvgHours", "人均学时", "学时合计 ÷ 应参训人数。", OfYear}
	HoursMet       = Figure{"HoursMet", "学时达标人数", "应参训人员中本年度学时合计达到年度学时目标（课程管理中的年度设置，未设置时为 50 学时）的人数。", OfYear}
	HoursMetRate   = Figure{"HoursMetRate", "学时达标率", "学时达标人数 ÷ 应参训人数。", OfYear}
	Candidates     = Figure{"Candidates", "应考人数", "考试面向的人数：考试所面向乡镇的在用支部书记，另加已作答过的人；年度统计为应参训人员中本年度至少应参加一场考试的人数。", OfYear | OfExam}
	Examinees      = Figure{"Examinees", "参考人数", "应考人员中至少交卷一次的人数（作答中尚未交卷的不算）；年度统计为至少参加了本年度一场应考考试的人数。", OfYear | OfExam}
	ExamRate       = Figure{"ExamRate", "参考率", "参考人数 ÷ 应考人数。", OfYear | OfExam}
	Passed         = Figure{"Passed", "通过人数", "应考人员中最好成绩达到及格分的人数；年度统计为本年度应考的每场考试都通过的人数。", OfYear | OfExam}
	PassRate       = Figure{"PassRate", "通过率", "通过人数 ÷ 应考人数（未参考的算未通过）。", OfYear | OfExam}
	TakenPassRate  = Figure{"TakenPassRate", "参考通过率", "通过人数 ÷ 参考人数，只看交过卷的人。", OfExam}
	AvgScore       = Figure{"AvgScore", "平均分", "一场考试中参考人员最好成绩的平均值；满分不同的考试不合并计算平均分。", OfExam}
	ScoreRate      = Figure{"ScoreRate", "平均得分率", "每位参考人员每场所参加考试的最好成绩 ÷ 该场考试满分，再取平均；合并多场考试时用它代替平均分。", OfYear}
	Tourists       = Figure{"Tourists", "参加考察人数", "应参训人员中报名本年度开始的考察并经县里确认的人数。", OfYear}
)

// Table is every figure, in order.
var Table = []Figure{Expected, Completed, CompletionRate, HoursOnline, HoursOffline, HoursTotal, AvgHours, HoursMet, HoursMetRate,
	Candidates, Examinees, ExamRate, Passed, PassRate, TakenPassRate, AvgScore, ScoreRate, Tourists}

// For lists the figures of one report, in Table's order.
func For(of Of) []Figure {
	var out []Figure
	for _, f := range Table {
		if f.Of&of != 0 {
			out = append(out, f)
		}
	}
	return out
}

// DefSheet is the name of the workbooks' last sheet that lists the figures' definitions.
const DefSheet = "口径说明"
