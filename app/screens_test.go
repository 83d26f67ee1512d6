package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/jmoiron/sqlx"

	"zhibu/app/accounts"
	"zhibu/app/database"
	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/browsertest"
	"zhibu/app/web/webtest"
)

// The staff home pages with every feature's cards, and the county settings, at phone
// size on the demo county: the 必修完成率 card reads like the reports page, and the
// ranking switch says it is off and why.
func TestPhoneStaffHomeAndSettings(t *testing.T) {
	db, srv := demoServer(t, accounts.DemoSize{Townships: 3, Secretaries: 30})
	base := browsertest.Serve(t, srv)
	user := func(name string) (id int64) {
		testdb.Get(t, db, &id, `SELECT id FROM users WHERE username = $1`, name)
		testdb.Exec(t, db, `UPDATE users SET must_change_password = false WHERE id = $1`, id)
		return id
	}
	for _, who := range []string{"admin", "organizer"} {
		b := browsertest.New(t)
		browsertest.SignIn(t, b, srv, base, user(who))
		if err := chromedp.Do(b, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(".cards"))); err != nil {
			t.Fatal(err)
		}
		text, err := chromedp.Run(b, chromedp.Text(chromedp.CSS("main")))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, "必修完成率") {
			t.Errorf("%s home has no 必修完成率 card:\n%s", who, text)
		}
		browsertest.Screenshot(t, b, "home-"+who)
		if who != "admin" {
			continue
		}
		if err := chromedp.Do(b, chromedp.Navigate(base+"/admin/settings"), chromedp.WaitVisible(chromedp.CSS("form"))); err != nil {
			t.Fatal(err)
		}
		if text, _ = chromedp.Run(b, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(text, "排名") {
			t.Errorf("settings page does not mention 排名:\n%s", text)
		}
		browsertest.Screenshot(t, b, "settings")
	}
}

// demoServer is the whole app on a fresh, migrated database holding a demo county of size.
func demoServer(t *testing.T, size accounts.DemoSize) (*sqlx.DB, *web.Server) {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, testdb.Fresh(t), 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := database.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := seedDemo(ctx, db, size, quiet); err != nil {
		t.Fatal(err)
	}
	return db, webtest.Server(t, db, web.Config{Logger: quiet}, mountFeatures)
}
