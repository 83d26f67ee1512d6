package reminders

import (
	"context"
	"errors"
	"testing"

	"zhibu/app/testdb"
)

// A tour's report (target tour_report, target_id = the tour): the confirmed participants
// in scope without a submitted or accepted report (a returned one counts as not
// submitted); a tour that asks for no report, or a draft, is no target. Submitting after
// the reminder marks the recipient finished.
func TestTourReportRecipients(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	ctx := context.Background()
	var tour, noReport int64
	const cols = `(title, destination, starts_on, ends_on, total_seats, signup_opens_at, signup_closes_at, cancel_deadline, status, report_due, year)`
	testdb.Get(t, db, &tour, `INSERT INTO tours `+cols+` VALUES ($1, '安吉', current_date - 10, current_date - 7, 10,
		now() - interval '30 days', now() - interval '20 days', now() - interval '15 days', 'done', current_date + 3, 2026) RETURNING id`, testdb.Unique("考察"))
	testdb.Get(t, db, &noReport, `INSERT INTO tours `+cols+` VALUES ($1, '安吉', current_date - 10, current_date - 7, 10,
		now() - interval '30 days', now() - interval '20 days', now() - interval '15 days', 'done', NULL, 2026) RETURNING id`, testdb.Unique("考察"))
	// Township 0: 4 confirmed (one submitted, one accepted, one returned, one none); one pending.
	// Township 1: one confirmed without a report.
	people := c.Secretaries[0]
	for i, u := range people {
		testdb.Exec(t, db, `INSERT INTO tour_signups (tour_id, user_id, township_id, status) VALUES ($1, $2, $3, 'confirmed')`, tour, u, c.Townships[0])
		if st := []string{"submitted", "accepted", "returned", ""}[i]; st != "" {
			testdb.Exec(t, db, `INSERT INTO tour_reports (tour_id, user_id, status, body, submitted_at) VALUES ($1, $2, $3, '报告', now() - interval '1 day')`, tour, u, st)
		}
	}
	testdb.Exec(t, db, `INSERT INTO tour_signups (tour_id, user_id, township_id, status) VALUES ($1, $2, $3, 'pending')`, tour, c.Secretaries[1][1], c.Townships[1])
	testdb.Exec(t, db, `INSERT INTO tour_signups (tour_id, user_id, township_id, status) VALUES ($1, $2, $3, 'confirmed')`, tour, c.Secretaries[1][0], c.Townships[1])

	s := NewStore(db, testDeps)
	org, admin := identity(t, db, c.Organizers[0]), identity(t, db, c.Admin)
	p, err := s.Preview(ctx, org, SendInput{Target: TargetTourReport, TargetID: tour})
	if err != nil || p.Send != 2 || p.Target.DueText() == "" {
		t.Fatalf("organizer preview: %+v %v", p, err)
	}
	got := map[int64]bool{}
	for _, x := range p.People {
		got[x.UserID] = true
	}
	if !got[people[2]] || !got[people[3]] {
		t.Fatalf("people: %+v", p.People)
	}
	if p, err = s.Preview(ctx, admin, SendInput{Target: TargetTourReport, TargetID: tour}); err != nil || p.Send != 3 {
		t.Fatalf("admin preview: %+v %v", p, err)
	}
	if _, err := s.Preview(ctx, org, SendInput{Target: TargetTourReport, TargetID: noReport}); !errors.Is(err, ErrTargetNotFound) {
		t.Fatalf("a tour without a report: %v", err)
	}
	choices, err := s.Choices(ctx, org, 0)
	found := false
	for _, ch := range choices {
		if ch.Kind == TargetTourReport && ch.ID == tour {
			found = ch.Left == 2
		}
	}
	if err != nil || !found {
		t.Fatalf("choices: %+v %v", choices, err)
	}
	r, err := s.Send(ctx, org, SendInput{Target: TargetTourReport, TargetID: tour, Text: DefaultText(TargetTourReport, "考察", p.Target.Due.UTC())})
	if err != nil || r.Recipients != 2 {
		t.Fatalf("send: %+v %v", r, err)
	}
	var url string
	testdb.Get(t, db, &url, `SELECT url FROM messages WHERE ref = $1 AND user_id = $2`, Ref(r.ID), people[3])
	if url != "/tours/"+itoa(tour)+"/report" {
		t.Errorf("url %q", url)
	}
	testdb.Exec(t, db, `INSERT INTO tour_reports (tour_id, user_id, status, body, submitted_at) VALUES ($1, $2, 'submitted', '补交', now() + interval '1 minute')`, tour, people[3])
	rem, err := s.Get(ctx, org, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, n, err := s.Recipients(ctx, rem, "", "", 0, 50)
	if err != nil || n.Finished != 1 {
		t.Fatalf("finished: %+v %v", n, err)
	}
}
