-- +goose Up
-- 结业证书 (app/certificates). A programme says what earns a certificate: a class's 结业
-- (kind 'class': class_participants.completed, set at 结班) or a year's programme (kind
-- 'year': every 必修 course of the year done — zhibu_required_courses_left = 0 — and an exam
-- passed: exam_id's exam, or, when exam_id is NULL, any exam attempt passed and finished in
-- that year, China time). Programmes are never deleted, only switched off (active).
CREATE TABLE certificate_programmes (
    id         bigserial PRIMARY KEY,
    title      text NOT NULL CHECK (btrim(title) <> '' AND length(title) <= 100),
    kind       text NOT NULL CHECK (kind IN ('class','year')),
    class_id   bigint REFERENCES classes(id),
    year       int CHECK (year BETWEEN 2000 AND 2100),
    exam_id    bigint REFERENCES exams(id),
    active     boolean NOT NULL DEFAULT true,
    created_by bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'class') = (class_id IS NOT NULL)),
    CHECK ((kind = 'year') = (year IS NOT NULL)),
    CHECK (kind = 'year' OR exam_id IS NULL)
);
-- One programme per class.
CREATE UNIQUE INDEX certificate_programmes_class_uq ON certificate_programmes (class_id) WHERE class_id IS NOT NULL;

-- The per-year counter of serial numbers (ZB2026-000001): the issuing transaction locks
-- its year's row, so serials have no gaps and issuers wait for each other.
CREATE TABLE certificate_serials (
    year int PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    last int NOT NULL DEFAULT 0 CHECK (last >= 0)
);

-- One certificate per person and programme (the unique constraint makes concurrent
-- triggers safe). name/branch/township/hours are the snapshot at issue; code is the
-- unguessable verification code (160 random bits, base32 lowercase).
CREATE TABLE certificates (
    id            bigserial PRIMARY KEY,
    programme_id  bigint NOT NULL REFERENCES certificate_programmes(id),
    user_id       bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    serial        text NOT NULL UNIQUE,
    code          text NOT NULL UNIQUE CHECK (code ~ '^[a-z2-7]{32}$'),
    name          text NOT NULL,
    branch        text NOT NULL DEFAULT '',
    township      text NOT NULL DEFAULT '',
    hours         numeric(7,2) NOT NULL DEFAULT 0 CHECK (hours >= 0),
    issued_on     date NOT NULL,
    issued_at     timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    revoked_by    bigint REFERENCES users(id) ON DELETE SET NULL,
    revoke_reason text NOT NULL DEFAULT '' CHECK (length(revoke_reason) <= 200),
    UNIQUE (programme_id, user_id)
);
CREATE INDEX certificates_user_idx ON certificates (user_id);
CREATE INDEX certificates_issued_idx ON certificates (issued_at DESC, id DESC);

-- The public verification's rate limit: hits per client address and minute.
CREATE TABLE certificate_verify_hits (
    ip           text NOT NULL,
    window_start timestamptz NOT NULL,
    hits         int NOT NULL DEFAULT 1,
    PRIMARY KEY (ip, window_start)
);
CREATE INDEX certificate_verify_hits_window_idx ON certificate_verify_hits (window_start);

-- +goose Down
DROP TABLE certificate_verify_hits;
DROP TABLE certificates;
DROP TABLE certificate_serials;
DROP TABLE certificate_programmes;
