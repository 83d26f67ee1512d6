package certificates

import (
	"fmt"
	"strings"
	"time"

	"zhibu/app/web"
)

// Programme kinds.
const (
	KindClass = "class" // a class's 结业 (class_participants.completed, set at 结班)
	KindYear  = "year"  // a year's programme: the year's 必修 courses done and an exam passed
)

// KindLabel is a programme kind in Chinese.
func KindLabel(kind string) string {
	switch kind {
	case KindClass:
		return "培训班结业"
	case KindYear:
		return "年度学习"
	}
	return kind
}

// Facts are what other features know about one person for one programme, read with
// their own definitions (store.go factsSQL): the class's 结业, the year's 必修 courses
// not done yet, whether the programme's exam was passed.
type Facts struct {
	Participant bool // kind class: the person takes part in the class
	Completed   bool // kind class: 结业 decided at 结班
	CoursesLeft int  // kind year: zhibu_required_courses_left(user, year)
	ExamPassed  bool // kind year: the exam passed (or any exam passed that year)
}

// Qualifies tells whether the facts earn the programme's certificate, and otherwise what
// is still missing, in Chinese, one item per line.
func Qualifies(kind string, f Facts) (bool, []string) {
	var missing []string
	switch kind {
	case KindClass:
		if !f.Participant {
			missing = append(missing, "不是本培训班学员")
		} else if !f.Completed {
			missing = append(missing, "培训班结班后结业")
		}
	case KindYear:
		if f.CoursesLeft > 0 {
			missing = append(missing, fmt.Sprintf("还有 %d 门必修课程未完成", f.CoursesLeft))
		}
		if !f.ExamPassed {
			missing = append(missing, "考试尚未通过")
		}
	default:
		missing = append(missing, "未知的证书类型")
	}
	return len(missing) == 0, missing
}

// SerialPrefix starts every serial number.
const SerialPrefix = "ZB"

// FormatSerial is the serial number of the n-th certificate issued in year: ZB2026-000123
// (more digits past 999999, never cut).
func FormatSerial(year, n int) string {
	return fmt.Sprintf("%s%d-%06d", SerialPrefix, year, n)
}

// CodeLen is the length of a verification code: 20 random bytes in base32 (160 bits).
const CodeLen = 32

// ValidCode tells whether s has the shape of a verification code (32 characters of
// lowercase base32); anything else is answered 404 without a query.
func ValidCode(s string) bool {
	if len(s) != CodeLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z') && !(c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// VerifyLimit is how many verifications one client address may ask per minute.
const VerifyLimit = 30

// Window is the rate limit's minute window of t.
func Window(t time.Time) time.Time { return t.UTC().Truncate(time.Minute) }

// Limited tells whether the hits counted in a window (this one included) are over limit.
func Limited(hits, limit int) bool { return hits > limit }

// VerifyPath is the public verification page of a code.
func VerifyPath(code string) string { return "/verify/" + code }

// VerifyURL is the full verification address: the public base (ZHIBU_PUBLIC_URL) or, when
// unset, the request's own base.
func VerifyURL(publicBase, requestBase, code string) string {
	base := strings.TrimRight(strings.TrimSpace(publicBase), "/")
	if base == "" {
		base = strings.TrimRight(requestBase, "/")
	}
	return base + VerifyPath(code)
}

// DayOf is the date of t in China (the certificate's 发证日期).
func DayOf(t time.Time) time.Time {
	y, m, d := t.In(web.China).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
