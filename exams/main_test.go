package exams

import (
	"database/sql"

	"github.com/lib/pq"

	"testing"

	"zhibu/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func pqArray(ids []int64) any { return pq.Array(ids) }

func nullInt(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: true} }
