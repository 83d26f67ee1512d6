-- +goose Up
-- The 结业 exam of a 集中培训班 (classes.exam_id, migrations/00060_classes.sql) is for the
-- class's participants only: when a class links the exam, its candidates are the class's
-- active participants, whatever the exam's townships say, plus (as for every exam) each
-- secretary who already has an attempt at it. Other exams keep their rule: the active
-- secretaries of the townships the exam is for (all townships when all_townships). A
-- draft is for nobody. The Go mirror is exams.IsCandidate (CandidateFacts.InClass,
-- Exam.ClassExam); exams/candidates_test.go compares the two. The exams the candidates
-- list and start are chosen by exams.takerVisible (exams/store_exams.go) by the same rule.
CREATE OR REPLACE VIEW exam_candidates AS
    SELECT e.id AS exam_id, u.id AS user_id, u.township_id
    FROM exams e
    JOIN users u ON u.role = 'secretary'
    WHERE e.published_at IS NOT NULL
      AND ((u.active AND CASE WHEN EXISTS (SELECT 1 FROM classes c WHERE c.exam_id = e.id)
              THEN EXISTS (SELECT 1 FROM classes c JOIN class_participants p ON p.class_id = c.id
                           WHERE c.exam_id = e.id AND p.user_id = u.id)
              ELSE e.all_townships OR EXISTS (
                   SELECT 1 FROM exam_townships et WHERE et.exam_id = e.id AND et.township_id = u.township_id)
              END)
       OR EXISTS (SELECT 1 FROM attempts a WHERE a.exam_id = e.id AND a.user_id = u.id));

-- +goose Down
CREATE OR REPLACE VIEW exam_candidates AS
    SELECT e.id AS exam_id, u.id AS user_id, u.township_id
    FROM exams e
    JOIN users u ON u.role = 'secretary'
    WHERE e.published_at IS NOT NULL
      AND ((u.active AND (e.all_townships OR EXISTS (
              SELECT 1 FROM exam_townships et WHERE et.exam_id = e.id AND et.township_id = u.township_id)))
       OR EXISTS (SELECT 1 FROM attempts a WHERE a.exam_id = e.id AND a.user_id = u.id));
