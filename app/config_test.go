package main

import (
	"strings"
	"testing"
	"time"
)

func TestConfigFromEnvironment(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://x@db:5432/county?sslmode=disable")
	t.Setenv("ZHIBU_LISTEN", "127.0.0.1:9000")
	t.Setenv("ZHIBU_COOKIE_SECURE", "true")
	t.Setenv("ZHIBU_SESSION_TTL", "24h")
	t.Setenv("ZHIBU_LOG_FORMAT", "json")
	c, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "postgres://x@db:5432/county?sslmode=disable" || c.Listen != "127.0.0.1:9000" ||
		!c.CookieSecure || c.SessionTTL != 24*time.Hour || c.LogFormat != "json" {
		t.Fatalf("config = %+v", c)
	}
}

func TestConfigRejectsBadValues(t *testing.T) {
	for key, bad := range map[string]string{
		"ZHIBU_COOKIE_SECURE": "yes please",
		"ZHIBU_SESSION_TTL":   "two weeks",
		"ZHIBU_LOG_FORMAT":    "xml",
		"ZHIBU_DB_MAX_CONNS":  "many",
		"ZHIBU_LOG_LEVEL":     "loud",
	} {
		t.Run(key, func(t *testing.T) {
			t.Setenv(key, bad)
			if _, err := loadConfig(); err == nil {
				t.Fatalf("%s=%q accepted", key, bad)
			}
		})
	}
}

// The outbound channel (app/outbox) is off by default; a webhook URL that is not
// http(s) with a host, or comes without a secret of 16 bytes, refuses start-up with an
// error naming the variable.
func TestConfigOutbox(t *testing.T) {
	for _, key := range []string{"ZHIBU_WEBHOOK_URL", "ZHIBU_WEBHOOK_SECRET", "ZHIBU_WEBHOOK_TIMEOUT", "ZHIBU_PUBLIC_URL"} {
		t.Setenv(key, "")
	}
	c, err := loadConfig()
	if err != nil || c.Outbox.WebhookURL != "" || c.Outbox.Timeout != 10*time.Second {
		t.Fatalf("default outbox = %+v, %v", c.Outbox, err)
	}
	t.Setenv("ZHIBU_WEBHOOK_SECRET", "0123456789abcdef")
	t.Setenv("ZHIBU_WEBHOOK_URL", "https://sms.example.gov.cn/zhibu")
	t.Setenv("ZHIBU_PUBLIC_URL", "https://zhibu.example.gov.cn")
	t.Setenv("ZHIBU_WEBHOOK_TIMEOUT", "3s")
	if c, err = loadConfig(); err != nil || c.Outbox.WebhookURL != "https://sms.example.gov.cn/zhibu" ||
		c.Outbox.Secret != "0123456789abcdef" || c.Outbox.BaseURL != "https://zhibu.example.gov.cn" || c.Outbox.Timeout != 3*time.Second {
		t.Fatalf("outbox = %+v, %v", c.Outbox, err)
	}
	for _, tc := range []struct{ key, value, named string }{
		{"ZHIBU_WEBHOOK_URL", "ftp://sms.example.gov.cn/in", "ZHIBU_WEBHOOK_URL"},
		{"ZHIBU_WEBHOOK_URL", "https://", "ZHIBU_WEBHOOK_URL"},
		{"ZHIBU_WEBHOOK_URL", "sms.example.gov.cn", "ZHIBU_WEBHOOK_URL"},
		{"ZHIBU_WEBHOOK_SECRET", "", "ZHIBU_WEBHOOK_SECRET"},
		{"ZHIBU_WEBHOOK_SECRET", "too-short", "ZHIBU_WEBHOOK_SECRET"},
		{"ZHIBU_WEBHOOK_TIMEOUT", "soon", "ZHIBU_WEBHOOK_TIMEOUT"},
		{"ZHIBU_WEBHOOK_TIMEOUT", "-1s", "ZHIBU_WEBHOOK_TIMEOUT"},
		{"ZHIBU_PUBLIC_URL", "javascript:alert(1)", "ZHIBU_PUBLIC_URL"},
		{"ZHIBU_PUBLIC_URL", "https://zhibu.example.gov.cn/?a=1", "ZHIBU_PUBLIC_URL"},
	} {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			t.Setenv(tc.key, tc.value)
			_, err := loadConfig()
			if err == nil || !strings.Contains(err.Error(), tc.named) {
				t.Fatalf("%s=%q: %v", tc.key, tc.value, err)
			}
		})
	}
}
