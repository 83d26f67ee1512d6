package accounts

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/database"
	"zhibu/app/imports"
)

// townshipIDs maps every township name to its id.
func townshipIDs(ctx context.Context, db sqlx.QueryerContext) (map[string]int64, error) {
	var ts []struct {
		ID   int64  `db:"id"`
		Name string `db:"name"`
	}
	if err := sqlx.SelectContext(ctx, db, &ts, `SELECT id, name FROM townships`); err != nil {
		return nil, err
	}
	m := make(map[string]int64, len(ts))
	for _, t := range ts {
		m[t.Name] = t.ID
	}
	return m, nil
}

func rosterPhones(rows []imports.Item[RosterRow]) []string {
	phones := make([]string, len(rows))
	for i, r := range rows {
		phones[i] = r.Value.Phone
	}
	return phones
}

// checkRoster finds the problems that depend on stored accounts: a phone number that
// belongs to an organizer or admin, that another account uses as its username, or (for an
// organizer's import, own > 0) that belongs to another township's secretary, who the
// organizer may not move. It marks the rows whose phone has an account (Exist): those
// update it, the others create one. One query for the whole file. The preview runs it,
// and saveRoster again under its lock.
func checkRoster(ctx context.Context, db sqlx.QueryerContext, rows []imports.Item[RosterRow], own int64) ([]RowError, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	var found []struct {
		Phone string `db:"phone"`
		Why   string `db:"why"`
	}
	err := sqlx.SelectContext(ctx, db, &found, `
		SELECT p.phone, 'staff' AS why FROM unnest($1::text[]) AS p(phone)
		JOIN users u ON u.phone = p.phone WHERE u.role <> 'secretary'
		UNION ALL
		SELECT p.phone, 'username' FROM unnest($1::text[]) AS p(phone)
		JOIN users u ON u.username = p.phone WHERE u.phone IS DISTINCT FROM p.phone
		UNION ALL
		SELECT p.phone, 'township' FROM unnest($1::text[]) AS p(phone)
		JOIN users u ON u.phone = p.phone WHERE $2 > 0 AND u.role = 'secretary' AND u.township_id <> $2
		UNION ALL
		SELECT u.phone, 'exists' FROM users u WHERE u.phone = ANY($1)`,
		pq.Array(rosterPhones(rows)), own)
	if err != nil {
		return nil, err
	}
	why, exists := map[string]string{}, map[string]bool{}
	for _, c := range found {
		if c.Why == "exists" {
			exists[c.Phone] = true
		} else {
			why[c.Phone] = c.Why
		}
	}
	var errs []RowError
	for i := range rows {
		r := rows[i].Value
		rows[i].Exist = exists[r.Phone]
		switch why[r.Phone] {
		case "staff":
			errs = append(errs, RowError{Row: r.Row, Column: colPhone,
				Message: fmt.Sprintf("手机号 %s 已被组织委员或管理员账号使用，不能再作为支部书记导入", r.Phone)})
		case "township":
			errs = append(errs, RowError{Row: r.Row, Column: colPhone,
				Message: fmt.Sprintf("手机号 %s 已是其他乡镇的支部书记，如需调动请联系县委组织部", r.Phone)})
		case "username":
			errs = append(errs, RowError{Row: r.Row, Column: colPhone,
				Message: fmt.Sprintf("手机号 %s 已被另一个账号用作用户名，请核对", r.Phone)})
		}
	}
	return errs, nil
}

// rosterResult is what a saved import reports.
type rosterResult struct {
	Created     int
	Updated     int
	NewBranches int
	Credentials []Credential
}

