package reports

import (
	"database/sql"
	"strconv"
)

// Query is a report request: a year, a township scope and a completion target.
type Query struct {
	Year     int
	Township sql.NullInt64 // NULL = the whole county
	Target   float64       // a fraction, e.g. 0.8
	Ranked   bool          // the county shows 排名 (Deps.Ranking), not a request parameter
}

// parseYear reads ?year= (a four-digit year from 2000 to 2100); empty is def.
func parseYear(s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	y, err := strconv.Atoi(s)
	if err != nil || y < 2000 || y > 2100 {
		return 0, ErrBadYear
	}
	return y, nil
}

// parseTarget reads ?target= as a percentage above 0 and at most 100; empty is
// DefaultTarget.
func parseTarget(s string) (float64, error) {
	if s == "" {
		return DefaultTarget, nil
	}
	t, err := strconv.ParseFloat(s, 64)
	// Written so that NaN (which fails every comparison) is refused too.
	if err != nil || !(t > 0 && t <= 100) {
		return 0, ErrBadTarget
	}
	return t / 100, nil
}
