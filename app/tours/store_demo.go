package tours

import "context"

// The queries of SeedDemo (demo.go).

// demoCounty returns the townships in order and the first admin (0 when none).
func (s *Store) demoCounty(ctx context.Context) (townships []int64, admin int64, err error) {
	if err = s.db.SelectContext(ctx, &townships, `SELECT id FROM townships ORDER BY sort, id`); err != nil {
		return nil, 0, err
	}
	err = s.db.GetContext(ctx, &admin, `SELECT COALESCE(min(id), 0) FROM users WHERE role = 'admin'`)
	return townships, admin, err
}

// demoSeeded tells whether a demo tour of that title exists.
func (s *Store) demoSeeded(ctx context.Context, title string) (bool, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM tours WHERE title = $1`, title)
	return n > 0, err
}

type demoSecretary struct {
	ID       int64 `db:"id"`
	Township int64 `db:"township_id"`
	Org      int64 `db:"org"` // the township's first organizer, 0 when none
}

// demoSecretaries returns the first `per` active secretaries of each township.
func (s *Store) demoSecretaries(ctx context.Context, per int) ([]demoSecretary, error) {
	var rows []demoSecretary
	err := s.db.SelectContext(ctx, &rows, `
		SELECT u.id, u.township_id, COALESCE((SELECT min(o.id) FROM users o WHERE o.role = 'organizer' AND o.township_id = u.township_id), 0) AS org
		FROM (SELECT id, township_id, row_number() OVER (PARTITION BY township_id ORDER BY id) AS k
			FROM users WHERE role = 'secretary' AND active) u
		WHERE u.k <= $1 ORDER BY u.township_id, u.id`, per)
	return rows, err
}

// demoSignupID returns the id of the user's sign-up for the tour.
func (s *Store) demoSignupID(ctx context.Context, tourID, userID int64) (int64, error) {
	var id int64
	err := s.db.GetContext(ctx, &id, `SELECT id FROM tour_signups WHERE tour_id = $1 AND user_id = $2`, tourID, userID)
	return id, err
}
