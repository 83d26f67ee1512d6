-- +goose Up
-- The 履职清单 (app/tools, rules_duty.go): a person's own ticks of the year's items and the
-- date of their branch's last 换届, from which the reminder is computed. Private: every
-- query reads and writes the caller's rows only; nobody, staff included, sees another's.
CREATE TABLE tool_duty_ticks (
    user_id   bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    year      integer NOT NULL CHECK (year BETWEEN 2000 AND 2200),
    item_key  text NOT NULL CHECK (length(item_key) BETWEEN 1 AND 40),
    ticked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, year, item_key)
);

CREATE TABLE tool_duty_terms (
    user_id    bigint PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    term_start date NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE tool_duty_terms;
DROP TABLE tool_duty_ticks;
