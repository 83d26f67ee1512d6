-- +goose Up
-- Exam drafts. An exam is published when published_at IS NOT NULL — the one definition,
-- mirrored in Go by exams.publishedSQL and Exam.Published (exams/store_exams.go). A draft
-- (published_at NULL) is seen by county admins only: no candidate lists it, starts it or is
-- counted for it (the view below), and no home card, report or workbook reads it. Rows
-- inserted without the column (existing callers, demo data, tests) are published at once,
-- as before; the exam form saves drafts explicitly. Existing exams are published as of
-- their creation.
ALTER TABLE exams ADD COLUMN published_at timestamptz DEFAULT now();
UPDATE exams SET published_at = created_at;

-- exam_candidates (first defined in 00052) now admits published exams only.
CREATE OR REPLACE VIEW exam_candidates AS
    SELECT e.id AS exam_id, u.id AS user_id, u.township_id
    FROM exams e
    JOIN users u ON u.role = 'secretary'
    WHERE e.published_at IS NOT NULL
      AND ((u.active AND (e.all_townships OR EXISTS (
              SELECT 1 FROM exam_townships et WHERE et.exam_id = e.id AND et.township_id = u.township_id)))
       OR EXISTS (SELECT 1 FROM attempts a WHERE a.exam_id = e.id AND a.user_id = u.id));

-- +goose Down
CREATE OR REPLACE VIEW exam_candidates AS
    SELECT e.id AS exam_id, u.id AS user_id, u.township_id
    FROM exams e
    JOIN users u ON u.role = 'secretary'
    WHERE (u.active AND (e.all_townships OR EXISTS (
              SELECT 1 FROM exam_townships et WHERE et.exam_id = e.id AND et.township_id = u.township_id)))
       OR EXISTS (SELECT 1 FROM attempts a WHERE a.exam_id = e.id AND a.user_id = u.id);
ALTER TABLE exams DROP COLUMN published_at;
