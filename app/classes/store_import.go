package classes

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/imports"
	"zhibu/app/web"
)

// ListSaved is what a saved 名单 import did: people added, and people listed who were
// participants already (they stay as they are).
type ListSaved struct {
	Added   int `json:"added"`
	Already int `json:"already"`
}

// listScope is whom a caller may add to a class from a 名单: the township (NULL: any, the
// rule of AddParticipants, addScope) and its name for messages.
type listScope struct {
	classID  int64
	county   bool
	township sql.NullInt64
	name     string
}

// ListScope checks that the caller may add people to the class now (staff of it, class
// open) and returns whom. Locks: none.
func (s *Store) ListScope(ctx context.Context, me *web.Identity, classID int64) (listScope, error) {
	c, err := s.Class(ctx, me, classID)
	if err != nil {
		return listScope{}, err
	}
	return s.listScopeOf(ctx, s.db, me, c)
}

func (s *Store) listScopeOf(ctx context.Context, q sqlx.QueryerContext, me *web.Identity, c Class) (listScope, error) {
	if !staffOf(me, c) {
		return listScope{}, ErrNotManager
	}
	if c.Closed() {
		return listScope{}, ErrClosed
	}
	sc := listScope{classID: c.ID, county: c.County(), township: addScope(me, c)}
	if sc.township.Valid {
		if err := sqlx.GetContext(ctx, q, &sc.name, `SELECT name FROM townships WHERE id = $1`, sc.township.Int64); err != nil {
			return listScope{}, err
		}
	}
	return sc, nil
}

// CheckList finds who each row of a 名单 names (listed, the pasted list's rule) and the
// rows that cannot be added: nobody or several people named, a name that disagrees
// with the phone's owner, another 乡镇 than written, someone outside the caller's scope,
// one person on two rows. A valid row gets its UserID; Exist marks people already in the
// class. Example rows are left alone. Locks: none (Save runs it again under the class
// row's lock).
func (s *Store) CheckList(ctx context.Context, sc listScope, rows []imports.Item[ListRow]) ([]imports.RowError, error) {
	return checkList(ctx, s.db, sc, rows)
}

func checkList(ctx context.Context, q sqlx.QueryerContext, sc listScope, rows []imports.Item[ListRow]) ([]imports.RowError, error) {
	var entries []string
	for _, r := range rows {
		if !r.Value.Example {
			entries = append(entries, listKey(r.Value))
		}
	}
	if len(entries) == 0 {
		return nil, nil
	}
	found, err := listed(ctx, q, entries)
	if err != nil {
		return nil, err
	}
	byEntry := map[string][]Listed{}
	var ids []int64
	for _, p := range found {
		byEntry[p.Entry] = append(byEntry[p.Entry], p)
		ids = append(ids, p.UserID)
	}
	var in []int64
	if err := sqlx.SelectContext(ctx, q, &in, `SELECT user_id FROM class_participants WHERE class_id = $1 AND user_id = ANY($2)`,
		sc.classID, pq.Array(ids)); err != nil {
		return nil, err
	}
	already := map[int64]bool{}
	for _, id := range in {
		already[id] = true
	}

	var errs []imports.RowError
	firstRow := map[int64]int{}
	for i := range rows {
		r := &rows[i]
		v := &r.Value
		r.Exist, v.UserID, v.MatchedName, v.MatchedTown = false, 0, "", ""
		if v.Example {
			continue
		}
		bad := func(col, format string, args ...any) {
			errs = append(errs, imports.RowError{Row: r.Num, Column: col, Message: fmt.Sprintf(format, args...)})
		}
		var m *Listed
		if v.Phone != "" {
			for _, p := range byEntry[v.Phone] {
				if p.Phone == v.Phone {
					m = &p
					break
				}
			}
			switch {
			case m == nil:
				bad(listColPhone, "系统中没有手机号为 %s 的支部书记（或其账号已停用），请核对", v.Phone)
				continue
			case m.Name != v.Name:
				bad(listColName, "手机号 %s 登记的支部书记是“%s”，与填写的姓名“%s”不符，请核对", v.Phone, m.Name, v.Name)
				continue
			}
		} else {
			var same []Listed
			for _, p := range byEntry[v.Name] {
				if p.Name == v.Name {
					same = append(same, p)
				}
			}
			if len(same) > 1 && v.Township != "" {
				var here []Listed
				for _, p := range same {
					if p.Township == v.Township {
						here = append(here, p)
					}
				}
				if len(here) > 0 {
					same = here
				}
			}
			switch len(same) {
			case 0:
				bad(listColName, "系统中没有名为“%s”的支部书记（或其账号已停用），请核对姓名，或填写手机号", v.Name)
				continue
			case 1:
				m = &same[0]
			default:
				towns := make([]string, len(same))
				for j, p := range same {
					towns[j] = p.Township
				}
				bad(listColName, "有 %d 名支部书记都叫“%s”（%s），请填写手机号以区分", len(same), v.Name, strings.Join(towns, "、"))
				continue
			}
		}
		switch first, dup := firstRow[m.UserID]; {
		case v.Township != "" && v.Township != m.Township:
			bad(listColTownship, "“%s”是%s的支部书记，与填写的乡镇“%s”不符", m.Name, m.Township, v.Township)
		case sc.township.Valid && m.TownshipID != sc.township.Int64 && sc.county:
			bad(listColName, "“%s”是%s的支部书记；您只能添加本乡镇（%s）的人员", m.Name, m.Township, sc.name)
		case sc.township.Valid && m.TownshipID != sc.township.Int64:
			bad(listColName, "“%s”是%s的支部书记；本培训班是%s的培训班，只能添加%s的人员", m.Name, m.Township, sc.name, sc.name)
		case dup:
			bad(listColName, "与第 %d 行是同一人（%s），每人只填一行", first, m.Name)
		default:
			firstRow[m.UserID] = r.Num
			v.UserID, v.MatchedName, v.MatchedTown = m.UserID, m.Name, m.Township
			r.Exist = already[m.UserID]
		}
	}
	return errs, nil
}

// listKey is what a row is looked up by: its phone number, else its name.
func listKey(v ListRow) string {
	if v.Phone != "" {
		return v.Phone
	}
	return v.Name
}

// SaveList adds the people of a checked 名单 in one transaction, after checking it again
// under the class row's lock: when anything changed since the check (an account
// stopped, the class closed), the problems come back as row errors and nothing is
// saved. Locks: the class row (share), then the participants' rows (addPeople).
func (s *Store) SaveList(ctx context.Context, me *web.Identity, classID int64, rows []imports.Item[ListRow]) (ListSaved, []imports.RowError, error) {
	var saved ListSaved
	var errs []imports.RowError
	err := s.withClass(ctx, me, classID, false, func(tx *sqlx.Tx, c Class) error {
		sc, err := s.listScopeOf(ctx, tx, me, c)
		if err != nil {
			return err
		}
		if errs, err = checkList(ctx, tx, sc, rows); err != nil || len(errs) > 0 {
			return err
		}
		var ids []int64
		for _, r := range rows {
			if !r.Value.Example {
				ids = append(ids, r.Value.UserID)
			}
		}
		added, err := s.addPeople(ctx, tx, me, c, ids, true)
		saved = ListSaved{Added: added, Already: len(ids) - added}
		return err
	})
	return saved, errs, err
}
