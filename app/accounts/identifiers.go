package accounts

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/web"
)

// Login names. A person logs in with a username or a phone number, and both are looked up
// in one namespace: the login_names table (migrations/00050_login_identity.sql), whose
// primary key lets one text name only one account, whatever arrives concurrently.
//
// checkIdentifiers is the rule every path that sets a username or a phone goes through
// (user pages and API in org.go, roster import in roster_store.go, CreateAdmin in store.go,
// SeedDemo in demo.go):
//   - a phone is a mainland mobile number, stored as its 11 digits;
//   - a username is at most maxUsernameBytes bytes, without spaces or control characters;
//     left empty it becomes the phone;
//   - a username that reads as a phone number (in any notation normalizePhone accepts) must
//     be the account's own phone, and is stored as those 11 digits.
//
// So no username can ever be someone else's phone: the rule refuses it up front with a
// message naming the field, and the database refuses what slips past (a race, a direct
// SQL write) with a unique violation that identifierConflict turns into a 409.

const maxUsernameBytes = 64

// identifiers are an account's normalized login names.
type identifiers struct {
	Username string
	Phone    string // "" when the account has none
}

// checkIdentifiers normalizes a username and phone as typed and returns a Chinese reason
// per field for what is wrong.
func checkIdentifiers(username, phone string) (identifiers, map[string]string) {
	fields := map[string]string{}
	var id identifiers
	if raw := strings.TrimSpace(phone); raw != "" {
		if id.Phone = normalizePhone(raw); id.Phone == "" {
			fields["phone"] = "手机号应为 1 开头的 11 位数字"
		}
	}
	id.Username = strings.TrimSpace(username)
	if id.Username == "" {
		id.Username = id.Phone
	}
	switch {
	case id.Username == "":
		if fields["phone"] == "" {
			fields["username"] = "请填写手机号或用户名"
		}
	case !utf8.ValidString(id.Username) || strings.ContainsFunc(id.Username, func(r rune) bool {
		return unicode.IsSpace(r) || web.BadRune(r, false)
	}):
		fields["username"] = "用户名不能含空格或控制字符"
	case len(id.Username) > maxUsernameBytes:
		fields["username"] = "用户名不超过 64 个字符"
	default:
		if p := normalizePhone(id.Username); p != "" {
			if p == id.Phone {
				id.Username = p
			} else if fields["phone"] == "" {
				fields["username"] = "用户名不能是手机号（本人的手机号除外），以免与他人的手机号登录冲突"
			}
		}
	}
	return id, fields
}

// identifierConflict turns a duplicate login name reported by the database into a 409
// naming the field; other errors pass through.
func identifierConflict(err error, id identifiers) error {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) || pqErr.Code != "23505" {
		return err
	}
	field := ""
	switch pqErr.Constraint {
	case "users_phone_key":
		field = "phone"
	case "users_username_key":
		field = "username"
	case "login_names_pkey":
		// Detail reads: Key (name)=(13800000001) already exists.
		field = "username"
		if id.Phone != "" && strings.Contains(pqErr.Detail, "=("+id.Phone+")") {
			field = "phone"
		}
	default:
		return err
	}
	if field == "username" && id.Username == id.Phone {
		field = "phone" // the username was the phone: the number is what is taken
	}
	if field == "phone" {
		return &web.Error{Status: http.StatusConflict, Code: "phone_taken",
			Message: "手机号 " + id.Phone + " 已被其他账号使用（作为手机号或用户名）",
			Fields:  map[string]string{"phone": "已被其他账号使用"}}
	}
	return &web.Error{Status: http.StatusConflict, Code: "username_taken",
		Message: "用户名“" + id.Username + "”已被其他账号使用（作为用户名或手机号）",
		Fields:  map[string]string{"username": "已被其他账号使用"}}
}

// loginCandidates are the login names a typed login may mean: the text itself and, when it
// reads as a phone number, its 11 digits.
func loginCandidates(login string) []string {
	login = strings.TrimSpace(login)
	out := []string{login}
	if p := normalizePhone(login); p != "" && p != login {
		out = append(out, p)
	}
	return out
}

// errAmbiguousLogin: the texts a login may mean belong to different accounts (only
// possible for a username stored before migrations/00050_login_identity.sql that reads as
// someone else's phone in another notation). Such a login opens neither account.
var errAmbiguousLogin = errors.New("login names more than one account")

// userByLogin finds the one account (active or not) that owns the username or phone typed.
// It never chooses between two accounts: when the candidates belong to two, it answers
// errAmbiguousLogin.
func userByLogin(ctx context.Context, db sqlx.QueryerContext, login string) (*User, error) {
	var us []User
	err := sqlx.SelectContext(ctx, db, &us, `SELECT `+userColumns+userFrom+`
		WHERE u.id IN (SELECT user_id FROM login_names WHERE name = ANY($1)) LIMIT 2`, pq.Array(loginCandidates(login)))
	switch {
	case err != nil:
		return nil, err
	case len(us) == 0:
		return nil, nil
	case len(us) > 1:
		return nil, errAmbiguousLogin
	}
	return &us[0], nil
}

// oneLine checks a one-line text field typed in a form or sent to the API and returns it
// trimmed, or ok = false when it is not valid UTF-8 or holds a control character.
func oneLine(s string) (string, bool) {
	if web.BadText(s, false) {
		return "", false
	}
	return strings.TrimFunc(s, unicode.IsSpace), true
}

// controlCharsMsg is the reason given for a field holding control characters.
func controlCharsMsg(label string) string {
	return label + "含有不可见的控制字符，请删除后重新输入"
}
