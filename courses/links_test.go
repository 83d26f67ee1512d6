package courses

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/testdb"

	"zhibu/app/web"
)

// linkExam links a (minimal) exam to the course, as the exams feature stores it; with
// townships the exam is limited to them.
func linkExam(t *testing.T, db *sqlx.DB, courseID int64, townships ...int64) int64 {
	t.Helper()
	var id int64
	testdb.Get(t, db, &id, `INSERT INTO exams (title, course_id, opens_at, closes_at, duration_minutes, pass_score, total_points,
		rules, all_townships) VALUES ($1, $2, now() - interval '1 day', now() + interval '1 day', 30, 6, 10, '[]', $3)
		RETURNING id`, testdb.Unique("课程考试"), courseID, len(townships) == 0)
	for _, tw := range townships {
		testdb.Exec(t, db, `INSERT INTO exam_townships (exam_id, township_id) VALUES ($1, $2)`, id, tw)
	}
	return id
}

// finishAttempt records a finished attempt, as exams' finalization leaves it.
func finishAttempt(t *testing.T, db *sqlx.DB, examID, userID int64, passed bool) {
	t.Helper()
	score := 3.0
	if passed {
		score = 8
	}
	testdb.Exec(t, db, `INSERT INTO attempts (exam_id, user_id, seq, status, deadline, finished_at, finish_reason, paper, shape,
		score, max_score, passed)
		VALUES ($1, $2, (SELECT count(*) + 1 FROM attempts WHERE exam_id = $1 AND user_id = $2), 'finished', now(), now(),
			'submitted', '[]', '', $3, 10, $4)`, examID, userID, score, passed)
}

// studyAll completes every lesson (minimum time 0) and returns the last beat's result.
func studyAll(t *testing.T, db *sqlx.DB, user int64, lessons []int64) *BeatResult {
	t.Helper()
	t0 := time.Now().Add(-time.Minute)
	var r *BeatResult
	for i, l := range lessons {
		at := t0.Add(time.Duration(2*i) * time.Second)
		beat(t, db, user, l, BeatInput{Resume: true}, at)
		r = beat(t, db, user, l, BeatInput{ReachedEnd: true}, at.Add(time.Second))
		if !r.LessonCompleted {
			t.Fatalf("lesson %d not completed: %+v", l, r)
		}
	}
	return r
}

