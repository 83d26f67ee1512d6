package tools

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func dutyDate(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestTermYears(t *testing.T) {
	want := map[string]int{"农村": 5, "社区": 5, "机关": 3, "企业": 3, "学校": 3, "事业单位": 3, "联合": 3, "产业": 3, "其他": 3}
	for _, k := range BranchKinds {
		got, ok := TermYears(k)
		if !ok || got != want[k] {
			t.Errorf("%s: %d %v, want %d", k, got, ok, want[k])
		}
	}
	if len(BranchKinds) != len(want) {
		t.Errorf("%d kinds, want %d", len(BranchKinds), len(want))
	}
	for _, k := range []string{"", "临时", "村"} {
		if _, ok := TermYears(k); ok {
			t.Errorf("%q has a term", k)
		}
	}
}

// Each kind's calendar: 支委会, 党小组会 and 主题党日 every month; 党员大会 every quarter;
// 组织生活会 and 民主评议 once, in the fourth quarter; 谈心谈话 once in the year; every
// key unique, stable and accepted by DutyKeyYear.
func TestDutyCalendarFrequencies(t *testing.T) {
	for _, kind := range append(BranchKinds, "") {
		for _, year := range []int{2025, 2026, 2027} {
			c := DutyCalendarFor(kind, year, nil)
			count := map[string]int{}
			seen := map[string]bool{}
			for _, it := range c.Items() {
				if seen[it.Key] {
					t.Fatalf("%s %d: key %s twice", kind, year, it.Key)
				}
				seen[it.Key] = true
				if y, ok := DutyKeyYear(it.Key); !ok || y != year {
					t.Errorf("%s %d: key %s not accepted (%d %v)", kind, year, it.Key, y, ok)
				}
				if !strings.HasPrefix(it.Key, fmt.Sprint(year)+"-") || it.Basis == "" || it.Title == "" {
					t.Errorf("%s %d: item %+v", kind, year, it)
				}
				count[it.Key[strings.LastIndex(it.Key, "-")+1:]]++
			}
			want := map[string]int{"zwh": 12, "dxzh": 12, "ztdr": 12, "dydh": 4, "zzshh": 1, "mzpy": 1, "txth": 1}
			for code, n := range want {
				if count[code] != n {
					t.Errorf("%s %d: %s %d times, want %d", kind, year, code, count[code], n)
				}
			}
			if len(count) != len(want) {
				t.Errorf("%s %d: codes %v", kind, year, count)
			}
			if len(c.Quarters) != 4 {
				t.Fatalf("%d quarters", len(c.Quarters))
			}
			for qi, q := range c.Quarters {
				if q.Quarter != qi+1 || len(q.Months) != 3 {
					t.Fatalf("quarter %d: %+v", qi, q)
				}
				for mi, m := range q.Months {
					if m.Month != qi*3+mi+1 {
						t.Errorf("quarter %d month %d is %d", q.Quarter, mi, m.Month)
					}
					for _, it := range m.Items {
						if it.Key[:8] != fmt.Sprintf("%d-%02d-", year, m.Month) {
							t.Errorf("month %d holds %s", m.Month, it.Key)
						}
					}
				}
				var yearly []string
				for _, it := range q.Items {
					if strings.HasSuffix(it.Key, "zzshh") || strings.HasSuffix(it.Key, "mzpy") {
						yearly = append(yearly, it.Key)
					}
				}
				if (q.Quarter == 4) != (len(yearly) == 2) || (q.Quarter != 4 && len(yearly) != 0) {
					t.Errorf("quarter %d yearly items %v", q.Quarter, yearly)
				}
			}
			if c.Quarters[3].Name() != "第四季度" || c.Quarters[0].Name() != "第一季度" {
				t.Errorf("quarter names %q %q", c.Quarters[0].Name(), c.Quarters[3].Name())
			}
			// 党课 is no item: its frequency is left to local rules.
			if len(c.Notes) != 1 || !strings.Contains(c.Notes[0], "各地规定不同，请按本地要求") {
				t.Errorf("notes %v", c.Notes)
			}
			// 「本月要做」: the month's three and its quarter's items.
			may := c.Month(5)
			if len(may) != 4 || may[0].Key != fmt.Sprintf("%d-05-zwh", year) || may[3].Key != fmt.Sprintf("%d-q2-dydh", year) {
				t.Errorf("May: %d items", len(may))
			}
			if dec := c.Month(12); len(dec) != 6 {
				t.Errorf("December: %d items, want 6 (3 monthly, 党员大会, 组织生活会, 民主评议)", len(dec))
			}
			if c.Month(0) != nil || c.Month(13) != nil {
				t.Error("a month out of range has items")
			}
		}
	}
	// Only 村、社区 are told that their important matters go to the 党员大会.
	for kind, want := range map[string]bool{"农村": true, "社区": true, "机关": false, "": false} {
		c := DutyCalendarFor(kind, 2026, nil)
		if got := strings.Contains(c.Quarters[0].Items[0].Detail, "村、社区的重要事项"); got != want {
			t.Errorf("%q: 村、社区 note %v", kind, got)
		}
	}
}

// The 换届 reminder falls exactly 6 months before the term ends, for each term length,
// across year boundaries and at month ends.
func TestDutyTermReminder(t *testing.T) {
	cases := []struct {
		name        string
		kind        string
		start       string
		end, remind string
	}{
		{"village 5 years", "农村", "2021-03-15", "2026-03-15", "2025-09-15"},
		{"community 5 years", "社区", "2022-11-20", "2027-11-20", "2027-05-20"},
		{"organ 3 years", "机关", "2023-09-01", "2026-09-01", "2026-03-01"},
		{"enterprise, reminder the year before", "企业", "2023-02-10", "2026-02-10", "2025-08-10"},
		{"school, end on new year's day", "学校", "2024-01-01", "2027-01-01", "2026-07-01"},
		{"joint, 31 August to end of February", "联合", "2021-08-31", "2024-08-31", "2024-02-29"},
		{"industry, leap day start", "产业", "2024-02-29", "2027-02-28", "2026-08-28"},
		{"other, 31 December", "其他", "2022-12-31", "2025-12-31", "2025-06-30"},
	}
	for _, tc := range cases {
		years, _ := TermYears(tc.kind)
		end, remind := TermEnd(dutyDate(tc.start), years)
		if end.Format("2006-01-02") != tc.end || remind.Format("2006-01-02") != tc.remind {
			t.Errorf("%s: end %s remind %s, want %s %s", tc.name, end.Format("2006-01-02"), remind.Format("2006-01-02"), tc.end, tc.remind)
		}
		start := dutyDate(tc.start)
		found := map[string]string{}
		for year := start.Year(); year <= start.Year()+6; year++ {
			c := DutyCalendarFor(tc.kind, year, &start)
			for _, it := range c.Items() {
				if strings.HasSuffix(it.Key, "-hjtx") || strings.HasSuffix(it.Key, "-hj") {
					if _, twice := found[it.Key]; twice {
						t.Errorf("%s: %s twice", tc.name, it.Key)
					}
					found[it.Key] = it.Detail
					if y, ok := DutyKeyYear(it.Key); !ok || y != year {
						t.Errorf("%s: key %s refused", tc.name, it.Key)
					}
				}
			}
		}
		wantRemind, wantEnd := tc.remind[:7]+"-hjtx", tc.end[:7]+"-hj"
		if len(found) != 2 || found[wantRemind] == "" || found[wantEnd] == "" {
			t.Errorf("%s: items %v, want %s and %s", tc.name, found, wantRemind, wantEnd)
		}
		endCN := fmt.Sprintf("%d年%d月%d日", end.Year(), int(end.Month()), end.Day())
		if !strings.Contains(found[wantRemind], endCN) {
			t.Errorf("%s: reminder %q does not name the end %s", tc.name, found[wantRemind], endCN)
		}
	}
}

// No term start, or no branch kind: no 换届 items, and the note says what to enter.
func TestDutyNoTerm(t *testing.T) {
	start := dutyDate("2021-03-15")
	for _, tc := range []struct {
		kind  string
		start *time.Time
		note  string
	}{
		{"农村", nil, "填写上次换届时间后可提醒"},
		{"机关", nil, "填写上次换届时间后可提醒"},
		{"", &start, "选择支部类型"},
		{"临时", &start, "选择支部类型"},
	} {
		for year := 2021; year <= 2027; year++ {
			c := DutyCalendarFor(tc.kind, year, tc.start)
			for _, it := range c.Items() {
				if strings.Contains(it.Key, "-hj") {
					t.Errorf("%q %d: %s without a term", tc.kind, year, it.Key)
				}
			}
		}
		if n := TermNote(tc.kind, tc.start, dutyDate("2026-05-01")); !strings.Contains(n, tc.note) {
			t.Errorf("%q: note %q, want %q", tc.kind, n, tc.note)
		}
	}
}

func TestTermNote(t *testing.T) {
	start := dutyDate("2023-09-01") // 机关: end 2026-09-01, reminder 2026-03-01
	cases := []struct {
		today, want string
	}{
		{"2025-12-31", "2026年3月1日 起进入换届准备"},
		{"2026-02-28", "2026年3月1日 起进入换届准备"},
		{"2026-03-01", "已不足6个月"},
		{"2026-08-31", "已不足6个月"},
		{"2026-09-01", "已于 2026年9月1日 届满"},
		{"2030-01-01", "已于 2026年9月1日 届满"},
	}
	for _, tc := range cases {
		// today arrives in China time, the term start from the database in UTC.
		today, _ := time.ParseInLocation("2006-01-02 15:04", tc.today+" 00:30", time.FixedZone("CST", 8*3600))
		if got := TermNote("机关", &start, today); !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.today, got, tc.want)
		}
	}
}

