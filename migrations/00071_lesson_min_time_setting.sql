-- +goose Up
-- lesson_min_time: does a lesson need its minimum study time (lessons.min_seconds) before
-- it counts as completed? On by default: it only keeps people from paging through a lesson
-- in seconds. The county may switch it off (国办函〔2026〕12号: online minutes are never an
-- assessment); then a lesson is completed by reaching its end (courses/rules.go
-- LessonComplete, courses.Deps.MinTimeGuard). 学时 never come from minutes either way.
ALTER TABLE county_settings ADD COLUMN lesson_min_time boolean NOT NULL DEFAULT true;

-- +goose Down
ALTER TABLE county_settings DROP COLUMN lesson_min_time;
