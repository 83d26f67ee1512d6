package courses

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// fakePost is a web.Post that records every call and stores the messages in the caller's
// transaction (as inbox.Post does, so the "told already" check sees them and a rollback
// takes them back); it refuses to post outside a transaction, and fail makes it refuse.
type fakePost struct {
	mu    sync.Mutex
	calls [][]web.Message
	fail  bool
}

func (p *fakePost) Post(ctx context.Context, q sqlx.ExtContext, msgs ...web.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail {
		return errors.New("post refused")
	}
	if _, ok := q.(*sqlx.Tx); !ok { // the message belongs to the change's transaction
		return fmt.Errorf("post outside a transaction: %T", q)
	}
	p.calls = append(p.calls, msgs)
	users := make([]int64, len(msgs))
	kinds, titles, bodies, urls, refs := make([]string, len(msgs)), make([]string, len(msgs)), make([]string, len(msgs)), make([]string, len(msgs)), make([]string, len(msgs))
	for i, m := range msgs {
		users[i], kinds[i], titles[i], bodies[i], urls[i], refs[i] = m.UserID, m.Kind, m.Title, m.Body, m.URL, m.Ref
	}
	_, err := q.ExecContext(ctx, `INSERT INTO messages (user_id, kind, title, body, url, ref)
		SELECT u, k, t, b, l, NULLIF(r, '') FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS m(u, k, t, b, l, r)`,
		pq.Array(users), pq.Array(kinds), pq.Array(titles), pq.Array(bodies), pq.Array(urls), pq.Array(refs))
	return err
}

// took returns the calls recorded since the last took and forgets them.
func (p *fakePost) took() [][]web.Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.calls
	p.calls = nil
	return c
}

// recipients checks that calls is exactly one Post call and returns its people, sorted.
func recipients(t *testing.T, calls [][]web.Message) []int64 {
	t.Helper()
	if len(calls) != 1 {
		t.Fatalf("want one Post call, got %d: %+v", len(calls), calls)
	}
	var ids []int64
	for _, m := range calls[0] {
		ids = append(ids, m.UserID)
	}
	slices.Sort(ids)
	return ids
}

