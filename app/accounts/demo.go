package accounts

import (
	"context"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/database"
)

// DemoPassword is the password of every demo account. The demo county is for
// development and load runs only.
const DemoPassword = "zhibu-demo"

// DemoSize is how big a demo county to build.
type DemoSize struct {
	Townships   int
	Secretaries int
}

// DefaultDemoSize is what `make run` seeds.
var DefaultDemoSize = DemoSize{Townships: 4, Secretaries: 48}

var demoTownships = []string{"城关镇", "青山镇", "河口乡", "石桥街道", "白云镇", "龙泉镇", "柳林乡", "新华街道", "桃源镇", "黄土岭乡"}
var demoVillages = []string{"红星", "向阳", "前进", "团结", "光明", "胜利", "和平", "东风", "幸福", "新民", "金山", "长青", "丰收", "建设", "永安", "太平"}
var demoKinds = []struct{ kind, suffix string }{
	{"农村", "村党支部"}, {"农村", "村党支部"}, {"社区", "社区党支部"}, {"机关", "机关党支部"},
	{"企业", "公司党支部"}, {"学校", "学校党支部"}, {"联合", "联合党支部"}, {"产业", "合作社党支部"},
}
var demoSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾")
var demoGiven = []string{"建国", "秀英", "志强", "桂兰", "海燕", "国华", "玉梅", "德明", "春生", "丽华", "永红", "文斌", "红梅", "长林", "金凤", "振华"}

func demoTownshipName(i int) string {
	if i < len(demoTownships) {
		return demoTownships[i]
	}
	return fmt.Sprintf("第%d镇", i+1)
}

// SeedDemo builds (idempotently) a demo county: townships, one branch per secretary of
// varied kinds, an organizer per township, an admin, and the fixed demo accounts.
func SeedDemo(ctx context.Context, db *sqlx.DB, size DemoSize) error {
	if size.Townships < 1 || size.Secretaries < size.Townships {
		return fmt.Errorf("demo county needs at least one township and one secretary per township")
	}
	hash, err := hashPassword(DemoPassword)
	if err != nil {
		return err
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	names := make([]string, size.Townships)
	sorts := make([]int64, size.Townships)
	for i := range names {
		names[i], sorts[i] = demoTownshipName(i), int64(i+1)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO townships (name, sort) SELECT * FROM unnest($1::text[], $2::int[])
		ON CONFLICT (name) DO NOTHING`, pq.Array(names), pq.Array(sorts)); err != nil {
		return err
	}
	var ids []int64
	if err := tx.SelectContext(ctx, &ids, `SELECT t.id FROM unnest($1::text[]) WITH ORDINALITY n(name, i) JOIN townships t ON t.name = n.name ORDER BY n.i`, pq.Array(names)); err != nil {
		return err
	}

	// Secretary i (1-based) belongs to township (i-1) mod T, so "secretary" is in township 1.
	n := size.Secretaries
	bTown, bName, bKind := make([]int64, n), make([]string, n), make([]string, n)
	uName, uUser, uPhone, uFull := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i := 0; i < n; i++ {
		t := i % size.Townships
		k := demoKinds[(i/size.Townships)%len(demoKinds)]
		seq := i / size.Townships
		place := demoVillages[seq%len(demoVillages)]
		if seq >= len(demoVillages) {
			place = fmt.Sprintf("%s%d", place, seq/len(demoVillages)+1)
		}
		bTown[i], bKind[i] = ids[t], k.kind
		bName[i] = place + k.suffix
		uUser[i] = "secretary"
		if i > 0 {
			uUser[i] = fmt.Sprintf("secretary%d", i+1)
		}
		uPhone[i] = fmt.Sprintf("138%08d", i+1)
		uFull[i] = string(demoSurnames[i%len(demoSurnames)]) + demoGiven[(i/len(demoSurnames))%len(demoGiven)]
		uName[i] = bName[i]
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO branches (township_id, name, kind)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]) ON CONFLICT (township_id, name) DO NOTHING`,
		pq.Array(bTown), pq.Array(bName), pq.Array(bKind)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO users (username, phone, name, role, township_id, branch_id, title, password_hash)
		SELECT u.username, u.phone, u.name, 'secretary', u.township_id, b.id, '书记', $6
		FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[]) AS u(username, phone, name, township_id, branch)
		JOIN branches b ON b.township_id = u.township_id AND b.name = u.branch
		ON CONFLICT (username) DO NOTHING`,
		pq.Array(uUser), pq.Array(uPhone), pq.Array(uFull), pq.Array(bTown), pq.Array(uName), hash); err != nil {
		return demoLoginClash(err)
	}

	oUser, oPhone, oName := make([]string, size.Townships), make([]string, size.Townships), make([]string, size.Townships)
	for i := range ids {
		oUser[i] = "organizer"
		if i > 0 {
			oUser[i] = fmt.Sprintf("organizer%d", i+1)
		}
		oPhone[i] = fmt.Sprintf("137%08d", i+1)
		oName[i] = names[i] + "组织委员"
	}
	if err := demoIdentifiers(slices.Concat(uUser, oUser, []string{demoAdminUsername}), slices.Concat(uPhone, oPhone, []string{demoAdminPhone})); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO users (username, phone, name, role, township_id, title, password_hash)
		SELECT u.username, u.phone, u.name, 'organizer', u.township_id, '组织委员', $5
		FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS u(username, phone, name, township_id)
		ON CONFLICT (username) DO NOTHING`, pq.Array(oUser), pq.Array(oPhone), pq.Array(oName), pq.Array(ids), hash); err != nil {
		return demoLoginClash(err)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO users (username, phone, name, role, title, password_hash)
		VALUES ($2, $3, '县委组织部管理员', 'admin', '组织部干部', $1)
		ON CONFLICT (username) DO NOTHING`, hash, demoAdminUsername, demoAdminPhone); err != nil {
		return demoLoginClash(err)
	}
	return tx.Commit()
}

const demoAdminUsername, demoAdminPhone = "admin", "13600000001"

// demoLoginClash explains a demo account refused because its phone or username is already
// another account's login name.
func demoLoginClash(err error) error {
	if database.IsUniqueViolation(err, "") {
		return fmt.Errorf("a demo account's phone or username is already another account's login name: %w", err)
	}
	return err
}

// demoIdentifiers holds the demo accounts to the rule of every account (rules_identifiers.go).
func demoIdentifiers(usernames, phones []string) error {
	for i := range usernames {
		id, fields := checkIdentifiers(usernames[i], phones[i])
		if len(fields) > 0 || id.Username != usernames[i] || id.Phone != phones[i] {
			return fmt.Errorf("demo account %q / %q breaks the login-name rule: %v", usernames[i], phones[i], fields)
		}
	}
	return nil
}
