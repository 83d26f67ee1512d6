package main

import (
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"zhibu/app/database"
	"zhibu/app/outbox"
	"zhibu/app/web"
)

// config is read from the environment only; README lists every variable.
type config struct {
	DatabaseURL  string
	Listen       string
	CookieSecure bool
	TrustProxies []netip.Prefix
	LogFormat    string
	LogLevel     slog.Level
	SessionTTL   time.Duration
	// How long an instance trusts a session it read (app/web/sessioncache.go); 0 turns
	// the cache off.
	SessionCacheTTL time.Duration
	DBMaxConns      int
	BodyLimitMB     int
	// Fail fast when PostgreSQL is down or frozen (app/database/failfast.go).
	DBStatementTimeout time.Duration
	DBConnectTimeout   time.Duration
	RequestTimeout     time.Duration
	// The optional outbound channel, 短信与微信通知 (app/outbox): off without
	// ZHIBU_WEBHOOK_URL.
	Outbox outbox.Config
}

func loadConfig() (config, error) {
	c := config{
		DatabaseURL: env("DATABASE_URL", database.DefaultURL),
		Listen:      env("ZHIBU_LISTEN", ":8080"),
		LogFormat:   env("ZHIBU_LOG_FORMAT", "text"),
	}
	var err error
	if c.CookieSecure, err = envBool("ZHIBU_COOKIE_SECURE", false); err != nil {
		return c, err
	}
	if c.TrustProxies, err = web.ParseTrustedProxies(os.Getenv("ZHIBU_TRUST_PROXY")); err != nil {
		return c, fmt.Errorf("ZHIBU_TRUST_PROXY (the reverse proxies' addresses or CIDRs, comma-separated): %w", err)
	}
	for _, d := range []struct {
		key, def string
		to       *time.Duration
	}{
		{"ZHIBU_DB_STATEMENT_TIMEOUT", "5s", &c.DBStatementTimeout},
		{"ZHIBU_DB_CONNECT_TIMEOUT", "3s", &c.DBConnectTimeout},
		{"ZHIBU_REQUEST_TIMEOUT", "15s", &c.RequestTimeout},
	} {
		if *d.to, err = time.ParseDuration(env(d.key, d.def)); err != nil || *d.to <= 0 {
			return c, fmt.Errorf("%s must be a positive duration such as %s", d.key, d.def)
		}
	}
	if c.SessionTTL, err = time.ParseDuration(env("ZHIBU_SESSION_TTL", "336h")); err != nil {
		return c, fmt.Errorf("ZHIBU_SESSION_TTL: %w", err)
	}
	if c.SessionCacheTTL, err = time.ParseDuration(env("ZHIBU_SESSION_CACHE_TTL", "30s")); err != nil ||
		c.SessionCacheTTL < 0 || c.SessionCacheTTL > time.Minute {
		return c, fmt.Errorf("ZHIBU_SESSION_CACHE_TTL must be a duration from 0 (off) to 1m, such as 30s")
	}
	if c.DBMaxConns, err = strconv.Atoi(env("ZHIBU_DB_MAX_CONNS", "20")); err != nil {
		return c, fmt.Errorf("ZHIBU_DB_MAX_CONNS: %w", err)
	}
	if c.BodyLimitMB, err = strconv.Atoi(env("ZHIBU_BODY_LIMIT_MB", "60")); err != nil {
		return c, fmt.Errorf("ZHIBU_BODY_LIMIT_MB: %w", err)
	}
	if err := c.LogLevel.UnmarshalText([]byte(env("ZHIBU_LOG_LEVEL", "info"))); err != nil {
		return c, fmt.Errorf("ZHIBU_LOG_LEVEL: %w", err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, fmt.Errorf("ZHIBU_LOG_FORMAT must be text or json, not %q", c.LogFormat)
	}
	if c.Outbox, err = outboxConfig(); err != nil {
		return c, err
	}
	return c, nil
}

// outboxConfig reads the outbound channel (app/outbox, README 「短信与微信通知」): a
// webhook URL that is not http(s) with a host, or comes without a secret of at least 16
// bytes, refuses start-up; so does a public URL that is not one.
func outboxConfig() (outbox.Config, error) {
	o := outbox.Config{WebhookURL: strings.TrimSpace(os.Getenv("ZHIBU_WEBHOOK_URL")),
		Secret: os.Getenv("ZHIBU_WEBHOOK_SECRET"), BaseURL: strings.TrimSpace(os.Getenv("ZHIBU_PUBLIC_URL"))}
	var err error
	if o.Timeout, err = time.ParseDuration(env("ZHIBU_WEBHOOK_TIMEOUT", "10s")); err != nil || o.Timeout <= 0 {
		return o, fmt.Errorf("ZHIBU_WEBHOOK_TIMEOUT must be a positive duration such as 10s")
	}
	if err := checkHTTPURL("ZHIBU_PUBLIC_URL", o.BaseURL); err != nil {
		return o, err
	}
	if o.WebhookURL == "" {
		return o, nil
	}
	if err := checkHTTPURL("ZHIBU_WEBHOOK_URL", o.WebhookURL); err != nil {
		return o, err
	}
	if len(o.Secret) < 16 {
		return o, fmt.Errorf("ZHIBU_WEBHOOK_SECRET is required with ZHIBU_WEBHOOK_URL: the receiver's shared secret, at least 16 bytes (e.g. openssl rand -hex 32)")
	}
	return o, nil
}

// checkHTTPURL refuses a set value that is not an http:// or https:// URL with a host; the
// value itself is not repeated, it may hold a token.
func checkHTTPURL(key, v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.Fragment != "" {
		return fmt.Errorf("%s must be an http:// or https:// URL with a host", key)
	}
	if key == "ZHIBU_PUBLIC_URL" && (u.RawQuery != "" || u.ForceQuery) {
		return fmt.Errorf("%s must be the site's address without ?query, e.g. https://zhibu.example.gov.cn", key)
	}
	return nil
}

func (c config) logger() *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

func envBool(key string, def bool) (bool, error) {
	v := os.Getenv(key)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s must be true or false, not %q", key, v)
	}
	return b, nil
}
