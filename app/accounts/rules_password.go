package accounts

import (
	"crypto/rand"
	"math/big"
	"unicode/utf8"

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

// validateNewPassword returns a Chinese reason when the password is not acceptable.
func validateNewPassword(pw string) string {
	switch {
	case utf8.RuneCountInString(pw) < minPasswordLen:
		return "密码至少需要 8 位"
	case len(pw) > maxPasswordBytes:
		return "密码太长，请不要超过 72 个字符"
	case pw == DemoPassword:
		return "请不要使用演示密码"
	case web.BadText(pw, false):
		return "密码不能含有控制字符"
	}
	return ""
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
