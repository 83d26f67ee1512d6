package record

import (
	"testing"

	"zhibu/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }
