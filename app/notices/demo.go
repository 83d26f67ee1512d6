package notices

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

// demoBody is the demo notice: generic arrangements, no policy figures.
const demoBody = `各乡镇（街道）党（工）委：

按照年度干部教育培训安排，县委组织部将分批组织全县党支部书记参加集中轮训。现将有关事项通知如下。

## 一、参训对象

全县各党支部书记，新任书记优先安排。

## 二、时间和地点

轮训分批进行。每一批的日期、地点和课程安排，以平台「培训班」中发布的为准，请留意站内消息。

## 三、有关要求

1. 各乡镇（街道）组织委员负责通知本乡镇参训人员，确有特殊情况不能参加的，按培训班的规定请假。
2. 参训期间请遵守培训纪律，带好笔记本。
3. 培训结束后按规定记入学时，可在「我的」页面查看。

如有疑问，请联系本乡镇组织委员。

**县委组织部**`

// demoTownshipBody is the demo township notice of the first township's organizer.
const demoTownshipBody = `各党支部书记：

县委组织部已发布本年度集中轮训的通知，请在「通知公告」中查看。

- 轮训的批次和日期，以平台「培训班」中的安排为准；
- 确有特殊情况不能参加的，请提前与镇组织委员联系。

镇党委组织委员`

// SeedDemo publishes the demo notices once: a pinned county notice about the year's
// 集中轮训 and the first township's reminder of it (no inbox messages: the demo seeds
// before anyone reads).
func SeedDemo(ctx context.Context, db *sqlx.DB) error {
	year := strconv.Itoa(time.Now().In(web.China).Year())
	s := NewStore(db, Deps{})
	admin, err := demoAuthor(ctx, db, web.RoleAdmin)
	if admin == nil || err != nil {
		return err // no demo county yet: nobody to publish for
	}
	if err := demoNotice(ctx, s, admin, NoticeInput{Title: "关于做好" + year + "年度党支部书记集中轮训的通知",
		Body: demoBody, AllTownships: true, Pinned: true}); err != nil {
		return err
	}
	organizer, err := demoAuthor(ctx, db, web.RoleOrganizer)
	if organizer == nil || err != nil {
		return err
	}
	return demoNotice(ctx, s, organizer, NoticeInput{Title: "本镇参加" + year + "年度集中轮训的有关事项", Body: demoTownshipBody})
}

// demoAuthor is the first active user of the role (the organizer of the first township).
func demoAuthor(ctx context.Context, db *sqlx.DB, role string) (*web.Identity, error) {
	var me web.Identity
	err := db.GetContext(ctx, &me, `SELECT id AS user_id, username, name, role, COALESCE(township_id, 0) AS township_id
		FROM users WHERE role = $1 AND active ORDER BY township_id NULLS FIRST, id LIMIT 1`, role)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &me, err
}

// demoNotice publishes the notice unless its author's scope has one of that title.
func demoNotice(ctx context.Context, s *Store, me *web.Identity, in NoticeInput) error {
	var exists bool
	err := s.db.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM notices WHERE title = $1
		AND owner_township_id IS NOT DISTINCT FROM NULLIF($2, 0::bigint))`, in.Title, OwnerOf(me))
	if err != nil || exists {
		return err
	}
	_, err = s.Create(ctx, me, in)
	return err
}
