package outbox

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"
)

// Run delivers the outbox until ctx ends: a pass at once while rows keep coming due, else
// a pass every cfg.Interval. Off, it returns at once. Any number of app instances may run
// it on one database: each claims different rows (Worker.Pass).
func Run(ctx context.Context, db *sqlx.DB, o *Outbox, log *slog.Logger) {
	if !o.Enabled() {
		return
	}
	w := NewWorker(db, o, log)
	log.Info("outbox: sending outbound messages", "batch", o.cfg.Batch, "timeout", o.cfg.Timeout)
	for {
		n, err := w.Pass(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			log.Warn("outbox: pass failed", "err", err)
		}
		if err == nil && n >= o.cfg.Batch {
			continue // more may be due
		}
		t := time.NewTimer(o.cfg.Interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// Worker sends the outbox's due rows, one batch per Pass.
type Worker struct {
	store *Store
	o     *Outbox
	log   *slog.Logger
}

// NewWorker is a worker of o on db.
func NewWorker(db *sqlx.DB, o *Outbox, log *slog.Logger) *Worker {
	return &Worker{store: NewStore(db, o), o: o, log: log}
}

// Pass claims a batch of due rows (leased until now + cfg.Lease, status still pending),
// then, outside any transaction, sends each and marks it: sent; skipped when its person
// has no phone or is disabled; failed at once on a permanent refusal or at the limit of
// attempts; else due again after Backoff. A row whose send could outlast the lease, or
// that the pass did not reach before ctx ended, is released for a later pass. It returns
// how many rows it claimed.
func (w *Worker) Pass(ctx context.Context) (int, error) {
	now := w.o.now()
	lease := now.Add(w.o.cfg.Lease).Truncate(time.Microsecond) // as PostgreSQL keeps it
	rows, err := w.store.claim(ctx, now, lease, w.o.cfg.Batch)
	if err != nil {
		return 0, err
	}
	// Outcomes are written even when ctx ends meanwhile: a message that was sent is marked
	// sent. The database's statement timeout bounds each write.
	mark := context.WithoutCancel(ctx)
	var errs []error
	for i, r := range rows {
		if ctx.Err() != nil || w.o.now().Add(w.o.cfg.Timeout).After(lease) {
			ids := make([]int64, 0, len(rows)-i)
			for _, r := range rows[i:] {
				ids = append(ids, r.ID)
			}
			errs = append(errs, w.store.release(mark, ids, lease, w.o.now()))
			break
		}
		errs = append(errs, w.deliver(ctx, mark, r, lease))
	}
	return len(rows), errors.Join(errs...)
}

// deliver sends one claimed row and marks its outcome (with mark, not ctx).
func (w *Worker) deliver(ctx, mark context.Context, r claimed, lease time.Time) error {
	switch {
	case !r.Active:
		return w.store.markSkipped(mark, r.ID, lease, ReasonInactive)
	case r.Phone == "":
		return w.store.markSkipped(mark, r.ID, lease, ReasonNoPhone)
	}
	sendCtx, cancel := context.WithTimeout(ctx, w.o.cfg.Timeout)
	err := w.o.sender.Send(sendCtx, Delivery{ID: r.ID, Phone: r.Phone, Text: r.Text, Kind: r.Kind, URL: r.URL, CreatedAt: r.CreatedAt})
	cancel()
	now := w.o.now()
	switch {
	case err == nil:
		return w.store.markSent(mark, r.ID, lease, now)
	case ctx.Err() != nil: // stopping: not the receiver's fault, not an attempt
		return w.store.release(mark, []int64{r.ID}, lease, now)
	}
	attempts := r.Attempts + 1
	why := errorText(err.Error())
	if IsPermanent(err) || attempts >= w.o.cfg.MaxAttempts {
		w.log.Warn("outbox: message failed", "id", r.ID, "attempts", attempts, "err", why)
		return w.store.markFailed(mark, r.ID, lease, why)
	}
	w.log.Info("outbox: message will be retried", "id", r.ID, "attempts", attempts, "in", Backoff(attempts), "err", why)
	return w.store.markRetry(mark, r.ID, lease, now.Add(Backoff(attempts)), why)
}
