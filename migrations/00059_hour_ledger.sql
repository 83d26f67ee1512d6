-- +goose Up
-- The 学时 ledger (app/hours): one row per credit of 学时 to a secretary for a year. Every
-- source writes its entry once — a completed course, a closed class (结班), a confirmed
-- study tour — keyed by (source, source_id, user_id); the county credits outside
-- training by hand ('manual', no source_id) with a note. A wrong entry is never deleted:
-- it is revoked with a reason and stops counting. Every figure of 学时 (home card, 我的学时,
-- reports, workbooks) sums the entries that are not revoked (app/figures Hours).
CREATE TABLE hour_credits (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    year          int NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    source        text NOT NULL CHECK (source IN ('course','class','tour','manual')),
    source_id     bigint,
    -- 线上 (online courses) or 线下 (classes, tours, credited outside training): the one
    -- definition of the split every 学时 figure shows.
    online        boolean GENERATED ALWAYS AS (source = 'course') STORED,
    hours         numeric(6,2) NOT NULL CHECK (hours > 0 AND hours <= 200),
    credited_at   timestamptz NOT NULL DEFAULT now(),
    credited_by   bigint REFERENCES users(id) ON DELETE SET NULL,
    note          text NOT NULL DEFAULT '' CHECK (length(note) <= 200),
    revoked_at    timestamptz,
    revoked_by    bigint REFERENCES users(id) ON DELETE SET NULL,
    revoke_reason text NOT NULL DEFAULT '' CHECK (length(revoke_reason) <= 200),
    CHECK ((source = 'manual') = (source_id IS NULL))
);
CREATE UNIQUE INDEX hour_credits_source_uq ON hour_credits (source, source_id, user_id) WHERE source <> 'manual';
CREATE INDEX hour_credits_year_idx ON hour_credits (year, user_id) WHERE revoked_at IS NULL;
CREATE INDEX hour_credits_user_idx ON hour_credits (user_id, year);

-- The audit trail of the ledger: who credited or revoked what, when and why.
CREATE TABLE hour_credit_events (
    id        bigserial PRIMARY KEY,
    credit_id bigint NOT NULL REFERENCES hour_credits(id) ON DELETE CASCADE,
    action    text NOT NULL CHECK (action IN ('credit','revoke')),
    actor_id  bigint REFERENCES users(id) ON DELETE SET NULL,
    note      text NOT NULL DEFAULT '',
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hour_credit_events_credit_idx ON hour_credit_events (credit_id);

-- The courses completed before the ledger existed become its first entries.
WITH moved AS (
    INSERT INTO hour_credits (user_id, year, source, source_id, hours, credited_at, note)
    SELECT cp.user_id, extract(year FROM cp.completed_at AT TIME ZONE 'Asia/Shanghai')::int, 'course', cp.course_id,
           cp.hours_earned, cp.completed_at, left(c.title, 200)
    FROM course_progress cp JOIN courses c ON c.id = cp.course_id
    WHERE cp.completed_at IS NOT NULL AND cp.hours_earned > 0
    RETURNING id, credited_at)
INSERT INTO hour_credit_events (credit_id, action, note, at)
SELECT id, 'credit', '启用学时台账时由已完成课程迁入', credited_at FROM moved;

-- +goose Down
DROP TABLE hour_credit_events;
DROP TABLE hour_credits;
