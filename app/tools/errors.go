package tools

import "zhibu/app/web"

// errorTable maps the job aids' domain errors; the 表决计算器 has none besides bad input
// (web.FieldErrors, answered 422 by the server).
var errorTable = web.ErrorTable{}
