package web

import (
	"net/http"
	"testing"
)

func TestCellText(t *testing.T) {
	cases := map[string]string{
		`=HYPERLINK("http://x","y")`: `'=HYPERLINK("http://x","y")`,
		"+1":                         "'+1",
		"-2":                         "'-2",
		"@SUM(A1)":                   "'@SUM(A1)",
		"\t=1":                       "'\t=1",
		"\r=1":                       "'\r=1",
		"":                           "",
		"书记A1":                       "书记A1",
		"13800000001":                "13800000001",
		"a=b":                        "a=b",
		"'=already":                  "'=already",
		" =1":                        " =1",
	}
	for in, want := range cases {
		if got := CellText(in); got != want {
			t.Errorf("CellText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBadText(t *testing.T) {
	cases := []struct {
		in        string
		multiline bool
		bad       bool
	}{
		{"素食", false, false},
		{"第一天\n第二天", true, false},
		{"第一天\r\n\t第二天", true, false},
		{"第一天\n第二天", false, true},
		{"a\tb", false, true},
		{"a\x00b", true, true},
		{"a\x00b", false, true},
		{"a\x07b", true, true},
		{"a\x1bb", true, true},
		{"a\u0085b", true, true},  // C1 next line
		{"a\u202eb", true, true},  // right-to-left override
		{"a\u2066b", false, true}, // left-to-right isolate
		{"\ufeffa", false, true},  // byte order mark
		{"a\xffb", true, true},    // invalid UTF-8
		{"a\x7fb", false, true},   // DEL
		{"党建😀", false, false},
		{"", false, false},
	}
	for _, c := range cases {
		if got := BadText(c.in, c.multiline); got != c.bad {
			t.Errorf("BadText(%q, %v) = %v, want %v", c.in, c.multiline, got, c.bad)
		}
	}
}

func TestCheckText(t *testing.T) {
	if e := CheckText("note", "素食\n少辣", true); e != nil {
		t.Fatalf("good text refused: %v", e)
	}
	e := AsError(CheckText("note", "素\x00食", true))
	if e.Status != http.StatusUnprocessableEntity || e.Code != "validation_failed" || e.Fields["note"] == "" {
		t.Fatalf("NUL not refused as a 422 naming the field: %+v", e)
	}
}

func TestFromCellTextUndoesCellText(t *testing.T) {
	for _, s := range []string{"=1+1", "+86", "-5 的绝对值", "@all", "普通文字", "'引号开头", "", "'"} {
		if got := FromCellText(CellText(s)); got != s {
			t.Errorf("FromCellText(CellText(%q)) = %q", s, got)
		}
	}
}
