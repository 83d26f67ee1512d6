package inbox

import (
	"errors"

	"zhibu/app/web"
)

var (
	// ErrNotFound: no such message of the person (another person's message is not found
	// either).
	ErrNotFound = errors.New("message not found")
	// ErrInvalid: a feature posted a message Check refuses; nothing was stored. It is the
	// feature's bug, not the user's input, so it stays unmapped (a 500 that is logged).
	ErrInvalid = errors.New("invalid message")
)

var errorTable = web.ErrorTable{
	ErrNotFound: web.NotFound("找不到该消息"),
}
