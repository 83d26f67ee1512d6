package courses

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/hours"
	"zhibu/app/testdb"
	"zhibu/app/web"
)

// st is the store the tests use: the production defaults of Deps.
func st(db *sqlx.DB) *Store { return NewStore(db, Deps{}) }

// makeCourse creates a published course with n lessons of minSec seconds each, declaring
// hours 学时 (with a reason, since tests' lessons are short: CreditCheck).
func makeCourse(t testing.TB, db *sqlx.DB, n, minSec int, hours float64) (int64, []int64) {
	t.Helper()
	ctx := context.Background()
	in := CourseInput{Title: testdb.Unique("课程"), Category: "实务", Topic: "三会一课", CreditHours: hours}
	if hours > 0 {
		in.CreditReason = "测试课程，按声明学时认定"
	}
	co, err := st(db).CreateCourse(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := 0; i < n; i++ {
		l, err := st(db).CreateLesson(ctx, co.ID, LessonInput{Title: testdb.Unique("课时"), Body: "## 正文\n\n内容", MinSeconds: minSec})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, l.ID)
	}
	if _, err := st(db).SetPublished(ctx, co.ID, true); err != nil {
		t.Fatal(err)
	}
	return co.ID, ids
}

// assign makes a course 必修 as given, without the input checks.
func assign(t testing.TB, db *sqlx.DB, a Assignment) int64 {
	t.Helper()
	id, err := st(db).insertAssignment(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// hoursOf is the user's 学时 of the year: the ledger's total (app/hours), which course
// completion writes.
func hoursOf(t testing.TB, db *sqlx.DB, user int64, year int) float64 {
	t.Helper()
	sum, err := hours.NewStore(db).Mine(context.Background(), user, year)
	if err != nil {
		t.Fatal(err)
	}
	return sum.Total
}

// lessonsIn lists a course's lessons in order.
func lessonsIn(t testing.TB, db *sqlx.DB, courseID int64) []Lesson {
	t.Helper()
	ls, err := st(db).Lessons(context.Background(), courseID)
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

func beat(t testing.TB, db *sqlx.DB, user, lesson int64, in BeatInput, at time.Time) *BeatResult {
	t.Helper()
	r, err := st(db).heartbeatAt(context.Background(), user, lesson, in, at)
	if err != nil {
		t.Fatalf("heartbeat: %v", err)
	}
	return r
}

func TestHeartbeatCountsOneLessonAtATime(t *testing.T) {
	db := testdb.DB(t)
	county := testdb.MakeCounty(t, db)
	user := county.Secretaries[0][0]
	_, ls := makeCourse(t, db, 2, 60, 0)
	t0 := time.Now().Add(-time.Hour)

	beat(t, db, user, ls[0], BeatInput{Resume: true}, t0)
	if r := beat(t, db, user, ls[0], BeatInput{}, t0.Add(15*time.Second)); r.Credited != 15 || r.Seconds != 15 {
		t.Fatalf("15 s on the same lesson: %+v", r)
	}
	// A second tab on another lesson takes over: neither beat earns anything.
	if r := beat(t, db, user, ls[1], BeatInput{}, t0.Add(20*time.Second)); r.Credited != 0 {
		t.Fatalf("switching lesson credited %+v", r)
	}
	if r := beat(t, db, user, ls[0], BeatInput{}, t0.Add(25*time.Second)); r.Credited != 0 {
		t.Fatalf("alternating tabs credited %+v", r)
	}
	// A long silence (hidden tab, closed phone) earns at most the cap.
	if r := beat(t, db, user, ls[0], BeatInput{}, t0.Add(25*time.Second+time.Hour/2)); r.Credited != int(BeatCap(DefaultHeartbeatInterval).Seconds()) {
		t.Fatalf("cap: %+v", r)
	}
	// Claiming more time than passed is refused without counting.
	_, err := st(db).heartbeatAt(context.Background(), user, ls[0], BeatInput{Elapsed: 100}, t0.Add(25*time.Second+time.Hour/2+10*time.Second))
	if !errors.Is(err, ErrImpossibleTime) {
		t.Fatalf("impossible claim: %v", err)
	}
	var secs int
	testdb.Get(t, db, &secs, `SELECT seconds FROM lesson_progress WHERE user_id = $1 AND lesson_id = $2`, user, ls[0])
	if secs != 15+int(BeatCap(DefaultHeartbeatInterval).Seconds()) {
		t.Fatalf("seconds after refused beat = %d", secs)
	}
}

// In production the page beats every 15 s, and one beat earns at most 30 s however long
// the silence before it: the defaults of Deps, not a test's shortened interval.
func TestProductionBeatCap(t *testing.T) {
	db := testdb.DB(t)
	county := testdb.MakeCounty(t, db)
	user := county.Secretaries[1][0]
	_, ls := makeCourse(t, db, 1, 600, 0)
	t0 := time.Now().Add(-2 * time.Hour)
	beat(t, db, user, ls[0], BeatInput{Resume: true}, t0)
	if r := beat(t, db, user, ls[0], BeatInput{}, t0.Add(29*time.Second)); r.Credited != 29 {
		t.Fatalf("29 s under the cap: %+v", r)
	}
	at := t0.Add(29 * time.Second)
	for _, gap := range []time.Duration{31 * time.Second, 45 * time.Second, time.Hour} {
		at = at.Add(gap)
		if r := beat(t, db, user, ls[0], BeatInput{}, at); r.Credited != 30 {
			t.Fatalf("a beat after %v earned %d s, want the production cap of 30 s", gap, r.Credited)
		}
	}
}

func TestLessonAndCourseCompletionEarnHours(t *testing.T) {
	db := testdb.DB(t)
	ctx := context.Background()
	county := testdb.MakeCounty(t, db)
	user := county.Secretaries[0][1]
	now := time.Now()
	year := YearOf(now)
	if _, err := st(db).SaveYearRule(ctx, YearRule{Year: year, TargetHours: 20, MinutesPerHour: 1}); err != nil {
		t.Fatal(err)
	}
	// No declared credit: 2 lessons × 60 s at 1 minute per 学时 = 2 学时.
	cid, ls := makeCourse(t, db, 2, 60, 0)
	t0 := now.Add(-10 * time.Minute)

	beat(t, db, user, ls[0], BeatInput{Resume: true}, t0)
	// Reaching the end early does not complete the lesson.
	if r := beat(t, db, user, ls[0], BeatInput{ReachedEnd: true}, t0.Add(10*time.Second)); r.LessonCompleted || !r.ReachedEnd {
		t.Fatalf("early end: %+v", r)
	}
	for i := 1; i <= 4; i++ { // 10 s + 4 × 15 s = 70 s ≥ 60 s
		beat(t, db, user, ls[0], BeatInput{}, t0.Add(time.Duration(10+15*i)*time.Second))
	}
	r := beat(t, db, user, ls[0], BeatInput{}, t0.Add(71*time.Second))
	if !r.LessonCompleted || r.CourseCompleted {
		t.Fatalf("lesson 1 should be complete, course not: %+v", r)
	}
	if h := hoursOf(t, db, user, year); h != 0 {
		t.Fatalf("hours before course completion = %v", h)
	}
	// Lesson 2: enough time but the end is only reached at the last beat.
	t1 := t0.Add(2 * time.Minute)
	beat(t, db, user, ls[1], BeatInput{Resume: true}, t1)
	for i := 1; i <= 4; i++ {
		if r := beat(t, db, user, ls[1], BeatInput{}, t1.Add(time.Duration(15*i)*time.Second)); r.LessonCompleted {
			t.Fatal("completed without reaching the end")
		}
	}
	r = beat(t, db, user, ls[1], BeatInput{ReachedEnd: true}, t1.Add(61*time.Second))
	if !r.LessonCompleted || !r.CourseCompleted || r.HoursEarned != 2 {
		t.Fatalf("course should complete with 2 学时: %+v", r)
	}
	if h := hoursOf(t, db, user, year); h != 2 {
		t.Fatalf("hours = %v", h)
	}
	// Later policy changes never rewrite earned hours; more beats change nothing.
	if _, err := st(db).SaveYearRule(ctx, YearRule{Year: year, TargetHours: 20, MinutesPerHour: 60}); err != nil {
		t.Fatal(err)
	}
	beat(t, db, user, ls[1], BeatInput{}, t1.Add(70*time.Second))
	if h := hoursOf(t, db, user, year); h != 2 {
		t.Fatalf("hours changed to %v", h)
	}
	mine, err := st(db).MyCourses(ctx, user, year, cid, false)
	if err != nil || len(mine) != 1 || !mine[0].Done() || mine[0].LessonsDone != 2 || mine[0].Percent() != 100 {
		t.Fatalf("my course: %+v %v", mine, err)
	}
}

func TestHeartbeatRefusesUnpublished(t *testing.T) {
	db := testdb.DB(t)
	ctx := context.Background()
	county := testdb.MakeCounty(t, db)
	cid, ls := makeCourse(t, db, 1, 1, 1)
	if _, err := st(db).SetPublished(ctx, cid, false); err != nil {
		t.Fatal(err)
	}
	_, err := st(db).heartbeatAt(ctx, county.Secretaries[0][0], ls[0], BeatInput{}, time.Now())
	if !errors.Is(err, ErrLessonNotFound) {
		t.Fatalf("unpublished: %v", err)
	}
	_, err = st(db).heartbeatAt(ctx, county.Secretaries[0][0], 987654321, BeatInput{}, time.Now())
	if !errors.Is(err, ErrLessonNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	var n int
	testdb.Get(t, db, &n, `SELECT count(*) FROM lesson_progress WHERE lesson_id = $1`, ls[0])
	if n != 0 {
		t.Fatal("refused beat wrote progress")
	}
}

func TestRequiredScopesAndStats(t *testing.T) {
	db := testdb.DB(t)
	ctx := context.Background()
	county := testdb.MakeCounty(t, db)
	year := YearOf(time.Now())
	due := time.Date(year, 12, 31, 0, 0, 0, 0, web.China)
	cAll, lsAll := makeCourse(t, db, 1, 0, 1)
	cTown, _ := makeCourse(t, db, 1, 0, 1)
	cKind, _ := makeCourse(t, db, 1, 0, 1)
	cOld, _ := makeCourse(t, db, 1, 0, 1)
	mustAssign := func(a Assignment) {
		if _, err := st(db).insertAssignment(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	mustAssign(Assignment{CourseID: cAll, Year: year, Scope: "all", DueDate: due})
	mustAssign(Assignment{CourseID: cTown, Year: year, Scope: "townships", TownshipIDs: []int64{county.Townships[1]}, DueDate: due})
	mustAssign(Assignment{CourseID: cKind, Year: year, Scope: "kinds", BranchKinds: []string{"社区"}, DueDate: due})
	mustAssign(Assignment{CourseID: cOld, Year: year - 1, Scope: "all", DueDate: due.AddDate(-1, 0, 0)})

	required := func(user int64) map[int64]bool {
		list, err := st(db).MyCourses(ctx, user, year, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		m := map[int64]bool{}
		for _, c := range list {
			if c.Required() {
				m[c.ID] = true
			}
		}
		return m
	}
	// Township 0, 农村 branch (secretaries 0,1) / 社区 branch (2,3).
	if r := required(county.Secretaries[0][0]); !r[cAll] || r[cTown] || r[cKind] || r[cOld] {
		t.Errorf("t0 农村: %v", r)
	}
	if r := required(county.Secretaries[0][2]); !r[cAll] || r[cTown] || !r[cKind] {
		t.Errorf("t0 社区: %v", r)
	}
	if r := required(county.Secretaries[1][0]); !r[cAll] || !r[cTown] || r[cKind] {
		t.Errorf("t1 农村: %v", r)
	}
	if r := required(county.Organizers[0]); len(r) != 0 {
		t.Errorf("organizers have no required courses: %v", r)
	}

	// One secretary of township 0 finishes the county-wide course.
	u := county.Secretaries[0][0]
	beat(t, db, u, lsAll[0], BeatInput{Resume: true}, time.Now().Add(-time.Second))
	if r := beat(t, db, u, lsAll[0], BeatInput{ReachedEnd: true}, time.Now()); !r.CourseCompleted {
		t.Fatalf("%+v", r)
	}
	stat := func(township int64) map[int64]RequiredStat {
		scope := web.Scope{All: true}
		if township > 0 {
			scope = web.Scope{TownshipID: township}
		}
		st, err := st(db).RequiredStats(ctx, year, scope)
		if err != nil {
			t.Fatal(err)
		}
		m := map[int64]RequiredStat{}
		for _, s := range st {
			m[s.CourseID] = s
		}
		return m
	}
	// Other tests' counties live in the same database: compare township-scoped counts.
	if s := stat(county.Townships[0]); s[cAll].Required != 4 || s[cAll].Done != 1 || s[cKind].Required != 2 || s[cTown].Required != 0 {
		t.Errorf("township 0 stats: %+v", s)
	}
	if s := stat(county.Townships[1]); s[cAll].Done != 0 || s[cTown].Required != 4 {
		t.Errorf("township 1 stats: %+v", s)
	}
	admin := &web.Identity{Role: web.RoleAdmin}
	in := func(status string) []Learner {
		t.Helper()
		f := ProgressFilter{Scope: web.Scope{TownshipID: county.Townships[0]}, BranchID: county.Branches[0][0], Status: status}
		_, _, rows, err := st(db).Progress(ctx, admin, cAll, year, f)
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	if rows := in(""); len(rows) != 2 {
		t.Fatalf("learners in branch: %v", rows)
	}
	doneRows := in(StatusDone)
	if len(doneRows) != 1 || doneRows[0].UserID != u || doneRows[0].Status() != "已完成" {
		t.Errorf("done: %+v", doneRows)
	}
	if b := in(StatusBehind); len(b) != 1 || b[0].UserID == u {
		t.Errorf("behind: %+v", b)
	}
}

func TestReorderAndDelete(t *testing.T) {
	db := testdb.DB(t)
	ctx := context.Background()
	cid, ls := makeCourse(t, db, 3, 0, 1)
	if _, err := st(db).ReorderLessons(ctx, cid, []int64{ls[2], ls[0], ls[1]}); err != nil {
		t.Fatal(err)
	}
	got := lessonsIn(t, db, cid)
	if got[0].ID != ls[2] || got[0].Position != 1 || got[2].ID != ls[1] {
		t.Fatalf("order: %+v", got)
	}
	if _, err := st(db).ReorderLessons(ctx, cid, []int64{ls[0], ls[1]}); err == nil {
		t.Fatal("partial order accepted")
	}
	if _, err := st(db).MoveLesson(ctx, ls[1], -1); err != nil {
		t.Fatal(err)
	}
	got = lessonsIn(t, db, cid)
	if got[1].ID != ls[1] {
		t.Fatalf("move: %+v", got)
	}
	if _, err := st(db).DeleteLesson(ctx, ls[2]); err != nil {
		t.Fatal(err)
	}
	got = lessonsIn(t, db, cid)
	if len(got) != 2 || got[0].Position != 1 || got[1].Position != 2 {
		t.Fatalf("after delete: %+v", got)
	}
}

func TestSeedDemoIdempotent(t *testing.T) {
	db := testdb.DB(t)
	ctx := context.Background()
	list := []DemoCourse{
		{Course: CourseInput{Title: testdb.Unique("演示"), Category: "实务", CreditHours: 2}, Required: true,
			Lessons: []LessonInput{{Title: "一", Body: "a", MinSeconds: 2}, {Title: "二", Body: "b", MinSeconds: 2}}},
		{Course: CourseInput{Title: testdb.Unique("演示"), Category: "理论", CreditHours: 1},
			Lessons: []LessonInput{{Title: "一", Body: "a", MinSeconds: 2}}},
	}
	now := time.Now()
	for i := 0; i < 2; i++ {
		if err := st(db).seedCourses(ctx, list, now); err != nil {
			t.Fatal(err)
		}
	}
	var n, lessons, assigns int
	testdb.Get(t, db, &n, `SELECT count(*) FROM courses WHERE title = ANY(ARRAY[$1,$2]) AND published`, list[0].Course.Title, list[1].Course.Title)
	testdb.Get(t, db, &lessons, `SELECT count(*) FROM lessons l JOIN courses c ON c.id = l.course_id WHERE c.title = $1`, list[0].Course.Title)
	testdb.Get(t, db, &assigns, `SELECT count(*) FROM course_assignments a JOIN courses c ON c.id = a.course_id WHERE c.title = ANY(ARRAY[$1,$2])`,
		list[0].Course.Title, list[1].Course.Title)
	if n != 2 || lessons != 2 || assigns != 1 {
		t.Fatalf("courses %d lessons %d assignments %d", n, lessons, assigns)
	}
	// A shorter file version drops the extra lesson.
	list[0].Lessons = list[0].Lessons[:1]
	if err := st(db).seedCourses(ctx, list, now); err != nil {
		t.Fatal(err)
	}
	testdb.Get(t, db, &lessons, `SELECT count(*) FROM lessons l JOIN courses c ON c.id = l.course_id WHERE c.title = $1`, list[0].Course.Title)
	if lessons != 1 {
		t.Fatalf("lessons after shrink: %d", lessons)
	}
	r, err := yearRule(ctx, db, YearOf(now))
	if err != nil {
		t.Fatal(err)
	}
	if r.TargetHours <= 0 {
		t.Fatal("year target not set")
	}
	// The real demo files seed too.
	if err := SeedDemo(ctx, db); err != nil {
		t.Fatal(err)
	}
}

// Deleting the only lesson a learner was missing completes the course at their next beat.
func TestCompletionAfterLessonDeleted(t *testing.T) {
	db := testdb.DB(t)
	ctx := context.Background()
	county := testdb.MakeCounty(t, db)
	u := county.Secretaries[1][1]
	_, ls := makeCourse(t, db, 2, 0, 1)
	t0 := time.Now().Add(-time.Minute)
	beat(t, db, u, ls[0], BeatInput{Resume: true}, t0)
	if r := beat(t, db, u, ls[0], BeatInput{ReachedEnd: true}, t0.Add(time.Second)); !r.LessonCompleted || r.CourseCompleted {
		t.Fatalf("%+v", r)
	}
	if _, err := st(db).DeleteLesson(ctx, ls[1]); err != nil {
		t.Fatal(err)
	}
	if r := beat(t, db, u, ls[0], BeatInput{}, t0.Add(2*time.Second)); !r.CourseCompleted {
		t.Fatalf("course should complete now: %+v", r)
	}
}

// The demo seed gives the demo secretaries some history, once.
func TestSeedDemoProgress(t *testing.T) {
	db := testdb.DB(t)
	ctx := context.Background()
	tw := testdb.Township(t, db, testdb.Unique("演示镇"))
	br := testdb.Branch(t, db, tw, testdb.Unique("演示支部"), "农村")
	main := testdb.User(t, db, "secretary", "secretary", tw, br)
	for i := 2; i <= 9; i++ {
		testdb.User(t, db, "secretary", fmt.Sprintf("secretary%d", i), tw, br)
	}
	if err := SeedDemo(ctx, db); err != nil {
		t.Fatal(err)
	}
	count := func() (n int) {
		testdb.Get(t, db, &n, `SELECT count(*) FROM course_progress cp JOIN users u ON u.id = cp.user_id WHERE u.township_id = $1`, tw)
		return
	}
	n := count()
	if n == 0 {
		t.Fatal("no demo progress")
	}
	year := YearOf(time.Now())
	h := hoursOf(t, db, main, year)
	mine, err := st(db).MyCourses(ctx, main, year, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	var done, started int
	for _, m := range mine {
		if m.Done() {
			done++
			if m.LessonsDone != m.LessonCount {
				t.Errorf("%s done with %d/%d lessons", m.Title, m.LessonsDone, m.LessonCount)
			}
		} else if m.StartedAt != nil {
			started++
			if !m.LastLessonID.Valid || m.LessonsDone != 1 {
				t.Errorf("%s started: %+v", m.Title, m)
			}
		}
	}
	if h <= 0 || done != 1 || started != 1 {
		t.Fatalf("demo secretary: %v 学时, %d done, %d started", h, done, started)
	}
	if err := SeedDemo(ctx, db); err != nil {
		t.Fatal(err)
	}
	if count() != n {
		t.Fatal("second seed changed progress")
	}
}
