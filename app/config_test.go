package main

import (
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
