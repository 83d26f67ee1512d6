-- +goose Up
-- The county's settings: one row (id is always true), one typed column per setting, each
-- with the default a fresh county gets. show_ranking: 国办函〔2026〕12号 asks platforms not
-- to push 积分排名 by default, so the township 排名 (reports page and the 汇总 sheet of the
-- completion workbook) appears only once the county switches it on (app/settings).
CREATE TABLE county_settings (
    id           boolean PRIMARY KEY DEFAULT true CHECK (id),
    show_ranking boolean NOT NULL DEFAULT false,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    updated_by   bigint REFERENCES users(id) ON DELETE SET NULL
);
INSERT INTO county_settings DEFAULT VALUES;

-- One-time download links (app/web/download.go): WeChat's built-in browser often cannot
-- save a file, so a download asked for inside WeChat becomes a link that the phone's own
-- browser opens without a session. The link is the secret: only its SHA-256 is stored; it
-- serves path (with its query) once, as user_id, before expires_at.
CREATE TABLE download_links (
    token_hash text PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    path       text NOT NULL CHECK (path LIKE '/%' AND length(path) <= 2048),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX download_links_user_idx ON download_links (user_id, expires_at);
CREATE INDEX download_links_expires_idx ON download_links (expires_at);

-- +goose Down
DROP TABLE download_links;
DROP TABLE county_settings;
