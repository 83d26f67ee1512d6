package tools

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The 履职清单 (明白卡): what a branch does in which month of a year, by the ✅ facts of
// the domain notes (§2, §3):
//
//   - every month: 支委会 (第十二条), 党小组会 (第十三条), 主题党日 (第十六条);
//   - every quarter: 支部党员大会 (第十一条);
//   - every year, usually in the fourth quarter: 组织生活会 (第十七条) and 民主评议党员
//     (一般每年1次, may be held together with the 组织生活会);
//   - every year, no fixed time: 谈心谈话 (一般不少于1次);
//   - 换届: the 支委会's term is 5 years for 村、社区 branches and 3 years for the others;
//     the superior reminds 6 months before the term ends. From the term start the
//     secretary enters, the reminder falls in the month 6 months before the term end and
//     the term end in its own month.
//
// 党课 has no frequency in the facts (「各地规定不同，请按本地要求」), so it is no item.
// Item keys are stable: "2026-03-zwh" (month), "2026-q2-dydh" (quarter),
// "2026-q4-zzshh" (year, fourth quarter), "2026-y-txth" (year, any time),
// "2026-09-hjtx" / "2026-03-hj" (换届 reminder / term end). Ticks are stored by key.

// BranchKinds are the branch kinds of the roster (migrations/00001), in the order of the
// kind chooser.
var BranchKinds = []string{"农村", "社区", "机关", "企业", "学校", "事业单位", "联合", "产业", "其他"}

// TermYears is the term of a branch committee of kind: 5 years for 村、社区 (农村, 社区),
// 3 for the others; 0 and false for an unknown kind.
func TermYears(kind string) (int, bool) {
	switch kind {
	case "农村", "社区":
		return 5, true
	case "机关", "企业", "学校", "事业单位", "联合", "产业", "其他":
		return 3, true
	}
	return 0, false
}

// Reminder lead: the superior reminds this many months before the term ends.
const remindMonthsBefore = 6

// Item codes.
const (
	dutyCodeTalks    = "txth" // 谈心谈话
	dutyCodeAppraise = "mzpy" // 民主评议党员
	dutyCodeRemind   = "hjtx" // 换届提醒
	dutyCodeTermEnd  = "hj"   // 任期届满
)

// Sources of the calendar's items.
const (
	dutyBasisCongress  = meetingDoc + "第十一条"
	dutyBasisCommittee = meetingDoc + "第十二条"
	dutyBasisGroup     = meetingDoc + "第十三条"
	dutyBasisThemeDay  = meetingDoc + "第十六条"
	dutyBasisReview    = meetingDoc + "第十七条"
	dutyBasisAppraise  = "民主评议党员：一般每年1次，可与组织生活会一并开展"
	dutyBasisTalks     = "谈心谈话：支委之间、支委与党员之间、党员之间，每年一般不少于1次"
	dutyBasisTerm      = meetingDoc + "：村、社区党支部委员会每届任期5年，其他一般3年；上级党组织一般提前6个月提醒换届"
)

// DutyItem is one thing to do; Ticked and TickedAt are the caller's own ticks (filled in
// by the handler, never by the rules).
type DutyItem struct {
	Key      string     `json:"key"`
	Title    string     `json:"title"`
	Detail   string     `json:"detail,omitempty"`
	Basis    string     `json:"basis"`
	Meeting  string     `json:"meeting,omitempty"` // a Meetings key: the checklist page
	Topic    string     `json:"-"`                 // the lesson topic
	Ticked   bool       `json:"ticked"`
	TickedAt *time.Time `json:"ticked_at,omitempty"`
}

// BasisShort is the basis in a few characters for the calendar's compact rows: 「条例第十二条」
// for an article of the 支部工作条例, "" otherwise.
func (it DutyItem) BasisShort() string {
	rest, ok := strings.CutPrefix(it.Basis, meetingDoc)
	if !ok || !strings.HasPrefix(rest, "第") {
		return ""
	}
	return "条例" + rest
}

// DutyMonth is a month's items.
type DutyMonth struct {
	Month int        `json:"month"`
	Items []DutyItem `json:"items"`
}

