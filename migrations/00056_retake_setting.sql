-- +goose Up
-- retake_after_pass: may a secretary who already passed an exam take it again with the
-- attempts left? Off by default (「通过后不可补考」): an attempt after a pass cannot raise
-- anything that counts and only adds load on exam morning (exams/rules.go CanRetake).
ALTER TABLE county_settings ADD COLUMN retake_after_pass boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE county_settings DROP COLUMN retake_after_pass;
