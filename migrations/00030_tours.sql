-- +goose Up
-- Study tours (赴外参观学习): a tour has a total of seats shared out by township quotas.
-- Every change to a tour's sign-ups runs in a transaction that first locks the tour row
-- (SELECT … FOR UPDATE), so concurrent sign-ups, approvals and cancellations of one tour
-- are serialized and the seat counts they check cannot go stale.
CREATE TABLE tours (
    id               bigserial PRIMARY KEY,
    title            text NOT NULL CHECK (btrim(title) <> ''),
    destination      text NOT NULL CHECK (btrim(destination) <> ''),
    itinerary        text NOT NULL DEFAULT '',
    starts_on        date NOT NULL,
    ends_on          date NOT NULL,
    total_seats      integer NOT NULL CHECK (total_seats > 0),
    signup_opens_at  timestamptz NOT NULL,
    signup_closes_at timestamptz NOT NULL,
    cancel_deadline  timestamptz NOT NULL,
    require_courses  boolean NOT NULL DEFAULT false,
    status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','open','closed','done')),
    created_by       bigint REFERENCES users(id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on >= starts_on),
    CHECK (signup_closes_at > signup_opens_at)
);
CREATE INDEX tours_status_idx ON tours (status, starts_on);

CREATE TABLE tour_quotas (
    tour_id     bigint NOT NULL REFERENCES tours(id) ON DELETE CASCADE,
    township_id bigint NOT NULL REFERENCES townships(id),
    seats       integer NOT NULL CHECK (seats >= 0),
    PRIMARY KEY (tour_id, township_id)
);

-- One row per person and tour (UNIQUE): nobody holds two places on one tour. Seat
-- holders are pending (awaiting the township), approved (awaiting the county) and
-- confirmed; waitlisted rows wait in queue_seq order within their township.
CREATE SEQUENCE tour_queue_seq;
CREATE TABLE tour_signups (
    id           bigserial PRIMARY KEY,
    tour_id      bigint NOT NULL REFERENCES tours(id) ON DELETE CASCADE,
    user_id      bigint NOT NULL REFERENCES users(id),
    township_id  bigint NOT NULL REFERENCES townships(id),
    status       text NOT NULL CHECK (status IN ('pending','approved','confirmed','waitlisted','rejected','cancelled')),
    note         text NOT NULL DEFAULT '',
    reason       text NOT NULL DEFAULT '',
    nominated_by bigint REFERENCES users(id),
    queue_seq    bigint NOT NULL DEFAULT nextval('tour_queue_seq'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tour_id, user_id)
);
CREATE INDEX tour_signups_queue_idx ON tour_signups (tour_id, township_id, status, queue_seq);
CREATE INDEX tour_signups_user_idx ON tour_signups (user_id);

-- The audit trail: who changed what, when and why.
CREATE TABLE tour_events (
    id          bigserial PRIMARY KEY,
    tour_id     bigint NOT NULL REFERENCES tours(id) ON DELETE CASCADE,
    signup_id   bigint REFERENCES tour_signups(id) ON DELETE CASCADE,
    actor_id    bigint REFERENCES users(id),
    action      text NOT NULL,
    from_status text NOT NULL DEFAULT '',
    to_status   text NOT NULL DEFAULT '',
    reason      text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tour_events_tour_idx ON tour_events (tour_id, at);

-- In-app messages (站内消息) about a person's sign-ups.
CREATE TABLE tour_messages (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    tour_id    bigint REFERENCES tours(id) ON DELETE CASCADE,
    body       text NOT NULL,
    read_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tour_messages_user_idx ON tour_messages (user_id, created_at DESC);
CREATE INDEX tour_messages_unread_idx ON tour_messages (user_id) WHERE read_at IS NULL;

-- +goose Down
DROP TABLE tour_messages;
DROP TABLE tour_events;
DROP TABLE tour_signups;
DROP SEQUENCE tour_queue_seq;
DROP TABLE tour_quotas;
DROP TABLE tours;