// DutyQuarter is a quarter: its own items (党员大会; in the fourth quarter also the
// yearly 组织生活会 and 民主评议) and its three months.
type DutyQuarter struct {
	Quarter int         `json:"quarter"`
	Items   []DutyItem  `json:"items"`
	Months  []DutyMonth `json:"months"`
}

// Count is how many of the quarter's items (its own and its months') are ticked, of how
// many.
func (q DutyQuarter) Count() (done, total int) {
	for _, it := range q.Items {
		total++
		if it.Ticked {
			done++
		}
	}
	for _, m := range q.Months {
		for _, it := range m.Items {
			total++
			if it.Ticked {
				done++
			}
		}
	}
	return done, total
}

// Progress is Count as 「已做 3/10」.
func (q DutyQuarter) Progress() string {
	done, total := q.Count()
	return fmt.Sprintf("已做 %d/%d", done, total)
}

// Name is the quarter's Chinese name, e.g. 第四季度.
func (q DutyQuarter) Name() string {
	return "第" + [...]string{"一", "二", "三", "四"}[(q.Quarter+3)%4] + "季度"
}

// DutyCalendar is a year's 履职清单 for a branch kind.
type DutyCalendar struct {
	Year      int           `json:"year"`
	Kind      string        `json:"kind"`       // "" when unknown
	TermYears int           `json:"term_years"` // 0 when the kind is unknown
	Quarters  []DutyQuarter `json:"quarters"`
	YearItems []DutyItem    `json:"year_items"` // any time in the year
	Notes     []string      `json:"notes"`
}

// Items returns every item of the calendar, in calendar order.
func (c *DutyCalendar) Items() []*DutyItem {
	var out []*DutyItem
	for qi := range c.Quarters {
		q := &c.Quarters[qi]
		for mi := range q.Months {
			for ii := range q.Months[mi].Items {
				out = append(out, &q.Months[mi].Items[ii])
			}
		}
		for ii := range q.Items {
			out = append(out, &q.Items[ii])
		}
	}
	for ii := range c.YearItems {
		out = append(out, &c.YearItems[ii])
	}
	return out
}

// Month returns month m's items and those of its quarter (the 「本月要做」 list).
func (c *DutyCalendar) Month(m int) []*DutyItem {
	if m < 1 || m > 12 || len(c.Quarters) != 4 {
		return nil
	}
	q := &c.Quarters[(m-1)/3]
	var out []*DutyItem
	for mi := range q.Months {
		if q.Months[mi].Month == m {
			for ii := range q.Months[mi].Items {
				out = append(out, &q.Months[mi].Items[ii])
			}
		}
	}
	for ii := range q.Items {
		out = append(out, &q.Items[ii])
	}
	return out
}

