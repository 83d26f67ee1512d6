-- +goose Up
-- 站内消息 (app/inbox): one inbox for every feature. A feature posts through web.Post
-- (app/web/message.go) in its own transaction; the inbox validates kind and lengths
-- (app/inbox/rules.go) and these checks are its last line. A message is read only when
-- its person says so (打开 or 全部标为已读): showing a page never marks anything read.
CREATE TABLE messages (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind ~ '^[a-z_]{1,40}$'),
    title      text NOT NULL CHECK (btrim(title) <> '' AND char_length(title) <= 100),
    body       text NOT NULL DEFAULT '' CHECK (char_length(body) <= 1000),
    -- A local path ("/tours/3") or "" for none; never another site.
    url        text NOT NULL DEFAULT '' CHECK (url = '' OR (left(url, 1) = '/' AND left(url, 2) <> '//' AND char_length(url) <= 300)),
    read_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- A person's newest messages (the list, paged) and newest unread ones (the count, the
-- home card).
CREATE INDEX messages_user_idx ON messages (user_id, created_at DESC, id DESC);
CREATE INDEX messages_unread_idx ON messages (user_id, created_at DESC, id DESC) WHERE read_at IS NULL;

-- The tours' messages (migrations/00030_tours.sql) move in: kind 'tour', the text as the
-- body and its first 100 characters on one line as the title, the tour's page as url;
-- read or unread and when they were sent stay as they were.
INSERT INTO messages (user_id, kind, title, body, url, read_at, created_at)
SELECT user_id, 'tour',
       CASE
           WHEN btrim(one_line) = '' THEN '考察消息'
           WHEN char_length(btrim(one_line)) <= 100 THEN btrim(one_line)
           ELSE left(btrim(one_line), 99) || '…'
       END,
       left(body, 1000),
       CASE WHEN tour_id IS NULL THEN '' ELSE '/tours/' || tour_id END,
       read_at, created_at
FROM (SELECT *, regexp_replace(body, '\s+', ' ', 'g') AS one_line FROM tour_messages) m
ORDER BY created_at, id;

DROP TABLE tour_messages;

-- +goose Down
-- The tour messages go back to tour_messages; the other kinds' messages are dropped with
-- the inbox.
CREATE TABLE tour_messages (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    tour_id    bigint REFERENCES tours(id) ON DELETE CASCADE,
    body       text NOT NULL,
    read_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tour_messages_user_idx ON tour_messages (user_id, created_at DESC);
CREATE INDEX tour_messages_unread_idx ON tour_messages (user_id) WHERE read_at IS NULL;

INSERT INTO tour_messages (user_id, tour_id, body, read_at, created_at)
SELECT m.user_id, t.id, CASE WHEN m.body = '' THEN m.title ELSE m.body END, m.read_at, m.created_at
FROM messages m LEFT JOIN tours t ON m.url = '/tours/' || t.id
WHERE m.kind = 'tour'
ORDER BY m.created_at, m.id;

DROP TABLE messages;
