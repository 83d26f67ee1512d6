-- +goose Up
-- exam_candidates is the one definition of who an exam is for, owned by exams (its Go
-- mirror is exams.IsCandidate; exams/candidates_test.go compares the two): every active
-- secretary of the townships the exam is for (all townships when all_townships), plus
-- every secretary who has an attempt at it, so nobody who sat the exam drops out of its
-- results after being deactivated or moved. The results page, the results workbook and the
-- staff home card all read this view.
CREATE VIEW exam_candidates AS
    SELECT e.id AS exam_id, u.id AS user_id, u.township_id
    FROM exams e
    JOIN users u ON u.role = 'secretary'
    WHERE (u.active AND (e.all_townships OR EXISTS (
              SELECT 1 FROM exam_townships et WHERE et.exam_id = e.id AND et.township_id = u.township_id)))
       OR EXISTS (SELECT 1 FROM attempts a WHERE a.exam_id = e.id AND a.user_id = u.id);

-- +goose Down
DROP VIEW exam_candidates;
