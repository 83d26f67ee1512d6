// Package web is the HTTP shell shared by every feature: the Fiber factory and its
// middleware, PostgreSQL-backed sessions, CSRF, the role and township guard, template
// rendering and the mapping of errors to JSON or Chinese pages. It imports no feature.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/jmoiron/sqlx"

	"zhibu/app/database"
	"zhibu/static"
)

// Config holds the shell's settings, read from the environment by package main.
type Config struct {
	CookieSecure bool          // send cookies only over HTTPS
	SessionTTL   time.Duration // idle lifetime of a session
	BodyLimit    int           // largest staff upload in bytes; larger ones get 413 (see client.go)
	Logger       *slog.Logger
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is believed (client.go).
	TrustedProxies []netip.Prefix
	// RequestTimeout bounds each request's database work; past it the request answers
	// 503 db_unavailable (app/database/failfast.go).
	RequestTimeout time.Duration
	// SessionCacheTTL is how long an instance trusts a session it read (sessioncache.go):
	// 0 means DefaultSessionCacheTTL, negative turns the cache off. The cache is used only
	// while Sessions.Listen runs.
	SessionCacheTTL time.Duration
}

// Server is the shared shell that features mount their routes on.
type Server struct {
	App      *fiber.App
	DB       *sqlx.DB
	Sessions *Sessions
	Render   *Renderer
	log      *slog.Logger

	uploadLimit int
	// secretaryUploads are the paths where secretaries may upload more (client.go).
	secretaryUploads []secretaryUpload
	requestTimeout   time.Duration
	homeCards        []CardSource
	errorTables      []ErrorTable
}

// CardSource gives a feature's cards for the caller's home page.
type CardSource func(ctx context.Context, me *Identity) ([]Card, error)

// AddHomeCards lets a feature contribute to every role's home page.
func (s *Server) AddHomeCards(src CardSource) { s.homeCards = append(s.homeCards, src) }

// HomeCards collects every feature's cards for the caller, most urgent first (OrderCards).
func (s *Server) HomeCards(ctx context.Context, me *Identity) ([]Card, error) {
	var all []Card
	for _, src := range s.homeCards {
		cards, err := src(ctx, me)
		if err != nil {
			return nil, err
		}
		all = append(all, cards...)
	}
	return OrderCards(all), nil
}

// DefaultBodyLimit is the staff upload limit unless configured: xlsx imports fit easily.
const DefaultBodyLimit = 20 << 20

// DefaultRequestTimeout bounds a request's database work unless configured.
const DefaultRequestTimeout = 15 * time.Second

// New builds the Fiber app with its middleware, health checks and static files.
func New(db *sqlx.DB, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 14 * 24 * time.Hour
	}
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	r, err := NewRenderer()
	if err != nil {
		return nil, err
	}
	s := &Server{DB: db, Render: r, log: cfg.Logger, uploadLimit: cfg.BodyLimit, requestTimeout: cfg.RequestTimeout}
	if cfg.SessionCacheTTL == 0 {
		cfg.SessionCacheTTL = DefaultSessionCacheTTL
	}
	s.Sessions = &Sessions{db: db, ttl: cfg.SessionTTL, secure: cfg.CookieSecure,
		cache: newSessionCache(cfg.SessionCacheTTL, sessionCacheMax)}
	fcfg := fiber.Config{
		AppName:               "zhibu",
		BodyLimit:             AnonymousBodyLimit, // raised per request by bodyLimitFor
		ReadTimeout:           60 * time.Second,
		WriteTimeout:          120 * time.Second,
		IdleTimeout:           120 * time.Second,
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
	}
	app := fiber.New(fcfg)
	app.Server().HeaderReceived = s.bodyLimitFor
	s.App = app

	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		s.log.Error("panic", "path", c.Path(), "panic", e)
	}}))
	app.Use(requestid.New())
	app.Use(resolveClient(cfg.TrustedProxies))
	app.Use(s.accessLog)
	app.Use(securityHeaders)
	app.Use(compress.New(compress.Config{Level: compress.LevelBestSpeed, Next: func(c *fiber.Ctx) bool {
		// Workbooks are zipped already; a one-time link (download.go) serves one.
		return strings.HasSuffix(c.Path(), ".xlsx") || strings.HasPrefix(c.Path(), linkPrefix)
	}}))

	app.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	app.Get("/readyz", s.ready)
	app.Use("/static", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
		return c.Next()
	}, filesystem.New(filesystem.Config{Root: http.FS(static.FS)}))
	app.Get("/favicon.ico", func(c *fiber.Ctx) error { return c.Redirect("/static/img/favicon.svg", fiber.StatusMovedPermanently) })

	app.Use(s.bounded)
	app.Use(s.Sessions.load)
	app.Use(csrfProtect)
	app.Get(linkPrefix+":token", s.serveLink)
	return s, nil
}

// NotFoundLast installs the catch-all 404; call it after every feature mounted its routes.
func (s *Server) NotFoundLast() {
	s.App.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}

// bounded gives the request's work a deadline; database calls give up when it passes.
func (s *Server) bounded(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), s.requestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

// ReadyTimeout is how long /readyz waits for PostgreSQL before answering 503.
const ReadyTimeout = 2 * time.Second

func (s *Server) ready(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), ReadyTimeout)
	defer cancel()
	if err := s.DB.PingContext(ctx); err != nil {
		return c.Status(http.StatusServiceUnavailable).JSON(fiber.Map{"error": errDBUnavailable})
	}
	if err := database.CheckSchema(ctx, s.DB); database.IsUnavailable(err) {
		return c.Status(http.StatusServiceUnavailable).JSON(fiber.Map{"error": errDBUnavailable})
	} else if err != nil {
		return c.Status(http.StatusServiceUnavailable).JSON(fiber.Map{"error": Err(503, "schema_outdated", "数据库结构版本不符："+err.Error())})
	}
	return c.JSON(fiber.Map{"status": "ready"})
}

func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		status = s.AsError(err).Status
	}
	attrs := []any{"method", c.Method(), "path", c.Path(), "status", status,
		"ms", strconv.FormatFloat(float64(time.Since(start).Microseconds())/1000, 'f', 1, 64),
		"ip", c.IP(), "request_id", RequestID(c)}
	if me := Me(c); me != nil {
		attrs = append(attrs, "user_id", me.UserID)
	}
	s.log.Info("http", attrs...)
	return err
}

// RequestID returns the request's id (also sent as X-Request-ID).
func RequestID(c *fiber.Ctx) string {
	if v, ok := c.Locals("requestid").(string); ok {
		return v
	}
	return ""
}

const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"media-src 'self' https:; frame-src 'none'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

func securityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	return c.Next()
}

// Logger is the server's logger, for features.
func (s *Server) Logger() *slog.Logger { return s.log }