// DutyCalendarFor builds year's calendar for a branch of kind ("" or unknown: no 换届
// items) whose committee's current term started on termStart (nil: unknown).
func DutyCalendarFor(kind string, year int, termStart *time.Time) DutyCalendar {
	c := DutyCalendar{Year: year}
	years, known := TermYears(kind)
	if known {
		c.Kind, c.TermYears = kind, years
	}
	var remind, end time.Time
	hasTerm := known && termStart != nil
	if hasTerm {
		end, remind = TermEnd(*termStart, years)
	}
	congressDetail := "党员大会是议事决策机构，由全体党员参加；表决须半数以上有表决权的党员到会"
	if kind == "农村" || kind == "社区" {
		congressDetail += "；村、社区的重要事项必须经党员大会讨论"
	}
	for q := 1; q <= 4; q++ {
		dq := DutyQuarter{Quarter: q}
		for m := 3*q - 2; m <= 3*q; m++ {
			dm := DutyMonth{Month: m, Items: []DutyItem{
				{Key: dutyMonthKey(year, m, MeetingCommittee), Title: "召开支部委员会会议", Detail: "一般每月1次，须半数以上委员到会；不设支委会的支部（正式党员不足7人）无此项",
					Basis: dutyBasisCommittee, Meeting: MeetingCommittee, Topic: "三会一课"},
				{Key: dutyMonthKey(year, m, MeetingGroup), Title: "召开党小组会", Detail: "一般每月1次：政治学习、谈心谈话、批评和自我批评",
					Basis: dutyBasisGroup, Meeting: MeetingGroup, Topic: "三会一课"},
				{Key: dutyMonthKey(year, m, MeetingThemeDay), Title: "开展主题党日", Detail: "每月相对固定1天：集中学习、过组织生活、民主议事、志愿服务",
					Basis: dutyBasisThemeDay, Meeting: MeetingThemeDay, Topic: "三会一课"},
			}}
			if hasTerm && remind.Year() == year && int(remind.Month()) == m {
				dm.Items = append(dm.Items, DutyItem{Key: dutyMonthKey(year, m, dutyCodeRemind), Title: "换届准备：本届任期还有6个月届满",
					Detail: fmt.Sprintf("本届支委会任期至 %s 届满。上级党组织一般提前6个月提醒换届，请向上级党组织请示换届事宜，做好准备", dutyDayCN(end)),
					Basis:  dutyBasisTerm, Topic: "党章党规"})
			}
			if hasTerm && end.Year() == year && int(end.Month()) == m {
				dm.Items = append(dm.Items, DutyItem{Key: dutyMonthKey(year, m, dutyCodeTermEnd), Title: "任期届满，按期换届",
					Detail: fmt.Sprintf("本届支委会任期于 %s 届满。延期或提前换届的，一般不超过1年", dutyDayCN(end)),
					Basis:  dutyBasisTerm, Topic: "党章党规"})
			}
			dq.Months = append(dq.Months, dm)
		}
		dq.Items = append(dq.Items, DutyItem{Key: dutyQuarterKey(year, q, MeetingCongress), Title: "召开支部党员大会",
			Detail: congressDetail + "（一般每季度1次）", Basis: dutyBasisCongress, Meeting: MeetingCongress, Topic: "三会一课"})
		if q == 4 {
			dq.Items = append(dq.Items,
				DutyItem{Key: dutyQuarterKey(year, 4, MeetingReview), Title: "召开组织生活会",
					Detail: "每年至少1次，一般在第四季度，也可以随时召开；会前学习、谈心谈话、听取意见，会上查摆问题、批评和自我批评，会后制定整改措施",
					Basis:  dutyBasisReview, Meeting: MeetingReview, Topic: "组织生活会"},
				DutyItem{Key: dutyQuarterKey(year, 4, dutyCodeAppraise), Title: "开展民主评议党员",
					Detail: "一般每年1次：个人自评、党员互评、民主测评，可与组织生活会一并开展",
					Basis:  dutyBasisAppraise, Meeting: MeetingReview, Topic: "组织生活会"})
		}
		c.Quarters = append(c.Quarters, dq)
	}
	c.YearItems = []DutyItem{{Key: fmt.Sprintf("%d-y-%s", year, dutyCodeTalks), Title: "谈心谈话",
		Detail: "支委之间、支委与党员之间、党员之间，每年一般不少于1次；组织生活会前集中开展一轮", Basis: dutyBasisTalks, Topic: "组织生活会"}}
	c.Notes = []string{"党课：" + meetingLocalRule + "。党委（党组）书记每年至少讲1次党课。"}
	return c
}

// TermEnd is the end of a term of years started on start, and the day the 换届 reminder
// falls on: exactly remindMonthsBefore months earlier (the same day of the month, or the
// month's last day when it has no such day).
func TermEnd(start time.Time, years int) (end, remind time.Time) {
	end = dutyAddMonths(start, 12*years)
	return end, dutyAddMonths(end, -remindMonthsBefore)
}

// dutyAddMonths moves t by n months, keeping the day of the month or clamping it to the
// target month's last day (time.AddDate would spill 31 August − 6 months into March).
func dutyAddMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, t.Location())
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, 0, 0, 0, 0, t.Location())
}

