package exams

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"zhibu/app/inbox"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
)

// postRecorder is a Deps.Post that records every call and writes the messages with the
// inbox's own post (so they are checked by inbox.Check and the exams can find their refs),
// or fails while fail is set.
type postRecorder struct {
	mu    sync.Mutex
	calls [][]web.Message
	fail  error
}

func (r *postRecorder) post(ctx context.Context, q sqlx.ExtContext, msgs ...web.Message) error {
	r.mu.Lock()
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		return fail
	}
	if err := inbox.Post(ctx, q, msgs...); err != nil {
		return err
	}
	r.mu.Lock()
	r.calls = append(r.calls, slices.Clone(msgs))
	r.mu.Unlock()
	return nil
}

func (r *postRecorder) setFail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = err
}

// mark is where the calls from now on start.
func (r *postRecorder) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

// since returns the calls after mark that hold a message to one of users (the database is
// shared with the package's other tests: a sweep may finish their attempts too), each
// keeping only those messages.
func (r *postRecorder) since(mark int, users []int64) [][]web.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out [][]web.Message
	for _, call := range r.calls[mark:] {
		var mine []web.Message
		for _, m := range call {
			if slices.Contains(users, m.UserID) {
				mine = append(mine, m)
			}
		}
		if len(mine) > 0 {
			out = append(out, mine)
		}
	}
	return out
}

func newMessagesEnv(t *testing.T) (*env, *postRecorder) {
	rec := &postRecorder{}
	return newEnvWith(t, Deps{Post: rec.post}), rec
}

// everyone is the county's people: admin, organizers and secretaries.
func (e *env) everyone() []int64 {
	users := []int64{e.county.Admin, e.county.Organizers[0], e.county.Organizers[1]}
	return append(append(users, e.county.Secretaries[0]...), e.county.Secretaries[1]...)
}

