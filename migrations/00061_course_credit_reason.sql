-- +goose Up
-- A course that declares more 学时 than its lessons' minimum study times give under the
-- year's conversion (courses.CreditCheck) says why; learners read the reason on the course
-- page. Empty when the declared 学时 need no reason (0 = converted, or not more than it).
ALTER TABLE courses ADD COLUMN credit_reason text NOT NULL DEFAULT ''
    CHECK (char_length(credit_reason) <= 200);

-- +goose Down
ALTER TABLE courses DROP COLUMN credit_reason;
