package courses

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/testdb"
	"zhibu/app/web"
)

// The view course_requirements (migrations/00051_course_requirements.sql) is the one SQL
// definition of who a year's 必修 course applies to; AssignmentScope.Applies is its Go
// mirror. For every (course, user) pair of a county built to exercise each branch of the
// rule, the view has a row exactly when the Go rule says the course applies, with the
// earliest due date of the assignments that cover the user.
func TestRequirementsViewMatchesGoRule(t *testing.T) {
	db := testdb.DB(t)
	ctx := context.Background()
	const year = 2043 // a year no other test assigns
	day := func(m time.Month, d int) time.Time { return time.Date(year, m, d, 0, 0, 0, 0, web.China) }

	// Three townships with branches of several kinds; secretaries in each branch, one of
	// them inactive; an organizer and an admin who match scopes but are not secretaries.
	type person struct {
		id       int64
		role     string
		township int64
		kind     string
	}
	var people []person
	add := func(role string, township int64, branch int64, kind string) int64 {
		id := testdb.User(t, db, role, testdb.Unique(role), township, branch)
		people = append(people, person{id, role, township, kind})
		return id
	}
	var towns [3]int64
	for i := range towns {
		towns[i] = testdb.Township(t, db, testdb.Unique("必修镇"))
	}
	kinds := [][]string{{"农村", "社区"}, {"机关", "农村"}, {"企业"}}
	var firstBranch [3]int64
	for i, ks := range kinds {
		for j, k := range ks {
			b := testdb.Branch(t, db, towns[i], testdb.Unique(k+"支部"), k)
			if j == 0 {
				firstBranch[i] = b
			}
			add("secretary", towns[i], b, k)
			add("secretary", towns[i], b, k)
		}
	}
	inactive := add("secretary", towns[1], firstBranch[1], "机关")
	testdb.Exec(t, db, `UPDATE users SET active = false WHERE id = $1`, inactive)
	add("organizer", towns[0], firstBranch[0], "农村")
	add("admin", 0, 0, "")

	// Courses and assignments of every scope, overlapping with different due dates; a
	// draft and another year's assignment must not count.
	course := func() int64 { id, _ := makeCourse(t, db, 1, 0, 1); return id }
	cAll, cTowns, cKinds, cOverlap, cNobody, cDraft, cOther := course(), course(), course(), course(), course(), course(), course()
	if _, err := st(db).SetPublished(ctx, cDraft, false); err != nil {
		t.Fatal(err)
	}
	assignments := []Assignment{
		{CourseID: cAll, Year: year, Scope: "all", DueDate: day(12, 31)},
		{CourseID: cTowns, Year: year, Scope: "townships", TownshipIDs: []int64{towns[0], towns[2]}, DueDate: day(9, 30)},
		{CourseID: cKinds, Year: year, Scope: "kinds", BranchKinds: []string{"社区", "企业"}, DueDate: day(8, 31)},
		{CourseID: cOverlap, Year: year, Scope: "all", DueDate: day(12, 31)},
		{CourseID: cOverlap, Year: year, Scope: "townships", TownshipIDs: []int64{towns[1]}, DueDate: day(10, 1)},
		{CourseID: cOverlap, Year: year, Scope: "kinds", BranchKinds: []string{"农村"}, DueDate: day(11, 1)},
		{CourseID: cOverlap, Year: year, Scope: "kinds", BranchKinds: []string{"机关"}, DueDate: day(7, 1)},
		{CourseID: cNobody, Year: year, Scope: "kinds", BranchKinds: []string{"学校"}, DueDate: day(6, 30)},
		{CourseID: cDraft, Year: year, Scope: "all", DueDate: day(5, 31)},
		{CourseID: cOther, Year: year - 1, Scope: "all", DueDate: day(5, 31).AddDate(-1, 0, 0)},
	}
	for _, a := range assignments {
		assign(t, db, a)
	}
	courses := []int64{cAll, cTowns, cKinds, cOverlap, cNobody, cDraft, cOther}
	published := map[int64]bool{cAll: true, cTowns: true, cKinds: true, cOverlap: true, cNobody: true, cOther: true}

	// The Go rule: secretaries only, published courses only, this year's assignments,
	// AssignmentScope.Applies, the earliest due date.
	want := map[string]string{}
	for _, p := range people {
		for _, a := range assignments {
			if p.role != "secretary" || !published[a.CourseID] || a.Year != year ||
				!(AssignmentScope{Scope: a.Scope, TownshipIDs: a.TownshipIDs, BranchKinds: a.BranchKinds}).Applies(p.township, p.kind) {
				continue
			}
			k, due := pairKey(a.CourseID, p.id), a.DueDate.Format(web.DateLayout)
			if old, ok := want[k]; !ok || due < old {
				want[k] = due
			}
		}
	}
	users := make([]int64, len(people))
	for i, p := range people {
		users[i] = p.id
	}
	got := requirementRows(t, db, year, courses, users)
	for k, due := range want {
		if got[k] != due {
			t.Errorf("%s: view says %q, Go rule %q", k, got[k], due)
		}
	}
	for k, due := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: view has a row (due %s) the Go rule does not", k, due)
		}
	}
	// Spot checks, so that both sides cannot agree on nonsense.
	if len(want) == 0 || want[pairKey(cOverlap, inactive)] != day(7, 1).Format(web.DateLayout) {
		t.Errorf("the inactive 机关 secretary of township 1 has cOverlap due %q, want 07-01", want[pairKey(cOverlap, inactive)])
	}
}

func pairKey(courseID, userID int64) string {
	return fmt.Sprintf("course %d / user %d", courseID, userID)
}

// requirementRows reads the view's rows of the year for the given courses and people.
func requirementRows(t *testing.T, db *sqlx.DB, year int, courses, users []int64) map[string]string {
	t.Helper()
	var rows []struct {
		CourseID int64     `db:"course_id"`
		UserID   int64     `db:"user_id"`
		Due      time.Time `db:"due_date"`
	}
	if err := db.Select(&rows, `SELECT course_id, user_id, due_date FROM course_requirements
		WHERE year = $1 AND course_id = ANY($2) AND user_id = ANY($3)`, year, pq.Array(courses), pq.Array(users)); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		k := pairKey(r.CourseID, r.UserID)
		if _, dup := out[k]; dup {
			t.Errorf("%s: more than one row", k)
		}
		out[k] = r.Due.Format(web.DateLayout)
	}
	return out
}