// receivers are the people one call was for, sorted.
func receivers(call []web.Message) []int64 {
	var ids []int64
	for _, m := range call {
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

// storedOpened counts the stored exam_opened messages of the exam per person.
func storedOpened(t *testing.T, e *env, examID int64) map[int64]int {
	t.Helper()
	var rows []struct {
		UserID int64 `db:"user_id"`
		N      int   `db:"n"`
	}
	if err := e.db.Select(&rows, `SELECT user_id, count(*) AS n FROM messages WHERE ref = $1 AND kind = 'exam_opened' GROUP BY user_id`,
		OpenedRef(examID)); err != nil {
		t.Fatal(err)
	}
	out := map[int64]int{}
	for _, r := range rows {
		out[r.UserID] = r.N
	}
	return out
}

func TestExamOpenedMessages(t *testing.T) {
	e, rec := newMessagesEnv(t)
	admin := webtest.AsUser(t, e.srv, e.county.Admin)
	towns, secs := e.county.Townships, e.county.Secretaries
	everyone := e.everyone()
	// An inactive secretary of township 0 is nobody's candidate.
	inactive := testdb.User(t, e.db, "secretary", testdb.Unique("sec"), towns[0], e.county.Branches[0][0])
	testdb.Exec(t, e.db, `UPDATE users SET active = false WHERE id = $1`, inactive)
	everyone = append(everyone, inactive)

	// Published at once for township 0: one Post, one message per active secretary of it.
	m := rec.mark()
	title := strings.Repeat("长", 100) // the longest title an exam may have
	opens := time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)
	examID := e.exam(t, func(in *ExamInput) {
		in.Title, in.TownshipIDs, in.DurationMinutes = title, []int64{towns[0]}, 45
		in.OpensAt, in.ClosesAt = opens.Format(time.RFC3339), time.Now().Add(30*24*time.Hour).Format(time.RFC3339)
	})
	calls := rec.since(m, everyone)
	if len(calls) != 1 || !slices.Equal(receivers(calls[0]), sorted(secs[0]...)) {
		t.Fatalf("publishing for township 0 posted %v, want one call to %v", calls, secs[0])
	}
	var closes time.Time
	testdb.Get(t, e.db, &closes, `SELECT closes_at FROM exams WHERE id = $1`, examID)
	msg := calls[0][0]
	wantTitle := "考试：" + strings.Repeat("长", 96) + "…"
	wantBody := fmt.Sprintf("6月1日 09:00 至 %s，限时 45 分钟", closes.In(web.China).Format("1月2日 15:04"))
	if closes.In(web.China).Year() != 2026 { // a window over the new year names the years
		wantBody = fmt.Sprintf("2026年6月1日 09:00 至 %s，限时 45 分钟", closes.In(web.China).Format("2006年1月2日 15:04"))
	}
	if msg.Kind != web.MsgExamOpened || msg.Title != wantTitle || utf8.RuneCountInString(msg.Title) != 100 ||
		msg.Body != wantBody || msg.URL != "/exams" || msg.Ref != fmt.Sprintf("exam_opened:%d", examID) {
		t.Fatalf("message %+v, want title %q body %q url /exams", msg, wantTitle, wantBody)
	}

	// Publishing again, and a change that keeps the scope: nobody is told twice.
	m = rec.mark()
	if st, body := admin.JSON("POST", fmt.Sprintf("/api/v1/exams/%d/publish", examID), nil); st != 200 {
		t.Fatalf("publish again: %d %s", st, body)
	}
	in := ExamInput{Title: "改名后的考试", OpensAt: opens.Format(time.RFC3339), ClosesAt: closes.Format(time.RFC3339),
		DurationMinutes: 45, PassScore: 6, ReviewPolicy: ReviewImmediate, TownshipIDs: []int64{towns[0]},
		Rules: []Rule{{Kind: KindSingle, Category: e.cat, Count: 5, Points: 1}, {Kind: KindMultiple, Category: e.cat, Count: 3, Points: 2},
			{Kind: KindJudge, Category: e.cat, Count: 2, Points: 1}}}
	if st, body := admin.JSON("PUT", fmt.Sprintf("/api/v1/exams/%d", examID), in); st != 200 {
		t.Fatalf("edit: %d %s", st, body)
	}
	if calls := rec.since(m, everyone); len(calls) != 0 {
		t.Fatalf("republishing / editing posted again: %v", calls)
	}

	// Adding township 1 tells only township 1's secretaries (one Post).
	in.TownshipIDs = []int64{towns[0], towns[1]}
	if st, body := admin.JSON("PUT", fmt.Sprintf("/api/v1/exams/%d", examID), in); st != 200 {
		t.Fatalf("edit: %d %s", st, body)
	}
	calls = rec.since(m, everyone)
	if len(calls) != 1 || !slices.Equal(receivers(calls[0]), sorted(secs[1]...)) {
		t.Fatalf("adding township 1 posted %v, want one call to %v", calls, secs[1])
	}
	if calls[0][0].Title != "考试：改名后的考试" {
		t.Fatalf("title after the rename %q", calls[0][0].Title)
	}
	// Out and back in: still once each.
	for _, scope := range [][]int64{{towns[0]}, {towns[0], towns[1]}} {
		in.TownshipIDs = scope
		if st, body := admin.JSON("PUT", fmt.Sprintf("/api/v1/exams/%d", examID), in); st != 200 {
			t.Fatalf("edit: %d %s", st, body)
		}
	}
	if calls := rec.since(m, everyone); len(calls) != 1 {
		t.Fatalf("removing and re-adding township 1 posted again: %v", calls)
	}
	stored := storedOpened(t, e, examID)
	for _, u := range append(slices.Clone(secs[0]), secs[1]...) {
		if stored[u] != 1 {
			t.Fatalf("secretary %d has %d opened messages, want 1: %v", u, stored[u], stored)
		}
	}
	if len(stored) != len(secs[0])+len(secs[1]) {
		t.Fatalf("opened messages to %v, want the 8 secretaries only (no admin, organizer or inactive secretary)", stored)
	}

	// A draft tells nobody, also when changed; publishing it tells its candidates once.
	m = rec.mark()
	draft := e.exam(t, func(in *ExamInput) { in.Draft, in.TownshipIDs = true, []int64{towns[1]} })
	in.TownshipIDs = []int64{towns[1]}
	if st, body := admin.JSON("PUT", fmt.Sprintf("/api/v1/exams/%d", draft), in); st != 200 {
		t.Fatalf("edit draft: %d %s", st, body)
	}
	if calls := rec.since(m, everyone); len(calls) != 0 {
		t.Fatalf("a draft posted: %v", calls)
	}
	for i := 0; i < 2; i++ {
		if st, body := admin.JSON("POST", fmt.Sprintf("/api/v1/exams/%d/publish", draft), nil); st != 200 {
			t.Fatalf("publish: %d %s", st, body)
		}
	}
	calls = rec.since(m, everyone)
	if len(calls) != 1 || !slices.Equal(receivers(calls[0]), sorted(secs[1]...)) || calls[0][0].Ref != OpenedRef(draft) {
		t.Fatalf("publishing the draft (twice) posted %v, want one call to %v", calls, secs[1])
	}

	// A class's 结业 exam: its participants only, whatever its townships say.
	m = rec.mark()
	classExamID := e.exam(t, func(in *ExamInput) { in.Draft, in.TownshipIDs = true, []int64{towns[0]} })
	var classID int64
	testdb.Get(t, e.db, &classID, `INSERT INTO classes (title, kind, exam_id) VALUES ($1, '理论', $2) RETURNING id`, testdb.Unique("培训班"), classExamID)
	participants := []int64{secs[0][0], secs[1][1]}
	for _, u := range participants {
		testdb.Exec(t, e.db, `INSERT INTO class_participants (class_id, user_id, township_id) SELECT $1, id, township_id FROM users WHERE id = $2`, classID, u)
	}
	if st, body := admin.JSON("POST", fmt.Sprintf("/api/v1/exams/%d/publish", classExamID), nil); st != 200 {
		t.Fatalf("publish class exam: %d %s", st, body)
	}
	calls = rec.since(m, everyone)
	if len(calls) != 1 || !slices.Equal(receivers(calls[0]), sorted(participants...)) {
		t.Fatalf("publishing the class exam posted %v, want one call to its participants %v", calls, participants)
	}

	// A Post that fails fails the publish: the exam stays a draft, nobody is told.
	failing := e.exam(t, func(in *ExamInput) { in.Draft, in.TownshipIDs = true, []int64{towns[0]} })
	rec.setFail(errors.New("inbox down"))
	if _, err := e.store().PublishExam(context.Background(), failing); err == nil {
		t.Fatal("publish with a failing Post succeeded")
	}
	rec.setFail(nil)
	var published bool
	testdb.Get(t, e.db, &published, `SELECT published_at IS NOT NULL FROM exams WHERE id = $1`, failing)
	if published || len(storedOpened(t, e, failing)) != 0 {
		t.Fatalf("failed publish left the exam published=%v with messages %v", published, storedOpened(t, e, failing))
	}

	// Without Deps.Post nothing is posted (and nothing fails).
	plain := NewStore(e.db, nil, Deps{})
	if _, err := plain.PublishExam(context.Background(), failing); err != nil {
		t.Fatal(err)
	}
	if n := storedOpened(t, e, failing); len(n) != 0 {
		t.Fatalf("no Post wired, yet messages %v", n)
	}
}

// answerAllRight fills the attempt's answers with the paper's correct keys.
func answerAllRight(t *testing.T, db *sqlx.DB, attemptID int64) {
	t.Helper()
	testdb.Exec(t, db, `UPDATE attempts SET answers = (SELECT jsonb_object_agg(p->>'position', p->>'correct')
		FROM jsonb_array_elements(paper) p) WHERE id = $1`, attemptID)
}

func TestExamResultMessages(t *testing.T) {
	e, rec := newMessagesEnv(t)
	secs := e.county.Secretaries
	everyone := e.everyone()
	examID := e.exam(t, func(in *ExamInput) {
		in.TownshipIDs, in.ReviewPolicy, in.PassScore = []int64{e.county.Townships[0], e.county.Townships[1]}, ReviewAfterClose, 7.5
	})
	var title string
	testdb.Get(t, e.db, &title, `SELECT title FROM exams WHERE id = $1`, examID)

	// Submitted with nothing answered: 0 points, not passed.
	cl := webtest.AsUser(t, e.srv, secs[0][0])
	a := start(t, cl, examID, 201)
	m := rec.mark()
	if st, body := cl.JSON("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", a.ID), nil); st != 200 {
		t.Fatalf("submit: %d %s", st, body)
	}
	want := web.Message{UserID: secs[0][0], Kind: web.MsgExamResult, Title: "考试成绩：" + title,
		Body: "得分 0 分（满分 13，7.5 分及格），未通过", URL: fmt.Sprintf("/exams/attempts/%d/result", a.ID)}
	if calls := rec.since(m, everyone); len(calls) != 1 || len(calls[0]) != 1 || calls[0][0] != want {
		t.Fatalf("submit posted %v, want one call with %+v", calls, want)
	}
	// Submitting again changes nothing and tells nothing.
	if st, body := cl.JSON("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", a.ID), nil); st != 200 {
		t.Fatalf("submit again: %d %s", st, body)
	}
	if calls := rec.since(m, everyone); len(calls) != 1 {
		t.Fatalf("a second submit posted again: %v", calls)
	}
	var stored int
	testdb.Get(t, e.db, &stored, `SELECT count(*) FROM messages WHERE user_id = $1 AND kind = 'exam_result' AND url = $2`, secs[0][0], want.URL)
	if stored != 1 {
		t.Fatalf("%d result messages stored, want 1", stored)
	}

	// All right: full points, passed.
	cl2 := webtest.AsUser(t, e.srv, secs[0][1])
	b := start(t, cl2, examID, 201)
	answerAllRight(t, e.db, b.ID)
	m = rec.mark()
	if st, body := cl2.JSON("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", b.ID), nil); st != 200 {
		t.Fatalf("submit: %d %s", st, body)
	}
	calls := rec.since(m, everyone)
	if len(calls) != 1 || calls[0][0].Body != "得分 13 分（满分 13，7.5 分及格），已通过" || calls[0][0].UserID != secs[0][1] ||
		calls[0][0].URL != fmt.Sprintf("/exams/attempts/%d/result", b.ID) {
		t.Fatalf("passed submit posted %v", calls)
	}

	// Abandoned attempts finished by the sweeper: their takers are told too, one statement
	// per batch.
	var abandoned []int64
	for _, u := range secs[1] {
		abandoned = append(abandoned, start(t, webtest.AsUser(t, e.srv, u), examID, 201).ID)
	}
	answerAllRight(t, e.db, abandoned[0])
	testdb.Exec(t, e.db, `UPDATE attempts SET deadline = now() - interval '1 minute' WHERE id = ANY($1)`, pqArray(abandoned))
	m = rec.mark()
	if _, err := e.store().SweepExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	calls = rec.since(m, everyone)
	if len(calls) != 1 || !slices.Equal(receivers(calls[0]), sorted(secs[1]...)) {
		t.Fatalf("the sweep posted %v, want one call to %v", calls, secs[1])
	}
	for _, msg := range calls[0] {
		i := slices.Index(secs[1], msg.UserID)
		body := "得分 0 分（满分 13，7.5 分及格），未通过"
		if i == 0 {
			body = "得分 13 分（满分 13，7.5 分及格），已通过"
		}
		if msg.Kind != web.MsgExamResult || msg.Body != body || msg.URL != fmt.Sprintf("/exams/attempts/%d/result", abandoned[i]) {
			t.Fatalf("sweep message %+v, want body %q for attempt %d", msg, body, abandoned[i])
		}
	}
	// Reading an expired attempt finishes it the same way: one message.
	cl3 := webtest.AsUser(t, e.srv, secs[1][1]) // failed the swept attempt: may retake
	retake := start(t, cl3, examID, 201)        // the second of 2 attempts
	testdb.Exec(t, e.db, `UPDATE attempts SET deadline = now() - interval '1 minute' WHERE id = $1`, retake.ID)
	m = rec.mark()
	if st, body := cl3.JSON("GET", fmt.Sprintf("/api/v1/attempts/%d", retake.ID), nil); st != 200 {
		t.Fatalf("read expired attempt: %d %s", st, body)
	}
	if calls := rec.since(m, everyone); len(calls) != 1 || calls[0][0].URL != fmt.Sprintf("/exams/attempts/%d/result", retake.ID) {
		t.Fatalf("finishing an expired attempt on access posted %v", calls)
	}
}

