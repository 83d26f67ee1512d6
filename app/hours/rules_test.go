package hours

import (
	"math"
	"strings"
	"testing"
)

func TestTotalsSplitOnlineAndOffline(t *testing.T) {
	var tot Totals
	for _, e := range []struct {
		online bool
		h      float64
	}{{true, 1.5}, {false, 8}, {true, 0.25}, {false, 0.1}, {false, 0.2}} {
		tot.Add(e.online, e.h)
	}
	if tot.Online != 1.75 || tot.Offline != 8.3 || tot.Total != 10.05 {
		t.Errorf("totals %+v", tot)
	}
}

func TestReachedBoundary(t *testing.T) {
	for _, c := range []struct {
		total, target float64
		want          bool
	}{{50, 50, true}, {49.99, 50, false}, {50.001, 50, true}, {0.1 + 0.2, 0.3, true}, {0, 0, true}, {0, 50, false}} {
		if got := Reached(c.total, c.target); got != c.want {
			t.Errorf("Reached(%v, %v) = %v", c.total, c.target, got)
		}
	}
}

func TestCreditInputValidate(t *testing.T) {
	ok := CreditInput{UserID: 1, Year: 2026, Hours: 16, Note: "县委党校专题培训班"}
	if errs := ok.Validate(); errs != nil {
		t.Fatalf("valid input refused: %v", errs)
	}
	for name, c := range map[string]struct {
		in    CreditInput
		field string
	}{
		"no person":      {CreditInput{Year: 2026, Hours: 1, Note: "x"}, "user_id"},
		"year":           {CreditInput{UserID: 1, Year: 1900, Hours: 1, Note: "x"}, "year"},
		"zero":           {CreditInput{UserID: 1, Year: 2026, Hours: 0, Note: "x"}, "hours"},
		"negative":       {CreditInput{UserID: 1, Year: 2026, Hours: -3, Note: "x"}, "hours"},
		"absurd":         {CreditInput{UserID: 1, Year: 2026, Hours: 1e9, Note: "x"}, "hours"},
		"NaN":            {CreditInput{UserID: 1, Year: 2026, Hours: math.NaN(), Note: "x"}, "hours"},
		"three decimals": {CreditInput{UserID: 1, Year: 2026, Hours: 1.234, Note: "x"}, "hours"},
		"no note":        {CreditInput{UserID: 1, Year: 2026, Hours: 1, Note: "  "}, "note"},
		"long note":      {CreditInput{UserID: 1, Year: 2026, Hours: 1, Note: strings.Repeat("培", MaxNote+1)}, "note"},
		"NUL":            {CreditInput{UserID: 1, Year: 2026, Hours: 1, Note: "培训\x00班"}, "note"},
	} {
		errs := c.in.Validate()
		if errs[c.field] == "" {
			t.Errorf("%s: no error on %s: %v", name, c.field, errs)
		}
	}
}