func TestDutyKeys(t *testing.T) {
	cases := []struct {
		key  string
		year int
		ok   bool
	}{
		{"2026-03-zwh", 2026, true}, {"2026-12-dxzh", 2026, true}, {"2026-01-ztdr", 2026, true},
		{"2026-q1-dydh", 2026, true}, {"2026-q4-zzshh", 2026, true}, {"2026-q4-mzpy", 2026, true},
		{"2026-y-txth", 2026, true}, {"2026-09-hjtx", 2026, true}, {"2026-03-hj", 2026, true},
		{"2026-13-zwh", 0, false}, {"2026-00-zwh", 0, false}, {"2026-3-zwh", 0, false}, {"2026-+3-zwh", 0, false},
		{"2026-q5-dydh", 0, false}, {"2026-q2-zzshh", 0, false}, {"2026-q1-mzpy", 0, false}, {"2026-03-dydh", 0, false},
		{"2026-y-zwh", 0, false}, {"2026-03-evil", 0, false}, {"26-03-zwh", 0, false}, {"abcd-03-zwh", 0, false},
		{"2026-03-zwh-x", 0, false}, {"", 0, false}, {"2026-03-ZWH", 0, false}, {"0999-03-zwh", 0, false},
	}
	for _, tc := range cases {
		y, ok := DutyKeyYear(tc.key)
		if ok != tc.ok || y != tc.year {
			t.Errorf("%q: %d %v, want %d %v", tc.key, y, ok, tc.year, tc.ok)
		}
	}
	today := dutyDate("2026-06-01")
	for _, tc := range []struct {
		key   string
		field string
	}{
		{"2026-03-zwh", ""}, {"2027-03-zwh", ""}, {"2019-q1-dydh", ""},
		{"2028-03-zwh", "year"}, {"2018-03-zwh", "year"}, {"1800-03-zwh", "year"}, {"2026-03-x", "key"},
	} {
		_, fe := CheckDutyKey(tc.key, today)
		if (fe == nil) != (tc.field == "") || (tc.field != "" && fe[tc.field] == "") {
			t.Errorf("%s: %v, want field %q", tc.key, fe, tc.field)
		}
	}
}

func TestCheckTermStart(t *testing.T) {
	today := dutyDate("2026-06-01")
	for _, tc := range []struct {
		start string
		ok    bool
	}{
		{"2026-06-01", true}, {"2021-03-15", true}, {"2000-01-01", true},
		{"2026-06-02", false}, {"2031-01-01", false}, {"1999-12-31", false},
	} {
		if fe := CheckTermStart(dutyDate(tc.start), today); (fe == nil) != tc.ok {
			t.Errorf("%s: %v", tc.start, fe)
		}
	}
}