// A result message is never lost: when Post fails, the finish fails with it and the
// attempt stays in progress (answers kept), to be finished again — by the taker's next
// submit or the sweeper.
func TestExamResultPostFailureKeepsAttemptOpen(t *testing.T) {
	e, rec := newMessagesEnv(t)
	secs := e.county.Secretaries[0]
	examID := e.exam(t, func(in *ExamInput) { in.TownshipIDs = []int64{e.county.Townships[0]} })
	cl := webtest.AsUser(t, e.srv, secs[0])
	a := start(t, cl, examID, 201)
	answerAllRight(t, e.db, a.ID)
	state := func(id int64) (status string, results, msgs int) {
		testdb.Get(t, e.db, &status, `SELECT status FROM attempts WHERE id = $1`, id)
		testdb.Get(t, e.db, &results, `SELECT count(*) FROM question_results WHERE attempt_id = $1`, id)
		testdb.Get(t, e.db, &msgs, `SELECT count(*) FROM messages WHERE kind = 'exam_result' AND url = $1`, fmt.Sprintf("/exams/attempts/%d/result", id))
		return
	}

	rec.setFail(errors.New("inbox down"))
	if st, _ := cl.JSON("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", a.ID), nil); st != 500 {
		t.Fatalf("submit with a failing Post → %d, want 500", st)
	}
	if status, results, msgs := state(a.ID); status != "in_progress" || results != 0 || msgs != 0 {
		t.Fatalf("after the failed submit: %s, %d results, %d messages; want in_progress, 0, 0", status, results, msgs)
	}
	rec.setFail(nil)
	if st, body := cl.JSON("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", a.ID), nil); st != 200 {
		t.Fatalf("submit again: %d %s", st, body)
	}
	if status, results, msgs := state(a.ID); status != "finished" || results != 10 || msgs != 1 {
		t.Fatalf("after the submit: %s, %d results, %d messages; want finished, 10, 1", status, results, msgs)
	}

	// The sweeper: a failing Post rolls its batch back; the next sweep finishes it.
	b := start(t, webtest.AsUser(t, e.srv, secs[1]), examID, 201)
	testdb.Exec(t, e.db, `UPDATE attempts SET deadline = now() - interval '1 minute' WHERE id = $1`, b.ID)
	rec.setFail(errors.New("inbox down"))
	if _, err := e.store().SweepExpired(context.Background()); err == nil {
		t.Fatal("sweep with a failing Post succeeded")
	}
	if status, _, msgs := state(b.ID); status != "in_progress" || msgs != 0 {
		t.Fatalf("after the failed sweep: %s, %d messages", status, msgs)
	}
	rec.setFail(nil)
	if _, err := e.store().SweepExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	if status, _, msgs := state(b.ID); status != "finished" || msgs != 1 {
		t.Fatalf("after the sweep: %s, %d messages", status, msgs)
	}
}

