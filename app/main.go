// Command zhibu is the whole platform in one binary:
//
//	zhibu serve [-migrate] [-create-db] [-demo]   run the web server
//	zhibu migrate [-create-db]                    apply pending schema migrations
//	zhibu create-admin -username NAME [-name 姓名] add a county administrator
//	zhibu seed-demo [-townships N] [-secretaries N] build a demo county (never in production)
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/accounts"
	"zhibu/app/database"
	"zhibu/app/outbox"
	"zhibu/app/web"
)

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	cfg, err := loadConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, "configuration:", err)
		os.Exit(2)
	}
	log := cfg.logger()
	slog.SetDefault(log)
	cmd, args := os.Args[1], os.Args[2:]
	switch cmd {
	case "serve":
		err = serve(cfg, log, args)
	case "migrate":
		err = migrate(cfg, log, args)
	case "create-admin":
		err = createAdmin(cfg, args)
	case "seed-demo":
		err = seedDemoCmd(cfg, log, args)
	case "healthcheck":
		err = healthcheck(cfg)
	case "-h", "--help", "help":
		usage()
		return
	default:
		usage()
		os.Exit(2)
	}
	if err != nil {
		log.Error(cmd+" failed", "err", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `zhibu — 支部书记学习考试平台

usage:
  zhibu serve [-migrate] [-create-db] [-demo]     run the web server (ZHIBU_LISTEN, default :8080)
  zhibu migrate [-create-db]                      apply pending database migrations
  zhibu create-admin -username NAME [-name 姓名]   add a county administrator (password from ZHIBU_ADMIN_PASSWORD or stdin)
  zhibu seed-demo [-townships N] [-secretaries N] build a demo county (development and load tests only)
  zhibu healthcheck                               exit 0 when the local server answers /healthz
`)
}

func openDB(ctx context.Context, cfg config, create bool) (*sqlx.DB, error) {
	if create {
		if err := database.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
			return nil, fmt.Errorf("create database: %w", err)
		}
	}
	return database.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
}

// openServingDB is the web server's pool: statements and connections are bounded so a
// database that is down or frozen answers 503 quickly (app/database/failfast.go).
func openServingDB(ctx context.Context, cfg config) (*sqlx.DB, error) {
	return database.OpenOptions(ctx, cfg.DatabaseURL, database.Options{MaxConns: cfg.DBMaxConns,
		StatementTimeout: cfg.DBStatementTimeout, ConnectTimeout: cfg.DBConnectTimeout})
}

func migrate(cfg config, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ExitOnError)
	create := fs.Bool("create-db", false, "create the database when it does not exist")
	fs.Parse(args)
	ctx := context.Background()
	db, err := openDB(ctx, cfg, *create)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := database.Migrate(ctx, db)
	if err != nil {
		return err
	}
	log.Info("migrations applied", "count", n)
	return nil
}

