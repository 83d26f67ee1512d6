package accounts

import "strings"

// The roster template's example row. The template (roster_xlsx.go) hands out one filled
// row to show how to write a line; people fill in the rows below it and often leave it
// in. It must never become an account.
//
// The rule: a row is the example when its 姓名 starts with exampleMark, 「示例：」 (or
// 「示例:」 with the half-width colon, as an edited copy may have it). A person's name
// never holds a colon, so a real 示例, 王示例 or 示例明 still imports; whatever else the
// example row holds (a township the county lacks, a phone already taken) is not checked.
const exampleMark = "示例："

// isExampleRow tells whether a roster row whose 姓名 cell (cleaned, cleanCell) reads
// name is the template's example row, skipped on import.
func isExampleRow(name string) bool {
	return strings.HasPrefix(name, exampleMark) || strings.HasPrefix(name, "示例:")
}
