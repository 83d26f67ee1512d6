package accounts

import (
	"crypto/rand"
	"math/big"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"zhibu/app/web"
)

// Users choose passwords hashed at passwordCost. Generated initial passwords carry ~50 bits
// of randomness, so a low cost is enough for them and a 5,000-row roster imports in
// seconds; the user replaces it at first login.
const (
	passwordCost        = 11
	initialPasswordCost = bcrypt.MinCost
	minPasswordLen      = 8
	maxPasswordBytes    = 72 // bcrypt ignores anything longer
)

// dummyHash is compared against when the user is unknown, or padded to when the stored
// hash is cheap, so the answer time does not reveal whether an account exists.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("zhibu-dummy-password"), passwordCost)

func hashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), passwordCost)
	return string(h), err
}

func hashInitialPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), initialPasswordCost)
	return string(h), err
}

// checkPassword compares in constant-ish time whatever the stored hash's cost.
func checkPassword(hash, pw string) bool {
	if hash == "" {
		bcrypt.CompareHashAndPassword(dummyHash, []byte(pw))
		return false
	}
	ok := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
	if cost, err := bcrypt.Cost([]byte(hash)); err == nil && cost < passwordCost {
		bcrypt.CompareHashAndPassword(dummyHash, []byte(pw))
	}
	return ok
}

// isCommonPassword reports a password guessed first (lower-case). Anything all digits
// shorter than 10, one repeated character, a plain sequence or a short repeated pattern is
// refused by the other rules and need not be listed.
func isCommonPassword(lower string) bool {
	switch lower {
	case "password", "password1", "password123", "passw0rd", "p@ssw0rd",
		"qwerty123", "qwertyui", "qwertyuiop", "qwer1234", "asdfghjk", "asdfghjkl", "zxcvbnm123",
		"1qaz2wsx", "1q2w3e4r", "1q2w3e4r5t", "qazwsxedc",
		"abc12345", "abc123456", "abcd1234", "a1234567", "a12345678", "a123456789", "aa123456",
		"iloveyou", "woaini1314", "5201314520", "admin123", "admin888", "administrator", "zhibu123":
		return true
	}
	return false
}

// validateNewPassword returns a Chinese reason when pw is not acceptable as the password of
// the account with this username and phone (either may be empty), "" when it is. Every
// password a person types goes through it: the own change (ChangePassword) and the
// create-admin command (CreateAdmin); generated initial passwords do not.
func validateNewPassword(pw, username, phone string) string {
	lower := strings.ToLower(pw)
	runes := []rune(lower)
	switch {
	case len(runes) < minPasswordLen:
		return "密码至少需要 8 位"
	case len(pw) > maxPasswordBytes:
		return "密码太长，请不要超过 72 个字符"
	case web.BadText(pw, false):
		return "密码不能含有控制字符"
	case pw == DemoPassword:
		return "请不要使用演示密码"
	case phone != "" && strings.Contains(pw, phone):
		return "密码不能包含自己的手机号"
	case username != "" && lower == strings.ToLower(username):
		return "密码不能与用户名相同"
	case repeatedUnit(runes) == 1:
		return "密码不能全是同一个字符"
	case isSequence(runes):
		return "密码不能是 12345678、abcdefgh 这样的连续字符"
	case repeatedUnit(runes) > 0:
		return "密码不能是几个字符的简单重复"
	case isCommonPassword(lower):
		return "这个密码太常见，很容易被猜到，请换一个"
	case len(runes) < 10 && strings.Trim(pw, "0123456789") == "":
		return "纯数字密码至少需要 10 位，或加入字母"
	}
	return ""
}

// repeatedUnit is the length (1 to 4) of the unit rs repeats, as "1111", "abab", "abcabca";
// 0 when rs is no such repetition.
func repeatedUnit(rs []rune) int {
	for n := 1; n <= 4 && 2*n <= len(rs); n++ {
		ok := true
		for i := n; i < len(rs) && ok; i++ {
			ok = rs[i] == rs[i-n]
		}
		if ok {
			return n
		}
	}
	return 0
}

// isSequence reports a plain ascending or descending run of neighbouring characters, as
// "12345678", "87654321", "abcdefgh"; the digit row 1…9 then 0 counts too.
func isSequence(rs []rune) bool {
	step := func(a, b rune) rune {
		if a == '9' && b == '0' {
			return 1
		}
		if a == '0' && b == '9' {
			return -1
		}
		return b - a
	}
	d := step(rs[0], rs[1])
	if d != 1 && d != -1 {
		return false
	}
	for i := 2; i < len(rs); i++ {
		if step(rs[i-1], rs[i]) != d {
			return false
		}
	}
	return true
}

// Unambiguous characters only: initial passwords are read off paper by older users.
const initialAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// generatePassword returns a random 10-character initial password.
func generatePassword() string {
	b := make([]byte, 10)
	max := big.NewInt(int64(len(initialAlphabet)))
	for i := range b {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err)
		}
		b[i] = initialAlphabet[n.Int64()]
	}
	return string(b)
}
