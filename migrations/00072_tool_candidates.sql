-- +goose Up
-- 发展党员 planner (issue 16): a secretary's own notes of where each person stands in the
-- 25 steps, with the dates reached. Private to its user: every query of app/tools/store.go
-- reads and writes WHERE user_id = the caller, nobody else sees a row (not organizers, not
-- admins); deleting the user deletes the rows. At most 50 rows per user (app/tools
-- MaxCandidates, checked under a lock of the user's row).
CREATE TABLE tool_candidates (
    id             bigserial PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- A 称呼 or 代号 ("小李", "申请人A"): the page asks for no ID or phone numbers.
    name           text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 20),
    note           text NOT NULL DEFAULT '' CHECK (char_length(note) <= 500),
    -- Step key (app/tools DevSteps) → 'YYYY-MM-DD', only the steps reached.
    dates          jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(dates) = 'object'),
    training_days  integer NOT NULL DEFAULT 0 CHECK (training_days BETWEEN 0 AND 60),
    training_hours integer NOT NULL DEFAULT 0 CHECK (training_hours BETWEEN 0 AND 500),
    -- [{"decided_on":"YYYY-MM-DD","months":6}]: the 延长预备期 decisions (one is allowed;
    -- a second is kept so the planner can flag it).
    extensions     jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(extensions) = 'array'),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tool_candidates_user_idx ON tool_candidates (user_id, updated_at DESC);

-- +goose Down
DROP TABLE tool_candidates;
