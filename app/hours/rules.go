package hours

import (
	"math"

	"zhibu/app/figures"
)

// MaxHours bounds one entry: a whole year of 脱产 training is far below it, so anything
// above is a typing mistake. The database checks the same bound (00059_hour_ledger.sql).
const MaxHours = 200

// MaxNote bounds a note or a revocation reason (characters).
const MaxNote = 200

// Source is where an entry's 学时 came from.
type Source string

const (
	SourceCourse Source = "course" // a completed online course (courses)
	SourceClass  Source = "class"  // a class attended to 结班
	SourceTour   Source = "tour"   // a confirmed study tour (app/tours)
	SourceManual Source = "manual" // outside training the county credits by hand
)

// SourceLabel is the Chinese name of a source.
func SourceLabel(s Source) string {
	switch s {
	case SourceCourse:
		return "线上课程"
	case SourceClass:
		return "集中培训班"
	case SourceTour:
		return "考察学习"
	case SourceManual:
		return "组织认定"
	}
	return "其他"
}

// Totals are a person's 学时 of a year: 线上 (online courses), 线下 (everything else —
// the split is the ledger's generated column `online`) and 合计.
type Totals struct {
	Online  float64 `json:"online"`
	Offline float64 `json:"offline"`
	Total   float64 `json:"total"`
}

// Add counts hours of an entry into the totals.
func (t *Totals) Add(online bool, hours float64) {
	if online {
		t.Online = round2(t.Online + hours)
	} else {
		t.Offline = round2(t.Offline + hours)
	}
	t.Total = round2(t.Online + t.Offline)
}

// Reached tells whether a total meets the year's target: the one rule of 学时达标,
// figures.MetTarget. (People mirrors it in SQL; store_test.go checks the boundary.)
func Reached(total, target float64) bool { return figures.MetTarget(total, target) }

func round2(x float64) float64 { return math.Round(x*100) / 100 }
