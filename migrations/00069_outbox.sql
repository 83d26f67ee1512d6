-- +goose Up
-- 短信与微信通知 (app/outbox): the optional outbound copy of an inbox message of an
-- outbound kind (outbox.OutboundKinds), written by outbox.Enqueue in the transaction of
-- the inbox message itself, so a row exists exactly when the message does. Only when a
-- sender is configured (ZHIBU_WEBHOOK_URL); the in-app message never depends on it.
-- The worker (app/outbox/worker.go) claims due pending rows with FOR UPDATE SKIP LOCKED,
-- leases them (next_at = now + lease, status stays pending), sends outside any
-- transaction, then marks them sent, back off, failed or skipped.
CREATE TABLE outbox (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind ~ '^[a-z_]{1,40}$'),
    -- What is sent: title, body and link, at most 300 characters (outbox.MaxText).
    text       text NOT NULL CHECK (btrim(text) <> '' AND char_length(text) <= 300),
    -- The absolute link (ZHIBU_PUBLIC_URL + the message's path), the path alone when no
    -- public URL is set, or '' for none.
    url        text NOT NULL DEFAULT '' CHECK (char_length(url) <= 1000),
    status     text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sent','failed','skipped')),
    attempts   integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- pending: when the row is due (again); while a worker holds it, the end of its lease.
    next_at    timestamptz NOT NULL DEFAULT now(),
    last_error text NOT NULL DEFAULT '' CHECK (char_length(last_error) <= 500),
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz,
    CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
-- The worker: due pending rows, oldest first.
CREATE INDEX outbox_due_idx ON outbox (next_at, id) WHERE status = 'pending';
-- The admin page: counts per status and the newest rows of a status.
CREATE INDEX outbox_status_idx ON outbox (status, id DESC);
CREATE INDEX outbox_user_idx ON outbox (user_id);

-- +goose Down
DROP TABLE outbox;
