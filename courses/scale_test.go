package courses

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// bigTownship seeds, with plain SQL, one township of n secretaries in 150 branches (20
// each, like seed-demo's county of 3,000), a third of them done with the course, a third
// studying, and an organizer of it. It returns the township and the organizer.
func bigTownship(t *testing.T, f *fixture, courseID int64, n int) (int64, int64) {
	t.Helper()
	db := f.srv.DB
	tw := testdb.Township(t, db, testdb.Unique("大王庄镇"))
	tag := testdb.Unique("")
	testdb.Exec(t, db, `INSERT INTO branches (township_id, name, kind)
		SELECT $1, '第' || g || '村党支部（' || $2 || '）', '农村' FROM generate_series(1, 150) g`, tw, tag)
	testdb.Exec(t, db, `INSERT INTO users (username, phone, name, role, township_id, branch_id, password_hash)
		SELECT 'big' || $3 || '_' || g, '138' || lpad(($3::int * 10000 + g)::text, 8, '0'),
			(ARRAY['王','李','张','刘','陈','杨'])[1 + g % 6] || '书记' || g, 'secretary', $1,
			(SELECT id FROM branches WHERE township_id = $1 ORDER BY id OFFSET (g - 1) % 150 LIMIT 1), 'x'
		FROM generate_series(1, $2::int) g`, tw, n, tag)
	testdb.Exec(t, db, `INSERT INTO course_progress (user_id, course_id, started_at, completed_at)
		SELECT id, $2, now() - interval '1 day', CASE WHEN id % 3 = 0 THEN now() END FROM users
		WHERE township_id = $1 AND role = 'secretary' AND id % 3 <> 2`, tw, courseID)
	org := testdb.User(t, db, "organizer", testdb.Unique("bigorg"), tw, 0)
	return tw, org
}

// elements counts the start tags of a page, as the browser's element count does.
var startTag = regexp.MustCompile(`<[a-zA-Z]`)

func elements(page string) int { return len(startTag.FindAllString(page, -1)) }

var tagRE = regexp.MustCompile(`<[^>]+>`)

// countsLine is the text of the counts on top of the progress page.
func countsLine(t *testing.T, page string) string {
	t.Helper()
	i := strings.Index(page, `id="progress-counts"`)
	if i < 0 {
		t.Fatal("progress page without its counts")
	}
	j := strings.Index(page[i:], "</p>")
	return strings.TrimSpace(tagRE.ReplaceAllString(page[i+len(`id="progress-counts">`):i+j], ""))
}

// learnerNames are the names in the rows of a progress page.
var whoRE = regexp.MustCompile(`<td class="who">([^<]+)`)

func learnerNames(page string) []string {
	var out []string
	for _, m := range whoRE.FindAllStringSubmatch(page, -1) {
		out = append(out, strings.TrimSpace(m[1]))
	}
	return out
}

