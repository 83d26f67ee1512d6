package classes

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"zhibu/app/roll"
	"zhibu/app/web"
)

// Attendance statuses of a participant at a session: the marks of app/roll, the roll
// call classes and tours share.
const (
	Present = roll.Present
	Absent  = roll.Absent
	Leave   = roll.Leave
	Late    = roll.Late
)

// StatusLabel is an attendance status in Chinese ("" = not marked yet).
func StatusLabel(s string) string { return roll.Label(s) }

// ValidStatus tells whether s is an attendance status a roll call may set.
func ValidStatus(s string) bool { return roll.Valid(s) }

// Attended tells whether a status earns the session's 学时 (roll.Attended: present, or
// late — the person was there). Absence, leave and no mark at all do not.
func Attended(status string) bool { return roll.Attended(status) }

// MissedSoFar tells whether a session counts as missed before 结班: marked absent or on
// leave, or over without any mark (a session still to come is not missed yet).
func MissedSoFar(status string, endsAt, now time.Time) bool {
	return status == Absent || status == Leave || (status == "" && endsAt.Before(now))
}

// Default absence limit: leave and absence together at most 1/7 of the class's 学时
// (《干部教育培训工作条例》: 请假累计原则上不得超过总学时的 1/7).
const (
	DefaultAbsenceNum = 1
	DefaultAbsenceDen = 7
)

// WithinAbsenceLimit tells whether missed 学时 stay within num/den of the class's total.
// It compares in hundredths of an hour, exactly: missed exactly 1/7 of the total is
// within the limit.
func WithinAbsenceLimit(missed, total float64, num, den int) bool {
	if den <= 0 {
		return false
	}
	m, t := centi(missed), centi(total)
	return m*int64(den) <= t*int64(num)
}

func centi(h float64) int64 { return int64(math.Round(h * 100)) }

// SessionMark is one session of a participant: its 学时 and the participant's status.
type SessionMark struct {
	Hours  float64
	Status string // "" when never marked
}

// Outcome is a participant's 结业 at 结班.
type Outcome struct {
	Attended  float64 // 学时 attended, credited to the ledger
	Missed    float64 // 学时 of leave, absence and sessions never marked
	Completed bool
	Reason    string // why not completed; "" when completed
}

// Decide is the one rule of 结业: the 学时 attended are credited whatever happens; the
// participant completes the class when the missed 学时 stay within the limit.
func Decide(marks []SessionMark, num, den int) Outcome {
	var o Outcome
	total := 0.0
	for _, m := range marks {
		total += m.Hours
		if Attended(m.Status) {
			o.Attended += m.Hours
		} else {
			o.Missed += m.Hours
		}
	}
	o.Attended, o.Missed = round2(o.Attended), round2(o.Missed)
	o.Completed = len(marks) > 0 && WithinAbsenceLimit(o.Missed, total, num, den)
	if !o.Completed {
		if len(marks) == 0 {
			o.Reason = "培训班没有课程安排"
		} else {
			o.Reason = fmt.Sprintf("请假和缺勤共 %s 学时，超过总学时 %s 的 %d/%d", web.FormatNumber(o.Missed), web.FormatNumber(round2(total)), num, den)
		}
	}
	return o
}

// ExamRefusal is why a participant may not start the class's 结业 exam ("" = may): missed
// 学时 so far already beyond the limit of the whole class.
func ExamRefusal(missedSoFar, total float64, num, den int) string {
	if WithinAbsenceLimit(missedSoFar, total, num, den) {
		return ""
	}
	return fmt.Sprintf("您请假和缺勤已达 %s 学时，超过本班总学时 %s 的 %d/%d，不能参加结业考试。如有异议请联系培训班组织者。",
		web.FormatNumber(missedSoFar), web.FormatNumber(total), num, den)
}

// RollOpens is how long before a session starts its roll call and check-in open.
const RollOpens = 30 * time.Minute

// RollRefusal says why a session's attendance cannot be taken now ("" = it can): not
// before RollOpens ahead of the start, never after 结班.
func RollRefusal(now, startsAt time.Time, classClosed bool) string {
	switch {
	case classClosed:
		return "培训班已结班，考勤不能再修改"
	case now.Before(startsAt.Add(-RollOpens)):
		return "这节课还没开始，开课前 30 分钟才能点名和签到"
	}
	return ""
}

// LeaveRefusal says why leave for a session cannot be asked now ("" = it can): only
// before the session starts, and never after 结班.
func LeaveRefusal(now, startsAt time.Time, classClosed bool) string {
	switch {
	case classClosed:
		return "培训班已结班"
	case !now.Before(startsAt):
		return "这节课已经开始，不能再请假；如有特殊情况请直接联系培训班组织者"
	}
	return ""
}

// Check-in tokens: the QR code a session's organizer shows encodes /checkin/<token>. A
// token names its session and when it expires and carries an HMAC-SHA256 of both under
// the session's own secret (class_sessions.secret), so it cannot be forged or moved to
// another session; a new one is shown every TokenRotate and each stays valid TokenTTL,
// so a scan just before the change still counts.
const (
	TokenRotate = time.Minute
	TokenTTL    = 2 * time.Minute
)

// SignToken makes the token of a session expiring at exp.
func SignToken(secret []byte, sessionID int64, exp time.Time) string {
	payload := strconv.FormatInt(sessionID, 10) + "." + strconv.FormatInt(exp.Unix(), 10)
	return payload + "." + mac(secret, payload)
}

func mac(secret []byte, payload string) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18])
}

// ParseToken reads the session a token claims, without trusting it yet.
func ParseToken(token string) (sessionID int64, exp time.Time, ok bool) {
	if len(token) > 100 {
		return 0, time.Time{}, false
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return 0, time.Time{}, false
	}
	sid, err1 := strconv.ParseInt(parts[0], 10, 64)
	unix, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || sid <= 0 || unix <= 0 {
		return 0, time.Time{}, false
	}
	return sid, time.Unix(unix, 0), true
}

// TokenRefusal checks a token against its session's secret at now ("" = valid).
func TokenRefusal(secret []byte, token string, now time.Time) string {
	sid, exp, ok := ParseToken(token)
	if !ok {
		return "签到码无效，请重新扫描现场的二维码"
	}
	payload := strconv.FormatInt(sid, 10) + "." + strconv.FormatInt(exp.Unix(), 10)
	parts := strings.Split(token, ".")
	if !hmac.Equal([]byte(parts[2]), []byte(mac(secret, payload))) {
		return "签到码无效，请重新扫描现场的二维码"
	}
	if !now.Before(exp) || exp.Sub(now) > TokenTTL+time.Minute {
		return "签到码已过期（每分钟更新一次），请扫描现场屏幕上最新的二维码"
	}
	return ""
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
