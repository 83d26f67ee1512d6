-- +goose Up
-- exam_for_township(exam, township) is the one rule of which published exams the staff
-- of a township oversee, download and count (township NULL: the county, every published
-- exam): the 结业 exam of a 集中培训班 (classes.exam_id) when the class has an active
-- participant who is a secretary of the township now, or a secretary of the township has
-- an attempt at it — exactly when exam_candidates (00063) has a candidate of the township;
-- any other exam by its townships (all_townships or exam_townships). exams
-- (exams/store_exams.go, visible) and the reports (app/reports/store_exams.go) call it.
CREATE FUNCTION exam_for_township(exam bigint, township bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT e.published_at IS NOT NULL AND (township IS NULL OR CASE
        WHEN EXISTS (SELECT 1 FROM classes c WHERE c.exam_id = e.id) THEN
            EXISTS (SELECT 1 FROM classes c JOIN class_participants p ON p.class_id = c.id JOIN users pu ON pu.id = p.user_id
                    WHERE c.exam_id = e.id AND pu.township_id = township AND pu.role = 'secretary' AND pu.active)
            OR EXISTS (SELECT 1 FROM attempts va JOIN users au ON au.id = va.user_id
                       WHERE va.exam_id = e.id AND au.township_id = township AND au.role = 'secretary')
        ELSE e.all_townships OR EXISTS (SELECT 1 FROM exam_townships et WHERE et.exam_id = e.id AND et.township_id = township)
        END)
    FROM exams e WHERE e.id = exam
$$;

-- +goose Down
DROP FUNCTION exam_for_township(bigint, bigint);
