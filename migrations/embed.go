// Package migrations holds the SQL schema, applied in order by goose.
package migrations

import "embed"

// FS holds every NNNNN_name.sql file of the schema.
//
//go:embed *.sql
var FS embed.FS
