-- +goose Up
-- 通知公告 (app/notices). A notice belongs to the scope of whoever manages it: the county
-- (owner_township_id NULL, written by admins) or one township (written by its
-- organizers). It reaches everyone (all_townships) or the townships of notice_townships;
-- a township's notice reaches that township only. published_at NULL is a draft nobody
-- but its managers sees. Who read a notice is never recorded (国办函〔2026〕12号).
CREATE TABLE notices (
    id                bigserial PRIMARY KEY,
    title             text NOT NULL CHECK (btrim(title) <> '' AND char_length(title) <= 100),
    body_md           text NOT NULL DEFAULT '' CHECK (char_length(body_md) <= 20000),
    all_townships     boolean NOT NULL DEFAULT false,
    owner_township_id bigint REFERENCES townships(id),
    author_id         bigint REFERENCES users(id) ON DELETE SET NULL,
    pinned            boolean NOT NULL DEFAULT false,
    published_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (owner_township_id IS NULL OR NOT all_townships)
);
CREATE INDEX notices_published_idx ON notices (published_at DESC);
CREATE INDEX notices_owner_idx ON notices (owner_township_id);

CREATE TABLE notice_townships (
    notice_id   bigint NOT NULL REFERENCES notices(id) ON DELETE CASCADE,
    township_id bigint NOT NULL REFERENCES townships(id),
    PRIMARY KEY (notice_id, township_id)
);
CREATE INDEX notice_townships_township_idx ON notice_townships (township_id, notice_id);

-- PDFs live in the database, as lesson_attachments (00010) do, so one pg_dump backs
-- everything up.
CREATE TABLE notice_attachments (
    id         bigserial PRIMARY KEY,
    notice_id  bigint NOT NULL REFERENCES notices(id) ON DELETE CASCADE,
    filename   text NOT NULL,
    size       bigint NOT NULL,
    data       bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notice_attachments_notice_idx ON notice_attachments (notice_id);

-- +goose Down
DROP TABLE notice_attachments;
DROP TABLE notice_townships;
DROP TABLE notices;
