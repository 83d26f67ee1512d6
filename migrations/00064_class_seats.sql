-- +goose Up
-- A county 集中培训班 may be filled by per-township quotas instead of (or besides)
-- assignment: organizers nominate their secretaries, the county confirms, beyond a
-- township's quota people wait in its queue. It is the one mechanism of the study tours
-- (app/seats; tables of the same shape as tour_quotas, tour_signups and tour_events in
-- 00030_tours.sql). classes.total_seats NULL: the class takes no nominations. A confirmed
-- sign-up makes the person a participant (class_participants, added_by the county's
-- confirmer); a rejection of a confirmed one removes them again.
ALTER TABLE classes ADD COLUMN total_seats integer CHECK (total_seats IS NULL OR (total_seats > 0 AND total_seats <= 100000));

CREATE TABLE class_quotas (
    class_id    bigint NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    township_id bigint NOT NULL REFERENCES townships(id),
    seats       integer NOT NULL CHECK (seats >= 0),
    PRIMARY KEY (class_id, township_id)
);

CREATE SEQUENCE class_queue_seq;
CREATE TABLE class_signups (
    id           bigserial PRIMARY KEY,
    class_id     bigint NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    user_id      bigint NOT NULL REFERENCES users(id),
    township_id  bigint NOT NULL REFERENCES townships(id),
    status       text NOT NULL CHECK (status IN ('pending','approved','confirmed','waitlisted','rejected','cancelled')),
    note         text NOT NULL DEFAULT '',
    reason       text NOT NULL DEFAULT '',
    nominated_by bigint REFERENCES users(id),
    queue_seq    bigint NOT NULL DEFAULT nextval('class_queue_seq'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (class_id, user_id)
);
CREATE INDEX class_signups_queue_idx ON class_signups (class_id, township_id, status, queue_seq);
CREATE INDEX class_signups_user_idx ON class_signups (user_id);

CREATE TABLE class_events (
    id          bigserial PRIMARY KEY,
    class_id    bigint NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    signup_id   bigint REFERENCES class_signups(id) ON DELETE CASCADE,
    actor_id    bigint REFERENCES users(id),
    action      text NOT NULL,
    from_status text NOT NULL DEFAULT '',
    to_status   text NOT NULL DEFAULT '',
    reason      text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX class_events_class_idx ON class_events (class_id, at);

-- +goose Down
DROP TABLE class_events;
DROP TABLE class_signups;
DROP SEQUENCE class_queue_seq;
DROP TABLE class_quotas;
ALTER TABLE classes DROP COLUMN total_seats;
