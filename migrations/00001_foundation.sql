-- +goose Up
CREATE TABLE townships (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (btrim(name) <> ''),
    sort       integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Branch kinds are stored as their Chinese labels, the words every report and template uses.
CREATE TABLE branches (
    id          bigserial PRIMARY KEY,
    township_id bigint NOT NULL REFERENCES townships(id),
    name        text NOT NULL CHECK (btrim(name) <> ''),
    kind        text NOT NULL CHECK (kind IN ('农村','社区','机关','企业','学校','事业单位','联合','产业','其他')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (township_id, name)
);
CREATE INDEX branches_township_idx ON branches (township_id);

CREATE TABLE users (
    id                   bigserial PRIMARY KEY,
    username             text NOT NULL UNIQUE CHECK (btrim(username) <> ''),
    phone                text UNIQUE,
    name                 text NOT NULL,
    role                 text NOT NULL CHECK (role IN ('secretary','organizer','admin')),
    township_id          bigint REFERENCES townships(id),
    branch_id            bigint REFERENCES branches(id),
    title                text NOT NULL DEFAULT '',
    password_hash        text NOT NULL,
    must_change_password boolean NOT NULL DEFAULT false,
    active               boolean NOT NULL DEFAULT true,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (role = 'admin' OR township_id IS NOT NULL),
    CHECK (role <> 'secretary' OR branch_id IS NOT NULL)
);
CREATE INDEX users_township_idx ON users (township_id, role);
CREATE INDEX users_branch_idx ON users (branch_id);

-- Only a hash of the session token is stored, so a leaked backup does not leak live sessions.
CREATE TABLE sessions (
    id           text PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    ip           text NOT NULL DEFAULT '',
    user_agent   text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE login_failures (
    id       bigserial PRIMARY KEY,
    username text NOT NULL,
    ip       text NOT NULL,
    at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_username_idx ON login_failures (username, at);
CREATE INDEX login_failures_ip_idx ON login_failures (ip, at);

-- Uploaded files kept between an import's preview and its confirmation, so that any app
-- instance can finish the import. Rows older than a day are swept.
CREATE TABLE upload_stash (
    id         text PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       text NOT NULL,
    filename   text NOT NULL,
    data       bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE upload_stash;
DROP TABLE login_failures;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE branches;
DROP TABLE townships;