func sorted(ids ...int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// assignCounty is a test county with one more secretary in the first township who is
// inactive: assignments to that township must reach its active secretaries only.
func assignCounty(t *testing.T, db *sqlx.DB) (testdb.County, int64) {
	c := testdb.MakeCounty(t, db)
	inactive := testdb.User(t, db, "secretary", testdb.Unique("sec"), c.Townships[0], c.Branches[0][0])
	testdb.Exec(t, db, `UPDATE users SET active = false WHERE id = $1`, inactive)
	return c, inactive
}

func messagesTo(t *testing.T, db *sqlx.DB, users ...int64) int {
	var n int
	testdb.Get(t, db, &n, `SELECT count(*) FROM messages WHERE kind = 'course_assigned' AND user_id = ANY($1)`, pq.Array(users))
	return n
}

// Assigning a published course to one township tells exactly that township's active
// secretaries, once each, in one Post call: not the inactive one, not the organizers or
// the admin, not the other township. A second assignment of the course and year reaching
// both townships tells only the newly covered township.
func TestAssignTellsTheTownshipsSecretaries(t *testing.T) {
	db := testdb.DB(t)
	ctx := context.Background()
	c, inactive := assignCounty(t, db)
	course, _ := makeCourse(t, db, 1, 1, 1)
	var title string
	testdb.Get(t, db, &title, `SELECT title FROM courses WHERE id = $1`, course)
	p := &fakePost{}
	s := NewStore(db, Deps{Post: p.Post})
	const year = 2047

	if _, err := s.CreateAssignment(ctx, course, AssignmentInput{Year: year, Scope: "townships",
		TownshipIDs: []int64{c.Townships[0]}, DueDate: "2047-02-04"}); err != nil {
		t.Fatal(err)
	}
	calls := p.took()
	if got, want := recipients(t, calls), sorted(c.Secretaries[0]...); !slices.Equal(got, want) {
		t.Fatalf("told %v, want the township's active secretaries %v (not %d, inactive)", got, want, inactive)
	}
	for _, m := range calls[0] {
		if m.Kind != web.MsgCourseAssigned || m.URL != fmt.Sprintf("/courses/%d", course) || m.Title != "新的必修课程："+title ||
			!strings.Contains(m.Body, "请在 2047年2月4日 前学完") || !strings.Contains(m.Body, "2047 年度") || m.Ref != AssignedRef(course, year) {
			t.Fatalf("message: %+v", m)
		}
	}
	others := append(append([]int64{inactive, c.Admin}, c.Organizers[:]...), c.Secretaries[1]...)
	if n := messagesTo(t, db, others...); n != 0 {
		t.Fatalf("%d messages to people the assignment does not apply to", n)
	}

	// The same township again (another due date): nobody is told twice.
	if _, err := s.CreateAssignment(ctx, course, AssignmentInput{Year: year, Scope: "townships",
		TownshipIDs: []int64{c.Townships[0]}, DueDate: "2047-03-01"}); err != nil {
		t.Fatal(err)
	}
	if calls := p.took(); len(calls) != 0 {
		t.Fatalf("assigning again told %+v", calls)
	}
	// Both townships: only the second township's secretaries are new.
	if _, err := s.CreateAssignment(ctx, course, AssignmentInput{Year: year, Scope: "townships",
		TownshipIDs: []int64{c.Townships[0], c.Townships[1]}, DueDate: "2047-05-01"}); err != nil {
		t.Fatal(err)
	}
	if got, want := recipients(t, p.took()), sorted(c.Secretaries[1]...); !slices.Equal(got, want) {
		t.Fatalf("wider scope told %v, want only the newly covered %v", got, want)
	}
	if n := messagesTo(t, db, c.Secretaries[0]...); n != len(c.Secretaries[0]) {
		t.Fatalf("first township has %d messages, want one each (%d)", n, len(c.Secretaries[0]))
	}
	// Another year is another requirement: told again, for that year.
	if _, err := s.CreateAssignment(ctx, course, AssignmentInput{Year: year + 1, Scope: "townships",
		TownshipIDs: []int64{c.Townships[0]}, DueDate: "2048-06-30"}); err != nil {
		t.Fatal(err)
	}
	calls = p.took()
	if got, want := recipients(t, calls), sorted(c.Secretaries[0]...); !slices.Equal(got, want) || calls[0][0].Ref != AssignedRef(course, year+1) {
		t.Fatalf("next year told %v (%+v), want %v", got, calls[0][0], want)
	}
}

// A draft course is nobody's requirement: assigning it tells nobody; publishing it tells
// everybody its assignments apply to, once; publishing again (or after withdrawing it)
// tells nobody.
func TestPublishingTellsTheAssignedOnce(t *testing.T) {
	db := testdb.DB(t)
	ctx := context.Background()
	c, _ := assignCounty(t, db)
	course, _ := makeCourse(t, db, 1, 1, 1)
	p := &fakePost{}
	s := NewStore(db, Deps{Post: p.Post})
	if _, err := s.SetPublished(ctx, course, false); err != nil {
		t.Fatal(err)
	}
	const year = 2049
	if _, err := s.CreateAssignment(ctx, course, AssignmentInput{Year: year, Scope: "townships",
		TownshipIDs: []int64{c.Townships[1]}, DueDate: "2049-09-30"}); err != nil {
		t.Fatal(err)
	}
	if calls := p.took(); len(calls) != 0 {
		t.Fatalf("assigning a draft told %+v", calls)
	}
	if _, err := s.SetPublished(ctx, course, true); err != nil {
		t.Fatal(err)
	}
	calls := p.took()
	if got, want := recipients(t, calls), sorted(c.Secretaries[1]...); !slices.Equal(got, want) {
		t.Fatalf("publishing told %v, want %v", got, want)
	}
	if !strings.Contains(calls[0][0].Body, "2049年9月30日") {
		t.Fatalf("body %q", calls[0][0].Body)
	}
	for _, pub := range []bool{true, false, true} {
		if _, err := s.SetPublished(ctx, course, pub); err != nil {
			t.Fatal(err)
		}
		if calls := p.took(); len(calls) != 0 {
			t.Fatalf("publishing again (%v) told %+v", pub, calls)
		}
	}
	if n := messagesTo(t, db, c.Secretaries[1]...); n != len(c.Secretaries[1]) {
		t.Fatalf("%d messages, want one each (%d)", n, len(c.Secretaries[1]))
	}
}

// The message is part of the change: when Post fails, the assignment is not created and
// the course is not published.
func TestAssignPostFailureRollsBack(t *testing.T) {
	db := testdb.DB(t)
	ctx := context.Background()
	c, _ := assignCounty(t, db)
	course, _ := makeCourse(t, db, 1, 1, 1)
	p := &fakePost{fail: true}
	s := NewStore(db, Deps{Post: p.Post})
	in := AssignmentInput{Year: 2051, Scope: "townships", TownshipIDs: []int64{c.Townships[0]}, DueDate: "2051-01-31"}
	if _, err := s.CreateAssignment(ctx, course, in); err == nil {
		t.Fatal("assignment created although Post failed")
	}
	var n int
	testdb.Get(t, db, &n, `SELECT count(*) FROM course_assignments WHERE course_id = $1`, course)
	if n != 0 {
		t.Fatalf("%d assignments left after a failed Post", n)
	}

	// Publishing: withdraw, assign (nobody to tell), then a failing publish stays a draft.
	p.fail = false
	if _, err := s.SetPublished(ctx, course, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAssignment(ctx, course, in); err != nil {
		t.Fatal(err)
	}
	p.fail = true
	if _, err := s.SetPublished(ctx, course, true); err == nil {
		t.Fatal("published although Post failed")
	}
	co, err := s.Course(ctx, course)
	if err != nil || co.Published {
		t.Fatalf("course after a failed publish: %+v %v", co, err)
	}
	if n := messagesTo(t, db, c.Secretaries[0]...); n != 0 {
		t.Fatalf("%d messages after failed Posts", n)
	}
}

// Without Post (Deps{}: the other tests) assigning and publishing tell nobody and work.
func TestAssignWithoutPost(t *testing.T) {
	db := testdb.DB(t)
	ctx := context.Background()
	c, _ := assignCounty(t, db)
	course, _ := makeCourse(t, db, 1, 1, 1)
	if _, err := st(db).CreateAssignment(ctx, course, AssignmentInput{Year: 2052, Scope: "townships",
		TownshipIDs: []int64{c.Townships[0]}, DueDate: "2052-01-31"}); err != nil {
		t.Fatal(err)
	}
	if n := messagesTo(t, db, c.Secretaries[0]...); n != 0 {
		t.Fatalf("%d messages without Post", n)
	}
}

// Through the API (the form calls the same CreateAssignment): the admin's assignment
// tells the township's secretaries.
func TestAssignAPITells(t *testing.T) {
	db := testdb.DB(t)
	p := &fakePost{}
	deps := Deps{Post: p.Post}
	srv := webtest.Server(t, db, web.Config{Logger: quietLog}, func(s *web.Server) error { return Mount(s, deps) })
	c, _ := assignCounty(t, db)
	course, _ := makeCourse(t, db, 1, 1, 1)
	admin := webtest.AsUser(t, srv, c.Admin)
	code, body := admin.JSON("POST", fmt.Sprintf("/api/v1/courses/%d/assignments", course), map[string]any{
		"year": 2053, "scope": "townships", "township_ids": []int64{c.Townships[1]}, "due_date": "2053-04-01"})
	if code != http.StatusCreated {
		t.Fatalf("%d %s", code, body)
	}
	if got, want := recipients(t, p.took()), sorted(c.Secretaries[1]...); !slices.Equal(got, want) {
		t.Fatalf("told %v, want %v", got, want)
	}
}

// A township of 3,000 secretaries (a county-wide assignment's size): one SELECT, one Post
// call with one message each; assigning again tells nobody.
func TestAssignAtCountyScale(t *testing.T) {
	db := testdb.DB(t)
	ctx := context.Background()
	const n = 3000
	tw := testdb.Township(t, db, testdb.Unique("大李庄镇"))
	tag := testdb.Unique("")
	testdb.Exec(t, db, `INSERT INTO branches (township_id, name, kind)
		SELECT $1, '第' || g || '村党支部（' || $2 || '）', '农村' FROM generate_series(1, 150) g`, tw, tag)
	testdb.Exec(t, db, `INSERT INTO users (username, name, role, township_id, branch_id, password_hash)
		SELECT 'assign' || $3 || '_' || g, '书记' || g, 'secretary', $1,
			(SELECT id FROM branches WHERE township_id = $1 ORDER BY id OFFSET (g - 1) % 150 LIMIT 1), 'x'
		FROM generate_series(1, $2::int) g`, tw, n, tag)
	course, _ := makeCourse(t, db, 1, 1, 1)
	p := &fakePost{}
	s := NewStore(db, Deps{Post: p.Post})
	in := AssignmentInput{Year: 2054, Scope: "townships", TownshipIDs: []int64{tw}, DueDate: "2054-12-31"}
	start := time.Now()
	if _, err := s.CreateAssignment(ctx, course, in); err != nil {
		t.Fatal(err)
	}
	t.Logf("assigning to %d secretaries took %v", n, time.Since(start))
	if got := recipients(t, p.took()); len(got) != n || len(slices.Compact(got)) != n {
		t.Fatalf("told %d people, want %d once each", len(got), n)
	}
	start = time.Now()
	if _, err := s.CreateAssignment(ctx, course, in); err != nil {
		t.Fatal(err)
	}
	t.Logf("assigning again took %v", time.Since(start))
	if calls := p.took(); len(calls) != 0 {
		t.Fatalf("assigning again told %d", len(calls[0]))
	}
}

// The title quotes a long course title shortened, within the inbox's 100 characters.
func TestAssignedMessageTitle(t *testing.T) {
	long := strings.Repeat("党", 100)
	m := AssignedMessage(7, long, 2027, time.Date(2027, 2, 4, 0, 0, 0, 0, time.UTC))
	if n := utf8.RuneCountInString(m.Title); n > 100 || !strings.HasPrefix(m.Title, "新的必修课程：") || !strings.HasSuffix(m.Title, "…") {
		t.Fatalf("title %q (%d runes)", m.Title, n)
	}
	if m.URL != "/courses/7" || m.Ref != "course_assigned:7:2027" || !strings.Contains(m.Body, "请在 2027年2月4日 前学完") {
		t.Fatalf("%+v", m)
	}
	if short := AssignedMessage(7, "三会一课", 2027, time.Now()); short.Title != "新的必修课程：三会一课" {
		t.Fatalf("title %q", short.Title)
	}
}
