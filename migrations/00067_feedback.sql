-- +goose Up
-- 投诉建议 (国办函〔2026〕12号 asks every government app for a complaints channel whose
-- results the sender can see): one row per complaint or suggestion, with its status and
-- the staff's reply. app/feedback owns it (app/feedback/store.go).
CREATE TABLE feedback (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users(id),
    -- The township the feedback is about: the sender's when sent (secretaries and
    -- organizers); NULL for the county's own staff, whose feedback only admins see.
    township_id bigint REFERENCES townships(id),
    kind        text NOT NULL CHECK (kind IN ('complaint', 'suggestion', 'question')),
    category    text NOT NULL CHECK (category IN ('learning', 'exams', 'training', 'system', 'other')),
    text        text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 1000),
    -- 对乡镇匿名: the township's organizers do not see the sender; admins do.
    anonymous   boolean NOT NULL DEFAULT false,
    status      text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'in_progress', 'replied')),
    reply       text NOT NULL DEFAULT '' CHECK (char_length(reply) <= 1000),
    replied_by  bigint REFERENCES users(id),
    replied_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'replied' OR reply <> '')
);
CREATE INDEX feedback_user_idx ON feedback (user_id, created_at DESC);
CREATE INDEX feedback_township_idx ON feedback (township_id, status, created_at DESC);

-- +goose Down
DROP TABLE feedback;
