// Package outbox owns the optional outbound channel (短信与微信通知): a copy of an inbox
// message of an outbound kind (OutboundKinds) sent to the person's phone through the
// county's SMS platform or a WeChat relay, by a signed JSON webhook (sender.go). The
// in-app message never depends on it: Enqueue writes a row in the transaction of the inbox
// message, and the worker (worker.go) sends it later, outside any transaction, trying
// again with back-off; a receiver that is down delays nothing and loses nothing. Without
// ZHIBU_WEBHOOK_URL nothing is written or sent. Admins see the counts and the failures on
// /admin/outbox and send a failed one again. docs/outbox.md has the API and the webhook.
package outbox

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/web"
)

//go:embed templates/*.html
var templates embed.FS

// Config is the outbound channel's configuration (app/config.go reads it from the
// environment) and the worker's settings, with production defaults for zero values.
type Config struct {
	WebhookURL string        // ZHIBU_WEBHOOK_URL: the relay; "" switches the channel off
	Secret     string        // ZHIBU_WEBHOOK_SECRET: the HMAC key of X-Zhibu-Signature
	Timeout    time.Duration // ZHIBU_WEBHOOK_TIMEOUT: one request's limit; 0 is 10s
	BaseURL    string        // ZHIBU_PUBLIC_URL: the base of the links sent; "" sends none
	// Sender replaces the webhook (tests, another transport); nil is the webhook when
	// WebhookURL is set.
	Sender Sender
	// Interval is the worker's pause when nothing is due; 0 is 5s.
	Interval time.Duration
	// Batch is how many rows one pass claims; 0 is 20.
	Batch int
	// Lease is how long a claimed row is held by its worker; 0 is Batch × Timeout + 1 minute,
	// so a whole batch can time out within it.
	Lease time.Duration
	// MaxAttempts is how many failed attempts fail a row; 0 is MaxAttempts.
	MaxAttempts int
	// Now is the worker's and Enqueue's clock; nil is time.Now.
	Now func() time.Time
}

// Outbox is the outbound channel: Enqueue in a feature's transaction, Run in the
// background, Mount for the admin page. A nil *Outbox or one without a sender is off.
type Outbox struct {
	cfg    Config
	sender Sender
}

// New is the outbox of cfg; it is off (Enabled false) without a sender.
func New(cfg Config) *Outbox {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 5 * time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 20
	}
	if cfg.Lease <= 0 {
		cfg.Lease = time.Duration(cfg.Batch)*cfg.Timeout + time.Minute
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = MaxAttempts
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	o := &Outbox{cfg: cfg, sender: cfg.Sender}
	if o.sender == nil && cfg.WebhookURL != "" {
		o.sender = NewWebhook(cfg.WebhookURL, cfg.Secret, cfg.Timeout)
	}
	return o
}

// Enabled tells whether messages go out.
func (o *Outbox) Enabled() bool { return o != nil && o.sender != nil }

func (o *Outbox) now() time.Time { return o.cfg.Now() }

// Wrap is post (the inbox's) followed by Enqueue in the same transaction: the in-app
// message is written first, and exactly when it is, so is its outbound copy. Off, it is
// post itself.
func (o *Outbox) Wrap(post web.Post) web.Post {
	if !o.Enabled() {
		return post
	}
	return func(ctx context.Context, q sqlx.ExtContext, msgs ...web.Message) error {
		if err := post(ctx, q, msgs...); err != nil {
			return err
		}
		return o.Enqueue(ctx, q, msgs...)
	}
}

// Deps is what the outbox page needs: the configured outbox (nil: off).
type Deps struct {
	Outbox *Outbox
}

type handlers struct {
	store *Store
	srv   *web.Server
	on    bool
}

// Mount adds the admin page, its retry, the API and the admins' home card (only while
// something failed). The page is there when the channel is off too: it says so, and
// what failed before stays visible.
func Mount(s *web.Server, deps Deps) error {
	if err := s.Render.AddPages("outbox", templates, "templates/*.html"); err != nil {
		return err
	}
	s.MapErrors(errorTable)
	o := deps.Outbox
	if o == nil {
		o = New(Config{})
	}
	h := &handlers{store: NewStore(s.DB, o), srv: s, on: o.Enabled()}
	admin := web.Auth(web.RoleAdmin)
	a := s.App

	// Pages.
	a.Get("/admin/outbox", admin, h.page)
	a.Get("/admin/outbox/:id/retry", admin, h.retryPage)
	a.Post("/admin/outbox/:id/retry", admin, h.retryForm)

	// API (docs/outbox.md).
	a.Get("/api/v1/outbox", admin, h.apiList)
	a.Post("/api/v1/outbox/:id/retry", admin, h.apiRetry)

	s.AddHomeCards(h.homeCards)
	return nil
}

// homeCards: an admin sees a card only while outbound messages have failed.
func (h *handlers) homeCards(ctx context.Context, me *web.Identity) ([]web.Card, error) {
	if me.Role != web.RoleAdmin || !h.on {
		return nil, nil
	}
	n, err := h.store.CountFailed(ctx)
	if err != nil || n == 0 {
		return nil, err
	}
	return []web.Card{{Title: "短信与微信通知", Big: fmt.Sprintf("%d 条发送失败", n),
		Lines: []string{"站内消息已送达，只是短信或微信没有发出"}, Link: "/admin/outbox", LinkText: "查看并重发", Order: 96}}, nil
}
