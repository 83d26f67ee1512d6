package tours

import (
	"context"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

// Demo tours use only settled historical facts (dates, places, names).
var demoTours = []struct {
	title, destination, itinerary, status string
	startDays, days, total                int
}{
	{"井冈山革命传统教育考察", "江西省井冈山市", `## 为什么去井冈山

1927年10月，毛泽东率秋收起义部队到达井冈山，创建第一个农村革命根据地；1928年4月朱毛会师，部队合编为工农革命军第四军。

## 行程安排

1. **第一天**：集中乘车前往井冈山，晚间召开行前学习会
2. **第二天**：现场教学，重温革命传统
3. **第三天**：支部书记交流研讨，撰写学习体会
4. **第四天**：返程，各乡镇组织分享

> 请携带身份证、笔记本，着装整洁。`, TourOpen, 30, 4, 12},
	{"浙江“千万工程”乡村振兴考察", "浙江省湖州市安吉县、宁波市奉化区", `## 考察主题

“千万工程”2003年由时任浙江省委书记习近平推动，2018年获联合国“地球卫士奖”。

## 考察点

湖州市安吉县：

- **余村**：“绿水青山就是金山银山”理念的提出地（2005年8月15日）
- **鲁家村**

宁波市奉化区：

- **滕头村**

## 要求

结合本村实际，返程后提交一份发展思路。`, TourDraft, 75, 5, 20},
	{"西柏坡“两个务必”专题考察", "河北省石家庄市平山县", `## 学习要点

西柏坡是“解放全中国的最后一个农村指挥所”，三大战役在此指挥；1949年3月5日至13日在此召开七届二中全会，提出“两个务必”。

## 行程

1. 参观西柏坡纪念馆
2. 重温入党誓词
3. 专题研讨：牢记“两个务必”`, TourDone, -60, 3, 8},
}

// SeedDemo creates each demo tour once: an open 井冈山 tour with small quotas for every
// demo township, a draft 千万工程 tour, and a past 西柏坡 tour with participants. post is
// the inbox (inbox.Post), which tells nobody about the past tour (old news). The 千万工程
// tour asks for a report (demoReport) and links a pre-reading course from courses (none
// given: no pre-reading).
func SeedDemo(ctx context.Context, db *sqlx.DB, post web.Post, courses ...CourseList) error {
	deps := Deps{Post: post} // the demo tours require no courses
	if len(courses) > 0 {
		deps.Courses = courses[0]
	}
	s := NewStore(db, deps)
	townships, admin, err := s.demoCounty(ctx)
	if err != nil || len(townships) == 0 {
		return err
	}
	today := time.Now().In(web.China).Truncate(24 * time.Hour)
	for _, d := range demoTours {
		seeded, err := s.demoSeeded(ctx, d.title)
		if err != nil {
			return err
		}
		if seeded {
			continue
		}
		start := today.AddDate(0, 0, d.startDays)
		in := TourInput{Title: d.title, Destination: d.destination, Itinerary: d.itinerary,
			StartsOn: start.Format(web.DateLayout), EndsOn: start.AddDate(0, 0, d.days-1).Format(web.DateLayout),
			TotalSeats: d.total, Status: d.status, Quotas: map[int64]int{}}
		opens, closes := time.Now().Add(-72*time.Hour), start.AddDate(0, 0, -10)
		if d.status == TourDone {
			opens, closes = start.AddDate(0, 0, -30), start.AddDate(0, 0, -10)
		}
		in.SignupOpensAt, in.SignupClosesAt = opens.Format(time.RFC3339), closes.Format(time.RFC3339)
		in.CancelDeadline = start.AddDate(0, 0, -7).Format(time.RFC3339)
		// Small quotas: share the seats out, at most 3 per township.
		per := min(max(d.total/len(townships), 1), 3)
		for i, tid := range townships {
			if (i+1)*per > d.total {
				break
			}
			in.Quotas[tid] = per
		}
		if err := s.demoReport(ctx, &in, start.AddDate(0, 0, d.days-1)); err != nil {
			return err
		}
		status := in.Status
		if d.status == TourDone {
			in.Status = TourOpen // open while the participants are added, then mark done
			in.SignupClosesAt = time.Now().Add(time.Hour).Format(time.RFC3339)
		}
		t, err := s.CreateTour(ctx, in, admin)
		if err != nil {
			return err
		}
		if d.status == TourDone {
			if err := s.seedParticipants(ctx, t.ID, per, admin); err != nil {
				return err
			}
			in.Status, in.SignupClosesAt = status, closes.Format(time.RFC3339)
			if _, err := s.UpdateTour(ctx, t.ID, in, admin); err != nil {
				return err
			}
		}
		if d.status != TourDraft { // 考察日程 (store_days.go): a day per date, the past tour's roll taken
			if err := s.seedDays(ctx, t, admin, d.status == TourDone); err != nil {
				return err
			}
		}
	}
	return nil
}

// seedParticipants signs up and fully approves the first `per` secretaries of each
// township, telling nobody: it is old news.
func (s *Store) seedParticipants(ctx context.Context, tourID int64, per int, admin int64) error {
	s = &Store{db: s.db, now: s.now, coursesLeft: s.coursesLeft}
	people, err := s.demoSecretaries(ctx, per)
	if err != nil {
		return err
	}
	for _, p := range people {
		if _, err := s.Signup(ctx, tourID, p.ID, ""); errors.Is(err, ErrNoQuota) {
			continue // a township without quota
		} else if err != nil {
			return err
		}
		sid, err := s.demoSignupID(ctx, tourID, p.ID)
		if err != nil {
			return err
		}
		if p.Org == 0 {
			continue // nobody to approve at the township: stays pending
		}
		if _, err := s.Decide(ctx, tourID, sid, Actor{UserID: p.Org, Role: web.RoleOrganizer, Scope: web.Scope{TownshipID: p.Township}}, true, ""); err != nil {
			return err
		}
		if admin != 0 {
			if _, err := s.Decide(ctx, tourID, sid, Actor{UserID: admin, Role: web.RoleAdmin, Scope: web.Scope{All: true}}, true, ""); err != nil {
				return err
			}
		}
	}
	return nil
}