func serve(cfg config, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	doMigrate := fs.Bool("migrate", false, "apply pending migrations before serving")
	create := fs.Bool("create-db", false, "create the database when it does not exist")
	demo := fs.Bool("demo", false, "seed the demo county and print its accounts (never in production)")
	fs.Parse(args)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	// Migrations and the demo seed run on an unbounded pool; serving uses a bounded one.
	if err := prepare(ctx, cfg, log, *create, *doMigrate, *demo); err != nil {
		return err
	}
	db, err := openServingDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	cacheTTL := cfg.SessionCacheTTL
	if cacheTTL == 0 {
		cacheTTL = -1 // off
	}
	srv, err := web.New(db, web.Config{CookieSecure: cfg.CookieSecure, SessionTTL: cfg.SessionTTL,
		BodyLimit: cfg.BodyLimitMB << 20, Logger: log, TrustedProxies: cfg.TrustProxies, RequestTimeout: cfg.RequestTimeout,
		SessionCacheTTL: cacheTTL})
	if err != nil {
		return err
	}
	ob := outbox.New(cfg.Outbox) // off without ZHIBU_WEBHOOK_URL
	if err := mountFeaturesWith(srv, ob); err != nil {
		return err
	}
	srv.NotFoundLast()
	bgCtx, bgCancel := context.WithCancel(context.Background())
	defer bgCancel()
	startBackground(bgCtx, db, srv, log, ob)
	srv.Sessions.Listen(bgCtx, cfg.DatabaseURL, log) // the session cache's invalidations

	errc := make(chan error, 1)
	go func() { errc <- srv.App.Listen(cfg.Listen) }()
	url := "http://localhost" + cfg.Listen
	if !strings.HasPrefix(cfg.Listen, ":") {
		url = "http://" + cfg.Listen
	}
	log.Info("zhibu is serving", "url", url)
	if *demo {
		fmt.Printf("\n  支部书记学习考试平台已启动：%s\n  演示账号（密码均为 %s）：\n    admin      县委组织部管理员\n    organizer  第一个乡镇的组织委员（organizer2… 为其他乡镇）\n    secretary  第一个乡镇某支部的书记（secretary2… 为其他书记）\n\n", url, accounts.DemoPassword)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	bgCancel()
	if err := srv.App.ShutdownWithTimeout(30 * time.Second); err != nil {
		return err
	}
	return nil
}

// prepare creates, migrates and seeds the database as serve's flags ask, and checks
// that its schema is the one this build expects.
func prepare(ctx context.Context, cfg config, log *slog.Logger, create, doMigrate, demo bool) error {
	db, err := openDB(ctx, cfg, create)
	if err != nil {
		return err
	}
	defer db.Close()
	if doMigrate {
		if _, err := database.Migrate(ctx, db); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	if err := database.CheckSchema(ctx, db); err != nil {
		return err
	}
	if demo {
		if err := seedDemo(ctx, db, accounts.DefaultDemoSize, log); err != nil {
			return fmt.Errorf("seed demo: %w", err)
		}
	}
	return nil
}

// healthcheck asks the local server's /healthz; the container image has no curl.
func healthcheck(cfg config) error {
	addr := cfg.Listen
	if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz answered %d", resp.StatusCode)
	}
	return nil
}

func createAdmin(cfg config, args []string) error {
	fs := flag.NewFlagSet("create-admin", flag.ExitOnError)
	username := fs.String("username", "", "login name")
	name := fs.String("name", "管理员", "display name")
	phone := fs.String("phone", "", "mobile number (optional)")
	fs.Parse(args)
	if *username == "" {
		return errors.New("-username is required")
	}
	password := os.Getenv("ZHIBU_ADMIN_PASSWORD")
	if password == "" {
		fmt.Fprint(os.Stderr, "password (at least 8 characters): ")
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		password = strings.TrimSpace(line)
	}
	ctx := context.Background()
	db, err := openDB(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := database.CheckSchema(ctx, db); err != nil {
		return err
	}
	id, err := accounts.CreateAdmin(ctx, db, *username, *name, *phone, password)
	if err != nil {
		return err
	}
	fmt.Printf("admin %q created (id %d)\n", *username, id)
	return nil
}

func seedDemoCmd(cfg config, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("seed-demo", flag.ExitOnError)
	size := accounts.DefaultDemoSize
	fs.IntVar(&size.Townships, "townships", size.Townships, "number of townships")
	fs.IntVar(&size.Secretaries, "secretaries", size.Secretaries, "number of secretaries (one per branch)")
	create := fs.Bool("create-db", true, "create the database when it does not exist")
	fs.Parse(args)
	ctx := context.Background()
	db, err := openDB(ctx, cfg, *create)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := database.Migrate(ctx, db); err != nil {
		return err
	}
	start := time.Now()
	if err := seedDemo(ctx, db, size, log); err != nil {
		return err
	}
	log.Info("demo county seeded", "townships", size.Townships, "secretaries", size.Secretaries, "took", time.Since(start).Round(time.Millisecond))
	return nil
}
