package accounts

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"zhibu/app/web"
)

// Login names. A person logs in with a username or a phone number, and both are looked up
// in one namespace: the login_names table (migrations/00050_login_identity.sql), whose
// primary key lets one text name only one account, whatever arrives concurrently.
//
// checkIdentifiers is the rule every path that sets a username or a phone goes through
// (user operations in store_users.go, roster import in roster_store.go, CreateAdmin in
// store.go, SeedDemo in demo.go):
//   - a phone is a mainland mobile number, stored as its 11 digits;
//   - a username is at most maxUsernameBytes bytes, without spaces or control characters;
//     left empty it becomes the phone;
//   - a username that reads as a phone number (in any notation normalizePhone accepts) must
//     be the account's own phone, and is stored as those 11 digits.
//
// So no username can ever be someone else's phone: the rule refuses it up front with a
// message naming the field, and the database refuses what slips past (a race, a direct
// SQL write) with a unique violation that identifierConflict (store_users.go) turns into a
// 409.

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
