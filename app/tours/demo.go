package tours

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

// Demo tours use only settled facts (domain-facts.md §6.1, ✅).
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
	{"浙江“千万工程”乡村振兴考察", "浙江省湖州市安吉县", `## 考察主题

“千万工程”2003年由时任浙江省委书记习近平推动，2018年获联合国“地球卫士奖”。

## 考察点

- **安吉余村**：“绿水青山就是金山银山”理念的提出地（2005年8月15日）
- **安吉鲁家村**
- **奉化滕头村**

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
// demo township, a draft 千万工程 tour, and a past 西柏坡 tour with participants.
func SeedDemo(ctx context.Context, db *sqlx.DB) error {
	var townships []int64
	if err := db.SelectContext(ctx, &townships, `SELECT id FROM townships ORDER BY sort, id`); err != nil {
		return err
	}
	if len(townships) == 0 {
		return nil
	}
	var admin int64
	db.GetContext(ctx, &admin, `SELECT COALESCE(min(id), 0) FROM users WHERE role = 'admin'`)
	s := NewStore(db)
	today := time.Now().In(web.China).Truncate(24 * time.Hour)
	for _, d := range demoTours {
		var n int
		if err := db.GetContext(ctx, &n, `SELECT count(*) FROM tours WHERE title = $1`, d.title); err != nil {
			return err
		}
		if n > 0 {
			continue // seeded before
		}
		start := today.AddDate(0, 0, d.startDays)
		in := TourInput{Title: d.title, Destination: d.destination, Itinerary: d.itinerary,
			StartsOn: start.Format("2006-01-02"), EndsOn: start.AddDate(0, 0, d.days-1).Format("2006-01-02"),
			TotalSeats: d.total, Status: d.status, Quotas: map[int64]int{}}
		opens, closes := time.Now().Add(-72*time.Hour), start.AddDate(0, 0, -10)
		if d.status == TourDone {
			opens, closes = start.AddDate(0, 0, -30), start.AddDate(0, 0, -10)
		}
		in.SignupOpensAt, in.SignupClosesAt = opens.Format(time.RFC3339), closes.Format(time.RFC3339)
		in.CancelDeadline = start.AddDate(0, 0, -7).Format(time.RFC3339)
		// Small quotas: share the seats out, at most 3 per township.
		per := d.total / len(townships)
		if per > 3 {
			per = 3
		}
		if per < 1 {
			per = 1
		}
		for i, tid := range townships {
			if (i+1)*per > d.total {
				break
			}
			in.Quotas[tid] = per
		}
		status := in.Status
		if d.status == TourDone {
			in.Status = TourOpen // open while the participants are added, then mark done
			in.SignupClosesAt = time.Now().Add(time.Hour).Format(time.RFC3339)
		}
		id, err := s.CreateTour(ctx, in, admin)
		if err != nil {
			return err
		}
		if d.status == TourDone {
			if err := seedParticipants(ctx, db, s, id, townships, per, admin); err != nil {
				return err
			}
			// Old news: the demo secretaries start without unread messages of a past tour.
			if _, err := db.ExecContext(ctx, `UPDATE tour_messages SET read_at = now() WHERE tour_id = $1`, id); err != nil {
				return err
			}
			in.Status, in.SignupClosesAt = status, closes.Format(time.RFC3339)
			if err := s.UpdateTour(ctx, id, in, admin); err != nil {
				return err
			}
		}
	}
	return nil
}

// seedParticipants signs up and fully approves the first secretaries of each township.
func seedParticipants(ctx context.Context, db *sqlx.DB, s *Store, tourID int64, townships []int64, per int, admin int64) error {
	var rows []struct {
		ID       int64 `db:"id"`
		Township int64 `db:"township_id"`
		Org      int64 `db:"org"`
	}
	if err := db.SelectContext(ctx, &rows, `
		SELECT u.id, u.township_id, COALESCE((SELECT min(o.id) FROM users o WHERE o.role = 'organizer' AND o.township_id = u.township_id), 0) AS org
		FROM (SELECT id, township_id, row_number() OVER (PARTITION BY township_id ORDER BY id) AS k
			FROM users WHERE role = 'secretary' AND active) u
		WHERE u.k <= $1 ORDER BY u.township_id, u.id`, per); err != nil {
		return err
	}
	for _, r := range rows {
		sid := int64(0)
		if _, err := s.Signup(ctx, tourID, r.ID, "", 0); err != nil {
			continue // a township without quota
		}
		if err := db.GetContext(ctx, &sid, `SELECT id FROM tour_signups WHERE tour_id = $1 AND user_id = $2`, tourID, r.ID); err != nil {
			return err
		}
		if r.Org != 0 {
			if _, err := s.Decide(ctx, tourID, sid, Actor{UserID: r.Org, Role: "organizer", Scope: scopeOf(r.Township)}, true, ""); err != nil {
				return err
			}
		}
		if admin != 0 {
			s.Decide(ctx, tourID, sid, Actor{UserID: admin, Role: "admin", Scope: scopeAll}, true, "")
		}
	}
	return nil
}

var scopeAll = web.Scope{All: true}

func scopeOf(township int64) web.Scope { return web.Scope{TownshipID: township} }