func TestMessageTexts(t *testing.T) {
	for _, c := range []struct {
		prefix, title, want string
	}{
		{"考试成绩：", strings.Repeat("甲", 95), "考试成绩：" + strings.Repeat("甲", 95)},       // fits exactly
		{"考试成绩：", strings.Repeat("甲", 96), "考试成绩：" + strings.Repeat("甲", 94) + "…"}, // cut to 100
		{"考试：", "党章", "考试：党章"},
	} {
		if got := messageTitle(c.prefix, c.title); got != c.want || utf8.RuneCountInString(got) > 100 {
			t.Errorf("messageTitle(%q, %d runes) = %q", c.prefix, utf8.RuneCountInString(c.title), got)
		}
	}
	for v, want := range map[float64]string{0: "0", 60: "60", 37.5: "37.5", 36.666: "36.67"} {
		if got := points(v); got != want {
			t.Errorf("points(%v) = %q, want %q", v, got, want)
		}
	}
	e := &Exam{ID: 7, Title: "党章", DurationMinutes: 60,
		OpensAt: time.Date(2026, 12, 28, 1, 0, 0, 0, time.UTC), ClosesAt: time.Date(2027, 1, 5, 10, 0, 0, 0, time.UTC)}
	if m := OpenedMessage(e, 3); m.Body != "2026年12月28日 09:00 至 2027年1月5日 18:00，限时 60 分钟" || m.Ref != "exam_opened:7" {
		t.Errorf("over the new year: %+v", m)
	}
	e.OpensAt = time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
	e.ClosesAt = time.Date(2026, 12, 31, 15, 59, 0, 0, time.UTC) // 23:59 in China
	if m := OpenedMessage(e, 3); m.Body != "12月1日 09:00 至 12月31日 23:59，限时 60 分钟" || inbox.Check(m) != "" {
		t.Errorf("within a year: %+v (%s)", m, inbox.Check(m))
	}
	r := ResultMessage(&Attempt{ID: 9, UserID: 3, ExamTitle: "党章", MaxScore: 60, PassScore: 36}, Result{Score: 36, Passed: true})
	if r.Body != "得分 36 分（满分 60，36 分及格），已通过" || r.URL != "/exams/attempts/9/result" || inbox.Check(r) != "" {
		t.Errorf("result: %+v", r)
	}
}
