-- +goose Up
-- A tour's days (考察日程) and the roll call of each day (app/tours, docs/tours.md). The
-- roll call is app/roll's, the one classes use too: the people on a day's roll are the
-- tour's confirmed participants (tour_signups, status 'confirmed'); organizers mark their
-- own township's, admins everyone. Marking locks the tour row (share), the day row (share),
-- then the participants' sign-up rows in user id order; deleting a day locks the tour row
-- exclusively and refuses a day that has marks.
CREATE TABLE tour_days (
    id      bigserial PRIMARY KEY,
    tour_id bigint NOT NULL REFERENCES tours(id) ON DELETE CASCADE,
    day     date NOT NULL,
    title   text NOT NULL DEFAULT '' CHECK (length(title) <= 50),
    UNIQUE (tour_id, day)
);

CREATE TABLE tour_attendance (
    day_id    bigint NOT NULL REFERENCES tour_days(id) ON DELETE CASCADE,
    user_id   bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status    text NOT NULL CHECK (status IN ('present','absent','leave','late')),
    marked_by bigint REFERENCES users(id) ON DELETE SET NULL,
    marked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (day_id, user_id)
);
CREATE INDEX tour_attendance_user_idx ON tour_attendance (user_id);

-- +goose Down
DROP TABLE tour_attendance;
DROP TABLE tour_days;
