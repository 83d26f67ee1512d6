package roll

import (
	"errors"

	"zhibu/app/web"
)

// The roll call's errors. Mark names the record a refusal is about (web.Refuse), so the
// organizer knows which line to fix; nothing of the request is saved.
var (
	ErrNotPerson     = errors.New("not on the roll")
	ErrOtherTownship = errors.New("person of another township")
	ErrNotCounted    = errors.New("place not confirmed")
)

// Errors is the mechanism's error table; a feature that shows the mechanism's own
// statuses maps it (Mount); a feature with its own statuses translates the sentinels.
var Errors = web.ErrorTable{
	ErrNotPerson:     web.NotFound("这名人员不在点名名单中"),
	ErrOtherTownship: web.NotFound("只能为本乡镇的人员点名"),
	ErrNotCounted:    web.Err(422, "not_confirmed", "报名尚未确认的人员不能点名"),
}
