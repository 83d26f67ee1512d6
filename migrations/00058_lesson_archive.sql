-- +goose Up
-- A lesson that learners have studied is archived instead of deleted: it disappears for
-- learners and no longer counts toward completing its course, while the learners'
-- progress on it stays. An archived lesson can be restored (archived_at back to NULL).
ALTER TABLE lessons ADD COLUMN archived_at timestamptz;

-- course_lessons is the one definition of the lessons that make up a course now: every
-- query that shows a course's lessons to learners, counts them (课时数, course
-- completion, 学时 from minimum times) or credits study time reads this view, never the
-- table. Authoring reads the table to list archived lessons too. course_requirements and
-- zhibu_required_courses_left (00051) read course_progress.completed_at only and are
-- unchanged: completion itself is decided in courses.CourseComplete on counts from here.
CREATE VIEW course_lessons AS
    SELECT * FROM lessons WHERE archived_at IS NULL;

-- +goose Down
DROP VIEW course_lessons;
ALTER TABLE lessons DROP COLUMN archived_at;