// The progress page of a county-size township: paged on the server, filtered by role and
// township, counts that match the filter, search, and under the size limits.
func TestProgressPageAtCountyScale(t *testing.T) {
	f := setup(t)
	db := f.srv.DB
	c := id(f.course)
	const n = 3000
	tw, orgID := bigTownship(t, f, f.course, n)
	bigOrg := webtest.AsUser(t, f.srv, orgID)
	base := "/admin/courses/" + c + "/progress"
	get := func(cl *webtest.Client, q string) string {
		t.Helper()
		st, page := cl.Get(base + q)
		if st != 200 {
			t.Fatalf("GET %s: %d %.300s", base+q, st, page)
		}
		return page
	}
	want := fmt.Sprintf("共 %d 人：已完成 %d，学习中 %d，未开始 %d", n, n/3, n/3, n/3)

	// The organizer of the big township, whatever ?township= says.
	for _, q := range []string{"", "?township=" + id(f.county.Townships[0]), "?township=abc"} {
		page := get(bigOrg, q)
		if got := countsLine(t, page); got != want {
			t.Errorf("organizer%s counts %q, want %q", q, got, want)
		}
	}
	// The organizer of the small township with a forged ?township= of the big one sees
	// their own 4 secretaries only.
	page := get(f.org, "?township="+id(tw))
	if got := countsLine(t, page); !strings.HasPrefix(got, "共 4 人") {
		t.Errorf("organizer with a forged township: %q", got)
	}
	for _, name := range learnerNames(page) {
		if regexp.MustCompile(`^[王李张刘陈杨]书记\d+`).MatchString(name) {
			t.Errorf("organizer sees %s of another township", name)
		}
	}
	// Another township's branch is not found for an organizer.
	var bigBranch int64
	testdb.Get(t, db, &bigBranch, `SELECT min(id) FROM branches WHERE township_id = $1`, tw)
	if st, _ := f.org.Get(base + "?branch=" + id(bigBranch)); st != 404 {
		t.Errorf("organizer asking another township's branch: %d, want 404", st)
	}

	// Pages: 50 rows, page 2 differs from page 1, the pager links keep the filters.
	p1 := get(bigOrg, "")
	p2 := get(bigOrg, "?page=2")
	n1, n2 := learnerNames(p1), learnerNames(p2)
	if len(n1) != web.PageSize || len(n2) != web.PageSize {
		t.Fatalf("rows per page: %d, %d, want %d", len(n1), len(n2), web.PageSize)
	}
	seen := map[string]bool{}
	for _, x := range n1 {
		seen[x] = true
	}
	for _, x := range n2 {
		if seen[x] {
			t.Errorf("page 2 repeats %s of page 1", x)
		}
	}
	if !strings.Contains(p1, `href="`+base+`?page=2"`) || !strings.Contains(p1, "第 1/60 页") {
		t.Error("page 1 lacks the link to page 2 or the page count")
	}
	done := get(bigOrg, "?status=done&page=3")
	if !strings.Contains(done, "status=done&amp;page=4") && !strings.Contains(done, "page=4&amp;status=done") {
		t.Error("the pager link loses the status filter")
	}
	if strings.Contains(done, "学习中</span>") || strings.Contains(done, `<span class="tag">未开始`) || len(learnerNames(done)) != web.PageSize {
		t.Error("status filter shows other statuses")
	}
	if !strings.Contains(done, "当前只看“已完成”：1000 人") {
		t.Error("the status filter's total is not the count of 已完成")
	}
	// Counts follow the branch filter: 20 people in a branch.
	br := get(bigOrg, "?branch="+id(bigBranch))
	if got := countsLine(t, br); !strings.HasPrefix(got, "共 20 人") || len(learnerNames(br)) != 20 {
		t.Errorf("branch filter: %q, %d rows", got, len(learnerNames(br)))
	}

	// Search by name, phone and branch name.
	var who struct {
		Name, Phone, Branch string
	}
	testdb.Get(t, db, &who, `SELECT u.name, u.phone, b.name AS branch FROM users u JOIN branches b ON b.id = u.branch_id
		WHERE u.township_id = $1 ORDER BY u.id OFFSET 1234 LIMIT 1`, tw)
	for _, q := range []string{who.Name, who.Phone} {
		page := get(bigOrg, "?q="+url.QueryEscape(q))
		if names := learnerNames(page); len(names) != 1 || names[0] != who.Name {
			t.Errorf("search %q: %v", q, names)
		}
	}
	if got := countsLine(t, get(bigOrg, "?q="+url.QueryEscape(who.Branch))); !strings.HasPrefix(got, "共 20 人") {
		t.Errorf("search by branch name: %q", got)
	}
	if got := countsLine(t, get(bigOrg, "?q=%25")); !strings.HasPrefix(got, "共 0 人") {
		t.Errorf("a %% in the search is a character, not a wildcard: %q", got)
	}

	// The admin: township select; the branch select only once a township is chosen, with
	// that township's branches only.
	all := get(f.admin, "")
	if strings.Contains(all, `name="branch"`) || !strings.Contains(all, `name="township"`) {
		t.Error("admin without a township: township select only")
	}
	one := get(f.admin, "?township="+id(tw))
	if got := countsLine(t, one); got != want {
		t.Errorf("admin township counts %q, want %q", got, want)
	}
	if opts := strings.Count(one[strings.Index(one, `name="branch"`):], "<option"); opts < 151 || strings.Count(one, "<option") > 151+200+10 {
		t.Errorf("branch select of the township: %d options", opts)
	}
	// An admin who changes the township keeps no stale branch.
	moved := get(f.admin, "?township="+id(f.county.Townships[0])+"&branch="+id(bigBranch))
	if got := countsLine(t, moved); !strings.HasPrefix(got, "共 4 人") || !strings.Contains(moved, "所选支部不属于所选乡镇") {
		t.Errorf("admin with a branch of another township: %q", got)
	}

	// Bad input: ?page= is a 400 with a Chinese message; an unknown status too.
	for _, q := range []string{"?page=abc", "?page=0", "?status=finished"} {
		st, body := f.admin.Get(base + q)
		if st != 400 || !strings.Contains(body, "页码") && !strings.Contains(body, "状态") {
			t.Errorf("%s: %d", q, st)
		}
	}

	// Sizes at 3,000 secretaries.
	for _, v := range []struct {
		who  *webtest.Client
		name string
		q    string
	}{{f.admin, "admin, county", ""}, {f.admin, "admin, township", "?township=" + id(tw)}, {bigOrg, "organizer", ""},
		{bigOrg, "organizer, not started", "?status=notstarted&page=20"}} {
		page := get(v.who, v.q)
		t.Logf("%s: %d bytes, %d elements", v.name, len(page), elements(page))
		if len(page) > 100<<10 || elements(page) > 2000 {
			t.Errorf("%s: %d bytes, %d elements: over 100 KB or 2,000 elements", v.name, len(page), elements(page))
		}
	}

	// The API answers the same counts for the same filter.
	st, body := bigOrg.JSON("GET", "/api/v1/courses/"+c+"/progress?status=studying", nil)
	var out struct {
		Counts   ProgressCounts
		Learners []Learner
	}
	webtest.Decode(t, body, &out)
	if st != 200 || out.Counts.All != n || out.Counts.Studying != n/3 || len(out.Learners) != n/3 {
		t.Errorf("API counts %+v, %d learners", out.Counts, len(out.Learners))
	}
}

