package accounts

import (
	"strings"
	"testing"
)

// Each refused password names its reason; the accepted ones are just past each rule's edge.
func TestValidateNewPassword(t *testing.T) {
	const user, phone = "zhangsan", "13800138123"
	for _, tc := range []struct {
		pw, reason string // reason: a part of the Chinese reason, "" when accepted
	}{
		{"", "至少需要 8 位"},
		{"a7k#q2m", "至少需要 8 位"},
		{"长城长城长城长", "至少需要 8 位"},
		{strings.Repeat("k7", 37), "太长"},
		{"good-pass\x00word", "控制字符"},
		{DemoPassword, "演示密码"},
		{"13800138123", "手机号"},
		{"x13800138123", "手机号"},
		{"zhangsan", "用户名"},
		{"ZhangSan", "用户名"},
		{"11111111", "同一个字符"},
		{"88888888", "同一个字符"},
		{"aaaaaaaaaaaa", "同一个字符"},
		{"12345678", "连续字符"},
		{"1234567890", "连续字符"},
		{"0123456789", "连续字符"},
		{"9876543210", "连续字符"},
		{"0987654321", "连续字符"},
		{"abcdefgh", "连续字符"},
		{"HGFEDCBA", "连续字符"},
		{"12121212", "简单重复"},
		{"abcabcab", "简单重复"},
		{"qweRqweR", "简单重复"},
		{"password", "太常见"},
		{"Password1", "太常见"},
		{"qwerty123", "太常见"},
		{"1qaz2wsx", "太常见"},
		{"woaini1314", "太常见"},
		{"19870612", "纯数字"},
		{"520131452", "纯数字"},
		// Accepted.
		{"k7m2qz8xpa", ""},
		{"1987061299", ""},
		{"zhangsan88", ""},
		{"13800138124", ""},
		{"abcdefgj", ""},
		{"1234567a", ""},
		{"abcdeabcd", ""},
		{"jiayou2jiayou2", ""}, // a longer unit repeated is left to the other rules
		{"我爱长城我爱黄河", ""},
		{"大家好我是书记员", ""},
		{"Password-2024", ""},
		{strings.Repeat("k7m2qz8xpa", 7) + "k7", ""},
	} {
		got := validateNewPassword(tc.pw, user, phone)
		if (tc.reason == "") != (got == "") || !strings.Contains(got, tc.reason) {
			t.Errorf("validateNewPassword(%q) = %q, want a reason containing %q", tc.pw, got, tc.reason)
		}
	}
	// Without a username or phone (create-admin may have no phone) those rules do not apply.
	if got := validateNewPassword("zhangsan", "", ""); got != "" {
		t.Errorf("no username given: %q", got)
	}
}