func TestCourseWithExamCompletesWhenPassed(t *testing.T) {
	db := testdb.DB(t)
	ctx := context.Background()
	county := testdb.MakeCounty(t, db)
	year := YearOf(time.Now())
	u := county.Secretaries[0][0]
	completed := func(courseID int64) (bool, float64) {
		var row struct {
			Done  *time.Time `db:"completed_at"`
			Hours float64    `db:"hours_earned"`
		}
		if err := db.Get(&row, `SELECT completed_at, hours_earned FROM course_progress WHERE user_id = $1 AND course_id = $2`,
			u, courseID); err != nil {
			t.Fatal(err)
		}
		return row.Done != nil, row.Hours
	}
	before := hoursOf(t, db, u, year)

	cid, ls := makeCourse(t, db, 2, 0, 3)
	exam := linkExam(t, db, cid)
	if r := studyAll(t, db, u, ls); r.CourseCompleted {
		t.Fatalf("course with an unpassed exam completed: %+v", r)
	}
	// Rechecks (and more beats) change nothing until the exam is passed; a failed attempt is not a pass.
	finishAttempt(t, db, exam, u, false)
	if err := RecheckCompletion(ctx, db, u, cid); err != nil {
		t.Fatal(err)
	}
	if r := beat(t, db, u, ls[1], BeatInput{}, time.Now()); r.CourseCompleted {
		t.Fatalf("completed after a failed attempt: %+v", r)
	}
	if done, _ := completed(cid); done {
		t.Fatal("completed without a pass")
	}
	finishAttempt(t, db, exam, u, true)
	if err := RecheckCompletion(ctx, db, u, cid); err != nil {
		t.Fatal(err)
	}
	if done, hours := completed(cid); !done || hours != 3 {
		t.Fatalf("after the pass: done %v, hours %v", done, hours)
	}
	if h := hoursOf(t, db, u, year); h != before+3 {
		t.Fatalf("hours this year %v, want %v", h, before+3)
	}
	mine, err := st(db).MyCourses(ctx, u, year, cid, false)
	if err != nil || len(mine) != 1 || !mine[0].Done() || mine[0].HoursEarned != 3 {
		t.Fatalf("my course: %+v %v", mine, err)
	}
	// Rechecking a completed course keeps its first completion.
	if err := RecheckCompletion(ctx, db, u, cid); err != nil {
		t.Fatal(err)
	}

	// Passing first and studying later completes with the last lesson.
	cid2, ls2 := makeCourse(t, db, 1, 0, 2)
	finishAttempt(t, db, linkExam(t, db, cid2), u, true)
	if err := RecheckCompletion(ctx, db, u, cid2); err != nil { // not started: nothing to do
		t.Fatal(err)
	}
	if r := studyAll(t, db, u, ls2); !r.CourseCompleted || r.HoursEarned != 2 {
		t.Fatalf("passed before studying: %+v", r)
	}

	// A course without an exam completes with its lessons, as before; an exam limited to
	// another township does not hold this learner back.
	_, ls3 := makeCourse(t, db, 2, 0, 1)
	if r := studyAll(t, db, u, ls3); !r.CourseCompleted || r.HoursEarned != 1 {
		t.Fatalf("course without exam: %+v", r)
	}
	cid4, ls4 := makeCourse(t, db, 1, 0, 1)
	linkExam(t, db, cid4, county.Townships[1])
	if r := studyAll(t, db, u, ls4); !r.CourseCompleted {
		t.Fatalf("exam of another township blocked completion: %+v", r)
	}
	other := county.Secretaries[1][0]
	studyAll(t, db, other, ls4)
	var otherDone *time.Time
	testdb.Get(t, db, &otherDone, `SELECT completed_at FROM course_progress WHERE user_id = $1 AND course_id = $2`, other, cid4)
	if otherDone != nil {
		t.Fatal("the exam's own township completed without the exam")
	}
}

