package imports

import "strings"

// A template's example row. A template hands out one filled row to show how to write a
// line; people fill in the rows below it and often leave it in. It must never be
// imported, by any import.
//
// The rule: a row is the example when its 姓名 starts with ExampleMark, 「示例：」 (or
// 「示例:」 with the half-width colon, as an edited copy may have it). A person's name
// never holds a colon, so a real 示例, 王示例 or 示例明 still imports; whatever else the
// example row holds is not checked.
const ExampleMark = "示例："

// IsExample tells whether a row whose 姓名 cell (trimmed) reads name is a template's
// example row, skipped on import.
func IsExample(name string) bool {
	return strings.HasPrefix(name, ExampleMark) || strings.HasPrefix(name, "示例:")
}
