package courses

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"zhibu/app/figures"
	"zhibu/app/web"
)

// Rules that decide things. They are pure so that they can be tested without a database
// and changed in one place.

// BeatCap is the most one heartbeat can credit when the page beats every interval
// (Deps.HeartbeatInterval): two intervals absorb a late beat, and a page left open in a
// hidden tab or a client that stops beating earns nothing extra.
func BeatCap(interval time.Duration) time.Duration { return 2 * interval }

// clockSlack is how far a client's own measure may exceed the server's before the beat
// is refused as impossible (slow rural networks delay one beat more than the next).
const clockSlack = 5 * time.Second

// Beat is the per-user "current lesson" row: the only lesson that can earn time.
type Beat struct {
	LessonID int64
	At       time.Time
}

// BeatVerdict says what one heartbeat earns.
type BeatVerdict struct {
	Seconds    int           // whole seconds credited to the lesson
	Carry      time.Duration // fraction of a second not credited yet: the next beat starts from now-Carry
	Impossible bool          // the client claimed more time than passed: refuse, count nothing
}

// CreditBeat decides how many seconds a heartbeat for lessonID at now earns, given the
// user's previous beat (nil if none). Only time since the previous beat of the SAME lesson
// counts, capped at cap; a "resume" beat (page opened or shown again after being hidden)
// only starts the clock. claimed is the client's own measure of visible time since its
// last beat (0 when not sent): more than really passed is refused as impossible. Whole
// seconds are credited and the fraction carried to the next beat, so frequent beats lose
// nothing and gain nothing.
func CreditBeat(prev *Beat, lessonID int64, now time.Time, resume bool, claimed time.Duration, cap time.Duration) BeatVerdict {
	if prev == nil || prev.LessonID != lessonID || resume {
		return BeatVerdict{}
	}
	elapsed := now.Sub(prev.At)
	if elapsed <= 0 {
		return BeatVerdict{}
	}
	if claimed > elapsed+clockSlack || claimed < 0 {
		return BeatVerdict{Impossible: true}
	}
	if elapsed > cap {
		return BeatVerdict{Seconds: int(cap / time.Second)}
	}
	whole := elapsed.Truncate(time.Second)
	return BeatVerdict{Seconds: int(whole / time.Second), Carry: elapsed - whole}
}

// LessonComplete: the learner reached the end and spent the minimum time.
func LessonComplete(reachedEnd bool, seconds, minSeconds int) bool {
	return reachedEnd && seconds >= minSeconds
}

// CourseStatus is what course completion depends on; nothing else decides completion.
type CourseStatus struct {
	Lessons     int  // lessons in the course
	LessonsDone int  // of them completed by the learner
	ExamLinked  bool // an exam the learner may take is linked to the course (exams.course_id)
	ExamPassed  bool // the learner passed an exam linked to the course
}

// CourseComplete is THE rule for a finished course: every lesson complete (a course
// without lessons cannot be finished) and, when an exam is linked to it, that exam passed.
func CourseComplete(s CourseStatus) bool {
	return s.Lessons > 0 && s.LessonsDone >= s.Lessons && (!s.ExamLinked || s.ExamPassed)
}

// YearRule is a year's 学时 policy (table course_years).
type YearRule struct {
	Year           int     `db:"year" json:"year"`
	TargetHours    float64 `db:"target_hours" json:"target_hours"`
	MinutesPerHour int     `db:"minutes_per_hour" json:"minutes_per_hour"`
}

// DefaultYearRule applies to a year nobody configured yet: no national figure is
// hard-coded elsewhere, this is only a placeholder an admin is expected to change.
func DefaultYearRule(year int) YearRule {
	return YearRule{Year: year, TargetHours: figures.DefaultTargetHours, MinutesPerHour: 45}
}

// CreditHours converts a completed course into 学时: the declared credit when the course
// has one, otherwise its lessons' total minimum study time at the year's minutes per
// 学时, rounded down to half hours (at least 0.5 for any course with study time).
func CreditHours(declared float64, totalMinSeconds int, rule YearRule) float64 {
	if declared > 0 {
		return math.Round(declared*100) / 100
	}
	if totalMinSeconds <= 0 || rule.MinutesPerHour <= 0 {
		return 0
	}
	h := float64(totalMinSeconds) / 60 / float64(rule.MinutesPerHour)
	h = math.Floor(h*2) / 2
	if h < 0.5 {
		h = 0.5
	}
	return h
}

