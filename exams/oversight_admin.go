package exams

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/figures"
	"zhibu/app/web"
)

// The oversight page of a published exam at county scale: the candidates in the caller's
// scope (web.Scope: an organizer always sees their own township, whatever the query
// says), searched by name, phone or branch, filtered by township (county only), branch
// and status, counted per status for the filter, and shown one page (web.PageSize) at a
// time. The figures on top are those of the township filter (app/figures).

// Candidate statuses on the oversight page.
const (
	StatusNone       = "none"        // 未参加
	StatusInProgress = "in_progress" // 作答中
	StatusPassed     = "passed"      // 已通过
	StatusFailed     = "failed"      // 未通过
)

// RosterStatuses are the statuses in the order the page shows them, with their names.
var RosterStatuses = []struct{ Code, Name string }{
	{StatusNone, "未参加"}, {StatusInProgress, "作答中"}, {StatusPassed, "已通过"}, {StatusFailed, "未通过"},
}

// RowStatus is a candidate's status: passed wins (the best attempt counts), then an
// attempt in progress, then a finished attempt without a pass, else none.
func RowStatus(r ResultRow) string {
	switch {
	case r.Passed:
		return StatusPassed
	case r.InProgress:
		return StatusInProgress
	case r.Finished > 0:
		return StatusFailed
	}
	return StatusNone
}

// StatusName is the Chinese name of a status.
func StatusName(code string) string {
	for _, s := range RosterStatuses {
		if s.Code == code {
			return s.Name
		}
	}
	return ""
}

// RosterFilter is what the oversight page is asked for.
type RosterFilter struct {
	Q        string
	Township int64
	Branch   string
	Status   string
}

// FilterRoster keeps the rows matching f (pure): the rows of every filter, and per
// status the count of the rows matching every filter but the status.
func FilterRoster(rows []ResultRow, f RosterFilter) ([]ResultRow, map[string]int) {
	q := strings.ToLower(strings.TrimSpace(f.Q))
	counts := map[string]int{}
	var out []ResultRow
	for _, r := range rows {
		if f.Township > 0 && r.TownshipID != f.Township {
			continue
		}
		if f.Branch != "" && r.BranchName != f.Branch {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(r.Name), q) && !strings.Contains(r.Phone, q) &&
			!strings.Contains(strings.ToLower(r.BranchName), q) {
			continue
		}
		st := RowStatus(r)
		counts[st]++
		counts[""]++
		if f.Status != "" && st != f.Status {
			continue
		}
		out = append(out, r)
	}
	return out, counts
}

// itemStatsShown bounds the item statistics on the page (the weakest first; the API
// has them all).
const itemStatsShown = 20

// rosterRow is a row of the page.
type rosterRow struct {
	ResultRow
	Status, StatusName string
}

// oversightPage renders GET /admin/exams/:id of a published exam.
func (h *handlers) oversightPage(c *fiber.Ctx, e *Exam) error {
	me := web.Me(c)
	scope := web.ScopeOf(me)
	page, err := web.PageParam(c)
	if err != nil {
		return err
	}
	f := RosterFilter{Q: strings.TrimSpace(c.Query("q")), Branch: strings.TrimSpace(c.Query("branch")), Status: c.Query("status")}
	if len([]rune(f.Q)) > 50 || web.BadText(f.Q, false) || len([]rune(f.Branch)) > 100 || web.BadText(f.Branch, false) {
		return web.BadRequest("搜索条件含有无效字符或过长")
	}
	if f.Status != "" && StatusName(f.Status) == "" {
		return web.BadRequest("状态只能是未参加、作答中、已通过或未通过")
	}
	if scope.All {
		tid, err := web.QueryInt(c, "township")
		if err != nil {
			return err
		}
		f.Township = max(tid, 0)
	} else {
		f.Township = scope.TownshipID // whatever ?township= says
	}
	all, err := h.st.ExamResults(c.UserContext(), e.ID, scope)
	if err != nil {
		return err
	}
	var inTown []ResultRow
	branches := []string{}
	for _, r := range all {
		if f.Township == 0 || r.TownshipID == f.Township {
			inTown = append(inTown, r)
			if f.Township > 0 && r.BranchName != "" && !slices.Contains(branches, r.BranchName) {
				branches = append(branches, r.BranchName)
			}
		}
	}
	slices.Sort(branches)
	rows, counts := FilterRoster(all, f)
	pager := web.NewPager(c, page, len(rows), web.PageSize)
	lo, hi := min(pager.Offset(), len(rows)), min(pager.Offset()+pager.Limit(), len(rows))
	shown := make([]rosterRow, 0, hi-lo)
	for _, r := range rows[lo:hi] {
		st := RowStatus(r)
		shown = append(shown, rosterRow{ResultRow: r, Status: st, StatusName: StatusName(st)})
	}
	statScope := scope
	if f.Township > 0 {
		statScope = web.Scope{TownshipID: f.Township}
	}
	stats, err := h.st.ItemStats(c.UserContext(), e.ID, statScope)
	if err != nil {
		return err
	}
	more := 0
	if len(stats) > itemStatsShown {
		stats, more = stats[:itemStatsShown], len(stats)-itemStatsShown
	}
	var towns []TownshipOption
	if scope.All {
		if towns, err = h.st.Townships(c.UserContext()); err != nil {
			return err
		}
	}
	type statusCount struct {
		Code, Name string
		N          int
	}
	sc := []statusCount{{"", "全部", counts[""]}}
	for _, s := range RosterStatuses {
		sc = append(sc, statusCount{s.Code, s.Name, counts[s.Code]})
	}
	return h.s.Render.Page(c, "exams/admin_exam", fiber.Map{"Title": e.Title, "E": e, "Rows": shown, "Matched": len(rows),
		"Counts": sc, "F": f, "Township": strconv.FormatInt(f.Township, 10), "Townships": towns, "Branches": branches,
		"Pager": pager, "Cards": resultCards(ResultFigures(inTown, e.TotalPoints), e.TotalPoints), "Stats": stats,
		"MoreStats": more, "Defs": figures.For(figures.OfExam), "Admin": me.Role == web.RoleAdmin})
}
