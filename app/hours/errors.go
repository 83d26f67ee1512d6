package hours

import (
	"errors"

	"zhibu/app/web"
)

// The ledger's domain errors; errorTable says what a user sees.
var (
	ErrEntryNotFound  = errors.New("ledger entry not found")
	ErrPersonNotFound = errors.New("secretary not found")
	ErrRevoked        = errors.New("ledger entry already revoked")
)

var errorTable = web.ErrorTable{
	ErrEntryNotFound:  web.NotFound("找不到这条学时记录"),
	ErrPersonNotFound: web.NotFound("找不到这名支部书记，请检查后重试"),
	ErrRevoked:        web.Conflict("already_revoked", "这条学时记录已经撤销过了，不能再次撤销"),
}
