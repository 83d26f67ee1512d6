package web

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestParseDateTime(t *testing.T) {
	for in, want := range map[string]string{
		"2026-05-01T09:00":          "2026-05-01T01:00:00Z",
		" 2026-05-01 09:00 ":        "2026-05-01T01:00:00Z",
		"2026-05-01T09:00:30":       "2026-05-01T01:00:30Z",
		"2026-05-01T09:00:00+08:00": "2026-05-01T01:00:00Z",
		"2026-05-01T09:00:00Z":      "2026-05-01T09:00:00Z",
		"2026-05-01":                "2026-04-30T16:00:00Z",
	} {
		got, ok := ParseDateTime(in)
		if !ok || got.UTC().Format(time.RFC3339) != want {
			t.Errorf("ParseDateTime(%q) = %v %v, want %s", in, got.UTC(), ok, want)
		}
	}
	for _, bad := range []string{"", "2026-13-01T09:00", "明天", "2026/05/01 09:00", "2026-05-01T25:00"} {
		if _, ok := ParseDateTime(bad); ok {
			t.Errorf("ParseDateTime(%q) accepted", bad)
		}
	}
	d, ok := ParseDate("2026-12-31")
	if !ok || d.In(China).Format("2006-01-02 15:04") != "2026-12-31 00:00" {
		t.Errorf("ParseDate = %v %v", d, ok)
	}
	if _, ok := ParseDate("2026-12-31T10:00"); ok {
		t.Error("ParseDate accepted a time")
	}
}

func TestErrorTableMapsDomainErrors(t *testing.T) {
	errGone := errors.New("gone")
	s := &Server{}
	s.MapErrors(ErrorTable{errGone: Conflict("gone", "已经没有了")})
	if we := s.AsError(fmt.Errorf("decide: %w", errGone)); we.Status != 409 || we.Code != "gone" {
		t.Fatalf("wrapped domain error = %+v", we)
	}
	if we := s.AsError(FieldErrors{"title": "请填写标题"}); we.Status != 422 || we.Fields["title"] == "" {
		t.Fatalf("field errors = %+v", we)
	}
	if we := s.AsError(fmt.Errorf("save: %w", Invalidf("考试设置有误", FieldErrors{"title": "请填写标题"}))); we.Status != 422 ||
		we.Message != "考试设置有误" || we.Fields["title"] != "请填写标题" {
		t.Fatalf("input error = %+v", we)
	}
	if we := s.AsError(errors.New("boom")); we.Status != 500 {
		t.Fatalf("unknown error = %+v", we)
	}
}
