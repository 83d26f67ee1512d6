package roll

import (
	"fmt"
	"time"

	"zhibu/app/web"
)

// Marks of a person at one occasion (a class's session, a tour's day).
const (
	Present = "present"
	Absent  = "absent"
	Leave   = "leave"
	Late    = "late"
	// Unmarked is the list filter for people without a mark yet; never stored.
	Unmarked = "unmarked"
)

// Statuses are the marks a roll call sets, in the order its buttons show them.
var Statuses = []string{Present, Late, Leave, Absent}

// Label is a mark in Chinese ("" = not marked yet).
func Label(s string) string {
	switch s {
	case Present:
		return "出勤"
	case Absent:
		return "缺勤"
	case Leave:
		return "请假"
	case Late:
		return "迟到"
	}
	return "未点名"
}

// Valid tells whether s is a mark a roll call may set.
func Valid(s string) bool { return s == Present || s == Absent || s == Leave || s == Late }

// ValidFilter tells whether s may filter a roll listing: "" (everyone), Unmarked or a mark.
func ValidFilter(s string) bool { return s == "" || s == Unmarked || Valid(s) }

// Attended tells whether a mark counts as attended (学时 of a class's session, a day of a
// tour): present, or late (the person was there). Absence, leave and no mark do not.
func Attended(s string) bool { return s == Present || s == Late }

// AttendedSQL is Attended in SQL, over an attendance row aliased a — the one SQL form of
// the rule (rules_test.go checks the two agree on every mark).
const AttendedSQL = `a.status IN ('` + Present + `', '` + Late + `')`

// Record is one line of a roll call (PUT …/attendance).
type Record struct {
	UserID int64  `json:"user_id"`
	Status string `json:"status"`
}

// Input is a roll call: {"records":[{"user_id":7,"status":"present"}]}.
type Input struct {
	Records []Record `json:"records"`
}

// MaxRecords bounds one roll call request.
const MaxRecords = 5000

// Validate checks every record: at least one, at most MaxRecords, each a person and a
// mark, nobody twice.
func (in Input) Validate() web.FieldErrors {
	switch {
	case len(in.Records) == 0:
		return web.FieldErrors{"records": "请至少标记一人"}
	case len(in.Records) > MaxRecords:
		return web.FieldErrors{"records": fmt.Sprintf("一次最多 %d 人", MaxRecords)}
	}
	seen := map[int64]bool{}
	for i, r := range in.Records {
		switch {
		case r.UserID <= 0:
			return web.FieldErrors{"records": fmt.Sprintf("第 %d 条缺少人员", i+1)}
		case !Valid(r.Status):
			return web.FieldErrors{"records": fmt.Sprintf("第 %d 条的考勤状态应为出勤、缺勤、请假或迟到", i+1)}
		case seen[r.UserID]:
			return web.FieldErrors{"records": fmt.Sprintf("第 %d 条重复标记了同一人", i+1)}
		}
		seen[r.UserID] = true
	}
	return nil
}

// DayRefusal says why the roll call of a day-long occasion (a tour's day) cannot be
// taken at now ("" = it can): it opens on the day itself (China time) and stays open
// afterwards, so a late correction is possible.
func DayRefusal(now, day time.Time) string {
	today := now.In(web.China).Format(web.DateLayout)
	if day.Format(web.DateLayout) > today {
		return "还没到" + day.Format("1月2日") + "，当天才能点名"
	}
	return ""
}

// Tally is the marks of the people on a roll.
type Tally struct {
	People   int `db:"people" json:"people"`
	Present  int `db:"present" json:"present"`
	Late     int `db:"late" json:"late"`
	Leave    int `db:"leave" json:"leave"`
	Absent   int `db:"absent" json:"absent"`
	Unmarked int `db:"unmarked" json:"unmarked"`
}

// Marked is how many people have a mark.
func (t Tally) Marked() int { return t.Present + t.Late + t.Leave + t.Absent }

// Attended is how many people count as attended (Attended).
func (t Tally) Attended() int { return t.Present + t.Late }

// Of is the count of one filter value: "" everyone, Unmarked or a mark.
func (t Tally) Of(status string) int {
	switch status {
	case "":
		return t.People
	case Unmarked:
		return t.Unmarked
	case Present:
		return t.Present
	case Late:
		return t.Late
	case Leave:
		return t.Leave
	case Absent:
		return t.Absent
	}
	return 0
}