// The course list pages too, and searches titles.
func TestAdminCourseListPaged(t *testing.T) {
	f := setup(t)
	db := f.srv.DB
	tag := testdb.Unique("翻页课程")
	testdb.Exec(t, db, `INSERT INTO courses (title, category) SELECT $1 || '第' || g || '门', '理论' FROM generate_series(1, 60) g`, tag)
	st, p1 := f.admin.Get("/admin/courses")
	if st != 200 || strings.Count(p1, `<td class="who">`) != web.PageSize || !strings.Contains(p1, `href="/admin/courses?page=2"`) {
		t.Fatalf("course list page 1: %d, %d rows", st, strings.Count(p1, `<td class="who">`))
	}
	_, found := f.admin.Get("/admin/courses?q=" + url.QueryEscape(tag+"第7门"))
	if strings.Count(found, `<td class="who">`) != 1 || !strings.Contains(found, "共 1 门课程") {
		t.Errorf("search a title: %d rows", strings.Count(found, `<td class="who">`))
	}
	if st, _ := f.admin.Get("/admin/courses?page=x"); st != 400 {
		t.Errorf("bad page: %d", st)
	}
}

// Deleting asks first, on a page that works without JavaScript; the admin pages link to it.
func TestDeleteConfirmationPages(t *testing.T) {
	f := setup(t)
	db := f.srv.DB
	cid, ls := makeCourse(t, db, 2, 60, 1)
	year := YearOf(time.Now())
	aid := assign(t, db, Assignment{CourseID: cid, Year: year, Scope: "all", DueDate: time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)})
	attID, err := st(db).AddAttachment(context.Background(), ls[0], "工作细则.pdf", []byte("%PDF-1.4\n%%EOF\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, edit := f.admin.Get("/admin/courses/" + id(cid) + "/edit")
	_, ledit := f.admin.Get("/admin/lessons/" + id(ls[0]) + "/edit")
	for _, href := range []string{`href="/admin/lessons/` + id(ls[1]) + `/delete"`, `href="/admin/assignments/` + id(aid) + `/delete"`} {
		if !strings.Contains(edit, href) {
			t.Errorf("course page lacks the link %s", href)
		}
	}
	if !strings.Contains(ledit, `href="/admin/attachments/`+id(attID)+`/delete"`) {
		t.Error("lesson page lacks the link to delete the attachment")
	}
	for _, page := range []string{edit, ledit} {
		if strings.Contains(page, `/delete">`+"\n") || regexp.MustCompile(`<form[^>]+action="[^"]+/delete"`).MatchString(page) {
			t.Error("an admin page still deletes with one tap (a form posting to …/delete)")
		}
	}
	confirms := []struct {
		path, want string
		gone       string
	}{
		{"/admin/lessons/" + id(ls[1]) + "/delete", "确定删除课时「", `SELECT count(*) FROM lessons WHERE id = $1`},
		{"/admin/assignments/" + id(aid) + "/delete", "将不再是 " + fmt.Sprint(year) + " 年全县的必修课程", `SELECT count(*) FROM course_assignments WHERE id = $1`},
		{"/admin/attachments/" + id(attID) + "/delete", "确定删除附件「工作细则.pdf」吗", `SELECT count(*) FROM lesson_attachments WHERE id = $1`},
	}
	ids := []int64{ls[1], aid, attID}
	for i, cf := range confirms {
		st, page := f.admin.Get(cf.path)
		if st != 200 || !strings.Contains(page, cf.want) || !strings.Contains(page, `action="`+cf.path+`"`) || !strings.Contains(page, "不，返回") {
			t.Errorf("GET %s: %d, lacks %q or its form", cf.path, st, cf.want)
		}
		var n int
		testdb.Get(t, db, &n, cf.gone, ids[i])
		if n != 1 {
			t.Errorf("GET %s deleted already", cf.path)
		}
		if st, _ := f.org.Get(cf.path); st != 403 {
			t.Errorf("organizer GET %s: %d", cf.path, st)
		}
		if resp := f.admin.Form("POST", cf.path, nil); resp.StatusCode != 303 {
			t.Errorf("POST %s: %d", cf.path, resp.StatusCode)
		}
		testdb.Get(t, db, &n, cf.gone, ids[i])
		if n != 0 {
			t.Errorf("POST %s did not delete", cf.path)
		}
		if st, _ := f.admin.Get(cf.path); st != 404 {
			t.Errorf("GET %s after the delete: %d", cf.path, st)
		}
	}
}

// A lesson somebody has started cannot be deleted: the page says why and offers to
// archive it; the POST and the API refuse with 409.
func TestDeleteLessonWithProgressRefused(t *testing.T) {
	f := setup(t)
	db := f.srv.DB
	cid, ls := makeCourse(t, db, 2, 60, 1)
	if st, body := f.sec.JSON("POST", "/api/v1/lessons/"+id(ls[1])+"/heartbeat", map[string]any{"resume": true}); st != 200 {
		t.Fatalf("beat: %d %s", st, body)
	}
	path := "/admin/lessons/" + id(ls[1]) + "/delete"
	st, page := f.admin.Get(path)
	if st != 200 || !strings.Contains(page, "不能删除") || !strings.Contains(page, "已有 1 位学员学习过") ||
		!strings.Contains(page, `action="/admin/lessons/`+id(ls[1])+`/archive"`) || strings.Contains(page, `action="`+path+`"`) {
		t.Errorf("delete page of a started lesson: %d", st)
	}
	resp := f.admin.Form("POST", path, nil)
	if resp.StatusCode != 409 {
		t.Errorf("POST delete of a started lesson: %d, want 409", resp.StatusCode)
	}
	st, body := f.admin.JSON("DELETE", "/api/v1/lessons/"+id(ls[1]), nil)
	if st != 409 || webtest.ErrorCode(body) != "lesson_has_progress" || !strings.Contains(string(body), "归档") {
		t.Errorf("API delete of a started lesson: %d %s", st, body)
	}
	var n int
	testdb.Get(t, db, &n, `SELECT count(*) FROM lesson_progress WHERE lesson_id = $1`, ls[1])
	if n != 1 {
		t.Fatalf("progress lost: %d rows", n)
	}
	// The lesson nobody started can go.
	if st, _ := f.admin.JSON("DELETE", "/api/v1/lessons/"+id(ls[0]), nil); st != 204 {
		t.Errorf("API delete of an unstarted lesson: %d", st)
	}
	if got := lessonsIn(t, db, cid); len(got) != 1 || got[0].ID != ls[1] || got[0].Position != 1 {
		t.Errorf("lessons after: %+v", got)
	}
}

// A heartbeat that creates the first progress while the lesson is being deleted: the
// delete waits for it and refuses, so no progress is lost to the race.
func TestDeleteLessonRace(t *testing.T) {
	db := testdb.DB(t)
	ctx := context.Background()
	county := testdb.MakeCounty(t, db)
	_, ls := makeCourse(t, db, 1, 60, 1)
	tx, err := db.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// What a heartbeat does first: insert the learner's progress (not committed yet).
	if _, err := tx.Exec(`INSERT INTO lesson_progress (user_id, lesson_id) VALUES ($1, $2)`, county.Secretaries[0][0], ls[0]); err != nil {
		t.Fatal(err)
	}
	res := make(chan error, 1)
	go func() {
		_, err := st(db).DeleteLesson(ctx, ls[0])
		res <- err
	}()
	// Wait (polling) until the delete waits for a lock.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int
		testdb.Get(t, db, &waiting, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)
		if waiting > 0 {
			break
		}
		select {
		case err := <-res:
			t.Fatalf("the delete did not wait for the heartbeat: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the delete never waited")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-res; !errors.Is(err, ErrLessonHasProgress) {
		t.Fatalf("delete racing the first progress: %v, want ErrLessonHasProgress", err)
	}
	var n int
	testdb.Get(t, db, &n, `SELECT count(*) FROM lesson_progress WHERE lesson_id = $1`, ls[0])
	if n != 1 {
		t.Fatalf("progress lost: %d", n)
	}
}

// Archiving hides a lesson from learners and takes it out of the course's completion;
// progress is kept; restoring brings it back at the end.
func TestArchiveAndRestoreLesson(t *testing.T) {
	f := setup(t)
	db := f.srv.DB
	cid, ls := makeCourse(t, db, 3, 0, 1)
	u1, u2 := f.county.Secretaries[0][0], f.county.Secretaries[0][1]
	t0 := time.Now().Add(-time.Hour)
	finish := func(u, l int64, at time.Time) {
		t.Helper()
		beat(t, db, u, l, BeatInput{Resume: true}, at)
		if r := beat(t, db, u, l, BeatInput{ReachedEnd: true}, at.Add(time.Second)); !r.LessonCompleted {
			t.Fatalf("lesson not completed: %+v", r)
		}
	}
	// u1 finished lessons 1 and 3; u2 only lesson 2 (the one to be archived).
	finish(u1, ls[0], t0)
	finish(u1, ls[2], t0.Add(time.Minute))
	finish(u2, ls[1], t0.Add(2*time.Minute))
	sec2 := webtest.AsUser(t, f.srv, u2)

	if resp := f.admin.Form("POST", "/admin/lessons/"+id(ls[1])+"/archive", nil); resp.StatusCode != 303 {
		t.Fatalf("archive: %d", resp.StatusCode)
	}
	// u1 now has every lesson of the course: completed by the archive itself.
	var completed *time.Time
	testdb.Get(t, db, &completed, `SELECT completed_at FROM course_progress WHERE user_id = $1 AND course_id = $2`, u1, cid)
	if completed == nil {
		t.Error("the learner missing only the archived lesson should have completed the course")
	}
	testdb.Get(t, db, &completed, `SELECT completed_at FROM course_progress WHERE user_id = $1 AND course_id = $2`, u2, cid)
	if completed != nil {
		t.Error("a learner who finished only the archived lesson completed the course")
	}
	// Hidden from learners, not counted, progress kept.
	if st, _ := f.sec.Get("/lessons/" + id(ls[1])); st != 404 {
		t.Errorf("archived lesson page: %d, want 404", st)
	}
	if st, _ := sec2.JSON("POST", "/api/v1/lessons/"+id(ls[1])+"/heartbeat", map[string]any{"resume": true}); st != 404 {
		t.Errorf("heartbeat on an archived lesson: %d, want 404", st)
	}
	_, body := sec2.JSON("GET", "/api/v1/courses/"+id(cid), nil)
	var detail struct {
		Course  courseJSON
		Lessons []LessonView
	}
	webtest.Decode(t, body, &detail)
	if len(detail.Lessons) != 2 || detail.Course.LessonCount != 2 || detail.Course.LessonsDone != 0 {
		t.Errorf("course after archive: %d lessons listed, count %d, %d done for u2", len(detail.Lessons), detail.Course.LessonCount, detail.Course.LessonsDone)
	}
	_, page := sec2.Get("/courses/" + id(cid))
	if strings.Contains(page, "/lessons/"+id(ls[1])+`"`) {
		t.Error("course page links the archived lesson")
	}
	_, lp := f.sec.Get("/lessons/" + id(ls[2]))
	if !strings.Contains(lp, "第 2 / 2 课时") {
		t.Error("lesson page should number among the course's lessons only")
	}
	var kept int
	testdb.Get(t, db, &kept, `SELECT count(*) FROM lesson_progress WHERE lesson_id = $1`, ls[1])
	if kept != 1 {
		t.Errorf("progress on the archived lesson: %d rows, want 1", kept)
	}
	_, edit := f.admin.Get("/admin/courses/" + id(cid) + "/edit")
	if !strings.Contains(edit, "已归档（1）") || !strings.Contains(edit, `action="/admin/lessons/`+id(ls[1])+`/restore"`) {
		t.Error("course page should list the archived lesson with 恢复")
	}
	// The oversight counts only the course's lessons.
	admin := &web.Identity{Role: web.RoleAdmin}
	_, _, rows, err := st(db).Progress(context.Background(), admin, cid, YearOf(time.Now()), ProgressFilter{Scope: web.Scope{TownshipID: f.county.Townships[0]}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.UserID == u2 && r.LessonsDone != 0 || r.UserID == u1 && (r.LessonsDone != 2 || r.State != StatusDone) {
			t.Errorf("oversight row %+v", r)
		}
	}

	// Restore: back at the end, counted again for who has not completed; u1 stays done.
	st, body := f.admin.JSON("POST", "/api/v1/lessons/"+id(ls[1])+"/restore", nil)
	if st != 200 || strings.Contains(string(body), "archived_at") {
		t.Fatalf("restore: %d %s", st, body)
	}
	got := lessonsIn(t, db, cid)
	if len(got) != 3 || got[2].ID != ls[1] || got[2].Position != 3 {
		t.Errorf("restored lesson should come last: %+v", got)
	}
	_, body = sec2.JSON("GET", "/api/v1/courses/"+id(cid), nil)
	webtest.Decode(t, body, &detail)
	if detail.Course.LessonCount != 3 || detail.Course.LessonsDone != 1 {
		t.Errorf("after restore u2: count %d, done %d", detail.Course.LessonCount, detail.Course.LessonsDone)
	}
	testdb.Get(t, db, &completed, `SELECT completed_at FROM course_progress WHERE user_id = $1 AND course_id = $2`, u1, cid)
	if completed == nil {
		t.Error("restoring a lesson un-completed a course")
	}
}

// After a refused save every form shows what was typed, with the message beside its field.
func TestFormsKeepWhatWasTyped(t *testing.T) {
	f := setup(t)
	cid, ls := makeCourse(t, f.srv.DB, 1, 60, 1)
	post := func(path string, v url.Values) string {
		t.Helper()
		resp := f.admin.Form("POST", path, v)
		defer resp.Body.Close()
		b := new(strings.Builder)
		if _, err := fmt.Fprint(b, readAll(t, resp.Body)); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 422 {
			t.Fatalf("POST %s: %d, want 422", path, resp.StatusCode)
		}
		if strings.Contains(b.String(), "validation_failed") || strings.Contains(b.String(), "出错了") && !strings.Contains(b.String(), "<form") {
			t.Fatalf("POST %s: an error page instead of the form", path)
		}
		return b.String()
	}
	has := func(page, what string, wants ...string) {
		t.Helper()
		for _, w := range wants {
			if !strings.Contains(page, w) {
				t.Errorf("%s: lacks %s", what, w)
			}
		}
	}
	fieldErr := func(msg string) string { return `<p class="field-error">` + msg }

	page := post("/admin/courses", url.Values{"title": {""}, "category": {"实务"}, "topic": {"保留的专题"}, "summary": {"保留的简介"}, "credit_hours": {"abc"}})
	has(page, "new course", `value="保留的专题"`, ">保留的简介</textarea>", `value="abc"`, `<option value="实务" selected>`,
		fieldErr("请填写课程名称"), fieldErr("学时应为数字"))
	page = post("/admin/course-years", url.Values{"year": {"2031"}, "target_hours": {"-3"}, "minutes_per_hour": {"45"}})
	has(page, "year rule", `value="2031"`, `value="-3"`, fieldErr("年度目标学时应在"))
	page = post("/admin/courses/"+id(cid), url.Values{"title": {"改过的名称"}, "category": {"理论"}, "topic": {"新专题"}, "summary": {"新简介"}, "credit_hours": {"999"}})
	has(page, "course", `value="改过的名称"`, `value="新专题"`, ">新简介</textarea>", `value="999"`, fieldErr("学时应在 0 到 200 之间"))
	page = post("/admin/courses/"+id(cid)+"/lessons", url.Values{"title": {"   "}, "min_minutes": {"7"}})
	has(page, "new lesson", `value="7"`, fieldErr("请填写课时标题"))
	page = post("/admin/courses/"+id(cid)+"/assignments", url.Values{"year": {"2031"}, "scope": {"townships"}, "due_date": {"2031-11-30"}, "branch_kinds": {"社区"}})
	has(page, "assignment", `value="2031"`, `value="2031-11-30"`, `value="townships" checked`, `value="社区" checked`, fieldErr("请至少选择一个乡镇"))
	page = post("/admin/courses/"+id(cid)+"/assignments", url.Values{"year": {"2031"}, "scope": {"kinds"}, "due_date": {"2040-01-01"}, "branch_kinds": {"社区", "机关"}})
	has(page, "assignment kinds", `value="kinds" checked`, `value="社区" checked`, `value="机关" checked`, `value="2040-01-01"`, fieldErr("截止日期应在该年度内"))
	page = post("/admin/lessons/"+id(ls[0]), url.Values{"title": {"新标题"}, "body_markdown": {"保留的正文"}, "video_url": {"ftp://x"}, "min_minutes": {"12"}})
	has(page, "lesson", `value="新标题"`, ">保留的正文</textarea>", `value="ftp://x"`, `value="12"`, fieldErr("视频链接应以"))
	st, body := f.admin.Upload("/admin/lessons/"+id(ls[0])+"/attachments", "a.txt", []byte("hello"), map[string]string{"_csrf": f.admin.CSRF})
	if st != 422 || !strings.Contains(string(body), fieldErr("不是有效的 PDF 文件")) {
		t.Errorf("upload refused: %d, field message beside the file", st)
	}
}

func readAll(t *testing.T, r interface{ Read([]byte) (int, error) }) string {
	t.Helper()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

// The home cards suggest one next course: the 必修 card carries the nearest deadline and
// leads to the same course as any 继续学习 card; the latter appears only when no 必修
// course is left.
func TestHomeCardsAgreeOnTheNextCourse(t *testing.T) {
	f := setup(t)
	db := f.srv.DB
	h := &handlers{store: NewStore(db, f.deps), srv: f.srv, deps: f.deps}
	u := f.county.Secretaries[1][1]
	me := &web.Identity{UserID: u, Role: web.RoleSecretary, TownshipID: f.county.Townships[1]}
	year := YearOf(time.Now())
	soon, later := time.Now().AddDate(0, 0, 20).Truncate(24*time.Hour), time.Now().AddDate(0, 2, 0).Truncate(24*time.Hour)
	cLater, lLater := makeCourse(t, db, 2, 0, 1)
	cSoon, _ := makeCourse(t, db, 2, 0, 1)
	cElective, lElective := makeCourse(t, db, 2, 0, 1)
	assign(t, db, Assignment{CourseID: cLater, Year: year, Scope: "townships", TownshipIDs: []int64{f.county.Townships[1]}, DueDate: later})
	assign(t, db, Assignment{CourseID: cSoon, Year: year, Scope: "townships", TownshipIDs: []int64{f.county.Townships[1]}, DueDate: soon})
	// Other tests' 必修 courses for everybody share the database: this learner has done them.
	testdb.Exec(t, db, `INSERT INTO course_progress (user_id, course_id, completed_at)
		SELECT $1, course_id, now() FROM course_requirements WHERE user_id = $1 AND year = $2 AND course_id <> ALL($3)
		ON CONFLICT (user_id, course_id) DO UPDATE SET completed_at = now()`, u, year, pq.Array([]int64{cLater, cSoon}))
	t0 := time.Now().Add(-time.Hour)
	beat(t, db, u, lLater[0], BeatInput{Resume: true}, t0)                     // started the later 必修 course
	beat(t, db, u, lElective[0], BeatInput{Resume: true}, t0.Add(time.Minute)) // and, more recently, an elective

	find := func(cards []web.Card, title string) *web.Card {
		for i := range cards {
			if cards[i].Title == title {
				return &cards[i]
			}
		}
		return nil
	}
	cards := web.OrderCards(homeCards(t, h, me))
	req := find(cards, "必修课程")
	if req == nil || !req.Accent || !req.Suggested || req.Due.IsZero() || !sameDay(req.Due, soon) {
		t.Fatalf("必修 card should be the suggestion, due %v: %+v", soon, req)
	}
	if req.Link != "/courses/"+id(cSoon) {
		t.Errorf("必修 card leads to %s, want the course due soonest %d", req.Link, cSoon)
	}
	if c := find(cards, "继续学习"); c != nil {
		t.Errorf("a 继续学习 card next to the 必修 card suggests another course: %+v", c)
	}
	for _, c := range cards {
		if c.Accent && c.Title != "必修课程" {
			t.Errorf("only the suggested card keeps its accent: %+v", c)
		}
	}
	// With the soonest one done, the started 必修 course resumes at its lesson.
	testdb.Exec(t, db, `INSERT INTO course_progress (user_id, course_id, completed_at) VALUES ($1, $2, now())`, u, cSoon)
	cards = web.OrderCards(homeCards(t, h, me))
	if req := find(cards, "必修课程"); req == nil || req.Link != "/lessons/"+id(lLater[0]) || !sameDay(req.Due, later) {
		t.Errorf("必修 card should resume the started course: %+v", req)
	}
	// No 必修 course left: 继续学习 the elective, actionable, without a deadline.
	testdb.Exec(t, db, `INSERT INTO course_progress (user_id, course_id, completed_at) VALUES ($1, $2, now())
		ON CONFLICT (user_id, course_id) DO UPDATE SET completed_at = now()`, u, cLater)
	cards = web.OrderCards(homeCards(t, h, me))
	if req := find(cards, "必修课程"); req == nil || req.Accent || req.Link != "" || !req.Due.IsZero() {
		t.Errorf("必修 card with nothing left should only inform: %+v", req)
	}
	if c := find(cards, "继续学习"); c == nil || !c.Suggested || c.Link != "/lessons/"+id(lElective[0]) || !c.Due.IsZero() {
		t.Errorf("继续学习 card: %+v", c)
	}
	_ = cElective
}

func sameDay(a, b time.Time) bool {
	return a.In(web.China).Format("2006-01-02") == b.In(web.China).Format("2006-01-02")
}
