-- +goose Up
-- 集中培训班 (app/classes): a class the county (township_id NULL) or a township runs in
-- person, in sessions, each worth 学时. Participants are assigned; each session has a roll
-- call (by the organizer, or self check-in with a QR code whose token is signed with the
-- session's own secret); a participant may ask for leave before a session starts. 结班
-- (closed_at) decides 结业 per participant by the absence limit (absence_num/absence_den of
-- the class's 学时, 1/7 by default — 《干部教育培训工作条例》) and credits the 学时 attended
-- to the ledger (hour_credits, source 'class').
CREATE TABLE classes (
    id           bigserial PRIMARY KEY,
    title        text NOT NULL CHECK (btrim(title) <> '' AND length(title) <= 100),
    kind         text NOT NULL CHECK (kind IN ('理论','实务')),
    venue        text NOT NULL DEFAULT '' CHECK (length(venue) <= 100),
    description  text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    township_id  bigint REFERENCES townships(id),
    exam_id      bigint REFERENCES exams(id) ON DELETE SET NULL,
    absence_num  int NOT NULL DEFAULT 1 CHECK (absence_num >= 0),
    absence_den  int NOT NULL DEFAULT 7 CHECK (absence_den > 0 AND absence_num <= absence_den),
    created_by   bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    closed_at    timestamptz,
    closed_by    bigint REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX classes_township_idx ON classes (township_id);
CREATE UNIQUE INDEX classes_exam_uq ON classes (exam_id) WHERE exam_id IS NOT NULL;

CREATE TABLE class_sessions (
    id         bigserial PRIMARY KEY,
    class_id   bigint NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    topic      text NOT NULL CHECK (btrim(topic) <> '' AND length(topic) <= 100),
    teacher    text NOT NULL DEFAULT '' CHECK (length(teacher) <= 50),
    hours      numeric(5,2) NOT NULL CHECK (hours > 0 AND hours <= 24),
    secret     bytea NOT NULL CHECK (length(secret) = 32), -- signs the check-in tokens (app/classes/rules.go)
    CHECK (ends_at > starts_at)
);
CREATE INDEX class_sessions_class_idx ON class_sessions (class_id, starts_at);

CREATE TABLE class_participants (
    class_id     bigint NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    user_id      bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    township_id  bigint NOT NULL REFERENCES townships(id),
    added_at     timestamptz NOT NULL DEFAULT now(),
    added_by     bigint REFERENCES users(id) ON DELETE SET NULL,
    -- Set by 结班: completed (结业) or not, why, and the 学时 credited.
    completed    boolean,
    result_note  text NOT NULL DEFAULT '',
    hours_attended numeric(6,2),
    PRIMARY KEY (class_id, user_id)
);
CREATE INDEX class_participants_user_idx ON class_participants (user_id);
CREATE INDEX class_participants_township_idx ON class_participants (class_id, township_id);

CREATE TABLE class_attendance (
    session_id bigint NOT NULL REFERENCES class_sessions(id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status     text NOT NULL CHECK (status IN ('present','absent','leave','late')),
    via        text NOT NULL CHECK (via IN ('roll','checkin','leave')),
    marked_by  bigint REFERENCES users(id) ON DELETE SET NULL,
    marked_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, user_id)
);

CREATE TABLE class_leaves (
    id          bigserial PRIMARY KEY,
    session_id  bigint NOT NULL REFERENCES class_sessions(id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reason      text NOT NULL CHECK (btrim(reason) <> '' AND length(reason) <= 200),
    status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','rejected')),
    decided_by  bigint REFERENCES users(id) ON DELETE SET NULL,
    decided_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (session_id, user_id)
);

-- +goose Down
DROP TABLE class_leaves;
DROP TABLE class_attendance;
DROP TABLE class_participants;
DROP TABLE class_sessions;
DROP TABLE classes;
