package certificates

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// SeedDemo adds the demo year's programme (「<year> 年度支部书记学习培训」: the year's 必修
// courses done and any exam passed that year) and issues its certificates to whoever in
// the demo county already qualifies. Idempotent.
func SeedDemo(ctx context.Context, db *sqlx.DB) error {
	year := DayOf(time.Now()).Year()
	title := fmt.Sprintf("%d 年度支部书记学习培训", year)
	var id int64
	err := db.GetContext(ctx, &id, `
		WITH ins AS (
			INSERT INTO certificate_programmes (title, kind, year, created_by)
			SELECT $1, 'year', $2, (SELECT min(id) FROM users WHERE role = 'admin')
			WHERE NOT EXISTS (SELECT 1 FROM certificate_programmes WHERE kind = 'year' AND year = $2 AND title = $1)
			RETURNING id)
		SELECT id FROM ins UNION ALL SELECT id FROM certificate_programmes WHERE kind = 'year' AND year = $2 AND title = $1
		LIMIT 1`, title, year)
	if err != nil {
		return err
	}
	_, err = NewStore(db, nil).Issue(ctx, id, nil)
	if err == ErrProgrammeInactive {
		return nil // switched off by the demo admin
	}
	return err
}
