package web

import (
	"strings"
	"time"
)

// The one time parser of every feature. Forms send datetime-local values ("2026-05-01T09:00"),
// the API sends RFC 3339; a time without an offset is China time. Dates are calendar days.

// DateTimeLayouts are the layouts ParseDateTime accepts, in the order tried.
var DateTimeLayouts = []string{
	time.RFC3339,          // 2026-05-01T09:00:00+08:00 (API)
	"2006-01-02T15:04",    // <input type="datetime-local">
	"2006-01-02T15:04:05", // datetime-local with seconds
	"2006-01-02 15:04",    // typed by hand
	"2006-01-02 15:04:05", // typed by hand, with seconds
	DateLayout,            // a day alone: its first minute, China time
}

// DateLayout is the one layout of a calendar day (<input type="date">, API dates).
const DateLayout = "2006-01-02"

// ParseDateTime reads an instant in one of DateTimeLayouts; surrounding space is ignored.
// RFC 3339 keeps its own offset; every other layout is China time.
func ParseDateTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range DateTimeLayouts {
		if t, err := time.ParseInLocation(layout, s, China); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// ParseDate reads a calendar day (DateLayout) as its midnight in China time.
func ParseDate(s string) (time.Time, bool) {
	t, err := time.ParseInLocation(DateLayout, strings.TrimSpace(s), China)
	return t, err == nil
}