// CreditCheck compares the 学时 a course declares with the 学时 the year's conversion
// gives for its lessons' minimum study times (CreditHours with nothing declared).
type CreditCheck struct {
	Declared  float64 // credit_hours as declared (0: the conversion applies)
	Converted float64 // what the year's rule gives for the lessons' total minimum time
	Lessons   int     // the lessons that make up the course now (course_lessons)
}

// CheckCredit is the comparison for a course with lessons lessons of totalMinSeconds
// minimum study time in all, under the year's rule.
func CheckCredit(declared float64, lessons, totalMinSeconds int, rule YearRule) CreditCheck {
	return CreditCheck{Declared: math.Round(declared*100) / 100, Converted: CreditHours(0, totalMinSeconds, rule), Lessons: lessons}
}

// NeedsReason is THE rule of consistent 学时: declaring more than the conversion gives
// needs a stated reason (courses.credit_reason); declaring less, the same, or nothing (0)
// needs none. A course without lessons has nothing to compare with yet: it cannot be
// published before it has lessons, and publishing checks again.
func (c CreditCheck) NeedsReason() bool {
	return c.Lessons > 0 && c.Declared > 0 && c.Declared > c.Converted
}

// ReasonMissing is what a refused save or publish says beside the reason field.
func (c CreditCheck) ReasonMissing() string {
	return "认定 " + FormatHours(c.Declared) + " 学时，多于按各课时最短学习时间折算的 " + FormatHours(c.Converted) +
		" 学时，请写明按 " + FormatHours(c.Declared) + " 学时认定的理由"
}

// FormatHours prints 学时 without needless decimals: 12, 12.5, 12.25.
func FormatHours(h float64) string {
	return strconv.FormatFloat(math.Round(h*100)/100, 'f', -1, 64)
}

// AssignmentScope is who a 必修 assignment applies to.
type AssignmentScope struct {
	Scope       string // all | townships | kinds
	TownshipIDs []int64
	BranchKinds []string
}

// Applies tells whether the assignment covers a secretary of the township and branch kind.
// Its SQL twin is the view course_requirements (migrations/00051_course_requirements.sql),
// which every query deciding who a 必修 course applies to reads; courses/requirements_test.go
// checks that the two agree.
func (a AssignmentScope) Applies(townshipID int64, branchKind string) bool {
	switch a.Scope {
	case "all":
		return true
	case "townships":
		for _, id := range a.TownshipIDs {
			if id == townshipID {
				return true
			}
		}
	case "kinds":
		for _, k := range a.BranchKinds {
			if k == branchKind {
				return true
			}
		}
	}
	return false
}

// YearOf is the local (China) year of t.
func YearOf(t time.Time) int { return t.In(web.China).Year() }

// Units people read. Pages never show raw seconds or bytes; these are the only
// formatters, and static/js/study.js mirrors FormatDuration for its countdown.

// FormatDuration shows a span of study time: 30 秒, 5 分钟, 3 分 20 秒.
func FormatDuration(sec int) string {
	if sec < 0 {
		sec = 0
	}
	switch {
	case sec < 60:
		return strconv.Itoa(sec) + " 秒"
	case sec%60 == 0:
		return strconv.Itoa(sec/60) + " 分钟"
	}
	return strconv.Itoa(sec/60) + " 分 " + strconv.Itoa(sec%60) + " 秒"
}

// FormatMinutes shows a minimum study time in minutes (admins enter minutes): 5 分钟,
// 1.5 分钟. A part of a minute is rounded UP to a tenth, so the page never promises a
// lesson complete sooner than it is.
func FormatMinutes(sec int) string {
	if sec <= 0 {
		return "0 分钟"
	}
	tenths := (sec + 5) / 6 // ceil(sec / 6 s)
	return strconv.FormatFloat(float64(tenths)/10, 'f', -1, 64) + " 分钟"
}

// FormatSize shows a file size: 350 KB, 1.2 MB (1 KB = 1024 bytes). A non-empty file is
// at least 1 KB; sizes from 1 MB on show one decimal at most.
func FormatSize(bytes int64) string {
	const kb, mb = 1024, 1024 * 1024
	if bytes <= 0 {
		return "0 KB"
	}
	k := (bytes + kb/2) / kb
	if k < 1 {
		k = 1
	}
	if k < 1024 {
		return strconv.FormatInt(k, 10) + " KB"
	}
	m := math.Round(float64(bytes)/mb*10) / 10
	return strconv.FormatFloat(m, 'f', -1, 64) + " MB"
}

// MinText is the lesson's minimum study time for pages (最短学习 5 分钟).
func (l Lesson) MinText() string { return FormatMinutes(l.MinSeconds) }

