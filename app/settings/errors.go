package settings

import (
	"errors"
	"net/http"

	"zhibu/app/web"
)

// The settings' domain errors; errorTable says what a user sees for each.
var (
	// ErrMissing: the row of county_settings is gone (the migration puts it there).
	ErrMissing = errors.New("settings: county_settings row missing")
)

var errorTable = web.ErrorTable{
	ErrMissing: web.Err(http.StatusServiceUnavailable, "settings_missing", "县级设置尚未初始化，请联系技术人员检查数据库"),
}
