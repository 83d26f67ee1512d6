-- +goose Up
-- 催学 and 即将截止 (app/reminders). An organizer (own township) or the county reminds the
-- people who have not finished a required course, an exam or a class; a background pass
-- (app/reminders/job.go) sends 即将截止 for required courses and exams closing within
-- county_settings.remind_days. Every message goes through the inbox (web.Post) in the
-- transaction of the reminder's rows, with ref 'reminder:<id>' so the sender can see who
-- read it.

-- A feature's own key for a message (e.g. 'reminder:12'), to find it again; optional.
ALTER TABLE messages ADD COLUMN ref text CHECK (ref IS NULL OR (ref <> '' AND char_length(ref) <= 100));
CREATE INDEX messages_ref_idx ON messages (ref) WHERE ref IS NOT NULL;

-- The county's switches of the automatic reminders (app/settings): per kind, and how
-- many days before a required course's due date or an exam's close they go out.
ALTER TABLE county_settings
    ADD COLUMN remind_courses boolean NOT NULL DEFAULT true,
    ADD COLUMN remind_exams   boolean NOT NULL DEFAULT true,
    ADD COLUMN remind_days    integer NOT NULL DEFAULT 3 CHECK (remind_days BETWEEN 1 AND 30);

-- One reminder: who sent it (NULL: the automatic pass), the scope it was sent in
-- (township_id NULL: the county), what it is about and the words sent.
CREATE TABLE reminders (
    id          bigserial PRIMARY KEY,
    sender_id   bigint REFERENCES users(id) ON DELETE SET NULL,
    township_id bigint REFERENCES townships(id) ON DELETE CASCADE,
    auto        boolean NOT NULL DEFAULT false,
    target      text NOT NULL CHECK (target IN ('course','exam','class')),
    target_id   bigint NOT NULL CHECK (target_id > 0),
    -- The target's title when it was sent (the list shows it even after a rename).
    title       text NOT NULL CHECK (char_length(title) <= 200),
    filter      jsonb NOT NULL DEFAULT '{}',
    text        text NOT NULL CHECK (btrim(text) <> '' AND char_length(text) <= 200),
    sent        integer NOT NULL DEFAULT 0 CHECK (sent >= 0),
    skipped     integer NOT NULL DEFAULT 0 CHECK (skipped >= 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (NOT auto OR (sender_id IS NULL AND township_id IS NULL))
);
CREATE INDEX reminders_scope_idx ON reminders (township_id, created_at DESC, id DESC);
CREATE INDEX reminders_target_idx ON reminders (target, target_id);

-- Everyone a reminder was meant for: sent (the message is in the inbox) or skipped, with
-- why (reminded within 7 days).
CREATE TABLE reminder_recipients (
    reminder_id bigint NOT NULL REFERENCES reminders(id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status      text NOT NULL CHECK (status IN ('sent','skipped')),
    reason      text NOT NULL DEFAULT '' CHECK (char_length(reason) <= 200),
    PRIMARY KEY (reminder_id, user_id)
);
CREATE INDEX reminder_recipients_user_idx ON reminder_recipients (user_id);

-- The 7-day limit (reminders.MinGap): one row per person and item, the last time a
-- reminder about it was sent, manual or automatic. A send claims the row with
--   INSERT … ON CONFLICT (user_id, target, target_id) DO UPDATE SET sent_at = …
--   WHERE reminder_log.sent_at <= <now> - interval '7 days' RETURNING user_id
-- and messages only the people it returned: the primary key makes concurrent senders
-- (two organizers, two instances of the pass) wait for each other and re-check, so
-- nobody gets two reminders about one item within 7 days, with or without locks.
CREATE TABLE reminder_log (
    user_id   bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    target    text NOT NULL CHECK (target IN ('course','exam','class')),
    target_id bigint NOT NULL,
    sent_at   timestamptz NOT NULL,
    PRIMARY KEY (user_id, target, target_id)
);
CREATE INDEX reminder_log_target_idx ON reminder_log (target, target_id);

-- +goose Down
DROP TABLE reminder_log;
DROP TABLE reminder_recipients;
DROP TABLE reminders;
ALTER TABLE county_settings DROP COLUMN remind_days, DROP COLUMN remind_exams, DROP COLUMN remind_courses;
DROP INDEX messages_ref_idx;
ALTER TABLE messages DROP COLUMN ref;