// saveRoster writes a checked roster in one transaction with set-based statements: create
// missing branches, update existing secretaries by phone, insert new ones with random
// initial passwords. Imports are serialised by an advisory lock, and checkRoster runs
// again under it: the existing/new split of the preview may be stale (another import of
// the same people finished in between), and trusting it would insert an account twice.
// It returns problems found under the lock (then nothing is saved).
func saveRoster(ctx context.Context, db *sqlx.DB, checked []imports.Item[RosterRow], own int64) (*rosterResult, []RowError, error) {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('zhibu.roster_import'))`); err != nil {
		return nil, nil, err
	}
	if errs, err := checkRoster(ctx, tx, checked, own); err != nil || len(errs) > 0 {
		return nil, errs, err
	}
	rows := make([]RosterRow, len(checked))
	var upd, ins []RosterRow
	for i, r := range checked {
		rows[i] = r.Value
		if r.Exist {
			upd = append(upd, r.Value)
		} else {
			ins = append(ins, r.Value)
		}
	}

	n := len(rows)
	town, branch, kind := make([]int64, n), make([]string, n), make([]string, n)
	for i, r := range rows {
		town[i], branch[i], kind[i] = r.TownshipID, r.Branch, r.Kind
	}
	res := &rosterResult{}
	// Existing branches take the kind written in the file; xmax = 0 tells new rows apart.
	var created []bool
	if err := tx.SelectContext(ctx, &created, `
		INSERT INTO branches (township_id, name, kind)
		SELECT DISTINCT ON (t, n) t, n, k FROM unnest($1::bigint[], $2::text[], $3::text[]) AS x(t, n, k)
		ON CONFLICT (township_id, name) DO UPDATE SET kind = EXCLUDED.kind
		RETURNING (xmax = 0)`, pq.Array(town), pq.Array(branch), pq.Array(kind)); err != nil {
		return nil, nil, err
	}
	for _, c := range created {
		if c {
			res.NewBranches++
		}
	}

	if len(upd) > 0 {
		phone, name, t, b, title := columns(upd)
		if _, err := tx.ExecContext(ctx, `
			UPDATE users u SET name = x.name, township_id = x.t, branch_id = br.id, title = x.title,
			       active = true, updated_at = now()
			FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[]) AS x(phone, name, t, branch, title)
			JOIN branches br ON br.township_id = x.t AND br.name = x.branch
			WHERE u.phone = x.phone AND u.role = 'secretary'`,
			pq.Array(phone), pq.Array(name), pq.Array(t), pq.Array(b), pq.Array(title)); err != nil {
			return nil, nil, err
		}
		res.Updated = len(upd)
	}

	if len(ins) > 0 {
		// New secretaries log in with their phone: username and phone are the same login
		// name, held to the rule of every account (identifiers.go).
		var bad []RowError
		for _, r := range ins {
			if id, fields := checkIdentifiers("", r.Phone); len(fields) > 0 || id.Username != r.Phone {
				bad = append(bad, RowError{Row: r.Row, Column: colPhone, Message: fmt.Sprintf("手机号“%s”不能用作登录账号", clip(r.Phone, 20))})
			}
		}
		if len(bad) > 0 {
			return nil, bad, nil
		}
		passwords, hashes, err := initialPasswords(len(ins))
		if err != nil {
			return nil, nil, err
		}
		phone, name, t, b, title := columns(ins)
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO users (username, phone, name, role, township_id, branch_id, title, password_hash, must_change_password)
			SELECT x.phone, x.phone, x.name, 'secretary', x.t, br.id, x.title, x.hash, true
			FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[]) AS x(phone, name, t, branch, title, hash)
			JOIN branches br ON br.township_id = x.t AND br.name = x.branch`,
			pq.Array(phone), pq.Array(name), pq.Array(t), pq.Array(b), pq.Array(title), pq.Array(hashes)); err != nil {
			if database.IsUniqueViolation(err, "") {
				return nil, []RowError{{Column: colPhone, Message: "有账号的手机号或用户名与文件中的手机号相同（可能有人同时修改了人员），请重新上传预览"}}, nil
			}
			return nil, nil, err
		}
		res.Created = len(ins)
		res.Credentials = make([]Credential, len(ins))
		for i, r := range ins {
			res.Credentials[i] = Credential{Township: r.Township, Branch: r.Branch, Name: r.Name, Phone: r.Phone, Password: passwords[i]}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, nil, err
	}
	return res, nil, nil
}

func columns(rows []RosterRow) (phone, name []string, town []int64, branch, title []string) {
	n := len(rows)
	phone, name, town, branch, title = make([]string, n), make([]string, n), make([]int64, n), make([]string, n), make([]string, n)
	for i, r := range rows {
		phone[i], name[i], town[i], branch[i], title[i] = r.Phone, r.Name, r.TownshipID, r.Branch, r.Title
	}
	return
}

// initialPasswords generates n random passwords and their (cheap, see password.go) hashes,
// spread over the CPUs.
func initialPasswords(n int) (passwords, hashes []string, err error) {
	passwords, hashes = make([]string, n), make([]string, n)
	for i := range passwords {
		passwords[i] = generatePassword()
	}
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				h, herr := hashInitialPassword(passwords[i])
				if herr != nil {
					mu.Lock()
					err = herr
					mu.Unlock()
					return
				}
				hashes[i] = h
			}
		}(w)
	}
	wg.Wait()
	return passwords, hashes, err
}