// TermNote is the 换届 line at the top of the calendar, as of today: what to enter,
// when the reminder comes, or that the term is ending or over.
func TermNote(kind string, termStart *time.Time, today time.Time) string {
	years, known := TermYears(kind)
	if !known {
		return "选择支部类型并填写上次换届时间后，可提醒换届"
	}
	if termStart == nil {
		return "填写上次换届时间后可提醒"
	}
	end, remind := TermEnd(*termStart, years)
	y, m, dd := today.Date() // today's calendar day, compared in the term's location
	d := time.Date(y, m, dd, 0, 0, 0, 0, end.Location())
	switch {
	case !d.Before(end):
		return fmt.Sprintf("按填写的上次换届时间，本届任期（%d年）已于 %s 届满。已经换届的，请更新换届时间；延期换届的，一般不超过1年", years, dutyDayCN(end))
	case !d.Before(remind):
		return fmt.Sprintf("本届任期（%d年）将于 %s 届满，已不足6个月，请向上级党组织请示换届事宜", years, dutyDayCN(end))
	}
	return fmt.Sprintf("本届任期%d年，至 %s 届满；%s 起进入换届准备（提前6个月）", years, dutyDayCN(end), dutyDayCN(remind))
}

// dutyDateOnly is t's calendar day as a comparable number (20260301), whatever its location.
func dutyDateOnly(t time.Time) int {
	y, m, d := t.Date()
	return y*10000 + int(m)*100 + d
}

func dutyDayCN(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

func dutyMonthKey(year, month int, code string) string {
	return fmt.Sprintf("%d-%02d-%s", year, month, code)
}

func dutyQuarterKey(year, q int, code string) string { return fmt.Sprintf("%d-q%d-%s", year, q, code) }

// Years a calendar may be asked for: from 2019 (the first full year of the 条例, in force
// since 2018-10-28) to next year.
const firstDutyYear = 2019

// ValidDutyYear tells whether year may be shown or ticked as of today.
func ValidDutyYear(year int, today time.Time) bool {
	return year >= firstDutyYear && year <= today.Year()+1
}

// DutyKeyYear checks that key is the key of an item some calendar of its year may hold
// (whatever the branch kind and term start: a tick stays valid when they change) and
// returns that year; false for anything else.
func DutyKeyYear(key string) (int, bool) {
	parts := strings.Split(key, "-")
	if len(parts) != 3 || len(parts[0]) != 4 {
		return 0, false
	}
	year, err := strconv.Atoi(parts[0])
	if err != nil || year < 1000 {
		return 0, false
	}
	period, code := parts[1], parts[2]
	switch {
	case period == "y":
		if code == dutyCodeTalks {
			return year, true
		}
	case len(period) == 2 && period[0] == 'q' && period[1] >= '1' && period[1] <= '4':
		if code == MeetingCongress || period == "q4" && (code == MeetingReview || code == dutyCodeAppraise) {
			return year, true
		}
	case len(period) == 2:
		m, err := strconv.Atoi(period)
		if err != nil || m < 1 || m > 12 || period[0] == '+' || period[0] == '-' {
			return 0, false
		}
		switch code {
		case MeetingCommittee, MeetingGroup, MeetingThemeDay, dutyCodeRemind, dutyCodeTermEnd:
			return year, true
		}
	}
	return 0, false
}

// CheckDutyKey is the check of a tick: the key must be an item key of an allowed year.
// It returns the key's year, or a field message.
func CheckDutyKey(key string, today time.Time) (int, map[string]string) {
	year, ok := DutyKeyYear(key)
	if !ok {
		return 0, map[string]string{"key": "没有这一项"}
	}
	if !ValidDutyYear(year, today) {
		return 0, map[string]string{"year": fmt.Sprintf("年份须在 %d 年到 %d 年之间", firstDutyYear, today.Year()+1)}
	}
	return year, nil
}

// Earliest term start accepted.
var firstTermStart = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// CheckTermStart checks the date of the last 换届: a day, not after today and not before
// 2000.
func CheckTermStart(start, today time.Time) map[string]string {
	switch {
	case dutyDateOnly(start) > dutyDateOnly(today):
		return map[string]string{"term_start": "上次换届时间不能晚于今天"}
	case start.Year() < firstTermStart.Year():
		return map[string]string{"term_start": "上次换届时间不能早于2000年"}
	}
	return nil
}
