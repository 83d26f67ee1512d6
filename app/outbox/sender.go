package outbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Delivery is one outbound message as a sender sends it; ID is the outbox row's id, the
// same on every attempt, so a receiver drops a duplicate (the app may stop between sending
// and marking a row sent).
type Delivery struct {
	ID        int64     `json:"id"`
	Phone     string    `json:"phone"`
	Text      string    `json:"text"`
	Kind      string    `json:"kind"`
	URL       string    `json:"url"`
	CreatedAt time.Time `json:"created_at"`
}

// Sender delivers one message. nil is delivered; an error wrapped by Permanent is a
// refusal for good (no retry); any other error is tried again later.
type Sender interface {
	Send(ctx context.Context, d Delivery) error
}

// SenderFunc is a function as a Sender.
type SenderFunc func(ctx context.Context, d Delivery) error

// Send calls f.
func (f SenderFunc) Send(ctx context.Context, d Delivery) error { return f(ctx, d) }

type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as a refusal for good: the row is failed at once.
func Permanent(err error) error { return permanent{err} }

// IsPermanent tells whether err was marked by Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// The webhook's headers.
const (
	HeaderSignature = "X-Zhibu-Signature" // sha256=<hex HMAC-SHA256 of the body with the secret>
	HeaderDelivery  = "X-Zhibu-Delivery"  // the row's id, as "id" in the body
)

// Webhook POSTs each delivery as JSON to a relay (the county's SMS platform or a WeChat
// relay), signed with the shared secret; any 2xx answer is delivered.
type Webhook struct {
	URL    string
	Secret []byte
	Client *http.Client
}

// NewWebhook is the webhook to url with secret; each request gives up after timeout.
// Redirects are not followed: a POST must reach the configured URL itself.
func NewWebhook(url, secret string, timeout time.Duration) *Webhook {
	return &Webhook{URL: url, Secret: []byte(secret), Client: &http.Client{Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Sign is the X-Zhibu-Signature of body: "sha256=" and the hex HMAC-SHA256 of the exact
// bytes with the secret.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify tells whether signature is body's signature with secret (constant time): what a
// receiver does first.
func Verify(secret, body []byte, signature string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(signature))
}

// Send POSTs d. The error says, in Chinese for the admin page, what went wrong: a 4xx
// other than 408 and 429 is permanent.
func (w *Webhook) Send(ctx context.Context, d Delivery) error {
	body, err := json.Marshal(d)
	if err != nil {
		return Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return Permanent(fmt.Errorf("接收地址有误：%w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "zhibu-outbox")
	req.Header.Set(HeaderSignature, Sign(w.Secret, body))
	req.Header.Set(HeaderDelivery, strconv.FormatInt(d.ID, 10))
	resp, err := w.Client.Do(req)
	if err != nil {
		return fmt.Errorf("无法送达接收方：%w", err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("接收方返回 %d", resp.StatusCode)
	if s := bytes.ToValidUTF8(bytes.TrimSpace(snippet), nil); len(s) > 0 {
		err = fmt.Errorf("%w：%s", err, s)
	}
	if !Retryable(resp.StatusCode) {
		return Permanent(err)
	}
	return err
}
