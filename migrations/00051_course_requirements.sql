-- +goose Up
-- course_requirements is the one definition of who a year's 必修 course applies to, owned
-- by courses (its Go mirror is courses.AssignmentScope.Applies; courses/requirements_test.go
-- compares the two). A row per year, published course and secretary it applies to, with
-- the earliest due date when several assignments cover the same person. An assignment
-- applies to everybody (all), to the listed townships, or to the listed branch kinds.
-- Inactive secretaries are included: readers that count only active people say so.
CREATE VIEW course_requirements AS
    SELECT a.year, a.course_id, u.id AS user_id, u.township_id, min(a.due_date) AS due_date
    FROM course_assignments a
    JOIN courses c ON c.id = a.course_id AND c.published
    JOIN users u ON u.role = 'secretary'
    LEFT JOIN branches b ON b.id = u.branch_id
    WHERE a.scope = 'all'
       OR (a.scope = 'townships' AND u.township_id = ANY(a.township_ids))
       OR (a.scope = 'kinds' AND b.kind = ANY(a.branch_kinds))
    GROUP BY a.year, a.course_id, u.id, u.township_id;

-- How many of the year's 必修 courses the user has not completed yet, read from the view
-- above; a course is done when course_progress.completed_at is set (courses.CourseComplete).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION zhibu_required_courses_left(user_id bigint, year integer) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT count(*)::integer
    FROM course_requirements r
    LEFT JOIN course_progress cp ON cp.user_id = r.user_id AND cp.course_id = r.course_id
    WHERE r.user_id = $1 AND r.year = $2 AND cp.completed_at IS NULL
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION zhibu_required_courses_left(user_id bigint, year integer) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT count(DISTINCT a.course_id)::integer
    FROM users u
    LEFT JOIN branches b ON b.id = u.branch_id
    JOIN course_assignments a ON a.year = $2
    JOIN courses c ON c.id = a.course_id AND c.published
    LEFT JOIN course_progress cp ON cp.user_id = u.id AND cp.course_id = a.course_id
    WHERE u.id = $1 AND u.role = 'secretary' AND cp.completed_at IS NULL
      AND (a.scope = 'all' OR (a.scope = 'townships' AND u.township_id = ANY(a.township_ids))
           OR (a.scope = 'kinds' AND b.kind = ANY(a.branch_kinds)))
$$;
-- +goose StatementEnd
DROP VIEW course_requirements;
