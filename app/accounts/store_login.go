package accounts

import (
	"context"
	"errors"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/web"
)

// Longest login and password looked at; longer ones are refused like a wrong password.
const (
	maxLoginBytes    = 64
	maxPasswordInput = 200
)

// Authenticate checks a login (username or phone) and password from a client address,
// throttled as rules_throttle.go describes: the attempt is counted before the password is
// compared. The answer and its timing are the same for an unknown account and a wrong
// password.
func (s *Store) Authenticate(ctx context.Context, login, password, ip string) (*User, error) {
	login = strings.TrimSpace(login)
	if login == "" || password == "" {
		return nil, invalid("请输入账号和密码", map[string]string{"username": "必填", "password": "必填"})
	}
	if _, ok := oneLine(login); !ok {
		return nil, invalid(controlCharsMsg("账号"), map[string]string{"username": "含有控制字符"})
	}
	if len(login) > maxLoginBytes || len(password) > maxPasswordInput {
		return nil, ErrBadLogin
	}
	u, err := userByLogin(ctx, s.db, login)
	if errors.Is(err, errAmbiguousLogin) {
		s.log.Warn("login names two accounts; fix their usernames", "login", login)
		u, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	keys := keysFor(u, login, ip)
	v, err := s.reserveAttempt(ctx, keys)
	if err != nil {
		return nil, err
	}
	if !v.Allowed {
		return nil, &Throttled{Wait: v.Wait}
	}
	hash := ""
	if u != nil && u.Active {
		hash = u.PasswordHash
	}
	if !checkPassword(hash, password) {
		return nil, ErrBadLogin
	}
	return u, s.attemptSucceeded(ctx, keys)
}

// ChangePassword stores the caller's new password (confirm is checked when given); the
// caller's other sessions are signed out. The current password is required, except while
// the account must change its password at first login: the session was opened with the
// initial password moments ago, so current is ignored then.
func (s *Store) ChangePassword(ctx context.Context, me *web.Identity, current, next, confirm string) error {
	u, err := userByID(ctx, s.db, me.UserID)
	if err != nil || u == nil {
		return ErrNoAccount
	}
	forced := u.MustChangePassword
	if !forced && !checkPassword(u.PasswordHash, current) {
		return ErrWrongCurrentPassword
	}
	phone := ""
	if u.Phone != nil {
		phone = *u.Phone
	}
	if reason := validateNewPassword(next, u.Username, phone); reason != "" {
		return invalid(reason, map[string]string{"new_password": reason})
	}
	if confirm != "" && confirm != next {
		return ErrPasswordMismatch
	}
	if (!forced && next == current) || (forced && checkPassword(u.PasswordHash, next)) {
		return ErrPasswordUnchanged
	}
	hash, err := hashPassword(next)
	if err != nil {
		return err
	}
	if err := s.setPassword(ctx, me.UserID, hash, false); err != nil {
		return err
	}
	// Other devices signed in with the old password are signed out.
	return s.sessions.DeleteOthers(ctx, me)
}

func (s *Store) setPassword(ctx context.Context, userID int64, hash string, mustChange bool) error {
	_, err := s.db.ExecContext(ctx, `UPDATE users SET password_hash = $2, must_change_password = $3, updated_at = now() WHERE id = $1`,
		userID, hash, mustChange)
	return err
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