// SizeText is the attachment's size for pages (1.2 MB).
func (a Attachment) SizeText() string { return FormatSize(a.Size) }

// NextCourse is THE answer to "what should I study next?" for the home page's cards: the
// 必修 course not completed with the soonest due date (the list's order breaks ties), else
// the unfinished course studied most recently; nil when there is nothing to continue.
func NextCourse(list []MyCourse) *MyCourse {
	var next *MyCourse
	for i, m := range list {
		if m.Required() && !m.Done() && (next == nil || m.DueDate.Before(*next.DueDate)) {
			next = &list[i]
		}
	}
	if next != nil {
		return next
	}
	for i, m := range list {
		if !m.Done() && m.LastLessonID.Valid && m.ProgressAt != nil && (next == nil || next.ProgressAt.Before(*m.ProgressAt)) {
			next = &list[i]
		}
	}
	return next
}

// ResumeLesson is the lesson to open in a course: the last one studied while the course
// is unfinished (an archived one never, see MyCourses), else the first lesson not
// completed; 0 when the course has none (then its page is the place to go).
func ResumeLesson(m MyCourse, lessons []LessonView) int64 {
	if m.LastLessonID.Valid && !m.Done() {
		return m.LastLessonID.Int64
	}
	for _, l := range lessons {
		if !l.Completed {
			return l.ID
		}
	}
	return 0
}

// NotYetText says, under 「下一课时」, why leaving now does not complete the lesson: the
// study time still missing (left, in seconds) and/or the end not reached yet; empty once
// the lesson is complete. static/js/study.js keeps it current with the same words.
func NotYetText(done bool, left int, reachedEnd bool) string {
	if done {
		return ""
	}
	var why string
	switch {
	case left > 0 && !reachedEnd:
		why = "还需再学习 " + FormatDuration(left) + "，并读到末尾"
	case left > 0:
		why = "还需再学习 " + FormatDuration(left)
	case !reachedEnd:
		why = "还需读到本课时末尾"
	default:
		why = "正在确认学习时长"
	}
	return "现在离开，本课时还不算完成：" + why
}

// AssignedRef is the ref (messages.ref) of the message telling a secretary that the course
// is 必修 for them in the year (AssignedMessage). It names the requirement, not an
// assignment: who a requirement applies to is the view course_requirements, which merges a
// course's assignments of a year, so a person covered by two of them is told once.
func AssignedRef(courseID int64, year int) string {
	return assignedRefPrefix(courseID) + strconv.Itoa(year)
}

// assignedRefPrefix is AssignedRef without the year, for the SQL that appends it.
func assignedRefPrefix(courseID int64) string {
	return "course_assigned:" + strconv.FormatInt(courseID, 10) + ":"
}

// assignedTitleRunes is how much of a course's title the message's title quotes (the
// inbox allows 100 runes in all; the course title may have 100).
const assignedTitleRunes = 60

// AssignedMessage tells a secretary (UserID to fill in) that a published course became
// 必修 for them in the year, to be completed by due (the earliest due date of the
// assignments covering them): kind course_assigned, the course page as URL.
func AssignedMessage(courseID int64, courseTitle string, year int, due time.Time) web.Message {
	title := courseTitle
	if r := []rune(title); len(r) > assignedTitleRunes {
		title = string(r[:assignedTitleRunes-1]) + "…"
	}
	return web.Message{
		Kind:  web.MsgCourseAssigned,
		Title: "新的必修课程：" + title,
		Body: fmt.Sprintf("《%s》是您 %d 年度的必修课程，请在 %s 前学完。", courseTitle, year,
			due.Format("2006年1月2日")),
		URL: fmt.Sprintf("/courses/%d", courseID),
		Ref: AssignedRef(courseID, year),
	}
}

// RemindDays is how close (in days, China time) a 必修 course's deadline must be for the
// staff home card to turn into a 催学 prompt (PushFor).
const RemindDays = 14

// PushFor picks the 必修 course whose stragglers the staff should remind now: the first
// (stats come by deadline) whose last day is today or within RemindDays (China dates),
// with people still not done; nil when none is.
func PushFor(stats []RequiredStat, now time.Time) *RequiredStat {
	y, m, d := now.In(web.China).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	for i, s := range stats {
		y, m, d := s.DueDate.Date()
		left := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(today)
		if s.Done < s.Required && left >= 0 && left <= RemindDays*24*time.Hour {
			return &stats[i]
		}
	}
	return nil
}
