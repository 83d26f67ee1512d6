package classes

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/seats"
	"zhibu/app/web"
)

// demoTitle names the demo class; seeding again finds it and does nothing.
const demoTitle = "村（社区）党组织书记集中轮训班（第一期）"

// demoSeatsTitle names the demo class filled by township quotas.
const demoSeatsTitle = "全县党支部书记示范培训班（各乡镇按名额推荐）"

// SeedDemo adds one county class for the demo township 1 (the accounts organizer and
// secretary): three half-day sessions — yesterday (taken: everyone present but one),
// this afternoon and in three days — so roll call, check-in, leave and 结班 can be tried.
// Idempotent.
func SeedDemo(ctx context.Context, db *sqlx.DB) error {
	var exists bool
	if err := db.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM classes WHERE title = $1)`, demoTitle); err != nil {
		return err
	}
	if exists {
		return seedSeatsDemo(ctx, db)
	}
	var township, admin int64
	err := db.QueryRowxContext(ctx, `SELECT (SELECT min(id) FROM townships), COALESCE((SELECT min(id) FROM users WHERE role = 'admin'), 0)`).
		Scan(&township, &admin)
	if err != nil || township == 0 {
		return err
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var id int64
	if err := tx.GetContext(ctx, &id, `INSERT INTO classes (title, kind, venue, description, created_by)
		VALUES ($1, '实务', '县委党校二楼报告厅', $2, NULLIF($3, 0)) RETURNING id`, demoTitle,
		"围绕发展党员、“三会一课”和党费收缴等支部日常工作集中轮训，每期三个半天。\n请提前 10 分钟到场，扫现场二维码签到；不能参加的请在开课前请假。", admin); err != nil {
		return err
	}
	day := time.Now().In(web.China).Truncate(24 * time.Hour).Add(-8 * time.Hour) // midnight in China
	sessions := []struct {
		days, start int
		topic       string
		teacher     string
	}{{-1, 9, "发展党员工作流程与常见问题", "县委组织部组织科"}, {0, 14, "“三会一课”规范化记录", "县委党校"}, {3, 9, "党费收缴、使用和管理", "县委组织部"}}
	var first int64
	for i, s := range sessions {
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return err
		}
		start := day.AddDate(0, 0, s.days).Add(time.Duration(s.start) * time.Hour)
		var sid int64
		if err := tx.GetContext(ctx, &sid, `INSERT INTO class_sessions (class_id, starts_at, ends_at, topic, teacher, hours, secret)
			VALUES ($1, $2, $3, $4, $5, 3, $6) RETURNING id`, id, start, start.Add(3*time.Hour), s.topic, s.teacher, secret); err != nil {
			return err
		}
		if i == 0 {
			first = sid
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO class_participants (class_id, user_id, township_id, added_by)
		SELECT $1, id, township_id, NULLIF($3, 0) FROM users WHERE role = 'secretary' AND active AND township_id = $2
		ON CONFLICT DO NOTHING`, id, township, admin); err != nil {
		return err
	}
	// Yesterday's roll call: everyone present, the last one absent.
	if _, err := tx.ExecContext(ctx, `INSERT INTO class_attendance (session_id, user_id, status, via, marked_by)
		SELECT $1, p.user_id, CASE WHEN p.user_id = (SELECT max(user_id) FROM class_participants WHERE class_id = $2) THEN 'absent' ELSE 'present' END,
		       'roll', NULLIF($3, 0)
		FROM class_participants p WHERE p.class_id = $2`, first, id, admin); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return seedSeatsDemo(ctx, db)
}

// seedSeatsDemo adds a county class in ten days that the townships fill by quota (2 seats
// each): township 1's organizer nominated three secretaries — one approved by the
// township, awaiting the county; one awaiting the township; one on the waiting list.
// Idempotent.
func seedSeatsDemo(ctx context.Context, db *sqlx.DB) error {
	var exists bool
	if err := db.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM classes WHERE title = $1)`, demoSeatsTitle); err != nil || exists {
		return err
	}
	var towns []int64
	if err := db.SelectContext(ctx, &towns, `SELECT id FROM townships ORDER BY sort, id`); err != nil || len(towns) == 0 {
		return err
	}
	var admin, organizer int64
	if err := db.QueryRowxContext(ctx, `SELECT COALESCE((SELECT min(id) FROM users WHERE role = 'admin'), 0),
		COALESCE((SELECT min(id) FROM users WHERE role = 'organizer' AND township_id = $1), 0)`, towns[0]).Scan(&admin, &organizer); err != nil {
		return err
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	total := 2 * len(towns)
	var id int64
	if err := tx.GetContext(ctx, &id, `INSERT INTO classes (title, kind, venue, description, total_seats, created_by)
		VALUES ($1, '理论', '县委党校一楼报告厅', $2, $3, NULLIF($4, 0)) RETURNING id`, demoSeatsTitle,
		"学习贯彻党的最新理论和《中国共产党支部工作条例（试行）》，两个半天。各乡镇按名额推荐，乡镇审核、县委组织部终审。", total, admin); err != nil {
		return err
	}
	day := time.Now().In(web.China).Truncate(24 * time.Hour).Add(-8 * time.Hour)
	for i, topic := range []string{"党的最新理论专题辅导", "《中国共产党支部工作条例（试行）》解读"} {
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return err
		}
		start := day.AddDate(0, 0, 10+i).Add(9 * time.Hour)
		if _, err := tx.ExecContext(ctx, `INSERT INTO class_sessions (class_id, starts_at, ends_at, topic, teacher, hours, secret)
			VALUES ($1, $2, $3, $4, '县委党校', 3, $5)`, id, start, start.Add(3*time.Hour), topic, secret); err != nil {
			return err
		}
	}
	quotas := map[int64]int{}
	for _, t := range towns {
		quotas[t] = 2
	}
	if err := seatTables.SaveQuotas(ctx, tx, id, quotas); err != nil {
		return err
	}
	var people []int64
	if err := tx.SelectContext(ctx, &people, `SELECT id FROM users WHERE role = 'secretary' AND active AND township_id = $1
		ORDER BY id LIMIT 3`, towns[0]); err != nil {
		return err
	}
	for i, u := range people {
		j, err := seatTables.Join(ctx, tx, seats.Join{Owner: id, UserID: u, Township: towns[0], Total: total, NominatorID: organizer})
		if err != nil {
			return err
		}
		if i == 0 && organizer != 0 {
			if _, err := seatTables.Decide(ctx, tx, id, j.SignupID, towns[0], web.RoleOrganizer, organizer, true, ""); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}
