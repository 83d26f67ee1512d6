package accounts

import "zhibu/app/imports"

// The roster template's example row (roster_xlsx.go): the rule is the import pipeline's,
// imports.IsExample, shared by every import with a 姓名 column.
const exampleMark = imports.ExampleMark

// isExampleRow tells whether a roster row whose 姓名 cell (cleaned, cleanCell) reads
// name is the template's example row, skipped on import.
func isExampleRow(name string) bool { return imports.IsExample(name) }
