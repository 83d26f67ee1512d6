package settings

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// DemoIssuer is the demo county's issuing body, so the demo's certificates show a real
// county's name.
const DemoIssuer = "中共示范县委组织部"

// SeedDemo names the demo county's issuing body unless an admin already named one.
// Idempotent.
func SeedDemo(ctx context.Context, db *sqlx.DB) error {
	_, err := db.ExecContext(ctx, `UPDATE county_settings SET issuer_name = $1 WHERE issuer_name = ''`, DemoIssuer)
	return err
}
