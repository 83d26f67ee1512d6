-- +goose Up
-- Links between features that must not import each other.
--
-- zhibu_required_courses_left: how many of the year's 必修 courses the user has not
-- completed yet (tours' eligibility, app/tours CheckEligibility). It mirrors courses'
-- own rule exactly (courses.AssignmentScope.Applies, appliesSQL and myCourses): only
-- secretaries have required courses; only published courses count; an assignment applies
-- to everybody (all), to the listed townships, or to the listed branch kinds; a course is
-- done when course_progress.completed_at is set (which already includes the linked exam,
-- see courses.CourseComplete). courses/links_test.go compares it with the Go rule.
-- +goose StatementBegin
CREATE FUNCTION zhibu_required_courses_left(user_id bigint, year integer) RETURNS integer
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

-- +goose Down
DROP FUNCTION zhibu_required_courses_left(bigint, integer);