// The SQL function tours uses for eligibility must agree with courses' own rule
// (AssignmentScope.Applies, published courses, secretaries only) and with the
// required_left the learner sees.
func TestRequiredCoursesLeftMatchesGoRule(t *testing.T) {
	db := testdb.DB(t)
	ctx := context.Background()
	county := testdb.MakeCounty(t, db)
	const year = 2041 // a year no other test assigns
	due := time.Date(year, 12, 31, 0, 0, 0, 0, web.China)
	jiguan := testdb.Branch(t, db, county.Townships[1], testdb.Unique("机关支部"), "机关")
	extra := testdb.User(t, db, "secretary", testdb.Unique("sec"), county.Townships[1], jiguan)

	cAll, lsAll := makeCourse(t, db, 1, 0, 1)
	cTown, _ := makeCourse(t, db, 1, 0, 1)
	cKinds, _ := makeCourse(t, db, 1, 0, 1)
	cTwice, _ := makeCourse(t, db, 1, 0, 1)
	cDraft, _ := makeCourse(t, db, 1, 0, 1)
	cOld, _ := makeCourse(t, db, 1, 0, 1)
	if _, err := st(db).SetPublished(ctx, cDraft, false); err != nil {
		t.Fatal(err)
	}
	for _, a := range []Assignment{
		{CourseID: cAll, Year: year, Scope: "all"},
		{CourseID: cTown, Year: year, Scope: "townships", TownshipIDs: []int64{county.Townships[1]}},
		{CourseID: cKinds, Year: year, Scope: "kinds", BranchKinds: []string{"社区", "机关"}},
		{CourseID: cTwice, Year: year, Scope: "townships", TownshipIDs: []int64{county.Townships[0]}},
		{CourseID: cTwice, Year: year, Scope: "kinds", BranchKinds: []string{"农村"}},
		{CourseID: cDraft, Year: year, Scope: "all"},
		{CourseID: cOld, Year: year - 1, Scope: "all"},
	} {
		a.DueDate = due
		if _, err := st(db).insertAssignment(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	// One secretary finishes the county-wide course.
	done := county.Secretaries[0][0]
	studyAll(t, db, done, lsAll)

	var assigned []Assignment
	if err := db.Select(&assigned, `SELECT a.id, a.course_id, a.year, a.scope, a.township_ids, a.branch_kinds, a.due_date
		FROM course_assignments a JOIN courses c ON c.id = a.course_id WHERE a.year = $1 AND c.published`, year); err != nil {
		t.Fatal(err)
	}
	users := []int64{extra, county.Organizers[0], county.Admin}
	for _, ts := range county.Secretaries {
		users = append(users, ts...)
	}
	for _, u := range users {
		var me struct {
			Role     string `db:"role"`
			Township *int64 `db:"township_id"`
			Kind     string `db:"kind"`
		}
		if err := db.Get(&me, `SELECT u.role, u.township_id, coalesce(b.kind, '') AS kind
			FROM users u LEFT JOIN branches b ON b.id = u.branch_id WHERE u.id = $1`, u); err != nil {
			t.Fatal(err)
		}
		var tw int64
		if me.Township != nil {
			tw = *me.Township
		}
		want := map[int64]bool{}
		for _, a := range assigned {
			if me.Role == "secretary" && (AssignmentScope{Scope: a.Scope, TownshipIDs: a.TownshipIDs, BranchKinds: a.BranchKinds}).Applies(tw, me.Kind) {
				want[a.CourseID] = true
			}
		}
		var completed []int64
		if err := db.Select(&completed, `SELECT course_id FROM course_progress WHERE user_id = $1 AND completed_at IS NOT NULL`, u); err != nil {
			t.Fatal(err)
		}
		for _, c := range completed {
			delete(want, c)
		}
		var got int
		if err := db.Get(&got, `SELECT zhibu_required_courses_left($1, $2)`, u, year); err != nil {
			t.Fatal(err)
		}
		if got != len(want) {
			t.Errorf("user %d (%s, %s): SQL says %d left, Go rule %d (%v)", u, me.Role, me.Kind, got, len(want), want)
		}
		// The learner's own summary counts the same.
		list, err := st(db).MyCourses(ctx, u, year, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		left := 0
		for _, m := range list {
			if m.Required() && !m.Done() {
				left++
			}
		}
		if left != got {
			t.Errorf("user %d: required_left %d, SQL function %d", u, left, got)
		}
	}
	// Spot checks, so that both sides cannot agree on nonsense: 农村 in township 0 has
	// all + twice (counted once); 社区 in township 1 has all + town + kinds; 机关 likewise.
	for _, c := range []struct {
		user int64
		want int
	}{{county.Secretaries[0][1], 2}, {done, 1}, {county.Secretaries[0][2], 3}, {county.Secretaries[1][2], 3},
		{county.Secretaries[1][0], 3}, {extra, 3}, {county.Organizers[0], 0}} {
		var got int
		testdb.Get(t, db, &got, `SELECT zhibu_required_courses_left($1, $2)`, c.user, year)
		if got != c.want {
			t.Errorf("user %d: %d left, want %d", c.user, got, c.want)
		}
	}
}

// The learner is told why a course whose lessons are all done is not complete yet.
func TestCoursePageShowsMissingExam(t *testing.T) {
	f := setup(t)
	db := testdb.DB(t)
	u := f.county.Secretaries[0][0]
	exam := linkExam(t, db, f.course)
	path := "/courses/" + id(f.course)
	if st, page := f.sec.Get(path); st != 200 || !strings.Contains(page, "本课程设有考试") {
		t.Fatalf("before studying: %d", st)
	}
	studyAll(t, db, u, f.lessons)
	if st, page := f.sec.Get(path); st != 200 || !strings.Contains(page, "还需通过本课程的考试") {
		t.Fatalf("lessons done, exam missing: %d %s", st, page)
	}
	if st, body := f.sec.JSON("GET", "/api/v1/courses/"+id(f.course), nil); st != 200 ||
		!strings.Contains(string(body), `"exam_required":true`) || !strings.Contains(string(body), `"exam_passed":false`) {
		t.Fatalf("api: %d %s", st, body)
	}
	// Another township's secretary is not bound by an exam limited to township 0.
	testdb.Exec(t, db, `UPDATE exams SET all_townships = false WHERE id = $1`, exam)
	testdb.Exec(t, db, `INSERT INTO exam_townships (exam_id, township_id) VALUES ($1, $2)`, exam, f.county.Townships[0])
	mine, err := st(db).MyCourses(context.Background(), f.county.Secretaries[1][0], YearOf(time.Now()), f.course, false)
	if err != nil || len(mine) != 1 || mine[0].ExamLinked {
		t.Fatalf("other township: %+v %v", mine, err)
	}
	finishAttempt(t, db, exam, u, true)
	if err := RecheckCompletion(context.Background(), db, u, f.course); err != nil {
		t.Fatal(err)
	}
	if st, page := f.sec.Get(path); st != 200 || !strings.Contains(page, "完成本课程") || strings.Contains(page, "还需通过") {
		t.Fatalf("after the pass: %d", st)
	}
}

// Passing the linked exam again (or studying on) never completes a completed course a
// second time: its completion time, its 学时 and the year they count in stay.
func TestPassingAgainKeepsFirstCompletion(t *testing.T) {
	db := testdb.DB(t)
	ctx := context.Background()
	county := testdb.MakeCounty(t, db)
	u := county.Secretaries[1][1]
	// Years no other test touches, each with its own conversion.
	const year = 2044
	for _, r := range []YearRule{{Year: year, TargetHours: 50, MinutesPerHour: 45}, {Year: year + 1, TargetHours: 50, MinutesPerHour: 90}} {
		if _, err := st(db).SaveYearRule(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	// No declared credit: 90 minutes of study are 2 学时 in year, 1 in year+1.
	cid, ls := makeCourse(t, db, 1, 90*60, 0)
	testdb.Exec(t, db, `INSERT INTO lesson_progress (user_id, lesson_id, seconds, reached_end, completed_at) VALUES ($1, $2, 5400, true, now())`, u, ls[0])
	testdb.Exec(t, db, `INSERT INTO course_progress (user_id, course_id, last_lesson_id, started_at, updated_at) VALUES ($1, $2, $3, now(), now())`, u, cid, ls[0])
	exam := linkExam(t, db, cid)
	first := time.Date(year, 6, 1, 10, 0, 0, 0, web.China)
	finishAttempt(t, db, exam, u, true)
	if err := NewStore(db, Deps{Now: func() time.Time { return first }}).RecheckCompletion(ctx, u, cid); err != nil {
		t.Fatal(err)
	}
	type progress struct {
		Done  *time.Time `db:"completed_at"`
		Hours float64    `db:"hours_earned"`
	}
	var before progress
	testdb.Get(t, db, &before, `SELECT completed_at, hours_earned FROM course_progress WHERE user_id = $1 AND course_id = $2`, u, cid)
	if before.Done == nil || !before.Done.Equal(first) || before.Hours != 2 || hoursOf(t, db, u, year) != 2 {
		t.Fatalf("first completion: %+v, %v 学时 in %d", before, hoursOf(t, db, u, year), year)
	}

	// A year later: another pass, a recheck and another beat on the lesson.
	later := time.Date(year+1, 3, 1, 10, 0, 0, 0, web.China)
	finishAttempt(t, db, exam, u, true)
	if err := NewStore(db, Deps{Now: func() time.Time { return later }}).RecheckCompletion(ctx, u, cid); err != nil {
		t.Fatal(err)
	}
	beat(t, db, u, ls[0], BeatInput{Resume: true}, later)
	if r := beat(t, db, u, ls[0], BeatInput{ReachedEnd: true}, later.Add(10*time.Second)); r.HoursEarned != 0 || !r.CourseCompleted {
		t.Fatalf("beat on a completed course: %+v", r)
	}
	var after progress
	testdb.Get(t, db, &after, `SELECT completed_at, hours_earned FROM course_progress WHERE user_id = $1 AND course_id = $2`, u, cid)
	if !after.Done.Equal(*before.Done) || after.Hours != before.Hours {
		t.Fatalf("completion moved: before %+v, after %+v", before, after)
	}
	if h, next := hoursOf(t, db, u, year), hoursOf(t, db, u, year+1); h != 2 || next != 0 {
		t.Fatalf("学时 moved between years: %d has %v, %d has %v", year, h, year+1, next)
	}
}
